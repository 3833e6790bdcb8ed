# SPDX-License-Identifier: GPL-3.0-or-later
"""Colour words of other languages, read as the English colour: "blaue", "rouge", "红色", "青い" ->
"blue", "red", "red", "blue".

Why: the model follows an English colour word closely ("blue car" draws blue cars, "black dog"
black shapes), but the prompt lexicon left most other languages' colour words as typed, so "blaue
Blume" was read as "blaue flower" and drew a flower of any colour, and "红色" was read as "pointed"
(the only two emoji tagged 红色 in Chinese are the red triangles).

The words come from the emoji named by a colour and a shape ("red circle", "blue square", "green
heart", "orange book"), for each colour of BASIC_COLOURS and each language:
* the words in which the labels of one shape differ from colour to colour ("roter Punkt",
  "blauer Punkt": "roter", "blauer"; "赤い丸", "緑の丸": "赤い", "緑の");
* the tags that a colour's circle and square share and no other colour's circle has ("红", "红色",
  "rot", "rouge").
Then the forms a colour adjective takes before or after a noun (INFLECTIONS): German -e -er -es
-en -em on the stem ("roter": "rot", "rote", "roten"), Spanish -o to -a -os -as, else -s or -es
("rojo": "roja"; "azul": "azules"), French -e -s -es ("vert": "verte"; "blanc": "blanche"),
Chinese X to X色 ("蓝": "蓝色").

What stays out:
* a word of the English captions, so English prompts keep what the model learnt ("rose" is the
  French pink and the English flower; "orange" and "violet" are English colours already);
  flags' names are no English words ("Cape Verde");
* a made form that is an English word built on a word of the captions ("roses", "pinker");
* a word of two colours, and a style or template word;
* a word that names a thing in one of the languages, with its forms ("rosa" is also the
  Spanish 🌹, "rosas" its plural).
Other English words are not kept out: the English "rouge" and "rot" are in no English caption,
so the model cannot draw them as English anyway. A colour word next to a word read with another
colour gets an entry of the pair ("青いりんご" -> "blue apple", not "blue red apple": recoloured).
Adding the entries leaves the reading of every label and tag of the languages and of English as
it was (gft.word_readings.with_word_readings).

  cd training && python3 -m gft.colour_words --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz -o ../models/gft-emoji.gguf
"""
import argparse
import collections
import sys

from . import lexicon as lexicon_mod
from .gguf_writer import run_file_tool
from .text import normalize

# the eleven basic colour terms of English (Berlin and Kay)
BASIC_COLOURS = ("black", "white", "red", "green", "yellow", "blue", "brown", "purple", "pink", "orange", "grey")
SHAPES = ("circle", "square", "heart", "book")
LANGS = ("zh", "ja", "de", "fr", "es")
PARTICLES = {"zh": "的", "ja": "の"}  # join a colour to its noun in Chinese and Japanese labels


def _german(w):
    if w.endswith("a"):  # "lila", "rosa": not declined
        return []
    if w[-2:] in ("er", "es", "en", "em") and len(w) > 4:  # "schwarzer": "schwarz" (never "orang": see
        stem = w[:-2]                                        # colour_entries)
        return [stem] + [stem + e for e in ("e", "er", "es", "en", "em")]
    stem = w[:-1] if w.endswith("e") else w
    return [stem + e for e in ("e", "er", "es", "en", "em")]


def _spanish(w):
    if w.endswith("o"):
        return [w[:-1] + e for e in ("a", "os", "as")]
    if w.endswith("ón"):
        return [w[:-2] + "ones"]
    return [w + "s"] if w[-1] in "aeiouáéíóú" else [w + "es"]


def _french(w):
    fem = w[:-1] + "che" if w.endswith("c") else w + "te" if w.endswith("et") else w if w.endswith("e") else w + "e"
    return [fem, w + "s", fem + "s"] if not w.endswith("s") else [fem, fem + "s"]


def _chinese(w):
    return [w + " 色"] if " " not in w and not w.endswith("色") else []


INFLECTIONS = {"de": _german, "es": _spanish, "fr": _french, "zh": _chinese}


def colour_shapes(items):
    """{shape: {colour: multilingual item}} for the English labels "<colour> <shape>"."""
    out = collections.defaultdict(dict)
    for c in lexicon_mod.multilingual_concepts(items).values():
        words = normalize(c["labels"]["en"]).split(" ")
        if len(words) == 2 and words[0] in BASIC_COLOURS and words[1] in SHAPES:
            out[words[1]].setdefault(words[0], c)
    return out


def _middles(phrases):
    """The part of each word list between the prefix and the suffix that all of them share."""
    pre = 0
    while all(len(p) > pre for p in phrases) and len({p[pre] for p in phrases}) == 1:
        pre += 1
    suf = 0
    while all(len(p) > pre + suf for p in phrases) and len({p[-1 - suf] for p in phrases}) == 1:
        suf += 1
    return [p[pre:len(p) - suf] for p in phrases]


def found_words(items, langs=LANGS):
    """{lang: {source (canonical): set of English colours}} before inflection and filtering."""
    shapes = colour_shapes(items)
    out = {lang: collections.defaultdict(set) for lang in langs}
    for lang in langs:
        for table in shapes.values():
            named = sorted((colour, item) for colour, item in table.items() if item["labels"].get(lang))
            if len(named) < 3:
                continue
            words = [lexicon_mod.canonical(item["labels"][lang]).split(" ") for _, item in named]
            for (colour, _), middle in zip(named, _middles(words)):
                if middle and middle[-1] == PARTICLES.get(lang):  # "粉红色的心", "緑のハート": the colour is before it
                    middle = middle[:-1]
                if middle:
                    out[lang][" ".join(middle)].add(colour)
        tags = {(colour, shape): {lexicon_mod.canonical(t) for t in item.get("tags", {}).get(lang, [])}
                for shape in ("circle", "square") for colour, item in shapes[shape].items()}
        for colour in BASIC_COLOURS:
            both = tags.get((colour, "circle"), set()) & tags.get((colour, "square"), set())
            others = set().union(*(t for (c, s), t in tags.items() if c != colour and s == "circle"))
            for tag in both - others - {""}:
                out[lang][tag].add(colour)
    return out


def english_caption_words(items):
    """The words of the English captions, flags aside: their names are names ("verde" is Spanish
    green, and in English only in "Cape Verde")."""
    return lexicon_mod.english_caption_words(items, skip_groups=("flags",))


def colour_entries(items, caption_words=(), word_list=(), langs=LANGS):
    """({source: English colour}, {source: why it was left out}). A word found in the labels or tags
    stays out when the English captions (caption_words) use it; a form made by INFLECTIONS also
    when word_list (an English word list) has it and it is a word of the captions with -s, -es or
    -er ("roses", "pinker": English words the model may know by their stem)."""
    found = found_words(items, langs)
    frame = lexicon_mod.frame_words()
    colours_of, made, base_of = collections.defaultdict(set), set(), {}
    for lang, table in found.items():
        for src, colours in table.items():
            colours_of[src] |= colours
            for form in INFLECTIONS.get(lang, lambda w: [])(src):
                form = lexicon_mod.canonical(form)
                if form + "e" in table:  # a stem cut from a word that ends in e ("orange": "orang")
                    continue
                colours_of[form] |= colours
                made.add(form)
                base_of.setdefault(form, src)
    for table in found.values():
        made -= set(table)
    # a colour word that one of these languages uses as the name of a thing names that thing too
    # ("rosa" is Spanish pink and the Spanish 🌹)
    names = {}
    for c in lexicon_mod.multilingual_concepts(items).values():
        if not set(normalize(c["labels"]["en"]).split(" ")) & set(BASIC_COLOURS):
            for lang in langs:
                names.setdefault(lexicon_mod.canonical(c["labels"].get(lang, "")), (lang, c["labels"]["en"]))
    entries, left_out = {}, {}
    for src in sorted(colours_of, key=lambda s: s.encode()):
        words = src.split(" ")
        if len(colours_of[src]) > 1:
            left_out[src] = "names %s" % ", ".join(sorted(colours_of[src]))
        elif all(w in caption_words for w in words):
            left_out[src] = "a word of the English captions"
        elif src in made and src in word_list and (src[:-1] in caption_words and src.endswith("s")
                                                   or src[:-2] in caption_words and src[-2:] in ("er", "es")):
            left_out[src] = "a made form that is an English word built on a word of the captions"
        elif any(w in frame for w in words):
            left_out[src] = "a style or template word"
        elif src in names or base_of.get(src) in names:
            left_out[src] = "the %s name of %s, or a form of it" % names.get(src, names.get(base_of.get(src)))
        else:
            entries[src] = next(iter(colours_of[src]))
    return entries, left_out


def recoloured(lexicon, items, caption_words=(), word_list=(), langs=LANGS):
    """Entries for a colour word next to a word whose reading adds another colour: "apple" is read
    as "red apple", so "青いりんご" would be read "blue red apple". For each reading of an English
    key that adds a colour word, each source of a language read so ("りんご", "apfel") and each
    colour word of that language: colour + source, source + colour (French and Spanish put it
    after) and, in Chinese and Japanese, colour + 的/の + source, each read as the colour + the key
    ("blue apple")."""
    from .readings import adds_words
    from .word_readings import phrases_of
    added = {}
    for key, reading in lexicon.items():
        if adds_words(key, reading) and set(reading.split(" ")) - set(key.split(" ")) & set(BASIC_COLOURS):
            added.setdefault(reading, key)
    out = {}
    for lang in langs:
        colours = colour_entries(items, caption_words, word_list, (lang,))[0]
        own = set(phrases_of(items, (lang,)))
        for src, target in lexicon.items():
            if target not in added or src not in own or set(src.split(" ")) & set(colours):
                continue
            key = added[target]
            for word, colour in colours.items():
                joins = [(word + " " + src, colour + " " + key), (src + " " + word, key + " " + colour)]
                if lang in PARTICLES:
                    joins.append((word + " " + PARTICLES[lang] + " " + src, colour + " " + key))
                for phrase, reading in joins:
                    if phrase not in lexicon and len(phrase.encode()) <= lexicon_mod.MAX_SOURCE_BYTES:
                        out[phrase] = reading
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the model file (its lexicon gets the colour words)")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--english-words", default=lexicon_mod.ENGLISH_WORD_LIST,
                    help="an English word list: a made form it has is no source (default: %(default)s; '' for none)")
    ap.add_argument("--langs", default=",".join(LANGS))
    ap.add_argument("--list", action="store_true", help="print the entries and what was left out, write nothing")
    ap.add_argument("-o", "--output", help="the new model file (may be --model)")
    a = ap.parse_args(argv)
    if not a.list and not a.output:
        ap.error("-o is required unless --list")
    from .word_readings import phrases_of, with_word_readings

    def work():
        items = lexicon_mod.meta_items(a.meta)
        langs = tuple(a.langs.split(","))
        # common words only: "Blanca" and "Rojas" are names
        word_list = lexicon_mod.read_word_list(a.english_words, common_only=True) if a.english_words else set()
        captions = english_caption_words(items)
        entries, left_out = colour_entries(items, captions, word_list, langs)
        if a.list:
            for src, colour in sorted(entries.items(), key=lambda kv: (kv[1], kv[0])):
                print("%s\t%s" % (src, colour))
            for src, why in sorted(left_out.items()):
                print("left out\t%s\t%s" % (src, why))
            return "%d colour words, %d left out" % (len(entries), len(left_out))
        lexicon = lexicon_mod.read(a.model)
        both = dict(recoloured(lexicon, items, captions, word_list, langs), **entries)
        # every label and tag, English ones too ("flag cape verde"), reads as it did
        out = with_word_readings(lexicon, both, phrases_of(items, langs + ("en",)),
                                 lexicon_mod.read_articles(a.model))
        lexicon_mod.with_lexicon(a.model, out, a.output)
        changed = sum(1 for s, c in entries.items() if lexicon.get(s) != c)
        return "wrote %s: %d colour words (%d new or changed), %d colour + word phrases, lexicon of %d phrases" % (
            a.output, len(entries), changed, len(both) - len(entries), len(out))
    return run_file_tool("colour_words", work)


if __name__ == "__main__":
    sys.exit(main())
