/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: the interactive parts (our own
 * GTK 3 dialogs; libgimpui-2.0 is GTK 2 and is never used).
 */
#ifndef GFT_GIMP2_DIALOG_H
#define GFT_GIMP2_DIALOG_H

#include <libgimp/gimp.h>

#include "gft-plugin-settings.h"

/* Shows the generation dialog for s (updated with the user's choices),
 * then adds the chosen pictures to image (-1: a new image) above drawable. Returns FALSE
 * with *error NULL when the user cancelled. */
gboolean gft2_interactive(GftPluginSettings *s, gint32 image, gint32 drawable, gint32 *out_image,
                          GError **error);

/* gtk_init_check once; FALSE when there is no display. */
gboolean gft2_init_gtk(void);

/* Asks how to regenerate `layer`; FALSE when cancelled. */
gboolean gft2_ask_regen_mode(gint32 layer, gint32 *mode);

#endif /* GFT_GIMP2_DIALOG_H */
