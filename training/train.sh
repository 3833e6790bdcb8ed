#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command from sources to the shipped model file:
#   rebuild the data pack -> BPE tokenizer -> train both stages (+ judge, evaluation) -> export.
#
#   training/train.sh            GPU tier on a local CUDA device (about 10 minutes)
#   training/train.sh --cpu      CPU tier, 2 cores, about 2 hours; resumable (run it again)
#   training/train.sh --from DIR only finalise an existing run (e.g. the GPU machine's $OUT)
# Options: --skip-data (keep .devdata/pack), --out DIR, --no-export.
# Result: models/gft-emoji.gguf (Q8_0), docs/contact-sheet.png, <run>/report.md.
set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD
TIER=gpu
OUT=""
FROM=""
DATA=1
EXPORT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) TIER=cpu ;;
    --from) FROM=$2; shift ;;
    --out) OUT=$2; shift ;;
    --skip-data) DATA=0 ;;
    --no-export) EXPORT=0 ;;
    *) echo "train.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# paths given on the command line are relative to where the script was called from
absolute() { case "$1" in /*) echo "$1" ;; "") ;; *) echo "$CALLER_DIR/$1" ;; esac; }
FROM=$(absolute "$FROM")
OUT=$(absolute "$OUT")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2} PYTHONUNBUFFERED=1

if [ -z "$FROM" ]; then
  if [ "$DATA" = 1 ] || [ ! -f .devdata/pack/meta.json.xz ]; then
    bash training/data/build.sh
  fi
  (cd training && "$PY" -m gft.prep -o runs/prep/tokenizer.json)
  if [ "$TIER" = cpu ]; then
    OUT=${OUT:-$ROOT/training/runs/cpu}
    (cd training && GFT_THREADS=${GFT_THREADS:-1} nice "$PY" -m gft.pipeline --tier cpu --out "$OUT" \
      --tokenizer runs/prep/tokenizer.json --resume)
  else
    OUT=${OUT:-$ROOT/training/runs/gpu}
    OUT=$OUT bash training/device_train.sh
  fi
  FROM=$OUT
fi

if [ "$EXPORT" = 1 ]; then
  # the C engine draws the contact sheet when a build of the CLI exists
  GFT_CLI=${GFT_CLI:-$(ls -t "$ROOT"/build*/cli/gft 2>/dev/null | head -1)}
  ENGINE=()
  [ -n "$GFT_CLI" ] && ENGINE=(--engine "$GFT_CLI")
  (cd training && "$PY" -m eval.finalize --run "$FROM" --model "$ROOT/models/gft-emoji.gguf" \
    --sheet "$ROOT/docs/contact-sheet.png" "${ENGINE[@]}")
fi
