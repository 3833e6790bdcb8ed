/* Generate from Text: loading the dialog's model and describing it.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "dialog_private.h"
#include "i18n.h"

static gchar *describe_params(guint64 n)
{
    if (n >= 1000000)
        return g_strdup_printf(_("%.1f million parameters"), n / 1e6);
    return g_strdup_printf(_("%.1f thousand parameters"), n / 1e3);
}

void gft_dialog_show_model_info(GftDialog *d, const gchar *error_text)
{
    GString *markup = g_string_new(NULL);

    if (error_text) {
        gchar *e = g_markup_escape_text(error_text, -1);
        g_string_append_printf(markup, "<span foreground=\"#c01c28\">%s</span>", e);
        g_free(e);
        if (d->model)
            g_string_append(markup, "\n");
    }
    if (d->model) {
        const gft_model_info *in = &d->info;
        gchar *size = g_format_size(in->file_size);
        gchar *params = describe_params(in->n_params);
        gchar *name_text = g_strdup(*in->name ? in->name : _("Unnamed model"));
        gchar *line1 = g_markup_printf_escaped("<b>%s</b>", name_text);
        /* TRANSLATORS: "12.3 million parameters, 48.2 MB, F16 weights" */
        gchar *line2 =
            g_markup_printf_escaped(_("%s, %s, %s weights"), params, size, in->weight_type);
        /* TRANSLATORS: "16×16 tokens to 128×128 pixels, 900 known words" */
        gchar *line3 = g_markup_printf_escaped(_("%u×%u tokens to %u×%u pixels, %u known words"),
                                               in->grid_w, in->grid_h, in->output_width,
                                               in->output_height, in->n_known_words);
        g_string_append_printf(markup, "%s\n<small>%s\n%s</small>", line1, line2, line3);
        gtk_widget_set_tooltip_text(d->model_info, *in->description ? in->description : NULL);
        g_free(line3);
        g_free(line2);
        g_free(line1);
        g_free(name_text);
        g_free(params);
        g_free(size);
    } else if (!error_text) {
        gchar *e = g_markup_escape_text(_("No model found. Choose a model file (.gguf) to "
                                          "generate images."),
                                        -1);
        g_string_append_printf(markup, "<span foreground=\"#c01c28\">%s</span>", e);
        g_free(e);
    }
    gtk_label_set_markup(GTK_LABEL(d->model_info), markup->str);
    g_string_free(markup, TRUE);
}

gboolean gft_dialog_load_model(GftDialog *d, const gchar *path, GError **error)
{
    char err[GFT_ERROR_SIZE] = "";
    gft_model *model = NULL;
    gft_status status;

    if (d->job) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_BUSY,
                            _("The model cannot change while images are being generated"));
        return FALSE;
    }
    status = gft_model_load(path, &model, err, sizeof err);
    if (status != GFT_OK || model == NULL) {
        gchar *name = g_filename_display_basename(path);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not load the model \"%s\": %s"),
                    name, *err ? err : gft_status_string(status));
        g_free(name);
        /* the chooser goes back to the model that stays */
        if (d->model_path && *d->model_path)
            gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(d->model_chooser), d->model_path);
        else
            gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(d->model_chooser));
        return FALSE;
    }

    gft_model_free(d->model);
    d->model = model;
    gft_model_get_info(model, &d->info);
    g_free(d->model_path);
    d->model_path = g_strdup(path);
    g_free(d->model_setting);
    d->model_setting = g_strdup(path);
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(d->model_chooser), path);

    /* the controls follow the new model's limits and size */
    gtk_spin_button_set_range(GTK_SPIN_BUTTON(d->top_k), 0, d->info.codebook_size);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->width), d->info.output_width);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->height), d->info.output_height);
    /* like the size, best of K starts at the new model's own default */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->candidates),
                              gft_settings_model_candidates(&d->info));
    gft_dialog_update_model_controls(d);
    gft_run_clear(&d->run);
    gft_preview_grid_setup(d->grid, 0, 0, 0);

    gft_dialog_show_model_info(d, NULL);
    gft_dialog_update_prompt_notes(d);
    gft_dialog_update_sensitivity(d);
    return TRUE;
}

void gft_dialog_load_default_model(GftDialog *d)
{
    char path[4096];
    GError *error = NULL;

    if (!gft_find_default_model(d->extra_model_dir, path, sizeof path)) {
        gft_dialog_show_model_info(d, NULL);
        gft_dialog_update_sensitivity(d);
        return;
    }
    if (!gft_dialog_load_model(d, path, &error)) {
        gft_dialog_show_model_info(d, error->message);
        g_error_free(error);
        gft_dialog_update_sensitivity(d);
        return;
    }
    g_free(d->model_setting);
    d->model_setting = g_strdup("");
}
