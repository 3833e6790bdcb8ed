#!/bin/sh
# Re-makes docs/screenshot-dialog.png (the dialog with four finished
# previews of "grinning face", seed 0, from models/gft-emoji.gguf) and
# docs/screenshot-dialog-live.png (the same run half-way: the live preview
# filling in row by row), rendered on a private X server.
# Usage: ui/make-screenshot.sh [BUILD_DIR] [OUTPUT.png] [LIVE.png]
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-ui}
out=${2:-$root/docs/screenshot-dialog.png}
live=${3:-$root/docs/screenshot-dialog-live.png}

[ -f "$build/build.ninja" ] || meson setup "$build" "$root"
ninja -C "$build" ui/gft-dialog

# English, the stock GTK theme and no desktop services: the same picture on
# any machine.
export LC_ALL=C.UTF-8 LANGUAGE= GTK_THEME=Adwaita NO_AT_BRIDGE=1 GTK_A11Y=none
export GSETTINGS_BACKEND=memory
exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
    "$build/ui/gft-dialog" -m "$root/models/gft-emoji.gguf" \
    --prompt "grinning face" --variations 4 --seed 0 --screenshot "$out" \
    --live-screenshot "$live"
