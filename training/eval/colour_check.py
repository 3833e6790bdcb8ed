# SPDX-License-Identifier: GPL-3.0-or-later
"""Does a prompt with a colour word draw its thing in that colour? Colour + noun prompts in several
languages, drawn by the C engine at each model file's defaults and judged two ways:
  colour  share of seeds whose opaque pixels fall most often in the asked colour (COLOURS, by hue,
          saturation and value), and the mean share of opaque pixels in it;
  cnn-5   share of seeds whose CNN judge top 5 holds the named thing (the colour must not cost it).

The prompts come from a TSV file: PROMPT<tab>EMOJI<tab>COLOUR<tab>LANG per line.

  cd training && python3 -m eval.colour_check --engine ../build/cli/gft \\
      --model before=../models/gft-emoji.gguf --model after=cand.gguf \\
      --prompts eval/results/colour-2026-11-28/prompts.tsv --judge runs/judge/judge-gpu2.pt --seeds 8
"""
import collections
import sys

import torch

from gft.common import save_json

COLOURS = ("black", "white", "grey", "red", "orange", "brown", "yellow", "green", "blue", "purple", "pink")


def colour_bins(rgb):
    """The COLOURS index of each pixel of an RGB tensor [..., 3] in 0..1, by hue, saturation and value."""
    mx, mn = rgb.max(-1).values, rgb.min(-1).values
    v, s = mx, torch.where(mx > 0, (mx - mn) / mx.clamp(min=1e-6), torch.zeros_like(mx))
    r, g, b = rgb.unbind(-1)
    d = (mx - mn).clamp(min=1e-6)
    h = torch.where(mx == r, ((g - b) / d) % 6, torch.where(mx == g, (b - r) / d + 2, (r - g) / d + 4)) * 60
    out = torch.full(v.shape, COLOURS.index("red"), dtype=torch.long)
    for name, lo, hi in (("orange", 15, 40), ("yellow", 40, 70), ("green", 70, 165), ("blue", 165, 255),
                         ("purple", 255, 290), ("pink", 290, 345)):
        out[(h >= lo) & (h < hi)] = COLOURS.index(name)
    out[(out == COLOURS.index("orange")) & (v < 0.6)] = COLOURS.index("brown")
    out[(out == COLOURS.index("red")) & (s < 0.5) & (v > 0.8)] = COLOURS.index("pink")
    out[s < 0.2] = COLOURS.index("grey")
    out[(s < 0.2) & (v > 0.85)] = COLOURS.index("white")
    out[v < 0.3] = COLOURS.index("black")
    return out


def colour_shares(premul):
    """[B, len(COLOURS)]: the share of each colour among the opaque pixels (alpha > 0.5) of
    premultiplied images [B, 4, H, W]."""
    alpha = premul[:, 3]
    rgb = (premul[:, :3] / alpha.clamp(min=1e-6)[:, None]).clamp(0, 1).permute(0, 2, 3, 1)
    bins = colour_bins(rgb)
    out = torch.zeros(len(premul), len(COLOURS))
    for i in range(len(premul)):
        picked = bins[i][alpha[i] > 0.5]
        if len(picked):
            out[i] = torch.bincount(picked, minlength=len(COLOURS)).float() / len(picked)
    return out


def read_prompts(path):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for r in rows:
        if len(r) != 4 or r[2] not in COLOURS:
            raise SystemExit("colour_check: %s: want PROMPT<tab>EMOJI<tab>COLOUR<tab>LANG, got %r" % (path, r))
    return rows


def main(argv=None):
    from .judge import naming_each
    from .local_eval import engine_check_setup, per_model_checks
    a, emap, judge, index = engine_check_setup(argv, __doc__, "PROMPT<tab>EMOJI<tab>COLOUR<tab>LANG lines", seeds=8)
    rows = read_prompts(a.prompts)

    def judge_one(i, imgs):
        _, emoji, colour, lang = rows[i]
        shares = colour_shares(imgs)
        k = COLOURS.index(colour)
        _, top5, _ = naming_each(judge, index, imgs, [emap[emoji]] * len(imgs))
        return dict(lang=lang, colour=colour, hit=round(float((shares.argmax(1) == k).float().mean()), 3),
                    share=round(float(shares[:, k].mean()), 3), cnn5=round(float(top5.mean()), 3))

    def summarise(per):
        by_lang = collections.defaultdict(list)
        for r in per.values():
            by_lang[r["lang"]].append(r)
        return dict(langs={lang: {m: round(sum(r[m] for r in rs) / len(rs), 3) for m in ("hit", "share", "cnn5")}
                           for lang, rs in by_lang.items()})
    result = per_model_checks(a, [r[0] for r in rows], judge_one, summarise)
    langs = list(dict.fromkeys(r[3] for r in rows))
    print("colour hit / colour share / CNN top-5, per language (%d seeds from %d)" % (a.seeds, a.seed))
    print("%-10s" % "" + "".join("%-22s" % lang for lang in langs))
    for label, res in result.items():
        print("%-10s" % label + "".join("%3.0f %% / %4.2f / %3.0f %%     " % (
            100 * res["langs"][lang]["hit"], res["langs"][lang]["share"], 100 * res["langs"][lang]["cnn5"])
            for lang in langs))
    if a.output:
        save_json(a.output, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
