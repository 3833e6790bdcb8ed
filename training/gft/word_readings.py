# SPDX-License-Identifier: GPL-3.0-or-later
"""Judged readings of other languages' words: the labels and tags of zh, ja, de, fr and es that name
emoji concepts, each read as what the C engine draws best for it, by the CNN judge.

Why: the prompt lexicon reads a word of another language as English only when its rules find an
entry and the likelihood prune keeps it, and for everyday words both often fail.
* "猫", "Hund", "chien" and "Feuer" stay as typed: the prune (gft.lexicon_prune) found the model
  reads them *more likely* than "cat", "dog" or "fire", but likelihood is not what the judge sees,
  and "cat" has since been read as "katze".
* "咖啡" and "Kaffee" tag one concept only, too few for a tag entry.
* One word of two languages gets one reading: the German "Mond" (moon) is read as Dutch "mond"
  (mouth), the Spanish "rana" (frog) as "injury".

So each such word of the five languages people are likeliest to type in gets its reading by the
judge, as gft.readings does for English keys:

* **Keys.** For each language of --langs in order, every label and tag (canonical form) of an
  emoji concept that the judge knows, in --groups, that is not made of English words (English
  prompts stay as they are) nor holds a style or template word. A key's concepts are those whose
  label or tags in that language hold it. Tags naming more than --max-concepts are too broad for
  one reading (a label always has its own concept: "oiseau", bird, tags 23), and tags naming
  fewer than --min-tag-concepts mostly say how one emoji looks ("sournois", sly, of 🦝). Names in
  the English word list ("Baum", "Poisson") are no English words. A key is searched when the
  lexicon has no entry for it, or when its entry reads it as an English phrase that names none of
  its concepts ("mond" -> "mouth"). Labels come first, then tags; a key two languages share
  belongs to the first.
* **Candidates.** The reading the engine gives now (the incumbent), the key as typed, the English
  label of its primary concept (the one labelled as the key; for a tag, its concept when it names
  one) and the English label or tag whose set of concepts is most like the key's (for a label, only
  when it names the primary concept: "feu" of 🔥 is no "signal" for the traffic lights); both
  English phrases are read through the lexicon, so "猫" may become "katze", as "cat" is read.
* **Search.** Each candidate draws --seeds-1 pictures (one sample each, `gft generate --literal
  -k 1`). The best by top-5 share + mean rank, if it beats the incumbent, draws --seeds-2 fresh
  seeds beside the incumbent and wins only when its top-5 share there is --min-gain or more above
  and its mean rank at most --rank-slack below, or its top-5 share is no lower and its mean rank
  --min-rank-gain or more above (decide). The choice is made again from the report's figures on
  every run, so other bars need no new pictures.
* **Lexicon.** A won reading becomes the key's entry (the entry goes when the key as typed wins).
  Every label and tag of the languages whose reading the new entries would change keeps its
  reading by an entry of its own ("熊猫" stays "panda" when "猫" reads "katze").

The search writes its report after every key and a rerun resumes; --budget stops it cleanly.
Its seeds (3000 on by default) are not those of gft.readings (1000 on), eval.acceptance (100 on)
or eval.best_of_sets (0 on).

  cd training && python3 -m gft.word_readings --engine ../build/cli/gft --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \\
      --report runs/word-readings/report.json --budget 3600 -o runs/word-readings/cand.gguf
"""
import argparse
import collections
import json
import os
import sys
import time

from . import lexicon as lexicon_mod
from .gguf_writer import run_file_tool
from .readings import GROUPS
from .text import normalize

LANGS = ("zh", "ja", "de", "fr", "es")


def _known_concepts(items, class_index, groups):
    """{judge class: its multilingual item} for the concepts of the groups the judge knows."""
    from eval.judge import base_concept
    out = {}
    for cid, c in lexicon_mod.multilingual_concepts(items).items():
        base = base_concept(cid)
        if base in class_index and c.get("group") in groups:
            out.setdefault(base, c)
    return out


def _english_sets(known):
    """{English label or tag (normalised): the judge classes it names}."""
    sets = collections.defaultdict(set)
    for base, c in known.items():
        for t in [c["labels"]["en"]] + list(c.get("tags", {}).get("en", [])):
            if normalize(t):
                sets[normalize(t)].add(base)
    return sets


def _most_like(bases, english):
    """The English phrase whose set of classes is most like bases (Jaccard; ties: the shorter)."""
    best = None
    for phrase, ids in english.items():
        shared = len(ids & bases)
        if shared:
            score = (shared / len(ids | bases), -len(phrase.encode()), phrase)
            best = max(best, score) if best else score
    return best[2] if best else None


def word_keys(items, class_index, lexicon, english_words, langs=LANGS, groups=GROUPS, max_concepts=16, articles=(),
              min_tag_concepts=2):
    """[{key, lang, label, concepts, primary, candidates}] in search order (labels, then tags; in
    language order; tags naming more concepts first): the words whose reading is searched.
    candidates[0] is the incumbent."""
    known = _known_concepts(items, class_index, groups)
    english = _english_sets(known)
    # a reading names the classes of every English phrase that reads as it ("katze": those of "cat")
    names = collections.defaultdict(set)
    for phrase, ids in english.items():
        names[lexicon.get(lexicon_mod.canonical(phrase), phrase)] |= ids
        names[phrase] |= ids
    frame = lexicon_mod.frame_words()
    out, seen = [], set()
    for is_label in (True, False):
        for lang in langs:
            named, labelled = collections.defaultdict(set), collections.defaultdict(list)
            for base, c in sorted(known.items()):
                label = c["labels"].get(lang)
                if label and lexicon_mod.canonical(label):
                    labelled[lexicon_mod.canonical(label)].append(base)
                    named[lexicon_mod.canonical(label)].add(base)
                for tag in c.get("tags", {}).get(lang, []):
                    if lexicon_mod.canonical(tag):
                        named[lexicon_mod.canonical(tag)].add(base)
            for key in sorted(named, key=lambda k: k.encode()):
                bases = named[key]
                words = key.split(" ")
                if (key in seen or bool(labelled.get(key)) != is_label or (not is_label and len(bases) > max_concepts)
                        or (not is_label and len(bases) < min_tag_concepts)
                        or all(w in english_words for w in words) or any(w in frame for w in words)):
                    continue
                if key in lexicon and names.get(lexicon[key], set()) & bases:
                    continue  # read as an English phrase naming one of its concepts
                seen.add(key)
                primary = (labelled.get(key) or sorted(bases, key=lambda b: (
                    len(known[b]["labels"]["en"].encode()), known[b]["labels"]["en"], b)))[0]
                incumbent = lexicon_mod.translate(key, lexicon, articles=articles)[0]
                # a label names its concept, so only a name of that concept may read it ("feu", 🔥, is
                # no "signal" for the traffic lights tagged feu); a broad tag's primary is one of many
                # concepts ("grün": 🐸), so it gets only the phrase most like all of them
                own = [normalize(known[primary]["labels"]["en"])] if is_label or len(bases) == 1 else []
                like = _most_like(bases, english)
                found = own + ([like] if like and (not is_label or primary in english[like]) else [])
                cands = [incumbent, key] + [lexicon.get(lexicon_mod.canonical(p), p) for p in found if p]
                out.append(dict(key=key, lang=lang, label=is_label, concepts=sorted(bases), primary=primary,
                                candidates=[t for i, t in enumerate(cands) if t not in cands[:i]]))
    # tags naming the most concepts first: broad everyday words ("Hund" tags 6 dog emoji)
    return sorted(out, key=lambda k: (not k["label"], 0 if k["label"] else -len(k["concepts"])))


def search_key(drawer, key, seed, seeds_1, seeds_2):
    """One key's record: each candidate's (top-5, rank) on the first seeds and, when the best of
    them beats the incumbent there, its and the incumbent's on fresh seeds (decide() chooses)."""
    first = list(range(seed, seed + seeds_1))
    fresh = list(range(seed + seeds_1, seed + seeds_1 + seeds_2))
    incumbent = key["candidates"][0]
    tried = {t: drawer.judged(t, key["concepts"], first) for t in key["candidates"]}
    best = max(tried, key=lambda t: (tried[t][0] + tried[t][1], t == incumbent))
    rec = dict(key=key["key"], lang=key["lang"], concepts=key["concepts"], primary=key["primary"], tried=tried,
               incumbent=incumbent, chosen=incumbent)
    if best != incumbent and sum(tried[best]) > sum(tried[incumbent]):
        rec["fresh"] = {best: drawer.judged(best, key["concepts"], fresh),
                        incumbent: drawer.judged(incumbent, key["concepts"], fresh)}
    return rec


def decide(rec, min_gain, rank_slack, min_rank_gain):
    """The reading a record chooses: the challenger of its fresh round when, on those seeds, its
    top-5 share is min_gain or more above the incumbent's and its mean rank at most rank_slack
    below, or its top-5 share is no lower and its mean rank min_rank_gain or more above (single
    samples of a weak word are rarely in the top 5, but the judge's rank still tells them
    apart); else the incumbent."""
    fresh = rec.get("fresh")
    if not fresh:
        return rec["incumbent"]
    (best, mine), theirs = next((t, v) for t, v in fresh.items() if t != rec["incumbent"]), fresh[rec["incumbent"]]
    eps = 1e-3  # the figures are stored rounded to 4 places
    if mine[0] >= theirs[0] + min_gain - eps and mine[1] >= theirs[1] - rank_slack - eps:
        return best
    if mine[0] >= theirs[0] - eps and mine[1] >= theirs[1] + min_rank_gain - eps:
        return best
    return rec["incumbent"]


def changes(report):
    """{key: reading} for the searched keys whose reading changed."""
    return {r["key"]: r["chosen"] for r in report["keys"] if r["chosen"] != r["incumbent"]}


def with_word_readings(lexicon, readings, guarded=(), articles=()):
    """The lexicon with the readings (key -> reading; a key whose reading is the key itself loses its
    entry), plus an entry for each other phrase of guarded that would otherwise read otherwise than it did."""
    out = dict(lexicon)
    for key, reading in readings.items():
        out.pop(key, None)
        if reading != key:
            out[key] = reading
    most = lambda lex: max((s.count(" ") + 1 for s in lex), default=0)
    n_before, n_after = most(lexicon), most(out)  # once, not per phrase
    for phrase in (p for p in guarded if p not in readings):
        before = lexicon_mod.translate(phrase, lexicon, n_before, articles)[0]
        if lexicon_mod.translate(phrase, out, n_after, articles)[0] != before and len(phrase.encode()) <= lexicon_mod.MAX_SOURCE_BYTES:
            out[phrase] = before
    return out


def phrases_of(items, langs=LANGS):
    """Every label and tag of langs (canonical form), sorted: the phrases whose reading stays."""
    out = set()
    for c in lexicon_mod.multilingual_concepts(items).values():
        for lang in langs:
            for t in [c["labels"].get(lang, "")] + list(c.get("tags", {}).get(lang, [])):
                out.add(lexicon_mod.canonical(t))
    out.discard("")
    return sorted(out, key=lambda p: p.encode())


def add_search_args(ap, seed):
    """The options of a judged search over keys (run_search): seeds and the bars of decide()."""
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--seeds-1", type=int, default=4, help="seeds per candidate in the first round")
    ap.add_argument("--seeds-2", type=int, default=12, help="fresh seeds for the best candidate and the incumbent")
    ap.add_argument("--min-gain", type=float, default=1 / 12, help="top-5 share the reading must gain on them")
    ap.add_argument("--rank-slack", type=float, default=0.02, help="mean rank the reading may lose on them")
    ap.add_argument("--min-rank-gain", type=float, default=0.05,
                    help="or: mean rank the reading must gain on them, at no lower top-5 share")
    ap.add_argument("--budget", type=float, default=0, help="seconds of search (0: no limit)")
    ap.add_argument("--threads", type=int, default=2)


def run_search(drawer, keys, a, name):
    """Searches every key of keys (search_key) that a.report does not hold yet, writing the report
    after each, within a.budget seconds; then decides every record again on a's bars.
    -> (report, {key: reading} of this key list whose reading changed to one of its candidates)."""
    from .readings import save_report
    report = dict(model=os.path.basename(a.model), seed=a.seed, seeds_1=a.seeds_1, seeds_2=a.seeds_2, keys=[])
    if os.path.exists(a.report):
        with open(a.report, encoding="utf-8") as f:
            report = json.load(f)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    done = {r["key"] for r in report["keys"]}
    log("%s: %d keys, %d searched before" % (name, len(keys), len(done)))
    t0 = time.time()
    for n, key in enumerate(keys):
        if key["key"] in done:
            continue
        if a.budget and time.time() - t0 > a.budget:
            log("%s: budget spent after %d of %d keys" % (name, len(report["keys"]), len(keys)))
            break
        rec = search_key(drawer, key, report["seed"], report["seeds_1"], report["seeds_2"])
        rec["chosen"] = decide(rec, a.min_gain, a.rank_slack, a.min_rank_gain)
        report["keys"].append(rec)
        save_report(a.report, report)
        if rec["chosen"] != rec["incumbent"]:
            log("%s: [%d/%d, %.0f s] %s %r: %r -> %r %s" % (name, n + 1, len(keys), time.time() - t0, rec["lang"],
                                                          rec["key"], rec["incumbent"], rec["chosen"], rec["fresh"]))
    for rec in report["keys"]:
        rec["chosen"] = decide(rec, a.min_gain, a.rank_slack, a.min_rank_gain)
    report.update(min_gain=a.min_gain, rank_slack=a.rank_slack, min_rank_gain=a.min_rank_gain)
    allowed = {k["key"]: k["candidates"] for k in keys}
    readings = {k: r for k, r in changes(report).items() if r in allowed.get(k, ())}
    report["applied"] = readings  # keys of this key list only, each with a reading it may take now
    save_report(a.report, report)
    return report, readings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True, help="the gft command")
    ap.add_argument("--model", required=True, help="the model file (its lexicon is the start)")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--judge", required=True, help="the CNN judge (eval.judge.save_judge, or a run's final.pt)")
    ap.add_argument("--report", required=True, help="the search's JSON report (read back to resume)")
    ap.add_argument("--langs", default=",".join(LANGS), help="languages whose words are keys, first wins")
    ap.add_argument("--groups", default=",".join(GROUPS), help="emojibase groups whose concepts are named")
    ap.add_argument("--english-words", default=lexicon_mod.ENGLISH_WORD_LIST,
                    help="a word list whose words are never keys ('' for none)")
    ap.add_argument("--max-concepts", type=int, default=16, help="tags naming more concepts are no keys")
    ap.add_argument("--min-tag-concepts", type=int, default=2,
                    help="tags naming fewer concepts are no keys (most tags of one emoji say how it looks)")
    ap.add_argument("--max-keys", type=int, default=0, help="search only the first N keys (0: all)")
    ap.add_argument("--labels-only", action="store_true", help="search labels only, not tags")
    ap.add_argument("--keys-from", metavar="REPORT",
                    help="search only the keys that this earlier report searched (to repeat a run)")
    add_search_args(ap, 3000)
    ap.add_argument("--search-only", action="store_true", help="write the report only, no model file")
    ap.add_argument("-o", "--output", help="the new model file (may be --model)")
    a = ap.parse_args(argv)
    if not a.search_only and not a.output:
        ap.error("-o is required unless --search-only")
    from .readings import Drawer

    def work():
        items = lexicon_mod.meta_items(a.meta)
        langs = tuple(a.langs.split(","))
        drawer = Drawer(a.engine, a.model, a.judge, a.threads)
        lexicon = lexicon_mod.read(a.model)
        english = lexicon_mod.read_word_list(a.english_words, common_only=True) if a.english_words else set()
        english |= lexicon_mod.english_caption_words(items)
        keys = word_keys(items, drawer.class_index, lexicon, english, langs, tuple(a.groups.split(",")),
                         a.max_concepts, lexicon_mod.read_articles(a.model), a.min_tag_concepts)
        keys = [k for k in keys if k["label"] or not a.labels_only]
        if a.keys_from:
            with open(a.keys_from, encoding="utf-8") as f:
                wanted = {(r["lang"], r["key"]) for r in json.load(f)["keys"]}
            keys = [k for k in keys if (k["lang"], k["key"]) in wanted]
        keys = keys[:a.max_keys] if a.max_keys else keys
        report, readings = run_search(drawer, keys, a, "word_readings")
        if a.search_only:
            return "word_readings: %d of %d searched keys read otherwise (%s)" % (len(readings), len(report["keys"]),
                                                                                 a.report)
        out = with_word_readings(lexicon, readings, phrases_of(items, langs), lexicon_mod.read_articles(a.model))
        lexicon_mod.with_lexicon(a.model, out, a.output)
        return "wrote %s: %d readings, lexicon of %d phrases" % (a.output, len(readings), len(out))
    return run_file_tool("word_readings", work)


if __name__ == "__main__":
    sys.exit(main())
