#!/bin/bash
# The GPU call's pick (device_parallel.sh) against the shipped file, judged on the CPU with the
# call's own judge: the acceptance prompts (seeds 100-115, CNN and nearest-real judges) and the
# 96 judged prompts at seeds 0-7 and 8-15, each at the file's defaults (best of 4).
# Run in training/ with Debian's python3 first on PATH, after
#   cat DEVICE_OUT/cand.gguf.part* > runs/parallel/cand.gguf
#   python3 -m gft.rerank_gguf --model runs/parallel/cand.gguf --rerank ../models/gft-emoji.gguf -o runs/parallel/cand.gguf
#   cp DEVICE_OUT/judge-gpu2.pt runs/parallel/
set -euo pipefail
R=eval/results/parallel-2026-11-28
J=runs/parallel/judge-gpu2.pt
export OPENBLAS_NUM_THREADS=1
python3 -m eval.acceptance --engine ../build/cli/gft --model shipped=../models/gft-emoji.gguf \
  --model cand=runs/parallel/cand.gguf --seeds 16 --cnn-judge $J --names \
  -o $R/acceptance.json > $R/acceptance.txt 2> $R/acceptance.err
for first in 0 8; do
  python3 -m eval.best_of_sets --engine ../build/cli/gft --model shipped=../models/gft-emoji.gguf \
    --model cand=runs/parallel/cand.gguf --meta ../.devdata/pack/meta.json.xz --judge $J \
    --first-seed $first -o $R/sets-$first.json > $R/sets-$first.txt 2> $R/sets-$first.err
done
