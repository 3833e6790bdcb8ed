#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian packages Generate from Text needs, skipping those
# already installed (so it asks for nothing and needs no network when all are
# there). Uses sudo when not run as root.
#   scripts/install-deps.sh build   what building and running needs (quick start)
#   scripts/install-deps.sh all     everything in .ci/packages.txt (the whole test suite)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
set_name=${1:-build}

# Debian 13 ships GIMP 3 (libgimp-3.0-dev); Debian 12 ships GIMP 2.10.
gimp_dev=libgimp2.0-dev
if apt-cache show libgimp-3.0-dev >/dev/null 2>&1; then
    gimp_dev=libgimp-3.0-dev
fi

case $set_name in
build)
    packages="build-essential pkg-config meson ninja-build libopenblas-dev libpng-dev
              libgtk-3-dev gettext gimp $gimp_dev python3"
    ;;
all)
    # one package per line; comments and blank lines skipped
    packages=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$root/.ci/packages.txt" | grep -v '^$')
    ;;
*)
    echo "usage: $0 build|all" >&2
    exit 2
    ;;
esac

missing=()
for p in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
        exit 1
    fi
    sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=900 update
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${missing[@]}"
