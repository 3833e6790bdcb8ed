#!/bin/bash
# Best of 8 against best of 4 (the shipped default) with this session's engine: the shipped file
# and a copy whose gft.sampling.candidates is 8 (runs/k8/k8.gguf). Run in training/ with
# Debian's python3 first on PATH.
set -euo pipefail
R=eval/results/k8-2026-11-28
export OPENBLAS_NUM_THREADS=1
python3 -m eval.acceptance --engine ../build/cli/gft --model k4=../models/gft-emoji.gguf \
  --model k8=runs/k8/k8.gguf --seeds 16 --cnn-judge runs/judge/judge-gpu2.pt --names \
  -o $R/acceptance.json > $R/acceptance.txt 2> $R/acceptance.err
python3 -m eval.best_of_sets --engine ../build/cli/gft --model k4=../models/gft-emoji.gguf \
  --model k8=runs/k8/k8.gguf --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \
  -o $R/sets.json > $R/sets.txt 2> $R/sets.err
# fresh seeds 8-15 for the judged sets
python3 -m eval.best_of_sets --engine ../build/cli/gft --model k4=../models/gft-emoji.gguf \
  --model k8=runs/k8/k8.gguf --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \
  --first-seed 8 -o $R/sets-b.json > $R/sets-b.txt 2> $R/sets-b.err
