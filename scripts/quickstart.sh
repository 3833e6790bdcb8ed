#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quick start on a fresh Debian 12 or 13 machine: installs the missing
# packages, builds, draws a sample image with the shipped model and installs
# the GIMP plug-in for the current user.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GFT_BUILD_DIR:-$root/build}

echo "== 1/4 packages"
"$root/scripts/install-deps.sh" build

echo "== 2/4 build ($build)"
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root"
fi
ninja -C "$build"

echo "== 3/4 sample image"
sample="$build/sample.png"
"$build/cli/gft" generate -p "a red heart" --seed 1 --variations 4 -o "$sample"

echo "== 4/4 GIMP plug-in"
if [ -f "$root/scripts/install-plugin.sh" ]; then
    sh "$root/scripts/install-plugin.sh" --build "$build"
else
    echo "(scripts/install-plugin.sh not found: plug-in not installed)"
fi

cat <<DONE

Done. Four sample images: ${sample%.png}-1.png .. ${sample%.png}-4.png
Try:   $build/cli/gft generate -p "a smiling cat" -o cat.png
Tests: ./scripts/test.sh
DONE
