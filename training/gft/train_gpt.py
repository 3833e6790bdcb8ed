# SPDX-License-Identifier: GPL-3.0-or-later
"""Stage 2: train the text -> image-token transformer (training/gft/model.py) on a budget.

Every sample gets a fresh random caption (gft.captions.sample_caption), normalised and
BPE-encoded with dropout; ~10 % of captions are replaced by the null prompt (classifier-free
guidance). Each sample takes one of the image's code grids (gft.encode.encode_all): as stored,
mirrored where the item allows it (flip_ok), or one of the random re-framings.
Captions are made by a pool of worker processes (forked before CUDA starts) so the GPU never
waits for Python.
"""
import bisect
import itertools
import math
import multiprocessing as mp
import random
import time
from collections import deque

import numpy as np
import torch
import torch.nn.functional as F

from .captions import sample_caption
from .common import autocast, cosine_lr, make_adamw
from .model import GFT, GFTConfig
from .text import BOS_ID, EOS_ID, PAD_ID

HAVE_SDPA = hasattr(F, "scaled_dot_product_attention")


# ---- a faster forward with exactly model.py's maths (training and batched sampling) ----

def _attn(q, k, v, mask, p_drop):
    global HAVE_SDPA
    if HAVE_SDPA:
        try:
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p_drop)
        except RuntimeError as e:  # an unsupported kernel/shape: use the plain maths from now on
            print("scaled_dot_product_attention failed (%s); using plain attention" % e, flush=True)
            HAVE_SDPA = False
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    att = att.masked_fill(~mask, float("-inf")).softmax(-1)
    if p_drop > 0:
        att = F.dropout(att, p_drop)
    return att @ v


def block_forward(blk, x, mask, p_drop):
    B, L, d = x.shape
    nh = blk.n_head
    h = blk.attn_norm(x)
    q = blk.attn_q(h).view(B, L, nh, d // nh).transpose(1, 2)
    k = blk.attn_k(h).view(B, L, nh, d // nh).transpose(1, 2)
    v = blk.attn_v(h).view(B, L, nh, d // nh).transpose(1, 2)
    y = _attn(q, k, v, mask, p_drop).transpose(1, 2).reshape(B, L, d)
    x = x + F.dropout(blk.attn_out(y), p_drop, blk.training)
    h = blk.ffn_norm(x)
    return x + F.dropout(blk.ffn_down(F.gelu(blk.ffn_up(h))), p_drop, blk.training)


def fast_forward(model: GFT, text_ids, image_tokens):
    """Same result as model.forward (logits [B, n, K]), using fused attention when available."""
    p = model.cfg.dropout if model.training else 0.0
    x = F.dropout(model.embed(text_ids, image_tokens), p, model.training)
    L = x.shape[1]
    mask = model.mask[:L, :L]
    for blk in model.blocks:
        x = block_forward(blk, x, mask, p)
    return model.head(model.out_norm(x[:, model.cfg.text_ctx:]))


# ---- caption batches -----------------------------------------------------------------------

_W = {}


def _init_worker(items, rows, flip_ok, tok, T, p_null, bpe_drop, n_var, weights=None):
    cum = list(itertools.accumulate(weights)) if weights is not None else None
    _W.update(items=items, rows=rows, flip_ok=flip_ok, tok=tok, T=T, p_null=p_null,
              bpe_drop=bpe_drop, null=tok.prefix("", T), n_var=n_var, cum=cum)


def _draw_row(rng, rows, cum):
    if cum is None:  # uniform: the draw earlier runs made, so their batches stay the same
        return rows[rng.randrange(len(rows))]
    i = bisect.bisect_right(cum, rng.random() * cum[-1])
    return rows[min(i, len(rows) - 1)]


def stored_variant(v, flip_ok):
    """Code-grid variant v of an item as stored: 0 = as drawn, 1 = mirrored, 2.. = re-framings;
    an item that must not be mirrored (text, arrows) gets 0 for 1."""
    return 0 if v == 1 and not flip_ok else v


def make_batch(seed, B):
    """-> (image rows [B] int64, code-grid variant [B] int64, text ids [B, T] int32).
    Variant 0 = as stored, 1 = mirrored (only for flip_ok items), 2.. = re-framings."""
    w = _W
    rng = random.Random(seed)
    rows, flip_ok, items, tok, T = w["rows"], w["flip_ok"], w["items"], w["tok"], w["T"]
    r = np.empty(B, np.int64)
    var = np.zeros(B, np.int64)
    ids = np.empty((B, T), np.int32)
    for i in range(B):
        row = _draw_row(rng, rows, w["cum"])
        r[i] = row
        v = rng.randrange(w["n_var"]) if w["n_var"] > 2 else int(rng.random() < 0.5)
        var[i] = stored_variant(v, flip_ok[row])
        if rng.random() < w["p_null"]:
            ids[i] = w["null"]
        else:
            ids[i] = tok.prefix(sample_caption(items[row], rng), T, w["bpe_drop"], rng)
    return r, var, ids


class CaptionFeeder:
    """Yields caption batches, made in worker processes (or in-process when workers == 0)."""

    def __init__(self, items, rows, tok, T, batch, seed, workers, p_null=0.1, bpe_drop=0.1, n_var=2,
                 weights=None):
        """weights: one sampling weight per entry of rows (gft.balance); None = uniform."""
        flip_ok = [bool(it.get("flip_ok", False)) for it in items]
        rows = list(rows)
        if weights is not None and (len(weights) != len(rows) or min(weights) < 0 or sum(weights) <= 0):
            raise ValueError("CaptionFeeder: need one non-negative weight per row, not all zero")
        args = (items, rows, flip_ok, tok, T, p_null, bpe_drop, n_var,
                None if weights is None else list(weights))
        self.batch, self.seed, self.n = batch, seed, 0
        self.pool = None
        if workers > 0:
            ctx = mp.get_context("fork")
            self.pool = ctx.Pool(workers, initializer=_init_worker, initargs=args)
            self.pending = deque()
            for _ in range(workers * 4):
                self._submit()
        else:
            _init_worker(*args)

    def _submit(self):
        s = self.seed * 1_000_003 + self.n
        self.n += 1
        self.pending.append(self.pool.apply_async(make_batch, (s, self.batch)))

    def next(self):
        if self.pool is None:
            self.n += 1
            return make_batch(self.seed * 1_000_003 + self.n - 1, self.batch)
        res = self.pending.popleft().get(timeout=120)
        self._submit()
        return res

    def close(self):
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


# ---- training ------------------------------------------------------------------------------

def param_groups(model, wd):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no = [p for n, p in model.named_parameters() if p.dim() < 2]
    return [dict(params=decay, weight_decay=wd), dict(params=no, weight_decay=0.0)]


def train_gpt(codes, feeder, cfg: GFTConfig, *, budget_s, lr, device, log, seed, wd=0.05,
              warm_frac=0.05, state=None, save_cb=None, save_every_s=600, val_fn=None,
              val_every_s=None, val_score=None, max_steps=None, init_weights=None):
    """codes: int64 tensor [V, N, H*W] on device (V code-grid variants, see make_batch).

    Trains until budget_s seconds of training time are spent (counted across resumes);
    the learning-rate schedule follows the fraction of the budget spent. With val_fn and
    val_every_s the model is validated on the way (that time counts as spent); with val_score
    (val result -> lower is better) the best validated weights are the ones returned.
    init_weights: a state dict to start from (continued training) instead of a fresh init.
    """
    torch.manual_seed(seed)
    model = GFT(cfg)
    if init_weights is not None:
        model.load_state_dict({k: v.float() for k, v in init_weights.items()})
    model = model.to(device)
    opt = make_adamw(param_groups(model, wd), lr, wd, (0.9, 0.95), device)
    spent, step = 0.0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        spent, step = state["spent"], state["step"]
        log("gpt: resumed at step", step, "spent %.0fs" % spent)
    log("gpt: %.2f M parameters, batch %d, lr %.1e, budget %.0fs"
        % (model.n_params() / 1e6, feeder.batch, lr, budget_s))
    model.train()
    hist, vals, ema, ntok = [], [], None, 0
    best = None  # (score, step, weights on CPU)

    def validate():
        nonlocal best
        model.eval()
        res = val_fn(model)
        model.train()
        vals.append(dict(step=step, t=round(spent, 1), val=res))
        log("gpt val at step %d:" % step, res)
        if val_score is not None:
            sc = val_score(res)
            if best is None or sc < best[0]:
                best = (sc, step, {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()})

    t_last = time.time()
    last_save = last_val = time.time()
    while spent < budget_s and (max_steps is None or step < max_steps):
        for grp in opt.param_groups:
            grp["lr"] = cosine_lr(spent / budget_s, lr, warm_frac)
        rows, var, ids = feeder.next()
        rows_t = torch.from_numpy(rows).to(device, non_blocking=True)
        var_t = torch.from_numpy(var).to(device, non_blocking=True)
        text = torch.from_numpy(ids.astype(np.int64)).to(device, non_blocking=True)
        tgt = codes[var_t, rows_t]
        with autocast(device):
            logits = fast_forward(model, text, tgt)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        ntok += tgt.numel()
        now = time.time()
        spent += now - t_last
        t_last = now
        if step % 50 == 0 or step == 1:
            lv = loss.item()
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            hist.append(dict(step=step, t=round(spent, 1), loss=round(lv, 4)))
            log("gpt step %d  %.0f/%.0fs  loss %.4f (ema %.4f, %.3f bits/token)  lr %.2e  %.0f tok/s"
                % (step, spent, budget_s, lv, ema, ema / math.log(2), opt.param_groups[0]["lr"],
                   ntok / max(spent, 1e-6)))
        if val_fn is not None and val_every_s and time.time() - last_val > val_every_s:
            validate()
            last_val = time.time()
        if save_cb is not None and time.time() - last_save > save_every_s:
            save_cb(dict(model=model.state_dict(), opt=opt.state_dict(), spent=spent, step=step))
            last_save = time.time()
            t_last = time.time()
    if save_cb is not None:
        save_cb(dict(model=model.state_dict(), opt=opt.state_dict(), spent=spent, step=step))
    picked = step
    if val_fn is not None and val_every_s:
        validate()
        if best is not None and best[1] != step:
            model.load_state_dict(best[2])
            picked = best[1]
            log("gpt: keeping the weights of step %d (best validation)" % picked)
    model.eval()
    return model, dict(steps=step, train_seconds=round(spent, 1), batch=feeder.batch, lr=lr,
                       tokens_seen=ntok, history=hist, val_history=vals, picked_step=picked)


@torch.no_grad()
def val_bits(model, codes_val, text_val, null_ids, device, batch=256, bg_code=None):
    """Mean bits per image token with the caption and with the null prompt.

    codes_val [n, N] int64, text_val [n, T] int64 (CPU or device). Also splits the conditional
    bits into background (bg_code) and foreground tokens when bg_code is given.
    """
    model.eval()
    tot_c = tot_u = 0.0
    fg_c = fg_n = bg_c = bg_n = 0.0
    n = 0
    null = torch.as_tensor(null_ids, dtype=torch.long, device=device)
    for i in range(0, len(codes_val), batch):
        c = codes_val[i:i + batch].to(device)
        t = text_val[i:i + batch].to(device)
        with autocast(device):
            lc = fast_forward(model, t, c).float()
            lu = fast_forward(model, null.expand(len(c), -1), c).float()
        nll_c = F.cross_entropy(lc.reshape(-1, lc.shape[-1]), c.reshape(-1), reduction="none")
        nll_u = F.cross_entropy(lu.reshape(-1, lu.shape[-1]), c.reshape(-1), reduction="none")
        tot_c += nll_c.sum().item()
        tot_u += nll_u.sum().item()
        n += c.numel()
        if bg_code is not None:
            is_bg = c.reshape(-1) == bg_code
            bg_c += nll_c[is_bg].sum().item()
            bg_n += is_bg.sum().item()
            fg_c += nll_c[~is_bg].sum().item()
            fg_n += (~is_bg).sum().item()
    ln2 = math.log(2)
    out = dict(n_images=len(codes_val), bits_cond=round(tot_c / n / ln2, 4),
               bits_uncond=round(tot_u / n / ln2, 4))
    out["gain_bits_per_image"] = round((tot_u - tot_c) / ln2 / max(len(codes_val), 1), 1)
    if bg_code is not None and fg_n:
        out["bits_cond_fg"] = round(fg_c / fg_n / ln2, 4)
        out["bits_cond_bg"] = round(bg_c / max(bg_n, 1) / ln2, 4)
        out["bg_fraction"] = round(bg_n / n, 3)
    return out


def fixed_captions(items, rows, tok, T, seed):
    """One deterministic random caption per row (validation), as [n, T] int64."""
    rng = random.Random(seed)
    return torch.tensor([tok.prefix(sample_caption(items[r], rng), T) for r in rows], dtype=torch.long)


def null_prefix(T):
    return [BOS_ID, EOS_ID] + [PAD_ID] * (T - 2)
