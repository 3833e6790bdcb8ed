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
