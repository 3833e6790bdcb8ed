# SPDX-License-Identifier: GPL-3.0-or-later
"""Eighteenth session: do WordNet compounds draw better read as typed ("apple pie") than with the
head-word reading inside them ("red apple pie")? Both wordings drawn by the C engine as typed
(--literal) at the file's defaults (best of 4), seeds 100-115, named by the CNN judge; a picture
counts when one of the compound's concepts is in the judge's top 5. Run in training/:
  PYTHONPATH=. python3 eval/results/compounds-2026-11-28/compounds_check.py ../build/cli/gft ../models/gft-emoji.gguf \
      runs/judge/judge-gpu2.pt ../.devdata/pack/meta.json.xz > eval/results/compounds-2026-11-28/compounds.txt
"""
import sys
import tempfile

from eval.judge import load_judge, most_named, naming_any_each
from eval.local_eval import engine_images
from gft.gguf_import import sampling_defaults
from gft.gguf_writer import GGUFFile

CASES = [  # (compound as typed, the reading it had before, the concepts it names)
    ("apple pie", "red apple pie", ["emoji:1F967"]),
    ("apple tree", "red apple tree", ["emoji:1F333", "emoji:1F332"]),
    ("apple juice", "red apple juice", ["emoji:1F9C3"]),
]


def main(engine, model, judge_path, meta):
    from eval.judge import base_concept
    from gft.dataset import load_meta
    label = {}
    for it in load_meta(meta)[0]:
        label.setdefault(base_concept(it["concept"]), it["labels"].get("en", it["concept"]))
    judge, class_index = load_judge(judge_path)
    sampling = sampling_defaults(GGUFFile(model).kv)
    seeds = list(range(100, 116))
    print("prompt (drawn as typed)   top-1 / top-5 / rank   what the judge names first")
    for typed, before, concepts in CASES:
        for text in (before, typed):
            with tempfile.TemporaryDirectory() as d:
                imgs = engine_images(engine, model, d, 2, [text], seeds, sampling, literal=True).float()
            t1, t5, rank = naming_any_each(judge, class_index, imgs, concepts)
            named = most_named(judge, class_index, imgs)
            print("%-24s %4.0f %% / %3.0f %% / %.3f   %s" % (
                text, 100 * t1.mean().item(), 100 * t5.mean().item(), rank.mean().item(),
                ", ".join("%s %d" % (label.get(n, n), c) for n, c in named)))


if __name__ == "__main__":
    main(*sys.argv[1:5])
