# SPDX-License-Identifier: GPL-3.0-or-later
"""Extract, render and describe every training image into training/data/cache.

Usage: build_cache.py [--no-openclipart] [--workers N]
"""

import argparse
import collections
import os
import re
import time

import build_items
import emojibase_meta
import iconify_extract
import openclipart_scan
import render
from common import CACHE_DIR, write_json


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-openclipart", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.time()
    emojis = emojibase_meta.load_emojis()
    icons = iconify_extract.extract(emojis)
    stats = collections.Counter()
    for r in icons:
        if r["style"] != "icon":
            stats[(r["source"], "matched" if r["hex"] else "unmatched")] += 1
    for src in ("noto", "twemoji", "fluent"):
        m, u = stats[(src, "matched")], stats[(src, "unmatched")]
        print(f"emoji match {src}: {m}/{m + u} = {100.0 * m / max(1, m + u):.2f} %")
    clips = [] if args.no_openclipart else openclipart_scan.scan()
    print(f"{len(emojis)} emojibase entries, {len(icons)} iconify images, "
          f"{len(clips)} openclipart candidates ({time.time() - t0:.1f} s)", flush=True)
    status = render.render_all(icons, args.workers)
    if clips:
        status = render.render_all(clips, args.workers)
    data = build_items.build(icons, clips, emojis, status)
    write_json(os.path.join(CACHE_DIR, "items.json"), data)
    per_source = collections.Counter(it["source"] for it in data["items"])
    n_val = sum(data["split"])
    failed = collections.Counter(re.sub(r"\d+x\d+", "WxH", v.split(":")[0])
                                 for v in status.values() if v != "ok")
    print(f"items: {len(data['items'])} images {dict(per_source)}, "
          f"{len(data['concepts'])} concepts, {n_val} val images; "
          f"render failures {dict(failed)} ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
