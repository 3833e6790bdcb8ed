# SPDX-License-Identifier: GPL-3.0-or-later
"""Train the CNN judge (eval/judge.py) from a model file and the pack's code grids alone.

Why: the judge used to come out of the first GPU run (its final.pt, trained on the rendered art
and its VQ reconstructions). That file is not in git, and a new machine lacks it. A GPU call
cannot carry the rendered art beside the model file (64 MiB), but the code grids are small:
the model file's own VQ decoder turns each grid back into a picture. So this judge learns from
the reconstructions of every real image (as stored, mirrored and re-framed: all the grids
gft.encode made), i.e. real art as the decoder draws it. Generated samples are never used.
One image of every concept with two or more is held out (eval.judge.judge_split) and its
stored grid measures the judge.

  cd training && python3 -m eval.judge_train --model ../models/gft-emoji.gguf \\
      --codes runs/codes-gpu2/codes-gpu2.npy.xz --meta ../.devdata/pack/meta.json.xz \\
      -o runs/judge/judge-gpu2.pt            # 25 s of training on a GPU (the GPU tier's judge)
"""
import argparse
import os
import sys
import time

import torch

import torch.nn.functional as F

from gft.common import all_cores, pick_device, seed_all
from gft.dataset import load_meta
from gft.encode import load_codes_xz
from gft.gguf_import import load_gguf
from gft.sample import decode_tokens

from .judge import train_judge

# the GPU tier's judge (gft/pipeline.py TIERS["gpu"]): the size every CNN figure used
WIDTH = (48, 96, 192, 256)


def to_64(premul):
    """The judge's 64 px input: the 2 x 2 box filter of a 128 px decoder (gft.common.judge_input),
    any other size (tiny test models) by area resampling."""
    return F.interpolate(premul, size=(64, 64), mode="area")


@torch.no_grad()
def reconstructions(m, codes, device, batch=512, limit=None):
    """code grids int [V, N, H*W] -> 64 px premultiplied float16 [V, N, 4, 64, 64] on device
    (with limit, only the first `limit` images are decoded and the rest stay blank)."""
    decoder, codebook = m.decoder.float().to(device).eval(), m.codebook.float().to(device)
    g_h, g_w = m.gft.cfg.grid_h, m.gft.cfg.grid_w
    out = torch.zeros((codes.shape[0], codes.shape[1], 4, 64, 64), dtype=torch.float16, device=device)
    n = codes.shape[1] if limit is None else min(limit, codes.shape[1])
    with all_cores(device):
        for v in range(codes.shape[0]):
            for i in range(0, n, batch):
                toks = torch.from_numpy(codes[v, i:min(i + batch, n)].astype("int64"))
                premul, _ = decode_tokens((decoder, codebook), toks, g_h, g_w)
                out[v, i:i + len(toks)] = to_64(premul.permute(0, 3, 1, 2).float()).half()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the model file whose VQ decoder draws the grids")
    ap.add_argument("--codes", required=True, help="the pack's code grids (gft.encode) for this model")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("-o", "--output", required=True, help="the judge file (eval.judge.load_judge reads it)")
    ap.add_argument("--budget", type=float, default=25.0, help="training seconds")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--variants", type=int, default=0, help="use only the first N grids per image (0: all)")
    ap.add_argument("--max-steps", type=int, default=None, help="dry runs and tests")
    ap.add_argument("--max-items", type=int, default=0,
                    help="decode only the pack's first N images, the rest stay blank (dry runs and tests)")
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args(argv)
    t0 = time.time()
    seed_all(a.seed)
    device = pick_device()
    out_dir = os.path.dirname(os.path.abspath(a.output))
    os.makedirs(out_dir, exist_ok=True)

    def log(*args):
        print("[%7.1fs]" % (time.time() - t0), *args, file=sys.stderr, flush=True)

    m = load_gguf(a.model)
    items, _ = load_meta(a.meta)
    codes = load_codes_xz(a.codes)
    if codes.shape[1] != len(items):
        raise SystemExit("judge_train: %d code grids for %d items: not the same pack" % (codes.shape[1], len(items)))
    if a.variants:
        codes = codes[:a.variants]
    x = reconstructions(m, codes, device, limit=a.max_items or None)
    n = min(a.max_items or codes.shape[1], codes.shape[1])
    log("decoded %d x %d grids in %.1fs" % (x.shape[0], n, time.time() - t0))
    judge, names, stats = train_judge(x, None, items, budget_s=a.budget, device=device, log=log, seed=a.seed,
                                      batch=a.batch, width=WIDTH, max_steps=a.max_steps)
    stats.update(source="VQ reconstructions (%d grids per image) by %s" % (x.shape[0], os.path.basename(a.model)),
                 device=torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu")
    torch.save(dict(judge={k: v.half() if v.is_floating_point() else v for k, v in judge.state_dict().items()},
                    judge_classes=names, judge_width=list(WIDTH), judge_stats=stats), a.output)
    log("judge written to %s" % a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
