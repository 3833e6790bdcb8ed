# SPDX-License-Identifier: GPL-3.0-or-later
"""The judged prompt sets of gft.cca_file, drawn by the C engine at each model file's own
defaults, best of K included: what a user gets, per set.

gft.cca_file judges transformer weights on one sample per prompt and seed (`--candidates 1`), so
it cannot see a reranker. This draws the same prompts (the first --select-prompts of each set:
seen names in English and in other languages, paraphrases, hand-written other-language prompts)
with `gft generate` at the file's defaults and names the pictures with the CNN judge (trained on
real images only): top-1 / top-5 share and mean rank, per set and over all.

  cd training && python3 -m eval.best_of_sets --engine ../build/cli/gft \\
      --model shipped=../models/gft-emoji.gguf --model new=cand.gguf \\
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt -o sets.json
"""
import argparse
import json
import sys
import tempfile

import torch

from gft.cca_file import selection_prompts
from gft.dataset import load_meta
from gft.gguf_import import sampling_defaults
from gft.gguf_writer import GGUFFile
from gft.pipeline import split_rows

from .judge import load_judge, naming_each
from .local_eval import engine_images


def figures(t1, t5, rank, mask):
    """[top-1 share, top-5 share, mean rank] of the pictures where mask is True."""
    return [round(float(v[mask].float().mean()), 4) for v in (t1, t5, rank)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True)
    ap.add_argument("--model", action="append", required=True, help="LABEL=PATH (repeatable)")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--judge", required=True, help="the CNN judge (eval.judge.save_judge, or a run's final.pt)")
    ap.add_argument("--select-prompts", type=int, default=24, help="prompts per set")
    ap.add_argument("--seeds", type=int, default=8, help="seeds S .. S+N-1 per prompt")
    ap.add_argument("--first-seed", type=int, default=0, help="S (default 0)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", default=None,
                    help="keep the PNGs under this folder (and reuse them: keyed by model file, settings, seeds)")
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args(argv)
    items, split = load_meta(a.meta)
    train_rows, _, _ = split_rows(items, split)
    prompts = selection_prompts(items, split, train_rows, a.select_prompts)
    if not prompts:
        raise SystemExit("best_of_sets: the pack gives no prompts")
    judge, class_index = load_judge(a.judge)
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    targets = [c for _, c, _ in prompts for _ in seeds]
    names = [n for _, _, n in prompts for _ in seeds]
    result = {}
    for spec in a.model:
        label, path = spec.split("=", 1)
        sampling = sampling_defaults(GGUFFile(path).kv)
        with tempfile.TemporaryDirectory() as tmp:
            imgs = engine_images(a.engine, path, a.keep or tmp, a.threads, [p for p, _, _ in prompts], seeds,
                                 sampling)
        each = []
        with torch.no_grad():
            for i in range(0, len(imgs), 128):
                each.append(naming_each(judge, class_index, imgs[i:i + 128].float(), targets[i:i + 128]))
        t1, t5, rank = (torch.cat([e[k] for e in each]) for k in range(3))
        row = {n: figures(t1, t5, rank, torch.tensor([x == n for x in names])) for n in dict.fromkeys(names)}
        row["all"] = figures(t1, t5, rank, torch.ones(len(names), dtype=torch.bool))
        # per prompt: how many seeds the judge names right, first and in its top 5
        per_prompt = {}
        for k, (p, _, _) in enumerate(prompts):
            at = slice(k * len(seeds), (k + 1) * len(seeds))
            per_prompt[p] = [int(t1[at].sum()), int(t5[at].sum())]
        result[label] = dict(model=path, sampling=sampling, seeds=[seeds[0], seeds[-1]], sets=row,
                             per_prompt=per_prompt)
    print("CNN judge, top-1 / top-5 / mean rank, %d prompts x %d seeds (%d-%d)"
          % (len(prompts), len(seeds), seeds[0], seeds[-1]))
    for label, r in result.items():
        print(label)
        for n, (c1, c5, rk) in r["sets"].items():
            print("  %-12s %5.1f %% %5.1f %%  %.3f" % (n, 100 * c1, 100 * c5, rk))
    if a.output:
        with open(a.output, "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
