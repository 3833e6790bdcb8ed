# SPDX-License-Identifier: GPL-3.0-or-later
"""The prompt lexicon: words and phrases of other languages read as the English the model
knows best (docs/model-format.md, "Prompt lexicon").

The model learnt every concept from English captions far more often than from any one other
language (one caption in 40 was Chinese), so "红苹果" draws no apple while "red apple" does.
The data already holds the translations: every emoji concept has a label and tags in 25
languages besides English (emojibase-data). This module turns them into a lexicon that the
engine applies to a prompt before tokenising it:

* every non-English *label* maps to the concept's English label ("红苹果" -> "red apple");
* a non-English *tag* maps to the English tag or label whose set of concepts it matches best
  (Jaccard >= 0.5 over at least 2 concepts: "苹果" -> "apple", "Katze" -> "cat");
* the style words of ``gft.captions.STYLE_WORDS`` map to their canonical English phrase;
* skin-tone variants are left out (their labels repeat the base label with a tone);
* a one-word source must mean its target in most places it occurs: of the concepts whose
  other-language captions use the word, at least half have every word of the target in their
  English captions ("的", the Japanese label of 🎯, is left out, being everywhere in Chinese);
* a phrase made only of words that English captions use, or of English words (a word list such
  as Debian's wamerican), is left out, so English prompts are not changed ("chat" stays);
* a word of the style words and caption templates of any language (``frame_words``) is read
  only as its own style, if it is one: the Dutch tag "stil" ("quiet") is also the German
  "Stil" of "Noto-Stil", so "im Clipart-Stil" must not read as "im clipart quiet".

Matching works on the words of normalised text (``gft.text.split_words``: CJK code points are
words of their own), so "红苹果", "红 苹果" and "紅蘋果"'s own entry all match whole words only.
A source is stored as its words joined by single spaces ("红 苹 果"). The longest match wins,
left to right; text between matches stays as it was.

  cd training && python3 -m gft.lexicon --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz --f16-embeddings -o ../models/gft-emoji.gguf
"""
import argparse
import collections
import sys

from .captions import STYLE_WORDS, TEMPLATES, all_caption_texts
from .gguf_writer import STRING, T_F16, T_F32, U32, GGUFFile, copy_of, run_file_tool
from .text import MAX_NORM_BYTES, normalize, split_words

KEY_SOURCES = "gft.lexicon.sources"
KEY_TARGETS = "gft.lexicon.targets"
KEY_TARGET_IDS = "gft.lexicon.target_ids"
KEYS = (KEY_SOURCES, KEY_TARGETS, KEY_TARGET_IDS)
# Articles: dropped from a prompt wherever no source starts, unless no word would be left
# ("ein roter Apfel" -> "red apple", "a picture of a cat" -> "picture of cat"). Kept apart from
# KEYS, so that rewriting the lexicon (gft.readings) keeps them.
KEY_ARTICLES = "gft.lexicon.articles"
# Articles, and Chinese "one" + a measure word, of the languages people are likeliest to type
# in. A reading leaves other languages' articles in front of an English reading ("une red
# apple"), and those cost the concept: eval/results/articles-2026-11-28/.
ARTICLES = {
    "en": ["a", "an", "the"],
    "de": ["ein", "eine", "einen", "einem", "einer", "der", "die", "das", "den", "dem"],
    "fr": ["un", "une", "le", "la", "les", "l", "des", "du"],
    "es": ["un", "una", "unos", "unas", "el", "la", "los", "las"],
    "it": ["il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "l"],
    "pt": ["o", "a", "os", "um", "uma"],  # not "as": an English word
    "nl": ["een", "het"],  # not "de": the Spanish, French and Portuguese "of"
    "zh": ["一" + m for m in "个只颗块张朵条杯辆片头座棵把本台位根匹架艘枚盒碗盘瓶双件顶支枝串轮"],
}
MIN_JACCARD = 0.5
MIN_SHARED = 2
MIN_ONE_WORD_SHARE = 0.5
MAX_SOURCE_BYTES = 255  # the engine refuses longer sources
ENGLISH_WORD_LIST = "/usr/share/dict/american-english"  # Debian's wamerican
EMBEDDINGS = ("text_emb.weight", "text_pos", "img_emb.weight", "img_row", "img_col")


def canonical(text):
    """The lexicon form of a text: its normalised words joined by single spaces."""
    return " ".join(split_words(normalize(text)))


def multilingual_concepts(items):
    """{concept id: item} for the items with labels in English and another language."""
    out = {}
    for it in items:
        labels = it["labels"]
        if "en" in labels and len(labels) > 1 and "skin tone" not in labels["en"]:
            out.setdefault(it["concept"], it)
    return out


def _best_target(counter):
    """The most frequent target; ties go to the shorter, then the smaller in bytes."""
    return min(counter.items(), key=lambda kv: (-kv[1], len(kv[0].encode()), kv[0].encode()))[0]


def read_word_list(path, common_only=False):
    """The normalised words of a word list, one per line. common_only: only the lines that start
    in lower case, so that names ("Baum", "Poisson") are not English words."""
    with open(path, encoding="utf-8") as f:
        return {w for line in f if not common_only or line[:1].islower() for w in split_words(normalize(line))}


def word_concepts(concepts):
    """({word: concepts whose other-language captions use it}, {concept: its English words})."""
    where = collections.defaultdict(set)
    english = collections.defaultdict(set)
    for cid, c in concepts.items():
        for lang, label in c["labels"].items():
            for t in [label] + list(c.get("tags", {}).get(lang, [])):
                for w in split_words(normalize(t)):
                    (english[cid].add(w) if lang == "en" else where[w].add(cid))
    return where, english


def _label_targets(concepts):
    """{source: English label}: every other language's label of a concept."""
    counts = collections.defaultdict(collections.Counter)
    for c in concepts.values():
        en = normalize(c["labels"]["en"])
        for lang, label in c["labels"].items():
            if lang != "en" and en:
                counts[canonical(label)][en] += 1
    return {src: _best_target(cnt) for src, cnt in counts.items() if src}


def _tag_targets(concepts):
    """{source: English tag or label}: for each other-language tag, the English phrase whose
    set of concepts is most like the tag's (Jaccard >= MIN_JACCARD, >= MIN_SHARED shared)."""
    english_sets = collections.defaultdict(set)
    other_sets = collections.defaultdict(set)
    for cid, c in concepts.items():
        english_sets[normalize(c["labels"]["en"])].add(cid)
        for lang, tags in c.get("tags", {}).items():
            for tag in tags:
                (english_sets[normalize(tag)] if lang == "en" else other_sets[canonical(tag)]).add(cid)
    english_sets.pop("", None)
    other_sets.pop("", None)
    by_concept = collections.defaultdict(list)  # concept -> English phrases naming it
    for phrase, ids in english_sets.items():
        for cid in ids:
            by_concept[cid].append(phrase)
    out = {}
    for src, ids in other_sets.items():
        if len(ids) < MIN_SHARED:
            continue
        best = None
        for phrase in {p for cid in ids for p in by_concept[cid]}:
            shared = len(ids & english_sets[phrase])
            score = (shared / len(ids | english_sets[phrase]), shared, -len(phrase.encode()))
            if best is None or score > best[0] or (score == best[0] and phrase.encode() < best[1].encode()):
                best = (score, phrase)
        if best and best[0][0] >= MIN_JACCARD and best[0][1] >= MIN_SHARED:
            out[src] = best[1]
    return out


def _style_targets():
    """{source: canonical English style phrase} from gft.captions.STYLE_WORDS."""
    out = {}
    for style in sorted(STYLE_WORDS):
        english = normalize(STYLE_WORDS[style]["en"][0])
        for lang in sorted(STYLE_WORDS[style]):
            for phrase in STYLE_WORDS[style][lang]:
                if lang != "en":
                    out.setdefault(canonical(phrase), english)
    return out


def frame_words():
    """The words of every language's style words and caption templates ("stil", "estilo",
    "图", "von"): the frame around a concept's name in the training captions."""
    phrases = [p for table in STYLE_WORDS.values() for ps in table.values() for p in ps]
    phrases += [t.replace("{x}", " ") for table in TEMPLATES.values() for ts in table.values() for t in ts]
    return {w for p in phrases for w in split_words(normalize(p))}


def without_frame_conflicts(lexicon):
    """The lexicon without its one-word entries that read a frame word (``frame_words``) as
    something other than that word's own style phrase. Returns (kept, dropped sources)."""
    frame, styles = frame_words(), _style_targets()
    dropped = sorted(s for s, t in lexicon.items() if s in frame and styles.get(s) != t)
    return {s: t for s, t in lexicon.items() if s not in dropped}, dropped


def english_caption_words(items, skip_groups=()):
    """The words of the English captions of the multilingual concepts (those of skip_groups aside):
    what English prompts can draw with, so never a lexicon source."""
    concepts = [c for c in multilingual_concepts(items).values() if c.get("group") not in skip_groups]
    return {w for t in all_caption_texts(concepts, langs={"en"}) for w in split_words(normalize(t))}


def build(items, english_word_list=()):
    """{source (canonical form): English target (normalised)} from caption items. Sources made
    only of English words (the emoji's English captions, the style and template words, and
    english_word_list) are left out."""
    concepts = multilingual_concepts(items)
    english_words = set(english_word_list) | english_caption_words(items)
    where, english_of = word_concepts(concepts)

    def means(src, target):
        """False for a one-word source used mostly where the target is not meant."""
        if " " in src or not where.get(src):
            return True
        words = set(target.split(" "))
        agree = sum(1 for cid in where[src] if words <= english_of[cid])
        return agree >= MIN_ONE_WORD_SHARE * len(where[src])

    labels, tags, styles = _label_targets(concepts), _tag_targets(concepts), _style_targets()
    lexicon = {}
    for src in set(labels) | set(tags) | set(styles):
        if len(src.encode()) > MAX_SOURCE_BYTES or all(w in english_words for w in src.split(" ")):
            continue
        for table in (labels, tags, styles):  # a label first, then a tag, then a style word
            if src in table and means(src, table[src]):
                lexicon[src] = table[src]
                break
    return without_frame_conflicts(lexicon)[0]


def article_list():
    """The default articles (ARTICLES), canonical and sorted by bytes."""
    return sorted({canonical(w) for ws in ARTICLES.values() for w in ws}, key=lambda w: w.encode())


def article_guards(items, articles):
    """{label: label} for the English emoji labels that hold an article ("a button blood type",
    "face blowing a kiss"): as sources read as themselves they keep their words."""
    table = _phrases(articles)
    out = {}
    for c in multilingual_concepts(items).values():
        label = canonical(c["labels"]["en"])
        words = label.split(" ")
        if len(words) > 1 and any(_longest(table, words, i) for i in range(len(words))):
            out[label] = label
    return out


def _phrases(phrases):
    """(set of phrases, most words in one): a table for _longest."""
    phrases = set(phrases)
    return phrases, max((p.count(" ") + 1 for p in phrases), default=0)


def _longest(table, words, i):
    """The number of words of the longest phrase of table at words[i:] (0: none)."""
    phrases, most = table
    for n in range(min(most, len(words) - i), 0, -1):
        if " ".join(words[i:i + n]) in phrases:
            return n
    return 0


def translate(text, lexicon, max_words=None, articles=()):
    """-> (text read through the lexicon, number of phrases read otherwise: a source read as
    itself does not count). The result is normalised; when no phrase is read otherwise it is
    normalize(text). Pieces that would take it past
    MAX_NORM_BYTES are dropped, as the engine does. articles: dropped wherever no source starts,
    unless no word of the reading would be left (each drop counts as a phrase)."""
    norm = normalize(text)
    if max_words is None:
        max_words = max((s.count(" ") + 1 for s in lexicon), default=0)
    spans = _word_spans(norm)
    words = [norm[a:b] for a, b in spans]
    sources, articles = (lexicon, max_words), _phrases(articles)
    pieces, cursor, i, count = [], 0, 0, 0
    kept = False  # a word before i stays in the reading
    while i < len(spans):
        n = _longest(sources, words, i)
        drop = not n and _longest(articles, words, i)
        drop = drop if drop and (kept or i + drop < len(words)) else 0
        if not n and not drop:
            kept, i = True, i + 1
            continue
        n = n or drop
        # the text before the match, then its target (none for an article)
        pieces.append(norm[cursor:spans[i][0]].strip(" "))
        key = " ".join(words[i:i + n])
        cursor, i = spans[i + n - 1][1], i + n
        if drop:
            count += 1
            continue
        kept = True
        pieces.append(lexicon[key].strip(" "))
        count += lexicon[key] != key  # a source read as itself only keeps the match whole
    if not count:
        return norm, 0
    pieces.append(norm[cursor:].strip(" "))
    out, size = [], 0
    for p in (p for p in pieces if p):
        need = len(p.encode()) + (1 if out else 0)
        if size + need > MAX_NORM_BYTES:
            break
        out.append(p)
        size += need
    return " ".join(out), count


def _word_spans(norm):
    """(start, end) character offsets of split_words(norm)'s words, in order."""
    spans, pos = [], 0
    for w in split_words(norm):
        start = norm.index(w, pos)
        spans.append((start, start + len(w)))
        pos = start + len(w)
    return spans


def add_keys(writer, lexicon):
    """The lexicon's three keys: sources sorted by bytes, unique targets, one id per source."""
    sources = sorted(lexicon, key=lambda s: s.encode())
    targets = sorted(set(lexicon.values()), key=lambda s: s.encode())
    index = {t: i for i, t in enumerate(targets)}
    writer.add_array(KEY_SOURCES, STRING, sources)
    writer.add_array(KEY_TARGETS, STRING, targets)
    writer.add_array(KEY_TARGET_IDS, U32, [index[lexicon[s]] for s in sources])


def read_articles(path_or_file):
    """The articles a model file holds ([] when none)."""
    f = GGUFFile(path_or_file) if isinstance(path_or_file, str) else path_or_file
    return list(f.kv.get(KEY_ARTICLES, []))


def with_articles(src_path, words, out_path):
    """Copies a model file with `words` as its articles (none when empty); everything
    else is copied byte for byte, in order."""
    w = copy_of(src_path, keep_key=lambda key: key != KEY_ARTICLES)
    _add_articles(w, words)
    w.write_replacing(out_path)


def _add_articles(w, words):
    """The articles key of words (canonical, sorted by bytes, no repeats); none when empty."""
    if words:
        w.add_array(KEY_ARTICLES, STRING, sorted({canonical(x) for x in words}, key=lambda x: x.encode()))


def read(path_or_file):
    """The lexicon a model file holds ({} when none)."""
    f = GGUFFile(path_or_file) if isinstance(path_or_file, str) else path_or_file
    if KEY_SOURCES not in f.kv:
        return {}
    targets = f.kv[KEY_TARGETS]
    return {s: targets[i] for s, i in zip(f.kv[KEY_SOURCES], f.kv[KEY_TARGET_IDS])}


def with_lexicon(src_path, lexicon, out_path, f16_embeddings=False, articles=None):
    """Copies a model file with `lexicon` in place of the one it holds (if any); with
    f16_embeddings, F32 embedding tables become F16 (to make room: 3.9 MB on the shipped
    model); with articles (a list, [] for none), those in place of the file's articles.
    Everything else is copied byte for byte, in order."""
    def retype(name, ttype):
        return T_F16 if f16_embeddings and name in EMBEDDINGS and ttype == T_F32 else ttype

    replaced = KEYS + ((KEY_ARTICLES,) if articles is not None else ())
    w = copy_of(src_path, keep_key=lambda key: key not in replaced, retype=retype)
    if lexicon:
        add_keys(w, lexicon)
    _add_articles(w, articles)
    w.write_replacing(out_path)


def carry_over(start, path):
    """Gives the model file at path the prompt lexicon and articles of the model file
    `start` (a path or a GGUFFile), and F16 embeddings when start's are, so that a file exported from start's weights
    reads prompts as start does (gft.cca_file's judged pictures and candidate). No-op when
    start has neither."""
    f = GGUFFile(start) if isinstance(start, str) else start
    f16 = any(f.tensor_info[n][1] == T_F16 for n in EMBEDDINGS if n in f.tensor_info)
    lex = read(f)
    if lex or f16:
        with_lexicon(path, lex, path, f16_embeddings=f16)
    if read_articles(f):
        with_articles(path, read_articles(f), path)


def pruned(lexicon, items, model_path, codes_path, report_path=None):
    """gft.lexicon_prune.prune with the model file and code grids at these paths."""
    import json

    import torch

    from .encode import load_codes_xz
    from .gguf_import import load_gguf
    from .lexicon_prune import prune
    m = load_gguf(model_path)
    codes = load_codes_xz(codes_path)
    if codes.ndim != 3 or codes.shape[1] != len(items) or codes.max() >= m.gft.cfg.codebook_size:
        raise ValueError(f"{codes_path}: code grids of shape {codes.shape} do not fit {len(items)} items "
                         f"and {m.gft.cfg.codebook_size} codes")
    grids = torch.from_numpy(codes[0].astype("int64"))
    kept, report = prune(lexicon, items, grids, m.gft.float(), m.tokenizer,
                         log=lambda msg: print(msg, file=sys.stderr, flush=True))
    if report_path:
        with open(report_path, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
    return kept


def pairs(entries):
    """{source: target} from "SOURCE=ENGLISH" strings, both normalised (sources canonical)."""
    out = {}
    for e in entries:
        src, sep, target = e.partition("=")
        src, target = canonical(src), normalize(target)
        if not sep or not src or not target or len(src.encode()) > MAX_SOURCE_BYTES:
            raise ValueError(f"--pair {e!r} is not SOURCE=ENGLISH (each non-empty, the source "
                             f"at most {MAX_SOURCE_BYTES} bytes)")
        out[src] = target
    return out


def meta_items(path):
    """The caption items of a pack's meta.json.xz; a bad pack is a ValueError with a message."""
    from .dataset import DatasetError, load_meta
    try:
        return load_meta(path)[0]
    except DatasetError as e:
        raise ValueError(str(e)) from e


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--meta", help="the pack's meta.json.xz (captions of every item)")
    src.add_argument("--pair", action="append", metavar="SOURCE=ENGLISH",
                     help="one entry by hand (repeatable), instead of --meta: tests, own words")
    ap.add_argument("--english-words", default=ENGLISH_WORD_LIST,
                    help="a word list whose words are never translated (default: %(default)s, from "
                         "Debian's wamerican; '' for none)")
    ap.add_argument("--prune-codes", metavar="CODES",
                    help="with --meta: the pack's code grids (gft.encode) for --model; drop the frequent "
                         "words the model reads better as typed (gft.lexicon_prune)")
    ap.add_argument("--prune-report", metavar="JSON", help="where to write what the pruning dropped")
    ap.add_argument("--f16-embeddings", action="store_true", help="store F32 embedding tables as F16")
    ap.add_argument("--articles", choices=("default", "none", "keep"), default="keep",
                    help="the articles a reading drops: ARTICLES, none, "
                         "or those the file has (default)")
    ap.add_argument("--articles-meta", metavar="META",
                    help="with --articles default and no --meta: the pack's meta.json.xz, for the guards (English "
                         "emoji labels that hold an article read as themselves: 'a button blood type')")
    src.add_argument("--none", action="store_true", help="remove the lexicon instead")
    src.add_argument("--drop-frame-conflicts", action="store_true",
                     help="instead of building one: keep the model's own lexicon minus the one-word entries "
                          "that read a style or template word of some language as something else")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        if a.pair:
            lexicon = pairs(a.pair)
        elif a.meta:
            items = meta_items(a.meta)
            lexicon = build(items, read_word_list(a.english_words) if a.english_words else ())
            if a.prune_codes:
                lexicon = pruned(lexicon, items, a.model, a.prune_codes, a.prune_report)
        elif a.drop_frame_conflicts:
            lexicon, dropped = without_frame_conflicts(read(a.model))
            print("dropped: %s" % (", ".join(dropped) or "none"), file=sys.stderr)
        else:
            lexicon = {}
        if a.articles == "default" and (a.meta or a.articles_meta):
            items = items if a.meta else meta_items(a.articles_meta)
            lexicon = dict(lexicon, **article_guards(items, article_list()))
        articles = None if a.articles == "keep" else article_list() if a.articles == "default" else []
        with_lexicon(a.model, lexicon, a.output, a.f16_embeddings, articles)
        return f"wrote {a.output}: lexicon of {len(lexicon)} phrases, {len(read_articles(a.output))} articles"
    return run_file_tool("lexicon", work)


if __name__ == "__main__":
    sys.exit(main())
