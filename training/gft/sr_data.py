# SPDX-License-Identifier: GPL-3.0-or-later
"""Targets for the 2x upscaler: the emoji and icons of the pack rendered again at 256 px.

The vector sources give sharp targets at any size, so each emoji and icon SVG is rendered by
rsvg-convert with the same framing as the 128 px pack (the art fitted into a 240 px box on a
256 px canvas, twice the 120-in-128 of ``data/render.py``). Clip art is left out: its 128 px
framing crops and resamples, which does not scale exactly. A render whose 2x box-filtered copy
does not match the pack's 128 px image (odd sizes centre half a pixel apart) is dropped.

Writes ``<out>.npz``: ``rows`` (pack rows) and ``images`` [N, 256, 256, 4] uint8 straight RGBA.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SIDE = 256
BOX = 240
MIN_MATCH_DB = 30.0  # PSNR of the 2x box-filtered render against the pack image
SOURCES = ("noto", "twemoji", "fluent", "flat-color-icons")


def svg_path(svg_dir, item_id):
    return os.path.join(svg_dir, item_id + ".svg")


def render(svg, side=SIDE, box=BOX):
    """-> [side, side, 4] uint8 straight RGBA with no colour under full transparency."""
    out = subprocess.run(["rsvg-convert", "-f", "png", "-w", str(box), "-h", str(box), "-a", svg],
                         capture_output=True, timeout=40, check=False)
    if out.returncode != 0:
        raise ValueError("rsvg-convert failed on " + svg)
    with Image.open(io.BytesIO(out.stdout)) as im:
        im = im.convert("RGBA")
        canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        canvas.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
    arr = np.asarray(canvas).copy()
    arr[arr[..., 3] == 0, :3] = 0
    return arr


def match_db(big, small):
    """PSNR on white (dB) of the 2x render box-filtered to the pack picture's size against it
    (both straight RGBA uint8 [H, W, 4])."""
    from .common import composite, premultiply, psnr
    to_t = lambda u8: premultiply(torch.from_numpy(np.ascontiguousarray(u8))[None])  # noqa: E731
    down = F.avg_pool2d(to_t(big), 2)
    return float(psnr(composite(down, 1.0), composite(to_t(small), 1.0))[0])


def _job(args):
    row, svg = args
    try:
        return row, render(svg)
    except (ValueError, OSError, subprocess.TimeoutExpired):
        return row, None


def build(images, items, svg_dir, workers=2, limit=None, log=print):
    """Render every emoji and icon row of the pack; -> (rows int32 [N], images uint8 [N,256,256,4])."""
    jobs = [(r, svg_path(svg_dir, it["id"])) for r, it in enumerate(items)
            if it["source"] in SOURCES and os.path.isfile(svg_path(svg_dir, it["id"]))]
    if limit:
        jobs = jobs[:limit]
    rows, out, dropped, t0 = [], [], 0, time.time()
    with Pool(workers) as pool:
        for i, (row, big) in enumerate(pool.imap(_job, jobs, 16)):
            # the match is checked here, not in the rendering workers: no torch after fork
            if big is None or match_db(big, images[row]) < MIN_MATCH_DB:
                dropped += 1
            else:
                rows.append(row)
                out.append(big)
            if (i + 1) % 2000 == 0:
                log("sr_data: %d/%d rendered (%d dropped) in %.0f s" % (i + 1, len(jobs), dropped, time.time() - t0))
    log("sr_data: %d targets, %d dropped (no render or no match), %.0f s" % (len(rows), dropped, time.time() - t0))
    return np.asarray(rows, np.int32), np.stack(out) if out else np.zeros((0, SIDE, SIDE, 4), np.uint8)


def upsampled_pack(images, limit=None):
    """Targets for a dry run on a synthetic pack that has no SVGs: the pack's own pictures,
    Lanczos 2x (premultiplied, as Pillow resamples RGBA). Not for training a real upscaler."""
    n = min(len(images), limit or len(images))
    out = np.stack([np.asarray(Image.fromarray(images[i], "RGBA").resize((SIDE, SIDE), Image.LANCZOS))
                    for i in range(n)])
    return np.arange(n, dtype=np.int32), out


def main(argv=None):
    from .dataset import load_pack
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default=None)
    ap.add_argument("--svg-dir", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                      "data", "cache", "svg"))
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--limit", type=int, default=None, help="render only the first N (tests)")
    ap.add_argument("--upsampled-pack", action="store_true",
                    help="dry runs on a synthetic pack: Lanczos 2x of the pack's pictures, no SVGs")
    ap.add_argument("-o", "--output", required=True, help="the .npz to write")
    a = ap.parse_args(argv)
    images, items, _ = load_pack(a.pack)
    if a.upsampled_pack:
        rows, big = upsampled_pack(images, a.limit)
    else:
        rows, big = build(images, items, a.svg_dir, a.workers, a.limit)
    if not len(rows):
        raise SystemExit("sr_data: no target rendered (are the SVGs in %s?)" % a.svg_dir)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tmp = a.output + ".tmp.npz"
    np.savez(tmp, rows=rows, images=big)
    os.replace(tmp, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
