# SPDX-License-Identifier: GPL-3.0-or-later
"""Text side of the model: normalisation, words, byte-level BPE, prefixes.

Follows docs/model-format.md ("Text tokenizer") exactly; engine/ implements
the same rules in C and tests/parity checks that both agree.

Ids: 0 <pad>, 1 <bos>, 2 <eos>, 3..258 the bytes 0x00..0xFF, then one id per
merge (merge i joins (left, right) into id 259 + i).
"""
import heapq
import json
import random
from collections import Counter

PAD_ID, BOS_ID, EOS_ID, BYTE0_ID = 0, 1, 2, 3
N_BASE = 259
SPACE_ID = BYTE0_ID + 0x20
SPECIAL_NAMES = ("<pad>", "<bos>", "<eos>")
MAX_NORM_BYTES = 1024
TOKENIZER_MODEL = "bpe-bytes-v1"

_PUNCT_ASCII = frozenset(ord(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_PUNCT_OTHER = frozenset((0x3001, 0x3002, 0x30FB, 0x00B7, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026))
_SPACE_LIKE = frozenset((0x3000, 0x00A0, 0x09, 0x0A, 0x0D, 0x0B, 0x0C))


# ---- normalisation (gft-norm-v1) ------------------------------------------

def decode_utf8_lenient(data):
    """Step 1: UTF-8 bytes -> list of code points. Invalid, overlong, surrogate
    and > U+10FFFF sequences are dropped one byte at a time; U+0000 ends."""
    out = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            if b == 0:
                break
            out.append(b)
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need, cp, lo = 1, b & 0x1F, 0x80
        elif 0xE0 <= b <= 0xEF:
            need, cp, lo = 2, b & 0x0F, 0x800
        elif 0xF0 <= b <= 0xF4:
            need, cp, lo = 3, b & 0x07, 0x10000
        else:  # continuation byte, C0/C1 (always overlong) or F5..FF
            i += 1
            continue
        ok = True
        for k in range(1, need + 1):
            if i + k >= n or (data[i + k] & 0xC0) != 0x80:
                ok = False
                break
            cp = (cp << 6) | (data[i + k] & 0x3F)
        if not ok or cp < lo or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            i += 1  # drop the lead byte only; the rest is re-scanned
            continue
        out.append(cp)
        i += need + 1
    return out


def _fold_lower(cp):
    """Steps 2 and 3 for one code point."""
    if 0xFF01 <= cp <= 0xFF5E:
        cp -= 0xFEE0
    elif cp in _SPACE_LIKE:
        return 0x20
    if 0x41 <= cp <= 0x5A:
        return cp + 0x20
    if cp < 0xC0:
        return cp
    if 0xC0 <= cp <= 0xDE and cp != 0xD7:
        return cp + 0x20
    if 0x391 <= cp <= 0x3A9 and cp != 0x3A2:
        return cp + 0x20
    if 0x410 <= cp <= 0x42F:
        return cp + 0x20
    if 0x400 <= cp <= 0x40F:
        return cp + 0x50
    if (0x100 <= cp <= 0x137 or 0x14A <= cp <= 0x177) and cp % 2 == 0:
        return cp + 1
    if (0x139 <= cp <= 0x148 or 0x179 <= cp <= 0x17E) and cp % 2 == 1:
        return cp + 1
    if cp == 0x178:
        return 0xFF
    return cp


def normalize(text):
    """gft-norm-v1: str or bytes -> normalised str (<= 1024 UTF-8 bytes)."""
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogatepass")
    else:
        data = bytes(text)
    cps = []
    for cp in decode_utf8_lenient(data):
        cp = _fold_lower(cp)
        if cp in _PUNCT_ASCII or cp in _PUNCT_OTHER:
            cp = 0x20
        if cp == 0x20 and (not cps or cps[-1] == 0x20):
            continue  # collapse runs and trim the start
        cps.append(cp)
    while cps and cps[-1] == 0x20:
        cps.pop()
    out = []
    size = 0
    for cp in cps:
        n = 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
        if size + n > MAX_NORM_BYTES:
            break
        out.append(chr(cp))
        size += n
    while out and out[-1] == " ":  # truncation may end on a space: trim again
        out.pop()
    return "".join(out)


# ---- words -------------------------------------------------------------------

def is_cjk(cp):
    return (0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF
            or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF)


def split_words(normalized):
    """Words of already-normalised text (see docs: CJK code points alone)."""
    words = []
    for piece in normalized.split(" "):
        run = []
        for ch in piece:
            if is_cjk(ord(ch)):
                if run:
                    words.append("".join(run))
                    run = []
                words.append(ch)
            else:
                run.append(ch)
        if run:
            words.append("".join(run))
    return words


def words(text):
    """The words of a prompt, after normalisation."""
    return split_words(normalize(text))


def build_known_words(texts):
    """Sorted (by UTF-8 bytes) list of every word of the given captions."""
    seen = set()
    for t in texts:
        seen.update(words(t))
    return sorted(seen, key=lambda w: w.encode("utf-8"))


def unknown_words(text, known):
    """Words of text not in `known` (a set or list), in order, without repeats."""
    known = known if isinstance(known, (set, frozenset)) else set(known)
    out = []
    for w in words(text):
        if w not in known and w not in out:
            out.append(w)
    return out


# ---- BPE training -----------------------------------------------------------

def _pieces(text):
    return [p for p in normalize(text).split(" ") if p]


def train_bpe(texts, vocab_size, min_frequency=2):
    """Byte-level BPE over space-separated pieces of the normalised texts,
    weighted by piece frequency. Stops at vocab_size ids or when no pair occurs
    min_frequency times. Ties: the pair with the lower (left, right) ids."""
    freq = Counter()
    for t in texts:
        freq.update(_pieces(t))
    words_ = [[BYTE0_ID + b for b in w.encode("utf-8")] for w in freq]
    counts = list(freq.values())

    pair_count = Counter()
    where = {}  # pair -> set of word indices containing it
    for wi, (w, c) in enumerate(zip(words_, counts)):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += c
            where.setdefault((a, b), set()).add(wi)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)

    merges = []
    n_merges = max(0, vocab_size - N_BASE)
    while len(merges) < n_merges and heap:
        negc, pair = heapq.heappop(heap)
        c = pair_count.get(pair, 0)
        if c != -negc:
            continue  # stale entry
        if c < min_frequency:
            break
        new_id = N_BASE + len(merges)
        merges.append(pair)
        a, b = pair
        changed = set()
        for wi in where.pop(pair, ()):
            w = words_[wi]
            wc = counts[wi]
            for x, y in zip(w, w[1:]):
                pair_count[(x, y)] -= wc
                changed.add((x, y))
            out = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words_[wi] = out
            for x, y in zip(out, out[1:]):
                pair_count[(x, y)] += wc
                changed.add((x, y))
                where.setdefault((x, y), set()).add(wi)
        pair_count.pop(pair, None)
        changed.discard(pair)
        for p in changed:
            c = pair_count.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_count.pop(p, None)
                where.pop(p, None)
    return BPETokenizer(merges)


# ---- BPE encoding -------------------------------------------------------------

class BPETokenizer:
    def __init__(self, merges):
        self.merges = [(int(a), int(b)) for a, b in merges]
        self.ranks = {p: i for i, p in enumerate(self.merges)}
        self._cache = {}
        tok = [n.encode() for n in SPECIAL_NAMES] + [bytes([b]) for b in range(256)]
        for i, (a, b) in enumerate(self.merges):
            if not (0 <= a < N_BASE + i and 0 <= b < N_BASE + i) or a < BYTE0_ID or b < BYTE0_ID:
                raise ValueError(f"merge {i} ({a}, {b}) refers to an invalid id")
            tok.append(tok[a] + tok[b])
        self.token_bytes = tok

    @property
    def vocab_size(self):
        return N_BASE + len(self.merges)

    def _encode_piece(self, piece_bytes, dropout, rng):
        ids = [BYTE0_ID + b for b in piece_bytes]
        ranks = self.ranks
        while len(ids) > 1:
            best, best_pos = None, -1
            for i in range(len(ids) - 1):
                r = ranks.get((ids[i], ids[i + 1]))
                if r is None:
                    continue
                if dropout > 0.0 and rng.random() < dropout:
                    continue
                if best is None or r < best:
                    best, best_pos = r, i
            if best is None:
                break
            ids[best_pos:best_pos + 2] = [N_BASE + best]
        return ids

    def encode_normalized(self, norm, dropout=0.0, rng=None):
        if dropout > 0.0 and rng is None:
            rng = random
        out = []
        for k, piece in enumerate(norm.split(" ")):
            if k:
                out.append(SPACE_ID)
            if not piece:
                continue
            if dropout > 0.0:
                out.extend(self._encode_piece(piece.encode("utf-8"), dropout, rng))
                continue
            ids = self._cache.get(piece)
            if ids is None:
                ids = self._encode_piece(piece.encode("utf-8"), 0.0, None)
                if len(self._cache) < 1_000_000:
                    self._cache[piece] = ids
            out.extend(ids)
        return out

    def encode(self, text, dropout=0.0, rng=None):
        """Normalise and encode (no BOS/EOS). dropout: BPE-dropout probability
        (training only); rng: a random.Random (default: the module's)."""
        norm = normalize(text)
        if not norm:
            return []
        return self.encode_normalized(norm, dropout, rng)

    def prefix(self, text, T, dropout=0.0, rng=None):
        """[<bos>] ids[:T-2] [<eos>] [<pad>...]: exactly T ids. None or "" gives
        the null prompt."""
        ids = self.encode(text or "", dropout, rng)[: T - 2]
        return [BOS_ID] + ids + [EOS_ID] + [PAD_ID] * (T - 2 - len(ids))

    def decode(self, ids):
        """Bytes for ids (specials skipped), as text with invalid UTF-8 replaced."""
        b = b"".join(self.token_bytes[i] for i in ids if i >= BYTE0_ID)
        return b.decode("utf-8", "replace")

    # ---- persistence
    def to_dict(self):
        return {"model": TOKENIZER_MODEL, "merges": [list(p) for p in self.merges]}

    @classmethod
    def from_dict(cls, d):
        if d.get("model", TOKENIZER_MODEL) != TOKENIZER_MODEL:
            raise ValueError(f"unknown tokenizer model {d.get('model')!r}")
        return cls(d["merges"])

    def save(self, path, known_words=None):
        d = self.to_dict()
        if known_words is not None:
            d["known_words"] = list(known_words)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        """Returns the tokenizer; its known words (if saved) are in .known_words."""
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        tok = cls.from_dict(d)
        tok.known_words = d.get("known_words")
        return tok
