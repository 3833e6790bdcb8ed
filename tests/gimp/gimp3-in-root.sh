#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# GIMP 3 integration test on a Debian 12 host: Debian 13 (trixie) ships
# GIMP 3, so the plug-in is built and tested inside a Debian 13 root made
# with debootstrap (kept outside the clone and reused; $GFT_GIMP3_ROOT,
# default /var/tmp/gft-gimp3-root). The sources are bind-mounted read-only
# at /src and built with meson inside the root against libgimp-3.0; then
# gimp_test.py runs there with gimp-console-3.0 and Python-Fu.
#
#   gimp3-in-root.sh test SOURCE_DIR TEST_MODEL.gguf [RERANK_MODEL.gguf] [--interactive]
#        the integration test (RERANK_MODEL: a model with a reranker for the
#        best-of-K scenario; --interactive: GIMP's GUI on Xvfb, the dialogs)
#   gimp3-in-root.sh run SOURCE_DIR COMMAND...         COMMAND in the root after
#        the build (/src = the sources, $GFT_BUILD = the build folder there;
#        the root's /tmp/gft-share is shared as $ROOT/tmp/gft-share)
# Exit 77 (skip) only when not root or the root cannot be made.
set -u
MODE=$1
SRC=$(cd "$2" && pwd)
shift 2
ROOT=${GFT_GIMP3_ROOT:-/var/tmp/gft-gimp3-root}
BUILD=/var/tmp/gft-build-gimp3 # inside the root
PACKAGES="gimp libgimp-3.0-dev gcc libc6-dev meson ninja-build pkg-config libopenblas-dev
 libpng-dev gettext python3 python3-gi gir1.2-gimp-3.0 xvfb xauth xdotool x11-apps"

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}

[ "$(id -u)" = 0 ] || skip "making and entering a Debian 13 root needs root"
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9 # one user of the root at a time

MOUNTED=()
cleanup() {
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}"
    done
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP # so that the EXIT trap unmounts
mount_in_root() { # mount args... target
    mount "$@" || fail "mount $*"
    MOUNTED+=("${@: -1}")
}

if [ ! -d "$ROOT/usr" ]; then
    command -v debootstrap >/dev/null || skip "debootstrap is not installed"
    MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    rm -rf "$ROOT.tmp"
    echo "making the Debian 13 root in $ROOT from $MIRROR (minutes)"
    debootstrap --variant=minbase trixie "$ROOT.tmp" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
        skip "debootstrap failed (no network to $MIRROR?), see $ROOT.debootstrap.log"
    mv "$ROOT.tmp" "$ROOT"
fi

# (a container without mount rights cannot run debootstrap or chroot GIMP either)
mount -t proc proc "$ROOT/proc" || skip "cannot mount /proc in the root (no mount rights)"
MOUNTED+=("$ROOT/proc")
if [ ! -f "$ROOT/.gft-packages" ] || [ "$(cat "$ROOT/.gft-packages")" != "$PACKAGES" ]; then
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    chroot "$ROOT" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends $(echo $PACKAGES)" >"$ROOT.apt.log" 2>&1 ||
        skip "installing GIMP 3 in the root failed (no network?), see $ROOT.apt.log"
    echo "$PACKAGES" >"$ROOT/.gft-packages"
fi

mkdir -p "$ROOT/src"
mount_in_root --bind "$SRC" "$ROOT/src"
mount -o remount,bind,ro "$ROOT/src" || fail "remount /src read-only"

in_root() {
    chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8 "$@"
}

echo "building the plug-in against $(in_root pkg-config --modversion gimp-3.0 || echo '?') in the root"
if [ ! -f "$ROOT$BUILD/build.ninja" ]; then
    in_root meson setup "$BUILD" /src -Dgimp2=disabled -Dgimp3=enabled -Dgimp_tests=false \
        -Dfuzzers=false >"$ROOT.meson.log" 2>&1 || { cat "$ROOT.meson.log"; fail "meson setup"; }
fi
in_root ninja -C "$BUILD" plugin/gimp3/generate-from-text || fail "building the GIMP 3 plug-in"

if [ "$MODE" = run ]; then
    mkdir -p "$ROOT/tmp/gft-share"
    in_root env GFT_BUILD="$BUILD" "$@"
    exit $?
fi

cp "$1" "$ROOT/tmp/gft-gimp3-test-model.gguf"
shift
if [ $# -gt 0 ] && [ "${1%.gguf}" != "$1" ]; then
    cp "$1" "$ROOT/tmp/gft-gimp3-test-rerank-model.gguf"
    shift
    set -- --rerank-model /tmp/gft-gimp3-test-rerank-model.gguf "$@"
fi
in_root python3 /src/tests/gimp/gimp_test.py --gimp 3 "$@" \
    --plugin "$BUILD/plugin/gimp3/generate-from-text" \
    --model /tmp/gft-gimp3-test-model.gguf --gimp-console gimp-console-3.0
