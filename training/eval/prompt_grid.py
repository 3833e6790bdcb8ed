# SPDX-License-Identifier: GPL-3.0-or-later
"""A labelled grid of engine outputs: one row per (model, prompt), one column per seed. For the
acceptance check in the model card (the same prompts and seeds across models).

  cd training && python3 -m eval.prompt_grid --engine ../build/cli/gft \
      --model new=../models/gft-emoji.gguf --model old=/tmp/old.gguf \
      -p "red apple" -p "红苹果" --seed 100 -v 8 -o ../docs/acceptance.png
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

from .contact_sheet import checker, font


def render_row(engine, model, prompt, seed, n, extra, tmp):
    out = os.path.join(tmp, "img.png")
    for f in glob.glob(os.path.join(tmp, "img*.png")):
        os.remove(f)
    cmd = [engine, "generate", "-m", model, "-p", prompt, "--seed", str(seed), "-v", str(n), "-o", out] + extra
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(tmp, "img-*.png")), key=lambda p: int(p.rsplit("-", 1)[1][:-4]))
    return [Image.open(f).convert("RGBA") for f in (files or [out])]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True)
    ap.add_argument("--model", action="append", required=True, help="LABEL=PATH (repeatable)")
    ap.add_argument("-p", "--prompt", action="append", required=True)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("-v", "--variations", type=int, default=8)
    ap.add_argument("--cell", type=int, default=96)
    ap.add_argument("--extra", default="", help="more gft generate options, e.g. '--guidance 2'")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    models = [m.split("=", 1) for m in a.model]
    rows = [(label, path, p) for label, path in models for p in a.prompt]
    label_w, c = 260, a.cell
    sheet = Image.new("RGBA", (label_w + c * a.variations, c * len(rows)), (255, 255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    fnt = font(16)
    board = checker(c, c).convert("RGBA")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, path, prompt) in enumerate(rows):
            imgs = render_row(a.engine, path, prompt, a.seed, a.variations, a.extra.split(), tmp)
            draw.text((8, i * c + c // 2 - 20), label, fill=(90, 90, 90, 255), font=fnt)
            draw.text((8, i * c + c // 2 + 2), prompt, fill=(0, 0, 0, 255), font=fnt)
            for j, im in enumerate(imgs):
                cell = board.copy()
                cell.alpha_composite(im.resize((c, c), Image.LANCZOS))
                sheet.paste(cell, (label_w + j * c, i * c))
    sheet.convert("RGB").save(a.output)
    print("wrote", a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
