# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the filler words (training/gft/filler_words.py): they join a model file's
articles, a reading drops them as it drops articles (the engine's gft tokenize the same as
gft.lexicon.translate), English labels that hold one keep it, and a lone filler stays.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_filler_words.py
"""
import os
import subprocess
import tempfile

from gft import filler_words, lexicon
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_colour_words import write_meta
from test_lexicon import ITEMS, emoji


def engine_reading(engine, model, text):
    out = subprocess.run([engine, "tokenize", "-m", model, text], capture_output=True, text=True, check=True).stdout
    return next(line[len("read as: "):] for line in out.splitlines() if line.startswith("read as: "))


def check_readings(engine, model, cases):
    """Each text of cases reads as wanted through model's lexicon and articles, in
    gft.lexicon.translate and (when there is one) in the engine's gft tokenize."""
    lex, arts = lexicon.read(model), lexicon.read_articles(model)
    for text, want in cases.items():
        got = lexicon.translate(text, lex, articles=arts)[0]
        check(got == want, "%r reads %r (want %r)" % (text, got, want))
        if engine:
            said = engine_reading(engine, model, text)
            check(said == want, "the engine reads %r as %r too (got %r)" % (text, want, said))


def test_fillers_in_a_model_file():
    from gft.export_gguf import export_model, random_model
    from test_training import gft_cli
    engine = gft_cli()
    items = ITEMS + [emoji("emoji:plane", {"en": "small airplane", "de": "Kleinflugzeug"}, {"en": ["plane"]})]
    with tempfile.TemporaryDirectory() as d:
        gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 3)
        start, out, meta = (os.path.join(d, n) for n in ("start.gguf", "out.gguf", "meta.json.xz"))
        export_model(gft, dec, cb, tok, known, sampling, start, "q8_0", False, vcfg)
        lexicon.with_lexicon(start, {"roter apfel": "red apple"}, start)
        lexicon.with_articles(start, ["a", "ein"], start)
        write_meta(meta, items)
        check(filler_words.main(["--model", start, "--meta", meta, "--words", "cute,little,small", "-o", out]) == 0,
              "filler_words writes a model file")
        arts = lexicon.read_articles(out)
        check(arts == ["a", "cute", "ein", "little", "small"], "the fillers join the articles: %s" % arts)
        lex = lexicon.read(out)
        check(lex == {"roter apfel": "red apple", "small airplane": "small airplane"},
              "the lexicon keeps its entries, and a label holding a filler reads as itself: %s" % lex)
        cases = {"a cute little dog": "dog", "ein kleiner roter Apfel": "kleiner red apple",
                 "small airplane": "small airplane", "cute": "cute", "a cute ein roter Apfel": "red apple"}
        check_readings(engine, out, cases)
        check(filler_words.main(["--model", out, "--meta", meta, "--words", "cute,little,small", "-o", out]) == 0
              and lexicon.read_articles(out) == arts and lexicon.read(out) == lex, "a second run changes nothing")


def test_default_fillers():
    words = filler_words.FILLERS
    check(list(words) == sorted(set(words)) and all(w == lexicon.canonical(w) for w in words),
          "FILLERS: sorted, canonical, no repeats")
    keep = {"red", "blue", "happy", "hot", "old", "ripe", "sad"}
    check(not keep & set(words), "words that change the picture are no fillers")


if __name__ == "__main__":
    run_tests(globals())
