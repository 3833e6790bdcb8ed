# SPDX-License-Identifier: GPL-3.0-or-later
"""Train the 2x upscaler (gft.upscaler) on VQ reconstructions against 256 px renders.

Inputs are what the engine hands the upscaler: the model file's VQ decoder output for the
image's own code grid (gft.encode's codes), with a share of the real 128 px pictures so that
sharp edges stay sharp. Targets are the same art rendered at 256 px (gft.sr_data). Concepts of
the pack's validation split are held out and measured: PSNR on white of the upscaler against
bilinear and bicubic 2x of the same reconstruction.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .common import composite, premultiply, psnr
from .upscaler import Upscaler, clamp_premul, save


def premul_nchw(rgba_u8):
    """uint8 straight RGBA numpy [n, H, W, 4] -> float premultiplied [n, 4, H, W]."""
    return premultiply(torch.from_numpy(np.ascontiguousarray(rgba_u8)))


def psnr_on_white(a, b):
    """Mean over images of the PSNR (dB) of premultiplied [n, 4, H, W] pictures on white."""
    return float(psnr(composite(a, 1.0), composite(b, 1.0)).mean())


@torch.inference_mode()
def reconstruct(decoder, codebook, codes, grid, batch=64, log=print):
    """Code grids [N, grid*grid] -> the decoder's clamped premultiplied [N, 4, H, W] (float16)."""
    from .sample import decode_tokens
    out, t0 = [], time.time()
    for i in range(0, len(codes), batch):
        premul, _ = decode_tokens((decoder, codebook), codes[i:i + batch].astype(np.int64), grid, grid)
        out.append(premul.permute(0, 3, 1, 2).half())
        if (i // batch) % 40 == 39:
            log("reconstructed %d/%d in %.0f s" % (i + batch, len(codes), time.time() - t0))
    return torch.cat(out)


def crops(small, big, rows, side, gen):
    """Random aligned crops of small [B, 4, H, W] (the batch's inputs) and of big[rows] (their
    targets): [B, 4, side, side] and [B, 4, 2 side, 2 side]."""
    n, limit = len(rows), small.shape[-1] - side
    ys = torch.randint(0, limit + 1, (n,), generator=gen).tolist()
    xs = torch.randint(0, limit + 1, (n,), generator=gen).tolist()
    xi = torch.stack([small[i, :, y:y + side, x:x + side] for i, (y, x) in enumerate(zip(ys, xs))]).float()
    yt = premul_nchw(np.stack([big[r, 2 * y:2 * (y + side), 2 * x:2 * (x + side)]
                               for r, y, x in zip(rows, ys, xs)]))
    return xi, yt


def evaluate(model, recon, real, big, rows, batch=32):
    """PSNR on white (dB) of bilinear, bicubic and the upscaler, from reconstructions and
    from the real 128 px pictures ({} for no rows)."""
    sums = {}
    if not len(rows):
        return sums
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(rows), batch):
            r = rows[i:i + batch]
            target = premul_nchw(big[r])
            for name, x in (("recon", recon[r].float()), ("real", real[r].float())):
                ups = {"bilinear": F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
                       "bicubic": F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False),
                       "upscaler": model(x)}
                for how, y in ups.items():
                    key = "%s/%s" % (name, how)
                    sums[key] = sums.get(key, 0.0) + psnr_on_white(clamp_premul(y), target) * len(r)
    model.train()
    return {k: round(v / len(rows), 3) for k, v in sums.items()}


def train(model, recon, real, big, train_rows, *, budget_s, max_steps, batch, side, p_real, lr, seed, log):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    t0, step = time.time(), 0
    while True:
        elapsed = time.time() - t0
        if elapsed >= budget_s or (max_steps and step >= max_steps):
            break
        frac = step / max_steps if max_steps else elapsed / budget_s
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))
        pick = torch.randint(0, len(train_rows), (batch,), generator=gen)
        rows = train_rows[pick.numpy()]
        use_real = (torch.rand(batch, generator=gen) < p_real)[:, None, None, None]
        small = torch.where(use_real, real[rows], recon[rows])
        xi, yt = crops(small, big, rows, side, gen)
        # the loss leaves out the border the convs see past (zero padding inside a picture)
        m = 2 * (model.n_mid + 2)
        loss = (model(xi) - yt)[..., m:-m, m:-m].abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            log("step %d loss %.5f lr %.2e %.0f s" % (step, loss.item(), opt.param_groups[0]["lr"], elapsed))
    return step


def main(argv=None):
    from .common import Log, all_cores, seed_all
    from .dataset import load_pack
    from .encode import load_plain_codes_xz
    from .gguf_import import load_gguf
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model file: its VQ decoder")
    ap.add_argument("--codes", required=True, help="codes.npy.xz from gft.encode (same pack order)")
    ap.add_argument("--targets", required=True, help="the .npz of gft.sr_data")
    ap.add_argument("--pack", default=None)
    ap.add_argument("--recon-cache", default=None,
                    help="a .npy to keep the decoded reconstructions in (read when it exists)")
    ap.add_argument("--budget", type=float, default=1800, help="training seconds")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--side", type=int, default=48, help="input crop side in pixels")
    ap.add_argument("--p-real", type=float, default=0.25, help="share of real 128 px inputs")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--n-mid", type=int, default=3)
    ap.add_argument("--n-eval", type=int, default=256, help="held-out images measured")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    log = Log(os.path.splitext(a.output)[0] + ".log")
    seed_all(a.seed)
    m = load_gguf(a.model)
    images, items, split = load_pack(a.pack)
    codes = load_plain_codes_xz(a.codes)
    t = np.load(a.targets)
    rows, big = t["rows"], t["images"]
    log("%d targets of %d pack images" % (len(rows), len(images)))
    if a.recon_cache and os.path.isfile(a.recon_cache):
        recon = torch.from_numpy(np.load(a.recon_cache))
    else:
        with all_cores("cpu"):
            recon = reconstruct(m.decoder, m.codebook, codes[rows], m.kv["gft.image.grid_w"], log=log)
        if a.recon_cache:
            np.save(a.recon_cache, recon.numpy())
    if len(recon) != len(rows):
        raise SystemExit("train_upscaler: %d reconstructions for %d targets" % (len(recon), len(rows)))
    real = premul_nchw(images[rows]).half()
    held = np.nonzero(split[rows] == 1)[0]
    train_rows = np.nonzero(split[rows] != 1)[0]
    eval_rows = held[np.random.default_rng(a.seed).permutation(len(held))[:a.n_eval]]
    eval_rows.sort()
    model = Upscaler(a.channels, a.n_mid)
    log("start", json.dumps(evaluate(model, recon, real, big, eval_rows)))
    steps = train(model, recon, real, big, train_rows, budget_s=a.budget, max_steps=a.max_steps,
                  batch=a.batch, side=a.side, p_real=a.p_real, lr=a.lr, seed=a.seed, log=log)
    figures = evaluate(model, recon, real, big, eval_rows)
    log("after %d steps" % steps, json.dumps(figures))
    save(model, a.output)
    with open(os.path.splitext(a.output)[0] + ".json", "w") as f:
        json.dump({"steps": steps, "held_out_images": len(eval_rows), "psnr_on_white_db": figures,
                   "args": vars(a)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
