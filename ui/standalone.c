/* Generate from Text: the dialog as a program of its own.
 *
 * Opens the dialog with the default model (or --model); OK writes the
 * selected variations as PNG files. --screenshot generates, waits and saves
 * a picture of the dialog instead.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <locale.h>
#include <stdlib.h>

#include "gft-dialog.h"
#include "i18n.h"

static gchar *opt_model, *opt_prompt, *opt_negative, *opt_settings, *opt_output_dir = ".";
static gchar *opt_screenshot, *opt_live_screenshot, *opt_locale_dir;
static gint opt_variations, opt_threads;
static gint64 opt_seed = -1;
static gboolean opt_generate, opt_ok;

static const GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model, N_("Model file (.gguf)"), N_("FILE")},
    {"prompt", 'p', 0, G_OPTION_ARG_STRING, &opt_prompt, N_("Prompt"), N_("TEXT")},
    {"negative", 0, 0, G_OPTION_ARG_STRING, &opt_negative, N_("Negative prompt"), N_("TEXT")},
    {"variations", 'n', 0, G_OPTION_ARG_INT, &opt_variations, N_("Number of variations"), "N"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &opt_seed, N_("Fixed seed"), "N"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &opt_threads, N_("Worker threads (0 = all CPUs)"), "N"},
    {"settings", 0, 0, G_OPTION_ARG_FILENAME, &opt_settings,
     N_("Read settings (key=value lines) from FILE"), N_("FILE")},
    {"output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output_dir,
     N_("Where OK writes the PNG files"), N_("DIR")},
    {"generate", 'g', 0, G_OPTION_ARG_NONE, &opt_generate, N_("Start generating at once"), NULL},
    {"ok", 0, 0, G_OPTION_ARG_NONE, &opt_ok,
     N_("Press OK at once: generate, save the PNG files and quit"), NULL},
    {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt_screenshot,
     N_("Generate, then save a picture of the dialog to FILE and quit"), N_("FILE")},
    {"live-screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt_live_screenshot,
     N_("With --screenshot: also save a picture of the dialog half-way through to FILE"),
     N_("FILE")},
    {"locale-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_locale_dir, N_("Where the translations are"),
     N_("DIR")},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static gboolean write_png(const guint8 *rgba, gint w, gint h, const gchar *path, GError **error)
{
    GdkPixbuf *pixbuf =
        gdk_pixbuf_new_from_data(rgba, GDK_COLORSPACE_RGB, TRUE, 8, w, h, w * 4, NULL, NULL);
    gboolean ok = gdk_pixbuf_save(pixbuf, path, "png", error, NULL);
    g_object_unref(pixbuf);
    return ok;
}

static int write_result(const GftResult *r)
{
    gint w = r->settings.out_width > 0 ? r->settings.out_width : r->width;
    gint h = r->settings.out_height > 0 ? r->settings.out_height : r->height;

    if (g_mkdir_with_parents(opt_output_dir, 0755) != 0) {
        g_printerr(_("Cannot create the folder %s\n"), opt_output_dir);
        return 1;
    }
    for (gint i = 0; i < r->n_images; i++) {
        GError *error = NULL;
        guint8 *scaled = gft_rgba_scale(r->pixels[i], r->width, r->height, w, h);
        gchar *name = g_strdup_printf("variation-%d-seed-%" G_GUINT64_FORMAT ".png",
                                      r->variation[i] + 1, r->seeds[i]);
        gchar *path = g_build_filename(opt_output_dir, name, NULL);
        gboolean ok = write_png(scaled, w, h, path, &error);
        if (ok)
            g_print("%s\n", path);
        else
            g_printerr("%s: %s\n", path, error->message);
        g_clear_error(&error);
        g_free(path);
        g_free(name);
        g_free(scaled);
        if (!ok)
            return 1;
    }
    return 0;
}

static gboolean press_ok(gpointer data)
{
    gtk_dialog_response(GTK_DIALOG(data), GTK_RESPONSE_OK);
    return G_SOURCE_REMOVE;
}

/* ---- screenshot ------------------------------------------------------------ */

typedef struct {
    GtkWidget *dialog;
    int status;
} Screenshot;

static gboolean save_dialog_picture(GtkWidget *dialog, const gchar *path)
{
    gint w = gtk_widget_get_allocated_width(dialog);
    gint h = gtk_widget_get_allocated_height(dialog);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);

    /* draws the widget tree itself, so stacking on the X screen does not matter */
    gtk_widget_draw(dialog, cr);
    cairo_destroy(cr);
    gboolean ok = cairo_surface_write_to_png(surface, path) == CAIRO_STATUS_SUCCESS;
    if (ok)
        g_print("%s (%dx%d)\n", path, w, h);
    else
        g_printerr(_("Cannot write %s\n"), path);
    cairo_surface_destroy(surface);
    return ok;
}

static gboolean take_screenshot(gpointer data)
{
    Screenshot *shot = data;
    if (save_dialog_picture(shot->dialog, opt_screenshot))
        shot->status = 0;
    gtk_main_quit();
    return G_SOURCE_REMOVE;
}

/* The live picture: one of the last two variations partly drawn (at least a third of
 * its rows; previews may skip rows), the others finished. */
static void on_preview_for_live_screenshot(GftDialog *dialog, gint variation, gint rows,
                                           gpointer data)
{
    gboolean *taken = data;
    GftSettings settings;
    gft_model_info info;
    gft_settings_init(&settings);
    gft_dialog_get_settings(dialog, &settings);
    gint last = settings.n_variations - 1;
    gft_settings_clear(&settings);
    gft_model_get_info(gft_dialog_get_model(dialog), &info);
    gint grid_h = (gint)info.grid_h;
    if (*taken || variation < last - 1 || rows * 3 < grid_h || rows >= grid_h)
        return;
    *taken = TRUE;
    save_dialog_picture(GTK_WIDGET(dialog), opt_live_screenshot);
}

static void on_finished_for_screenshot(GftDialog *dialog, gint status, gpointer data)
{
    (void)dialog;
    if (status != GFT_OK && status != GFT_ERR_CANCELLED)
        g_printerr(_("Generation failed (%s)\n"), gft_status_string(status));
    /* let the last previews and the progress bar paint first */
    g_timeout_add(500, take_screenshot, data);
}

static int run_screenshot(GtkWidget *dialog)
{
    Screenshot shot = {dialog, 1};
    gboolean live_taken = FALSE;
    gtk_widget_show(dialog);
    g_signal_connect(dialog, "generation-finished", G_CALLBACK(on_finished_for_screenshot), &shot);
    if (opt_live_screenshot)
        g_signal_connect(dialog, "preview-updated", G_CALLBACK(on_preview_for_live_screenshot),
                         &live_taken);
    gft_dialog_generate(GFT_DIALOG(dialog));
    if (!gft_dialog_is_generating(GFT_DIALOG(dialog))) {
        g_printerr(_("Cannot generate: no usable model\n"));
        return 1;
    }
    gtk_main();
    return shot.status;
}

/* ---- main ---------------------------------------------------------------------- */

static gboolean apply_options(GftDialog *dialog)
{
    GftSettings s;
    GError *error = NULL;
    gboolean ok = TRUE;

    gft_settings_init(&s);
    if (opt_model && !gft_dialog_set_model(dialog, opt_model, &error)) {
        g_printerr("%s\n", error->message);
        g_clear_error(&error);
        gft_settings_clear(&s);
        return FALSE;
    }
    gft_dialog_get_settings(dialog, &s);
    if (opt_settings) {
        gchar *text = NULL;
        ok = g_file_get_contents(opt_settings, &text, NULL, &error) &&
             gft_settings_parse(&s, text, &error);
        if (!ok)
            g_printerr("%s: %s\n", opt_settings, error->message);
        g_clear_error(&error);
        g_free(text);
    }
    if (opt_prompt) {
        g_free(s.prompt);
        s.prompt = g_strdup(opt_prompt);
    }
    if (opt_negative) {
        g_free(s.negative_prompt);
        s.negative_prompt = g_strdup(opt_negative);
    }
    if (opt_variations > 0)
        s.n_variations = CLAMP(opt_variations, 1, GFT_MAX_VARIATIONS);
    if (opt_seed >= 0) {
        s.seed = (guint64)opt_seed & GFT_SEED_MAX;
        s.fixed_seed = TRUE;
    }
    gft_dialog_set_settings(dialog, &s);
    gft_dialog_set_n_threads(dialog, opt_threads);
    gft_settings_clear(&s);
    return ok;
}

int main(int argc, char **argv)
{
    GOptionContext *options;
    GError *error = NULL;
    GtkWidget *dialog;
    int status = 0;

    setlocale(LC_ALL, "");
    for (int i = 1; i < argc; i++) /* before any string is translated */
        if (g_str_has_prefix(argv[i], "--locale-dir="))
            opt_locale_dir = argv[i] + strlen("--locale-dir=");
    gft_ui_bind_textdomain(opt_locale_dir ? opt_locale_dir : g_getenv("GFT_LOCALEDIR"));

    options = g_option_context_new(NULL);
    g_option_context_set_translation_domain(options, GFT_GETTEXT_DOMAIN);
    g_option_context_set_summary(options, _("Opens the Generate from Text dialog; OK saves the "
                                            "selected variations as PNG files."));
    g_option_context_add_main_entries(options, entries, GFT_GETTEXT_DOMAIN);
    g_option_context_add_group(options, gtk_get_option_group(TRUE));
    if (!g_option_context_parse(options, &argc, &argv, &error)) {
        g_printerr("%s\n", error->message);
        g_error_free(error);
        g_option_context_free(options);
        return 2;
    }
    g_option_context_free(options);

    dialog = gft_dialog_new(NULL, NULL);
    if (!apply_options(GFT_DIALOG(dialog))) {
        gtk_widget_destroy(dialog);
        return 1;
    }

    if (opt_screenshot) {
        status = run_screenshot(dialog);
    } else {
        if (opt_generate)
            gft_dialog_generate(GFT_DIALOG(dialog));
        if (opt_ok)
            g_idle_add(press_ok, dialog);
        if (gft_dialog_run(GFT_DIALOG(dialog)) == GTK_RESPONSE_OK) {
            GftResult *result = gft_dialog_take_result(GFT_DIALOG(dialog));
            if (result)
                status = write_result(result);
            gft_dialog_result_free(result);
        }
    }
    gtk_widget_destroy(dialog);
    return status;
}
