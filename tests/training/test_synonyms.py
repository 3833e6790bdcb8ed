# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the WordNet reader (training/gft/wordnet.py) and the synonym keys of the
judge-picked readings (training/gft/synonyms.py), on Debian's real WordNet (wordnet-base).

Run: PYTHONPATH=training /usr/bin/python3 tests/training/test_synonyms.py
"""
import os
import tempfile

from gft import readings, synonyms, wordnet
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)

_WN = []


def real_wordnet():
    if not _WN:
        _WN.append(wordnet.WordNet())
    return _WN[0]


def concept(cid, en, tags, group="animals-nature", **labels):
    return dict(concept=cid, style="noto", group=group, labels=dict(en=en, **labels), tags={"en": tags})


WORLD = [
    concept("emoji:cat", "cat", ["animal", "pet"], de="Katze", zh="猫"),
    concept("emoji:dog-face", "dog face", ["animal", "pet", "face"], de="Hundegesicht"),
    concept("emoji:dog", "dog", ["animal", "pet"], de="Hund"),
    concept("emoji:pick", "pick", ["heavy", "tool", "handle"], group="objects", de="Spitzhacke"),
    concept("emoji:grapes", "grapes", ["fruit", "grape"], group="food-drink", de="Trauben"),
    concept("emoji:mystery", "cat", ["zzzz"], group="symbols", de="Rätsel"),
]


def test_reader():
    wn = real_wordnet()
    cat = wn.senses("cat")[0]
    check(wn.words(cat) == ["cat", "true cat"], "the first sense of cat is the animal: %s" % wn.words(cat))
    check(any("mammal" in wn.words(s) for s in wn.ancestors(cat)), "a cat is a mammal")
    house = [k for k in wn.hyponyms(cat) if "domestic cat" in wn.words(k)]
    check(len(house) == 1 and any("kitty" in wn.words(k) for k in wn.hyponyms(house[0])),
          "kinds of cats: domestic cat, and its kitty")
    check("feline" in wn.gloss(cat), "the gloss: %r" % wn.gloss(cat))
    kitty = next(s for s in wn.senses("kitty") if "pussycat" in wn.words(s))
    check(wn.means_mostly("kitty", kitty), "kitty, with no sense tagged, may mean the cat")
    fish = next(s for s in wn.senses("bass") if "sea bass" in wn.words(s))
    check(not wn.means_mostly("bass", fish), "bass mostly means the voice, not the fish")
    check(not wn.means_mostly("cat", wn.senses("guy")[0]), "a sense not of the word is not what it means")
    teal = next(s for s in wn.senses("teal") if any("duck" in w for w in wn.words(wn.ancestors(s)[0])))
    check(not wn.means_mostly("teal", teal), "teal is a colour as often as a duck: not a duck's key")
    plane = next(s for s in wn.senses("plane") if "airplane" in wn.words(s))
    check(wn.means_mostly("plane", plane), "plane, an adjective too, is a noun far more often")
    check(wn.counts("cat")[0] > 0 and wn.senses("no such word") == [], "tag counts; unknown words have no senses")
    with tempfile.TemporaryDirectory() as d:
        try:
            wordnet.WordNet(d)
            check(False, "a folder without WordNet is an error")
        except wordnet.WordNetError as e:
            check("index.noun" in str(e) and "wordnet-base" in str(e), "the message names the file: %s" % e)


def test_wordnet_compounds():
    comp = readings.wordnet_compounds(real_wordnet())
    have = set(comp)
    check(comp == sorted(have) and all(" " in c for c in comp) and len(comp) > 50000
          and {"apple pie", "adam s apple", "cat burglar", "crown jewels"} <= have and "apple" not in have,
          "WordNet's multi-word nouns, normalised and sorted: %d" % len(comp))
    blocks = readings.compound_blocks({"apple": "red apple", "cat": "katze"}, comp)
    check("apple pie" in blocks and "crab apple" in blocks and "cat burglar" in blocks and "house cat" not in blocks,
          "the shipped kind of readings leave WordNet's compounds alone (%d of them)" % len(blocks))


def test_concept_sense():
    wn = real_wordnet()
    by = {it["concept"]: it for it in WORLD}
    pick = synonyms.concept_sense(wn, "pick", by["emoji:pick"])
    check(pick is not None and "pickaxe" in wn.words(pick), "the pick tagged heavy tool with a handle is the pickaxe (most words shared): %s"
          % (pick and wn.words(pick)))
    cat = synonyms.concept_sense(wn, "cat", by["emoji:cat"])
    check(cat == wn.senses("cat")[0], "the cat with animal tags is the animal")
    check(synonyms.concept_sense(wn, "cat", by["emoji:mystery"]) is None,
          "a concept whose words share nothing with any sense has none")
    check(synonyms.content_words("The Cats, and a glass") == {"cat", "glass"}, "content words")


def test_synonym_keys():
    wn = real_wordnet()
    index = {it["concept"]: i for i, it in enumerate(WORLD)}
    keys, by = readings.reading_keys(WORLD, index)
    check({k["key"] for k in keys} == {"cat", "dog", "dog face", "face", "pick", "grapes"},
          "source keys: %s" % [k["key"] for k in keys])
    labels = {it["labels"]["en"] for it in WORLD}
    got = synonyms.synonym_keys(keys, labels, wn, {"grape"}, by)
    names = [k["key"] for k in got]
    at = {k["key"]: k for k in got}
    check("pickax" in at and at["pickax"]["via"] == "pick" and at["pickax"]["primary"] == "emoji:pick"
          and at["pickax"]["concepts"] == ["emoji:pick"],
          "a synonym of the key's sense, judged on the key's concepts: %s" % names)
    check("pickaxe" in at, "a longer spelling is not a plural: %s" % names)
    check("kitty" in at and "pussycat" in at and at["kitty"]["via"] == "cat",
          "kinds of the kind that holds the word: %s" % names)
    check(not {"true cat", "house cat", "domestic cat"} & set(at), "words holding the key's word read through it")
    check("puppy" in at and "terrier" not in at,
          "kinds whose definition names the key only (a puppy is a young dog): %s" % names)
    check("felis catus" not in at and "persian cat" not in at, "no capitalised WordNet names")
    check("guy" not in at and "choice" not in at, "other senses give nothing: %s" % names)
    check("grape" not in at, "a singular of a label is not a key")
    check(not any(k["via"] == "face" for k in got), "a head word gets synonyms but no kinds: %s"
          % [k["key"] for k in got if k["via"] == "face"])
    check(all(len(k["key"].split(" ")) <= 3 and k["key"].replace(" ", "").isalpha() for k in got),
          "letters only, three words at most")
    words = [n.count(" ") for n in names]
    check(words == sorted(words), "one-word keys first")
    kinds = [k for k in got if k["via"] == "cat"]
    check(len(kinds) == 6, "at most per_key kinds per key: %s" % [k["key"] for k in kinds])
    check(readings.candidates("kitty", by["emoji:cat"], ("de", "zh"), via="cat") == ["kitty", "cat", "katze", "猫"],
          "a synonym of a label gets what the label gets")
    check(readings.candidates("doggy", by["emoji:dog-face"], ("de",), via="face") == ["doggy", "dog face"],
          "a synonym of a head word gets the English label only")


def test_search_records_the_source():
    class Scripted:
        def judged(self, text, concepts, seeds):
            return (1.0, 0.99) if text == "katze" else (0.0, 0.5)
    by = {it["concept"]: it for it in WORLD}
    key = dict(key="kitty", concepts=["emoji:cat"], primary="emoji:cat", via="cat")
    rec = readings.search_key(Scripted(), key, by["emoji:cat"], 10, 2, 2, 0.25, 0.02, ("de", "zh"))
    check(rec["via"] == "cat" and list(rec["tried"]) == ["kitty", "cat", "katze", "猫"] and rec["chosen"] == "katze",
          "a synonym key is searched with its source's candidates and says where it came from: %s" % rec)

    class Counting(Scripted):
        calls = []

        def judged(self, text, concepts, seeds):
            self.calls.append((text, seeds[0]))
            return super().judged(text, concepts, seeds)
    drawer = Counting()
    source = readings.search_key(drawer, dict(key="cat", concepts=["emoji:cat"], primary="emoji:cat"), by["emoji:cat"],
                                 10, 2, 2, 0.25, 0.02, ("de", "zh"))
    drawer.calls.clear()
    again = readings.search_key(drawer, key, by["emoji:cat"], 10, 2, 2, 0.25, 0.02, ("de", "zh"), source=source)
    check(drawer.calls == [("kitty", 10), ("kitty", 12)] and again["reused"] == ["cat", "katze", "猫", "katze"]
          and {k: v for k, v in again.items() if k != "reused"} == rec,
          "the source's figures for the same texts and seeds are reused; only the key is drawn: %s %s"
          % (drawer.calls, again))
    other = dict(key, concepts=["emoji:cat", "emoji:dog"])
    drawer.calls.clear()
    readings.search_key(drawer, other, by["emoji:cat"], 10, 2, 2, 0.25, 0.02, ("de", "zh"), source=source)
    check(len(drawer.calls) == 6, "other concepts: nothing reused (%d drawn)" % len(drawer.calls))


if __name__ == "__main__":
    if not os.path.isdir(wordnet.DEFAULT_ROOT):
        raise SystemExit("test_synonyms: no WordNet in %s (apt-get install wordnet-base)" % wordnet.DEFAULT_ROOT)
    run_tests(globals())
