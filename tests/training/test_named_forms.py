# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the judged readings of word forms that are names too (training/gft/named_forms.py):
the keys are those forms, each with its base's reading as the challenger; a real search with the
C engine and a CNN judge writes its report, a rerun resumes, and a won reading lands in the file
(gft tokenize reads it).

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_named_forms.py
"""
import json
import os
import subprocess
import tempfile

import torch

from gft import lexicon, named_forms
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_colour_words import write_meta
from test_lexicon import emoji

ITEMS = [emoji("emoji:cat", {"en": "cat", "de": "Katze"}, {"en": ["cats", "pet"], "de": ["Katze"]}),
         emoji("emoji:rocket", {"en": "rocket", "de": "Rakete"}, {"en": ["rockets", "space"], "de": ["Rakete"]}),
         emoji("emoji:star", {"en": "star", "de": "Stern"}, {"en": ["stars"], "de": ["Stern"]}),
         emoji("emoji:night", {"en": "night with stars", "de": "Sternenhimmel"}, {"en": ["stars", "night"]})]
for it in ITEMS:
    it["group"] = "objects"
WORDS = {"cats", "rockets", "stars", "nights", "pets"}
LEXICON = {"cat": "katze"}


def judge_file(path, items):
    from eval.judge import Judge, judge_labels
    _, names, _ = judge_labels(items)
    torch.manual_seed(0)
    torch.save(dict(judge=Judge(len(names), (4,)).state_dict(), judge_classes=names, judge_width=[4]), path)
    return {n: i for i, n in enumerate(names)}


def test_keys():
    index = {"emoji:cat": 0, "emoji:rocket": 1, "emoji:star": 2, "emoji:night": 3}
    keys = named_forms.named_keys(ITEMS, LEXICON, [], {"en": WORDS}, set(), index)
    got = {k["key"]: k for k in keys}
    check(set(got) == {"cats", "rockets"}, "the tags that are plurals of a name naming their emoji: %s" % sorted(got))
    check(got["cats"]["candidates"] == ["cats", "katze"] and got["cats"]["concepts"] == ["emoji:cat"],
          "'cats' against the reading of 'cat', judged as the cat: %s" % got["cats"])
    check(not named_forms.named_keys(ITEMS, LEXICON, [], {"en": WORDS}, set(), {"emoji:night": 0}),
          "a form whose emoji the judge does not know is no key")


def test_search_with_the_engine():
    from gft.export_gguf import export_model, random_model
    from test_training import gft_cli
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 3)
        vcfg.bg_code = 0
        start, out, meta = (os.path.join(d, n) for n in ("start.gguf", "out.gguf", "meta.json.xz"))
        report, judge, words = (os.path.join(d, n) for n in ("report.json", "judge.pt", "en.txt"))
        export_model(gft, dec, cb, tok, known, sampling, start, "q8_0", False, vcfg)
        lexicon.with_lexicon(start, LEXICON, start)
        write_meta(meta, ITEMS)
        judge_file(judge, ITEMS)
        with open(words, "w") as f:
            f.write("".join(w + "\n" for w in sorted(WORDS)))
        args = ["--engine", engine, "--model", start, "--meta", meta, "--judge", judge, "--report", report,
                "--en-words", words, "--seeds-1", "2", "--seeds-2", "2", "--threads", "1", "-o", out]
        check(named_forms.main(args) == 0, "named_forms runs")
        rep = json.load(open(report))
        check(sorted(r["key"] for r in rep["keys"]) == ["cats", "rockets"] and rep["seed"] == 5000,
              "both forms searched from seed 5000: %s" % [r["key"] for r in rep["keys"]])
        from gft.readings import Drawer
        rec = rep["keys"][0]
        check(tuple(rec["tried"][rec["incumbent"]]) == Drawer(engine, start, judge, 1).judged(
            rec["incumbent"], rec["concepts"], [5000, 5001]), "the report holds the judge's naming of the pictures")
        check(named_forms.main(args) == 0 and json.load(open(report))["keys"] == rep["keys"], "a rerun resumes")
        # the tiny model draws much the same for any text, so "cats" is edited to have won
        rec = next(r for r in rep["keys"] if r["key"] == "cats")
        rec["fresh"] = {"katze": (1.0, 1.0), "cats": (0.0, 0.0)}
        with open(report, "w") as f:
            json.dump(rep, f)
        check(named_forms.main(args) == 0, "named_forms decides again from the report")
        check(json.load(open(report))["applied"].get("cats") == "katze", "the won reading is applied")
        check(lexicon.read(out).get("cats") == "katze", "the file's lexicon holds it")
        said = subprocess.run([engine, "tokenize", "-m", out, "two cats"], capture_output=True, text=True,
                              check=True).stdout
        check("read as: two katze\n" in said, "gft reads 'two cats' as 'two katze': %s" % said)


if __name__ == "__main__":
    run_tests(globals())
