#!/bin/sh
# The translations are complete and valid: every catalogue in po/LINGUAS
# compiles with `msgfmt --check`, and against a template freshly extracted
# from the sources it has no untranslated and no fuzzy message. POTFILES
# must name every source file with marked strings.
# Usage: check-po.sh SOURCE_ROOT
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
root=$1
for tool in xgettext msgmerge msgfmt; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool missing: skipping"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# POTFILES lists every marked source file, and only existing ones.
grep -v '^#' "$root/po/POTFILES" | sed '/^$/d' >"$tmp/listed"
(cd "$root" && find ui plugin -name '*.c' 2>/dev/null | LC_ALL=C sort | while read -r f; do
    if grep -qE '(^|[^A-Za-z0-9_])(N?_|C_|NC_|ngettext|g_dngettext)\(' "$f"; then echo "$f"; fi
done) >"$tmp/marked"
while read -r f; do
    [ -f "$root/$f" ] || { echo "POTFILES names a missing file: $f"; status=1; }
done <"$tmp/listed"
while read -r f; do
    grep -qxF "$f" "$tmp/listed" || { echo "$f has marked strings but is not in po/POTFILES (run po/update-potfiles.sh)"; status=1; }
done <"$tmp/marked"

# The same keywords as meson's i18n 'glib' preset (po/meson.build).
(cd "$root" && xgettext --package-name=generate-from-text --from-code=UTF-8 --add-comments \
    -k_ -kN_ -kC_:1c,2 -kNC_:1c,2 -kg_dcgettext:2 -kg_dngettext:2,3 -kg_dpgettext2:2c,3 \
    -f po/POTFILES -D . -o "$tmp/fresh.pot")
total=$(msgfmt --statistics -o /dev/null "$tmp/fresh.pot" 2>&1 | sed -n 's/.* \([0-9][0-9]*\) untranslated.*/\1/p')
echo "template: ${total:-?} messages"

for lang in $(grep -v '^#' "$root/po/LINGUAS"); do
    po="$root/po/$lang.po"
    if ! msgfmt --check --statistics -o /dev/null "$po" 2>"$tmp/stats"; then
        echo "$lang: msgfmt --check failed:"; cat "$tmp/stats"; status=1; continue
    fi
    msgmerge --quiet --no-fuzzy-matching "$po" "$tmp/fresh.pot" -o "$tmp/$lang.po"
    msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>"$tmp/stats" || {
        echo "$lang: merged catalogue fails msgfmt --check:"; cat "$tmp/stats"; status=1; continue; }
    stats=$(cat "$tmp/stats")
    echo "$lang: $stats"
    case "$stats" in
    *fuzzy* | *untranslated*)
        echo "$lang: not complete against the sources; missing:"
        msgattrib --untranslated --no-obsolete "$tmp/$lang.po" 2>/dev/null | grep '^msgid' | sed 1d | head -20
        status=1 ;;
    esac
done
exit $status
