/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: the interactive run with the ui
 * helper's GTK 3 dialog (gtk_init, no libgimpui-2.0).
 */
#include <string.h>

#include "gft-gimp2-dialog.h"

#include <glib/gi18n-lib.h>

#include "gft-gimp2-layers.h"
#include "gft-plugin-ui.h"

#define DIALOG_STATE_KEY GFT_PLUG_IN_PROC "-dialog"

static char *load_dialog_state(void)
{
    gint size = gimp_get_data_size(DIALOG_STATE_KEY);
    char *text;

    if (size <= 0)
        return NULL;
    text = g_malloc0((gsize)size + 1);
    if (!gimp_get_data(DIALOG_STATE_KEY, text))
        g_clear_pointer(&text, g_free);
    return text;
}

gboolean gft2_interactive(GftPluginSettings *s, gint32 image, gint32 drawable, gint32 *out_image,
                          GError **error)
{
    char *dir = gft_plugin_own_dir(gimp_get_progname());
    char *locale_dir = gft_plugin_locale_dir(dir);
    char *state = load_dialog_state();
    GftDialogOutcome outcome;
    GftPictures pictures;
    gboolean ok;

    if (!gft2_init_gtk()) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                            _("Cannot open the dialog: no display. Run the procedure "
                              "non-interactively instead."));
        g_free(state);
        g_free(locale_dir);
        g_free(dir);
        return FALSE;
    }
    gft_ui_bind_textdomain(locale_dir);
    ok = gft_plugin_run_dialog(s, state, dir, &outcome);
    g_free(state);

    /* Remember the dialog as the user left it (the caller saves s). */
    gimp_set_data(DIALOG_STATE_KEY, outcome.dialog_state,
                  (guint32)strlen(outcome.dialog_state) + 1);
    gft_plugin_settings_clear(s);
    gft_plugin_settings_copy(s, &outcome.chosen);

    if (ok) {
        gft_pictures_from_outcome(&outcome, &pictures);
        if (outcome.chosen.target == GFT_PLUGIN_TARGET_NEW_IMAGE)
            image = -1;
        *out_image = gft2_deliver(image, drawable, GIMP_RUN_INTERACTIVE, &pictures, &outcome.record,
                                  outcome.out_w, outcome.out_h);
    }
    gft_dialog_outcome_clear(&outcome);
    g_free(locale_dir);
    g_free(dir);
    return ok; /* FALSE with no error: cancelled */
}
