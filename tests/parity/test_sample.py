# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the reference sampler training/gft/sample.py (docs/model-format.md
"Sampling"): PCG32 reference values, the draw rule, top-k / top-p, guidance,
and the KV-cached decoder against the full GFT.forward.

Run: PYTHONPATH=training /usr/bin/python3 tests/parity/test_sample.py
"""
import math
import sys

import numpy as np
import torch

from gft import batch_sample, sample
from gft.export_gguf import random_model


class FixedU:
    def __init__(self, u):
        self.u = u

    def uniform(self):
        return self.u


def test_pcg32():
    # pcg32-demo (pcg-c-basic): pcg32_srandom_r(&rng, 42u, 54u), first outputs
    r = sample.PCG32(42, 54)
    assert [r.next_u32() for _ in range(6)] == [
        0xA15C02B7, 0x7B47F409, 0xBA1D3330, 0x83D2F293, 0xBFA4784B, 0xCBED606E]
    a, b = sample.PCG32(5), sample.PCG32(6)
    assert a.next_u32() != b.next_u32()
    u = sample.PCG32(2 ** 64 - 1).uniform()
    assert 0.0 <= u < 1.0


def test_draw_rule():
    l = np.log(np.array([0.1, 0.4, 0.2, 0.3], np.float32))
    # order by probability: 1 (0.4), 3 (0.3), 2 (0.2), 0 (0.1)
    for u, want in ((0.0, 1), (0.39, 1), (0.41, 3), (0.69, 3), (0.71, 2), (0.95, 0), (0.999, 0)):
        assert sample.sample_token(l, 1.0, 0, 1.0, FixedU(u)) == want, u
    # top-k 2: {1, 3}, renormalised: 0.571, 0.429
    assert sample.sample_token(l, 1.0, 2, 1.0, FixedU(0.55)) == 1
    assert sample.sample_token(l, 1.0, 2, 1.0, FixedU(0.6)) == 3
    assert sample.sample_token(l, 1.0, 1, 1.0, FixedU(0.99)) == 1
    # top-p 0.6: the smallest set with mass >= 0.6 is {1, 3} (0.7); draw over total 0.7
    assert sample.sample_token(l, 1.0, 0, 0.6, FixedU(0.5)) == 1   # 0.35 < 0.4
    assert sample.sample_token(l, 1.0, 0, 0.6, FixedU(0.6)) == 3   # 0.42 > 0.4
    assert sample.sample_token(l, 1.0, 0, 0.6, FixedU(0.999)) == 3
    assert sample.sample_token(l, 1.0, 0, 0.35, FixedU(0.999)) == 1  # {1} alone
    # temperature: 2.0 flattens (0.4 -> 0.316), so u = 0.33 now reaches id 3
    assert sample.sample_token(l, 1.0, 0, 1.0, FixedU(0.33)) == 1
    assert sample.sample_token(l, 2.0, 0, 1.0, FixedU(0.33)) == 3
    # ties go to the lower id first
    t = np.array([1.0, 1.0, 0.0], np.float32)
    p0 = math.e / (2 * math.e + 1)
    assert sample.sample_token(t, 1.0, 0, 1.0, FixedU(p0 - 1e-6)) == 0
    assert sample.sample_token(t, 1.0, 0, 1.0, FixedU(p0 + 1e-6)) == 1
    assert sample.sample_token(t, 1.0, 1, 1.0, FixedU(0.9)) == 0
    # temperature 0: argmax, first maximum
    assert sample.sample_token(np.array([3, 5, 5], np.float32), 0.0, 0, 1.0, None) == 1


def test_background_code():
    # p = 0.6 background (code 0), then 0.2, 0.1, 0.1: background or not is decided at
    # temperature 1 with the one draw; the rest of the draw picks among codes 1..3 at T 0.3
    # (0.823, 0.088, 0.088 there)
    l = np.log(np.array([0.6, 0.2, 0.1, 0.1], np.float32))
    assert sample.sample_token(l, 0.3, 0, 1.0, FixedU(0.59), background=0) == 0
    assert sample.sample_token(l, 0.3, 0, 1.0, FixedU(0.61), background=0) == 1   # u' = 0.025
    assert sample.sample_token(l, 0.3, 0, 1.0, FixedU(0.95), background=0) == 2   # u' = 0.875
    assert sample.sample_token(l, 0.3, 0, 1.0, FixedU(0.99), background=0) == 3   # u' = 0.975
    # without it, temperature 0.3 makes code 0 take 97 % of the draws
    assert sample.sample_token(l, 0.3, 0, 1.0, FixedU(0.95)) == 0
    # top-k 1 keeps the background's share and the best other code
    assert sample.sample_token(l, 1.0, 1, 1.0, FixedU(0.99), background=0) == 1
    # greedy ignores it
    assert sample.sample_token(l, 0.0, 0, 1.0, FixedU(0.99), background=0) == 0
    # the batched sampler draws from the same distribution
    p = batch_sample.filter_logits(torch.from_numpy(l)[None], 0.3, 0, 1.0, background=0)[0]
    fg = np.array([0.2, 0.1, 0.1]) ** (1 / 0.3)
    want = np.concatenate([[0.6], 0.4 * fg / fg.sum()])
    assert np.allclose(p.numpy(), want, atol=1e-5), (p, want)


def test_guidance_mix():
    lc, lu = np.array([1, 2], np.float32), np.array([0, 3], np.float32)
    assert sample.mix_guidance(lc, lu, 3.0).tolist() == [3.0, 0.0]
    assert sample.mix_guidance(lc, lu, 1.0) is lc
    assert sample.mix_guidance(lc, lu, 0.0).tolist() == [0.0, 3.0]


def test_kv_cache_matches_forward():
    gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 2)
    T, N, K = gft.cfg.text_ctx, gft.cfg.n_image, gft.cfg.codebook_size
    rng = np.random.RandomState(0)
    prompts = ["a red apple", "猫", ""]
    toks = torch.tensor(rng.randint(0, K, (3, N)))
    ids = torch.tensor([tok.prefix(p, T) for p in prompts])
    with torch.no_grad():
        full = gft(ids, toks)
        gen = sample.KVGenerator(gft, 3)
        gen.prefix(ids)
        prev = torch.full((3,), K, dtype=torch.long)
        steps = []
        for j in range(N):
            steps.append(gen.step(prev))
            prev = toks[:, j]
    kv = torch.stack(steps, 1)
    err = float((kv - full).abs().max() / full.abs().max())
    assert err < 1e-5, err


def test_generate():
    gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 1)
    vq = (dec, cb)
    kw = dict(temperature=1.0, top_k=0, top_p=1.0, guidance=3.0)
    img, toks = sample.generate(gft, vq, tok, "red apple", seed=9, n_variations=3,
                                return_tokens=True, **kw)
    H = gft.cfg.grid_h * 2 ** (len(vcfg.dec_channels) - 1)
    assert img.shape == (3, H, H, 4) and img.dtype == np.uint8 and toks.shape == (3, 16)
    # variation i uses seed + i: variation 1 of seed 9 is variation 0 of seed 10
    img2, toks2 = sample.generate(gft, vq, tok, "red apple", seed=10, n_variations=1,
                                  return_tokens=True, **kw)
    assert (toks2[0] == toks[1]).all() and (img2[0] == img[1]).all()
    assert not (toks[0] == toks[1]).all()
    # greedy with guidance 1 is the argmax of the plain forward, step by step
    g = sample.generate_tokens(gft, tok, "red apple", temperature=0.0, guidance=1.0)
    with torch.no_grad():
        lg = gft(torch.tensor([tok.prefix("red apple", gft.cfg.text_ctx)]), torch.tensor(g))
    assert (lg[0].argmax(-1).numpy() == g[0]).all()
    # a negative prompt changes the unconditional row, so the result
    neg = sample.generate_tokens(gft, tok, "red apple", "blue", seed=9, **kw)
    assert not (neg == toks[:1]).all()


if __name__ == "__main__":
    torch.set_num_threads(1)
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
    sys.exit(0)
