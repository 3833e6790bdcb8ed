# SPDX-License-Identifier: GPL-3.0-or-later
"""Round-trips training/gft/gguf_writer.py through an independent minimal
GGUF reader written here from the format description (docs/model-format.md),
and checks Q8_0 / F16 encodings and the exported model's keys and shapes.

Run: PYTHONPATH=training /usr/bin/python3 tests/parity/test_gguf_writer.py
"""
import os
import struct
import sys
import tempfile

import numpy as np

from gft import gguf_writer as gw


class MiniReader:
    """Just enough GGUF v3 to check the writer: not shared with the writer."""

    def __init__(self, data):
        self.d, self.p = data, 0
        assert self.take(4) == b"GGUF"
        assert self.u("<I") == 3
        nt, nkv = self.u("<Q"), self.u("<Q")
        self.kv, self.types = {}, {}
        for _ in range(nkv):
            k = self.s().decode()
            t = self.u("<I")
            assert k not in self.kv, f"duplicate key {k}"
            self.types[k] = t
            self.kv[k] = self.val(t)
        self.ti = {}
        for _ in range(nt):
            n = self.s().decode()
            nd = self.u("<I")
            dims = [self.u("<Q") for _ in range(nd)]
            self.ti[n] = (dims, self.u("<I"), self.u("<Q"))
        align = self.kv.get("general.alignment", 32)
        self.header_end = self.p
        self.start = (self.p + align - 1) // align * align

    def take(self, n):
        b = self.d[self.p:self.p + n]
        assert len(b) == n, "truncated"
        self.p += n
        return b

    def u(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def s(self):
        return self.take(self.u("<Q"))

    def val(self, t):
        fmts = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
                10: "<Q", 11: "<q", 12: "<d"}
        if t in fmts:
            return self.u(fmts[t])
        if t == 8:
            return self.s()
        assert t == 9, f"bad type {t}"
        et, n = self.u("<I"), self.u("<Q")
        assert et != 9
        return [self.val(et) for _ in range(n)]

    def raw(self, name, nbytes):
        dims, t, off = self.ti[name]
        return self.d[self.start + off:self.start + off + nbytes]


def test_roundtrip():
    rng = np.random.RandomState(0)
    w = gw.GGUFWriter()
    w.add_string("general.architecture", "gft")
    w.add_u32("a.u32", 4000000000)
    w.add_i32("a.i32", -7)
    w.add_f32("a.f32", 0.125)
    w.add_bool("a.bool", True)
    w.add_scalar("a.u64", gw.U64, 2 ** 40 + 3)
    w.add_array("a.arr_u32", gw.U32, [1, 2, 3])
    w.add_array("a.arr_i32", gw.I32, [-1, 0, 2 ** 31 - 1])
    w.add_array("a.arr_str", gw.STRING, ["x", "日本", b"\xff\x00raw"])
    w.add_array("a.empty", gw.STRING, [])
    a32 = rng.standard_normal((3, 5)).astype(np.float32)
    a16 = rng.standard_normal((7,)).astype(np.float32)
    q = (rng.standard_normal((2, 64)) * 3).astype(np.float32)
    q[1, 32:] = 0.0  # an all-zero block: d = 0, q = 0
    c4 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    w.add_tensor("t.f32", a32, gw.T_F32)
    w.add_tensor("t.f16", a16, gw.T_F16)
    w.add_tensor("t.q8", q, gw.T_Q8_0)
    w.add_tensor("t.conv", c4, gw.T_F32)
    for bad in (lambda: w.add_u32("a.u32", 1), lambda: w.add_tensor("t.f32", a32),
                lambda: w.add_tensor("t.bad", np.zeros((2, 31)), gw.T_Q8_0),
                lambda: w.add_array("a.nested", gw.ARRAY, [])):
        try:
            bad()
        except ValueError:
            pass
        else:
            raise AssertionError("writer accepted bad input")
    data = w.to_bytes()
    r = MiniReader(data)
    assert r.kv["general.architecture"] == b"gft"
    assert r.types["a.u32"] == 4 and r.kv["a.u32"] == 4000000000
    assert r.types["a.i32"] == 5 and r.kv["a.i32"] == -7
    assert r.types["a.f32"] == 6 and r.kv["a.f32"] == 0.125
    assert r.types["a.bool"] == 7 and r.kv["a.bool"] is True
    assert r.types["a.u64"] == 10 and r.kv["a.u64"] == 2 ** 40 + 3
    assert r.kv["a.arr_u32"] == [1, 2, 3]
    assert r.kv["a.arr_i32"] == [-1, 0, 2 ** 31 - 1]
    assert r.kv["a.arr_str"] == [b"x", "日本".encode(), b"\xff\x00raw"]
    assert r.kv["a.empty"] == []
    # layout: dims reversed, offsets aligned, data section aligned, file covers all
    assert r.ti["t.f32"][0] == [5, 3] and r.ti["t.f32"][1] == 0
    assert r.ti["t.f16"][0] == [7] and r.ti["t.f16"][1] == 1
    assert r.ti["t.q8"][0] == [64, 2] and r.ti["t.q8"][1] == 8
    assert r.ti["t.conv"][0] == [3, 3, 3, 4]
    assert r.start % 32 == 0 and all(off % 32 == 0 for _, _, off in r.ti.values())
    assert set(data[r.header_end:r.start]) <= {0}
    assert len(data) >= r.start + r.ti["t.conv"][2] + c4.size * 4
    assert np.array_equal(np.frombuffer(r.raw("t.f32", 60), "<f4").reshape(3, 5), a32)
    assert np.array_equal(np.frombuffer(r.raw("t.conv", c4.size * 4), "<f4").reshape(c4.shape), c4)
    assert np.array_equal(np.frombuffer(r.raw("t.f16", 14), "<f2"), a16.astype(np.float16))
    # Q8_0 by hand: block = f16 d then 32 int8, d = max|x|/127, q = round(x / f16(d))
    raw = r.raw("t.q8", 4 * 34)
    for b in range(4):
        blk = q.reshape(-1, 32)[b]
        d16 = np.frombuffer(raw[34 * b:34 * b + 2], "<f2")[0]
        qs = np.frombuffer(raw[34 * b + 2:34 * b + 34], "i1")
        assert d16 == np.float16(np.abs(blk).max() / 127)
        for x, qi in zip(blk, qs):
            want = 0 if d16 == 0 else int(np.sign(x) * np.floor(abs(x) / float(d16) + 0.5))
            assert qi == max(-127, min(127, want)), (b, x, qi, want)
        if d16 > 0:
            assert np.abs(qs).max() == 127
            err = np.abs(float(d16) * qs - blk).max()
            assert err <= float(d16) * 0.5 + 1e-6, err
    # the package's own reader agrees
    f = gw.GGUFFile(data)
    assert np.array_equal(f.tensor("t.f32"), a32)
    assert np.allclose(f.tensor("t.q8"), q, atol=np.abs(q).max() / 127)


def test_alignment_option():
    w = gw.GGUFWriter(alignment=64)
    w.add_tensor("x", np.ones(3, np.float32))
    w.add_tensor("y", np.ones(5, np.float32))
    r = MiniReader(w.to_bytes())
    assert r.kv["general.alignment"] == 64
    assert r.start % 64 == 0 and r.ti["y"][2] == 64


def test_exported_random_model():
    from gft.export_gguf import main as export_main
    from gft.model import GFTConfig
    from gft.vq import VQConfig
    with tempfile.TemporaryDirectory() as d:
        for wtype, small in (("f32", False), ("q8_0", True)):
            path = os.path.join(d, "m.gguf")
            args = ["--random", "tiny", "--seed", "3", "--type", wtype, "-o", path]
            assert export_main(args + (["--small"] if small else [])) == 0
            r = MiniReader(open(path, "rb").read())
            kv = r.kv
            assert kv["general.architecture"] == b"gft" and kv["gft.format_version"] == 1
            d_, L, ff = kv["gft.n_embd"], kv["gft.n_layer"], kv["gft.n_ff"]
            V, T, K = kv["gft.text.vocab_size"], kv["gft.text.ctx"], kv["gft.image.codebook_size"]
            W, H, cd = kv["gft.image.grid_w"], kv["gft.image.grid_h"], kv["gft.vq.code_dim"]
            C = kv["gft.dec.channels"]
            assert (d_, L, ff, T, K, W, H, cd, C) == (64, 2, 128, 16, 32, 4, 4, 8, [32, 16])
            toks, merges = kv["gft.tokenizer.tokens"], kv["gft.tokenizer.merges"]
            assert len(toks) == V == 259 + len(merges) // 2
            assert toks[:3] == [b"<pad>", b"<bos>", b"<eos>"] and toks[3 + 0x41] == b"A"
            for i in range(len(merges) // 2):
                assert toks[259 + i] == toks[merges[2 * i]] + toks[merges[2 * i + 1]]
            kw = kv["gft.tokenizer.known_words"]
            assert kw == sorted(kw) and len(kw) > 300 and "猫".encode() in kw and b"katze" in kw
            mt = {"f32": 0, "q8_0": 8}[wtype]
            want = {"text_emb.weight": [d_, V], "text_pos": [d_, T], "img_emb.weight": [d_, K + 1],
                    "img_row": [d_, H], "img_col": [d_, W], "out_norm.weight": [d_],
                    "head.weight": [d_, K], "vq.codebook": [cd, K],
                    "dec.conv_in.weight": [3, 3, cd, C[0]], "dec.conv_in.bias": [C[0]],
                    "dec.l0.up.weight": [3, 3, C[0], C[1]], "dec.l1.res0.conv2.weight": [3, 3, C[1], C[1]],
                    "dec.l0.res0.norm1.bias": [C[0]], "dec.norm_out.weight": [C[1]],
                    "dec.conv_out.weight": [3, 3, C[1], 4], "dec.conv_out.bias": [4]}
            for i in range(L):
                want.update({f"blk.{i}.attn_q.weight": [d_, d_], f"blk.{i}.attn_out.weight": [d_, d_],
                             f"blk.{i}.ffn_up.weight": [d_, ff], f"blk.{i}.ffn_down.weight": [ff, d_],
                             f"blk.{i}.attn_norm.weight": [d_]})
            for name, dims in want.items():
                assert r.ti[name][0] == dims, (name, r.ti[name][0], dims)
            assert "dec.l1.up.weight" not in r.ti
            assert r.ti["head.weight"][1] == mt and r.ti["blk.1.ffn_down.weight"][1] == mt
            assert r.ti["blk.0.attn_norm.weight"][1] == 0 and r.ti["vq.codebook"][1] == 0
            assert r.ti["text_emb.weight"][1] == (1 if small else 0)
            assert r.ti["dec.conv_in.weight"][1] == (1 if small else 0)
            assert r.ti["dec.conv_in.bias"][1] == 0
            # codebook rows are l2-normalised
            cb = np.frombuffer(r.raw("vq.codebook", K * cd * 4), "<f4").reshape(K, cd)
            assert np.allclose(np.linalg.norm(cb, axis=1), 1.0, atol=1e-5)
            # embeddings, blocks, out_norm+head, codebook, conv_in, l0 (res0 + up),
            # l1 (res0), norm_out, conv_out
            n_tensors = 5 + 8 * L + 2 + 1 + 2 + (8 + 2) + 8 + 2 + 2
            assert len(r.ti) == n_tensors, (len(r.ti), n_tensors)
        # same seed -> same bytes; other seed -> other weights
        p1, p2, p3 = (os.path.join(d, n) for n in ("1", "2", "3"))
        export_main(["--random", "tiny", "--seed", "5", "-o", p1])
        export_main(["--random", "tiny", "--seed", "5", "-o", p2])
        export_main(["--random", "tiny", "--seed", "6", "-o", p3])
        b1, b2, b3 = (open(p, "rb").read() for p in (p1, p2, p3))
        assert b1 == b2 and b1 != b3
    assert GFTConfig().n_embd % 32 == 0 and VQConfig().codebook_size == GFTConfig().codebook_size


def test_checkpoint_export():
    """A training checkpoint (dict documented in gft/export_gguf.py) exports the
    same tensors as the modules it was made from."""
    import dataclasses

    import torch

    from gft.export_gguf import main as export_main
    from gft.export_gguf import random_model
    from gft.gguf_import import load_gguf
    from gft.vq import VQModel
    gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 4)
    vq = VQModel(vcfg)
    vq.decoder.load_state_dict(dec.state_dict())
    vq.quantizer.codebook.copy_(cb)
    ck = {"gft": gft.state_dict(), "gft_cfg": dataclasses.asdict(gft.cfg), "vq": vq.state_dict(),
          "vq_cfg": dataclasses.asdict(vcfg), "tokenizer": tok.to_dict(), "known_words": known,
          "sampling": {"temperature": 0.9, "top_k": 7, "top_p": 0.8, "guidance": 4.5},
          "name": "ckpt-test"}
    with tempfile.TemporaryDirectory() as d:
        cp, out = os.path.join(d, "ck.pt"), os.path.join(d, "ck.gguf")
        torch.save(ck, cp)
        assert export_main(["--checkpoint", cp, "--type", "f32", "-o", out]) == 0
        m = load_gguf(out)
        bad = os.path.join(d, "bad.pt")
        del ck["vq_cfg"]
        torch.save(ck, bad)
        assert export_main(["--checkpoint", bad, "-o", os.path.join(d, "x.gguf")]) == 1
        assert not os.path.exists(os.path.join(d, "x.gguf"))
    for k, v in gft.state_dict().items():
        assert torch.equal(m.gft.state_dict()[k], v), k
    for k, v in dec.state_dict().items():
        assert torch.equal(m.decoder.state_dict()[k], v), k
    assert torch.equal(m.codebook, cb) and m.tokenizer.merges == tok.merges
    assert m.known_words == known and m.kv["general.name"] == "ckpt-test"
    assert m.sampling["top_k"] == 7 and abs(m.sampling["guidance"] - 4.5) < 1e-6


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
    sys.exit(0)
