#!/bin/bash
# Speed of three engine builds on the same machine in the same minutes (nineteenth session):
#   gft-old:  main at 9493c64 (the eighteenth session's engine);
#   gft-blas: 6222d1d (OpenBLAS's idle threads stopped);
#   gft-new:  with the int8 attention (attn_q8).
# Three rounds, the builds alternating: `gft bench --runs 3 --json`, then three whole
# `gft generate -v 4` processes (best of 4: 32 rows) with wall time and peak RSS.
# Usage: bench.sh DIR_WITH_BINARIES MODEL OUT_DIR
set -euo pipefail
bin=$1 model=$2 out=$3
mkdir -p "$out"
for round in 1 2 3; do
  for b in gft-old gft-blas gft-new; do
    "$bin/$b" bench -m "$model" --runs 3 --json > "$out/bench-$b-$round.json"
    for i in 1 2 3; do
      /usr/bin/time -f "$b $round $i %e s %M KiB" "$bin/$b" generate -m "$model" -p "red apple" \
        -v 4 --seed 7 -q -o "$out/img-$b.png" > /dev/null 2>> "$out/generate-times.txt"
    done
  done
done
