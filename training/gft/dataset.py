# SPDX-License-Identifier: GPL-3.0-or-later
"""Load the rendered training images and their captions metadata.

Two sources, same result:

* ``load_pack(pack_dir)``: the compact pack built by ``training/data/build.sh``
  into ``<repo>/.devdata/pack`` (travels to the GPU machine):
  ``meta.json.xz`` (layout below plus a chunk index) and ``images.bin``
  (chunks of xz-compressed raw RGBA). Needs numpy only (stdlib lzma).
* ``load_cache(cache_dir)``: the full render cache
  ``training/data/cache`` (``items.json`` + one PNG per image; needs PIL).
  It may hold more openclipart images than the pack (the pack is trimmed
  to fit its size budget).

On disk, ``items.json``/``meta.json.xz`` hold ``{"concepts": {concept id:
{labels, tags, emoji, group}}, "items": [{id, source, style, concept,
license, flip_ok}], "split": [...]}``; the loaders merge each item with its
concept, giving the item dicts below.

Both return ``(images, items, split)``:

* ``images``: ``uint8`` ndarray ``[N, 128, 128, 4]``, *straight* (not
  premultiplied) RGBA; fully transparent pixels have RGB = 0. The art is
  centred with a small margin, aspect kept.
* ``items``: list of N dicts, one per image (row i of ``images``):

  ==========  ===============================================================
  ``id``      unique image id, ``"<source>/<name>"``, e.g.
              ``"noto/waving-hand-dark-skin-tone"``, ``"openclipart/animals/cat_01"``
  ``source``  ``"noto"``, ``"twemoji"``, ``"fluent"``, ``"flat-color-icons"``
              or ``"openclipart"``
  ``style``   style key for captions and the UI: ``"noto"``, ``"twemoji"``,
              ``"fluent"``, ``"icon"`` or ``"clipart"`` (see
              ``gft.captions.STYLE_WORDS``)
  ``concept`` concept id shared by every image of the same thing:
              ``"emoji:<emojibase hexcode>"`` (skin tones and gender variants
              are separate concepts, e.g. ``"emoji:1F44B-1F3FF"``),
              ``"icon:<name>"`` or ``"clipart:<normalised title>"``
  ``labels``  ``{lang: str}``; always has ``"en"``. Emoji have ~28 languages
              (en, zh, zh-hant, ja, ko, de, fr, es, it, pt, nl, ru, …);
              icons and clip art are English only.
  ``tags``    ``{lang: [str, ...]}`` keywords (may be empty lists); for clip
              art: folder names and SVG keywords
  ``emoji``   the emoji character(s), ``""`` for icons and clip art
  ``group``   emojibase group (``"smileys-emotion"``, …), ``"icons"``, or the
              clip-art top folder (``"animals"``, …)
  ``flip_ok`` ``True`` when a horizontal flip keeps the caption true (no
              left/right words, no text, digits, flags or arrows)
  ``license`` SPDX id of the artwork (``"Apache-2.0"``, ``"CC-BY-4.0"``,
              ``"MIT"``, ``"CC-PDDC"``: openclipart public domain)
  ==========  ===============================================================

  Items of one concept share their ``labels``/``tags`` dicts (read-only).
* ``split``: ``uint8`` ndarray ``[N]``, 0 = train, 1 = validation. About 3 %
  of *concepts* are held out (seeded); every image of a held-out concept is
  in validation.

Also ``downsample_2x(images)``: 128 -> 64 px by 2x2 averaging in
premultiplied space, returned as straight RGBA uint8 (what the tokenizer
encoder sees at 64 px).
"""

import json
import lzma
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

PACK_FORMAT = "gft-pack-v1"
IMAGE_SIZE = 128

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PACK_DIR = os.path.join(_REPO_ROOT, ".devdata", "pack")
DEFAULT_CACHE_DIR = os.path.join(_REPO_ROOT, "training", "data", "cache")


class DatasetError(Exception):
    """The pack or cache is missing or damaged."""


def _workers(workers):
    return workers or min(32, os.cpu_count() or 1)


def _expand_items(meta):
    """Items in the pack store concept data once; attach it to every item."""
    concepts = meta["concepts"]
    items = []
    for row in meta["items"]:
        item = dict(row)
        c = concepts[row["concept"]]
        item["labels"] = c["labels"]
        item["tags"] = c["tags"]
        item["emoji"] = c.get("emoji", "")
        item["group"] = c.get("group", "")
        items.append(item)
    return items


def _decode_chunk(blob, chunk, size, encoding):
    """One chunk = xz/LZMA of ``count`` images. ``xz-rgba``: raw
    [n, H, W, 4] bytes (what build.sh writes). ``lzma-planar``: [n, 4, H, W],
    with ``"delta": true`` each byte minus its left neighbour (mod 256)."""
    raw = blob[chunk["offset"]: chunk["offset"] + chunk["length"]]
    try:
        data = lzma.decompress(raw)
    except lzma.LZMAError as exc:
        raise DatasetError(f"pack chunk at byte {chunk['offset']}: {exc}") from exc
    n = chunk["count"]
    if len(data) != n * size * size * 4:
        raise DatasetError(f"pack chunk at byte {chunk['offset']}: {len(data)} bytes, "
                           f"expected {n * size * size * 4}")
    arr = np.frombuffer(data, dtype=np.uint8)
    if encoding == "xz-rgba":
        return arr.reshape(n, size, size, 4)
    arr = arr.reshape(n, 4, size, size)
    if chunk.get("delta", False):
        arr = np.cumsum(arr, axis=3, dtype=np.uint8)
    return np.ascontiguousarray(arr.transpose(0, 2, 3, 1))


def _read_meta(meta_path):
    try:
        with lzma.open(meta_path, "rt", encoding="utf-8") as f:
            meta = json.load(f)
    except (lzma.LZMAError, EOFError, ValueError) as exc:
        raise DatasetError(f"{meta_path}: unreadable ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != PACK_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise DatasetError(f"{meta_path}: format {found!r}, expected {PACK_FORMAT!r}")
    missing = [k for k in ("size", "chunks", "items", "concepts", "split") if k not in meta]
    if missing:
        raise DatasetError(f"{meta_path}: missing keys {missing}")
    return meta


def load_meta(meta_path):
    """Only the captions side of a pack (its ``meta.json.xz``): ``(items, split)``, for
    training from precomputed codes without the images."""
    if not os.path.isfile(meta_path):
        raise DatasetError(f"{meta_path}: missing (run training/data/build.sh)")
    meta = _read_meta(meta_path)
    return _expand_items(meta), np.asarray(meta["split"], dtype=np.uint8)


def load_pack(pack_dir=None, workers=None):
    """Load ``pack_dir`` (default ``<repo>/.devdata/pack``):
    returns ``(images [N,128,128,4] uint8 straight RGBA, items, split)``."""
    pack_dir = pack_dir or DEFAULT_PACK_DIR
    meta_path = os.path.join(pack_dir, "meta.json.xz")
    blob_path = os.path.join(pack_dir, "images.bin")
    for path in (meta_path, blob_path):
        if not os.path.isfile(path):
            raise DatasetError(f"{path}: missing (run training/data/build.sh)")
    meta = _read_meta(meta_path)
    with open(blob_path, "rb") as f:
        blob = memoryview(f.read())
    size = meta["size"]
    encoding = meta.get("encoding")
    if encoding not in ("xz-rgba", "lzma-planar"):
        raise DatasetError(f"{meta_path}: unknown image encoding {encoding!r}")
    chunks = meta["chunks"]
    starts = np.cumsum([0] + [c["count"] for c in chunks]).tolist()
    images = np.empty((starts[-1], size, size, 4), np.uint8)

    def decode(k):  # each chunk straight into its rows: no second copy
        images[starts[k]: starts[k + 1]] = _decode_chunk(blob, chunks[k], size, encoding)

    with ThreadPoolExecutor(_workers(workers)) as pool:
        # lzma releases the GIL, so threads decode chunks in parallel.
        list(pool.map(decode, range(len(chunks))))
    items = _expand_items(meta)
    split = np.asarray(meta["split"], dtype=np.uint8)
    if not (len(images) == len(items) == len(split)):
        raise DatasetError(f"{pack_dir}: {len(images)} images, {len(items)} items, "
                           f"{len(split)} split entries")
    return images, items, split


def _read_png(path, size):
    from PIL import Image

    with Image.open(path) as im:
        arr = np.asarray(im.convert("RGBA"))
    if arr.shape != (size, size, 4):
        raise DatasetError(f"{path}: shape {arr.shape}, expected {(size, size, 4)}")
    return arr


def load_cache(cache_dir=None, workers=None):
    """Load the full render cache (``items.json`` + ``png128/<id>.png``);
    same return value as ``load_pack``. Needs PIL."""
    cache_dir = cache_dir or DEFAULT_CACHE_DIR
    items_path = os.path.join(cache_dir, "items.json")
    if not os.path.isfile(items_path):
        raise DatasetError(f"{items_path}: missing (run training/data/build.sh)")
    with open(items_path, encoding="utf-8") as f:
        meta = json.load(f)
    items = _expand_items(meta)
    paths = [os.path.join(cache_dir, "png128", it["id"] + ".png") for it in items]
    images = np.empty((len(items), IMAGE_SIZE, IMAGE_SIZE, 4), np.uint8)

    def load(i):
        images[i] = _read_png(paths[i], IMAGE_SIZE)

    with ThreadPoolExecutor(_workers(workers)) as pool:
        list(pool.map(load, range(len(items))))
    split = np.asarray(meta["split"], dtype=np.uint8)
    return images, items, split


def downsample_2x(images):
    """[N,H,W,4] straight RGBA uint8 -> [N,H/2,W/2,4], averaging 2x2 blocks
    of premultiplied colour (no dark fringes), back to straight RGBA."""
    x = images.astype(np.float32) / 255.0
    a = x[..., 3:4]
    pm = np.concatenate([x[..., :3] * a, a], axis=-1)
    n, h, w, c = pm.shape
    pm = pm.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))
    a = pm[..., 3:4]
    rgb = np.where(a > 0, pm[..., :3] / np.maximum(a, 1e-8), 0.0)
    out = np.concatenate([rgb, a], axis=-1)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
