# SPDX-License-Identifier: GPL-3.0-or-later
"""A small synthetic pack (gft-pack-v1, as gft.dataset reads it) for dry runs and tests:
coloured shapes with multilingual names, so every training path can run without the real data.

  cd training && python3 -m eval.fake_pack --out /tmp/fakepack --n 600
"""
import argparse
import json
import lzma
import os

import numpy as np

COLOURS = {"red": ((220, 40, 40), "红", "rot", "rouge"), "green": ((40, 180, 60), "绿", "grün", "vert"),
           "blue": ((40, 80, 220), "蓝", "blau", "bleu"), "yellow": ((240, 210, 30), "黄", "gelb", "jaune"),
           "purple": ((140, 60, 190), "紫", "lila", "violet")}
SHAPES = {"circle": ("圆", "Kreis", "cercle"), "square": ("方块", "Quadrat", "carré"),
          "triangle": ("三角", "Dreieck", "triangle"), "ring": ("环", "Ring", "anneau")}
STYLES = ("noto", "twemoji", "fluent")


def draw(shape, rgb, style, rng, size=128):
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2 + rng.uniform(-6, 6, 2)
    r = size * rng.uniform(0.3, 0.4)
    d = np.hypot(xx - c[0], yy - c[1])
    if shape == "circle":
        m = d < r
    elif shape == "ring":
        m = (d < r) & (d > r * 0.6)
    elif shape == "square":
        m = (np.abs(xx - c[0]) < r * 0.85) & (np.abs(yy - c[1]) < r * 0.85)
    else:
        m = (yy - c[1] < r * 0.8) & (np.abs(xx - c[0]) < (yy - c[1] + r) * 0.6)
    img = np.zeros((size, size, 4), np.uint8)
    col = np.array(rgb, np.float32)
    if style == "fluent":  # a vertical gradient
        col = col[None, None] * (0.7 + 0.3 * (yy / size))[..., None]
    img[..., :3] = np.where(m[..., None], col, 0).astype(np.uint8)
    img[..., 3] = np.where(m, 255, 0)
    if style == "noto":  # dark outline
        edge = m & ~(np.roll(m, 2, 0) & np.roll(m, -2, 0) & np.roll(m, 2, 1) & np.roll(m, -2, 1))
        img[edge, :3] = 30
    return img


def make_pack(out, n, seed=0):
    rng = np.random.RandomState(seed)
    concepts, rows, imgs, split = {}, [], [], []
    combos = [(c, s) for c in COLOURS for s in SHAPES]
    for k in range(n):
        cname, sname = combos[k % len(combos)]
        style = STYLES[(k // len(combos)) % len(STYLES)]
        cid = "emoji:F%03d" % combos.index((cname, sname))
        col = COLOURS[cname]
        shp = SHAPES[sname]
        concepts[cid] = dict(
            labels={"en": f"{cname} {sname}", "zh": col[1] + shp[0], "de": f"{col[2]} {shp[1]}",
                    "fr": f"{shp[2]} {col[3]}"},
            tags={"en": [cname, sname, "shape"], "zh": [col[1], shp[0]], "de": [col[2]], "fr": []},
            emoji=chr(0x1F7E0 + combos.index((cname, sname)) % 12), group="symbols")
        rows.append(dict(id=f"{style}/{cname}-{sname}-{k}", source=style, style=style, concept=cid,
                         flip_ok=sname != "triangle", license="CC0-1.0"))
        imgs.append(draw(sname, col[0], style, rng))
        split.append(1 if (cname, sname) == ("purple", "ring") else 0)
    os.makedirs(out, exist_ok=True)
    blob, chunks = bytearray(), []
    arr = np.stack(imgs)
    for i in range(0, len(arr), 64):
        part = arr[i:i + 64].transpose(0, 3, 1, 2)
        delta = np.diff(part, axis=3, prepend=np.zeros_like(part[..., :1])).astype(np.uint8)
        data = lzma.compress(delta.tobytes(), preset=1)
        chunks.append(dict(offset=len(blob), length=len(data), count=len(part), delta=True))
        blob += data
    with open(os.path.join(out, "images.bin"), "wb") as f:
        f.write(blob)
    meta = dict(format="gft-pack-v1", size=128, encoding="lzma-planar", chunks=chunks, items=rows,
                concepts=concepts, split=split)
    with lzma.open(os.path.join(out, "meta.json.xz"), "wt", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=600)
    a = ap.parse_args(argv)
    make_pack(a.out, a.n)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
