#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Re-makes docs/screenshot-gimp.png: real GIMP 3 (in the Debian 13 root of
# gimp3-in-root.sh) on a private X server, showing an image with the layers
# generated from "grinning face" (4 variations, seed 0, shipped model) and the
# Layers dialog. Needs root (chroot); takes minutes on a slow CPU.
#   tests/gimp/make-screenshot.sh [OUTPUT.png] [MODEL.gguf]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:-$src/docs/screenshot-gimp.png}
model=${2:-$src/models/gft-emoji.gguf}
root=${GFT_GIMP3_ROOT:-/var/tmp/gft-gimp3-root}

mkdir -p "$root/tmp/gft-share"
cp "$model" "$root/tmp/gft-share/gft-emoji.gguf"
rm -f "$root/tmp/gft-share/screen.xwd"

bash "$here/gimp3-in-root.sh" run "$src" bash -c '
set -eu
profile=/tmp/gft-share/GIMP/3.0
rm -rf /tmp/gft-share/GIMP && mkdir -p "$profile"
sh /src/scripts/install-plugin.sh --build "$GFT_BUILD" --model /tmp/gft-share/gft-emoji.gguf \
    --config "$profile"
export GIMP3_DIRECTORY=$profile LC_ALL=C.UTF-8 LANGUAGE= NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c "
  gimp-3.0 --no-splash -d -f --batch-interpreter=python-fu-eval \
      -b \"exec(open(\\\"/src/tests/gimp/screenshot-scene.py\\\").read())\" >/tmp/gft-share/gimp.log 2>&1 &
  for i in \$(seq 1 900); do
      W=\$(xdotool search --name \"layers\\) 512x512\" 2>/dev/null | head -1)
      [ -n \"\$W\" ] && break
      sleep 1
  done
  # no window manager: fill the screen by hand
  xdotool windowmove \$W 0 0 windowsize \$W 1280 800 || true
  sleep 5
  xwd -root -silent -out /tmp/gft-share/screen.xwd
  kill %1 || true
"'
[ -s "$root/tmp/gft-share/screen.xwd" ] || { echo "no screenshot taken"; exit 1; }
/usr/bin/python3 "$src/scripts/xwd-to-png.py" "$root/tmp/gft-share/screen.xwd" "$out"
echo "wrote $out"
