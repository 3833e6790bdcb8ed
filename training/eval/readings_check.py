# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks judge-picked readings (gft.readings) on fresh seeds, as a user gets them: each key
whose reading changed is typed as a prompt and drawn by `gft generate` at each model file's own
defaults (best of K and the lexicon included), on seeds the search never used (2000 on).

Two judges name the pictures, both trained or built on real images only:
  CNN judge (the one the search used): top-1 / top-5 share and mean rank;
  nearest-real-image judge (eval/knn_judge.py; the search never saw it): top-5 share and rank.
A picture counts when it is named as any concept the key names (gft.readings.reading_keys).
Keys whose reading did not change draw the same pictures in both files and are left out.

  cd training && python3 -m eval.readings_check --engine ../build/cli/gft \\
      --report runs/readings/report.json --model shipped=../models/gft-emoji.gguf \\
      --model readings=runs/readings/cand.gguf --judge runs/judge/judge-gpu2.pt -o check.json
"""
import argparse
import json
import sys
import tempfile

import torch

from gft.dataset import load_pack
from gft.gguf_import import sampling_defaults
from gft.gguf_writer import GGUFFile
from gft.readings import chosen_readings
from gft.text import is_cjk

from .judge import load_judge, naming_any_each
from .knn_judge import KNNJudge
from .local_eval import engine_images


def as_typed(key):
    """A key as a person types it: canonical keys space CJK characters apart ("小 猫"), which no
    one types, and the engine reads "小 猫" unlike "小猫" when no lexicon source matches."""
    out = []
    for i, ch in enumerate(key):
        if ch == " " and 0 < i < len(key) - 1 and is_cjk(ord(key[i - 1])) and is_cjk(ord(key[i + 1])):
            continue
        out.append(ch)
    return "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True)
    ap.add_argument("--report", required=True, help="gft.readings' search report")
    ap.add_argument("--model", action="append", required=True, help="LABEL=PATH (repeatable)")
    ap.add_argument("--judge", required=True, help="the CNN judge")
    ap.add_argument("--pack", default=None, help="the pack of real images (default: the dev pack)")
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--candidates", type=int, default=None, help="best of K (default: each file's own)")
    ap.add_argument("--keep", default=None, help="keep (and reuse) the PNGs under this folder")
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args(argv)
    with open(a.report, encoding="utf-8") as f:
        report = json.load(f)
    readings = report.get("applied", chosen_readings(report))
    named = {r["key"]: r["concepts"] for r in report["keys"]}
    if not readings:
        raise SystemExit("readings_check: no key of %s reads otherwise" % a.report)
    images, items, _ = load_pack(a.pack)
    knn = KNNJudge(torch.from_numpy(images), items)
    cnn, class_index = load_judge(a.judge)
    seeds = list(range(a.seed, a.seed + a.seeds))
    result = dict(seeds=[seeds[0], seeds[-1]], candidates=a.candidates, keys=len(report["keys"]),
                  changed=len(readings), models={})
    for spec in a.model:
        label, path = spec.split("=", 1)
        sampling = sampling_defaults(GGUFFile(path).kv)
        rows = {}
        with tempfile.TemporaryDirectory() as tmp:
            for key in readings:
                imgs = engine_images(a.engine, path, a.keep or tmp, a.threads, [as_typed(key)], seeds, sampling,
                                     a.candidates).float()
                c1, c5, cr = (v.mean().item() for v in naming_any_each(cnn, class_index, imgs, named[key]))
                k5, kr = (v.mean().item() for v in knn.score_any_each(imgs, named[key]))
                rows[key] = [round(v, 4) for v in (c1, c5, cr, k5, kr)]
        mean = [round(sum(r[i] for r in rows.values()) / len(rows), 4) for i in range(5)]
        result["models"][label] = dict(model=path, sampling=sampling, keys=rows, mean=mean)
    print("%d of %d searched keys read otherwise; seeds %d-%d at each file's defaults%s"
          % (len(readings), len(report["keys"]), seeds[0], seeds[-1],
             ", best of %d" % a.candidates if a.candidates else ""))
    print("CNN judge top-1 / top-5 / rank, nearest-real top-5 / rank (any concept the key names)")
    labels = list(result["models"])
    for key in readings:
        cells = "  ".join("%3.0f %3.0f %.2f %3.0f %.2f" % (100 * r[0], 100 * r[1], r[2], 100 * r[3], r[4])
                          for r in (result["models"][l]["keys"][key] for l in labels))
        print("%-22s %-24s %s" % (key[:22], readings[key][:24], cells))
    for l in labels:
        m = result["models"][l]["mean"]
        print("mean %-12s CNN %.1f %% / %.1f %% / %.3f   nearest-real %.1f %% / %.3f"
              % (l, 100 * m[0], 100 * m[1], m[2], 100 * m[3], m[4]))
    if a.output:
        with open(a.output, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
