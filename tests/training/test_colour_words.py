# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the colour words of other languages (training/gft/colour_words.py): which words
the emoji named by colour and shape give, their made forms, what stays out, and a model file's
lexicon after the step (gft tokenize reads them; no label reads otherwise).

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_colour_words.py
"""
import json
import lzma
import os
import subprocess
import tempfile

from gft import colour_words, lexicon, word_readings
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_lexicon import emoji

# (English colour, German circle, French circle, Chinese circle, Japanese circle, German tag)
CIRCLES = [("red", "roter Punkt", "disque rouge", "红色圆", "赤い丸", "rot"),
           ("blue", "blauer Punkt", "disque bleu", "蓝色圆", "青い丸", "blau"),
           ("green", "grüner Punkt", "disque vert", "绿色圆", "緑の丸", "grün"),
           ("pink", "rosa Punkt", "disque rose", "粉红色圆", "ピンクの丸", "rosa")]


def world():
    items = []
    for en, de, fr, zh, ja, tag in CIRCLES:
        items.append(emoji("emoji:%s-circle" % en, {"en": en + " circle", "de": de, "fr": fr, "zh": zh, "ja": ja},
                           {"en": [en, "circle"], "de": [tag, "Kreis", "geometrisch"], "fr": ["cercle"]}))
        items.append(emoji("emoji:%s-square" % en, {"en": en + " square", "de": de.split()[0].replace("er", "es") + " Quadrat"},
                           {"en": [en, "square"], "de": [tag, "Quadrat", "geometrisch"]}))
    items.append(emoji("emoji:rose", {"en": "rose", "de": "Rose", "fr": "rose", "es": "rosa"}, {"en": ["flower"]}))
    items.append(emoji("emoji:cape", {"en": "flag: Cape Verde", "de": "Flagge: Cabo Verde"}, {}))
    items[-1]["group"] = "flags"
    return items


def write_meta(path, items):
    """A pack's meta.json.xz holding only these items' captions (gft.dataset.load_meta reads it)."""
    concepts = {it["concept"]: dict(labels=it["labels"], tags=it["tags"], group=it.get("group", "")) for it in items}
    rows = [dict(id=it["concept"], concept=it["concept"], style=it["style"]) for it in items]
    with lzma.open(path, "wt", encoding="utf-8") as f:
        json.dump(dict(format="gft-pack-v1", size=128, chunks=[], items=rows, concepts=concepts, split=[0] * len(rows)), f, ensure_ascii=False)


def test_found_words_and_forms():
    found = colour_words.found_words(world(), ("de", "fr", "zh", "ja"))
    check(dict(found["de"]).get("roter") == {"red"} and dict(found["de"]).get("rot") == {"red"},
          "a label's differing words and a tag a colour's circle and square share: %s" % dict(found["de"]))
    check("geometrisch" not in found["de"], "a tag every colour shares is no colour word")
    check(dict(found["zh"]).get("红") == {"red"} and dict(found["ja"]).get("赤 い") == {"red"}
          and dict(found["ja"]).get("緑") == {"green"},
          "Chinese and Japanese: the differing characters, without the particle の: %s %s"
          % (dict(found["zh"]), dict(found["ja"])))
    check(colour_words.INFLECTIONS["de"]("roter") == ["rot", "rote", "roter", "rotes", "roten", "rotem"],
          "German: the stem and its endings")
    check("orang" not in colour_words.INFLECTIONS["de"]("orange") and "orangen" in colour_words.INFLECTIONS["de"]("orange"),
          "German: a word ending in e keeps its e")
    check(colour_words.INFLECTIONS["es"]("rojo") == ["roja", "rojos", "rojas"]
          and colour_words.INFLECTIONS["es"]("azul") == ["azules"] and colour_words.INFLECTIONS["es"]("marrón") == ["marrones"],
          "Spanish: -o to -a -os -as, a consonant takes -es")
    check(colour_words.INFLECTIONS["fr"]("vert") == ["verte", "verts", "vertes"]
          and colour_words.INFLECTIONS["fr"]("blanc")[0] == "blanche" and colour_words.INFLECTIONS["fr"]("violet")[0] == "violette",
          "French: the feminine and plurals")
    check(colour_words.INFLECTIONS["zh"]("红") == ["红 色"], "Chinese: X and X色")


def test_entries_and_what_stays_out():
    items = world()
    captions = colour_words.english_caption_words(items)
    check("rose" in captions and "verde" not in captions, "caption words: flags' names are no English words")
    entries, left_out = colour_words.colour_entries(items, captions, {"roses", "rote", "blues"}, ("de", "fr", "zh", "ja"))
    check(entries.get("rouge") == "red" and entries.get("bleue") == "blue" and entries.get("rote") == "red"
          and entries.get("红 色") == "red", "found words and their forms: %s" % sorted(entries))
    check("rose" in left_out and "rose" not in entries, "a word of the English captions stays out (the flower)")
    check("roses" in left_out, "a made form that is an English word built on a caption word stays out")
    check("ピ ン ク" in left_out and "template" in left_out["ピ ン ク"], "a style or template word stays out: %s" % left_out)
    check(entries.get("rosa") == "pink" and entries.get("grün") == "green", "a word of one colour is an entry")
    with_es, left_es = colour_words.colour_entries(items, captions, set(), ("de", "es"))
    check("rosa" not in with_es and "name" in left_es.get("rosa", ""),
          "a colour word that names a thing in one of the languages stays out (Spanish 🌹): %s" % left_es)


def test_recoloured():
    items = world() + [emoji("emoji:apple", {"en": "red apple", "de": "roter Apfel", "ja": "赤いりんご"},
                             {"de": ["Apfel"], "ja": ["りんご"]})]
    lex = {"apple": "red apple", "apfel": "red apple", "り ん ご": "red apple", "roter apfel": "red apple",
           "katze": "katze"}
    got = colour_words.recoloured(lex, items, colour_words.english_caption_words(items), set(), ("de", "ja"))
    check(got.get("blauer apfel") == "blue apple" and got.get("apfel blau") == "apple blue",
          "a colour word before or after a word read with another colour: %s" % sorted(got)[:8])
    check(got.get("青 い り ん ご") == "blue apple" and got.get("緑 の り ん ご") == "green apple",
          "Japanese, with and without の")
    check("roter apfel" not in got and not any("katze" in k for k in got),
          "phrases the lexicon has, and words read without a colour, get none")
    check(not any(k.startswith("blauer") and "り" in k for k in got), "colour words pair with their own language")


def test_colour_check_bins():
    """eval.colour_check names plain colours as a person would, and counts opaque pixels only."""
    import torch
    from eval.colour_check import COLOURS, colour_bins, colour_shares
    plain = {"red": (1, 0, 0), "orange": (1, 0.5, 0), "yellow": (1, 0.9, 0.1), "green": (0.1, 0.6, 0.1),
             "blue": (0.1, 0.3, 0.9), "purple": (0.5, 0.1, 0.8), "pink": (1, 0.4, 0.7), "brown": (0.5, 0.3, 0.1),
             "black": (0.05, 0.05, 0.05), "white": (1, 1, 1), "grey": (0.5, 0.5, 0.5)}
    got = colour_bins(torch.tensor(list(plain.values())))
    check([COLOURS[i] for i in got] == list(plain), "plain colours: %s" % [COLOURS[i] for i in got])
    img = torch.zeros(1, 4, 2, 2)
    img[0, :, 0, 0] = torch.tensor([0.1, 0.3, 0.9, 1.0])  # opaque blue (premultiplied, alpha 1)
    img[0, :, 0, 1] = torch.tensor([0.05, 0.15, 0.45, 0.5])  # half-transparent: not counted
    img[0, :, 1, 0] = torch.tensor([1.0, 0.0, 0.0, 1.0])  # opaque red
    shares = colour_shares(img)[0]
    check(abs(shares[COLOURS.index("blue")] - 0.5) < 1e-6 and abs(shares[COLOURS.index("red")] - 0.5) < 1e-6,
          "shares over the opaque pixels only: %s" % shares.tolist())


def test_model_file():
    from test_training import gft_cli
    engine = gft_cli()
    if not engine:
        return
    from gft.export_gguf import export_model, random_model
    items = world()
    with tempfile.TemporaryDirectory() as d:
        gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 3)
        start, out = os.path.join(d, "start.gguf"), os.path.join(d, "out.gguf")
        export_model(gft, dec, cb, tok, known, sampling, start, "q8_0", False, vcfg)
        lexicon.with_lexicon(start, {"rot": "pointed", "roter punkt": "red circle"}, start)
        meta = os.path.join(d, "meta.json.xz")
        write_meta(meta, items)
        check(colour_words.main(["--model", start, "--meta", meta, "--english-words", "", "-o", out]) == 0,
              "colour_words writes a model file")
        got, before = lexicon.read(out), lexicon.read(start)
        check(got["rot"] == "red" and got["roter punkt"] == "red circle", "a colour word replaces a wrong reading")
        phrases = word_readings.phrases_of(items, colour_words.LANGS + ("en",))
        check(all(lexicon.translate(p, got)[0] == lexicon.translate(p, before)[0] for p in phrases
                  if p not in colour_words.colour_entries(items, colour_words.english_caption_words(items))[0]),
              "no other label or tag reads otherwise")
        said = subprocess.run([engine, "tokenize", "-m", out, "eine blaue Blume"], capture_output=True, text=True,
                              check=True).stdout
        check("read as: eine blue blume\n" in said, "gft reads the colour word: %s" % said)


if __name__ == "__main__":
    run_tests(globals())
