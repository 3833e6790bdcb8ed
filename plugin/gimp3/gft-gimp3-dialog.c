/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: the regenerate question.
 */
#include "gft-gimp3-dialog.h"

#include <libgimp/gimpui.h>

#include "gft-regen-dialog.h"

gboolean gft3_ask_regen_mode(GimpDrawable *drawable, int *mode)
{
    char *name = gimp_item_get_name(GIMP_ITEM(drawable));
    gboolean ok;

    gimp_ui_init("generate-from-text");
    ok = gft_ask_regen_mode(name, mode);
    g_free(name);
    return ok;
}
