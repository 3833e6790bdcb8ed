"""The text-to-image-token transformer: the reference for engine/ (see docs/model-format.md).

Decoder-only, pre-norm, no biases. Sequence = T text-prefix positions (prefix-LM:
bidirectional inside the prefix) followed by W*H image positions (causal).
"""
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID, BOS_ID, EOS_ID, BYTE0_ID = 0, 1, 2, 3


@dataclass
class GFTConfig:
    text_vocab: int = 4096
    text_ctx: int = 32
    grid_w: int = 16
    grid_h: int = 16
    codebook_size: int = 1024
    n_embd: int = 384
    n_layer: int = 10
    n_head: int = 6
    n_ff: int = 1536
    norm_eps: float = 1e-5
    dropout: float = 0.0

    @property
    def n_image(self):
        return self.grid_w * self.grid_h


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    def __init__(self, cfg: GFTConfig):
        super().__init__()
        d = cfg.n_embd
        self.n_head = cfg.n_head
        self.attn_norm = RMSNorm(d, cfg.norm_eps)
        self.attn_q = nn.Linear(d, d, bias=False)
        self.attn_k = nn.Linear(d, d, bias=False)
        self.attn_v = nn.Linear(d, d, bias=False)
        self.attn_out = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d, cfg.norm_eps)
        self.ffn_up = nn.Linear(d, cfg.n_ff, bias=False)
        self.ffn_down = nn.Linear(cfg.n_ff, d, bias=False)
        self.drop = nn.Dropout(cfg.dropout)
        # None in training; gft.engine_numerics sets it to text_ctx so that image
        # positions attend as the engine's decode cache does: F16 K/V, or with
        # kv_int8 (the engine's int8 kernel) the int8 attention (attend_int8)
        self.kv_f16_from = None
        self.kv_int8 = False

    def _attend(self, q, k, v, mask):
        att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        return self.drop(att) @ v

    def forward(self, x, mask):
        B, L, d = x.shape
        hd = d // self.n_head
        h = self.attn_norm(x)
        q = self.attn_q(h).view(B, L, self.n_head, hd).transpose(1, 2)
        k = self.attn_k(h).view(B, L, self.n_head, hd).transpose(1, 2)
        v = self.attn_v(h).view(B, L, self.n_head, hd).transpose(1, 2)
        y = self._attend(q, k, v, mask)
        T = self.kv_f16_from
        if T is not None and L > T:
            y16 = attend_cache(q[:, :, T:], k, v, mask[T:], self.kv_int8)
            y = torch.cat([y[:, :, :T], y16], 2)
        y = y.transpose(1, 2).reshape(B, L, d)
        x = x + self.drop(self.attn_out(y))
        h = self.ffn_norm(x)
        x = x + self.drop(self.ffn_down(F.gelu(self.ffn_up(h))))
        return x


def attend_cache(q, k, v, mask, int8):
    """Attention of q [..., n, hd] over K/V [..., L, hd] as the engine's decode cache computes it:
    F16 K/V, or the int8 cache's integer attention (attend_int8). mask [n, L] or None."""
    if int8:
        return attend_int8(q, k, v, mask)
    return attend(q, f16_round(k), f16_round(v), mask)


def attend(q, k, v, mask):
    """softmax(q kᵀ / √hd) v, positions where mask is False left out (mask None: all)."""
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        att = att.masked_fill(~mask, float("-inf"))
    return att.softmax(-1) @ v


def quant_rows(t):
    """int8 codes and scales of each vector (last dim): q = round-half-even(x * 127 / amax),
    scale amax / 127 (engine/attn_q8.h)."""
    amax = t.abs().amax(-1, keepdim=True)
    inv = torch.where(amax > 0, 127.0 / amax, torch.zeros_like(amax))
    return torch.round(t * inv), amax / 127.0


INT16_WEIGHT_BUDGET = 16909320  # 127 * sum |W| stays in int32


def attend_int8(q, k, v, mask):
    """engine/attn_q8.h: int8 query, K and V; scores from exact integer dot products; softmax;
    the weights times V's scales rounded to int16 against their largest; integer sums of
    weights times V codes."""
    q8, dq = quant_rows(q)
    k8, dk = quant_rows(k)
    v8, dv = quant_rows(v)
    S = q8 @ k8.transpose(-2, -1)  # integers below 2^24: exact in float32
    att = (S * (dq * dk.transpose(-2, -1))) / math.sqrt(q.shape[-1])
    if mask is not None:
        att = att.masked_fill(~mask, float("-inf"))
        n_att = mask.sum(-1, keepdim=True).float()
    else:
        n_att = torch.full((1, 1), float(k.shape[-2]))
    w = att.softmax(-1) * dv.transpose(-2, -1)
    wmax = w.abs().amax(-1, keepdim=True)
    C = torch.clamp(torch.div(INT16_WEIGHT_BUDGET, n_att, rounding_mode="floor"), max=32767.0)
    inv = torch.where(wmax > 0, C / wmax, torch.zeros_like(wmax))
    W = torch.round(w * inv)
    return (W.double() @ v8.double()).float() * (wmax / C)


def f16_round(t):
    """K or V as the engine's F16 cache holds them."""
    return t.half().float()


def prefix_lm_mask(text_ctx, n_image, device=None):
    """[L, L] bool, True = may attend. Prefix bidirectional, image causal."""
    L = text_ctx + n_image
    m = torch.tril(torch.ones(L, L, dtype=torch.bool, device=device))
    m[:text_ctx, :text_ctx] = True
    return m


class GFT(nn.Module):
    def __init__(self, cfg: GFTConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.n_embd
        self.text_emb = nn.Embedding(cfg.text_vocab, d)
        self.text_pos = nn.Parameter(torch.zeros(cfg.text_ctx, d))
        self.img_emb = nn.Embedding(cfg.codebook_size + 1, d)  # row K = <bos_image>
        self.img_row = nn.Parameter(torch.zeros(cfg.grid_h, d))
        self.img_col = nn.Parameter(torch.zeros(cfg.grid_w, d))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.out_norm = RMSNorm(d, cfg.norm_eps)
        self.head = nn.Linear(d, cfg.codebook_size, bias=False)
        self.drop = nn.Dropout(cfg.dropout)
        self.apply(self._init)
        for p in (self.text_pos, self.img_row, self.img_col):
            nn.init.normal_(p, std=0.02)
        for blk in self.blocks:  # GPT-2 style scaled residual init
            nn.init.normal_(blk.attn_out.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(blk.ffn_down.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
        self.register_buffer(
            "mask", prefix_lm_mask(cfg.text_ctx, cfg.n_image), persistent=False)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def embed(self, text_ids, image_tokens):
        """text_ids [B, T]; image_tokens [B, n] with n <= N (teacher forcing:
        the input at image position j is token j-1, BOS at j = 0)."""
        cfg = self.cfg
        B, n = image_tokens.shape
        bos = torch.full((B, 1), cfg.codebook_size, dtype=torch.long, device=image_tokens.device)
        img_in = torch.cat([bos, image_tokens[:, : max(n - 1, 0)]], 1) if n > 0 else bos
        n_in = img_in.shape[1]
        pos = (self.img_row[:, None, :] + self.img_col[None, :, :]).reshape(cfg.n_image, -1)
        x_text = self.text_emb(text_ids) + self.text_pos
        x_img = self.img_emb(img_in) + pos[:n_in]
        return torch.cat([x_text, x_img], 1)

    def forward(self, text_ids, image_tokens):
        """Returns logits [B, n, K] for image positions 0..n-1 (n = image_tokens.shape[1])."""
        x = self.drop(self.embed(text_ids, image_tokens))
        L = x.shape[1]
        mask = self.mask[:L, :L]
        for blk in self.blocks:
            x = blk(x, mask)
        T = self.cfg.text_ctx
        return self.head(self.out_norm(x[:, T:]))

    def loss(self, text_ids, image_tokens):
        logits = self.forward(text_ids, image_tokens)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), image_tokens.reshape(-1))

    def n_params(self):
        return sum(p.numel() for p in self.parameters())
