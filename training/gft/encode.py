# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn every image (and its mirror image) into a grid of VQ code indices for stage 2.

CLI (CPU or GPU): python3 -m gft.encode --checkpoint final.pt [--pack DIR] -o codes.pt
"""
import argparse
import sys

import torch

from .common import pick_device
from .train_vq import codebook_stats, encode_images


@torch.no_grad()
def encode_all(vq, images, device, batch=256):
    """-> codes int64 [2, N, H*W] (row 1 = mirrored images) on device, plus stats."""
    idx = torch.arange(len(images))
    plain = encode_images(vq, images, idx, device, batch)
    mirror = encode_images(vq, images, idx, device, batch, flip=True)
    codes = torch.stack([plain, mirror]).view(2, len(images), -1).long()
    stats = codebook_stats(plain, vq.cfg.codebook_size)
    stats["background_code"] = background_code(vq, device)
    return codes.to(device), stats


@torch.no_grad()
def background_code(vq, device):
    """The code of a fully transparent patch (the most common token)."""
    empty = torch.zeros(1, 128, 128, 4, dtype=torch.uint8)
    codes = encode_images(vq, empty, torch.arange(1), device)
    return int(torch.mode(codes.reshape(-1)).values)


def main(argv=None):
    from .dataset import load_pack
    from .vq import VQConfig, VQModel

    ap = argparse.ArgumentParser(description="encode the pack to VQ codes")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--pack", default=None)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    ck = torch.load(a.checkpoint, map_location="cpu")
    cfg = ck["vq_cfg"]
    for k in ("dec_channels", "enc_channels"):
        cfg[k] = tuple(cfg[k])
    vq = VQModel(VQConfig(**cfg))
    vq.load_state_dict({k: v.float() for k, v in ck["vq"].items()})
    dev = pick_device()
    vq.to(dev).eval()
    images, items, split = load_pack(a.pack)
    codes, stats = encode_all(vq, torch.from_numpy(images), dev)
    torch.save(dict(codes=codes.to(torch.int16).cpu(), stats=stats), a.output)
    print("encoded", len(images), "images:", stats, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

