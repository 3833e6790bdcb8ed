/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: running the ui helper's GTK 3 dialog
 * (ui/gft-dialog.h) for either GIMP version, and turning its result into
 * pictures and parasite records. Needs an initialised GTK.
 */
#ifndef GFT_PLUGIN_UI_H
#define GFT_PLUGIN_UI_H

#include "gft-dialog.h"
#include "gft-plugin-generate.h"

typedef struct {
    GftResult *result;        /* the chosen variations (NULL when cancelled) */
    GftPluginSettings chosen; /* the dialog's settings in PDB terms          */
    char *dialog_state;       /* the dialog's full state, to remember        */
    int out_w, out_h;         /* the layers' size                            */
    GftLayerRecord record;    /* the parasite template                       */
} GftDialogOutcome;

/* Shows the dialog, starting from dialog_state (the remembered text, may
 * be NULL or "") or else from initial. Returns TRUE when the user pressed
 * OK with pictures; outcome is filled in either case (chosen, dialog_state)
 * and must be cleared with gft_dialog_outcome_clear. */
gboolean gft_plugin_run_dialog(const GftPluginSettings *initial, const char *dialog_state,
                               const char *plugin_dir, GftDialogOutcome *outcome);
void gft_dialog_outcome_clear(GftDialogOutcome *outcome);

/* The outcome's pictures (pointing into outcome->result). */
void gft_pictures_from_outcome(const GftDialogOutcome *outcome, GftPictures *pictures);

#endif /* GFT_PLUGIN_UI_H */
