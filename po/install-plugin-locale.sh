#!/bin/sh
# meson install script: copies the built catalogues into the GIMP 3
# plug-in's own locale folder.
# Usage: install-plugin-locale.sh BUILD_PO_DIR TARGET_LOCALE_DIR DOMAIN LANG...
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
src=$1
dst=$2
domain=$3
shift 3
for lang in "$@"; do
    dir="${DESTDIR:-}$dst/$lang/LC_MESSAGES"
    mkdir -p "$dir"
    install -m 644 "$src/$lang/LC_MESSAGES/$domain.mo" "$dir/$domain.mo"
    echo "Installing $dir/$domain.mo"
done
