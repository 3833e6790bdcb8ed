# SPDX-License-Identifier: GPL-3.0-or-later
"""Render SVGs to 128x128 straight-RGBA PNGs with rsvg-convert.

Emoji and icons keep their own framing (the whole viewBox is fitted into
the 120 px box: their designed padding is part of the style). Clip art is
rendered larger, cropped to its visible pixels, then fitted into the box,
because its canvases are arbitrary. The art is centred on a transparent
128 px canvas (4 px margin). Results are cached: an image is only rendered
again when its SVG is newer than its PNG; failures are remembered in
cache/render_status.json with the reason.
"""

import io
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image

from common import CACHE_DIR, IMAGE_SIZE, PNG_DIR, read_json, write_json

BOX = IMAGE_SIZE - 8
CLIPART_RENDER = 384
MAX_ASPECT = 4.0
TIMEOUT_S = 40
STATUS_PATH = os.path.join(CACHE_DIR, "render_status.json")


def _rsvg(svg, size):
    out = subprocess.run(["rsvg-convert", "-f", "png", "-w", str(size), "-h", str(size),
                          "-a", svg], capture_output=True, timeout=TIMEOUT_S, check=False)
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError("rsvg-convert failed: " + (msg[0] if msg else f"rc {out.returncode}"))
    with Image.open(io.BytesIO(out.stdout)) as im:
        return im.convert("RGBA")


def _fit(im, crop):
    if crop:
        alpha = np.asarray(im)[..., 3]
        ys, xs = np.nonzero(alpha > 8)
        if len(xs) == 0:
            raise ValueError("empty render")
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        w, h = x1 - x0, y1 - y0
        if max(w, h) / max(1, min(w, h)) > MAX_ASPECT:
            raise ValueError(f"aspect {w}x{h} too extreme")
        if max(w, h) < 8:
            raise ValueError(f"visible part only {w}x{h} px")
        im = im.crop((int(x0), int(y0), int(x1), int(y1)))
        scale = BOX / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        im = im.resize(size, Image.LANCZOS)  # Pillow resamples RGBA premultiplied
    canvas = Image.new("RGBA", (IMAGE_SIZE, IMAGE_SIZE), (0, 0, 0, 0))
    canvas.paste(im, ((IMAGE_SIZE - im.width) // 2, (IMAGE_SIZE - im.height) // 2))
    arr = np.asarray(canvas).copy()
    arr[arr[..., 3] == 0, :3] = 0  # no hidden colour under full transparency
    if arr[..., 3].max() == 0:
        raise ValueError("empty render")
    return arr


def render_one(job):
    image_id, svg, crop = job
    png = os.path.join(PNG_DIR, image_id + ".png")
    try:
        im = _rsvg(svg, CLIPART_RENDER if crop else BOX)
        arr = _fit(im, crop)
        os.makedirs(os.path.dirname(png), exist_ok=True)
        tmp = png + ".tmp"
        Image.fromarray(arr, "RGBA").save(tmp, format="PNG", optimize=False)
        os.replace(tmp, png)
        return image_id, "ok"
    except (ValueError, OSError, subprocess.TimeoutExpired) as exc:
        return image_id, str(exc)[:200] or type(exc).__name__


def _up_to_date(rec, status):
    png = os.path.join(PNG_DIR, rec["id"] + ".png")
    state = status.get(rec["id"])
    if state is None:
        return False
    if state != "ok":
        return True  # a known failure: do not retry every build
    return os.path.isfile(png) and os.path.getmtime(png) >= os.path.getmtime(rec["svg"])


def render_all(records, workers=2, log_every=500):
    """Render every record not already rendered; return {id: status}."""
    status = read_json(STATUS_PATH) if os.path.isfile(STATUS_PATH) else {}
    jobs = [(r["id"], r["svg"], r["source"] == "openclipart")
            for r in records if not _up_to_date(r, status)]
    print(f"render: {len(jobs)} to do, {len(records) - len(jobs)} cached", flush=True)
    if jobs:
        with Pool(workers) as pool:
            for i, (image_id, state) in enumerate(pool.imap_unordered(render_one, jobs, 8)):
                status[image_id] = state
                if (i + 1) % log_every == 0:
                    print(f"render: {i + 1}/{len(jobs)}", flush=True)
                    write_json(STATUS_PATH, status)
        write_json(STATUS_PATH, status)
    return status


if __name__ == "__main__":
    sys.exit("use build_cache.py")
