/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: the interactive run with the ui
 * helper's GTK 3 dialog (after gimp_ui_init). The choices go back into the
 * GimpProcedureConfig, which GIMP remembers for the next run and for
 * Filters > Repeat (with-last-values).
 */
#include "gft-gimp3-dialog.h"

#include <libgimp/gimpui.h>

#include "gft-gimp3-layers.h"
#include "gft-plugin-ui.h"

static void store_in_config(GimpProcedureConfig *config, const GftDialogOutcome *o)
{
    const GftPluginSettings *c = &o->chosen;

    g_object_set(config, "prompt", c->prompt, "negative-prompt", c->negative_prompt, "temperature",
                 CLAMP(c->temperature, 0.0, 10.0), "top-k", CLAMP(c->top_k, 0, 65536), "top-p",
                 CLAMP(c->top_p, 0.0, 1.0), "guidance", CLAMP(c->guidance, 0.0, 30.0), "seed",
                 (gint)CLAMP(c->seed, -1, G_MAXINT), "variations",
                 CLAMP(c->variations, 1, GFT_MAX_VARIATIONS), "width",
                 CLAMP(c->width, 0, GFT_MAX_SIDE), "height", CLAMP(c->height, 0, GFT_MAX_SIDE),
                 "model", c->model, "target", c->target, "candidates",
                 CLAMP(c->candidates, 0, GFT_MAX_CANDIDATES), "prompt-as-typed", c->literal,
                 "dialog-settings", o->dialog_state, NULL);
}

gboolean gft3_interactive(GimpProcedureConfig *config, const GftPluginSettings *s, GimpImage *image,
                          GimpDrawable **drawables, GimpImage **out_image, GError **error)
{
    char *dir = gft_plugin_own_dir(gimp_get_progname());
    char *locale_dir = gft_plugin_locale_dir(dir);
    char *state = NULL;
    GftDialogOutcome outcome;
    GftPictures pictures;
    gboolean ok;

    (void)error; /* the dialog shows its own errors; OK always has pictures */
    g_object_get(config, "dialog-settings", &state, NULL);
    gimp_ui_init("generate-from-text");
    gft_ui_bind_textdomain(locale_dir);
    ok = gft_plugin_run_dialog(s, state, dir, &outcome);
    g_free(state);
    store_in_config(config, &outcome);

    if (ok) {
        gft_pictures_from_outcome(&outcome, &pictures);
        if (outcome.chosen.target == GFT_PLUGIN_TARGET_NEW_IMAGE)
            image = NULL;
        *out_image = gft3_deliver(image, drawables, GIMP_RUN_INTERACTIVE, &pictures,
                                  &outcome.record, outcome.out_w, outcome.out_h);
    }
    gft_dialog_outcome_clear(&outcome);
    g_free(locale_dir);
    g_free(dir);
    return ok;
}
