# SPDX-License-Identifier: GPL-3.0-or-later
"""Batched sampling with a KV cache and classifier-free guidance, for evaluation sweeps.

Same maths as docs/model-format.md "Sampling" (guidance mix, temperature, top-k, softmax,
top-p), but random numbers come from torch (not PCG32), so images differ from the engine's
for the same seed. gft.sample is the bit-exact reference; this one is for many images at once.
"""
import torch
import torch.nn.functional as F

from .common import autocast
from .train_gpt import _attn


def _prefill(model, text_ids, n_total):
    """Run the T prefix positions. Returns per-layer (k, v) caches [B, nh, n_total, hd] with
    the first T positions filled."""
    x = model.text_emb(text_ids) + model.text_pos
    B, T, d = x.shape
    nh = model.cfg.n_head
    mask = torch.ones(T, T, dtype=torch.bool, device=x.device)
    caches = []
    for blk in model.blocks:
        h = blk.attn_norm(x)
        q = blk.attn_q(h).view(B, T, nh, d // nh).transpose(1, 2)
        k = blk.attn_k(h).view(B, T, nh, d // nh).transpose(1, 2)
        v = blk.attn_v(h).view(B, T, nh, d // nh).transpose(1, 2)
        kc = torch.empty(B, nh, n_total, d // nh, dtype=k.dtype, device=k.device)
        vc = torch.empty_like(kc)
        kc[:, :, :T] = k
        vc[:, :, :T] = v
        caches.append((kc, vc))
        y = _attn(q, k, v, mask, 0.0).transpose(1, 2).reshape(B, T, d)
        x = x + blk.attn_out(y)
        x = x + blk.ffn_down(F.gelu(blk.ffn_up(blk.ffn_norm(x))))
    return caches


def _step(model, x, caches, pos):
    """One sequence position `pos` for every row: x [B, 1, d] -> logits [B, K]; fills caches."""
    B, _, d = x.shape
    nh = model.cfg.n_head
    mask = torch.ones(1, pos + 1, dtype=torch.bool, device=x.device)
    for blk, (kc, vc) in zip(model.blocks, caches):
        h = blk.attn_norm(x)
        q = blk.attn_q(h).view(B, 1, nh, d // nh).transpose(1, 2)
        kc[:, :, pos:pos + 1] = blk.attn_k(h).view(B, 1, nh, d // nh).transpose(1, 2)
        vc[:, :, pos:pos + 1] = blk.attn_v(h).view(B, 1, nh, d // nh).transpose(1, 2)
        y = _attn(q, kc[:, :, :pos + 1], vc[:, :, :pos + 1], mask, 0.0)
        x = x + blk.attn_out(y.transpose(1, 2).reshape(B, 1, d))
        x = x + blk.ffn_down(F.gelu(blk.ffn_up(blk.ffn_norm(x))))
    return model.head(model.out_norm(x))[:, 0]


def filter_logits(l, temperature, top_k, top_p, background=-1):
    """-> probabilities [B, K] after temperature, top-k, softmax and top-p (None for argmax).
    With a background code, its probability is kept at temperature 1 and the filters shape
    only the other codes (the same distribution as gft.sample.sample_token draws from)."""
    if temperature <= 0:
        return None
    if 0 <= background < l.shape[-1]:
        p_bg = l.softmax(-1)[:, background:background + 1]
        fg = filter_logits(l.index_fill(-1, torch.tensor([background], device=l.device), float("-inf")),
                           temperature, top_k, top_p)
        return (fg * (1 - p_bg)).index_copy(-1, torch.tensor([background], device=l.device), p_bg)
    l = l / temperature
    K = l.shape[-1]
    if 0 < top_k < K:
        kth = torch.topk(l, top_k, dim=-1).values[:, -1:]
        l = l.masked_fill(l < kth, float("-inf"))
    p = l.softmax(-1)
    if 0 < top_p < 1:
        ps, order = p.sort(-1, descending=True)
        keep = (ps.cumsum(-1) - ps) < top_p  # smallest prefix whose sum reaches top_p
        ps = ps * keep
        p = torch.zeros_like(p).scatter(-1, order, ps)
    return p


@torch.no_grad()
def generate(model, text_ids, null_ids=None, guidance=3.0, temperature=1.0, top_k=0, top_p=1.0,
             generator=None, background=-1):
    """text_ids [B, T] (long, on the model's device) -> image tokens [B, N] (long)."""
    model.eval()
    cfg = model.cfg
    dev = text_ids.device
    B = text_ids.shape[0]
    use_cfg = guidance != 1.0
    if use_cfg:
        if null_ids is None:
            raise ValueError("guidance needs null_ids")
        null = torch.as_tensor(null_ids, dtype=torch.long, device=dev).view(-1, cfg.text_ctx)
        rows = torch.cat([text_ids, null.expand(B, -1)], 0)
    else:
        rows = text_ids
    pos = (model.img_row[:, None, :] + model.img_col[None, :, :]).reshape(cfg.n_image, -1)
    out = torch.empty(B, cfg.n_image, dtype=torch.long, device=dev)
    with autocast(dev):
        caches = _prefill(model, rows, cfg.text_ctx + cfg.n_image)
        prev = torch.full((rows.shape[0],), cfg.codebook_size, dtype=torch.long, device=dev)
        for j in range(cfg.n_image):
            x = (model.img_emb(prev) + pos[j]).unsqueeze(1)
            lg = _step(model, x, caches, cfg.text_ctx + j).float()
            if use_cfg:
                lc, lu = lg[:B], lg[B:]
                lg = lu + guidance * (lc - lu)
            p = filter_logits(lg, temperature, top_k, top_p, background)
            if p is None:
                tok = lg.argmax(-1)
            else:
                tok = torch.multinomial(p, 1, generator=generator)[:, 0]
            out[:, j] = tok
            prev = torch.cat([tok, tok]) if use_cfg else tok
    return out
