# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the word forms (training/gft/word_forms.py): each language's rules make the
plurals and diminutives people type, a word list keeps only real ones, a form reads as its base
(in the engine as in gft.lexicon.translate), and names, English words and ambiguous forms are
left alone.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_word_forms.py
"""
import os
import tempfile

from gft import lexicon, word_forms
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)
from test_colour_words import write_meta
from test_filler_words import check_readings
from test_lexicon import ITEMS, emoji


def test_rules():
    cases = [(word_forms.english_plurals, "cherry", "cherries"), (word_forms.english_plurals, "mouse", "mice"),
             (word_forms.english_plurals, "knife", "knives"), (word_forms.english_plurals, "box", "boxes"),
             (word_forms.english_plurals, "apple", "apples"), (word_forms.german_forms, "apfel", "äpfel"),
             (word_forms.german_forms, "katze", "katzen"), (word_forms.german_forms, "katze", "kätzchen"),
             (word_forms.german_forms, "hund", "hündchen"), (word_forms.german_forms, "baum", "bäume"),
             (word_forms.german_forms, "haus", "häuschen"), (word_forms.german_forms, "blume", "blümlein"),
             (word_forms.french_forms, "cheval", "chevaux"), (word_forms.french_forms, "oiseau", "oiseaux"),
             (word_forms.french_forms, "chien", "chiens"), (word_forms.spanish_forms, "gato", "gatos"),
             (word_forms.spanish_forms, "gato", "gatito"), (word_forms.spanish_forms, "casa", "casita"),
             (word_forms.spanish_forms, "ratón", "ratones"), (word_forms.spanish_forms, "ratón", "ratoncito"),
             (word_forms.spanish_forms, "lápiz", "lápices"), (word_forms.spanish_forms, "barco", "barquito"),
             (word_forms.spanish_forms, "pájaro", "pajaritos"), (word_forms.spanish_forms, "flor", "flores")]
    for rule, word, form in cases:
        check(form in rule(word), "%s(%r) makes %r: %s" % (rule.__name__, word, form, rule(word)))
    check("gatito" not in word_forms.spanish_forms("gato", diminutives=False), "no diminutive when not asked")
    for word, wrong in (("cafe", "caves"), ("reef", "reeves"), ("deaf", "deaves")):
        check(wrong not in word_forms.english_plurals(word), "%r makes no %r" % (word, wrong))
    check(word_forms.english_plurals("leaf")[-1] == "leaves" and "wolves" in word_forms.english_plurals("wolf"),
          "but leaf and wolf do take -ves")
    kana = {"ネ コ": "ね こ", "ぶ ど う": "ブ ド ウ", "ケ ー キ": None, "猫": None, "ネ コ の 顔": None,
            "ゔ": "ヴ"}
    for name, other in kana.items():
        got = word_forms.other_kana(name)
        check(got == other, "other_kana(%r) = %r: %r" % (name, other, got))
    check(word_forms.spanish_forms("lunes") == [], "a word in -s is its own plural")
    check(word_forms.german_forms("gras") and not [f for f in word_forms.german_forms("gras") if " " in f],
          "forms are single words")


WORLD = ITEMS + [
    emoji("emoji:dog-es", {"en": "dog", "zh": "狗", "ja": "イヌ", "de": "Hund", "fr": "chien", "es": "perro"},
          {"en": ["dog", "pet"], "de": ["Hund", "Haustier"], "es": ["perro", "mascota"], "ja": ["犬"]}),
    emoji("emoji:dogs", {"en": "guide dog", "zh": "导盲犬", "de": "Blindenhund", "fr": "chien guide",
                         "es": "perro guía"},
          {"en": ["dogs", "guide"], "de": ["Hunde"]}),
    emoji("emoji:tree", {"en": "deciduous tree", "zh": "落叶树", "de": "Laubbaum", "fr": "arbre", "es": "árbol"},
          {"en": ["tree"], "de": ["Baum"], "fr": ["arbre"], "es": ["árbol"]}),
    emoji("emoji:pie", {"en": "pie", "zh": "馅饼", "de": "Kuchen", "fr": "tarte", "es": "pie"}, {"en": ["pie"]}),
    emoji("emoji:frog", {"en": "frog", "ja": "カエル", "zh": "青蛙"}, {"ja": ["かえる"]}),
    emoji("emoji:fox", {"en": "fox", "ja": "キツネ", "zh": "狐狸"}, {}),
    emoji("emoji:cheese", {"en": "cheese wedge", "zh": "奶酪", "de": "Käse", "fr": "fromage", "es": "queso"}, {}),
]
for it in WORLD:
    animal = any(a in it["concept"] for a in ("dog", "cat", "frog", "fox"))
    it.setdefault("group", "animals-nature" if animal else "food-drink")

LISTS = {"en": {"apples", "cats", "dogs", "trees", "pies", "cheese", "wedges", "cheese wedges", "chat", "chats"},
         "de": {"äpfel", "katzen", "kätzchen", "hunde", "hündchen", "bäume", "baume", "apfel", "katze", "hund", "baum",
                "laubbaum"},
         "fr": {"pommes", "chats", "chiens", "arbres"}}
ENGLISH = {"apple", "apples", "cat", "cats", "dog", "dogs", "pie", "pies", "tree", "trees", "chat", "chats", "cheese"}
LEXICON = {"apple": "red apple", "cat": "katze", "katze": "katze", "hund": "dog", "chien": "dog", "perro": "dog",
           "狗": "dog", "arbre": "tree", "baum": "tree", "árbol": "tree", "gato": "katze"}


def test_form_entries():
    got = word_forms.form_entries(WORLD, LEXICON, [], LISTS, ENGLISH)
    want = {"apples": "red apple", "trees": "tree", "äpfel": "apfel", "katzen": "katze", "kätzchen": "katze",
            "hündchen": "dog", "chiens": "dog", "arbres": "tree", "perros": "dog", "perrito": "dog",
            "perritos": "dog", "árboles": "tree", "小 狗": "dog", "cheese wedges": "cheese wedge", "cats": "katze",
            "pies": "pie", "bäume": "tree", "pommes": "pomme", "小 猫": "猫", "き つ ね": "キツネ",
            "小 狐 狸": "狐狸"}
    for form, reading in want.items():
        check(got.get(form) == reading, "%r reads %r (got %r)" % (form, reading, got.get(form)))
    left = {"dogs": "an English tag", "hunde": "a German tag", "chats": "an English word",
            "gatos": "gato is no name here", "hundchen": "not in the word list", "mascotita": "a tag's diminutive",
            "小 苹 果": "a tag, and no animal", "小 红 苹 果": "no animal", "子 犬": "a tag, no label",
            "か え る": "a tag already", "カ エ ル": "a label"}
    for form, why in left.items():
        check(form not in got, "%r is left out (%s): %r" % (form, why, got.get(form)))
    check(all(f not in LEXICON for f in got), "no entry replaces one of the lexicon")
    amb = word_forms.form_entries(WORLD, dict(LEXICON, baum="tree", laubbaum="deciduous tree"), [],
                                  dict(LISTS, de=LISTS["de"] | {"laubbäume"}), ENGLISH)
    check(amb.get("laubbäume") == "deciduous tree", "a compound's plural reads as the compound")
    two = [emoji("emoji:x", {"en": "bat", "es": "bate", "fr": "batte"}, {}),
           emoji("emoji:y", {"en": "bath", "es": "bat", "fr": "bain"}, {})]
    for it in two:
        it["group"] = "objects"
    clash = word_forms.form_entries(two, {"bate": "bat", "bat": "bath"}, [], {"en": {"bats"}}, set())
    check("bates" not in clash and clash.get("bats") == "bath",
          "a form two names make with other readings is left out: %s" % clash)


def test_no_form_is_an_article_or_a_particle():
    world = [emoji("emoji:egg", {"en": "egg", "de": "Ei", "es": "huevo"}, {"de": ["ei", "frühstück"]}),
             emoji("emoji:flag", {"en": "flag: Germany", "de": "Flagge: Deutschland", "es": "bandera: Alemania"},
                   {"es": ["de", "uno"], "de": ["rot", "de"]}),
             emoji("emoji:garlic", {"en": "garlic", "fr": "ail", "de": "Knoblauch"}, {"fr": ["ail"]}),
             emoji("emoji:coin", {"en": "coin", "fr": "pièce", "es": "moneda"}, {"fr": ["sou", "argent"]}),
             emoji("emoji:bed", {"en": "bed", "fr": "lit", "es": "cama"}, {})]
    for it in world:
        it["group"] = "food-drink"
    lists = {"en": set(), "de": {"eier", "ein", "rote", "frühstücke", "frühstück"},
             "fr": {"aux", "ails", "sous", "lits", "pièces"}}
    got = word_forms.form_entries(world, {"huevo": "egg"}, ["ein", "unos"], lists, set())
    for form, why in {"ein": "an article (and Ei has two letters)", "eier": "Ei has two letters",
                      "des": "a country code", "unos": "an article", "rote": "'rot' is no noun of the list",
                      "aux": "no plural of 'ail'", "sous": "a tag of three letters"}.items():
        check(form not in got, "%r is no form: %s (%r)" % (form, why, got.get(form)))
    check(got.get("frühstücke") == "frühstück" and got.get("huevos") == "egg" and got.get("lits") == "lit",
          "nouns still make forms, labels of three letters too: %s" % got)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ngerman")
        with open(path, "w", encoding="utf-8") as f:
            f.write("Katze\nKatzen\nrot\nrote\nÄpfel\nalle\nAlle Welt\n")
        nouns = word_forms.read_nouns(path)
        check(nouns == {"katze", "katzen", "äpfel"}, "the German list's nouns are its capitalised words: %s" % nouns)


def test_named_forms():
    world = [emoji("emoji:star", {"en": "star", "de": "Stern"}, {"en": ["stars", "night"]}),
             emoji("emoji:night", {"en": "night with stars", "de": "Sternenhimmel"}, {"en": ["stars", "night"]}),
             emoji("emoji:rocket", {"en": "rocket", "de": "Rakete"}, {"en": ["rockets", "space"]}),
             emoji("emoji:cherries", {"en": "cherries", "de": "Kirschen"}, {"en": ["cherry", "fruit"]})]
    for it in world:
        it["group"] = "objects"
    lists = {"en": {"stars", "rockets", "cherries", "nights"}}
    plain = word_forms.form_entries(world, {}, [], lists, set())
    check(not {"stars", "rockets", "cherries"} & set(plain), "names stay as they are by default: %s" % plain)
    named = word_forms.form_entries(world, {}, [], lists, set(), named_forms=True)
    check(named.get("rockets") == "rocket", "a tag naming nothing its base does not reads as the base: %s" % named)
    check("stars" not in named, "'stars' tags the night sky, which 'star' does not name")
    check("cherries" not in named, "a label stays a label")


def test_article_entries():
    got = word_forms.article_entries(WORLD, LEXICON, [], LISTS, ENGLISH)
    for phrase in ("un chat", "le chat", "l chat", "les chats", "des chats"):
        check(got.get(phrase) == "katze", "%r reads as the cat's English label does: %r" % (phrase, got.get(phrase)))
    check(not [p for p in got if not p.endswith(("chat", "chats"))],
          "only a label that is an English word gets article phrases (not 'pomme', not 'pie', the "
          "same word in English): %s" % sorted(got))
    check(not word_forms.article_entries(WORLD, LEXICON, [], LISTS, ENGLISH, groups=("food-drink",)),
          "only labels of the judged groups")


def test_in_a_model_file():
    from gft.export_gguf import export_model, random_model
    from test_training import gft_cli
    engine = gft_cli()
    with tempfile.TemporaryDirectory() as d:
        gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 3)
        start, out, meta = (os.path.join(d, n) for n in ("start.gguf", "out.gguf", "meta.json.xz"))
        export_model(gft, dec, cb, tok, known, sampling, start, "q8_0", False, vcfg)
        lexicon.with_lexicon(start, LEXICON, start)
        lexicon.with_articles(start, ["a", "die", "los"], start)
        write_meta(meta, WORLD)
        lists = []
        for lang, words in LISTS.items():
            lists += ["--%s-words" % lang, os.path.join(d, lang + ".txt")]
            with open(lists[-1], "w", encoding="utf-8") as f:
                # German nouns are capitalised, and the German list is read for them only
                f.write("".join((w.capitalize() if lang == "de" else w) + "\n" for w in sorted(words)))
        check(word_forms.main(["--model", start, "--meta", meta, "-o", out] + lists) == 0, "word_forms writes a file")
        lex = lexicon.read(out)
        check(all(lex.get(k) == v for k, v in LEXICON.items()), "every entry stays")
        cases = {"die Katzen": "katze", "los perros": "dog", "Äpfel": "apfel", "apples": "red apple",
                 "小狗": "dog", "a cat": "katze", "guide dog": "guide dog", "dogs": "dogs", "Hündchen": "dog",
                 "un chat": "katze", "chat": "chat", "les chats": "katze", "きつね": "キツネ"}
        check_readings(engine, out, cases)
        check(word_forms.main(["--model", out, "--meta", meta, "-o", out] + lists) == 0 and lexicon.read(out) == lex,
              "a second run changes nothing")
        missing = os.path.join(d, "none.txt")
        check(word_forms.main(["--model", start, "--meta", meta, "--de-words", missing, "-o", out]) != 0,
              "a missing word list is an error")


if __name__ == "__main__":
    run_tests(globals())
