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
echo "$json"

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
print("== engine (gft bench)")
print(f"model load           {b['load_ms']:10.2f} ms")
for n, key, tps, gf, rows in ((1, "one_image_ms", "tokens_per_s_one", "decode_gflops_2_rows", 2),
                              (4, "four_variations_ms", "tokens_per_s_four", "decode_gflops_8_rows", 8)):
    print(f"{n} guided {'image     ' if n == 1 else 'variations'} {b[key]:10.2f} ms  {b[tps]:8.1f} tokens/s"
          f"  {b[gf]:7.2f} GFLOP/s ({rows} rows)")
print(f"4 variations / 1     {b['ratio_four_to_one']:10.2f} x")
print(f"VQ decoder           {b['vq_decoder_ms']:10.2f} ms per image")
print(f"sgemm 1024^3         {b['sgemm_1024_gflops']:10.2f} GFLOP/s; decode loop at 8 rows: "
      f"{b['decode_pct_of_sgemm_8_rows']:.1f} % of it")
print(f"peak RSS             {b['peak_rss_bytes'] / 2**20:10.1f} MiB = "
      f"{b['peak_rss_over_file_size']:.2f} x the model file")
print()
print("== engine vs PyTorch (same machine, same run; engine median, PyTorch best)")
for n, key in ((1, "one_image_ms"), (4, "four_variations_ms")):
    if n in ref:
        print(f"{n} guided {'image     ' if n == 1 else 'variations'}  engine {b[key]:9.1f} ms"
              f"   PyTorch {ref[n]:9.1f} ms   engine is {ref[n] / b[key]:5.2f}x faster")
PY
