#!/bin/bash
# int8 activations against F32 activations (seventeenth session): the same
# build and model file, the F32 path by GFT_NO_INT8=1. Run in training/.
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
E=runs/int8
mkdir -p $E
cp ../build/cli/gft $E/gft-int8
printf '#!/bin/sh\nGFT_NO_INT8=1 exec %s/gft-int8 "$@"\n' "$(realpath $E)" > $E/gft-f32
chmod +x $E/gft-f32
M=../models/gft-emoji.gguf
for eng in int8 f32; do
  python3 -m eval.acceptance --engine $E/gft-$eng --model $eng=$M --seeds 16 \
    --cnn-judge runs/judge/judge-gpu2.pt --names -o $E/acceptance-$eng.json > $E/acceptance-$eng.txt
  python3 -m eval.best_of_sets --engine $E/gft-$eng --model $eng=$M --meta ../.devdata/pack/meta.json.xz \
    --judge runs/judge/judge-gpu2.pt -o $E/sets-$eng.json > $E/sets-$eng.txt
done
