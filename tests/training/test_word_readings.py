# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the judged readings of other languages' words (training/gft/word_readings.py):
which words are searched and with which candidates, the decision rule, the lexicon they give
(other phrases keep their readings); then a real search with the gft command on a tiny model file.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_word_readings.py
"""
import json
import os
import subprocess
import tempfile

from gft import lexicon, word_readings
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_lexicon import ITEMS, emoji
from test_readings import ScriptedDrawer  # scores by (text, first seed)

GROUPS = {"apple": "food-drink", "green-apple": "food-drink", "cat": "animals-nature", "cat2": "animals-nature",
          "dog": "animals-nature", "dog2": "animals-nature"}
WORLD = [dict(it, group=GROUPS.get(it["concept"].split(":")[1], "symbols")) for it in ITEMS
         if it["concept"].startswith("emoji:")]
INDEX = {it["concept"]: i for i, it in enumerate(WORLD)}
ENGLISH = {"chat", "red", "apple", "cat", "dog", "face", "pet", "fruit", "green", "animal"}
# "cat" reads "katze" (a judge-picked reading); "hund" is read as another language's "mond"
LEXICON = {"cat": "katze", "katze": "katze", "hund": "mouth", "红 苹 果": "red apple", "狗 脸": "dog face"}


def keys_by_name(**kw):
    keys = word_readings.word_keys(WORLD, INDEX, LEXICON, ENGLISH, langs=("zh", "de", "fr"),
                                   groups=("food-drink", "animals-nature"), **kw)
    return keys, {(k["lang"], k["key"]): k for k in keys}


def test_keys_and_candidates():
    keys, got = keys_by_name()
    check(("zh", "猫") in got and got[("zh", "猫")]["candidates"] == ["猫", "katze"],
          "a label the lexicon leaves as typed is a key; its English label is read through the lexicon: %s"
          % got.get(("zh", "猫")))
    check(got[("zh", "猫")]["concepts"] == ["emoji:cat", "emoji:cat2"] and got[("zh", "猫")]["primary"] == "emoji:cat2",
          "its concepts: every label and tag of the language that holds it; its primary: the one labelled so")
    check(("de", "hund") in got and got[("de", "hund")]["candidates"][:2] == ["mouth", "hund"]
          and "dog" in got[("de", "hund")]["candidates"],
          "an entry naming none of the key's concepts is searched, the incumbent first: %s" % got.get(("de", "hund")))
    check(("de", "katze") not in got, "an entry read as a reading of one of its concepts is not searched")
    check(("zh", "红 苹 果") not in got and ("zh", "狗 脸") not in got, "entries naming their concept are not searched")
    check(("fr", "chat") not in got and not any(k["key"] == "red" for k in keys), "English words are never keys")
    check(("de", "rot") not in got, "a tag of one concept is no key (it says how one emoji looks)")
    check(("zh", "宠 物") in got and got[("zh", "宠 物")]["candidates"] == ["宠 物", "pet"],
          "a tag of several concepts is a key; a broad tag gets the English phrase most like it: %s"
          % got.get(("zh", "宠 物")))
    labels = [k["label"] for k in keys]
    check(labels == sorted(labels, reverse=True), "labels come first, then tags")
    tags = [len(k["concepts"]) for k in keys if not k["label"]]
    check(tags == sorted(tags, reverse=True), "tags naming more concepts come first")
    few, few_got = keys_by_name(max_concepts=1)
    check(all(len(k["concepts"]) <= 1 for k in few if not k["label"]) and ("zh", "宠 物") not in few_got,
          "tags naming more than max_concepts are left out")
    check(("zh", "猫") in few_got and len(few_got[("zh", "猫")]["concepts"]) == 2,
          "a label is a key however many concepts it names: it has its own")
    lights = [emoji("emoji:fire", {"en": "fire", "fr": "feu"}, {"en": ["flame"], "fr": ["feu"]}),
              emoji("emoji:light", {"en": "traffic light", "fr": "feu tricolore"}, {"en": ["signal"], "fr": ["feu"]}),
              emoji("emoji:light2", {"en": "vertical light", "fr": "feu vertical"}, {"en": ["signal"], "fr": ["feu"]})]
    lights = [dict(it, group="travel-places") for it in lights]
    feu = word_readings.word_keys(lights, {it["concept"]: i for i, it in enumerate(lights)}, {}, set(), langs=("fr",),
                                  groups=("travel-places",))
    check([k["candidates"] for k in feu if k["key"] == "feu"] == [["feu", "fire"]],
          "a label's candidates name its own concept only ('feu' is no 'signal'): %s" % feu)
    shared = [dict(it, tags=dict(it["tags"], fr=it["tags"]["fr"] + ["hund"])) if it["concept"] == "emoji:dog2" else it
              for it in WORLD]
    both = word_readings.word_keys(shared, INDEX, LEXICON, ENGLISH, langs=("de", "fr"),
                                   groups=("food-drink", "animals-nature"))
    check([k["lang"] for k in both if k["key"] == "hund"] == ["de"], "a key two languages share is the first one's")


def test_names_are_no_english_words():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "words")
        with open(path, "w", encoding="utf-8") as f:
            f.write("Baum\nPoisson\nauto\nfish's\n")
        check(lexicon.read_word_list(path) >= {"baum", "poisson", "auto"}, "the whole list, lowercased")
        common = lexicon.read_word_list(path, common_only=True)
        check("auto" in common and "baum" not in common and "poisson" not in common,
              "common_only: names are no English words: %s" % sorted(common))


def test_decision_rule():
    key = dict(key="猫", lang="zh", concepts=["emoji:cat2"], primary="emoji:cat2", candidates=["猫", "katze", "cat"])
    first = {("猫", 10): (0.0, 0.6), ("katze", 10): (0.5, 0.9), ("cat", 10): (0.25, 0.8)}
    for fresh, want in (({("katze", 12): (0.5, 0.9), ("猫", 12): (0.25, 0.6)}, "katze"),
                        ({("katze", 12): (0.25, 0.9), ("猫", 12): (0.25, 0.6)}, "katze"),
                        ({("katze", 12): (0.25, 0.62), ("猫", 12): (0.25, 0.6)}, "猫"),
                        ({("katze", 12): (0.0, 0.95), ("猫", 12): (0.25, 0.6)}, "猫"),
                        ({("katze", 12): (0.5, 0.5), ("猫", 12): (0.0, 0.6)}, "猫"),
                        ({("katze", 12): (0.0833, 0.6), ("猫", 12): (0.0, 0.6)}, "katze")):
        drawer = ScriptedDrawer({**first, **fresh})
        rec = word_readings.search_key(drawer, key, 10, 2, 3)
        got = word_readings.decide(rec, 1 / 12, 0.02, 0.05)
        check(got == want, "chosen %r, want %r (%s)" % (got, want, fresh))
        check(drawer.calls[-2:] == [("katze", 12, 3), ("猫", 12, 3)],
              "the best challenger and the incumbent draw the fresh seeds: %s" % drawer.calls)
    drawer = ScriptedDrawer({("猫", 10): (0.5, 0.9)})
    rec = word_readings.search_key(drawer, key, 10, 2, 3)
    check(word_readings.decide(rec, -1, 1, -1) == "猫" and "fresh" not in rec and len(drawer.calls) == 3,
          "an incumbent that wins the first round draws no fresh seeds and stays")
    report = dict(keys=[rec, dict(rec, key="狗", incumbent="狗", chosen="dog")])
    check(word_readings.changes(report) == {"狗": "dog"}, "changes lists the keys whose reading changed")


def test_with_word_readings():
    phrases = word_readings.phrases_of(WORLD, ("zh", "de"))
    check("猫 脸" in phrases and "红 苹 果" in phrases and "hund" in phrases, "phrases_of: labels and tags: %s" % phrases)
    out = word_readings.with_word_readings(LEXICON, {"猫": "katze", "hund": "hund"}, phrases)
    check(out["猫"] == "katze" and "hund" not in out, "a reading is an entry; a key read as typed loses its entry")
    check(lexicon.translate("猫 脸", out)[0] == lexicon.translate("猫 脸", LEXICON)[0] == "猫 脸"
          and out["猫 脸"] == "猫 脸", "a phrase whose reading the new entry would change keeps it by an entry")
    check(all(lexicon.translate(p, out)[0] == lexicon.translate(p, LEXICON)[0] for p in phrases if p not in ("猫", "hund")),
          "no other label or tag reads otherwise")
    check(lexicon.translate("一只猫", out, articles=["一 只"])[0] == "katze", "inside a prompt the word reads so")


def test_search_with_the_engine():
    """A real search on a tiny model file: the report holds the judge's figures, a rerun resumes,
    and the written file's lexicon holds the readings (gft tokenize reads them)."""
    from test_training import gft_cli, tiny_file_pack_and_judge
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        start, meta, judge, items, _ = tiny_file_pack_and_judge(d, "start.gguf", name="tiny")
        report, out = os.path.join(d, "report.json"), os.path.join(d, "out.gguf")
        args = ["--engine", engine, "--model", start, "--meta", meta, "--judge", judge, "--report", report,
                "--groups", "symbols", "--english-words", "", "--max-keys", "3", "--seeds-1", "2", "--seeds-2", "2",
                "--threads", "1", "-o", out]
        check(word_readings.main(args) == 0, "word_readings runs")
        with open(report) as f:
            rep = json.load(f)
        check(len(rep["keys"]) == 3 and rep["seed"] == 3000, "3 keys searched from seed 3000")
        from gft.readings import Drawer
        drawer = Drawer(engine, start, judge, 1)
        rec = rep["keys"][0]
        text = list(rec["tried"])[-1]
        check(tuple(rec["tried"][text]) == drawer.judged(text, rec["concepts"], [3000, 3001]),
              "the report holds the judge's naming of the pictures")
        check(word_readings.main(args) == 0 and json.load(open(report))["keys"] == rep["keys"],
              "a rerun resumes: nothing new")
        # the tiny model draws much the same for any text, so one record is edited to have won
        rec = rep["keys"][0]
        rec["fresh"] = {list(rec["tried"])[-1]: (1.0, 1.0), rec["incumbent"]: (0.0, 0.0)}
        with open(report, "w") as f:
            json.dump(rep, f)
        check(word_readings.main(args) == 0, "word_readings decides again from the report and applies it")
        chosen = word_readings.changes(json.load(open(report)))
        check(len(chosen) >= 1, "a key reads otherwise: %s" % chosen)
        want = word_readings.with_word_readings(lexicon.read(start), chosen, word_readings.phrases_of(items),
                                                lexicon.read_articles(start))
        check(lexicon.read(out) == want, "the file's lexicon holds the readings")
        for key, reading in chosen.items():
            said = subprocess.run([engine, "tokenize", "-m", out, key.replace(" ", "")], capture_output=True,
                                  text=True, check=True).stdout
            check("read as: %s\n" % reading in said, "gft reads %r as %r: %s" % (key, reading, said))


if __name__ == "__main__":
    run_tests(globals())
