# SPDX-License-Identifier: GPL-3.0-or-later
"""Does a style request keep the thing it asks for? Concept + style prompts ("red apple, twemoji"),
drawn by the C engine at each model file's defaults (best of K included) and named by the CNN
judge (eval/judge.py, real images only):
  cnn-1 / cnn-5 / rank  the concept named first / in the top 5 / the judge's mean rank of it;
  style                 share of pictures the judge's style head puts in the asked style.
A prompt whose style is "-" asks for none: its concept figures are the baseline, and it has no
style share.

The prompts come from a TSV file: PROMPT<tab>EMOJI<tab>STYLE per line, STYLE one of
eval.judge.STYLES or "-".

  cd training && python3 -m eval.style_check --engine ../build/cli/gft \\
      --model shipped=../models/gft-emoji.gguf --model cand=cand.gguf \\
      --prompts eval/results/style-2026-11-28/styled.tsv --judge runs/judge/judge-gpu2.pt --seeds 16
"""
import sys

import torch

from gft.common import save_json


def read_prompts(path, styles):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for r in rows:
        if len(r) != 3 or (r[2] != "-" and r[2] not in styles):
            raise SystemExit("style_check: %s: want PROMPT<tab>EMOJI<tab>STYLE (%s or -), got %r"
                             % (path, "/".join(styles), r))
    return rows


def mean_of(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def main(argv=None):
    from .evaluate import concept_of_emoji
    from .judge import STYLES, naming_each, predict, to_judge_input
    from .local_eval import engine_check_setup, per_model_checks
    a, emap, judge, index = engine_check_setup(argv, __doc__, "PROMPT<tab>EMOJI<tab>STYLE lines", seeds=16)
    rows = [(p, e, s, concept_of_emoji(emap, e)) for p, e, s in read_prompts(a.prompts, STYLES)]
    missing = [e for _, e, _, c in rows if c is None]
    if missing:
        raise SystemExit("style_check: no concept in the pack for %s" % " ".join(sorted(set(missing))))

    def judge_one(i, imgs):
        _, _, style, concept = rows[i]
        top1, top5, rank = naming_each(judge, index, imgs, [concept] * len(imgs))
        in_style = None
        if style != "-":
            with torch.no_grad():
                _, style_logits, _ = predict(judge, to_judge_input(imgs))
            in_style = round(float((style_logits.argmax(1) == STYLES.index(style)).float().mean()), 3)
        return dict(style=style, cnn1=round(float(top1.mean()), 3), cnn5=round(float(top5.mean()), 3),
                    rank=round(float(rank.mean()), 3), in_style=in_style)

    def summarise(per):
        groups = {"no style": [r for r in per.values() if r["style"] == "-"],
                  "styled": [r for r in per.values() if r["style"] != "-"]}
        groups.update({s: [r for r in per.values() if r["style"] == s] for s in STYLES})
        return dict(groups={g: {k: mean_of(rs, k) for k in ("cnn1", "cnn5", "rank", "in_style")}
                            for g, rs in groups.items() if rs})
    result = per_model_checks(a, [r[0] for r in rows], judge_one, summarise)
    print("CNN judge: concept top-1 / top-5 / mean rank, and the share in the asked style (%d seeds from %d)"
          % (a.seeds, a.seed))
    for label, res in result.items():
        print(label)
        for g, f in res["groups"].items():
            print("  %-10s %5.1f %% / %5.1f %% / %.3f%s" % (
                g, 100 * f["cnn1"], 100 * f["cnn5"], f["rank"],
                "   style %5.1f %%" % (100 * f["in_style"]) if f["in_style"] is not None else ""))
    if a.output:
        save_json(a.output, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
