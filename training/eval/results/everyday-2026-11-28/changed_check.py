# SPDX-License-Identifier: GPL-3.0-or-later
"""Judges a new model file on a prompt list by drawing only the prompts it reads otherwise.

The engine draws the same pictures for the same reading, file weights and seeds, so a prompt whose
reading (`gft tokenize`'s "read as") is unchanged keeps the figures of the earlier run (an
eval.acceptance JSON of the old file). The others are drawn and judged like eval.acceptance does.
Prints the mean CNN top-1 / top-5 / rank per language (the TSV's 4th column, else by line order
in groups of --per-concept) for both files.

  cd training && python3 eval/results/everyday-2026-11-28/changed_check.py --engine ../build/cli/gft \\
      --old ../models/gft-emoji.gguf --old-json eval/results/everyday-2026-11-28/before.json \\
      --new runs/x/cand.gguf --prompts eval/results/everyday-2026-11-28/prompts.tsv \\
      --judge runs/judge/judge-gpu2.pt -o eval/results/everyday-2026-11-28/after.json
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", ".."))

LANGS = ("en", "zh", "ja", "de", "fr", "es")


def reading(engine, model, prompt):
    out = subprocess.run([engine, "tokenize", "-m", model, prompt], capture_output=True, text=True, check=True).stdout
    return next(line[len("read as: "):] for line in out.splitlines() if line.startswith("read as: "))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--old", required=True)
    ap.add_argument("--old-json", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--judge", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    from eval.evaluate import emoji_concepts
    from eval.judge import load_judge, naming_scores
    from eval.local_eval import engine_images
    from gft.dataset import load_meta
    from gft.gguf_import import sampling_defaults
    from gft.gguf_writer import GGUFFile
    with open(a.prompts, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    old = json.load(open(a.old_json))
    old = next(iter(old.values()))
    seeds = list(range(old["seeds"][0], old["seeds"][1] + 1))
    emap = emoji_concepts(load_meta(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".devdata",
                                                 "pack", "meta.json.xz"))[0])
    judge, index = load_judge(a.judge)
    sampling = sampling_defaults(GGUFFile(a.new).kv)
    result = dict(seeds=old["seeds"], prompts={})
    with tempfile.TemporaryDirectory() as tmp:
        for i, (prompt, emoji) in enumerate(r[:2] for r in rows):
            lang = rows[i][3] if len(rows[i]) > 3 else LANGS[i % len(LANGS)]
            before, after = reading(a.engine, a.old, prompt), reading(a.engine, a.new, prompt)
            was = old["prompts"][prompt]
            rec = dict(lang=lang, read_before=before, read_after=after,
                       before=[was["cnn1"], was["cnn5"], was["cnnrank"]])
            if before == after:
                rec["after"] = rec["before"]
            else:
                imgs = engine_images(a.engine, a.new, tmp, a.threads, [prompt], seeds, sampling).float()
                rec["after"] = [round(v, 3) for v in naming_scores(judge, index, imgs, [emap[emoji]] * len(seeds))]
                print("%s: %r -> %r: top-5 %.2f -> %.2f, rank %.3f -> %.3f" % (
                    prompt, before, after, rec["before"][1], rec["after"][1], rec["before"][2], rec["after"][2]),
                    flush=True)
            result["prompts"][prompt] = rec
    by = collections.defaultdict(list)
    for rec in result["prompts"].values():
        by[rec["lang"]].append(rec)
    result["langs"] = {}
    print("\nCNN judge, top-1 / top-5 / rank, %d seeds from %d (before -> after)" % (len(seeds), seeds[0]))
    for lang, recs in by.items():
        mean = lambda k, j: sum(r[k][j] for r in recs) / len(recs)
        changed = sum(r["read_before"] != r["read_after"] for r in recs)
        result["langs"][lang] = dict(n=len(recs), changed=changed, before=[round(mean("before", j), 3) for j in range(3)],
                                     after=[round(mean("after", j), 3) for j in range(3)])
        print("%s (%d prompts, %d read otherwise): %4.1f %% / %4.1f %% / %.3f -> %4.1f %% / %4.1f %% / %.3f" % (
            lang, len(recs), changed, 100 * mean("before", 0), 100 * mean("before", 1), mean("before", 2),
            100 * mean("after", 0), 100 * mean("after", 1), mean("after", 2)))
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
