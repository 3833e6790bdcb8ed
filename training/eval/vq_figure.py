# SPDX-License-Identifier: GPL-3.0-or-later
"""Figure of the image tokenizer on held-out-concept images: originals (top row of each pair)
and their reconstructions through 16 x 16 codes (one row per tokenizer given), composited on
a checkerboard so the alpha shows. Also prints the figure's images' PSNR on white.

  cd training && python3 -m eval.vq_figure --run runs/gpu2 -o ../docs/vq-reconstructions.png
  cd training && python3 -m eval.vq_figure --vq OLD.pt --vq NEW.pt -o compare.png
"""
import argparse
import sys

import numpy as np
import torch

from gft.common import composite, premultiply, psnr
from gft.dataset import load_pack
from gft.vq import load_vq

from .local_eval import load_models


def checker(n, cell=8):
    y, x = np.mgrid[0:n, 0:n]
    c = ((x // cell + y // cell) % 2).astype(np.float32)
    return torch.from_numpy(0.8 + 0.15 * c)  # light greys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", help="a run folder (its final.pt's tokenizer)")
    ap.add_argument("--vq", action="append", default=[],
                    help="a checkpoint with vq and vq_cfg (repeat: one row each)")
    ap.add_argument("--pack", default=None)
    ap.add_argument("-n", type=int, default=16, help="images (held-out concepts, evenly spaced)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    from PIL import Image
    torch.set_num_threads(1)
    vqs = [load_models(a.run.rstrip("/") + "/final.pt")[1]] if a.run else []
    vqs += [load_vq(path) for path in a.vq]
    if not vqs:
        ap.error("give --run or --vq")
    images, items, split = load_pack(a.pack)
    held = np.flatnonzero(np.asarray(split) != 0)
    pick = held[np.linspace(0, len(held) - 1, a.n).astype(int)]
    x = premultiply(torch.from_numpy(images[pick]))
    recs = []
    for vq in vqs:
        with torch.no_grad():
            rec = vq.decode_indices(vq.encode(x)).float()
        p = psnr(composite(rec, 1.0), composite(x, 1.0))
        print("PSNR on white of these %d images: mean %.2f dB, min %.2f dB" % (a.n, p.mean(), p.min()))
        recs.append(rec)
    bg = checker(128)
    rows = []
    for batch in [x] + recs:
        tiles = [(t[:3] + (1 - t[3:4]) * bg).clamp(0, 1) for t in batch]
        rows.append(torch.cat(tiles, 2))
    grid = torch.cat(rows, 1).permute(1, 2, 0).numpy()
    Image.fromarray((grid * 255 + 0.5).astype(np.uint8)).save(a.output, optimize=True)
    print("wrote", a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
