#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Generate from Text plug-in for the current user into every
# GIMP found: each existing user config (~/.config/GIMP/<version>, also the
# Flatpak one) and each installed GIMP (gimp-2.10, gimp-3.0, gimp-3.2...).
# Per version the layout is
#   <config>/plug-ins/generate-from-text/generate-from-text   (the binary)
#   <config>/plug-ins/generate-from-text/gft-emoji.gguf       (the model)
#   <config>/plug-ins/generate-from-text/locale/<lang>/LC_MESSAGES/generate-from-text.mo
# GIMP 2.10 gets the libgimp-2.0 build, GIMP 3.x the libgimp-3.0 build.
#
# Usage: scripts/install-plugin.sh [options]
#   --build DIR     meson build folder (default: build, then build-*)
#   --gimp3-build DIR  a separate build folder holding the GIMP 3 plug-in
#   --model FILE    model to install (default: the shipped gft-emoji.gguf)
#   --config DIR    install into this GIMP config folder only (repeatable);
#                   its version is its name (2.10, 3.0, 3.2...)
#   --uninstall     remove the plug-in folder from those configs
#   --dry-run       say what would be done
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=""
gimp3_build=""
model=""
configs=""
uninstall=0
dry=0
name=generate-from-text

die() {
    echo "install-plugin.sh: $*" >&2
    exit 1
}
run() {
    if [ "$dry" = 1 ]; then echo "would run: $*"; else "$@"; fi
}

while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --gimp3-build) gimp3_build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --config) configs="$configs
$2"; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h | --help) sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
done

# ---- what to install ---------------------------------------------------------
if [ -z "$build" ]; then
    for d in "$src/build" "$src"/build-*; do
        if [ -f "$d/build.ninja" ]; then build=$d; break; fi
    done
fi
[ -n "$build" ] || die "no build folder found: run 'meson setup build && ninja -C build' first"
gimp3_build=${gimp3_build:-$build}
bin2="$build/plugin/gimp2/$name"
bin3="$gimp3_build/plugin/gimp3/$name"
if [ -z "$model" ]; then
    for m in "$build/models/gft-emoji.gguf" "$src/models/gft-emoji.gguf"; do
        if [ -f "$m" ]; then model=$m; break; fi
    done
fi
[ "$uninstall" = 1 ] || [ -f "$model" ] || die "model file not found: ${model:-gft-emoji.gguf}"

# ---- where: GIMP config folders (one per GIMP version) ---------------------------
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
if [ -z "$configs" ]; then
    for base in "$config_home/GIMP" "$HOME/.var/app/org.gimp.GIMP/config/GIMP"; do
        for d in "$base"/2.10 "$base"/3.*; do
            [ -d "$d" ] && configs="$configs
$d"
        done
    done
    # installed GIMPs that have not been started yet have no config folder
    for exe in gimp-2.10 gimp-3.0 gimp-3.2 gimp-3.4 gimp-3; do
        command -v "$exe" >/dev/null 2>&1 || continue
        version=$("$exe" --version 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\.[0-9][0-9]*\)\.[0-9].*/\1/p')
        [ -n "$version" ] && configs="$configs
$config_home/GIMP/$version"
    done
fi
configs=$(printf '%s\n' "$configs" | sed '/^$/d' | sort -u)
[ -n "$configs" ] || die "no GIMP found (no ~/.config/GIMP/<version> and no gimp-2.10/gimp-3.x); use --config DIR"

installed=0
echo "$configs" | {
    while IFS= read -r cfg; do
        version=$(basename "$cfg")
        dest="$cfg/plug-ins/$name"
        case $version in
        2.10) bin=$bin2 ;;
        3.*) bin=$bin3 ;;
        *) echo "skipping $cfg: unknown GIMP version '$version'"; continue ;;
        esac
        if [ "$uninstall" = 1 ]; then
            if [ -d "$dest" ]; then
                run rm -rf "$dest"
                echo "removed $dest"
            fi
            continue
        fi
        if [ ! -x "$bin" ]; then
            echo "skipping GIMP $version ($cfg): no plug-in built for it at $bin"
            continue
        fi
        run mkdir -p "$dest"
        run install -m 755 "$bin" "$dest/$name"
        run install -m 644 "$model" "$dest/gft-emoji.gguf"
        for mo in "$build"/po/*/LC_MESSAGES/$name.mo; do
            [ -f "$mo" ] || continue
            lang=$(basename "$(dirname "$(dirname "$mo")")")
            run mkdir -p "$dest/locale/$lang/LC_MESSAGES"
            run install -m 644 "$mo" "$dest/locale/$lang/LC_MESSAGES/$name.mo"
        done
        echo "installed for GIMP $version: $dest"
        installed=$((installed + 1))
    done
    if [ "$uninstall" = 0 ] && [ "$installed" = 0 ]; then
        die "nothing installed: build the plug-in for your GIMP version first"
    fi
}
