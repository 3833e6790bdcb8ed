#!/bin/bash
# the reranker retrained on captions read through the current lexicon, against the shipped one
set -euo pipefail
cd /work/main/training
export OPENBLAS_NUM_THREADS=1
E=runs/rerank3
cp ../models/gft-emoji.gguf $E/shipped.gguf
/usr/bin/python3 -m gft.rerank_gguf --model $E/shipped.gguf --rerank $E/rerank64r3.pt -o $E/cand.gguf
date
/usr/bin/python3 -m eval.best_of_sets --engine ../build/cli/gft --model shipped=$E/shipped.gguf \
  --model rr3=$E/cand.gguf --meta ../.devdata/pack/meta.json.xz \
  --judge runs/judge/judge-gpu2.pt --keep $E/sets -o $E/sets.json > $E/sets.txt
date
/usr/bin/python3 -m eval.acceptance --engine ../build/cli/gft --model shipped=$E/shipped.gguf \
  --model rr3=$E/cand.gguf --seeds 16 --cnn-judge runs/judge/judge-gpu2.pt --names \
  --keep $E/acc -o $E/acceptance.json > $E/acceptance.txt
date
echo done
