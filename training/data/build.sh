#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Rebuild the training data: pinned npm packages, SVG extraction, renders,
# captions metadata, concept split and the compact pack (.devdata/pack).
# Idempotent: finished renders and compressed pack chunks are reused.
#   training/data/build.sh [--no-openclipart]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
training=$(dirname "$here")
PY=/usr/bin/python3  # Debian's numpy/PIL live here, not in pyenv

command -v rsvg-convert >/dev/null || { echo "build.sh: rsvg-convert missing (apt install librsvg2-bin)" >&2; exit 1; }
if [ "${1:-}" != "--no-openclipart" ] && [ ! -d /usr/share/openclipart/svg ]; then
  echo "build.sh: /usr/share/openclipart/svg missing (apt install openclipart-svg)" >&2; exit 1
fi

cd "$training"
# npm ci reinstalls from scratch; skip it when the lock file is already installed.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.gft-lock; then
  npm ci --ignore-scripts --no-audit --no-fund
  cp package-lock.json node_modules/.gft-lock
fi

cd "$here"
nice -n 10 "$PY" build_cache.py "$@"
nice -n 10 "$PY" pack.py
