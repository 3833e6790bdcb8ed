#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One GPU call that continues training the shipped run's transformer (gft.continue_gpt) from
# precomputed codes: no images travel, so the whole call goes to stage 2.
# Run from the repository root on the device machine (the `run` tool), carrying
# training/runs/init, training/runs/codes-gpu2, training/runs/prep and .devdata/pack/meta.json.xz
# (about 55 MB with models/gft-emoji.gguf and training/checkpoints moved aside):
#   bash training/device_continue.sh            # ~9.5 minutes, writes to $OUT
#   bash training/device_continue.sh --dry-run  # a few steps on the CPU
# Then: cd training && python3 -m eval.finalize --run DIR --vq-from checkpoints/vq-gpu2.pt ...
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/training/runs/continue}
EXTRA=(--budget "${GFT_BUDGET:-500}" --workers 8 --shard)
# GFT_MAX_STEPS: stop after this many steps too (training/reproduce.sh)
[ -n "${GFT_MAX_STEPS:-}" ] && EXTRA+=(--max-steps "$GFT_MAX_STEPS")
if [ "${1:-}" = "--dry-run" ]; then
  OUT=${OUT_DRY:-$ROOT/training/runs/continue-dry}
  EXTRA=(--budget 1e9 --max-steps 2 --batch 4 --workers 1 --val-every 1e9)
fi
INIT=${GFT_INIT:-$ROOT/training/runs/init/gft-gpu2.pt}
CODES=${GFT_CODES:-$ROOT/training/runs/codes-gpu2/codes-gpu2.npy.xz}
META=${GFT_META:-$ROOT/.devdata/pack/meta.json.xz}
TOK=${GFT_TOKENIZER:-$ROOT/training/runs/prep/tokenizer.json}
. training/device_common.sh
device_start device_continue "$INIT" "$CODES" "$META" "$TOK" || exit 2
mkdir -p "$OUT"
cd training || exit 1
timeout -k 5 "${GFT_TIMEOUT:-575}" "$PY" -m gft.continue_gpt --init "$INIT" --codes "$CODES" \
  --meta "$META" --tokenizer "$TOK" --out "$OUT" \
  --all-concepts --balance --keep "${GFT_KEEP:-best-val}" --p-english 0.5 --p-preferred 0.6 "${EXTRA[@]}"
rc=$?
echo "continue_gpt exit $rc"
ls -la "$OUT"
exit $rc
