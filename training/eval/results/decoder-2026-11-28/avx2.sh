#!/bin/bash
# The AVX2 figures of the twentieth session (docs/benchmark-history.md, "Twentieth session, AVX2
# without VNNI"): portable x86-64-v3 builds of two commits (AVX2 alone; the same with AVX-VNNI),
# `gft bench --runs 3 --json`, three rounds alternating, int8 and `GFT_NO_INT8=1`.
# Usage (from the repository root): avx2.sh COMMIT_BEFORE COMMIT_AFTER OUT_DIR
set -euo pipefail
before=$1 after=$2 out=$3
mkdir -p "$out"
build() { # build COMMIT DIR MARCH
  rm -rf "$2.src" && git worktree add -q --detach "$2.src" "$1"
  meson setup "$2" "$2.src" -Dnative=false -Dc_args="$3" -Dui=disabled -Dgimp2=disabled \
    -Dgimp3=disabled -Dgimp_tests=false > /dev/null
  ninja -C "$2" cli/gft > /dev/null
}
build "$before" "$out/avx2-before" "-march=x86-64-v3"
build "$after" "$out/avx2-after" "-march=x86-64-v3"
build "$after" "$out/vnni256-after" "-march=x86-64-v3 -mavxvnni"
for round in 1 2 3; do
  for b in avx2-before avx2-after vnni256-after; do
    for f32 in 0 1; do
      GFT_NO_INT8=$f32 "$out/$b/cli/gft" bench -m models/gft-emoji.gguf --runs 3 --json \
        > "$out/$b-f32$f32-$round.json"
    done
  done
done
# the AVX2 and AVX-VNNI builds draw the same bytes
for b in avx2-after vnni256-after; do
  "$out/$b/cli/gft" generate -m models/gft-emoji.gguf -p "red apple" --seed 21 -v 4 -q \
    -o "$out/$b.png" > /dev/null
done
for i in 1 2 3 4; do cmp "$out/avx2-after-$i.png" "$out/vnni256-after-$i.png"; done
echo "same pixels"
