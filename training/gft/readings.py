# SPDX-License-Identifier: GPL-3.0-or-later
"""Judge-picked readings: English words and labels that the engine reads as the phrase the
model draws best, chosen by drawing pictures with the C engine and naming them with the CNN
judge (trained on real images only).

Why: the model binds some concepts' words weakly in English and better in another wording.
"cat" draws scraps while "Katze" draws cat faces; "apple" draws limes while "red apple" draws
apples (models/MODEL_CARD.md, "Judge-picked readings"). The prompt lexicon already reads other
languages as English; this step gives English keys readings of their own and points the
lexicon's entries for those keys at the same readings ("Apfel" -> "apple" -> "red apple").

* **Keys.** The English label of every emoji concept in the chosen groups (food, animals,
  places, objects, activities by default) and the head word of each longer label ("apple" of
  "red apple") when that concept is also tagged with it and the word ends at least as many of
  the pack's English labels (clip-art titles included) as it modifies (not "left" of
  "magnifying glass tilted left", nor "light", which "light bulb" and "light skin tone" use as a
  modifier). A key names the concepts whose English label holds all its words (any group);
  keys that name more than --max-concepts are too broad to get one reading and are skipped.
* **Candidates.** The key as typed and the English label of its primary concept (the one
  labelled as the key, else the shortest label ending in it); for a key that is the label, also
  that concept's labels in de, fr, es, ja and zh. A head word never gets another language's
  name of one concept ("piece" is not read as "pieza de puzle").
* **Search.** Each candidate draws --seeds-1 pictures (seeds from --seed, one sample each:
  `gft generate --literal -k 1`); a picture counts when the judge ranks one of the key's
  concepts in its top 5. The best candidate by (top-5 share + mean rank) then draws
  --seeds-2 fresh seeds beside the key as typed, and becomes the reading only when its top-5
  share there is --min-gain or more above the key's and its mean rank at most --rank-slack
  below. So the choice is never made on the seeds that found it.
* **Synonyms** (--wordnet). The keys' WordNet synonyms and kinds ("kitty", "puppy",
  gft.synonyms) are keys too, searched after all the others, judged on their source key's
  concepts with its candidates; the figures the source key's record already holds for the same
  texts and seeds are reused, so mostly only the synonym itself is drawn.
* **Lexicon.** A chosen reading becomes the key's entry (key -> reading), every lexicon entry
  that read as the key now reads as the reading, and each English label that holds a changed
  key's words gets an entry of its own, so "red apple" is not read as "red red apple". A reading
  that adds words to its key is not applied after a colour word or a one-word label ("a blue
  apple" and "strawberry fruit" stay).

The search writes its report after every key (--report), and a rerun picks up where it
stopped; --budget stops it cleanly. The evaluation seeds of eval.acceptance (100 on) and
eval.best_of_sets (0 on) are not among the search's (1000 on by default).

  cd training && python3 -m gft.readings --engine ../build/cli/gft --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \\
      --report runs/readings/report.json --budget 3600 -o runs/readings/cand.gguf
"""
import argparse
import json
import os
import sys
import tempfile
import time

from . import lexicon as lexicon_mod
from .gguf_writer import run_file_tool
from .text import normalize

GROUPS = ("animals-nature", "food-drink", "travel-places", "objects", "activities")
LANGS = ("de", "fr", "es", "ja", "zh")


def reading_keys(items, class_index, groups=GROUPS, max_concepts=12):
    """([{key, concepts, primary}] in search order: one-word keys first, the words most items of
    the pack use first; {concept: its item}). concepts:
    the judge classes whose English label holds every word of the key or whose English tags hold the
    key (a key with more than max_concepts of the first kind is too broad and left out); primary:
    the concept the key stands for (labelled as the key, else the shortest label that ends in it
    among the concepts tagged with it)."""
    from eval.judge import base_concept
    concepts = lexicon_mod.multilingual_concepts(items)
    label = {}
    for cid, c in concepts.items():
        base = base_concept(cid)
        if base in class_index and base not in label:
            label[base] = (normalize(c["labels"]["en"]), c)
    keys = set()
    for base, (text, c) in label.items():
        words = text.split(" ")
        if c.get("group") in groups and text:
            keys.add(text)
            head = words[-1]
            if len(words) > 1 and head.isalpha() and len(head) >= 3:
                keys.add(head)
    modifiers = modifier_like(items)
    tagged = {}
    for base, (_, c) in label.items():
        for tag in c.get("tags", {}).get("en", []):
            tagged.setdefault(normalize(tag), set()).add(base)
    common = word_counts(items)
    out = []
    for key in keys:
        want = set(key.split(" "))
        holding = {b for b, (t, _) in label.items() if want <= set(t.split(" "))}
        if len(holding) > max_concepts:
            continue
        named = sorted(holding | tagged.get(key, set()))
        by_size = lambda b: (len(label[b][0].encode()), label[b][0].encode())
        in_groups = [b for b in named if label[b][1].get("group") in groups]
        exact = [b for b in named if label[b][0] == key]
        # a head word stands for a concept whose label ends in it and that is tagged with it:
        # "apple" for 🍎 "red apple", never "left" for "magnifying glass tilted left"
        ending = sorted((b for b in in_groups if label[b][0].split(" ")[-1] == key
                         and b in tagged.get(key, ())), key=by_size)
        if not exact and key in modifiers:
            continue  # mostly a modifier ("green apple", "left arrow"): a reading would hijack it
        primary = (exact or ending or [None])[0]
        if primary is not None:
            out.append(dict(key=key, concepts=named, primary=primary))
    # one-word keys first, the words most items of the whole pack (clip art included) use first
    out.sort(key=lambda k: (k["key"].count(" "), -common.get(k["key"], 0), k["key"].encode()))
    return out, {b: c for b, (_, c) in label.items()}


def modifier_like(items):
    """Words that more of the pack's English labels (clip-art titles included) hold before their
    last word than end in: "left", "light", "green"."""
    last, inner = {}, {}
    for it in items:
        words = normalize(it.get("labels", {}).get("en", "")).split()
        if words:
            last[words[-1]] = last.get(words[-1], 0) + 1
            for w in set(words[:-1]):
                inner[w] = inner.get(w, 0) + 1
    return {w for w, n in inner.items() if n > last.get(w, 0)}


def word_counts(items):
    """{English word or label: how many items of the pack use it in their English label or tags}:
    how common a subject is (clip-art titles follow what people draw)."""
    import collections
    counts = collections.Counter()
    for it in items:
        en = [it.get("labels", {}).get("en", "")] + list(it.get("tags", {}).get("en", []))
        seen = set()
        for t in en:
            t = normalize(t)
            seen.add(t)
            seen.update(t.split(" "))
        counts.update(w for w in seen if w)
    return counts


def candidates(key, item, langs=LANGS, via=None):
    """The readings tried for a key: as typed, its primary concept's English label, and, when the
    key is that label, the concept's labels in langs (normalised, no repeats, in that order). A
    head word gets its English label only: "apple" may become "red apple", but a reading in
    another language would replace the word everywhere with one concept's name ("piece" with
    "pieza de puzle"). A synonym key (gft.synonyms) gets what its source key via gets: "kitty"
    via "cat" may become "katze"."""
    out = [key, normalize(item["labels"]["en"])]
    if out[1] == (via or key):
        out += [normalize(item["labels"][lang]) for lang in langs if lang in item["labels"]]
    return [t for i, t in enumerate(out) if t and t not in out[:i]]


class Drawer:
    """Draws pictures of a text with `gft generate --literal -k 1` at the file's defaults and
    names them with the CNN judge."""

    def __init__(self, engine, model, judge_path, threads=2):
        from eval.judge import load_judge

        from .gguf_import import sampling_defaults
        from .gguf_writer import GGUFFile
        self.engine, self.model, self.threads = engine, model, threads
        self.sampling = sampling_defaults(GGUFFile(model).kv)
        self.judge, self.class_index = load_judge(judge_path)

    def pictures(self, text, seeds):
        """Premultiplied float images [len(seeds), 4, 128, 128]; seeds are consecutive."""
        from eval.local_eval import engine_images
        with tempfile.TemporaryDirectory() as d:
            return engine_images(self.engine, self.model, d, self.threads, [text], seeds, self.sampling,
                                 candidates=1, literal=True).float()

    def judged(self, text, concepts, seeds):
        """(top-5 share, mean rank) of text's pictures: a picture counts when one of concepts is
        in the judge's top 5; its rank is the share of classes scored below the best of them."""
        from eval.judge import naming_any_each
        _, hit, rank = naming_any_each(self.judge, self.class_index, self.pictures(text, seeds), concepts)
        return round(hit.mean().item(), 4), round(rank.mean().item(), 4)


def search_key(drawer, key, item, seed, seeds_1, seeds_2, min_gain, rank_slack, langs=LANGS, source=None):
    """One key's search record: every candidate's (top-5, rank) on the first seeds, the best
    challenger's and the typed key's on fresh seeds, and the chosen reading. source: the record
    of the key a synonym key came from; figures it holds for the same texts, concepts and seeds
    are taken from it rather than drawn again (the engine would draw the very same pictures)."""
    first = list(range(seed, seed + seeds_1))
    fresh = list(range(seed + seeds_1, seed + seeds_1 + seeds_2))
    same = source is not None and source["concepts"] == key["concepts"]
    reused = []

    def judged(text, seeds, known):
        if same and text in known:
            reused.append(text)
            return tuple(known[text])
        return drawer.judged(text, key["concepts"], seeds)
    tried = {t: judged(t, first, source["tried"] if same else {})
             for t in candidates(key["key"], item, langs, key.get("via"))}
    typed = key["key"]
    best = max(tried, key=lambda t: (tried[t][0] + tried[t][1], t == typed))
    rec = dict(key=typed, concepts=key["concepts"], primary=key["primary"], tried=tried, chosen=typed)
    if key.get("via"):
        rec["via"] = key["via"]
    if best != typed and sum(tried[best]) > sum(tried[typed]):
        mine = judged(best, fresh, source.get("fresh", {}) if same else {})
        theirs = judged(typed, fresh, {})
        rec["fresh"] = {best: mine, typed: theirs}
        if mine[0] >= theirs[0] + min_gain - 1e-9 and mine[1] >= theirs[1] - rank_slack:
            rec["chosen"] = best
    if reused:
        rec["reused"] = reused
    return rec


def chosen_readings(report):
    """{key: reading} for the searched keys whose reading differs from the key (what the last run
    applied, report["applied"], may be fewer: keys of this run's key list only)."""
    return {r["key"]: r["chosen"] for r in report["keys"] if r["chosen"] != r["key"]}


def wordnet_compounds(wordnet):
    """WordNet's multi-word nouns, normalised ("apple pie", "adam s apple"), sorted."""
    return sorted({t for t in (normalize(w) for w in wordnet.senses_of if " " in w) if " " in t})


def modifier_words(items):
    """Words that say which one a head word means: the colour words of the pack's English labels
    (w of every "w circle" and "w square": red, blue, ...) and its one-word English labels
    ("strawberry" in "strawberry fruit")."""
    out = set()
    for it in items:
        words = normalize(it.get("labels", {}).get("en", "")).split()
        if len(words) == 2 and words[1] in ("circle", "square"):
            out.add(words[0])
        elif len(words) == 1 and words[0].isalpha():
            out.add(words[0])
    return out


def adds_words(key, reading):
    """Whether a reading keeps its key's words and adds more ("apple" -> "red apple")."""
    return set(key.split(" ")) < set(reading.split(" "))


def compound_blocks(readings, compounds):
    """The compounds (multi-word nouns, such as WordNet's collocations) that must read as
    themselves: those holding a reading's key as whole words where the key is not the head (its
    last word: "apple pie", "fruit basket", "crown jewels", "lightning bolt"), and, for a reading
    that adds words to its key, every one ("crab apple" would read "crab red apple"). A compound
    names another thing than its key, so the key's reading would change what is asked for;
    "house cat" keeps "cat" -> "katze", since a house cat is a cat. A compound whose head has a
    reading that replaces it keeps being read in parts ("iguanid lizard": both words read as
    "蜥蜴"). -> sorted phrases."""
    by_word = {}
    for c in compounds:
        for w in set(c.split(" ")):
            by_word.setdefault(w, []).append(c)
    replaced = [k.split(" ") for k, r in readings.items() if not adds_words(k, r)]
    out = set()
    for key, reading in readings.items():
        kw = key.split(" ")
        additive = adds_words(key, reading)
        n = len(kw)
        for c in by_word.get(kw[0], ()):
            cw = c.split(" ")
            if len(cw) > n and any(cw[i:i + n] == kw for i in range(len(cw) - n + 1)):
                head_read = any(len(cw) > len(h) and cw[-len(h):] == h for h in replaced)
                if (additive or cw[-n:] != kw) and not head_read:
                    out.add(c)
    return sorted(out)


def with_readings(lexicon, readings, keys, modifiers=(), compounds=()):
    """The lexicon with the readings: key -> reading, entries that read as a key now read as its
    reading, and each other phrase of keys (the English labels) holding a changed key's words
    reads as itself (it would otherwise be read in part: "red apple" as "red red apple"). A
    reading that adds words to its key ("apple" -> "red apple") is not applied after one of
    modifiers: "<modifier> <key>" reads as itself ("a blue apple" stays, not "a blue red
    apple"; "strawberry fruit" stays). compounds: multi-word nouns; those compound_blocks names
    read as themselves, unless an entry already reads them."""
    out = {src: readings.get(target, target) for src, target in lexicon.items()}
    for key, reading in readings.items():
        out[lexicon_mod.canonical(key)] = reading
    changed = [set(k.split(" ")) for k in readings]
    for key in keys:
        src = lexicon_mod.canonical(key)
        if src not in out and any(words <= set(src.split(" ")) for words in changed):
            out[src] = key
    for key, reading in readings.items():
        if adds_words(key, reading):
            for word in sorted(modifiers):
                if word not in set(reading.split(" ")) | {key}:
                    out.setdefault(lexicon_mod.canonical(word + " " + key), word + " " + key)
    for phrase in compound_blocks(readings, compounds):
        out.setdefault(lexicon_mod.canonical(phrase), phrase)
    return out


def search(drawer, keys, items_by_concept, report, *, seed, seeds_1, seeds_2, min_gain, rank_slack, budget, save,
           log):
    """Searches the keys not yet in report (in order) until the budget (seconds) is spent."""
    done = {r["key"]: r for r in report["keys"]}
    t0 = time.time()
    for n, key in enumerate(keys):
        if key["key"] in done:
            continue
        if budget and time.time() - t0 > budget:
            log("readings: budget spent after %d of %d keys" % (len(report["keys"]), len(keys)))
            break
        rec = search_key(drawer, key, items_by_concept[key["primary"]], seed, seeds_1, seeds_2, min_gain, rank_slack,
                         source=done.get(key.get("via")))
        report["keys"].append(rec)
        done[rec["key"]] = rec
        save(report)
        if rec["chosen"] != rec["key"]:
            log("readings: [%d/%d] %r -> %r %s" % (n + 1, len(keys), rec["key"], rec["chosen"], rec["fresh"]))
    return report


def save_report(path, report):
    """Writes a search report as JSON, whole or not at all (a stopped run leaves the last one)."""
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    os.replace(path + ".tmp", path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True, help="the gft command")
    ap.add_argument("--model", required=True, help="the model file (its lexicon is the start)")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--judge", required=True, help="the CNN judge (eval.judge.save_judge, or a run's final.pt)")
    ap.add_argument("--report", required=True, help="the search's JSON report (read back to resume)")
    ap.add_argument("--groups", default=",".join(GROUPS), help="emojibase groups whose labels are keys")
    ap.add_argument("--max-concepts", type=int, default=12)
    ap.add_argument("--max-keys", type=int, default=0, help="search only the first N keys (0: all)")
    ap.add_argument("--keys-from", metavar="REPORT",
                    help="search only the keys that this earlier report searched (to repeat a run)")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--seeds-1", type=int, default=4, help="seeds per candidate in the first round")
    ap.add_argument("--seeds-2", type=int, default=12, help="fresh seeds for the best candidate and the key")
    ap.add_argument("--min-gain", type=float, default=0.25, help="top-5 share the reading must gain on them")
    ap.add_argument("--rank-slack", type=float, default=0.02, help="mean rank the reading may lose on them")
    ap.add_argument("--budget", type=float, default=0, help="seconds of search (0: no limit)")
    ap.add_argument("--wordnet", metavar="DIR",
                    help="also search the keys' WordNet synonyms and kinds, searched after every other key"
                         " (gft.synonyms; Debian's wordnet-base: /usr/share/wordnet)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--search-only", action="store_true", help="write the report only, no model file")
    ap.add_argument("-o", "--output", help="the new model file (may be --model)")
    a = ap.parse_args(argv)
    if not a.search_only and not a.output:
        ap.error("-o is required unless --search-only")
    from .dataset import DatasetError, load_meta

    def work():
        try:
            items = load_meta(a.meta)[0]
        except DatasetError as e:
            raise ValueError(str(e)) from e
        drawer = Drawer(a.engine, a.model, a.judge, a.threads)
        keys, by_concept = reading_keys(items, drawer.class_index, tuple(a.groups.split(",")), a.max_concepts)
        labels = {normalize(c["labels"]["en"]) for c in by_concept.values()}
        compounds = ()
        if a.wordnet:
            from .synonyms import synonym_keys
            from .wordnet import WordNet
            try:
                wordnet = WordNet(a.wordnet)
            except (OSError, ValueError, IndexError) as e:  # a missing, unreadable or malformed file
                raise ValueError("WordNet: %s" % e) from e
            keys = keys + synonym_keys(keys, labels, wordnet, modifier_like(items), by_concept)
            compounds = wordnet_compounds(wordnet)
        if a.keys_from:
            with open(a.keys_from, encoding="utf-8") as f:
                wanted = {r["key"] for r in json.load(f)["keys"]}
            keys = [k for k in keys if k["key"] in wanted]
        if a.max_keys:
            keys = keys[:a.max_keys]
        report = dict(model=os.path.basename(a.model), seed=a.seed, seeds_1=a.seeds_1, seeds_2=a.seeds_2,
                      min_gain=a.min_gain, rank_slack=a.rank_slack, keys=[])
        if os.path.exists(a.report):
            with open(a.report, encoding="utf-8") as f:
                report = json.load(f)

        save = lambda r: save_report(a.report, r)
        log = lambda msg: print(msg, file=sys.stderr, flush=True)
        log("readings: %d keys, %d searched before" % (len(keys), len(report["keys"])))
        report = search(drawer, keys, by_concept, report, seed=report["seed"], seeds_1=report["seeds_1"],
                        seeds_2=report["seeds_2"], min_gain=report["min_gain"], rank_slack=report["rank_slack"],
                        budget=a.budget, save=save, log=log)
        save(report)
        # only keys of this key list, each with a reading it may take now
        allowed = {k["key"]: candidates(k["key"], by_concept[k["primary"]], via=k.get("via")) for k in keys}
        readings = {k: r for k, r in chosen_readings(report).items() if r in allowed.get(k, ())}
        report["applied"] = readings  # keys an earlier key list had are searched but not applied
        save(report)
        if a.search_only:
            return "readings: %d of %d searched keys read otherwise (%s)" % (len(readings), len(report["keys"]),
                                                                            a.report)
        # every English label (any group, searched or not) that holds a changed word keeps its words
        lexicon = with_readings(lexicon_mod.read(a.model), readings, sorted(labels | set(allowed)),
                                modifier_words(items), compounds)
        lexicon_mod.with_lexicon(a.model, lexicon, a.output)
        return "wrote %s: %d readings, lexicon of %d phrases" % (a.output, len(readings), len(lexicon))
    return run_file_tool("readings", work)


if __name__ == "__main__":
    sys.exit(main())
