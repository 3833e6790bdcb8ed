#!/bin/sh
# Runs a command on a private X server (Xvfb). Exit 77 (meson: skipped)
# only when no X server can be had.
# SPDX-License-Identifier: GPL-3.0-or-later
if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v Xvfb >/dev/null 2>&1; then
    echo "xvfb-run/Xvfb not installed: skipping" >&2
    exit 77
fi
# GTK needs no session bus, settings daemon or accessibility bus here.
export NO_AT_BRIDGE=1 GTK_A11Y=none GSETTINGS_BACKEND=memory
exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$@"
