#!/bin/bash
# int8 attention (nineteenth session) against the eighteenth session's engine (int8 K/V cache,
# F32 query and weights): the same model file, two engine builds copied to runs/attnq8/ and
# runs/int8kv/ from their build/cli/gft. Run in training/ with Debian's python3 first on PATH.
#  1. the acceptance prompts and the judged sets at 8 seeds (compare_engines.sh; the int8kv
#     figures are those of eval/results/int8kv-2026-11-28/, same binary, same seeds);
#  2. the judged sets again for both builds at seeds 0-15 (sets16-*) and 16-31 (sets16b-*);
#  3. the attention's effect on the next-token distributions (attention_kl.py).
set -euo pipefail
R=eval/results/attnq8-2026-11-28
bash eval/compare_engines.sh runs/attnq8/out attnq8=runs/attnq8/gft-attnq8
cp runs/attnq8/out/*.txt runs/attnq8/out/*.json $R/
export OPENBLAS_NUM_THREADS=1
for first in 0 16; do
  tag=sets16; [ $first = 16 ] && tag=sets16b
  for pair in attnq8=runs/attnq8/gft-attnq8 int8kv=runs/int8kv/gft-int8kv; do
    name=${pair%%=*}
    python3 -m eval.best_of_sets --engine "${pair#*=}" --model "$name=../models/gft-emoji.gguf" \
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --seeds 16 \
      --first-seed $first -o $R/$tag-$name.json > $R/$tag-$name.txt
  done
done
OPENBLAS_NUM_THREADS=2 python3 $R/attention_kl.py > $R/attention_kl.txt
