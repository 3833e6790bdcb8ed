#!/bin/sh
# Rewrites po/POTFILES: every C file of the dialog and the plug-in that marks
# strings for translation. Run from anywhere; then refresh the catalogues
# with `meson compile -C BUILD generate-from-text-update-po`.
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
{
    echo "# Files with translatable strings (gettext domain generate-from-text)."
    echo "# Regenerate with po/update-potfiles.sh."
    find ui plugin -name '*.c' 2>/dev/null | LC_ALL=C sort |
        while read -r f; do
            if grep -qE '(^|[^A-Za-z0-9_])(N?_|C_|NC_|ngettext|g_dngettext)\(' "$f"; then
                echo "$f"
            fi
        done
} >po/POTFILES
