# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the prompt lexicon (training/gft/lexicon.py): building it from caption items,
reading prompts through it, and writing it into a model file.

Run: PYTHONPATH=training /usr/bin/python3 tests/training/test_lexicon.py
"""
import os
import tempfile

from gft import lexicon
from gft.captions import all_caption_texts
from gft.gguf_writer import T_F16, T_F32, GGUFFile
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)


def emoji(concept, labels, tags):
    return {"concept": concept, "style": "noto", "labels": labels, "tags": tags}


# A small world: two apples, a cat and a dog, a target, and a skin-tone variant.
ITEMS = [
    emoji("emoji:apple", {"en": "red apple", "zh": "红苹果", "de": "roter Apfel", "fr": "pomme rouge"},
          {"en": ["apple", "fruit", "red"], "zh": ["苹果", "水果", "红"], "de": ["Apfel", "Obst", "rot"],
           "fr": ["pomme", "fruit", "rouge"]}),
    emoji("emoji:green-apple", {"en": "green apple", "zh": "青苹果", "de": "grüner Apfel",
                                "fr": "pomme verte"},
          {"en": ["apple", "fruit", "green"], "zh": ["苹果", "水果", "绿"], "de": ["Apfel", "Obst", "grün"],
           "fr": ["pomme", "fruit", "vert"]}),
    emoji("emoji:cat", {"en": "cat face", "zh": "猫脸", "de": "Katzengesicht", "fr": "tête de chat"},
          {"en": ["cat", "face", "pet"], "zh": ["猫", "脸", "宠物"], "de": ["Katze", "Gesicht", "Haustier"],
           "fr": ["chat", "tête", "animal"]}),
    emoji("emoji:cat2", {"en": "cat", "zh": "猫", "de": "Katze", "fr": "chat"},
          {"en": ["cat", "pet"], "zh": ["猫", "宠物"], "de": ["Katze", "Haustier"], "fr": ["chat", "animal"]}),
    emoji("emoji:dog", {"en": "dog face", "zh": "狗脸", "de": "Hundegesicht", "fr": "tête de chien"},
          {"en": ["dog", "face", "pet"], "zh": ["狗", "脸", "宠物"], "de": ["Hund", "Gesicht", "Haustier"],
           "fr": ["chien", "tête", "animal"]}),
    emoji("emoji:dog2", {"en": "dog", "zh": "狗", "de": "Hund", "fr": "chien"},
          {"en": ["dog", "pet"], "zh": ["狗", "宠物"], "de": ["Hund", "Haustier"], "fr": ["chien", "animal"]}),
    # "的" is this concept's Japanese label, but a particle in every Chinese caption below
    emoji("emoji:target", {"en": "bullseye", "ja": "的", "zh": "正中靶心", "de": "Volltreffer"},
          {"en": ["dart", "target"], "zh": ["靶心"], "de": ["Ziel"]}),
    emoji("emoji:heart", {"en": "red heart", "zh": "红色的心", "ja": "赤いハート", "de": "rotes Herz"},
          {"en": ["heart", "love"], "zh": ["心", "爱"], "de": ["Herz", "Liebe"]}),
    emoji("emoji:book", {"en": "green book", "zh": "绿色的书", "ja": "緑の本", "de": "grünes Buch"},
          {"en": ["book", "green"], "zh": ["书", "绿"], "de": ["Buch", "grün"]}),
    emoji("emoji:wave-dark", {"en": "waving hand: dark skin tone", "zh": "挥手: 较深肤色",
                              "de": "winkende Hand: dunkle Hautfarbe"}, {}),
    {"concept": "clipart:lamp", "style": "clipart", "labels": {"en": "desk lamp"}, "tags": {"en": ["light"]}},
    # "stil" is Dutch for quiet, and the German style words' "Stil" ("Noto-Stil")
    emoji("emoji:shush", {"en": "shushing face", "nl": "stil gezicht", "de": "Finger auf Lippen"},
          {"en": ["quiet", "shush"], "nl": ["stil"], "de": ["leise"]}),
    emoji("emoji:mute", {"en": "muted speaker", "nl": "luidspreker uit", "de": "durchgestrichener Lautsprecher"},
          {"en": ["quiet", "speaker"], "nl": ["stil"], "de": ["leise"]}),
]


def test_build():
    lex = lexicon.build(ITEMS)
    check(lex.get("红 苹 果") == "red apple" and lex.get("pomme rouge") == "red apple"
          and lex.get("roter apfel") == "red apple", "labels map to the English label")
    check(lex.get("苹 果") == "apple" and lex.get("apfel") == "apple" and lex.get("pomme") == "apple",
          "a tag maps to the English tag with the same concepts")
    check(lex.get("katze") == "cat" and lex.get("猫") == "cat",
          "a one-word label maps to its English label: %r %r" % (lex.get("katze"), lex.get("猫")))
    check("的" not in lex, "a one-word source used mostly for other things is left out: %r" % lex.get("的"))
    check("fruit" not in lex and "pet" not in lex and lex.get("animal") == "pet",
          "sources made only of English caption words are left out: %r" % lex.get("fruit"))
    check(not any("肤色" in s or "hautfarbe" in s for s in lex), "skin-tone variants are left out")
    check(lex.get("扁 平 图 标") == "flat icon" and lex.get("表 情 符 号") == "noto emoji style",
          "style words map to the canonical English style")
    check(all(s == lexicon.canonical(s) and len(s.encode()) <= lexicon.MAX_SOURCE_BYTES for s in lex),
          "sources are in canonical form")
    check(lex.get("leise") == "quiet" and "stil" not in lex and lex.get("noto stil") == "noto emoji style",
          "a word of another language's style words is not read as a tag: %r" % lex.get("stil"))
    check(lexicon.translate("eine Katze im Noto-Stil", lex) == ("eine cat im noto emoji style", 2)
          and lexicon.translate("Hund im Emoji-Stil", lex)[0] == "dog im emoji stil",
          "style requests keep their style word: %r" % (lexicon.translate("Hund im Emoji-Stil", lex),))
    with_list = lexicon.build(ITEMS, english_word_list={"chien", "tete"})
    check("chien" in lex and "chien" not in with_list, "a word list's English words are left out")
    # English captions read as themselves
    english = all_caption_texts([i for i in ITEMS if len(i["labels"]) > 1], langs={"en"})
    check(all(lexicon.translate(t, lex) == (lexicon.normalize(t), 0) for t in english),
          "every English caption reads as itself")


def test_translate():
    lex = lexicon.build(ITEMS)
    cases = {
        "红苹果": ("red apple", 1),
        "红 苹果": ("red apple", 1),
        "一个红苹果。": ("一个 red apple", 1),
        "苹果红": ("apple 红", 1),
        "Un CHAT et un chien!": ("un cat et un dog", 2),
        "pommes": ("pommes", 0),
        "": ("", 0),
    }
    for text, want in cases.items():
        got = lexicon.translate(text, lex)
        check(got == want, "%r reads as %r (want %r)" % (text, got, want))
    # a source read as itself keeps its words whole and changes nothing
    with_own = dict(lex, **{"red cat": "red cat", "cat": "black cat"})
    for text, want in (("red cat", ("red cat", 0)), ("Cat", ("black cat", 1)),
                       ("一个红苹果 red cat", ("一个 red apple red cat", 1))):
        got = lexicon.translate(text, with_own)
        check(got == want, "%r reads as %r (want %r)" % (text, got, want))
    long_target = {"zz": "a much longer phrase"}
    text, n = lexicon.translate(" ".join(["zz"] * 333), long_target)
    check(n == 333 and len(text.encode()) == 1007,
          "pieces past 1024 bytes are dropped: %d bytes, %d phrases" % (len(text.encode()), n))


def test_articles():
    """Articles go wherever no source starts, unless no word would be left, as
    the engine drops them (tests/engine/test_lexicon.c has the same cases)."""
    lex = lexicon.build(ITEMS)
    lead = ["a", "ein", "一 个"]
    cases = {
        "Ein roter Apfel": ("red apple", 2),
        "一个红苹果。": ("red apple", 2),
        "A red heart": ("red heart", 1),
        "a": ("a", 0),
        "a a chien": ("dog", 3),
        "red a chien": ("red dog", 2),
        "a ein": ("ein", 1),
        "chien ein": ("dog", 2),
        "an apple": ("an apple", 0),
    }
    for text, want in cases.items():
        got = lexicon.translate(text, lex, articles=lead)
        check(got == want, "%r reads as %r (want %r)" % (text, got, want))
    check(lexicon.translate("Ein roter Apfel", lex) == ("ein red apple", 1), "no articles: kept")
    own = dict(lex, **{"ein roter": "ein roter"})
    check(lexicon.translate("ein roter Apfel", own, articles=lead) == ("ein roter apple", 1),
          "a source that starts at a word wins over an article there")
    check(lexicon.translate("Bild von einem Apfel", lex, articles=lead + ["einem"]) == ("bild von apple", 2),
          "an article inside the prompt goes too")
    check(lexicon.translate("Ein Apfel", {}, articles=lead) == ("apfel", 1), "articles without a lexicon")
    words = lexicon.article_list()
    check(words == sorted(words, key=lambda w: w.encode()) and "the" in words and "eine" in words
          and "一 个" in words, "the default articles are canonical and sorted: %s" % words[:5])
    items = ITEMS + [emoji("emoji:a-button", {"en": "A button (blood type)", "de": "Blutgruppe A"}, {})]
    items.append(emoji("emoji:kiss", {"en": "face blowing a kiss", "de": "Kussmund"}, {}))
    guards = lexicon.article_guards(items, words)
    check(guards == {"a button blood type": "a button blood type", "face blowing a kiss": "face blowing a kiss"},
          "English labels that hold an article read as themselves: %s" % guards)


def test_model_file():
    from gft.export_gguf import main as export_main
    with tempfile.TemporaryDirectory() as d:
        src, out, none = (os.path.join(d, n) for n in ("a.gguf", "b.gguf", "c.gguf"))
        check(export_main(["--random", "tiny", "--seed", "4", "-o", src]) == 0, "tiny export")
        lex = lexicon.build(ITEMS)
        lexicon.with_lexicon(src, lex, out, f16_embeddings=True)
        a, b = GGUFFile(src), GGUFFile(out)
        check(lexicon.read(b) == lex and lexicon.read(a) == {}, "the file holds the lexicon")
        check(b.kv[lexicon.KEY_SOURCES] == sorted(lex, key=lambda s: s.encode()),
              "sources are sorted by bytes")
        emb = [n for n in a.tensor_info if n in lexicon.EMBEDDINGS and a.tensor_info[n][1] == T_F32]
        other = [n for n in a.tensor_info if n not in lexicon.EMBEDDINGS]
        check(emb and all(b.tensor_info[n][1] == T_F16 for n in emb)
              and all(abs(a.tensor(n) - b.tensor(n)).max() < 1e-3 for n in emb),
              "F32 embeddings become F16: %s" % emb)
        check(all(a.tensor_raw(n) == b.tensor_raw(n) for n in other)
              and all(a.kv_raw[k] == b.kv_raw[k] for k in a.kv), "everything else is copied byte for byte")
        lexicon.with_lexicon(out, {}, none)
        check(lexicon.read(none) == {} and not any(k in GGUFFile(none).kv for k in lexicon.KEYS),
              "an empty lexicon removes the keys")
        check(lexicon.main(["--model", src, "--meta", os.path.join(d, "missing.json.xz"), "-o", out]) == 1,
              "a missing pack is refused with a message")
        check(lexicon.main(["--model", src, "--pair", "红苹果=Red Apple", "--pair", "Chat Noir=black cat",
                            "-o", out]) == 0
              and lexicon.read(out) == {"红 苹 果": "red apple", "chat noir": "black cat"},
              "--pair entries are normalised, sources in canonical form")
        # carry_over: a file exported from the start's weights gets its lexicon and F16 embeddings
        lexicon.with_lexicon(src, lex, out, f16_embeddings=True)
        plain = os.path.join(d, "plain.gguf")
        check(export_main(["--random", "tiny", "--seed", "5", "-o", plain]) == 0, "second tiny export")
        lexicon.carry_over(out, plain)
        p = GGUFFile(plain)
        check(lexicon.read(p) == lex and all(p.tensor_info[n][1] == T_F16 for n in emb),
              "carry_over copies the lexicon and the F16 embeddings")
        bare = os.path.join(d, "bare.gguf")  # F32 embeddings, no lexicon
        check(export_main(["--random", "tiny", "--seed", "6", "-o", bare]) == 0, "third tiny export")
        before = open(src, "rb").read()
        lexicon.carry_over(bare, src)
        check(open(src, "rb").read() == before, "carry_over from a file without either changes nothing")
        # --drop-frame-conflicts keeps the file's own lexicon minus the frame-word conflicts
        lexicon.with_lexicon(src, dict(lex, stil="quiet", icono="flat icon", von="apple"), out)
        check(lexicon.main(["--model", out, "--drop-frame-conflicts", "-o", out]) == 0
              and lexicon.read(out) == dict(lex, icono="flat icon"),
              "--drop-frame-conflicts drops 'stil' and 'von', keeps 'icono' (a style word read as its style)")
        # articles: written apart from the lexicon, kept when the lexicon is rewritten
        check(lexicon.main(["--model", src, "--pair", "Chat=cat", "--articles", "default", "-o", out]) == 0
              and lexicon.read_articles(out) == lexicon.article_list(), "--articles default writes the list")
        lexicon.with_lexicon(out, {"chien": "dog"}, out)
        check(lexicon.read_articles(out) == lexicon.article_list() and lexicon.read(out) == {"chien": "dog"},
              "rewriting the lexicon keeps the articles")
        plain2 = os.path.join(d, "plain2.gguf")
        check(export_main(["--random", "tiny", "--seed", "8", "-o", plain2]) == 0, "fourth tiny export")
        lexicon.carry_over(out, plain2)
        check(lexicon.read_articles(plain2) == lexicon.article_list(), "carry_over copies the articles")
        check(lexicon.main(["--model", out, "--drop-frame-conflicts", "--articles", "none", "-o", out]) == 0
              and lexicon.read_articles(out) == [] and "gft.lexicon.articles" not in GGUFFile(out).kv,
              "--articles none removes them")
        check(lexicon.main(["--model", src, "--pair", "no equals sign", "-o", out]) == 1
              and lexicon.main(["--model", src, "--pair", "=red", "-o", out]) == 1,
              "a malformed --pair is refused")


def test_prune_with_the_model():
    """gft.lexicon_prune tests the one-word sources that at least min_concepts concepts use and
    keeps an entry only when the model finds the concepts' grids at least as likely in English;
    its likelihoods equal the model's own loss on each sequence."""
    import torch
    from gft.export_gguf import main as export_main
    from gft.gguf_import import load_gguf
    from gft.lexicon_prune import nll, pick, prune
    check(pick(range(10), 3) == [0, 4, 9] or pick(range(10), 3) == [0, 5, 9], "pick spreads: %s" % pick(range(10), 3))
    check(pick([3, 1], 4) == [1, 3] and pick([5, 2, 9], 1) == [2], "pick keeps few ids sorted")
    lex = lexicon.build(ITEMS)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tiny.gguf")
        check(export_main(["--random", "tiny", "--seed", "7", "-o", path]) == 0, "tiny export")
        m = load_gguf(path)
        n_img = m.gft.cfg.grid_w * m.gft.cfg.grid_h
        grids = torch.randint(0, m.gft.cfg.codebook_size, (len(ITEMS), n_img), generator=torch.Generator().manual_seed(1))
        kept, report = prune(lex, ITEMS, grids, m.gft, m.tokenizer, min_concepts=3, max_concepts=4, n_tokens=n_img)
        tested = {"haustier", "animal"}  # the one-word sources of 4 concepts (the pets)
        check(report["tested"] == len(tested) and set(report["dropped_entries"]) <= tested,
              "only frequent one-word sources are tested: %s" % report)
        check(all(kept[s] == t for s, t in lex.items() if s not in tested)
              and len(kept) == len(lex) - report["dropped"], "every untested entry is kept")
        rows = [ITEMS.index(next(i for i in ITEMS if i["concept"] == c))
                for c in ("emoji:cat", "emoji:cat2", "emoji:dog", "emoji:dog2")]
        with torch.no_grad():
            def own(text, row):
                ids = torch.tensor([m.tokenizer.prefix(text, m.gft.cfg.text_ctx)])
                return float(m.gft.loss(ids, grids[row:row + 1]))
            wins = sum(own(lex["haustier"], r) <= own("haustier", r) for r in rows)
            got = nll(m.gft, m.tokenizer, [("haustier", r) for r in rows], grids, n_img)
        check(all(abs(float(g) - own("haustier", r)) < 1e-4 for g, r in zip(got, rows)),
              "nll equals the model's loss per sequence")
        check(("haustier" in kept) == (2 * wins >= len(rows)),
              "the entry is kept exactly when English is as likely on half the concepts (%d of 4)" % wins)
        kept2, report2 = prune(lex, ITEMS, grids, m.gft, m.tokenizer, min_concepts=5)
        check(report2["tested"] == 0 and kept2 == lex, "nothing is tested below min_concepts")


if __name__ == "__main__":
    run_tests(globals())
