#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shipped file at its defaults (best of 4) through one or more engine builds: for each, the
# 16 acceptance prompts (eval.acceptance, seeds 100-115, both judges) and the 96 judged prompts
# x 8 seeds (eval.best_of_sets). How the int8 activations (seventeenth session) and the int8
# KV cache (eighteenth) were checked. Run in training/:
#   bash eval/compare_engines.sh OUT_DIR NAME=GFT_COMMAND [NAME=GFT_COMMAND ...]
# writes OUT_DIR/acceptance-NAME.{txt,json} and OUT_DIR/sets-NAME.{txt,json}.
set -euo pipefail
out=$1
shift
export OPENBLAS_NUM_THREADS=1
M=${GFT_MODEL_FILE:-../models/gft-emoji.gguf}
mkdir -p "$out"
for pair in "$@"; do
  name=${pair%%=*}
  eng=${pair#*=}
  python3 -m eval.acceptance --engine "$eng" --model "$name=$M" --seeds 16 \
    --cnn-judge runs/judge/judge-gpu2.pt --names -o "$out/acceptance-$name.json" > "$out/acceptance-$name.txt"
  python3 -m eval.best_of_sets --engine "$eng" --model "$name=$M" --meta ../.devdata/pack/meta.json.xz \
    --judge runs/judge/judge-gpu2.pt -o "$out/sets-$name.json" > "$out/sets-$name.txt"
done
