# SPDX-License-Identifier: GPL-3.0-or-later
"""More training for the VQ decoder alone, on fixed codes (stage 1 continued).

The decoder is what paints every generated picture, and the GPU run's reconstruction PSNR was
still rising when its budget ended. Encoder and codebook stay frozen, so the codes the
transformer learned keep their meaning: the decoder only learns to paint the same codes more
exactly. The codes come from gft.encode's file (as stored and mirrored), so no encoder runs
here; the loss is stage 1's (gft.train_vq.vq_loss without the commitment term).

  cd training && python3 -m gft.tune_decoder --vq checkpoints/vq-gpu2.pt \
      --codes runs/codes-gpu2/codes-gpu2.npy.xz --out runs/vqtune --budget 3600
"""
import argparse
import dataclasses
import os
import sys
import time

import torch

from .common import cosine_lr, make_adamw, premultiply, save_json, start_run
from .dataset import load_pack
from .encode import load_codes_xz
from .pipeline import split_rows
from .train_vq import eval_vq, vq_loss
from .vq import load_vq


def batch(images, codes, rows, g, size):
    """A random batch: (premultiplied targets [B,4,128,128], their codes [B,H,W]); half of the
    pairs mirrored (code variant 1 is the mirrored image's)."""
    sel = rows[torch.randint(0, len(rows), (size,), generator=g)]
    flip = torch.rand(size, generator=g) < 0.5
    tgt = premultiply(images[sel])
    tgt = torch.where(flip.view(-1, 1, 1, 1), tgt.flip(3), tgt)
    idx = torch.where(flip.view(-1, 1), codes[1][sel], codes[0][sel])
    side = int(idx.shape[1] ** 0.5)
    return tgt, idx.view(size, side, side)


def tune(vq, images, codes, rows, *, budget_s, batch_size, lr, seed, log, max_steps=None):
    """Trains vq.decoder in place for budget_s seconds or max_steps (5 % warm-up, cosine to
    10 % of lr; three first Adam steps at 1e-4 cost 2 dB of held-out PSNR, so lr stays small)."""
    g = torch.Generator().manual_seed(seed)
    for p in vq.parameters():
        p.requires_grad_(False)
    for p in vq.decoder.parameters():
        p.requires_grad_(True)
    opt = make_adamw(vq.decoder.parameters(), lr, 0.0, (0.9, 0.95), torch.device("cpu"))
    vq.decoder.train()
    t0, step, hist = time.time(), 0, []
    while time.time() - t0 < budget_s and (max_steps is None or step < max_steps):
        progress = (time.time() - t0) / budget_s
        if max_steps:
            progress = max(progress, step / max_steps)
        for grp in opt.param_groups:
            grp["lr"] = cosine_lr(progress, lr, 0.05)
        tgt, idx = batch(images, codes, rows, g, batch_size)
        rec = vq.decoder(vq.quantizer.lookup(idx))
        loss, parts = vq_loss(rec, tgt, torch.zeros(()))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vq.decoder.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0 or step == 1:
            hist.append(dict(step=step, t=round(time.time() - t0, 1), loss=round(loss.item(), 5)))
            log("decoder step %d  %.0f/%.0fs  loss %.4f  l1 %.4f comp %.4f sob %.4f" % (
                step, time.time() - t0, budget_s, loss.item(), parts["l1"], parts["comp"], parts["sobel"]))
    vq.decoder.eval()
    return dict(steps=step, seconds=round(time.time() - t0, 1), batch=batch_size, lr=lr, history=hist)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vq", required=True, help="checkpoint with vq and vq_cfg (e.g. checkpoints/vq-gpu2.pt)")
    ap.add_argument("--codes", required=True, help="gft.encode's codes of the same pack with that tokenizer")
    ap.add_argument("--pack", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=float, default=3600, help="training seconds")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--eval-images", type=int, default=0, help="held-out images to score (0 = all)")
    a = ap.parse_args(argv)
    T0 = time.time()
    log = start_run(a.out, a.seed)
    images, items, split = load_pack(a.pack)
    codes = load_codes_xz(a.codes)
    if codes.shape[1] != len(items) or codes.shape[0] < 2:
        raise SystemExit("tune_decoder: %s has %s code grids for %d images: not this pack's codes"
                         % (a.codes, tuple(codes.shape[:2]), len(items)))
    codes = torch.from_numpy(codes[:2].astype("int64"))
    images = torch.from_numpy(images)
    train_rows, iid_rows, held_rows = split_rows(items, split)
    held = torch.tensor(held_rows or iid_rows)
    if a.eval_images:
        held = held[:a.eval_images]
    vq = load_vq(a.vq)
    dev = torch.device("cpu")
    before = eval_vq(vq, images, held, dev)
    log("held-out before:", before)
    stats = tune(vq, images, codes, torch.tensor(train_rows), budget_s=a.budget, batch_size=a.batch,
                 lr=a.lr, seed=a.seed, log=log, max_steps=a.max_steps)
    after = eval_vq(vq, images, held, dev)
    log("held-out after:", after)
    torch.save(dict(vq={k: v.half() if v.is_floating_point() else v for k, v in vq.state_dict().items()},
                    vq_cfg=dataclasses.asdict(vq.cfg)), os.path.join(a.out, "vq.pt"))
    save_json(os.path.join(a.out, "metrics.json"),
              dict(mode="tune_decoder", vq_from=a.vq, seed=a.seed, before=before, after=after,
                   tune=stats, total_seconds=round(time.time() - T0, 1)))
    log("done in %.0fs" % (time.time() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
