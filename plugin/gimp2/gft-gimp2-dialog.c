/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: GTK 3 start-up and the
 * regenerate question.
 */
#include "gft-gimp2-dialog.h"

#include <gtk/gtk.h>

#include "gft-regen-dialog.h"

gboolean gft2_init_gtk(void)
{
    static gboolean ready;

    if (!ready) {
        int argc = 1;
        char *argv_data[] = {(char *)"generate-from-text", NULL};
        char **argv = argv_data;

        ready = gtk_init_check(&argc, &argv);
    }
    return ready;
}

gboolean gft2_ask_regen_mode(gint32 layer, gint32 *mode)
{
    char *name;
    int chosen = *mode;
    gboolean ok;

    if (!gft2_init_gtk())
        return TRUE; /* no display: keep the remembered mode */
    name = gimp_item_get_name(layer);
    ok = gft_ask_regen_mode(name, &chosen);
    g_free(name);
    if (ok)
        *mode = chosen;
    return ok;
}
