# SPDX-License-Identifier: GPL-3.0-or-later
"""A sampling sweep of a model file, named by the CNN judge: which guidance / temperature /
top-k should the file's defaults be? For a GPU call (gft.cca_file's sampler and judging,
about 10 s per setting on an H200; hours on the CPU).

Every setting draws the same prompts (the first --prompts of each evaluation set, as
gft.cca_file judges them, plus the next --prompts: the prompts its report used) x --seeds seeds
at that setting, background rule included, and the judge names each picture. One JSON line per
setting goes to <out>/sweep.jsonl as soon as it is done (a call stopped at its limit keeps what
it finished): the whole and each prompt set's top-1 / top-5 / mean rank.

  cd training && python3 -m eval.sweep_file --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --out runs/sweep \\
      --setting 3:0.7:40 --setting 2:0.7:40 ...
"""
import argparse
import json
import os
import sys
import time

import torch

from gft.cca_file import JudgedCheckpoints, per_set, selection_prompts
from gft.common import pick_device, start_run
from gft.dataset import load_meta
from gft.gguf_import import load_gguf
from gft.pipeline import split_rows

from .evaluate import parse_setting
from .judge import load_judge


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--judge", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--setting", type=parse_setting, action="append", required=True,
                    help="GUIDANCE:TEMPERATURE:TOP_K (repeatable; the file's own first, for reference)")
    ap.add_argument("--prompts", type=int, default=24, help="prompts per evaluation set, twice (as cca_file)")
    ap.add_argument("--seeds", type=int, default=16)
    a = ap.parse_args(argv)
    t0 = time.time()
    log = start_run(a.out, 0)
    device = pick_device()
    m = load_gguf(a.model)
    items, split = load_meta(a.meta)
    train_rows = split_rows(items, split)[0]
    prompts = selection_prompts(items, split, train_rows, 2 * a.prompts)
    judge, class_index = load_judge(a.judge)
    picker = JudgedCheckpoints(m.decoder.float().to(device), m.codebook.float().to(device), m.tokenizer,
                               m.sampling, m.vq_cfg.bg_code, judge.to(device), class_index, prompts,
                               list(range(a.seeds)), log)
    model = m.gft.float().to(device).eval()
    log("sweep_file: %s, %d prompts x %d seeds per setting, file defaults %s"
        % (os.path.basename(a.model), len(prompts), a.seeds, m.sampling))
    path = os.path.join(a.out, "sweep.jsonl")
    open(path, "w").close()
    for s in a.setting:
        t = time.time()
        picker.sampling = s
        top1, top5, rank = picker.score(model, prompts, picker.seeds)
        rec = dict(setting=s, top1=round(top1, 4), top5=round(top5, 4), rank=round(rank, 4),
                   sets=picker.last_sets, seconds=round(time.time() - t, 1))
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        log("g %.2f t %.2f k %d: top-1 %.3f top-5 %.3f rank %.3f  [%s]  (%.0fs)"
            % (s["guidance"], s["temperature"], s["top_k"], top1, top5, rank,
               per_set(picker.last_sets), rec["seconds"]))
    log("done in %.0fs" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
