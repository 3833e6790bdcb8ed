/* Generate from Text: the Help button's explanation.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "dialog_private.h"
#include "i18n.h"

void gft_dialog_show_help(GftDialog *d)
{
    GtkWidget *help =
        gtk_message_dialog_new(GTK_WINDOW(d), GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_INFO,
                               GTK_BUTTONS_CLOSE, "%s", _("Generate from Text"));
    gtk_message_dialog_format_secondary_text(
        GTK_MESSAGE_DIALOG(help), "%s\n\n%s\n\n%s\n\n%s\n\n%s\n\n%s\n\n%s",
        _("Describe the picture in the prompt and press Generate. The model runs on this "
          "computer; the previews fill in row by row while it works, and the dialog stays "
          "open so you can change the prompt or the settings and try again."),
        _("Temperature, top-k and top-p control how adventurous each step is: lower values "
          "give plainer, more predictable images. Guidance makes the image follow the prompt "
          "more closely; the negative prompt names what to avoid."),
        _("Best of makes several samples of each image and keeps the one the model's reranker "
          "judges closest to the prompt: more recognisable pictures, but each image takes about "
          "that many times longer. With a model that has no reranker it stays at 1."),
        _("The seed decides the random choices: the same prompt, settings and seed always "
          "give the same image. Each variation uses the next seed. Tick Fixed to keep the "
          "seed, or use the button next to it for a new one."),
        _("Stop ends a run early and keeps the variations that are finished. Click a "
          "preview to select or deselect it; OK adds the selected ones as new layers or a "
          "new image."),
        _("A note under the prompt shows how the model reads it: words of other languages, "
          "and words it draws better in another wording, are read in that wording. Tick Use the "
          "prompt as typed to give the model the prompt exactly as written."),
        _("A warning under the prompt lists words the model never saw while it was trained; "
          "they have little or no effect."));
    g_signal_connect(help, "response", G_CALLBACK(gtk_widget_destroy), NULL);
    gtk_widget_show(help);
}
