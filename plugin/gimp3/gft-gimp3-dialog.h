/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: the interactive parts (the ui
 * helper's GTK 3 dialog after gimp_ui_init, the regenerate question).
 */
#ifndef GFT_GIMP3_DIALOG_H
#define GFT_GIMP3_DIALOG_H

#include <libgimp/gimp.h>

#include "gft-plugin-generate.h"

/* Shows the generation dialog (initial state from config / s), stores the
 * user's choices back into config, then adds the chosen pictures to image
 * (NULL: a new image). Returns FALSE with *error NULL when cancelled. */
gboolean gft3_interactive(GimpProcedureConfig *config, const GftPluginSettings *s, GimpImage *image,
                          GimpDrawable **drawables, GimpImage **out_image, GError **error);

/* Asks how to regenerate `drawable`; FALSE when cancelled. */
gboolean gft3_ask_regen_mode(GimpDrawable *drawable, int *mode);

#endif /* GFT_GIMP3_DIALOG_H */
