# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the judge-picked readings (training/gft/readings.py): which keys are searched,
which readings are tried, the decision rule, and the lexicon they give; then a real search with
the gft command on a tiny model file.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_readings.py
"""
import json
import os
import subprocess
import tempfile

from gft import lexicon, readings
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_lexicon import ITEMS

FOOD = [dict(it, group="food-drink") for it in ITEMS if "apple" in it["concept"]]
PETS = [dict(it, group="animals-nature") for it in ITEMS if it["concept"].split(":")[1] in ("cat", "cat2", "dog")]
OTHER = [dict(it, group="smileys-emotion") for it in ITEMS if it["concept"] == "emoji:heart"]
WORLD = FOOD + PETS + OTHER


def test_keys_and_candidates():
    index = {it["concept"]: i for i, it in enumerate(WORLD)}
    keys, by_concept = readings.reading_keys(WORLD, index, groups=("food-drink", "animals-nature"))
    got = {k["key"]: k for k in keys}
    check(set(got) == {"red apple", "green apple", "apple", "cat face", "face", "cat", "dog face"},
          "labels of the chosen groups and their head words are keys: %s" % sorted(got))
    check(got["apple"]["primary"] == "emoji:apple" and got["apple"]["concepts"] == ["emoji:apple", "emoji:green-apple"],
          "a head word stands for the shortest label ending in it and names every label holding it")
    check(got["cat"]["primary"] == "emoji:cat2" and got["cat"]["concepts"] == ["emoji:cat", "emoji:cat2"],
          "a key that is a label stands for that concept")
    check("red heart" not in got and "heart" not in got, "labels outside the groups are not keys")
    check({k["key"] for k in keys[:3]} == {"apple", "face", "cat"}, "one-word keys come first")
    check(readings.candidates("red apple", by_concept["emoji:apple"], ("de", "zh", "ja"))
          == ["red apple", "roter apfel", "红苹果"],
          "a label's candidates: as typed and its labels in the languages it has")
    check(readings.candidates("apple", by_concept["emoji:apple"], ("de", "zh", "ja")) == ["apple", "red apple"],
          "a head word's candidates: as typed and its concept's English label, no other language")
    few, _ = readings.reading_keys(WORLD, index, groups=("food-drink", "animals-nature"), max_concepts=1)
    check("apple" not in {k["key"] for k in few} and "red apple" in {k["key"] for k in few},
          "a key whose words more than max_concepts labels hold is left out")


class ScriptedDrawer:
    """Scores by (text, first seed): the decision rule under test, not the engine."""

    def __init__(self, scores):
        self.scores, self.calls = scores, []

    def judged(self, text, concepts, seeds):
        self.calls.append((text, seeds[0], len(seeds)))
        return self.scores.get((text, seeds[0]), (0.0, 0.5))


def test_decision_rule():
    key = dict(key="cat", concepts=["emoji:cat2"], primary="emoji:cat2")
    item = PETS[1]
    first = {("cat", 10): (0.0, 0.6), ("katze", 10): (0.5, 0.9), ("chat", 10): (0.25, 0.8)}
    for fresh, want in (({("katze", 12): (0.5, 0.9), ("cat", 12): (0.0, 0.6)}, "katze"),
                        ({("katze", 12): (0.25, 0.9), ("cat", 12): (0.125, 0.6)}, "cat"),
                        ({("katze", 12): (0.5, 0.5), ("cat", 12): (0.0, 0.6)}, "cat")):
        d = ScriptedDrawer({**first, **fresh})
        rec = readings.search_key(d, key, item, 10, 2, 3, 0.25, 0.02, ("de", "fr"))
        check(rec["chosen"] == want, "fresh seeds decide (%s): %s" % (fresh, rec["chosen"]))
        check([c for c in d.calls if c[1] == 12] == [("katze", 12, 3), ("cat", 12, 3)]
              and {c[0] for c in d.calls if c[1] == 10} == {"cat", "katze", "chat"},
              "every candidate on the first seeds, the best and the key on fresh ones: %s" % d.calls)
    d = ScriptedDrawer({("cat", 10): (0.5, 0.9)})
    rec = readings.search_key(d, key, item, 10, 2, 3, 0.25, 0.02, ("de", "fr"))
    check(rec["chosen"] == "cat" and "fresh" not in rec and len(d.calls) == 3,
          "no fresh round when the key as typed is best: %s" % d.calls)


def test_with_readings():
    lex = {"apfel": "apple", "红 苹 果": "red apple", "katze": "cat", "pomme": "apple"}
    keys = ["apple", "red apple", "green apple", "cat", "cat face", "dog"]
    out = readings.with_readings(lex, {"apple": "red apple", "cat": "katze"}, keys)
    check(out == {"apfel": "red apple", "pomme": "red apple", "红 苹 果": "red apple", "katze": "katze",
                  "apple": "red apple", "cat": "katze", "red apple": "red apple", "green apple": "green apple",
                  "cat face": "cat face"}, "readings in the lexicon: %s" % out)
    for text, want in (("apple", "red apple"), ("Apfel", "red apple"), ("a ripe red apple", "a ripe red apple"),
                       ("green apple", "green apple"), ("cat", "katze"), ("a cat face", "a cat face"),
                       ("dog", "dog"), ("apple pie", "red apple pie")):
        got = lexicon.translate(text, out)[0]
        check(got == want, "%r reads as %r (got %r)" % (text, want, got))
    coloured = readings.with_readings(lex, {"apple": "red apple", "cat": "katze"}, keys, {"blue", "red", "green"})
    for text, want in (("a blue apple", ("a blue apple", 0)), ("a ripe apple", ("a ripe red apple", 1)),
                       ("red apple", ("red apple", 0)), ("a blue cat", ("a blue katze", 1))):
        got = lexicon.translate(text, coloured)
        check(got == want, "with colours, %r reads as %r (got %r)" % (text, want, got))
    reads = {"apple": "red apple", "cat": "katze", "lizard": "蜥蜴", "iguanid": "蜥蜴"}
    compounds = ["apple pie", "crab apple", "house cat", "cat burglar", "cat and mouse", "iguanid lizard",
                 "pine tree", "apple", "appletini"]
    blocks = readings.compound_blocks(reads, compounds)
    check(blocks == ["apple pie", "cat and mouse", "cat burglar", "crab apple"],
          "compounds that read as themselves: the key not their head, or a reading that adds words (%s)" % blocks)
    with_compounds = readings.with_readings(lex, reads, keys, {"red", "green"}, compounds)
    for text, want in (("apple pie", "apple pie"), ("an apple pie", "an apple pie"), ("crab apple", "crab apple"),
                       ("apple", "red apple"), ("a ripe apple", "a ripe red apple"), ("cat burglar", "cat burglar"),
                       ("house cat", "house katze"), ("iguanid lizard", "蜥蜴 蜥蜴"), ("Apfel", "red apple"),
                       ("green apple", "green apple")):
        got = lexicon.translate(text, with_compounds)[0]
        check(got == want, "with compounds, %r reads as %r (got %r)" % (text, want, got))
    check(readings.modifier_words(WORLD + [{"labels": {"en": "Blue Circle"}}, {"labels": {"en": "red square"}},
                                           {"labels": {"en": "red heart"}}]) == {"blue", "red", "cat"},
          "modifier words: w of the labels \"w circle\" and \"w square\", and one-word labels")


# enough keys that, with no bar, one of them reads otherwise on this tiny random model and
# judge whichever way the engine rounds (F32 or int8 activations draw other pictures)
N_KEYS = 5


def test_search_with_the_engine():
    """A real search on a tiny model file: the report's figures are the judge's naming of
    `gft generate --literal -k 1` pictures, a rerun resumes instead of searching again, and the
    written file's lexicon holds the chosen readings (gft tokenize reads them)."""
    from test_training import gft_cli, tiny_file_pack_and_judge
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        start, meta, judge, items, _ = tiny_file_pack_and_judge(d, "start.gguf", name="tiny")
        report, out = os.path.join(d, "report.json"), os.path.join(d, "out.gguf")
        args = ["--engine", engine, "--model", start, "--meta", meta, "--judge", judge, "--report", report,
                "--groups", "symbols", "--max-keys", str(N_KEYS), "--seeds-1", "2", "--seeds-2", "2",
                "--min-gain", "-1", "--rank-slack", "1", "--threads", "1", "-o", out]
        check(readings.main(args) == 0, "readings runs")
        with open(report) as f:
            rep = json.load(f)
        check(len(rep["keys"]) == N_KEYS and rep["seed"] == 1000, "%d keys searched from seed 1000" % N_KEYS)
        drawer = readings.Drawer(engine, start, judge, 1)
        rec = rep["keys"][0]
        text = list(rec["tried"])[1]
        check(tuple(rec["tried"][text]) == drawer.judged(text, rec["concepts"], [1000, 1001]),
              "the report holds the judge's naming of the pictures")
        mtime = os.stat(report).st_mtime_ns
        check(readings.main(args) == 0 and json.load(open(report)) == rep, "a rerun resumes: nothing new")
        chosen = readings.chosen_readings(rep)
        check(len(chosen) >= 1, "with no bar to pass, some key reads otherwise: %s" % chosen)
        keys, by_concept = readings.reading_keys(items, drawer.class_index, ("symbols",))
        labels = {it["labels"]["en"].lower() for it in by_concept.values()}
        want = readings.with_readings(lexicon.read(start), chosen, sorted(labels | {k["key"] for k in keys[:N_KEYS]}),
                                      readings.modifier_words(items))
        check(lexicon.read(out) == want, "the file's lexicon holds the readings")
        holding = [l for l in labels if any(k in l.split(" ") and k != l for k in chosen)]
        check(holding and all(lexicon.translate(l, want) == (l, 0) for l in holding),
              "every label holding a changed word, searched or not, reads as itself: %s" % holding)
        for key, reading in chosen.items():
            said = subprocess.run([engine, "tokenize", "-m", out, key], capture_output=True, text=True,
                                  check=True).stdout
            check("read as: %s\n" % reading in said, "gft reads %r as %r: %s" % (key, reading, said))
        check(os.stat(report).st_mtime_ns >= mtime, "the report stays")
        from eval import readings_check
        checked = os.path.join(d, "check.json")
        check(readings_check.main(["--engine", engine, "--report", report, "--model", "start=" + start,
                                   "--model", "out=" + out, "--judge", judge, "--pack", os.path.join(d, "pack"),
                                   "--seeds", "2", "--threads", "1", "-o", checked]) == 0, "readings_check runs")
        got = json.load(open(checked))
        key = sorted(chosen)[0]
        check(set(got["models"]["out"]["keys"]) == set(json.load(open(report))["applied"]) == set(chosen),
              "readings_check judges the applied readings")
        from eval.judge import naming_any_each
        from eval.local_eval import engine_images
        from gft.gguf_import import sampling_defaults
        from gft.gguf_writer import GGUFFile
        rec = next(r for r in rep["keys"] if r["key"] == key)
        for label, path in (("start", start), ("out", out)):
            imgs = engine_images(engine, path, d, 1, [key], [2000, 2001], sampling_defaults(GGUFFile(path).kv))
            want = [float(v.mean()) for v in naming_any_each(drawer.judge, drawer.class_index, imgs.float(),
                                                             rec["concepts"])]
            check(all(abs(a - b) < 1e-3 for a, b in zip(got["models"][label]["keys"][key][:3], want)),
                  "%s: the CNN figures are the judge's naming of the typed key's pictures" % label)
        again = os.path.join(d, "again.json")
        keep = [rep["keys"][0]["key"], rep["keys"][2]["key"]]
        with open(os.path.join(d, "two.json"), "w") as f:
            json.dump(dict(keys=[{"key": k} for k in keep]), f)
        args2 = [x for x in args if x not in ("-o", out)]
        args2[args2.index(report)] = again
        check(readings.main(args2 + ["--keys-from", os.path.join(d, "two.json"), "--search-only"]) == 0,
              "readings --keys-from runs")
        got = json.load(open(again))["keys"]
        check([r["key"] for r in got] == keep and got[0]["tried"] == rep["keys"][0]["tried"],
              "--keys-from searches just those keys, with the same figures: %s" % [r["key"] for r in got])
        from gft.synonyms import synonym_keys
        from gft.wordnet import DEFAULT_ROOT, WordNet
        syn = synonym_keys(keys, labels, WordNet(), readings.modifier_like(items), by_concept)
        check(len(syn) >= 1, "the tiny pack's keys have WordNet synonyms: %s" % [k["key"] for k in syn])
        with open(os.path.join(d, "syn.json"), "w") as f:
            json.dump(dict(keys=[{"key": syn[0]["key"]}]), f)
        args3 = list(args2)
        args3[args3.index(again)] = os.path.join(d, "syn-report.json")
        check(readings.main(args3 + ["--wordnet", DEFAULT_ROOT, "--keys-from", os.path.join(d, "syn.json"),
                                     "--search-only"]) == 0, "readings --wordnet runs")
        got = json.load(open(os.path.join(d, "syn-report.json")))["keys"]
        want = readings.candidates(syn[0]["key"], by_concept[syn[0]["primary"]], via=syn[0]["via"])
        check(len(got) == 1 and got[0]["key"] == syn[0]["key"] and got[0]["via"] == syn[0]["via"]
              and list(got[0]["tried"]) == want,
              "a synonym key is searched with its source key's candidates: %s" % got)
        with open(os.path.join(d, "syn.json"), "w") as f:
            json.dump(dict(keys=[{"key": syn[0]["via"]}, {"key": syn[0]["key"]}]), f)
        args3[args3.index(os.path.join(d, "syn-report.json"))] = os.path.join(d, "syn-report2.json")
        check(readings.main(args3 + ["--wordnet", DEFAULT_ROOT, "--keys-from", os.path.join(d, "syn.json"),
                                     "--search-only"]) == 0, "readings --wordnet runs with the source key")
        got = json.load(open(os.path.join(d, "syn-report2.json")))["keys"]
        check([r["key"] for r in got] == [syn[0]["via"], syn[0]["key"]] and got[1].get("reused"),
              "the source key is searched first and its figures reused: %s" % got)
        text = got[1]["reused"][0]
        check(tuple(got[1]["tried"][text]) == drawer.judged(text, got[1]["concepts"], [1000, 1001]),
              "a reused figure is what the engine and judge give for that text")


def test_keys_typed_as_people_type_them():
    from eval.readings_check import as_typed
    cases = {"小 猫": "小猫", "ハ サ ミ": "ハサミ", "red apple": "red apple", "小 kangaroo": "小 kangaroo",
             "猫": "猫", "ein 小 猫 hier": "ein 小猫 hier"}
    for key, want in cases.items():
        check(as_typed(key) == want, "the key %r is typed %r: %r" % (key, want, as_typed(key)))


if __name__ == "__main__":
    run_tests(globals())
