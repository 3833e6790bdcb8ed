# SPDX-License-Identifier: GPL-3.0-or-later
"""Figure of the 2x upscaler on the engine's own pictures: for each prompt, the picture at the
decoder's size blown up by bicubic 2x (what an image editor does to a 128 px layer) beside the
same picture through the model file's upscaler, each on a checkerboard, and a 2x close-up of
the same part of the outline. The same seed gives the same tokens, so both columns hold the same drawing.

  cd training && python3 -m eval.upscale_figure --engine ../build/cli/gft \\
      --model ../models/gft-emoji.gguf -p "red apple" -p "sun" --seed 100 -o ../docs/upscaler.png
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw

from .contact_sheet import checker, font


def generate(engine, model, prompt, seed, native, path):
    cmd = [engine, "generate", "-m", model, "-p", prompt, "--seed", str(seed), "-q", "-o", path]
    subprocess.run(cmd + (["--native-size"] if native else []), check=True)
    return Image.open(path).convert("RGBA")


def bicubic_2x(im):
    """Bicubic 2x on premultiplied pixels (Pillow resamples RGBA premultiplied)."""
    return im.resize((im.width * 2, im.height * 2), Image.BICUBIC)


def edge_box(im, frac=0.5):
    """A frac x frac window of im around the upper right of the drawing's outline (where edges
    show), inside the picture."""
    w, h = im.size
    a = np.asarray(im)[..., 3]
    ys, xs = np.nonzero(a > 128)
    if not len(xs):
        ys, xs = np.array([0, h - 1]), np.array([0, w - 1])
    cx = xs.min() + 0.85 * (xs.max() - xs.min())
    cy = ys.min() + 0.25 * (ys.max() - ys.min())
    bw, bh = int(w * frac), int(h * frac)
    x0 = int(min(max(cx - bw / 2, 0), w - bw))
    y0 = int(min(max(cy - bh / 2, 0), h - bh))
    return (x0, y0, x0 + bw, y0 + bh)


def close_up(im, box):
    """box of im, blown up to im's size by nearest neighbour."""
    return im.crop(box).resize(im.size, Image.NEAREST)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True)
    ap.add_argument("--model", required=True, help="a model file with an upscaler")
    ap.add_argument("-p", "--prompt", action="append", required=True)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    fnt = font(15)
    cols = ["bicubic 2x", "upscaler", "bicubic, close-up", "upscaler, close-up"]
    side, head, label_w = 256, 24, 200
    sheet = Image.new("RGBA", (label_w + side * len(cols), head + side * len(a.prompt)), (255, 255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for j, name in enumerate(cols):
        draw.text((label_w + j * side + 8, 4), name, fill=(60, 60, 60, 255), font=fnt)
    board = checker(side, side).convert("RGBA")
    with tempfile.TemporaryDirectory() as tmp:
        for i, prompt in enumerate(a.prompt):
            small = generate(a.engine, a.model, prompt, a.seed, True, os.path.join(tmp, "n.png"))
            big = generate(a.engine, a.model, prompt, a.seed, False, os.path.join(tmp, "u.png"))
            if big.size != (2 * small.width, 2 * small.height):
                raise SystemExit("upscale_figure: %s has no upscaler (%s, %s)" % (a.model, small.size, big.size))
            pics = [bicubic_2x(small), big]
            box = edge_box(big)
            pics += [close_up(p, box) for p in pics]
            draw.text((8, head + i * side + side // 2 - 8), prompt, fill=(0, 0, 0, 255), font=fnt)
            for j, pic in enumerate(pics):
                cell = board.copy()
                cell.alpha_composite(pic)
                sheet.paste(cell, (label_w + j * side, head + i * side))
    sheet.convert("RGB").save(a.output, optimize=True)
    print("wrote", a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
