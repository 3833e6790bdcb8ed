# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the data pipeline (training/data) and of gft.captions /
gft.dataset, on small synthetic inputs (no npm packages or renders needed;
rsvg-convert is used when installed).

Run: /usr/bin/python3 training/data/test_data.py
"""

import collections
import lzma
import os
import random
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import build_items  # noqa: E402
import iconify_extract  # noqa: E402
import openclipart_scan  # noqa: E402
import pack  # noqa: E402
import render  # noqa: E402
from common import slug, slug_joined  # noqa: E402
from gft import captions, dataset  # noqa: E402

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


WAVE = {
    "id": "noto/waving-hand-dark-skin-tone", "source": "noto", "style": "noto",
    "concept": "emoji:1F44B-1F3FF", "license": "Apache-2.0", "flip_ok": True,
    "labels": {"en": "waving hand: dark skin tone", "zh": "挥手: 较深肤色",
               "de": "winkende Hand: dunkle Hautfarbe", "ja": "手を振る: 濃い肌色"},
    "tags": {"en": ["hand", "hello", "wave"], "zh": ["你好", "手"], "de": ["hallo"], "ja": []},
    "emoji": "👋🏿", "group": "people-body"}
ICON = {"id": "flat-color-icons/about", "source": "flat-color-icons", "style": "icon",
        "concept": "icon:about", "license": "MIT", "flip_ok": True,
        "labels": {"en": "about"}, "tags": {"en": []}, "emoji": "", "group": "icons"}


def test_captions():
    rng = random.Random(1)
    caps = [captions.sample_caption(WAVE, rng) for _ in range(3000)]
    check(all(isinstance(c, str) and c.strip() for c in caps), "captions are non-empty strings")
    check(any("挥手" in c for c in caps) and any("winkende" in c for c in caps)
          and any(c.startswith("waving hand") or "waving hand" in c for c in caps),
          "captions use several languages")
    check(any("dark skin tone" in c for c in caps), "skin-tone variant labels appear")
    check(any("noto" in c.lower() for c in caps) and any("noto" not in c.lower() for c in caps),
          "style word is optional")
    check(any(c in ("hand", "hello", "wave") or c in ("你好", "手") for c in caps),
          "tag-only captions occur")
    check(len(set(caps)) > 100, f"captions vary ({len(set(caps))} distinct of 3000)")
    check(any("emoji of" in c or "表情" in c for c in caps), "templates are used")
    again = [captions.sample_caption(WAVE, random.Random(1)) for _ in range(1)]
    check(again[0] == caps[0], "same seed, same caption")
    gen = np.random.default_rng(5)
    icon_caps = [captions.sample_caption(ICON, gen) for _ in range(500)]
    check(all("about" in c for c in icon_caps), "English-only icon captions keep the label")
    check(any("icon" in c for c in icon_caps), "icon style/template words appear")
    texts = captions.all_caption_texts([WAVE, ICON])
    check("waving hand: dark skin tone" in texts and "挥手: 较深肤色" in texts and "hello" in texts,
          "all_caption_texts has labels and tags")
    check("twemoji" in texts and "clip art" in texts and "剪贴画" in texts,
          "all_caption_texts has style words")
    check(not any("{x}" in t for t in texts) and len(texts) == len(set(texts)),
          "all_caption_texts: no placeholders, no duplicates")
    check(set(captions.STYLE_PROMPTS) == {"noto", "twemoji", "fluent", "icon", "clipart"},
          "a canonical style prompt per style")


def _write_test_pack(tmp, images, chunk):
    blobs, counts = [], []
    for a in range(0, len(images), chunk):
        part = images[a:a + chunk]
        blobs.append(lzma.compress(part.tobytes(), preset=1))
        counts.append(len(part))
    items = [dict(WAVE, id=f"noto/x{i}") for i in range(len(images))]
    meta = {"concepts": {WAVE["concept"]: {k: WAVE[k] for k in ("labels", "tags", "emoji", "group")}},
            "items": [{k: it[k] for k in ("id", "source", "style", "concept", "license", "flip_ok")}
                      for it in items],
            "split": [i % 2 for i in range(len(images))]}
    pack.write_pack(tmp, blobs, counts, images.shape[1], meta)


def test_pack_roundtrip():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 128, 128, 4), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        _write_test_pack(tmp, images, 4)
        got, items, split = dataset.load_pack(tmp, workers=3)
        check(got.shape == (10, 128, 128, 4) and got.dtype == np.uint8, "pack images shape/dtype")
        check(np.array_equal(got, images), "pack images round-trip exactly")
        check(items[3]["labels"]["zh"] == "挥手: 较深肤色" and items[3]["id"] == "noto/x3"
              and items[3]["emoji"] == "👋🏿", "pack items merge concept metadata")
        check(split.tolist() == [i % 2 for i in range(10)], "pack split")
        with open(os.path.join(tmp, "images.bin"), "r+b") as f:
            f.seek(30)
            f.write(b"\x00" * 20)
        try:
            dataset.load_pack(tmp)
            check(False, "damaged pack is rejected")
        except dataset.DatasetError as exc:
            check("chunk" in str(exc), f"damaged pack is rejected ({exc})")
    with tempfile.TemporaryDirectory() as tmp:
        _write_test_pack(tmp, images[:2], 4)
        with open(os.path.join(tmp, "meta.json.xz"), "wb") as f:
            f.write(b"not xz")
        try:
            dataset.load_pack(tmp)
            check(False, "damaged metadata is rejected")
        except dataset.DatasetError as exc:
            check("unreadable" in str(exc), "damaged metadata is rejected")
    try:
        dataset.load_pack("/nonexistent/pack")
        check(False, "missing pack is rejected")
    except dataset.DatasetError as exc:
        check("missing" in str(exc), "missing pack: clear error")


def test_downsample():
    img = np.zeros((1, 2, 2, 4), np.uint8)
    img[0, 0, 0] = (255, 0, 0, 255)
    out = dataset.downsample_2x(img)
    check(out.shape == (1, 1, 1, 4) and out[0, 0, 0].tolist() == [255, 0, 0, 64],
          f"downsample averages premultiplied colour (got {out[0, 0, 0].tolist()})")


def test_iconify_svg():
    icon = {"body": '<rect x="0" y="0" width="8" height="16" fill="#f00"/>', "hFlip": True}
    svg = iconify_extract._icon_svg(icon, {"width": 16, "height": 16})
    check('viewBox="0 0 16 16"' in svg and "scale(-1 1)" in svg, "iconify SVG with hFlip")
    icons = {"a": {"body": "<g/>", "width": 20}}
    aliases = {"b": {"parent": "a", "hFlip": True}, "c": {"parent": "b", "hFlip": True}}
    b = iconify_extract._resolve_alias("b", icons, aliases)
    c = iconify_extract._resolve_alias("c", icons, aliases)
    check(b["hFlip"] and not c["hFlip"] and b["width"] == 20, "alias chains combine flips")
    check(iconify_extract._has_transform(aliases["b"])
          and not iconify_extract._has_transform({"parent": "a"}), "pure-rename aliases skipped")
    if shutil.which("rsvg-convert") is None:
        print("skip rendering checks: rsvg-convert not installed")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.svg")
        with open(path, "w") as f:
            f.write(svg)
        arr = render._fit(render._rsvg(path, render.BOX), crop=False)
        check(arr.shape == (128, 128, 4), "render output is 128x128 RGBA")
        check(arr[64, 100, 3] == 255 and arr[64, 100, 0] == 255 and arr[64, 20, 3] == 0,
              "hFlip moves the left half to the right")
        check(arr[2, 64, 3] == 0 and arr[125, 100, 3] == 0, "4 px transparent margin")
        wide = os.path.join(tmp, "w.svg")
        with open(wide, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
                    '<rect x="10" y="45" width="80" height="4" fill="#00f"/></svg>')
        try:
            render._fit(render._rsvg(wide, 384), crop=True)
            check(False, "extreme aspect clip art rejected")
        except ValueError as exc:
            check("aspect" in str(exc), "extreme aspect clip art rejected")
        blank = os.path.join(tmp, "e.svg")
        with open(blank, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
        try:
            render._fit(render._rsvg(blank, 384), crop=True)
            check(False, "empty render rejected")
        except ValueError as exc:
            check("empty" in str(exc), "empty render rejected")
        bad = os.path.join(tmp, "b.svg")
        with open(bad, "w") as f:
            f.write("<svg")
        image_id, state = render.render_one(("x/bad", bad, True))
        check(state != "ok", f"broken SVG reported, not raised ({state[:40]})")


def test_matching_and_titles():
    check(slug("Flag: Côte d’Ivoire") == "flag-cote-d-ivoire"
          and slug_joined("Flag: Côte d’Ivoire") == "flag-cote-divoire", "name slugs")
    emojis = {"1f44b": {"group": "people-body", "labels": {"en": "waving hand"}},
              "1f44b-1f3ff": {"group": "people-body", "labels": {"en": "waving hand: dark skin tone"}}}
    names = {"waving-hand": "1f44b", "waving-hand-dark-skin-tone": "1f44b-1f3ff"}
    key, how = iconify_extract._match("waving-hand-dark", {}, names, emojis)
    check(key == "1f44b-1f3ff", f"fluent short tone suffix matched ({how})")
    key, _ = iconify_extract._match("waving-hand-dark", {"waving-hand": "1f44b"}, {}, emojis)
    check(key == "1f44b-1f3ff", "tone suffix matched via base codepoint")
    counts = collections.Counter({"Etiquette Icons": 200, "Bat": 1})
    t = openclipart_scan._final_title
    check(t("Clipart by Nicu Buculei - jigsaw red 10", "/x/j_01.svg", counts) == "jigsaw red",
          "clip art 'Clipart by' titles")
    check(t("Etiquette Icons", "/x/folder_sound_2.svg", counts) == "folder sound",
          "collection titles fall back to the file name")
    check(t("Bat", "/x/bat_orlando_01.svg", counts) == "bat", "real titles kept")
    check(build_items._split_unit("emoji:1F44B-1F3FF") == "emoji:1F44B"
          and build_items._split_unit("emoji:1F468-1F3FB-200D-1F4BB") == "emoji:1F468-200D-1F4BB",
          "skin tones share a split unit")
    check(not build_items._flip_ok("backhand index pointing left", [], "people-body")
          and not build_items._flip_ok("flag: Japan", [], "flags")
          and build_items._flip_ok("cat face", ["cat", "pet"], "animals-nature"),
          "flip_ok")


def main():
    test_captions()
    test_pack_roundtrip()
    test_downsample()
    test_iconify_svg()
    test_matching_and_titles()
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("all data checks passed")


if __name__ == "__main__":
    main()
