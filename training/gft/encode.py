# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn every image into grids of VQ code indices for stage 2: the image as stored, its mirror
image, and n_aug random re-framings (shrunk to 75-100 %, moved, mirrored where allowed).

The re-framings move the picture by fractions of a token, so the transformer sees different
token sequences for the same picture and cannot just memorise the few images of a concept.

CLI (CPU or GPU): python3 -m gft.encode --checkpoint final.pt [--pack DIR] -o codes.pt
"""
import argparse
import sys

import torch
import torch.nn.functional as F

from .common import all_cores, pick_device, premultiply
from .train_vq import codebook_stats, encode_images, encode_premul

MIN_SCALE = 0.75


def reframe(x, scale, centre, mirror):
    """Premultiplied [B, 4, S, S] -> the picture scaled by `scale` [B], its centre moved to
    `centre` [B, 2] (normalised coordinates, -1..1), mirrored where `mirror` [B]; the area
    around it is transparent. Bilinear with zero padding."""
    inv = 1.0 / scale
    sx = torch.where(mirror, -inv, inv)
    theta = torch.zeros(len(x), 2, 3, device=x.device)
    theta[:, 0, 0] = sx
    theta[:, 1, 1] = inv
    theta[:, 0, 2] = -centre[:, 0] * sx
    theta[:, 1, 2] = -centre[:, 1] * inv
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@torch.no_grad()
def encode_reframed(vq, images, flip_ok, device, seed, batch=256):
    """One random re-framing of every image -> codes int16 [N, H, W] (CPU)."""
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    n = len(images)
    scale = MIN_SCALE + (1 - MIN_SCALE) * torch.rand(n, generator=g)
    centre = (torch.rand(n, 2, generator=g) * 2 - 1) * (1 - scale).unsqueeze(1)
    mirror = (torch.rand(n, generator=g) < 0.5) & flip_ok
    out = []
    for i in range(0, n, batch):
        sl = slice(i, i + batch)
        x = premultiply(images[sl].to(device))
        x = reframe(x, scale[sl].to(device), centre[sl].to(device), mirror[sl].to(device))
        out.append(encode_premul(vq, x, device).to(torch.int16).cpu())
    return torch.cat(out)


@torch.no_grad()
def encode_all(vq, images, device, batch=256, flip_ok=None, n_aug=0, seed=0):
    """-> codes int64 [2 + n_aug, N, H*W] on device (row 0 = images as stored, row 1 = mirrored,
    rows 2.. = random re-framings, mirrored only where flip_ok), plus codebook stats."""
    idx = torch.arange(len(images))
    plain = encode_images(vq, images, idx, device, batch)
    rows = [plain, encode_images(vq, images, idx, device, batch, flip=True)]
    if n_aug:
        ok = torch.zeros(len(images), dtype=torch.bool) if flip_ok is None else torch.as_tensor(flip_ok)
        rows += [encode_reframed(vq, images, ok, device, seed * 1000 + k, batch) for k in range(n_aug)]
    codes = torch.stack(rows).view(len(rows), len(images), -1).long()
    stats = codebook_stats(plain, vq.cfg.codebook_size)
    stats["background_code"] = background_code(vq, device)
    stats["background_fraction"] = round(float((plain == stats["background_code"]).double().mean()), 4)
    return codes.to(device), stats


@torch.no_grad()
def background_code(vq, device):
    """The code of a fully transparent patch: the reserved one, else the most common code of
    an empty image."""
    if vq.cfg.bg_code >= 0:
        return vq.cfg.bg_code
    empty = torch.zeros(1, 128, 128, 4, dtype=torch.uint8)
    codes = encode_images(vq, empty, torch.arange(1), device)
    return int(torch.mode(codes.reshape(-1)).values)


def save_codes_xz(codes, path, part_bytes=15 * 1024 * 1024):
    """int16 codes -> <path> (xz-compressed .npy), split into <path>.partNN files of at most
    part_bytes when larger (the GPU machine returns files of <= 16 MiB). -> list of files."""
    import io
    import lzma

    import numpy as np
    buf = io.BytesIO()
    np.save(buf, codes.astype(np.int16))
    data = lzma.compress(buf.getvalue(), preset=6)
    if len(data) <= part_bytes:
        with open(path, "wb") as f:
            f.write(data)
        return [path]
    names = []
    for k in range(0, len(data), part_bytes):
        names.append("%s.part%02d" % (path, k // part_bytes))
        with open(names[-1], "wb") as f:
            f.write(data[k:k + part_bytes])
    return names


def load_codes_xz(path):
    """Inverse of save_codes_xz (reads <path> or its .partNN files)."""
    import glob
    import io
    import lzma

    import numpy as np
    parts = sorted(glob.glob(glob.escape(path) + ".part*"))
    data = b"".join(open(p, "rb").read() for p in parts) if parts else open(path, "rb").read()
    return np.load(io.BytesIO(lzma.decompress(data)))


def load_plain_codes_xz(path):
    """load_codes_xz's codes of the images as they are: [N, tokens] (of [augmentation, N,
    tokens], the first)."""
    codes = load_codes_xz(path)
    return codes[0] if codes.ndim == 3 else codes


def main(argv=None):
    import json

    from .dataset import load_pack
    from .vq import load_vq

    ap = argparse.ArgumentParser(description="encode the pack to VQ codes")
    ap.add_argument("--checkpoint", required=True, help="a run's final.pt (or any file with vq, vq_cfg)")
    ap.add_argument("--pack", default=None)
    ap.add_argument("--n-aug", type=int, default=0, help="random re-framings per image")
    ap.add_argument("--seed", type=int, default=1234, help="the training run's seed (same re-framings)")
    ap.add_argument("--max-images", type=int, default=0, help="only the first N images (tests)")
    ap.add_argument("-o", "--output", required=True,
                    help="codes.pt (torch) or codes.npy.xz (xz, split into <= 15 MiB parts)")
    a = ap.parse_args(argv)
    vq = load_vq(a.checkpoint)
    dev = pick_device()
    vq.to(dev).eval()
    images, items, split = load_pack(a.pack)
    if a.max_images:
        images, items = images[:a.max_images], items[:a.max_images]
    flip_ok = torch.tensor([bool(it.get("flip_ok", False)) for it in items])
    images_t = torch.from_numpy(images)
    if dev.type == "cuda":
        images_t = images_t.to(dev)
    with torch.no_grad(), all_cores(dev):  # inference: every core (the pipeline's stage does the same)
        codes, stats = encode_all(vq, images_t, dev, flip_ok=flip_ok, n_aug=a.n_aug, seed=a.seed)
    codes = codes.to(torch.int16).cpu()
    if a.output.endswith(".xz"):
        stats["files"] = save_codes_xz(codes.numpy(), a.output)
        stats["shape"] = list(codes.shape)
        with open(a.output + ".json", "w") as f:
            json.dump(stats, f, indent=1)
    else:
        torch.save(dict(codes=codes, stats=stats), a.output)
    print("encoded", len(images), "images:", stats, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
