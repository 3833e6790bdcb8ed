# SPDX-License-Identifier: GPL-3.0-or-later
"""Parity of the C engine with the PyTorch reference (training/gft).

Builds fixed-random tiny models with gft.export_gguf, then compares what the
engine computes (through the parity_dump program, $PARITY_DUMP) with the
reference on the same GGUF weights (gft.gguf_import dequantises F16/Q8_0, so
both sides use identical weights):

  * text normalisation (tricky and random byte strings), token ids, prefixes
    and unknown words: exact;
  * logits of gft_eval_logits vs model.GFT.forward on the same prefix and
    image tokens: rel_err = max|engine - ref| / max|ref| over all
    (n + 1) x K logits, <= 1e-4 for F32 and F16 weights and for Q8_0 with F32
    activations (GFT_NO_INT8=1), the reference rounding K/V to F16 as the
    engine's cache does (gft.engine_numerics); <= 2e-2 for Q8_0 with the int8
    kernel, the reference rounding matrix inputs the same way and attending
    as the int8 cache does (model.attend_int8; check_q8_0);
    and <= 5e-2 for the Q8_0 engine against the unquantised F32 weights;
  * gft_decode_tokens vs vq.Decoder: premultiplied floats within 1e-4
    (absolute), straight RGBA bytes within 1 (= 1/255) wherever alpha >= 0.05
    (below that, rgb / alpha magnifies float rounding), and the engine's bytes
    exactly equal to the doc's unpremultiply rule applied to its own floats;
  * gft_generate vs gft.sample.generate for fixed seeds (same tokens, so the
    pixels agree within 1/255 where alpha >= 0.05).

Run: PARITY_DUMP=build/tests/parity/parity_dump PYTHONPATH=training /usr/bin/python3 tests/parity/test_parity.py
"""
import contextlib
import os
import random
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

from gft import engine_numerics, rerank_gguf, sample, text, upscale_gguf
from gft.export_gguf import main as export_main
from gft.gguf_import import load_gguf

DUMP = os.environ.get("PARITY_DUMP", "")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROMPTS = [
    "a red apple",
    "Grinning Face with BIG eyes!!",
    "Ein grünes Äpfelchen, sehr GROSS & lecker.",
    "Straße, Übung; ÖL",
    "猫和狗",
    "日本語のテスト：ねこ、いぬ。",
    "😀 smiling face 🎉",
    "  mixed\tCase\nLINES  ",
    "ΑΒΓ ЖЁ Łódź",
    "(parentheses) [brackets] {braces} \"quotes\" 'single' — dash… “curly”",
    "",
    "!!!",
    "zzzzqqqq unknownword katze 猫 龘",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ",
    "a " * 40,
]

TRICKY_BYTES = [
    b"", b"   ", b"A", b"\t\n\r\x0b\x0c", b"a\x00hidden", b"\xc0\x80x", b"\xed\xa0\x80y",
    b"\xf4\x90\x80\x80z", b"\xe4\xb8", b"\xe4\xb8a", b"\xff\xfe\xfd", b"\x80\x80\xbf",
    b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xef\xbc\x81\xef\xbd\x9e\xef\xbd\x9f",
    "İı Ÿÿ ŉ Ŋŋ ſ ĸ Ĺĺ Ňň Źź Žž".encode(), "Ѐ Џ А Я Ё".encode(), "Α Ω \u03a2 Σ".encode(),
    "× ÷ ÀÞ ß".encode(), "‘’“”…·、。・\u3000\u00a0".encode(),
    ("é" * 700).encode(), ("a" + "中" * 400).encode(), b"abc " * 300, ("x" * 1023 + "é").encode(),
    ("😀" * 300).encode(), b" " * 2000 + b"end",
]


def _all_interesting_codepoints():
    cps = list(range(0x20, 0x7F)) + list(range(0xA0, 0x250)) + list(range(0x370, 0x530))
    cps += list(range(0x2010, 0x2030)) + list(range(0x3000, 0x3010)) + list(range(0x30F0, 0x3100))
    cps += list(range(0xFF00, 0xFF70))
    return cps


def tricky_strings():
    out = list(TRICKY_BYTES) + [p.encode() for p in PROMPTS]
    cps = _all_interesting_codepoints()
    for i in range(0, len(cps), 100):  # every folded / lowered / punctuation code point
        out.append("".join(chr(c) for c in cps[i:i + 100]).encode())
    rng = random.Random(7)
    alphabet = [bytes([b]) for b in range(1, 256)] + [chr(c).encode() for c in cps[::7]]
    for _ in range(150):
        out.append(b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))))
    return out


def run_dump(*args):
    r = subprocess.run([DUMP] + [str(a) for a in args], capture_output=True)
    if r.returncode != 0:
        raise AssertionError(f"parity_dump {args[0]} failed: {r.stderr.decode(errors='replace')}")


def write_records(path, items):
    with open(path, "wb") as f:
        for b in items:
            f.write(struct.pack("<I", len(b)) + b)


class Reader:
    def __init__(self, path):
        self.d = open(path, "rb").read()
        self.p = 0

    def u32(self):
        (v,) = struct.unpack_from("<I", self.d, self.p)
        self.p += 4
        return v

    def bytes(self, n):
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def i32s(self, n):
        a = np.frombuffer(self.d, "<i4", n, self.p).tolist()
        self.p += 4 * n
        return a


def rel_err(engine, ref):
    return float(np.abs(engine - ref).max() / max(np.abs(ref).max(), 1e-30))


def check_normalize(tmp):
    items = tricky_strings()
    inp, out = os.path.join(tmp, "norm.in"), os.path.join(tmp, "norm.out")
    write_records(inp, items)
    run_dump("norm", inp, out)
    r = Reader(out)
    bad = []
    for b in items:
        got = r.bytes(r.u32())
        want = text.normalize(b).encode("utf-8")
        if got != want:
            bad.append((b[:80], got[:80], want[:80]))
    assert r.p == len(r.d)
    assert not bad, f"{len(bad)} normalisation mismatches (input, engine, reference): {bad[:5]}"
    print(f"ok normalisation: {len(items)} strings")


def check_tokenize(tmp, model_path, m):
    items = [p.encode() for p in PROMPTS] + list(TRICKY_BYTES)
    inp, out = os.path.join(tmp, "tok.in"), os.path.join(tmp, "tok.out")
    write_records(inp, items)
    run_dump("tokenize", model_path, inp, out)
    r = Reader(out)
    T = m.gft.cfg.text_ctx
    known = set(m.known_words)
    for b in items:
        ids = r.i32s(r.u32())
        prefix = r.i32s(T)
        n_unknown = r.u32()
        unknown = r.bytes(r.u32()).decode("utf-8")
        s = b.split(b"\0")[0]  # the engine reads a C string
        want = m.tokenizer.encode(s)
        assert ids == want, f"token ids differ for {b[:60]!r}:\n engine {ids}\n ref    {want}"
        assert prefix == m.tokenizer.prefix(s, T), f"prefix differs for {b[:60]!r}"
        wu = text.unknown_words(s, known)
        assert (n_unknown, unknown) == (len(wu), ", ".join(wu)), \
            f"unknown words differ for {b[:60]!r}: engine {n_unknown} {unknown!r}, ref {wu}"
    assert r.p == len(r.d)
    print(f"ok tokenizer: {len(items)} prompts (ids, prefix, unknown words)")


def check_logits(tmp, model_path, m, limit, label, prompts=PROMPTS, n_images=None, ref_gft=None):
    """ref_gft: the reference transformer (default: m.gft, the file's own weights)."""
    cfg = m.gft.cfg
    ref_gft = ref_gft or m.gft
    N, K = cfg.n_image, cfg.codebook_size
    rng = np.random.RandomState(11)
    worst = 0.0
    for i, prompt in enumerate(prompts):
        n = (N - 1, 0, 1, N // 2)[i % 4] if n_images is None else n_images
        toks = rng.randint(0, K, n).astype("<i4")
        pf, tf, of = (os.path.join(tmp, x) for x in ("prompt", "tokens", "logits"))
        open(pf, "wb").write(prompt.encode())
        open(tf, "wb").write(toks.tobytes())
        run_dump("logits", model_path, pf, tf, of)
        got = np.fromfile(of, "<f4")
        assert got.size == (n + 1) * K, (got.size, n, K)
        got = got.reshape(n + 1, K)
        ids = torch.tensor([m.tokenizer.prefix(prompt, cfg.text_ctx)])
        img = torch.tensor(np.append(toks, 0)[None].astype(np.int64))  # last token is never an input
        with torch.no_grad():
            ref = ref_gft(ids, img)[0].numpy()
        e = rel_err(got, ref)
        worst = max(worst, e)
        assert np.isfinite(got).all()
        assert e <= limit, f"{label}: logits rel_err {e:.3g} > {limit} for {prompt!r} (n={n})"
    print(f"ok logits {label}: worst rel_err {worst:.3g} (limit {limit}) over {len(prompts)} prompts")
    return worst


def check_decode(tmp, model_path, m, label, n_grids=3):
    cfg = m.gft.cfg
    rng = np.random.RandomState(5)
    worst = 0.0
    for g in range(n_grids):
        toks = rng.randint(0, cfg.codebook_size, cfg.n_image).astype("<i4")
        if g == 1:
            toks[:] = toks[0]  # one flat code everywhere
        tf, pf, rf = (os.path.join(tmp, x) for x in ("dtok", "premul", "rgba"))
        open(tf, "wb").write(toks.tobytes())
        run_dump("decode", model_path, tf, pf, rf)
        with torch.no_grad():
            premul, rgba = sample.decode_tokens(m, toks[None].astype(np.int64), cfg.grid_h, cfg.grid_w)
        premul, rgba = premul[0].numpy(), rgba[0].numpy()
        got_p = np.fromfile(pf, "<f4").reshape(premul.shape)
        got_b = np.fromfile(rf, np.uint8).reshape(rgba.shape)
        d = float(np.abs(got_p - premul).max())
        worst = max(worst, d)
        assert d <= 1e-4, f"{label}: decoded premultiplied floats differ by {d:.3g} (grid {g})"
        # the engine's bytes are exactly the doc's rule applied to its own floats
        own = sample.unpremultiply_u8(torch.from_numpy(got_p)).numpy()
        nd = int((own != got_b).sum())
        assert nd == 0, f"{label}: {nd} RGBA bytes differ from unpremultiply(engine premul)"
        ok = premul[..., 3] >= 0.05
        diff = np.abs(got_b.astype(int) - rgba.astype(int))
        assert diff[..., 3].max() <= 1, f"{label}: alpha bytes differ by {diff[..., 3].max()}"
        assert diff[ok].max() <= 1, f"{label}: RGBA bytes differ by {diff[ok].max()} (alpha >= 0.05)"
    print(f"ok decoder {label}: worst premul abs diff {worst:.3g} over {n_grids} grids")


GEN_CASES = [
    # prompt, negative, seed, n_var, temperature, top_k, top_p, guidance ("3r": rising from 1)
    ("a red apple", None, 1, 2, 1.0, 0, 1.0, 3.0),
    ("grinning face", "blue", 42, 3, 0.8, 10, 0.9, 5.0),
    ("猫", None, 7, 1, 1.0, 0, 1.0, 1.0),
    ("katze", None, 3, 2, 0.0, 0, 1.0, 2.0),
    ("red heart", None, 5, 2, 0.7, 8, 1.0, "4r"),
]


def guidance_of(s):
    """A GEN_CASES guidance -> (scale, ramp)."""
    return (float(s[:-1]), 1) if isinstance(s, str) and s.endswith("r") else (float(s), 0)


def check_generate(tmp, model_path, m, label):
    """gft_generate against gft.sample.generate (and the file's upscaler, when it has one)."""
    cfg = m.gft.cfg
    fu = upscale_gguf.load(model_path)
    for prompt, neg, seed, n, temp, k, p, s in GEN_CASES:
        pf, nf, of = (os.path.join(tmp, x) for x in ("gp", "gn", "gout"))
        open(pf, "wb").write(prompt.encode())
        if neg is not None:
            open(nf, "wb").write(neg.encode())
        run_dump("generate", model_path, pf, nf if neg is not None else "-", seed, n, temp, k, p, s, 1, of)
        g, ramp = guidance_of(s)
        want, toks = sample.generate(m.gft, m, m.tokenizer, prompt, neg, temperature=temp, top_k=k,
                                     top_p=p, guidance=g, seed=seed, n_variations=n,
                                     return_tokens=True, background=m.vq_cfg.bg_code, guidance_ramp=ramp)
        with torch.no_grad():
            premul, _ = sample.decode_tokens(m, toks, cfg.grid_h, cfg.grid_w)
        if fu is not None:
            premul = fu(premul)
            want = sample.unpremultiply_u8(premul).numpy()
        got = np.fromfile(of, np.uint8)[:want.size].reshape(want.shape)
        ok = premul.numpy()[..., 3] >= 0.05
        diff = np.abs(got.astype(int) - want.astype(int))
        worst = int(diff[ok].max()) if ok.any() else 0
        assert worst <= 1 and diff[..., 3].max() <= 1, (
            f"{label}: gft_generate differs from gft.sample.generate by {worst}/255 for "
            f"{(prompt, neg, seed, n, temp, k, p, s)} (different tokens: float rounding near a "
            f"sampling boundary, or a sampling-rule difference)")
    print(f"ok generate {label}: {len(GEN_CASES)} cases equal to the reference sampler")


def engine_kernel(model_path):
    """"int8" when the engine multiplies this file's Q8_0 matrices by int8 activations."""
    r = subprocess.run([DUMP, "kernel", model_path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@contextlib.contextmanager
def int8_kernel(on):
    """The engine's int8 kernel on (its default where the build has one) or off (GFT_NO_INT8)."""
    old = os.environ.pop("GFT_NO_INT8", None)
    if not on:
        os.environ["GFT_NO_INT8"] = "1"
    try:
        yield
    finally:
        os.environ.pop("GFT_NO_INT8", None)
        if old is not None:
            os.environ["GFT_NO_INT8"] = old


def check_q8_0(tmp, path, m_f32):
    """A Q8_0 file against the reference with the engine's rounding (gft.engine_numerics):
    F16 K/V, or with the engine's int8 kernel int8 matrix inputs and the int8 cache's
    attention (int8 query, K and V with a scale per position and head, int16 weights).

    With F32 activations the two differ by summation order only (<= 1e-4). With int8
    activations every rounding to 8 bits that lands within float noise of a half step can
    go either way, and one step moves an input by amax / 127: nudging the reference's own
    input by 1e-6 moves its logits by ~1e-2 of their range, so 2e-2 is the floor here; a
    wrong row, matrix or scale is off by far more. The sampled tokens still match."""
    kernels = (False, True) if engine_kernel(path) == "int8" else (False,)
    for int8 in kernels:
        with int8_kernel(int8):
            label = f"tiny Q8_0, {'int8' if int8 else 'F32'} activations"
            mq = load_gguf(path)
            engine_numerics.emulate(mq.gft, path, int8)
            check_logits(tmp, path, mq, 2e-2 if int8 else 1e-4, label, PROMPTS[:6])
            check_generate(tmp, path, mq, label)
            # the Q8_0 engine against the unquantised F32 weights (the quantisation loss)
            check_logits(tmp, path, mq, 5e-2, label + " vs F32 weights", PROMPTS[:6],
                         ref_gft=m_f32.gft)
    if len(kernels) == 1:
        print("(no int8 kernel in this build: only F32 activations checked)")


def check_rerank(tmp, model_path, m, limit, label):
    """gft_rerank_scores against rerank_gguf.FileReranker on the same file: random images and
    decoded ones, several prompts (the empty one included)."""
    fr = rerank_gguf.load(model_path)
    cfg = m.gft.cfg
    H, W = cfg.grid_h * 2 ** (len(m.vq_cfg.dec_channels) - 1), cfg.grid_w * 2 ** (len(m.vq_cfg.dec_channels) - 1)
    g = torch.Generator().manual_seed(3)
    images = torch.rand(5, H, W, 4, generator=g)
    images[..., :3] *= images[..., 3:]
    images[1] = 0  # fully transparent
    toks = np.random.RandomState(2).randint(0, cfg.codebook_size, (3, cfg.n_image))
    with torch.no_grad():
        decoded, _ = sample.decode_tokens(m, toks, cfg.grid_h, cfg.grid_w)
    images = torch.cat([images, decoded.float()])
    pf, imf, of = (os.path.join(tmp, x) for x in ("rp", "rimg", "rout"))
    images.numpy().astype("<f4").tofile(imf)
    worst = 0.0
    for prompt in PROMPTS[:6] + ["", "a " * 600]:
        open(pf, "wb").write(prompt.encode())
        run_dump("rerank", model_path, pf, imf, of)
        got = np.fromfile(of, "<f4")
        want = fr.score(m.tokenizer.encode(prompt), images.permute(0, 3, 1, 2)).numpy()
        d = float(np.abs(got - want).max())
        worst = max(worst, d)
        assert d <= limit, f"{label}: reranker scores differ by {d:.3g} for {prompt!r}: {got} vs {want}"
    print(f"ok reranker {label}: worst score diff {worst:.3g} (limit {limit}) over 8 prompts x {len(images)} images")


def check_upscale(tmp, model_path, m, label):
    """gft_upscale_image against upscale_gguf.FileUpscaler on the same file: random premultiplied
    pictures (one fully transparent, one opaque) and decoded ones. Bytes may differ by one step
    where the floats straddle a rounding edge; colour is compared where alpha >= 0.05, since
    unpremultiplying a fainter pixel magnifies float noise."""
    fu = upscale_gguf.load(model_path)
    cfg = m.gft.cfg
    g = torch.Generator().manual_seed(4)
    H = cfg.grid_h * 2 ** (len(m.vq_cfg.dec_channels) - 1)
    W = cfg.grid_w * 2 ** (len(m.vq_cfg.dec_channels) - 1)
    images = torch.rand(4, H, W, 4, generator=g)
    images[1] = 0
    images[2, ..., 3] = 1
    images[..., :3] *= images[..., 3:]
    toks = np.random.RandomState(6).randint(0, cfg.codebook_size, (2, cfg.n_image))
    with torch.no_grad():
        decoded, _ = sample.decode_tokens(m, toks, cfg.grid_h, cfg.grid_w)
    images = torch.cat([images, decoded.float()])
    imf, of = os.path.join(tmp, "uimg"), os.path.join(tmp, "uout")
    images.numpy().astype("<f4").tofile(imf)
    run_dump("upscale", model_path, imf, of)
    want_premul = fu(images)
    want = sample.unpremultiply_u8(want_premul).numpy()
    got = np.fromfile(of, np.uint8).reshape(want.shape)
    assert want.shape[1:3] == (2 * H, 2 * W), f"{label}: upscaled size {want.shape}"
    diff = np.abs(got.astype(int) - want.astype(int))
    ok = want_premul.numpy()[..., 3] >= 0.05
    assert diff[..., 3].max() <= 1, f"{label}: upscaled alpha bytes differ by {diff[..., 3].max()}"
    assert diff[ok].max() <= 1, f"{label}: upscaled RGBA bytes differ by {diff[ok].max()} (alpha >= 0.05)"
    off = int((diff[ok] > 0).sum())
    assert off <= diff[ok].size // 100, f"{label}: {off} of {diff[ok].size} upscaled bytes differ"
    print(f"ok upscaler {label}: {len(images)} pictures, {off} of {diff[ok].size} bytes one step off")


def check_best_of(tmp, model_path, m, label):
    """gft_generate with candidates against rerank_gguf.best_of: same kept image (where the
    best score leads the next by more than the scores' tolerance), same pixels, same score."""
    fr = rerank_gguf.load(model_path)
    fu = upscale_gguf.load(model_path)
    compared = 0
    for prompt, neg, seed, n, temp, k, p, s in GEN_CASES:
        for cands in (2, 3):
            pf, nf, of = (os.path.join(tmp, x) for x in ("bp", "bn", "bout"))
            open(pf, "wb").write(prompt.encode())
            if neg is not None:
                open(nf, "wb").write(neg.encode())
            run_dump("generate", model_path, pf, nf if neg is not None else "-", seed, n, temp, k, p, s,
                     cands, of)
            g, ramp = guidance_of(s)
            want, chosen, scores = rerank_gguf.best_of(m, fr, prompt, cands, neg, temp, k, p, g, seed, n,
                                                       upscaler=fu, guidance_ramp=ramp)
            raw = np.fromfile(of, np.uint8)
            got = raw[:want.size].reshape(want.shape)
            got_chosen = np.frombuffer(raw[want.size:want.size + 4 * n].tobytes(), "<i4")
            got_scores = np.frombuffer(raw[want.size + 4 * n:].tobytes(), "<f4")
            for i in range(n):
                top = np.sort(scores[i])[::-1]
                if len(top) > 1 and top[0] - top[1] <= 1e-4:
                    continue  # a near tie: either pick is right
                compared += 1
                assert got_chosen[i] == chosen[i], (
                    f"{label}: kept candidate {got_chosen[i]} != reference {chosen[i]} "
                    f"(scores {scores[i]}) for {(prompt, seed + i, cands)}")
                assert abs(got_scores[i] - scores[i, chosen[i]]) <= 1e-4, f"{label}: kept score {got_scores[i]} != {scores[i]} (case {prompt!r}, seed {seed + i}, best of {cands})"
                diff = np.abs(got[i].astype(int) - want[i].astype(int))
                assert diff[..., 3].max() <= 1 and (diff[..., 3] > 0).sum() <= diff[..., 3].size // 50, (
                    f"{label}: kept image differs from the reference for {(prompt, seed + i, cands)}")
    assert compared >= 8, f"{label}: only {compared} clear choices compared"
    print(f"ok best of K {label}: {compared} kept images equal to the reference's choice")


def main():
    assert DUMP and os.access(DUMP, os.X_OK), "set PARITY_DUMP to the parity_dump program"
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        check_normalize(tmp)
        paths = {}
        for wtype, small in (("f32", False), ("f16", True), ("q8_0", False)):
            path = os.path.join(tmp, f"tiny-{wtype}.gguf")
            args = ["--random", "tiny", "--seed", "1", "--type", wtype, "-o", path]
            assert export_main(args + (["--small"] if small else [])) == 0
            paths[wtype] = path
        m = load_gguf(paths["f32"])
        check_tokenize(tmp, paths["f32"], m)
        check_logits(tmp, paths["f32"], m, 1e-4, "tiny F32")
        check_decode(tmp, paths["f32"], m, "tiny F32")
        check_generate(tmp, paths["f32"], m, "tiny F32")
        m16 = load_gguf(paths["f16"])
        check_logits(tmp, paths["f16"], m16, 1e-4, "tiny F16 (--small)", PROMPTS[:6])
        check_decode(tmp, paths["f16"], m16, "tiny F16 (--small)", 2)
        check_q8_0(tmp, paths["q8_0"], m)
        # a model that declares a background code: that code is drawn untempered
        bg_path = os.path.join(tmp, "tiny-bg.gguf")
        assert export_main(["--random", "tiny", "--seed", "1", "--background-code", "3", "-o", bg_path]) == 0
        mb = load_gguf(bg_path)
        assert mb.vq_cfg.bg_code == 3 and m.vq_cfg.bg_code == -1, "gft.vq.background_code round trip"
        check_generate(tmp, bg_path, mb, "tiny F32, background code 3")
        # the reranker and best of K (rr.* tensors; F32, and Q8_0 where rows allow)
        for wtype, limit in (("f32", 1e-5), ("q8_0", 1e-5)):
            rr_path = os.path.join(tmp, f"tiny-rr-{wtype}.gguf")
            assert export_main(["--random", "tiny", "--seed", "2", "--rerank", "--type", wtype, "-o", rr_path]) == 0
            mr = load_gguf(rr_path)
            check_rerank(tmp, rr_path, mr, limit, f"tiny {wtype}")
            if wtype == "f32":  # Q8_0 logits differ within 1e-3, enough to flip some draws
                check_best_of(tmp, rr_path, mr, f"tiny {wtype}")
                # best of K, then the kept picture upscaled
                upscale_gguf.embed(rr_path, upscale_gguf.random_upscaler(8), rr_path)
                check_best_of(tmp, rr_path, mr, f"tiny {wtype}, random upscaler")
        # the 2x upscaler (up.* tensors), random weights, on the tiny decoder's pictures
        up_path = os.path.join(tmp, "tiny-up.gguf")
        upscale_gguf.embed(paths["f32"], upscale_gguf.random_upscaler(7), up_path)
        check_upscale(tmp, up_path, m, "tiny F32, random upscaler")
        check_generate(tmp, up_path, m, "tiny F32, random upscaler")
        shipped = os.path.join(ROOT, "models", "gft-emoji.gguf")
        if os.path.exists(shipped):  # the shipped model at full size, whatever its weights
            ms = load_gguf(shipped)
            check_tokenize(tmp, shipped, ms)
            for int8 in (False, True) if engine_kernel(shipped) == "int8" else (False,):
                with int8_kernel(int8):
                    me = load_gguf(shipped)
                    engine_numerics.emulate(me.gft, shipped, int8)
                    # int8: see check_q8_0; the full-size model's floor is about 1.5e-2
                    check_logits(tmp, shipped, me, 5e-2 if int8 else 2e-4,
                                 f"shipped model, {'int8' if int8 else 'F32'} activations",
                                 PROMPTS[:2], n_images=40)
            check_decode(tmp, shipped, ms, "shipped model", 1)
            if rerank_gguf.load(shipped) is not None:
                check_rerank(tmp, shipped, ms, 1e-4, "shipped model")
            if upscale_gguf.load(shipped) is not None:
                check_upscale(tmp, shipped, ms, "shipped model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
