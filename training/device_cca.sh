#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One GPU call: CCA from the shipped model file, with the checkpoint the independent CNN judge
# names best (gft.cca_file). The recipe of models/MODEL_CARD.md, "How to get a better model".
# Run from the repository root on the device machine (the `run` tool), carrying
#   training/runs/codes-gpu2   the shipped tokenizer's code grids (10.5 MB)
#   training/runs/judge        python3 -m eval.judge runs/gpu2/final.pt -o runs/judge/judge-gpu2.pt (5.9 MB);
#                              without it (a new machine has no runs/gpu2) the call first trains the
#                              judge from the code grids (eval.judge_train, about a minute) and
#                              returns it as $OUT/judge-gpu2.pt
#   .devdata/pack/meta.json.xz the captions (1.3 MB)
# with training/checkpoints/vq-gpu2.pt moved aside while the call runs (the working tree and
# the carried files must stay under 64 MiB; this call needs only the model file):
#   bash training/device_cca.sh            # <= 9 minutes, writes cand.gguf.part00..02, metrics.json,
#                                          # train.log to $OUT (5 files, each <= 15 MiB)
#   bash training/device_cca.sh --dry-run  # a few steps on the CPU
#   GFT_CCA_ARGS="--objective lang-distill --anchor 0.5 --guard --p-preferred 0.8" bash training/device_cca.sh
#                                          # other gft.cca_file options (word-split), e.g. the
#                                          # cross-lingual distillation the twelfth session tried on the CPU
#   GFT_LR=2e-5 GFT_EVERY=50 GFT_CCA_ARGS="--objective self-train --anchor 0.5 --group 4 --captions-per-draw 512 --refresh 10 --p-english 0.5 --p-preferred 0.8"
#                                          # judged self-training (gft.self_train; the eighteenth session's
#                                          # two calls lowered the judge's figures, so nothing was kept)
# Then: cat OUT/cand.gguf.part* > cand.gguf; judge it with eval.acceptance and by eye.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/training/runs/cca-file}
# 96 prompts x 16 seeds per judging: on the CPU (eighth session) 4 seeds per prompt (384 images)
# named 12 to 28 images right (top-5) from one checkpoint to the next, and the one picked (28)
# named 3 of 216 unseen images against the start's 5: the pick was noise. --wall stops training
# early enough that the judgings, the report and the export finish inside the timeout below,
# however fast the GPU turns out to be.
EXTRA=(--budget "${GFT_BUDGET:-300}" --every "${GFT_EVERY:-200}" --batch "${GFT_BATCH:-128}"
       --lr "${GFT_LR:-1e-5}" --select-prompts 24 --seeds "${GFT_SEEDS:-16}" --wall "${GFT_WALL:-520}" --shard)
if [ "${1:-}" = "--dry-run" ]; then
  OUT=${OUT_DRY:-$ROOT/training/runs/cca-file-dry}
  EXTRA=(--budget 1e9 --max-steps 2 --every 1 --batch 2 --select-prompts 1 --seeds 1 --shard)
fi
MODEL=${GFT_MODEL:-$ROOT/models/gft-emoji.gguf}
CODES=${GFT_CODES:-$ROOT/training/runs/codes-gpu2/codes-gpu2.npy.xz}
META=${GFT_META:-$ROOT/.devdata/pack/meta.json.xz}
JUDGE=${GFT_JUDGE:-$ROOT/training/runs/judge/judge-gpu2.pt}
. training/device_common.sh
mkdir -p "$OUT"
device_start device_cca "$MODEL" "$CODES" "$META" || exit 2
if [ ! -f "$JUDGE" ]; then
  JUDGE=$OUT/judge-gpu2.pt
  device_train_judge "$MODEL" "$CODES" "$META" "$JUDGE" "${1:-}" 2>&1 | tee "$OUT/judge.log" || exit 3
  # the judge's minute comes out of the CCA run's wall clock and timeout
  [ "${1:-}" = "--dry-run" ] || EXTRA+=(--wall "$(( ${GFT_WALL:-520} - SECONDS ))")
fi
# shellcheck disable=SC2206 # word splitting is the point: options in one variable
EXTRA+=(${GFT_CCA_ARGS:-})
cd training || exit 1
timeout -k 5 "$(( ${GFT_TIMEOUT:-560} - SECONDS ))" "$PY" -m gft.cca_file --model "$MODEL" --codes "$CODES" --meta "$META" \
  --judge "$JUDGE" --out "$OUT" "${EXTRA[@]}"
rc=$?
echo "cca_file exit $rc"
ls -la "$OUT"
exit $rc
