#!/bin/bash
# int8 K/V cache against F16 K/V (eighteenth session): the same model file, two engine builds
# (gft-f16kv: main at f4c78ff, before the change; gft-int8kv: with it). Run in training/
# with both binaries copied to runs/int8kv/.
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
E=runs/int8kv
M=../models/gft-emoji.gguf
for eng in int8kv f16kv; do
  python3 -m eval.acceptance --engine $E/gft-$eng --model $eng=$M --seeds 16 \
    --cnn-judge runs/judge/judge-gpu2.pt --names -o $E/acceptance-$eng.json > $E/acceptance-$eng.txt
  python3 -m eval.best_of_sets --engine $E/gft-$eng --model $eng=$M --meta ../.devdata/pack/meta.json.xz \
    --judge runs/judge/judge-gpu2.pt -o $E/sets-$eng.json > $E/sets-$eng.txt
done
