#!/bin/sh
# The gft-dialog program end to end: OK writes one PNG per variation at the
# requested size; --screenshot writes a picture of the dialog.
# Usage: test_standalone.sh GFT_DIALOG TINY_MODEL
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
prog=$1
model=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# width and height of a PNG file (IHDR, big-endian)
png_size() {
    head -c 4 "$1" | od -An -c | grep -q 'P   N   G' || fail "$1 is not a PNG"
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $3*256+$4, $7*256+$8 }'
}

"$prog" -m "$model" --prompt "red apple" -n 3 --seed 5 --ok -o "$tmp/out" >"$tmp/log" 2>&1 ||
    { cat "$tmp/log"; fail "gft-dialog --ok failed"; }
for i in 1 2 3; do
    f="$tmp/out/variation-$i-seed-$((4 + i)).png"
    [ -f "$f" ] || { cat "$tmp/log"; fail "missing $f"; }
    [ "$(png_size "$f")" = "8x8" ] || fail "$f is $(png_size "$f"), not 8x8"
done

# settings from a file: output size, one variation
printf 'width=24\nheight=16\nvariations=1\n' >"$tmp/settings"
"$prog" -m "$model" --settings "$tmp/settings" --prompt "blue fish" --seed 9 --ok \
    -o "$tmp/sized" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "--settings run failed"; }
[ "$(ls "$tmp/sized")" = "variation-1-seed-9.png" ] || fail "expected one file: $(ls "$tmp/sized")"
[ "$(png_size "$tmp/sized/variation-1-seed-9.png")" = "24x16" ] || fail "not 24x16"

# a bad settings file is reported and nothing runs
printf 'variations=99\n' >"$tmp/bad"
if "$prog" -m "$model" --settings "$tmp/bad" --ok -o "$tmp/bad-out" >"$tmp/log" 2>&1; then
    fail "a bad settings file was accepted"
fi
grep -q variations "$tmp/log" || fail "no message about the bad value: $(cat "$tmp/log")"
[ ! -e "$tmp/bad-out" ] || fail "files written despite the bad settings"

# the screenshot mode
"$prog" -m "$model" --prompt "red apple" -n 4 --seed 1 --screenshot "$tmp/shot.png" \
    >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "--screenshot failed"; }
size=$(png_size "$tmp/shot.png")
w=${size%x*}
[ "$w" -ge 600 ] || fail "screenshot only $size"
echo "ok: PNG files, sizes, bad settings, screenshot $size"
