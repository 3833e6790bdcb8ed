# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch reference generator (docs/model-format.md, "Sampling").

KV-cached incremental decoding of all variations in one batch: n conditional
rows plus, when guidance != 1, n unconditional rows (the null prompt, or the
negative prompt). Per step: CFG mix, temperature, top-k, softmax, top-p and
one PCG32 draw per variation, exactly as the engine does; then VQ decode and
unpremultiply.

    generate(gft, vq, tokenizer, prompt, ...) -> uint8 [n, H, W, 4]

CLI:
    python3 -m gft.sample --model ../models/gft-emoji.gguf --prompt "red apple" -n 4 -o out.png
    python3 -m gft.sample --bench --model ../models/gft-emoji.gguf --threads 2
"""
import argparse
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .model import attend, attend_cache
from .vq import unpremultiply_u8

M64 = (1 << 64) - 1
PCG_MULT = 6364136223846793005
SEED_SEQ = 0x9E3779B97F4A7C15


class PCG32:
    """PCG32 XSH-RR with 64-bit state (O'Neill 2014), in Python ints."""

    def __init__(self, initstate, initseq=SEED_SEQ):
        self.state = 0
        self.inc = ((initseq << 1) | 1) & M64
        self.next_u32()
        self.state = (self.state + initstate) & M64
        self.next_u32()

    def next_u32(self):
        old = self.state
        self.state = (old * PCG_MULT + self.inc) & M64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & 0xFFFFFFFF

    def uniform(self):
        return self.next_u32() / 4294967296.0


def guidance_at(guidance, ramp, j, n):
    """The guidance of image token j of n: with ramp, rising from 1 at the first token to
    `guidance` at the last, in float32 as the engine computes it (gft_sampling_at_token)."""
    if not ramp or n <= 1:
        return guidance
    f = np.float32
    return float(f(1.0) + (f(guidance) - f(1.0)) * f(j) / f(n - 1))


def mix_guidance(l_c, l_u, guidance):
    """l = l_u + s (l_c - l_u), float32; l_c alone when s = 1."""
    if guidance == 1.0 or l_u is None:
        return l_c
    return l_u + np.float32(guidance) * (l_c - l_u)


def sample_token(logits, temperature, top_k, top_p, rng, background=-1):
    """One token from float32 logits [K], per docs/model-format.md "Sampling". With a
    background code (>= 0), the one draw first decides background or not at temperature 1;
    temperature, top-k and top-p then shape only the choice among the other codes."""
    logits = np.asarray(logits, dtype=np.float32)
    if temperature <= 0.0:
        return int(np.argmax(logits))  # first maximum = lowest id
    u = rng.uniform()
    mx = float(logits.max()) if 0 <= background < len(logits) else np.nan
    if np.isfinite(mx):
        e = np.exp(logits.astype(np.float64) - mx)
        p_bg = e[background] / np.cumsum(e)[-1]  # summed in id order, as the engine does
        if u < p_bg or p_bg >= 1.0:
            return background
        u = (u - p_bg) / (1.0 - p_bg)
        logits = logits.copy()
        logits[background] = -np.inf
    l = logits / np.float32(temperature)
    order = np.argsort(-l, kind="stable")  # descending, ties by lower id
    if 0 < top_k < len(l):
        order = order[:top_k]
    kept = l[order].astype(np.float64)
    p = np.exp(kept - kept[0])
    p /= p.sum()
    if top_p < 1.0:
        c = np.cumsum(p)
        n = int(np.searchsorted(c, top_p, side="left")) + 1  # smallest set with sum >= p
        p = p[:min(n, len(p))]
    total = p.sum()
    target = u * total
    c = np.cumsum(p)
    idx = int(np.searchsorted(c, target, side="right"))  # first with cumulative > target
    return int(order[min(idx, len(p) - 1)])


class KVGenerator:
    """Incremental forward of a model.GFT with a KV cache over a batch of rows."""

    def __init__(self, gft, n_rows):
        self.g = gft
        cfg = gft.cfg
        self.cfg = cfg
        self.B = n_rows
        self.hd = cfg.n_embd // cfg.n_head
        L = cfg.text_ctx + cfg.n_image
        shape = (n_rows, cfg.n_head, L, self.hd)
        w = gft.head.weight
        self.device = w.device
        self.k = [torch.empty(shape, dtype=w.dtype, device=w.device) for _ in range(cfg.n_layer)]
        self.v = [torch.empty(shape, dtype=w.dtype, device=w.device) for _ in range(cfg.n_layer)]
        self.pos = 0
        grid = (gft.img_row[:, None, :] + gft.img_col[None, :, :]).reshape(cfg.n_image, -1)
        self.img_pos = grid.detach()

    def _heads(self, t):
        B, n, d = t.shape
        return t.view(B, n, self.cfg.n_head, self.hd).transpose(1, 2)

    def _run(self, x, causal):
        """x [B, n, d] at positions pos..pos+n-1; returns the final hidden states."""
        B, n, d = x.shape
        p0, p1 = self.pos, self.pos + n
        # gft.engine_numerics: image positions read K/V rounded to F16 (the
        # engine's cache); the prefix attends to itself in F32, then is rounded
        f16 = getattr(self.g.blocks[0], "kv_f16_from", None) is not None
        int8 = getattr(self.g.blocks[0], "kv_int8", False)
        for li, blk in enumerate(self.g.blocks):
            h = blk.attn_norm(x)
            self.k[li][:, :, p0:p1] = self._heads(blk.attn_k(h))
            self.v[li][:, :, p0:p1] = self._heads(blk.attn_v(h))
            q = self._heads(blk.attn_q(h))
            k, v = self.k[li][:, :, :p1], self.v[li][:, :, :p1]
            mask = None
            if causal and n > 1:
                mask = torch.ones(n, p1, dtype=torch.bool, device=x.device).tril(p0)
            # the decode cache as the engine holds it, or the prefix in F32
            y = attend_cache(q, k, v, mask, int8) if f16 and causal else attend(q, k, v, mask)
            y = y.transpose(1, 2).reshape(B, n, d)
            x = x + blk.attn_out(y)
            x = x + blk.ffn_down(F.gelu(blk.ffn_up(blk.ffn_norm(x))))
        self.pos = p1
        return x

    def prefix(self, text_ids):
        """text_ids [B, T] long: fills the cache for the prefix (bidirectional)."""
        g = self.g
        x = g.text_emb(text_ids) + g.text_pos
        self._run(x, causal=False)

    def step(self, prev_tokens):
        """prev_tokens [B] long (K = <bos_image>): logits [B, K] for the next token."""
        g = self.g
        j = self.pos - self.cfg.text_ctx
        x = (g.img_emb(prev_tokens) + self.img_pos[j])[:, None, :]
        x = self._run(x, causal=True)
        return g.head(g.out_norm(x[:, 0]))


def _decoder_and_codebook(vq):
    if hasattr(vq, "decoder") and hasattr(vq, "quantizer"):
        return vq.decoder, vq.quantizer.codebook
    if hasattr(vq, "decoder") and hasattr(vq, "codebook"):
        return vq.decoder, vq.codebook
    decoder, codebook = vq
    return decoder, codebook


def decode_tokens(vq, tokens, grid_h, grid_w):
    """tokens [n, grid_h*grid_w] -> (premul float [n, H, W, 4], straight uint8 [n, H, W, 4])."""
    decoder, codebook = _decoder_and_codebook(vq)
    idx = torch.as_tensor(tokens, dtype=torch.long, device=codebook.device).view(-1, grid_h, grid_w)
    z = codebook[idx].permute(0, 3, 1, 2).contiguous()
    premul = decoder(z).clamp(0, 1).permute(0, 2, 3, 1).contiguous()
    return premul, unpremultiply_u8(premul)


@torch.inference_mode()
def generate_tokens(gft, tokenizer, prompt, negative=None, temperature=1.0, top_k=0, top_p=1.0,
                    guidance=1.0, seed=0, n_variations=1, background=-1, seq=SEED_SEQ, guidance_ramp=0):
    """-> int64 array [n_variations, grid_h*grid_w] of image tokens. background: the model
    file's gft.vq.background_code (-1: none), see sample_token. seq: the PCG32 stream
    (SEED_SEQ + c for candidate c of best of K). guidance_ramp: 1 for guidance rising from 1
    to `guidance` over the image tokens (guidance_at)."""
    cfg = gft.cfg
    n = n_variations
    guided = guidance != 1.0
    T = cfg.text_ctx
    prefixes = [tokenizer.prefix(prompt or "", T)]
    if guided:
        prefixes.append(tokenizer.prefix(negative or "", T))
    rows = 2 * n if guided else n
    gen = KVGenerator(gft, rows)
    # the prefix is the same for every conditional (and unconditional) row:
    # run it once per kind, then copy the cache into all rows
    one = KVGenerator(gft, len(prefixes))
    dev = gen.device
    one.prefix(torch.tensor(prefixes, dtype=torch.long, device=dev))
    src = torch.tensor([0] * n + ([1] * n if guided else []), device=dev)
    for li in range(cfg.n_layer):
        gen.k[li][:, :, :T] = one.k[li][src, :, :T]
        gen.v[li][:, :, :T] = one.v[li][src, :, :T]
    gen.pos = T
    rngs = [PCG32((seed + i) & M64, seq) for i in range(n)]
    out = np.zeros((n, cfg.n_image), dtype=np.int64)
    prev = torch.full((rows,), cfg.codebook_size, dtype=torch.long, device=dev)
    for j in range(cfg.n_image):
        logits = gen.step(prev).float().cpu().numpy()
        g = guidance_at(guidance, guidance_ramp, j, cfg.n_image)
        for i in range(n):
            l = mix_guidance(logits[i], logits[n + i] if guided else None, g)
            out[i, j] = sample_token(l, temperature, top_k, top_p, rngs[i], background)
        nxt = torch.from_numpy(out[:, j]).to(dev)
        prev = torch.cat([nxt, nxt]) if guided else nxt
    return out


def generate(gft, vq, tokenizer, prompt, negative=None, temperature=1.0, top_k=0, top_p=1.0,
             guidance=1.0, seed=0, n_variations=1, return_tokens=False, background=-1, guidance_ramp=0):
    """-> uint8 [n_variations, H, W, 4] straight RGBA (and the tokens if asked).
    vq: a vq.VQModel, or anything with .decoder and .codebook, or (decoder, codebook)."""
    tokens = generate_tokens(gft, tokenizer, prompt, negative, temperature, top_k, top_p,
                             guidance, seed, n_variations, background, guidance_ramp=guidance_ramp)
    with torch.inference_mode():
        _, rgba = decode_tokens(vq, tokens, gft.cfg.grid_h, gft.cfg.grid_w)
    rgba = rgba.cpu().numpy()
    return (rgba, tokens) if return_tokens else rgba


def _load(args):
    dev = torch.device(args.device)
    if args.model:
        from .gguf_import import load_gguf
        m = load_gguf(args.model)
        m.gft, m.decoder, m.codebook = m.gft.to(dev), m.decoder.to(dev), m.codebook.to(dev)
        return m.gft, m, m.tokenizer, dict(m.sampling, background=m.vq_cfg.bg_code)
    from .export_gguf import random_model
    gft, dec, cb, tok, known, sampling, _ = random_model(args.config, 1)
    return gft.to(dev), (dec.to(dev), cb.to(dev)), tok, sampling


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch reference generator")
    ap.add_argument("--model", help="GGUF model (default: random weights of --config)")
    ap.add_argument("--config", default="ship", choices=("tiny", "ship"))
    ap.add_argument("--prompt", default="a red apple")
    ap.add_argument("--negative", default=None)
    ap.add_argument("--temperature", type=float)
    ap.add_argument("--top-k", type=int)
    ap.add_argument("--top-p", type=float)
    ap.add_argument("--guidance", type=float)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-n", "--variations", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    ap.add_argument("--bench", action="store_true",
                    help="time 1 guided image and 4 guided variations; print ms")
    ap.add_argument("--repeat", type=int, default=1, help="bench repetitions (best is printed)")
    ap.add_argument("-o", "--output", help="PNG strip of the variations")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    gft, vq, tok, s = _load(a)
    kw = dict(temperature=s["temperature"] if a.temperature is None else a.temperature,
              top_k=s["top_k"] if a.top_k is None else a.top_k,
              top_p=s["top_p"] if a.top_p is None else a.top_p,
              guidance=s["guidance"] if a.guidance is None else a.guidance,
              background=s.get("background", -1))
    if kw["guidance"] == 1.0 and a.bench:
        kw["guidance"] = 3.0
    if a.bench:
        cfg = gft.cfg
        print(f"config: d {cfg.n_embd}, {cfg.n_layer} layers, {cfg.grid_w}x{cfg.grid_h} tokens, "
              f"K {cfg.codebook_size}; torch {torch.__version__}, {a.device}, {a.threads} threads; "
              f"guidance {kw['guidance']}")
        generate(gft, vq, tok, a.prompt, a.negative, seed=a.seed, n_variations=1, **kw)  # warm-up
        for n in (1, 4):
            best = None
            for _ in range(max(1, a.repeat)):
                t0 = time.perf_counter()
                generate(gft, vq, tok, a.prompt, a.negative, seed=a.seed, n_variations=n, **kw)
                ms = (time.perf_counter() - t0) * 1000.0
                best = ms if best is None else min(best, ms)
            print(f"reference_ms n_variations={n}: {best:.1f}")
        return 0
    img = generate(gft, vq, tok, a.prompt, a.negative, seed=a.seed, n_variations=a.variations, **kw)
    if a.output:
        from PIL import Image
        strip = np.concatenate(list(img), axis=1)
        Image.fromarray(strip, "RGBA").save(a.output)
        print(f"wrote {a.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
