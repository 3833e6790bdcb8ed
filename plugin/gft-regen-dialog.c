/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: the "Regenerate from Text" question.
 */
#include "gft-regen-dialog.h"

#include <gtk/gtk.h>
#include <glib/gi18n-lib.h>

#include "gft-plugin-settings.h"

gboolean gft_ask_regen_mode(const char *layer_name, int *mode)
{
    GtkWidget *dialog, *label;
    char *text;
    int response;

    dialog = gtk_dialog_new_with_buttons(
        _("Regenerate from Text"), NULL, GTK_DIALOG_MODAL, _("_Cancel"), GTK_RESPONSE_CANCEL,
        _("_Same Seed"), GFT_REGEN_SAME_SEED, _("_Random Seed"), GFT_REGEN_RANDOM_SEED,
        _("_Vary (Seed + 1)"), GFT_REGEN_NEXT_SEED, NULL);
    text = g_strdup_printf(_("Generate \"%s\" again with the settings stored in the layer.\n"
                             "The new layer goes above it; the old one is kept."),
                           layer_name ? layer_name : "");
    label = gtk_label_new(text);
    g_free(text);
    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
    g_object_set(label, "margin", 12, NULL);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), label, TRUE, TRUE,
                       0);
    gtk_widget_show_all(dialog);
    if (*mode >= GFT_REGEN_SAME_SEED && *mode <= GFT_REGEN_RANDOM_SEED)
        gtk_dialog_set_default_response(GTK_DIALOG(dialog), *mode);

    response = gtk_dialog_run(GTK_DIALOG(dialog));
    gtk_widget_destroy(dialog);
    while (gtk_events_pending())
        gtk_main_iteration();
    if (response < GFT_REGEN_SAME_SEED || response > GFT_REGEN_RANDOM_SEED)
        return FALSE;
    *mode = response;
    return TRUE;
}
