#!/bin/bash
# The reranker trained on all 14 263 reconstructions (instead of 4 096), judged on the product:
# the C engine at the file's defaults (best of 4), the CNN judge runs/judge/judge-gpu2.pt, the same
# prompts and seeds as the shipped file's figures in eval/results/ramp-2026-11-28/ (acc-base.json,
# sets-base.json, sets-b.json). Run in training/ with Debian's python3 first on PATH.
set -euo pipefail
R=eval/results/rerank-allrecon-2026-11-29
OPENBLAS_NUM_THREADS=1 python3 -m gft.rerank --model ../models/gft-emoji.gguf --codes runs/codes-gpu2/codes-gpu2.npy.xz \
  --n-recon 14263 --budget 1e9 --max-steps 2228 --threads 2 --side 64 --width 16,32,64,128,256 --readings \
  -o runs/rerank-allrecon/rerank.pt
python3 -m gft.rerank_gguf --model ../models/gft-emoji.gguf --rerank runs/rerank-allrecon/rerank.pt --candidates 4 \
  -o runs/rerank-allrecon/model.gguf
python3 -m eval.acceptance --engine ../build/cli/gft --model allrecon=runs/rerank-allrecon/model.gguf --seeds 16 \
  --cnn-judge runs/judge/judge-gpu2.pt -o $R/acc-allrecon.json
python3 -m eval.best_of_sets --engine ../build/cli/gft --model allrecon=runs/rerank-allrecon/model.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt -o $R/sets-allrecon.json
python3 -m eval.best_of_sets --engine ../build/cli/gft --model allrecon=runs/rerank-allrecon/model.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --first-seed 8 -o $R/sets-b-allrecon.json
# paired.txt: python3 eval/results/ramp-2026-11-28/paired.py base=...sets-base.json:m allrecon=$R/sets-allrecon.json:allrecon,
# then base=...sets-b.json:base allrecon=$R/sets-b-allrecon.json:allrecon (the shipped file's figures of the twenty-seventh session)
