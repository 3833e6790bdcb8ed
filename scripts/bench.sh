#!/usr/bin/env bash
# Measures the engine (gft bench) and the PyTorch reference doing the same
# work (one guided image, four guided variations) in the same run, and
# prints the ratio.   scripts/bench.sh [--threads N] [--runs R] [-m MODEL]
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GFT_BUILD_DIR:-$root/build}
threads=$(nproc)
runs=3
model=""
while [ $# -gt 0 ]; do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -m | --model) model=$(realpath "$2"); shift 2 ;;
    *) echo "usage: $0 [--threads N] [--runs R] [-m MODEL]" >&2; exit 2 ;;
    esac
done

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root"
fi
ninja -C "$build" cli/gft >/dev/null
if [ -z "$model" ]; then
    model=${GFT_MODEL:-$root/models/gft-emoji.gguf}
fi

echo "== engine: gft bench ($threads threads, median of $runs runs)"
json=$("$build/cli/gft" bench -m "$model" --threads "$threads" --runs "$runs" --json)
"$build/cli/gft" bench -m "$model" --threads "$threads" --runs "$runs"

echo
echo "== PyTorch reference: gft.sample --bench ($threads threads, best of $runs)"
ref=$(cd "$root/training" && OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads \
    /usr/bin/python3 -m gft.sample --bench --model "$model" --threads "$threads" \
    --prompt "a red heart" --repeat "$runs")
echo "$ref"

echo
GFT_JSON=$json GFT_REF=$ref /usr/bin/python3 - <<'PY'
import json, os, re
b = json.loads(os.environ["GFT_JSON"])
ref = dict((int(n), float(ms)) for n, ms in
           re.findall(r"reference_ms n_variations=(\d+): ([0-9.]+)", os.environ["GFT_REF"]))
print("== engine vs PyTorch (same machine, same run; engine median, PyTorch best)")
for n, key in ((1, "one_image_ms"), (4, "four_variations_ms")):
    if n in ref:
        print(f"{n} guided {'image     ' if n == 1 else 'variations'}  engine {b[key]:9.1f} ms"
              f"   PyTorch {ref[n]:9.1f} ms   engine is {ref[n] / b[key]:5.2f}x faster")
PY
