# SPDX-License-Identifier: GPL-3.0-or-later
"""Render a contact sheet: one cell per prompt with its seeds side by side, over a light
checkerboard (so transparency shows), the prompt written under each cell.

Sources of images:
  --samples samples.pt --checkpoint final.pt   tokens from the training run, decoded here with
                                                the checkpoint's VQ decoder (PyTorch, CPU)
  --pngdir DIR                                 PNGs DIR/<prompt index>_<seed>.png
  --engine GFT --model M.gguf --pngdir DIR      first make those PNGs with the C engine's
                                                `gft generate` (its PCG32 seeds, model defaults)

  cd training && python3 -m eval.contact_sheet --samples runs/gpu/samples.pt \
      --checkpoint runs/gpu/final.pt -o ../docs/contact-sheet.png
"""
import argparse
import os

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

FONTS = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]


def font(size):
    for f in FONTS:
        if os.path.exists(f):
            return ImageFont.truetype(f, size)
    return ImageFont.load_default()


def checker(w, h, sq=8):
    yy, xx = np.mgrid[0:h, 0:w]
    c = np.where(((yy // sq) + (xx // sq)) % 2 == 0, 236, 250).astype(np.uint8)
    return Image.fromarray(np.stack([c, c, c], -1), "RGB")


def straight_u8(premul):
    """[4, H, W] premultiplied float -> straight RGBA uint8 image (engine rule)."""
    from gft.vq import unpremultiply_u8
    return Image.fromarray(unpremultiply_u8(premul.permute(1, 2, 0).float()).numpy(), "RGBA")


def render(prompts, images, seeds, out, cols=6, tile=128, title=None):
    """images[p][s]: PIL RGBA tiles. Writes a PNG."""
    n_s = len(seeds)
    cell_w, label_h, pad = n_s * tile + (n_s - 1) * 2, 26, 10
    rows = (len(prompts) + cols - 1) // cols
    head = 36 if title else 0
    W = cols * cell_w + (cols + 1) * pad
    H = head + rows * (tile + label_h + pad) + pad
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    f = font(15)
    if title:
        draw.text((pad, 8), title, fill=(20, 20, 20), font=font(18))
    for i, p in enumerate(prompts):
        r, c = divmod(i, cols)
        x0 = pad + c * (cell_w + pad)
        y0 = head + pad + r * (tile + label_h + pad)
        for k in range(n_s):
            bg = checker(tile, tile)
            im = images[i][k].resize((tile, tile), Image.LANCZOS) if images[i][k].size != (tile, tile) \
                else images[i][k]
            bg.paste(im, (0, 0), im)
            sheet.paste(bg, (x0 + k * (tile + 2), y0))
        text = p if len(p) <= 40 else p[:38] + "…"
        draw.text((x0, y0 + tile + 4), text, fill=(20, 20, 20), font=f)
    sheet.save(out, optimize=True)
    return out


def from_samples(samples_path, checkpoint_path):
    from gft.export_gguf import load_checkpoint
    s = torch.load(samples_path, map_location="cpu")
    _, dec, codebook, _, _, _, vcfg, _ = load_checkpoint(checkpoint_path)
    prompts, seeds = s["prompts"], s["seeds"]
    toks = s["tokens"].long()
    g = int(round(toks.shape[1] ** 0.5))
    imgs = []
    with torch.no_grad():
        for i in range(0, len(toks), 16):
            z = codebook[toks[i:i + 16].view(-1, g, g)].permute(0, 3, 1, 2).float()
            imgs.append(dec(z).clamp(0, 1))
    imgs = torch.cat(imgs)
    tiles = [[straight_u8(imgs[p * len(seeds) + k]) for k in range(len(seeds))] for p in range(len(prompts))]
    return prompts, seeds, tiles, s.get("sampling")


def from_pngdir(pngdir, prompts, seeds):
    return [[Image.open(os.path.join(pngdir, "%02d_%d.png" % (i, sd))).convert("RGBA") for sd in seeds]
            for i in range(len(prompts))]


def engine_pngs(engine, model, pngdir, prompts, seeds, threads=1):
    """Runs `gft generate` once per prompt (variations = seeds, consecutive from seeds[0])."""
    import subprocess
    os.makedirs(pngdir, exist_ok=True)
    for i, p in enumerate(prompts):
        base = os.path.join(pngdir, "%02d.png" % i)
        subprocess.run([engine, "generate", "-m", model, "-p", p, "--seed", str(seeds[0]),
                        "-v", str(len(seeds)), "-t", str(threads), "-q", "-o", base], check=True)
        for k, sd in enumerate(seeds):
            src = base if len(seeds) == 1 else os.path.join(pngdir, "%02d-%d.png" % (i, k + 1))
            os.replace(src, os.path.join(pngdir, "%02d_%d.png" % (i, sd)))


def engine_title(model):
    """The sheet's title for PNGs the engine made at a model file's own defaults."""
    from gft.gguf_writer import GGUFFile
    kv = GGUFFile(model).kv
    k = kv.get("gft.sampling.candidates", 1)
    return ("gft-emoji (%s): 48 prompts x seeds 0-3 from `gft generate`, defaults: guidance %g, "
            "temperature %g, top-k %d, top-p %g%s" % (
                os.path.basename(model), kv["gft.sampling.guidance"], kv["gft.sampling.temperature"],
                kv["gft.sampling.top_k"], kv["gft.sampling.top_p"], ", best of %d" % k if k > 1 else ""))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples")
    ap.add_argument("--checkpoint")
    ap.add_argument("--pngdir")
    ap.add_argument("--engine", help="the gft CLI; with --model, generate the PNGs first")
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--title", default=None)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    if a.pngdir:
        from .prompts import CONTACT_SHEET
        seeds = [int(x) for x in a.seeds.split(",")]
        if a.engine:
            engine_pngs(a.engine, a.model, a.pngdir, CONTACT_SHEET, seeds, a.threads)
        tiles = from_pngdir(a.pngdir, CONTACT_SHEET, seeds)
        prompts = CONTACT_SHEET
    else:
        prompts, seeds, tiles, sampling = from_samples(a.samples, a.checkpoint)
    title = a.title or (engine_title(a.model) if a.engine and a.model else None)
    render(prompts, tiles, seeds, a.output, title=title)
    print("wrote", a.output)


if __name__ == "__main__":
    main()
