/* Generate from Text: gettext macros for the dialog's sources.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef GFT_UI_I18N_H
#define GFT_UI_I18N_H

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "generate-from-text"
#endif
#include <glib/gi18n-lib.h>

#endif /* GFT_UI_I18N_H */
