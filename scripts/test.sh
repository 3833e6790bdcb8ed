#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the whole test suite: installs any missing Debian packages the tests
# need, builds into build/ (or $GFT_BUILD_DIR) and runs `meson test`.
# Extra arguments go to meson test (e.g. --suite cli).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GFT_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh" all
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root"
fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs "$@"
