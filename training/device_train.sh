#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The one-shot GPU training run: VQ tokenizer, encode, transformer, judge, evaluation.
# Run from the repository root on the device machine (the `run` tool):
#   bash training/device_train.sh            # writes to $OUT (<= 8 files, each <= 16 MiB)
#   bash training/device_train.sh --dry-run  # same code and model sizes, tiny budgets, on CPU
# GFT_TIME_SCALE=0.6 shortens every budget (e.g. for a second try with less device time left).
# Needs .devdata/pack (training/data/build.sh) and training/runs/prep/tokenizer.json (gft.prep).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/training/runs/gpu}
TIER=gpu

PY=python3
[ -x /usr/bin/python3 ] && ! python3 -c 'import torch' 2>/dev/null && PY=/usr/bin/python3
if [ "${1:-}" = "--dry-run" ]; then
  TIER=gpu-dry
  OUT=${OUT_DRY:-$ROOT/training/runs/gpu-dry}
fi
PACK=${GFT_PACK:-$ROOT/.devdata/pack}
TOK=${GFT_TOKENIZER:-$ROOT/training/runs/prep/tokenizer.json}
mkdir -p "$OUT"
[ -f "$PACK/meta.json.xz" ] || { echo "device_train: no pack at $PACK" >&2; exit 2; }
[ -f "$TOK" ] || { echo "device_train: no tokenizer at $TOK (run: cd training && python3 -m gft.prep -o $TOK)" >&2; exit 2; }
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if [ "$TIER" = gpu ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
nproc
"$PY" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available())'
cd training || exit 1
# hard stop inside the tool's limit: the checkpoint is written before evaluation starts
timeout -k 5 "${GFT_TIMEOUT:-575}" "$PY" -m gft.pipeline --tier "$TIER" --out "$OUT" --pack "$PACK" \
  --tokenizer "$TOK" --shard --time-scale "${GFT_TIME_SCALE:-1}"
rc=$?
echo "pipeline exit $rc"
ls -la "$OUT"
exit $rc
