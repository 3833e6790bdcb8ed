/* Generate from Text: the dialog widget (layout, responses, run, result).
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "dialog_private.h"
#include "i18n.h"

guint gft_dialog_signals[N_SIGNALS];

G_DEFINE_TYPE(GftDialog, gft_dialog, GTK_TYPE_DIALOG)

/* ---- state ------------------------------------------------------------------ */

static gboolean have_finished_variation(GftDialog *d)
{
    if (!d->run.valid)
        return FALSE;
    for (gint i = 0; i < d->run.n_variations; i++)
        if (d->run.complete[i])
            return TRUE;
    return FALSE;
}

void gft_dialog_update_sensitivity(GftDialog *d)
{
    gboolean running = d->job != NULL;
    gboolean ready = !running && d->model != NULL;

    gtk_widget_set_sensitive(d->controls, !running);
    gtk_widget_set_sensitive(d->generate, ready);
    gtk_widget_set_sensitive(d->ok, ready);
    gtk_widget_set_sensitive(d->reset, !running);
    gtk_widget_set_sensitive(d->help, !running);
    gtk_widget_set_sensitive(d->close, !running);
    gtk_widget_set_sensitive(d->stop, running);
    gft_preview_grid_set_choosable(d->grid, !running);
}

static void finish_run(GftDialog *d, gint response)
{
    d->run_response = response;
    d->ok_pending = FALSE;
    d->close_pending = FALSE;
    if (d->loop && g_main_loop_is_running(d->loop))
        g_main_loop_quit(d->loop);
}

static gboolean any_selected(GftDialog *d)
{
    for (gint i = 0; i < gft_preview_grid_count(d->grid); i++)
        if (gft_preview_grid_get_selected(d->grid, i))
            return TRUE;
    return FALSE;
}

void gft_dialog_job_finished(GftDialog *d, gint status, const gchar *message)
{
    gchar *text;
    gint done = 0;

    for (gint i = 0; i < d->run.n_variations; i++)
        done += d->run.complete[i] ? 1 : 0;

    if (status == GFT_OK) {
        text = g_strdup_printf(
            g_dngettext(GETTEXT_PACKAGE, "Done: %d variation", "Done: %d variations", done), done);
        gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(d->progress), 1.0);
    } else if (status == GFT_ERR_CANCELLED) {
        /* TRANSLATORS: "Stopped: 2 of 4 variations finished" */
        text = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "Stopped: %d of %d variation finished",
                                           "Stopped: %d of %d variations finished",
                                           d->run.n_variations),
                               done, d->run.n_variations);
    } else {
        text = g_strdup_printf(_("Generation failed: %s"), message ? message : "");
        gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(d->progress), 0.0);
    }
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), text);
    g_free(text);

    gft_dialog_update_sensitivity(d);
    g_signal_emit(d, gft_dialog_signals[SIGNAL_GENERATION_FINISHED], 0, status);

    if (d->close_pending)
        finish_run(d, GTK_RESPONSE_CLOSE);
    else if (d->ok_pending && any_selected(d))
        finish_run(d, GTK_RESPONSE_OK);
    else
        d->ok_pending = FALSE;
}

/* ---- responses ---------------------------------------------------------------- */

static void on_response(GtkDialog *dialog, gint response, gpointer user_data)
{
    GftDialog *d = GFT_DIALOG(dialog);
    (void)user_data;

    switch (response) {
    case GFT_RESPONSE_GENERATE:
        gft_dialog_generate(d);
        break;
    case GFT_RESPONSE_RESET:
        gft_dialog_reset(d);
        break;
    case GTK_RESPONSE_HELP:
        gft_dialog_show_help(d);
        break;
    case GTK_RESPONSE_OK:
        if (d->job) {
            d->ok_pending = TRUE;
        } else if (have_finished_variation(d)) {
            if (any_selected(d))
                finish_run(d, GTK_RESPONSE_OK);
            else
                gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress),
                                          _("Select at least one variation to add"));
        } else {
            /* OK before any Generate: generate, then accept */
            d->ok_pending = TRUE;
            gft_dialog_generate(d);
            if (d->job == NULL)
                d->ok_pending = FALSE;
        }
        break;
    default: /* Close, Escape, the window's close button */
        if (d->job) {
            d->close_pending = TRUE;
            gft_dialog_stop(d);
        } else {
            finish_run(d, GTK_RESPONSE_CLOSE);
        }
        break;
    }
}

static void on_stop_clicked(GtkButton *button, gpointer user_data)
{
    (void)button;
    gft_dialog_stop(GFT_DIALOG(user_data));
}

/* ---- building ------------------------------------------------------------------ */

static GtkWidget *add_button(GftDialog *d, const gchar *label, gint response, gboolean secondary)
{
    GtkWidget *button = gtk_dialog_add_button(GTK_DIALOG(d), label, response);
    if (secondary)
        gtk_button_box_set_child_secondary(GTK_BUTTON_BOX(gtk_widget_get_parent(button)), button,
                                           TRUE);
    return button;
}

static GtkWidget *build_preview_side(GftDialog *d)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *frame = gtk_frame_new(NULL);
    GtkWidget *progress_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    gchar *markup = g_markup_printf_escaped("<b>%s</b>", _("Preview"));
    GtkWidget *title = gtk_label_new(NULL);

    gtk_label_set_markup(GTK_LABEL(title), markup);
    gtk_widget_set_halign(title, GTK_ALIGN_START);
    g_free(markup);
    gtk_box_pack_start(GTK_BOX(box), title, FALSE, FALSE, 0);

    d->grid = gft_preview_grid_new();
    gtk_container_set_border_width(GTK_CONTAINER(frame), 0);
    gtk_widget_set_margin_top(gft_preview_grid_widget(d->grid), 6);
    gtk_widget_set_margin_bottom(gft_preview_grid_widget(d->grid), 6);
    gtk_widget_set_margin_start(gft_preview_grid_widget(d->grid), 6);
    gtk_widget_set_margin_end(gft_preview_grid_widget(d->grid), 6);
    gtk_container_add(GTK_CONTAINER(frame), gft_preview_grid_widget(d->grid));
    gtk_box_pack_start(GTK_BOX(box), frame, TRUE, TRUE, 0);

    d->progress = gtk_progress_bar_new();
    gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(d->progress), TRUE);
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), " ");
    gtk_widget_set_valign(d->progress, GTK_ALIGN_CENTER);
    d->stop = gtk_button_new_with_mnemonic(_("_Stop"));
    gtk_widget_set_tooltip_text(d->stop, _("Stop generating; finished variations are kept"));
    g_signal_connect(d->stop, "clicked", G_CALLBACK(on_stop_clicked), d);
    gtk_box_pack_start(GTK_BOX(progress_row), d->progress, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(progress_row), d->stop, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), progress_row, FALSE, FALSE, 0);
    return box;
}

static void gft_dialog_init(GftDialog *d)
{
    GtkWidget *content = gtk_dialog_get_content_area(GTK_DIALOG(d));
    GtkWidget *columns = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
    GftSettings defaults;

    d->model_path = g_strdup("");
    d->max_batch = 2;
    d->model_setting = g_strdup("");

    gtk_window_set_title(GTK_WINDOW(d), _("Generate from Text"));
    gtk_window_set_role(GTK_WINDOW(d), "generate-from-text");
    gtk_window_set_resizable(GTK_WINDOW(d), FALSE);
    gtk_container_set_border_width(GTK_CONTAINER(columns), 12);
    gtk_box_pack_start(GTK_BOX(columns), gft_dialog_build_controls(d), FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(columns), build_preview_side(d), TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(content), columns, TRUE, TRUE, 0);
    gtk_widget_show_all(columns);

    d->help = add_button(d, _("_Help"), GTK_RESPONSE_HELP, TRUE);
    d->reset = add_button(d, _("_Reset"), GFT_RESPONSE_RESET, TRUE);
    d->close = add_button(d, _("_Close"), GTK_RESPONSE_CLOSE, FALSE);
    d->generate = add_button(d, _("_Generate"), GFT_RESPONSE_GENERATE, FALSE);
    d->ok = add_button(d, _("_OK"), GTK_RESPONSE_OK, FALSE);
    {
        GtkWidget *action_area = gtk_widget_get_parent(d->ok);
        gtk_widget_set_margin_start(action_area, 12);
        gtk_widget_set_margin_end(action_area, 12);
        gtk_widget_set_margin_bottom(action_area, 12);
    }
    gtk_widget_set_tooltip_text(d->help, _("How the settings work"));
    gtk_widget_set_tooltip_text(d->reset, _("Set the parameters back to the model's defaults; "
                                            "the prompt stays"));
    gtk_widget_set_tooltip_text(d->generate, _("Make previews and keep the dialog open to try "
                                               "again"));
    gtk_widget_set_tooltip_text(d->ok, _("Add the selected variations to GIMP (generates "
                                         "first if there are none yet)"));
    gtk_widget_set_tooltip_text(d->close, _("Close without adding anything"));
    gtk_dialog_set_default_response(GTK_DIALOG(d), GFT_RESPONSE_GENERATE);
    g_signal_connect(d, "response", G_CALLBACK(on_response), NULL);

    gft_settings_init(&defaults);
    gft_dialog_show_settings(d, &defaults);
    gft_settings_clear(&defaults);
    gft_dialog_show_model_info(d, NULL);
    gft_dialog_update_model_controls(d);
    gft_dialog_update_sensitivity(d);
}

static void gft_dialog_dispose(GObject *object)
{
    GftDialog *d = GFT_DIALOG(object);

    gft_dialog_abandon_job(d);
    if (d->loop && g_main_loop_is_running(d->loop))
        g_main_loop_quit(d->loop);
    G_OBJECT_CLASS(gft_dialog_parent_class)->dispose(object);
}

static void gft_dialog_finalize(GObject *object)
{
    GftDialog *d = GFT_DIALOG(object);

    gft_run_clear(&d->run);
    gft_preview_grid_free(d->grid);
    gft_model_free(d->model);
    g_free(d->model_path);
    g_free(d->model_setting);
    g_free(d->extra_model_dir);
    G_OBJECT_CLASS(gft_dialog_parent_class)->finalize(object);
}

static void gft_dialog_class_init(GftDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = gft_dialog_dispose;
    object_class->finalize = gft_dialog_finalize;

    gft_dialog_signals[SIGNAL_GENERATION_STARTED] =
        g_signal_new("generation-started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 0);
    gft_dialog_signals[SIGNAL_PREVIEW_UPDATED] =
        g_signal_new("preview-updated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
    gft_dialog_signals[SIGNAL_GENERATION_FINISHED] =
        g_signal_new("generation-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

/* ---- public ------------------------------------------------------------------------ */

GtkWidget *gft_dialog_new(GtkWindow *parent, const gchar *extra_model_dir)
{
    GftDialog *d = g_object_new(GFT_TYPE_DIALOG, "use-header-bar", FALSE, NULL);

    d->extra_model_dir = g_strdup(extra_model_dir);
    if (parent)
        gtk_window_set_transient_for(GTK_WINDOW(d), parent);
    gft_dialog_load_default_model(d);
    gft_dialog_reset(d);
    return GTK_WIDGET(d);
}

void gft_dialog_set_settings(GftDialog *d, const GftSettings *s)
{
    g_return_if_fail(GFT_IS_DIALOG(d) && s != NULL);
    if (d->job == NULL && g_strcmp0(s->model_path ? s->model_path : "", d->model_setting) != 0) {
        if (s->model_path == NULL || *s->model_path == '\0') {
            gft_dialog_load_default_model(d);
        } else {
            GError *error = NULL;
            if (!gft_dialog_load_model(d, s->model_path, &error)) {
                gft_dialog_show_model_info(d, error->message);
                g_error_free(error);
            }
        }
    }
    gft_dialog_show_settings(d, s);
}

void gft_dialog_get_settings(GftDialog *d, GftSettings *out)
{
    g_return_if_fail(GFT_IS_DIALOG(d) && out != NULL);
    gft_dialog_read_settings(d, out);
}

void gft_dialog_reset(GftDialog *d)
{
    GftSettings s;

    g_return_if_fail(GFT_IS_DIALOG(d));
    if (d->job)
        return;
    gft_settings_init(&s);
    gft_dialog_read_settings(d, &s);
    gft_settings_reset(&s, d->model ? &d->info : NULL);
    gft_dialog_show_settings(d, &s);
    gft_settings_clear(&s);
}

gboolean gft_dialog_set_model(GftDialog *d, const gchar *path, GError **error)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d) && path != NULL, FALSE);
    if (!gft_dialog_load_model(d, path, error))
        return FALSE;
    return TRUE;
}

const gft_model *gft_dialog_get_model(GftDialog *d)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d), NULL);
    return d->model;
}

void gft_dialog_set_n_threads(GftDialog *d, gint n_threads)
{
    g_return_if_fail(GFT_IS_DIALOG(d));
    d->n_threads = CLAMP(n_threads, 0, 256);
}

void gft_dialog_set_max_batch(GftDialog *d, gint max_batch)
{
    g_return_if_fail(GFT_IS_DIALOG(d));
    d->max_batch = CLAMP(max_batch, 0, GFT_MAX_VARIATIONS);
}

void gft_dialog_generate(GftDialog *d)
{
    g_return_if_fail(GFT_IS_DIALOG(d));
    gft_dialog_start_job(d);
}

void gft_dialog_stop(GftDialog *d)
{
    g_return_if_fail(GFT_IS_DIALOG(d));
    gft_dialog_cancel_job(d);
}

gboolean gft_dialog_is_generating(GftDialog *d)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d), FALSE);
    return d->job != NULL;
}

gint gft_dialog_run(GftDialog *d)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d), GTK_RESPONSE_NONE);

    g_object_ref(d);
    d->run_response = GTK_RESPONSE_NONE;
    gtk_window_present(GTK_WINDOW(d));
    d->loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(d->loop);
    g_clear_pointer(&d->loop, g_main_loop_unref);
    gtk_widget_hide(GTK_WIDGET(d));
    g_object_unref(d);
    return d->run_response;
}

GftResult *gft_dialog_take_result(GftDialog *d)
{
    GftResult *r;
    gsize image_bytes;

    g_return_val_if_fail(GFT_IS_DIALOG(d), NULL);
    if (d->job || !any_selected(d))
        return NULL;
    r = g_new0(GftResult, 1);
    r->width = d->run.width;
    r->height = d->run.height;
    image_bytes = (gsize)r->width * r->height * 4;
    for (gint i = 0; i < d->run.n_variations; i++) {
        if (!gft_preview_grid_get_selected(d->grid, i))
            continue;
        r->variation[r->n_images] = i;
        r->seeds[r->n_images] = d->run.seeds[i];
        r->pixels[r->n_images] = g_memdup2(d->run.pixels + image_bytes * i, image_bytes);
        r->n_images++;
    }
    gft_settings_init(&r->settings);
    gft_settings_copy(&r->settings, &d->run.settings);
    r->model_name = g_strdup(d->model ? d->info.name : "");
    if (d->model)
        gft_model_fingerprint(d->model, r->model_fingerprint);
    return r;
}

GtkWidget *gft_dialog_get_control(GftDialog *d, const gchar *id)
{
    static const struct {
        const char *id;
        gsize offset;
    } table[] = {
        {"prompt", G_STRUCT_OFFSET(GftDialog, prompt_view)},
        {"negative-prompt", G_STRUCT_OFFSET(GftDialog, negative_view)},
        {"negative-expander", G_STRUCT_OFFSET(GftDialog, negative_expander)},
        {"temperature", G_STRUCT_OFFSET(GftDialog, temperature)},
        {"top-k", G_STRUCT_OFFSET(GftDialog, top_k)},
        {"top-p", G_STRUCT_OFFSET(GftDialog, top_p)},
        {"guidance", G_STRUCT_OFFSET(GftDialog, guidance)},
        {"candidates", G_STRUCT_OFFSET(GftDialog, candidates)},
        {"seed", G_STRUCT_OFFSET(GftDialog, seed)},
        {"dice", G_STRUCT_OFFSET(GftDialog, dice)},
        {"fixed-seed", G_STRUCT_OFFSET(GftDialog, fixed_seed)},
        {"variations", G_STRUCT_OFFSET(GftDialog, variations)},
        {"width", G_STRUCT_OFFSET(GftDialog, width)},
        {"height", G_STRUCT_OFFSET(GftDialog, height)},
        {"model", G_STRUCT_OFFSET(GftDialog, model_chooser)},
        {"model-info", G_STRUCT_OFFSET(GftDialog, model_info)},
        {"target", G_STRUCT_OFFSET(GftDialog, target)},
        {"unknown-words", G_STRUCT_OFFSET(GftDialog, unknown_words)},
        {"prompt-reading", G_STRUCT_OFFSET(GftDialog, reading)},
        {"prompt-as-typed", G_STRUCT_OFFSET(GftDialog, literal)},
        {"progress", G_STRUCT_OFFSET(GftDialog, progress)},
        {"stop", G_STRUCT_OFFSET(GftDialog, stop)},
        {"generate", G_STRUCT_OFFSET(GftDialog, generate)},
        {"ok", G_STRUCT_OFFSET(GftDialog, ok)},
        {"reset", G_STRUCT_OFFSET(GftDialog, reset)},
        {"help", G_STRUCT_OFFSET(GftDialog, help)},
        {"close", G_STRUCT_OFFSET(GftDialog, close)},
    };

    g_return_val_if_fail(GFT_IS_DIALOG(d) && id != NULL, NULL);
    if (strcmp(id, "preview-grid") == 0)
        return gft_preview_grid_widget(d->grid);
    for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
        if (strcmp(table[i].id, id) == 0)
            return G_STRUCT_MEMBER(GtkWidget *, d, table[i].offset);
    return NULL;
}

cairo_surface_t *gft_dialog_get_preview_surface(GftDialog *d, gint i)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d), NULL);
    return gft_preview_grid_surface(d->grid, i);
}

gboolean gft_dialog_get_selected(GftDialog *d, gint i)
{
    g_return_val_if_fail(GFT_IS_DIALOG(d), FALSE);
    return gft_preview_grid_get_selected(d->grid, i);
}

void gft_dialog_set_selected(GftDialog *d, gint i, gboolean selected)
{
    g_return_if_fail(GFT_IS_DIALOG(d));
    gft_preview_grid_set_selected(d->grid, i, selected);
}
