# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of training/gft/text.py against docs/model-format.md, with
expected values written out by hand.

Run: PYTHONPATH=training /usr/bin/python3 tests/parity/test_text.py
"""
import os
import random
import sys
import tempfile

from gft import text as tx

# (input, expected normalised text), each written out by hand from the doc's rules
NORMALIZE_CASES = [
    ("", ""),
    ("   ", ""),
    ("Hello, World!", "hello world"),
    ("  A\tB\nC\rD\x0bE\x0cF  ", "a b c d e f"),
    ("ÀÉÎÕÜ ×÷ Þ ß ÿ", "àéîõü ×÷ þ ß ÿ"),  # U+00D7 and U+00F7 unchanged
    ("ΑΒΓΔ Σ Ω \u03a2", "αβγδ σ ω \u03a2"),  # U+03A2 unassigned: unchanged
    ("ЁЖИК Ѐ Џ АЯ", "ёжик ѐ џ ая"),
    ("ĀāĂ Ĳ İ Ł Ń Ŋ Ŷ Ÿ Ź Ž", "āāă ĳ ı ł ń ŋ ŷ ÿ ź ž"),
    ("ĸ Ĺ ň ŉ ſ", "ĸ ĺ ň ŉ ſ"),  # 0x138, 0x149, 0x17F stay
    ("ＡＢＣ！１２３", "abc 123"),  # full-width fold happens before punctuation
    ("日本語、テスト。・中文", "日本語 テスト 中文"),
    ("a\u3000b\u00a0c", "a b c"),
    ("‘quoted’ “double” wait…", "quoted double wait"),
    ("mid·dot", "mid dot"),
    ("snake_case-and.dots/slash\\back", "snake case and dots slash back"),
    ("emoji 😀🎉 ok", "emoji 😀🎉 ok"),
    ("Straße GROSS", "straße gross"),
    ("a\x00b", "a"),
    ("«guillemets» ¿qué?", "«guillemets» ¿qué"),
]

BYTES_CASES = [
    (b"a\xc0\x80b", "ab"),  # overlong NUL dropped (does not end the text)
    (b"a\xed\xa0\x80b", "ab"),  # surrogate
    (b"a\xf4\x90\x80\x80b", "ab"),  # > U+10FFFF
    (b"a\xe4\xb8b", "ab"),  # truncated sequence
    (b"\xe4\xb8\xad\xff\xfe", "中"),
    (b"x\x80\xbfy", "xy"),  # lone continuations
    (b"\xe0\x80\xafz", "z"),  # overlong 3-byte '/'
    (b"\xf0\x9f\x98\x80", "😀"),
    (b"\xc3\x84\xc3", "ä"),
]


def test_normalize():
    for src, want in NORMALIZE_CASES + BYTES_CASES:
        got = tx.normalize(src)
        assert got == want, (src, got, want)


def test_truncate():
    s = "é" * 600  # 2 bytes each -> 512 code points fit
    assert tx.normalize(s) == "é" * 512
    s = "a" + "中" * 400  # 1 + 3*341 = 1024
    assert tx.normalize(s).encode() == ("a" + "中" * 341).encode()
    s = "abc " * 400  # a cut that ends on a space trims it: idempotent
    n = tx.normalize(s)
    assert len(n.encode()) == 1023 and not n.endswith(" ")
    assert tx.normalize(n) == n
    assert tx.normalize("x" * 5000) == "x" * 1024


def test_words():
    assert tx.words("Ein GRÜNER Apfel!") == ["ein", "grüner", "apfel"]
    assert tx.words("我爱cats和狗 ok") == ["我", "爱", "cats", "和", "狗", "ok"]
    assert tx.words("テスト1") == ["テ", "ス", "ト", "1"]
    assert tx.words("한국어 abc") == ["한", "국", "어", "abc"]
    assert tx.words("  ") == []
    kw = tx.build_known_words(["Red apple", "猫", "Äpfel"])
    assert kw == ["apple", "red", "äpfel", "猫"]
    assert tx.unknown_words("red banana apple banana 狗", kw) == ["banana", "狗"]


def _tok():
    B = tx.BYTE0_ID
    a, b, c = B + ord("a"), B + ord("b"), B + ord("c")
    merges = [(a, b),        # 259 = ab
              (b, c),        # 260 = bc
              (a, a),        # 261 = aa
              (259, c),      # 262 = abc
              (261, a)]      # 263 = aaa
    return tx.BPETokenizer(merges), a, b, c


def test_encode_rules():
    tok, a, b, c = _tok()
    sp = tx.SPACE_ID
    assert tok.encode("abc") == [262]        # ab (0) before bc (1), then abc (3)
    assert tok.encode("bc") == [260]
    assert tok.encode("aaa") == [263]        # leftmost aa (rank 2), then (aa, a) (rank 4)
    assert tok.encode("aaaa") == [261, 261]  # two aa (rank 2) beat (aa, a) (rank 4)
    assert tok.encode("aab") == [a, 259]     # ab (rank 0) before aa (rank 2)
    assert tok.encode("ab c") == [259, sp, c]
    assert tok.encode("AB, C!") == [259, sp, c]
    assert tok.encode("") == [] and tok.encode("!!") == []
    assert tok.encode("é") == [tx.BYTE0_ID + 0xC3, tx.BYTE0_ID + 0xA9]
    assert tok.token_bytes[262] == b"abc" and tok.vocab_size == 264
    assert tok.decode(tok.encode("abc aab")) == "abc aab"


def test_prefix():
    tok, a, b, c = _tok()
    sp = tx.SPACE_ID
    assert tok.prefix("abc ab", 6) == [1, 262, sp, 259, 2, 0]
    assert tok.prefix("abc ab", 5) == [1, 262, sp, 259, 2]
    assert tok.prefix("abc ab", 4) == [1, 262, sp, 2]
    assert tok.prefix("", 4) == [1, 2, 0, 0]
    assert tok.prefix(None, 3) == [1, 2, 0]
    assert tok.prefix("bc", 2) == [1, 2]


def test_dropout():
    tok, a, b, c = _tok()
    assert tok.encode("abc", dropout=1.0, rng=random.Random(0)) == [a, b, c]
    seen = set()
    r = random.Random(1)
    for _ in range(200):
        ids = tok.encode("abcabc", dropout=0.5, rng=r)
        assert tok.decode(ids) == "abcabc"
        seen.add(tuple(ids))
    assert len(seen) > 3 and (262, 262) in seen


def test_train_bpe():
    texts = ["low lower lowest"] * 5 + ["newer wider"] * 3 + ["Low!"]
    tok = tx.train_bpe(texts, 300)
    B = tx.BYTE0_ID
    # "lo"/"ow" each occur 16 times (5*3 + "low" once from "Low!"); ties go to the lower ids: (l, o)
    assert tok.merges[0] == (B + ord("l"), B + ord("o"))
    assert tok.merges[1] == (259, B + ord("w"))
    assert tok.encode("low") == [260]
    for t in texts:
        assert tok.decode(tok.encode(t)) == tx.normalize(t)
    # deterministic, and min_frequency stops it early
    assert tx.train_bpe(texts, 300).merges == tok.merges
    assert tok.vocab_size < 300
    few = tx.train_bpe(texts, 261)
    assert few.vocab_size == 261 and few.merges == tok.merges[:2]


def test_save_load():
    tok = tx.train_bpe(["grinning face", "grüne katze 猫猫", "face face"], 280)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "tok.json")
        tok.save(p, known_words=["a", "猫"])
        t2 = tx.BPETokenizer.load(p)
    assert t2.merges == tok.merges and t2.known_words == ["a", "猫"]
    for s in ("grinning face", "猫 face", "Katze"):
        assert t2.encode(s) == tok.encode(s)
    try:
        tx.BPETokenizer([(300, 3)])
    except ValueError:
        pass
    else:
        raise AssertionError("bad merge accepted")


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
    sys.exit(0)
