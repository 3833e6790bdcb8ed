#!/bin/bash
# Speed of two engine builds on the same machine in the same minutes (twentieth session):
#   gft-old: main at 409a8ea (the nineteenth session's engine);
#   gft-new: with the Winograd / low-resolution decoder convs, the lane fingerprint and the
#            four-row int8 kernel.
# Three rounds, the builds alternating: `gft bench --runs 3 --json`, then three whole
# `gft generate` processes at the defaults (one image, best of 4) and three with `-v 4`
# (best of 4: 32 rows), with wall time and peak RSS.
# Usage: bench.sh DIR_WITH_BINARIES MODEL OUT_DIR
set -euo pipefail
bin=$1 model=$2 out=$3
mkdir -p "$out"
: > "$out/generate-times.txt"
for round in 1 2 3; do
  for b in gft-old gft-new; do
    "$bin/$b" bench -m "$model" --runs 3 --json > "$out/bench-$b-$round.json"
    for v in 1 4; do
      for i in 1 2 3; do
        /usr/bin/time -f "$b round $round -v $v run $i: %e s %M KiB" "$bin/$b" generate \
          -m "$model" -p "red apple" -v "$v" --seed 7 -q -o "$out/img-$b-v$v.png" \
          > /dev/null 2>> "$out/generate-times.txt"
      done
    done
  done
done
