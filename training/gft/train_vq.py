# SPDX-License-Identifier: GPL-3.0-or-later
"""Stage 1: train the VQ image tokenizer (training/gft/vq.py) on a wall-clock budget.

Loss (targets at 128 px, premultiplied RGBA; the encoder sees the image box-filtered to
cfg.enc_input px; fully transparent patches get the reserved code cfg.bg_code, if any):
  L1 on RGBA (alpha weighted x2) + L1 after compositing both images over a random solid colour
  + 0.5 * L1 of Sobel gradients + 0.25 * commitment.
The quantizer (EMA, dead-code restart) runs in fp32 outside autocast; encoder and decoder run
under bf16 autocast on CUDA.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from .common import autocast, composite, cosine_lr, make_adamw, premultiply, psnr
from .vq import VQConfig, VQModel, encoder_grid

_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4.0


def sobel(x):
    """Per-channel Sobel gradients [B, C, H, W] -> [B, 2C, H, W]."""
    C = x.shape[1]
    kx = _SOBEL_X.to(x.device, x.dtype)
    k = torch.stack([kx, kx.t()]).unsqueeze(1).repeat(C, 1, 1, 1)  # [2C,1,3,3]
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k, groups=C)


_CH_W = torch.tensor([1.0, 1.0, 1.0, 2.0]).view(1, 4, 1, 1)


def vq_loss(rec, tgt, commit, w_sobel=0.5, w_commit=0.25):
    rec = rec.float()
    l1 = ((rec - tgt).abs() * _CH_W.to(rec.device)).mean() * (4.0 / 5.0)
    bg = torch.rand(tgt.shape[0], 3, 1, 1, device=tgt.device)
    l1c = (composite(rec, bg) - composite(tgt, bg)).abs().mean()
    ls = (sobel(rec) - sobel(tgt)).abs().mean()
    total = l1 + l1c + w_sobel * ls + w_commit * commit
    return total, dict(l1=l1.item(), comp=l1c.item(), sobel=ls.item(), commit=commit.item())


def vq_forward(model, premul128):
    """Encoder/decoder under autocast, quantizer in fp32 (EMA statistics stay exact)."""
    dev = premul128.device
    with autocast(dev):
        z = model.encoder(model.encoder_input(premul128))
    q, idx, commit = model.quantizer(z.float(), model.background(premul128))
    with autocast(dev):
        rec = model.decoder(q)
    return rec, idx, commit


def batch_images(images, idx, device, flip=True):
    """Gather uint8 images (kept on `device` or CPU) -> premultiplied float at 128 px."""
    u8 = images[idx.to(images.device)].to(device, non_blocking=True)
    x = premultiply(u8)
    if flip:
        m = torch.rand(x.shape[0], device=device) < 0.5
        x = torch.where(m.view(-1, 1, 1, 1), x.flip(3), x)
    return x


def train_vq(images, train_idx, cfg: VQConfig, *, budget_s, batch, lr, device, log, seed,
             state=None, save_cb=None, save_every_s=600, max_steps=None):
    """Train until budget_s seconds of training time are spent (counted across resumes).

    images: uint8 [N,128,128,4] tensor; train_idx: LongTensor of usable image rows.
    state: a dict from a previous save_cb call to resume from (CPU tier).
    Returns (model, stats).
    """
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    model = VQModel(cfg).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    opt = make_adamw(model.parameters(), lr, 0.0, (0.9, 0.95), device)
    spent, step = 0.0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        spent, step = state["spent"], state["step"]
        g.set_state(state["rng"])
        log("vq: resumed at step", step, "spent %.0fs" % spent)
    n_vec = batch * (encoder_grid(cfg) ** 2)
    base_dead = min(2.0, 0.03 * n_vec / cfg.codebook_size)
    model.train()
    t_last = time.time()
    last_save = time.time()
    hist = []
    while spent < budget_s and (max_steps is None or step < max_steps):
        prog = spent / budget_s
        for grp in opt.param_groups:
            grp["lr"] = cosine_lr(prog, lr, 0.03)
        # no restarts in the last 10 %: let the decoder settle on the final codes
        model.quantizer.dead = base_dead if prog < 0.9 else 0.0
        sel = train_idx[torch.randint(0, len(train_idx), (batch,), generator=g)]
        tgt = batch_images(images, sel, device)
        if device.type == "cuda":
            tgt = tgt.contiguous(memory_format=torch.channels_last)
        rec, _, commit = vq_forward(model, tgt)
        loss, parts = vq_loss(rec, tgt, commit)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        now = time.time()
        spent += now - t_last
        t_last = now
        if step % 50 == 0 or step == 1:
            with torch.no_grad():
                p = psnr(composite(rec.float().clamp(0, 1), 1.0), composite(tgt, 1.0)).mean().item()
            used = int((model.quantizer.ema_count > 0.5 * base_dead).sum()) if base_dead > 0 else -1
            hist.append(dict(step=step, t=round(spent, 1), loss=round(loss.item(), 5), psnr=round(p, 2)))
            log("vq step %d  %.0f/%.0fs  loss %.4f  l1 %.4f comp %.4f sob %.4f commit %.4f  "
                "psnr(white) %.2f  live codes %d  lr %.2e"
                % (step, spent, budget_s, loss.item(), parts["l1"], parts["comp"], parts["sobel"],
                   parts["commit"], p, used, opt.param_groups[0]["lr"]))
        if save_cb is not None and time.time() - last_save > save_every_s:
            save_cb(dict(model=model.state_dict(), opt=opt.state_dict(), spent=spent, step=step,
                         rng=g.get_state()))
            last_save = time.time()
    if save_cb is not None:
        save_cb(dict(model=model.state_dict(), opt=opt.state_dict(), spent=spent, step=step,
                     rng=g.get_state()))
    model.eval()
    return model, dict(steps=step, train_seconds=round(spent, 1), batch=batch, lr=lr, history=hist)


@torch.no_grad()
def encode_premul(model, premul128, device):
    """Code indices [B, H, W] of premultiplied 128 px images (encoder under autocast)."""
    with autocast(device):
        z = model.encoder(model.encoder_input(premul128))
    return model.quantizer.indices(z.float(), model.background(premul128))


@torch.no_grad()
def encode_images(model, images, idx, device, batch=256, flip=False):
    """Code indices [n, H, W] (int16, CPU) for images[idx] (optionally mirrored)."""
    out = []
    for i in range(0, len(idx), batch):
        x = premultiply(images[idx[i:i + batch].to(images.device)].to(device))
        if flip:
            x = x.flip(3)
        out.append(encode_premul(model, x, device).to(torch.int16).cpu())
    return torch.cat(out) if out else torch.zeros(0, 16, 16, dtype=torch.int16)


@torch.no_grad()
def eval_vq(model, images, idx, device, batch=128):
    """Held-out reconstruction metrics through the engine's path (clamped decode)."""
    ps_w, ps_b, a_mae, a_iou_i, a_iou_u, n = [], [], 0.0, 0.0, 0.0, 0
    for i in range(0, len(idx), batch):
        tgt = premultiply(images[idx[i:i + batch].to(images.device)].to(device))
        codes = encode_premul(model, tgt, device)
        rec = model.decode_indices(codes).float()
        ps_w.append(psnr(composite(rec, 1.0), composite(tgt, 1.0)).cpu())
        ps_b.append(psnr(composite(rec, 0.0), composite(tgt, 0.0)).cpu())
        a_mae += (rec[:, 3] - tgt[:, 3]).abs().mean((1, 2)).sum().item()
        ra, ta = rec[:, 3] > 0.5, tgt[:, 3] > 0.5
        a_iou_i += (ra & ta).sum().item()
        a_iou_u += (ra | ta).sum().item()
        n += len(tgt)
    ps_w, ps_b = torch.cat(ps_w), torch.cat(ps_b)
    return dict(n_images=n, psnr_white=round(ps_w.mean().item(), 2),
                psnr_white_p10=round(ps_w.quantile(0.1).item(), 2),
                psnr_black=round(ps_b.mean().item(), 2),
                alpha_mae=round(a_mae / max(n, 1), 5),
                alpha_iou=round(a_iou_i / max(a_iou_u, 1), 5))


def codebook_stats(codes, K):
    """Usage fraction and perplexity of a code tensor."""
    h = torch.bincount(codes.reshape(-1).long(), minlength=K).double()
    p = h / h.sum()
    ent = -(p[p > 0] * p[p > 0].log()).sum().item()
    return dict(usage=round((h > 0).double().mean().item(), 4), perplexity=round(float(np.exp(ent)), 1))
