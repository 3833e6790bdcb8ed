# SPDX-License-Identifier: GPL-3.0-or-later
# Shared start of the one-call GPU scripts (device_continue.sh, device_cca.sh); source it.
#   device_start NAME FILE...   checks the inputs, prints the GPU, sets PY (a python3 with torch)

device_start() {
  local name=$1 f
  shift
  for f in "$@"; do
    [ -f "$f" ] || { echo "$name: missing $f (see its comment at the top and training/README.md)" >&2; return 2; }
  done
  PY=python3
  [ -x /usr/bin/python3 ] && ! python3 -c 'import torch' 2>/dev/null && PY=/usr/bin/python3
  export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  return 0
}

# device_train_judge MODEL CODES META OUT [--dry-run]: trains the CNN judge from the code grids
# (eval.judge_train; about 40 s on an H200, a few steps with --dry-run) into OUT; log on stdout.
device_train_judge() {
  local model=$1 codes=$2 meta=$3 out=$4 args=()
  [ "${5:-}" = "--dry-run" ] && args=(--max-steps 2 --max-items 300 --variants 2 --batch 8)
  (cd training && "$PY" -m eval.judge_train --model "$model" --codes "$codes" --meta "$meta" -o "$out" \
    "${args[@]}")
}
