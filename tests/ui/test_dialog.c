/* Generate from Text: the GTK dialog with a real model, under a real X
 * server (Xvfb).
 *
 * Usage: test-dialog TINY_MODEL [SHIP_SIZED_MODEL [RERANK_MODEL]] [GTest options]
 * The tiny model is fast enough for the layout and preview checks; a model
 * of the shipped size (16x16 tokens) is slow enough to stop in the middle; a
 * tiny model with a reranker drives the Best of control.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gft-dialog.h"

static const char *tiny_model, *shipped_model, *rerank_model, *lexicon_model;

/* ---- helpers ---------------------------------------------------------------- */

static gboolean wake(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

/* Runs the main loop until *flag is set or the time is up. */
static gboolean wait_for(const gboolean *flag, double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * 1e6);
    guint ticker = g_timeout_add(10, wake, NULL);
    while (!*flag && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(ticker);
    return *flag;
}

static void drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static GftDialog *new_dialog(const char *model)
{
    GError *error = NULL;
    GftDialog *d = GFT_DIALOG(gft_dialog_new(NULL, NULL));
    g_object_ref_sink(d);
    if (!gft_dialog_set_model(d, model, &error))
        g_error("cannot load %s: %s", model, error->message);
    gtk_widget_show(GTK_WIDGET(d));
    drain();
    return d;
}

static void free_dialog(GftDialog *d)
{
    gtk_widget_destroy(GTK_WIDGET(d));
    g_object_unref(d);
    drain();
}

static void set_prompt(GftDialog *d, const char *text)
{
    GtkTextView *view = GTK_TEXT_VIEW(gft_dialog_get_control(d, "prompt"));
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(view), text, -1);
}

/* Fixed seed, given variations and batch; everything else as it is. */
static void prepare(GftDialog *d, const char *prompt, int n, guint64 seed, double guidance)
{
    GftSettings s;
    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    g_free(s.prompt);
    s.prompt = g_strdup(prompt);
    s.n_variations = n;
    s.seed = seed;
    s.fixed_seed = TRUE;
    if (guidance >= 0)
        s.guidance = guidance;
    gft_dialog_set_settings(d, &s);
    gft_settings_clear(&s);
}

typedef struct {
    gboolean finished;
    gint status;
    gint64 finished_us;
} Finish;

static void on_finished(GftDialog *d, gint status, gpointer data)
{
    Finish *f = data;
    (void)d;
    f->finished = TRUE;
    f->status = status;
    f->finished_us = g_get_monotonic_time();
}

static gboolean sensitive(GftDialog *d, const char *id)
{
    GtkWidget *w = gft_dialog_get_control(d, id);
    g_assert_nonnull(w);
    return gtk_widget_is_sensitive(w);
}

static const char *const inputs[] = {"prompt",     "negative-prompt", "temperature", "top-k",
                                     "top-p",      "guidance",        "seed",        "dice",
                                     "fixed-seed", "variations",      "width",       "height",
                                     "model",      "target",          "generate",    "ok",
                                     "reset",      "close",           NULL};

static void assert_inputs(GftDialog *d, gboolean expected)
{
    for (int i = 0; inputs[i]; i++)
        if (sensitive(d, inputs[i]) != expected)
            g_error("control \"%s\" is %s", inputs[i], expected ? "insensitive" : "sensitive");
    g_assert_cmpint(sensitive(d, "stop"), ==, !expected);
}

/* ---- settings ------------------------------------------------------------------- */

static void test_settings_round_trip(void)
{
    GftDialog *d = new_dialog(tiny_model);
    GftSettings in, out, parsed;
    gchar *text;

    gft_settings_init(&in);
    gft_settings_init(&out);
    gft_settings_init(&parsed);
    g_free(in.prompt);
    in.prompt = g_strdup("red apple\nsecond line, 苹果 \"quoted\"");
    g_free(in.negative_prompt);
    in.negative_prompt = g_strdup("blurry");
    in.temperature = 0.73;
    in.top_k = 17;
    in.top_p = 0.42;
    in.guidance = 7.5;
    in.n_candidates = 1; /* the tiny model has no reranker: 1 is all it takes */
    in.seed = 4000000000u;
    in.fixed_seed = TRUE;
    in.n_variations = 16;
    in.out_width = 300;
    in.out_height = 77;
    g_free(in.model_path);
    in.model_path = g_strdup(tiny_model);
    in.target = GFT_TARGET_NEW_IMAGE;

    gft_dialog_set_settings(d, &in);
    gft_dialog_get_settings(d, &out);
    if (!gft_settings_equal(&in, &out))
        g_error("set/get differ:\n%s\n---\n%s", gft_settings_serialize(&in),
                gft_settings_serialize(&out));

    text = gft_settings_serialize(&out);
    g_assert_true(gft_settings_parse(&parsed, text, NULL));
    gft_dialog_set_settings(d, &parsed);
    gft_settings_clear(&out);
    gft_settings_init(&out);
    gft_dialog_get_settings(d, &out);
    g_assert_true(gft_settings_equal(&in, &out));
    g_free(text);

    /* out_width 0 means the model's own size */
    in.out_width = 0;
    in.out_height = 0;
    gft_dialog_set_settings(d, &in);
    gft_dialog_get_settings(d, &out);
    g_assert_cmpint(out.out_width, ==, (gint)8);
    g_assert_cmpint(out.out_height, ==, (gint)8);

    gft_settings_clear(&in);
    gft_settings_clear(&out);
    gft_settings_clear(&parsed);
    free_dialog(d);
}

static void test_reset(void)
{
    GftDialog *d = new_dialog(tiny_model);
    GftSettings s;
    gft_model_info info;

    gft_model_get_info(gft_dialog_get_model(d), &info);
    prepare(d, "green tree", 9, 1234, 11.0);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(gft_dialog_get_control(d, "top-k")), 3);
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "reset")));
    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    g_assert_cmpfloat_with_epsilon(s.temperature, info.defaults.temperature, 1e-6);
    g_assert_cmpint(s.top_k, ==, info.defaults.top_k);
    g_assert_cmpfloat_with_epsilon(s.top_p, info.defaults.top_p, 1e-6);
    g_assert_cmpfloat_with_epsilon(s.guidance, info.defaults.guidance, 1e-6);
    g_assert_cmpint(s.out_width, ==, (gint)info.output_width);
    g_assert_false(s.fixed_seed);
    g_assert_cmpstr(s.prompt, ==, "green tree");
    gft_settings_clear(&s);
    free_dialog(d);
}

static void test_bad_model_keeps_current(void)
{
    GftDialog *d = new_dialog(tiny_model);
    const gft_model *before = gft_dialog_get_model(d);
    GError *error = NULL;
    gchar *junk_path = g_build_filename(g_get_tmp_dir(), "gft-ui-junk.gguf", NULL);

    g_assert_false(gft_dialog_set_model(d, "/nonexistent/model.gguf", &error));
    g_assert_nonnull(strstr(error->message, "model.gguf"));
    g_clear_error(&error);
    g_assert_true(g_file_set_contents(junk_path, "GGUF but not really", -1, NULL));
    g_assert_false(gft_dialog_set_model(d, junk_path, &error));
    g_assert_nonnull(strstr(error->message, "gft-ui-junk.gguf"));
    g_clear_error(&error);
    g_assert_true(gft_dialog_get_model(d) == before);
    g_assert_true(sensitive(d, "generate"));
    g_unlink(junk_path);
    g_free(junk_path);
    free_dialog(d);
}

/* Without a usable model the dialog still opens, says why, and cannot
 * generate; choosing a model makes it usable. */
static void test_no_model(void)
{
    gchar *junk = g_build_filename(g_get_tmp_dir(), "gft-ui-no-model.gguf", NULL);
    GftDialog *d;
    GftSettings s;
    const gchar *info;
    GError *error = NULL;

    g_assert_true(g_file_set_contents(junk, "not a model", -1, NULL));
    g_setenv("GFT_MODEL", junk, TRUE); /* found first, fails to load */
    d = GFT_DIALOG(gft_dialog_new(NULL, NULL));
    g_object_ref_sink(d);
    gtk_widget_show(GTK_WIDGET(d));
    g_setenv("GFT_MODEL", tiny_model, TRUE);

    g_assert_null(gft_dialog_get_model(d));
    info = gtk_label_get_text(GTK_LABEL(gft_dialog_get_control(d, "model-info")));
    g_assert_nonnull(strstr(info, "gft-ui-no-model.gguf"));
    g_assert_false(sensitive(d, "generate"));
    g_assert_false(sensitive(d, "ok"));
    g_assert_true(sensitive(d, "prompt"));
    g_assert_true(sensitive(d, "model"));
    gft_dialog_generate(d);
    g_assert_false(gft_dialog_is_generating(d));
    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    g_assert_cmpint(s.n_variations, >=, 1);
    gft_settings_clear(&s);

    g_assert_true(gft_dialog_set_model(d, tiny_model, &error));
    g_assert_true(sensitive(d, "generate"));
    g_assert_true(sensitive(d, "ok"));
    g_unlink(junk);
    g_free(junk);
    free_dialog(d);
}

/* ---- generation ---------------------------------------------------------------- */

typedef struct {
    GftDialog *dialog;
    gint updates;       /* preview updates of variation 0 */
    gint rows_seen[64]; /* rows_done of each                */
    gint opaque_rows[64];
    guint32 checksum[64];
    gboolean while_generating;
    gboolean inputs_checked;
} PreviewLog;

/* The last pixel row with any non-zero byte, plus one. */
static gint painted_rows(cairo_surface_t *surface, guint32 *checksum)
{
    guint8 *data;
    gint w, h, stride, painted = 0;
    guint32 sum = 2166136261u;

    cairo_surface_flush(surface);
    data = cairo_image_surface_get_data(surface);
    w = cairo_image_surface_get_width(surface);
    h = cairo_image_surface_get_height(surface);
    stride = cairo_image_surface_get_stride(surface);
    for (gint y = 0; y < h; y++)
        for (gint x = 0; x < w * 4; x++) {
            guint8 byte = data[y * stride + x];
            sum = (sum ^ byte) * 16777619u;
            if (byte)
                painted = y + 1;
        }
    *checksum = sum;
    return painted;
}

static void on_preview(GftDialog *d, gint variation, gint rows, gpointer data)
{
    PreviewLog *log = data;
    if (variation != 0 || log->updates >= 64)
        return;
    log->while_generating = log->while_generating || gft_dialog_is_generating(d);
    log->rows_seen[log->updates] = rows;
    log->opaque_rows[log->updates] =
        painted_rows(gft_dialog_get_preview_surface(d, 0), &log->checksum[log->updates]);
    log->updates++;
    if (!log->inputs_checked) {
        assert_inputs(d, FALSE);
        log->inputs_checked = TRUE;
    }
}

static void test_preview_fills_row_by_row(void)
{
    GftDialog *d = new_dialog(tiny_model);
    PreviewLog log = {0};
    Finish fin = {0};
    gft_model_info info;
    gint row_px;

    gft_model_get_info(gft_dialog_get_model(d), &info);
    row_px = info.output_height / info.grid_h; /* the cells hold the finished size */
    prepare(d, "red apple", 2, 42, -1);
    log.dialog = d;
    g_signal_connect(d, "preview-updated", G_CALLBACK(on_preview), &log);
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "generate")));
    g_assert_true(gft_dialog_is_generating(d));
    assert_inputs(d, FALSE);
    g_assert_true(wait_for(&fin.finished, 60));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    g_assert_true(log.inputs_checked);
    g_assert_true(log.while_generating);

    /* one update per token row, each showing exactly the rows done so far */
    g_assert_cmpint(log.updates, ==, (gint)info.grid_h);
    for (gint i = 0; i < log.updates; i++) {
        g_assert_cmpint(log.rows_seen[i], ==, i + 1);
        g_assert_cmpint(log.opaque_rows[i], <=, log.rows_seen[i] * row_px);
        if (i > 0)
            g_assert_cmpuint(log.checksum[i], !=, log.checksum[i - 1]);
    }
    g_assert_cmpint(log.opaque_rows[log.updates - 1], >, 0);

    /* after the run: everything usable again, both variations selected */
    assert_inputs(d, TRUE);
    g_assert_true(gft_dialog_get_selected(d, 0));
    g_assert_true(gft_dialog_get_selected(d, 1));
    free_dialog(d);
}

static gboolean press_ok_then_close(gpointer data)
{
    GftDialog *d = data;
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "ok")));
    g_assert_false(gft_dialog_is_generating(d)); /* nothing to do: no new run */
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "close")));
    return G_SOURCE_REMOVE;
}

static void test_ok_returns_selected(void)
{
    GftDialog *d = new_dialog(tiny_model);
    Finish fin = {0};
    GftResult *r;
    char hex[17];

    prepare(d, "blue fish", 3, 1000, -1);
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 60));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    gft_dialog_set_selected(d, 1, FALSE);

    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->n_images, ==, 2);
    g_assert_cmpint(r->variation[0], ==, 0);
    g_assert_cmpint(r->variation[1], ==, 2);
    g_assert_cmpuint(r->seeds[0], ==, 1000);
    g_assert_cmpuint(r->seeds[1], ==, 1002);
    g_assert_cmpuint(r->settings.seed, ==, 1000);
    g_assert_cmpstr(r->settings.prompt, ==, "blue fish");
    g_assert_cmpint(r->width, ==, 8);
    g_assert_cmpint(r->height, ==, 8);
    gft_model_fingerprint(gft_dialog_get_model(d), hex);
    g_assert_cmpstr(r->model_fingerprint, ==, hex);

    /* the preview shows exactly the returned pixels (premultiplied) */
    {
        cairo_surface_t *s = gft_dialog_get_preview_surface(d, 2);
        const guint8 *px = r->pixels[1];
        guint8 *data = cairo_image_surface_get_data(s);
        gint stride = cairo_image_surface_get_stride(s);
        for (gint y = 0; y < r->height; y++)
            for (gint x = 0; x < r->width; x++) {
                guint32 argb = *(guint32 *)(data + y * stride + x * 4);
                const guint8 *p = px + (y * r->width + x) * 4;
                g_assert_cmpuint(argb >> 24, ==, p[3]);
                g_assert_cmpuint((argb >> 16) & 255, ==, (p[0] * p[3] + 127) / 255);
            }
    }
    gft_dialog_result_free(r);

    /* deselecting everything leaves nothing to take, and OK then keeps the
     * dialog open (Close ends it) */
    for (int i = 0; i < 3; i++)
        gft_dialog_set_selected(d, i, FALSE);
    g_assert_null(gft_dialog_take_result(d));
    g_idle_add(press_ok_then_close, d);
    g_assert_cmpint(gft_dialog_run(d), ==, GTK_RESPONSE_CLOSE);
    g_assert_cmpstr(
        gtk_progress_bar_get_text(GTK_PROGRESS_BAR(gft_dialog_get_control(d, "progress"))), ==,
        "Select at least one variation to add");
    free_dialog(d);
}

static gboolean press_ok(gpointer data)
{
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(GFT_DIALOG(data), "ok")));
    return G_SOURCE_REMOVE;
}

static void test_ok_without_results_generates(void)
{
    GftDialog *d = new_dialog(tiny_model);
    GftResult *r;

    prepare(d, "yellow star", 2, 7, -1);
    g_idle_add(press_ok, d);
    g_assert_cmpint(gft_dialog_run(d), ==, GTK_RESPONSE_OK);
    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->n_images, ==, 2);
    g_assert_cmpuint(r->seeds[1], ==, 8);
    gft_dialog_result_free(r);
    free_dialog(d);
}

static void test_unknown_words(void)
{
    GftDialog *d = new_dialog(tiny_model);
    GtkWidget *label = gft_dialog_get_control(d, "unknown-words");
    GtkTextBuffer *buffer =
        gtk_text_view_get_buffer(GTK_TEXT_VIEW(gft_dialog_get_control(d, "prompt")));
    char known[256];

    g_assert_cmpint(gft_unknown_words(gft_dialog_get_model(d), "red apple", known, sizeof known),
                    ==, 0);
    set_prompt(d, "red apple");
    drain();
    g_assert_false(gtk_widget_is_visible(label));

    /* typing, character by character, as the user would */
    gtk_text_buffer_insert_at_cursor(buffer, " ", -1);
    for (const char *c = "zqxwvj"; *c; c++)
        gtk_text_buffer_insert_at_cursor(buffer, c, 1);
    drain();
    g_assert_true(gtk_widget_is_visible(label));
    g_assert_nonnull(strstr(gtk_label_get_text(GTK_LABEL(label)), "zqxwvj"));
    g_assert_null(strstr(gtk_label_get_text(GTK_LABEL(label)), "apple"));

    set_prompt(d, "red apple");
    drain();
    g_assert_false(gtk_widget_is_visible(label));
    free_dialog(d);
}

static void test_destroy_while_generating(void)
{
    GftDialog *d = new_dialog(tiny_model);
    prepare(d, "red apple", 16, 3, -1);
    gft_dialog_set_max_batch(d, 1);
    gft_dialog_generate(d);
    g_assert_true(gft_dialog_is_generating(d));
    /* the worker is stopped and joined; queued messages find no dialog */
    free_dialog(d);
    drain();
}

/* ---- best of K ------------------------------------------------------------------ */

static GtkWidget *candidates_spin(GftDialog *d)
{
    GtkWidget *w = gft_dialog_get_control(d, "candidates");
    g_assert_nonnull(w);
    g_assert_true(GTK_IS_SPIN_BUTTON(w));
    return w;
}

static gint candidates_shown(GftDialog *d)
{
    return gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(candidates_spin(d)));
}

static gint candidates_read(GftDialog *d)
{
    GftSettings s;
    gint n;
    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    n = s.n_candidates;
    gft_settings_clear(&s);
    return n;
}

static gboolean tooltip_has(GtkWidget *w, const char *needle)
{
    gchar *tip = gtk_widget_get_tooltip_text(w);
    gboolean has = tip && strstr(tip, needle);
    g_free(tip);
    return has;
}

/* Without a reranker the control is there, says why it is off, and holds 1
 * whatever the settings ask for. */
static void test_candidates_without_reranker(void)
{
    GftDialog *d = new_dialog(tiny_model);
    GtkWidget *spin = candidates_spin(d);
    gft_model_info info;
    GftSettings s;
    gdouble lo, hi;

    gft_model_get_info(gft_dialog_get_model(d), &info);
    g_assert_false(info.has_reranker);
    gtk_spin_button_get_range(GTK_SPIN_BUTTON(spin), &lo, &hi);
    g_assert_cmpfloat(lo, ==, 1);
    g_assert_cmpfloat(hi, ==, GFT_MAX_CANDIDATES);
    g_assert_cmpint(candidates_shown(d), ==, 1);
    g_assert_false(gtk_widget_is_sensitive(spin));
    g_assert_true(tooltip_has(spin, "no reranker"));

    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    s.n_candidates = 4;
    gft_dialog_set_settings(d, &s);
    g_assert_cmpint(candidates_read(d), ==, 1);
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "reset")));
    g_assert_cmpint(candidates_read(d), ==, 1);
    gft_settings_clear(&s);
    free_dialog(d);
}

/* The guidance tooltip says when the model ramps guidance up: the tiny model
 * does not, the tiny model with a reranker does. */
static void test_guidance_tooltip(void)
{
    const gchar *models[] = {tiny_model, rerank_model};

    for (gsize i = 0; i < G_N_ELEMENTS(models); i++) {
        GftDialog *d;
        gft_model_info info;

        if (models[i] == NULL) {
            g_test_skip("no model with a reranker given");
            return;
        }
        d = new_dialog(models[i]);
        gft_model_get_info(gft_dialog_get_model(d), &info);
        g_assert_cmpint(info.defaults.guidance_ramp, ==, (gint)i);
        g_assert_true(tooltip_has(gft_dialog_get_control(d, "guidance"), "How closely"));
        g_assert_cmpint(tooltip_has(gft_dialog_get_control(d, "guidance"), "raises guidance"), ==,
                        info.defaults.guidance_ramp);
        free_dialog(d);
    }
}

/* With a reranker: the model's default, settings and Reset move it, older
 * settings without the key get the default, another model changes it. */
static void test_candidates_with_reranker(void)
{
    GftDialog *d;
    GtkWidget *spin;
    gft_model_info info;
    GftSettings s;
    gchar *escaped, *text;
    GError *error = NULL;

    if (rerank_model == NULL) {
        g_test_skip("no model with a reranker given");
        return;
    }
    d = new_dialog(rerank_model);
    spin = candidates_spin(d);
    gft_model_get_info(gft_dialog_get_model(d), &info);
    g_assert_true(info.has_reranker);
    g_assert_cmpint(info.default_candidates, >, 1);
    g_assert_cmpint(info.default_candidates, <=, GFT_MAX_CANDIDATES);
    g_assert_true(gtk_widget_is_sensitive(spin));
    g_assert_true(tooltip_has(spin, "reranker"));
    g_assert_false(tooltip_has(spin, "no reranker"));
    g_assert_cmpint(candidates_shown(d), ==, info.default_candidates);

    /* the settings set it, Reset puts the model's default back */
    gft_settings_init(&s);
    gft_dialog_get_settings(d, &s);
    g_assert_cmpint(s.n_candidates, ==, info.default_candidates);
    s.n_candidates = GFT_MAX_CANDIDATES;
    gft_dialog_set_settings(d, &s);
    g_assert_cmpint(candidates_shown(d), ==, GFT_MAX_CANDIDATES);
    g_assert_cmpint(candidates_read(d), ==, GFT_MAX_CANDIDATES);
    gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "reset")));
    g_assert_cmpint(candidates_read(d), ==, info.default_candidates);
    gft_settings_clear(&s);

    /* settings saved before best of K existed: the model's default */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), 5);
    escaped = g_strescape(rerank_model, NULL);
    text = g_strdup_printf("# Generate from Text settings 1\nprompt=red apple\ntemperature=1\n"
                           "top-k=0\ntop-p=1\nguidance=3\nseed=7\nfixed-seed=true\n"
                           "variations=2\nwidth=0\nheight=0\nmodel=%s\ntarget=new-layers\n",
                           escaped);
    gft_settings_init(&s);
    g_assert_true(gft_settings_parse(&s, text, &error));
    g_assert_no_error(error);
    g_assert_cmpint(s.n_candidates, ==, 0);
    gft_dialog_set_settings(d, &s);
    g_assert_cmpint(candidates_shown(d), ==, info.default_candidates);
    g_assert_cmpint(candidates_read(d), ==, info.default_candidates);
    g_free(text);
    g_free(escaped);
    gft_settings_clear(&s);

    /* a model without a reranker forces 1; back again, the model's default */
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), 6);
    g_assert_true(gft_dialog_set_model(d, tiny_model, &error));
    g_assert_cmpint(candidates_read(d), ==, 1);
    g_assert_false(gtk_widget_is_sensitive(spin));
    g_assert_true(gft_dialog_set_model(d, rerank_model, &error));
    g_assert_true(gtk_widget_is_sensitive(spin));
    g_assert_cmpint(candidates_read(d), ==, info.default_candidates);
    free_dialog(d);
}

typedef struct {
    GftDialog *dialog;
    gdouble max_fraction; /* the progress bar's, while generating */
} FractionLog;

static void on_fraction(GObject *bar, GParamSpec *pspec, gpointer data)
{
    FractionLog *log = data;
    (void)pspec;
    if (gft_dialog_is_generating(log->dialog))
        log->max_fraction =
            MAX(log->max_fraction, gtk_progress_bar_get_fraction(GTK_PROGRESS_BAR(bar)));
}

/* The engine's own best of K for the same settings. */
static void generate_directly(const char *path, const GftSettings *s, gft_result *out,
                              gboolean literal)
{
    char err[GFT_ERROR_SIZE] = "";
    gft_model *model = NULL;
    gft_context *ctx;
    gft_generate_params p;

    g_assert_cmpint(gft_model_load(path, &model, err, sizeof err), ==, GFT_OK);
    ctx = gft_context_new(model, err, sizeof err);
    g_assert_nonnull(ctx);
    gft_generate_params_init(&p, model);
    p.prompt = s->prompt;
    p.negative_prompt = s->negative_prompt;
    p.sampling.temperature = (float)s->temperature;
    p.sampling.top_k = s->top_k;
    p.sampling.top_p = (float)s->top_p;
    p.sampling.guidance = (float)s->guidance;
    p.seed = s->seed;
    p.n_variations = s->n_variations;
    p.n_candidates = s->n_candidates;
    p.literal_prompt = literal;
    if (gft_generate(ctx, &p, out) != GFT_OK)
        g_error("direct generation failed: %s", gft_context_last_error(ctx));
    gft_context_free(ctx);
    gft_model_free(model);
}

/* With a model that has a prompt lexicon, the dialog says how it reads the
 * prompt, and generates from that reading: "红苹果" gives the pixels the
 * engine draws for "red apple", not those of the prompt as typed. */
static void test_prompt_reading(void)
{
    GftDialog *d;
    GtkWidget *label, *toggle;
    Finish fin = {0};
    GftSettings s;
    GftResult *r;
    gft_result english, literal;
    gsize bytes;

    if (lexicon_model == NULL) {
        g_test_skip("no model with a lexicon given");
        return;
    }
    d = new_dialog(lexicon_model);
    label = gft_dialog_get_control(d, "prompt-reading");
    g_assert_nonnull(label);
    set_prompt(d, "red apple");
    drain();
    g_assert_false(gtk_widget_is_visible(label));
    set_prompt(d, "\xe4\xb8\x80\xe4\xb8\xaa\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c"); /* 一个红苹果 */
    drain();
    g_assert_true(gtk_widget_is_visible(label));
    g_assert_nonnull(
        strstr(gtk_label_get_text(GTK_LABEL(label)), "\xe4\xb8\x80\xe4\xb8\xaa red apple"));

    prepare(d, "\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c", 2, 21, -1); /* 红苹果 */
    drain();
    g_assert_true(gtk_widget_is_visible(label));
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 120));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_cmpstr(r->settings.prompt, ==, "\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c");

    gft_settings_init(&s);
    gft_settings_copy(&s, &r->settings);
    g_free(s.prompt);
    s.prompt = g_strdup("red apple");
    generate_directly(lexicon_model, &s, &english, FALSE);
    g_free(s.prompt);
    s.prompt = g_strdup("\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c");
    generate_directly(lexicon_model, &s, &literal, TRUE);
    bytes = (gsize)r->width * r->height * 4;
    for (gint i = 0; i < 2; i++)
        g_assert_cmpmem(r->pixels[i], bytes, english.pixels + bytes * i, bytes);
    g_assert_true(memcmp(english.pixels, literal.pixels, bytes * 2) != 0);
    g_assert_false(r->settings.literal_prompt);
    gft_dialog_result_free(r);

    /* "Use the prompt as typed": no reading shown, and the pixels of the
     * prompt as typed; the setting is in the result */
    toggle = gft_dialog_get_control(d, "prompt-as-typed");
    g_assert_nonnull(toggle);
    g_assert_true(gtk_widget_is_visible(toggle));
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(toggle), TRUE);
    drain();
    g_assert_false(gtk_widget_is_visible(label));
    fin.finished = FALSE;
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 120));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_true(r->settings.literal_prompt);
    for (gint i = 0; i < 2; i++)
        g_assert_cmpmem(r->pixels[i], bytes, literal.pixels + bytes * i, bytes);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(toggle), FALSE);
    drain();
    g_assert_true(gtk_widget_is_visible(label));
    /* a model without a lexicon reads every prompt as typed: no option */
    g_assert_true(gft_dialog_set_model(d, tiny_model, NULL));
    drain();
    g_assert_false(gtk_widget_is_visible(toggle));
    gft_result_free(&english);
    gft_result_free(&literal);
    gft_settings_clear(&s);
    gft_dialog_result_free(r);
    free_dialog(d);
}

/* Best of 3 reaches the engine: the dialog keeps the very images the engine
 * picks (not the first samples), records the count, and the progress bar,
 * which counts every candidate, reaches 100 %. */
static void test_candidates_reach_generation(void)
{
    GftDialog *d;
    Finish fin = {0};
    FractionLog flog = {0};
    GftSettings s;
    GftResult *r;
    gft_result direct, single;
    gsize bytes;
    gint picked_later = -1;

    if (rerank_model == NULL) {
        g_test_skip("no model with a reranker given");
        return;
    }
    d = new_dialog(rerank_model);
    prepare(d, "red apple", 4, 11, -1);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(candidates_spin(d)), 3);
    flog.dialog = d;
    g_signal_connect(gft_dialog_get_control(d, "progress"), "notify::fraction",
                     G_CALLBACK(on_fraction), &flog);
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 120));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    g_assert_cmpfloat(flog.max_fraction, >=, 0.999);

    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->n_images, ==, 4);
    g_assert_cmpint(r->settings.n_candidates, ==, 3);

    gft_settings_init(&s);
    gft_settings_copy(&s, &r->settings);
    generate_directly(rerank_model, &s, &direct, FALSE);
    s.n_candidates = 1;
    generate_directly(rerank_model, &s, &single, FALSE);
    g_assert_cmpint(direct.n_candidates, ==, 3);
    bytes = (gsize)r->width * r->height * 4;
    for (gint i = 0; i < 4; i++) {
        g_assert_cmpmem(r->pixels[i], bytes, direct.pixels + bytes * i, bytes);
        if (direct.chosen[i] != 0 && picked_later < 0)
            picked_later = i;
    }
    /* the check means something only if a later candidate won somewhere */
    g_assert_cmpint(picked_later, >=, 0);
    g_assert_true(memcmp(r->pixels[picked_later], single.pixels + bytes * picked_later, bytes) !=
                  0);
    /* and the preview shows the kept image, not the first sample */
    {
        cairo_surface_t *surface = gft_dialog_get_preview_surface(d, picked_later);
        const guint8 *px = r->pixels[picked_later];
        guint8 *data;
        gint stride;
        cairo_surface_flush(surface);
        data = cairo_image_surface_get_data(surface);
        stride = cairo_image_surface_get_stride(surface);
        for (gint y = 0; y < r->height; y++)
            for (gint x = 0; x < r->width; x++) {
                guint32 argb = *(guint32 *)(data + y * stride + x * 4);
                g_assert_cmpuint(argb >> 24, ==, px[(y * r->width + x) * 4 + 3]);
            }
    }
    gft_result_free(&direct);
    gft_result_free(&single);
    gft_settings_clear(&s);
    gft_dialog_result_free(r);
    free_dialog(d);
}

/* ---- stopping (a shipped-size model: slow enough to stop in the middle) ------- */

typedef struct {
    GftDialog *dialog;
    gint64 stop_us;
    gint64 last_tick_us, max_gap_us;
    gboolean generating;
} StopState;

static void stop_when_second_starts(GftDialog *d, gint variation, gint rows, gpointer data)
{
    StopState *st = data;
    (void)rows;
    if (variation >= 1 && st->stop_us == 0) {
        st->stop_us = g_get_monotonic_time();
        gtk_button_clicked(GTK_BUTTON(gft_dialog_get_control(d, "stop")));
    }
}

static gboolean tick(gpointer data)
{
    StopState *st = data;
    gint64 now = g_get_monotonic_time();
    if (st->last_tick_us && now - st->last_tick_us > st->max_gap_us)
        st->max_gap_us = now - st->last_tick_us;
    st->last_tick_us = now;
    return G_SOURCE_CONTINUE;
}

static guint8 *reference_variation0(const char *prompt, guint64 seed, gsize *bytes)
{
    GftDialog *d = new_dialog(shipped_model);
    Finish fin = {0};
    GftResult *r;
    guint8 *px;

    prepare(d, prompt, 1, seed, 1.0);
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 900));
    g_assert_cmpint(fin.status, ==, GFT_OK);
    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    *bytes = (gsize)r->width * r->height * 4;
    px = g_memdup2(r->pixels[0], *bytes);
    gft_dialog_result_free(r);
    free_dialog(d);
    return px;
}

static void test_stop_keeps_finished(void)
{
    GftDialog *d;
    Finish fin = {0};
    StopState st = {0};
    GftResult *r;
    gsize bytes;
    guint8 *reference;
    guint ticker;
    double latency;

    if (shipped_model == NULL) {
        g_test_skip("no model of the shipped size given");
        return;
    }
    reference = reference_variation0("red apple", 77, &bytes);

    d = new_dialog(shipped_model);
    prepare(d, "red apple", 3, 77, 1.0);
    gft_dialog_set_max_batch(d, 1); /* variations finish one by one */
    st.dialog = d;
    g_signal_connect(d, "preview-updated", G_CALLBACK(stop_when_second_starts), &st);
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), &fin);
    ticker = g_timeout_add(20, tick, &st);
    gft_dialog_generate(d);
    g_assert_true(wait_for(&fin.finished, 900));
    g_source_remove(ticker);

    g_assert_cmpint(fin.status, ==, GFT_ERR_CANCELLED);
    g_assert_cmpint(st.stop_us, >, 0);
    latency = (fin.finished_us - st.stop_us) / 1e6;
    g_test_message("stop latency %.3f s, longest main-loop gap %.3f s", latency,
                   st.max_gap_us / 1e6);
    printf("# stop latency %.3f s, longest main-loop gap %.3f s\n", latency, st.max_gap_us / 1e6);
    g_assert_cmpfloat(latency, <, 5.0);
    g_assert_cmpfloat(st.max_gap_us / 1e6, <, 2.0);

    /* the finished variation is kept and selected, the others are not */
    g_assert_true(gft_dialog_get_selected(d, 0));
    g_assert_false(gft_dialog_get_selected(d, 1));
    g_assert_false(gft_dialog_get_selected(d, 2));
    assert_inputs(d, TRUE);
    r = gft_dialog_take_result(d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->n_images, ==, 1);
    g_assert_cmpuint(r->seeds[0], ==, 77);
    /* and it is the very image an uninterrupted run makes */
    if (memcmp(r->pixels[0], reference, bytes) != 0) {
        gsize differ = 0, first = 0;
        for (gsize i = 0; i < bytes; i += 4)
            if (memcmp(r->pixels[0] + i, reference + i, 4) != 0 && differ++ == 0)
                first = i / 4;
        printf("# %zu of %zu pixels differ, the first at row %zu\n", differ, bytes / 4,
               first / (gsize)r->width);
        g_file_set_contents("/tmp/gft-stop-kept.rgba", (const gchar *)r->pixels[0], bytes, NULL);
        g_file_set_contents("/tmp/gft-stop-ref.rgba", (const gchar *)reference, bytes, NULL);
    }
    g_assert_cmpmem(r->pixels[0], bytes, reference, bytes);
    gft_dialog_result_free(r);
    g_free(reference);
    free_dialog(d);
}

int main(int argc, char **argv)
{
    gtk_test_init(&argc, &argv, NULL);
    /* Criticals (programming errors) stay fatal; warnings about the test
     * machine's desktop (no session bus, fonts, themes) do not. */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    if (argc < 2) {
        fprintf(stderr, "usage: %s TINY_MODEL [SHIPPED_MODEL [RERANK_MODEL [LEXICON_MODEL]]]\n",
                argv[0]);
        return 2;
    }
    tiny_model = argv[1];
    shipped_model = argc > 2 && g_file_test(argv[2], G_FILE_TEST_EXISTS) ? argv[2] : NULL;
    rerank_model = argc > 3 && g_file_test(argv[3], G_FILE_TEST_EXISTS) ? argv[3] : NULL;
    lexicon_model = argc > 4 && g_file_test(argv[4], G_FILE_TEST_EXISTS) ? argv[4] : NULL;
    g_setenv("GFT_MODEL", tiny_model, TRUE); /* the dialog's default model */

    g_test_add_func("/dialog/settings-round-trip", test_settings_round_trip);
    g_test_add_func("/dialog/reset", test_reset);
    g_test_add_func("/dialog/bad-model-keeps-current", test_bad_model_keeps_current);
    g_test_add_func("/dialog/no-model", test_no_model);
    g_test_add_func("/dialog/preview-fills-row-by-row", test_preview_fills_row_by_row);
    g_test_add_func("/dialog/ok-returns-selected", test_ok_returns_selected);
    g_test_add_func("/dialog/ok-without-results-generates", test_ok_without_results_generates);
    g_test_add_func("/dialog/unknown-words", test_unknown_words);
    g_test_add_func("/dialog/prompt-reading", test_prompt_reading);
    g_test_add_func("/dialog/destroy-while-generating", test_destroy_while_generating);
    g_test_add_func("/dialog/candidates-without-reranker", test_candidates_without_reranker);
    g_test_add_func("/dialog/candidates-with-reranker", test_candidates_with_reranker);
    g_test_add_func("/dialog/guidance-tooltip", test_guidance_tooltip);
    g_test_add_func("/dialog/candidates-reach-generation", test_candidates_reach_generation);
    g_test_add_func("/dialog/stop-keeps-finished", test_stop_keeps_finished);
    return g_test_run();
}
