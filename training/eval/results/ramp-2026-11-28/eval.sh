#!/bin/bash
# The guidance ramp judged on the product (the C engine, best of 4, the CNN judge runs/judge/judge-gpu2.pt).
# Run in training/ with Debian's python3 first on PATH. rampG.gguf: the shipped file with
# `python3 -m gft.set_sampling --model ../models/gft-emoji.gguf --sampling G:0.7:40 --guidance-ramp 1`.
set -euo pipefail
R=eval/results/ramp-2026-11-28
for g in 2.5 3 4; do
  python3 -m gft.set_sampling --model ../models/gft-emoji.gguf --sampling $g:0.7:40 --guidance-ramp 1 -o runs/ramp$g.gguf
done
python3 -m eval.best_of_sets --engine ../build/cli/gft --model r4=runs/ramp4.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt -o $R/sets-r4.json
python3 -m eval.best_of_sets --engine ../build/cli/gft --model base=../models/gft-emoji.gguf --model r3=runs/ramp3.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --first-seed 8 -o $R/sets-b.json
python3 -m eval.acceptance --engine ../build/cli/gft --model r25=runs/ramp2.5.gguf --seeds 16 \
  --cnn-judge runs/judge/judge-gpu2.pt -o $R/acc-r25.json
python3 -m eval.best_of_sets --engine ../build/cli/gft --model r25=runs/ramp2.5.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt -o $R/sets-r25.json
python3 -m eval.best_of_sets --engine ../build/cli/gft --model r25=runs/ramp2.5.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --first-seed 8 -o sets-b-r25.json
# sets-b-base-r25.json: sets-b.json's base and that r25 in one file; paired.txt: paired.py on each pair
# red-apple-sun-r25.png: "red apple" and "sun", seeds 100-115, constant 2 (rows 1-2, 5-6) against
# the ramp to 2.5 (rows 3-4, 7-8), gft generate --native-size
