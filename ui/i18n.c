/* Generate from Text: binding the gettext domain.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "gft-dialog.h"
#include "i18n.h"

void gft_ui_bind_textdomain(const gchar *locale_dir)
{
    bindtextdomain(GFT_GETTEXT_DOMAIN, locale_dir ? locale_dir : GFT_LOCALEDIR);
    bind_textdomain_codeset(GFT_GETTEXT_DOMAIN, "UTF-8");
}
