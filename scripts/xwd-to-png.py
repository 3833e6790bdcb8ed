#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Converts an xwd screen dump (24-bit TrueColor, 32 bits per pixel, as `xwd -root` writes on
Xvfb) to PNG with Pillow, so the screenshot scripts need no ImageMagick.

  scripts/xwd-to-png.py SCREEN.xwd OUT.png
"""
import struct
import sys

import numpy as np
from PIL import Image

FIELDS = ("header_size", "file_version", "pixmap_format", "pixmap_depth", "pixmap_width",
          "pixmap_height", "xoffset", "byte_order", "bitmap_unit", "bitmap_bit_order", "bitmap_pad",
          "bits_per_pixel", "bytes_per_line", "visual_class", "red_mask", "green_mask", "blue_mask",
          "bits_per_rgb", "colormap_entries", "ncolors")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: xwd-to-png.py SCREEN.xwd OUT.png")
    with open(argv[1], "rb") as f:
        data = f.read()
    h = dict(zip(FIELDS, struct.unpack(">20I", data[:80])))
    if h["bits_per_pixel"] != 32 or h["pixmap_depth"] != 24 or h["red_mask"] != 0xFF0000:
        sys.exit("xwd-to-png.py: only 24-bit TrueColor dumps at 32 bits per pixel are read")
    w, rows, stride = h["pixmap_width"], h["pixmap_height"], h["bytes_per_line"]
    start = h["header_size"] + h["ncolors"] * 12  # header (with the window name), colour map
    px = np.frombuffer(data, np.uint8, stride * rows, start).reshape(rows, stride)[:, :w * 4]
    px = px.reshape(rows, w, 4)
    rgb = px[..., [2, 1, 0]] if h["byte_order"] == 0 else px[..., [1, 2, 3]]  # LSB first: B G R x
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(argv[2], optimize=True)


if __name__ == "__main__":
    main(sys.argv)
