/* Generate from Text: the dialog's controls and moving settings in and out.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "dialog_private.h"
#include "i18n.h"

#define UNKNOWN_WORDS_SIZE 512

/* ---- small builders --------------------------------------------------------- */

static GtkWidget *heading(const gchar *text)
{
    gchar *markup = g_markup_printf_escaped("<b>%s</b>", text);
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_markup(GTK_LABEL(label), markup);
    gtk_widget_set_halign(label, GTK_ALIGN_START);
    gtk_widget_set_margin_top(label, 6);
    g_free(markup);
    return label;
}

static GtkWidget *row_label(const gchar *mnemonic, GtkWidget *target)
{
    GtkWidget *label = gtk_label_new_with_mnemonic(mnemonic);
    gtk_widget_set_halign(label, GTK_ALIGN_START);
    gtk_widget_set_margin_start(label, 12);
    if (target)
        gtk_label_set_mnemonic_widget(GTK_LABEL(label), target);
    return label;
}

static GtkWidget *text_view(GtkTextBuffer **buffer, gint height, GtkWidget **view_out)
{
    GtkWidget *scrolled = gtk_scrolled_window_new(NULL, NULL);
    GtkWidget *view = gtk_text_view_new();
    gtk_text_view_set_wrap_mode(GTK_TEXT_VIEW(view), GTK_WRAP_WORD_CHAR);
    gtk_text_view_set_accepts_tab(GTK_TEXT_VIEW(view), FALSE);
    gtk_text_view_set_left_margin(GTK_TEXT_VIEW(view), 4);
    gtk_text_view_set_right_margin(GTK_TEXT_VIEW(view), 4);
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scrolled), GTK_POLICY_NEVER,
                                   GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scrolled), GTK_SHADOW_IN);
    gtk_widget_set_size_request(scrolled, -1, height);
    gtk_container_add(GTK_CONTAINER(scrolled), view);
    *buffer = gtk_text_view_get_buffer(GTK_TEXT_VIEW(view));
    *view_out = view;
    return scrolled;
}

/* A spin button plus a slider over the spin's most useful range; the slider
 * has its own adjustment so the spin can go beyond it. */
typedef struct {
    GtkAdjustment *spin_adj, *scale_adj;
    gboolean busy;
} SliderLink;

static void sync_adjustment(GtkAdjustment *from, GtkAdjustment *to, SliderLink *link)
{
    if (link->busy)
        return;
    link->busy = TRUE;
    gtk_adjustment_set_value(to, gtk_adjustment_get_value(from));
    link->busy = FALSE;
}

static void on_spin_changed(GtkAdjustment *adj, gpointer data)
{
    SliderLink *link = data;
    sync_adjustment(adj, link->scale_adj, link);
}

static void on_scale_changed(GtkAdjustment *adj, gpointer data)
{
    SliderLink *link = data;
    sync_adjustment(adj, link->spin_adj, link);
}

static GtkWidget *slider(GtkGrid *grid, gint row, const gchar *mnemonic, const gchar *tooltip,
                         gdouble lo, gdouble hi, gdouble slider_hi, gdouble step, gint digits)
{
    SliderLink *link = g_new0(SliderLink, 1);
    GtkWidget *spin, *scale;

    link->spin_adj = gtk_adjustment_new(lo, lo, hi, step, step * 10, 0);
    link->scale_adj = gtk_adjustment_new(lo, lo, slider_hi, step, step * 10, 0);
    spin = gtk_spin_button_new(link->spin_adj, step, digits);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), TRUE);
    scale = gtk_scale_new(GTK_ORIENTATION_HORIZONTAL, link->scale_adj);
    gtk_scale_set_draw_value(GTK_SCALE(scale), FALSE);
    gtk_scale_set_digits(GTK_SCALE(scale), digits);
    gtk_widget_set_hexpand(scale, TRUE);
    g_signal_connect(link->spin_adj, "value-changed", G_CALLBACK(on_spin_changed), link);
    g_signal_connect(link->scale_adj, "value-changed", G_CALLBACK(on_scale_changed), link);
    g_object_set_data_full(G_OBJECT(spin), "gft-slider-link", link, g_free);
    g_object_set_data(G_OBJECT(spin), "gft-slider-scale", scale);
    gtk_widget_set_tooltip_text(spin, tooltip);
    gtk_widget_set_tooltip_text(scale, tooltip);

    gtk_grid_attach(grid, row_label(mnemonic, spin), 0, row, 1, 1);
    gtk_grid_attach(grid, scale, 1, row, 2, 1);
    gtk_grid_attach(grid, spin, 3, row, 1, 1);
    return spin;
}

static GtkWidget *int_spin(gdouble lo, gdouble hi, const gchar *tooltip)
{
    GtkWidget *spin = gtk_spin_button_new_with_range(lo, hi, 1);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), 0);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), TRUE);
    gtk_widget_set_tooltip_text(spin, tooltip);
    return spin;
}

/* A note under the prompt: an icon and a wrapping label, hidden until used. */
static GtkWidget *note_row(const gchar *icon_name, GtkWidget **label)
{
    GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *icon = gtk_image_new_from_icon_name(icon_name, GTK_ICON_SIZE_MENU);
    gtk_widget_set_valign(icon, GTK_ALIGN_START);
    *label = gtk_label_new("");
    gtk_label_set_line_wrap(GTK_LABEL(*label), TRUE);
    gtk_label_set_xalign(GTK_LABEL(*label), 0);
    gtk_label_set_max_width_chars(GTK_LABEL(*label), 40);
    gtk_box_pack_start(GTK_BOX(row), icon, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(row), *label, TRUE, TRUE, 0);
    gtk_widget_set_no_show_all(row, TRUE);
    gtk_widget_show(icon);
    gtk_widget_show(*label);
    return row;
}

/* ---- callbacks ---------------------------------------------------------------- */

static void on_prompt_changed(GtkTextBuffer *buffer, gpointer data)
{
    (void)buffer;
    gft_dialog_update_prompt_notes(GFT_DIALOG(data));
}

/* Ctrl+Enter in a prompt generates (plain Enter starts a new line). */
static gboolean on_prompt_key(GtkWidget *view, GdkEventKey *event, gpointer data)
{
    GftDialog *d = data;
    (void)view;
    if ((event->keyval == GDK_KEY_Return || event->keyval == GDK_KEY_KP_Enter) &&
        (event->state & GDK_CONTROL_MASK)) {
        gft_dialog_generate(d);
        return TRUE;
    }
    return FALSE;
}

static void on_dice(GtkButton *button, gpointer data)
{
    GftDialog *d = data;
    (void)button;
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->seed), g_random_int());
}

static void on_model_file_set(GtkFileChooserButton *chooser, gpointer data)
{
    GftDialog *d = data;
    gchar *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
    GError *error = NULL;

    if (path && !gft_dialog_load_model(d, path, &error)) {
        gft_dialog_show_model_info(d, error->message);
        g_error_free(error);
    }
    g_free(path);
}

/* ---- building ------------------------------------------------------------------- */

static void build_prompt(GftDialog *d, GtkBox *box)
{
    GtkWidget *label, *scrolled, *neg_scrolled;

    {
        gchar *markup = g_markup_printf_escaped("<b>%s</b>", _("_Prompt"));
        label = gtk_label_new(NULL);
        gtk_label_set_markup_with_mnemonic(GTK_LABEL(label), markup);
        gtk_widget_set_halign(label, GTK_ALIGN_START);
        g_free(markup);
    }
    gtk_box_pack_start(box, label, FALSE, FALSE, 0);
    scrolled = text_view(&d->prompt_buffer, 72, &d->prompt_view);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), d->prompt_view);
    gtk_widget_set_tooltip_text(d->prompt_view,
                                _("Describe the image you want, for example \"a red apple "
                                  "on a white background\"; Ctrl+Enter generates"));
    g_signal_connect(d->prompt_buffer, "changed", G_CALLBACK(on_prompt_changed), d);
    g_signal_connect(d->prompt_view, "key-press-event", G_CALLBACK(on_prompt_key), d);
    gtk_box_pack_start(box, scrolled, FALSE, FALSE, 0);

    d->reading_box = note_row("dialog-information-symbolic", &d->reading);
    gtk_widget_set_tooltip_text(d->reading_box,
                                _("Words that the model draws better in another wording are "
                                  "read in that wording: other languages' words mostly as "
                                  "English"));
    gtk_box_pack_start(box, d->reading_box, FALSE, FALSE, 0);
    d->unknown_box = note_row("dialog-warning-symbolic", &d->unknown_words);
    gtk_box_pack_start(box, d->unknown_box, FALSE, FALSE, 0);
    d->literal = gtk_check_button_new_with_mnemonic(_("Use the prompt as _typed"));
    gtk_widget_set_tooltip_text(d->literal,
                                _("Give the model the prompt and the negative prompt exactly as "
                                  "typed, without reading words in the wording it draws best "
                                  "(\"cat\" as \"katze\", \"红苹果\" as \"red apple\")"));
    gtk_widget_set_no_show_all(d->literal, TRUE); /* shown with a model that has a lexicon */
    g_signal_connect_swapped(d->literal, "toggled", G_CALLBACK(gft_dialog_update_prompt_notes), d);
    gtk_box_pack_start(box, d->literal, FALSE, FALSE, 0);

    d->negative_expander = gtk_expander_new_with_mnemonic(_("_Negative prompt"));
    neg_scrolled = text_view(&d->negative_buffer, 48, &d->negative_view);
    gtk_widget_set_margin_top(neg_scrolled, 4);
    gtk_widget_set_tooltip_text(d->negative_view,
                                _("What the image should not look like; used with guidance "
                                  "above 1"));
    g_signal_connect(d->negative_view, "key-press-event", G_CALLBACK(on_prompt_key), d);
    gtk_container_add(GTK_CONTAINER(d->negative_expander), neg_scrolled);
    gtk_box_pack_start(box, d->negative_expander, FALSE, FALSE, 0);
}

static void build_parameters(GftDialog *d, GtkBox *box)
{
    GtkWidget *g = gtk_grid_new();
    GtkGrid *grid = GTK_GRID(g);
    GtkWidget *size_box, *times;
    gint row = 0;

    gtk_grid_set_row_spacing(grid, 4);
    gtk_grid_set_column_spacing(grid, 8);

    gtk_grid_attach(grid, heading(_("Sampling")), 0, row++, 4, 1);
    d->temperature = slider(grid, row++, _("_Temperature:"),
                            _("Randomness of each image token: low values give safer, "
                              "plainer images, high values more varied ones; 0 always takes "
                              "the most likely token"),
                            0, 10, 2, 0.01, 2);
    d->top_k = int_spin(0, 65536, _("Sample only from the k most likely image tokens; 0 = off"));
    gtk_grid_attach(grid, row_label(_("Top-_k:"), d->top_k), 0, row, 1, 1);
    gtk_grid_attach(grid, d->top_k, 3, row++, 1, 1);
    d->top_p = slider(grid, row++, _("Top-_p:"),
                      _("Sample only from the most likely tokens that together reach this "
                        "probability; 1 = off"),
                      0.01, 1, 1, 0.01, 2);
    d->guidance =
        slider(grid, row++, _("_Guidance:"), NULL, 0, 30, 15, 0.1, 2); /* tooltip: per model */
    d->candidates = int_spin(1, GFT_MAX_CANDIDATES, NULL);             /* tooltip: per model */
    gtk_grid_attach(grid, row_label(_("_Best of:"), d->candidates), 0, row, 1, 1);
    gtk_grid_attach(grid, d->candidates, 3, row++, 1, 1);

    gtk_grid_attach(grid, heading(_("Seed and variations")), 0, row++, 4, 1);
    d->seed = int_spin(0, (gdouble)GFT_SEED_MAX,
                       _("The same seed, prompt and settings give the same images; variation "
                         "i uses seed + i"));
    gtk_widget_set_hexpand(d->seed, TRUE);
    gtk_entry_set_width_chars(GTK_ENTRY(d->seed), 10);
    d->dice =
        gtk_button_new_from_icon_name("media-playlist-shuffle-symbolic", GTK_ICON_SIZE_BUTTON);
    gtk_widget_set_tooltip_text(d->dice, _("Pick a new random seed"));
    g_signal_connect(d->dice, "clicked", G_CALLBACK(on_dice), d);
    d->fixed_seed = gtk_check_button_new_with_mnemonic(_("_Fixed"));
    gtk_widget_set_tooltip_text(d->fixed_seed, _("Keep this seed; otherwise every Generate "
                                                 "picks a new random seed"));
    gtk_grid_attach(grid, row_label(_("_Seed:"), d->seed), 0, row, 1, 1);
    gtk_grid_attach(grid, d->seed, 1, row, 1, 1);
    gtk_grid_attach(grid, d->dice, 2, row, 1, 1);
    gtk_grid_attach(grid, d->fixed_seed, 3, row++, 1, 1);
    d->variations = int_spin(1, GFT_MAX_VARIATIONS,
                             _("How many images to make from the same prompt, each with the "
                               "next seed"));
    gtk_grid_attach(grid, row_label(_("_Variations:"), d->variations), 0, row, 1, 1);
    gtk_grid_attach(grid, d->variations, 3, row++, 1, 1);

    gtk_grid_attach(grid, heading(_("Output")), 0, row++, 4, 1);
    d->width = int_spin(GFT_OUTPUT_SIZE_MIN, GFT_OUTPUT_SIZE_MAX,
                        _("Width of the new layers; the model's own size is the sharpest"));
    d->height = int_spin(GFT_OUTPUT_SIZE_MIN, GFT_OUTPUT_SIZE_MAX,
                         _("Height of the new layers; the model's own size is the sharpest"));
    size_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
    times = gtk_label_new("×");
    gtk_box_pack_start(GTK_BOX(size_box), d->width, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(size_box), times, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(size_box), d->height, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(size_box), gtk_label_new(_("pixels")), FALSE, FALSE, 0);
    gtk_grid_attach(grid, row_label(_("Si_ze:"), d->width), 0, row, 1, 1);
    gtk_grid_attach(grid, size_box, 1, row++, 3, 1);
    d->target = gtk_combo_box_text_new();
    gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(d->target), "new-layers",
                              _("New layers in the current image"));
    gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(d->target), "new-image", _("A new image"));
    gtk_combo_box_set_active(GTK_COMBO_BOX(d->target), 0);
    gtk_grid_attach(grid, row_label(_("_Create:"), d->target), 0, row, 1, 1);
    gtk_grid_attach(grid, d->target, 1, row++, 3, 1);

    gtk_grid_attach(grid, heading(_("Model")), 0, row++, 4, 1);
    d->model_chooser =
        gtk_file_chooser_button_new(_("Choose a Model"), GTK_FILE_CHOOSER_ACTION_OPEN);
    {
        GtkFileFilter *gguf = gtk_file_filter_new();
        GtkFileFilter *all = gtk_file_filter_new();
        gtk_file_filter_set_name(gguf, _("Models (*.gguf)"));
        gtk_file_filter_add_pattern(gguf, "*.gguf");
        gtk_file_filter_add_pattern(gguf, "*.GGUF");
        gtk_file_filter_set_name(all, _("All files"));
        gtk_file_filter_add_pattern(all, "*");
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d->model_chooser), gguf);
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d->model_chooser), all);
    }
    gtk_widget_set_tooltip_text(d->model_chooser, _("The model file (GGUF) that makes the images"));
    g_signal_connect(d->model_chooser, "file-set", G_CALLBACK(on_model_file_set), d);
    gtk_grid_attach(grid, row_label(_("_File:"), d->model_chooser), 0, row, 1, 1);
    gtk_grid_attach(grid, d->model_chooser, 1, row++, 3, 1);
    d->model_info = gtk_label_new("");
    gtk_label_set_xalign(GTK_LABEL(d->model_info), 0);
    gtk_label_set_line_wrap(GTK_LABEL(d->model_info), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(d->model_info), 44);
    gtk_label_set_selectable(GTK_LABEL(d->model_info), FALSE);
    gtk_widget_set_margin_start(d->model_info, 12);
    gtk_grid_attach(grid, d->model_info, 0, row++, 4, 1);

    gtk_box_pack_start(box, g, FALSE, FALSE, 0);
}

GtkWidget *gft_dialog_build_controls(GftDialog *d)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
    gtk_widget_set_size_request(box, 360, -1);
    build_prompt(d, GTK_BOX(box));
    build_parameters(d, GTK_BOX(box));
    d->controls = box;
    return box;
}

/* ---- settings <-> controls -------------------------------------------------------- */

static gchar *buffer_text(GtkTextBuffer *buffer)
{
    GtkTextIter start, end;
    gtk_text_buffer_get_bounds(buffer, &start, &end);
    return gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
}

static gint native_width(GftDialog *d)
{
    return d->model ? (gint)d->info.output_width : 128;
}

static gint native_height(GftDialog *d)
{
    return d->model ? (gint)d->info.output_height : 128;
}

static gboolean model_can_rerank(GftDialog *d)
{
    return d->model == NULL || d->info.has_reranker;
}

/* What the Best of control shows for a setting: 1 for a model without a
 * reranker, the model's default for 0. */
static gint shown_candidates(GftDialog *d, gint n_candidates)
{
    if (!model_can_rerank(d))
        return 1;
    if (n_candidates > 0)
        return MIN(n_candidates, GFT_MAX_CANDIDATES);
    return gft_settings_model_candidates(d->model ? &d->info : NULL);
}

/* The guidance tooltip says so when the model ramps guidance up. */
static void update_guidance_tooltip(GftDialog *d)
{
    gboolean ramp = d->model != NULL && d->info.defaults.guidance_ramp;
    const gchar *tip =
        ramp ? _("How closely to follow the prompt: higher values are more faithful to it but "
                 "less varied; 1 = off (faster). This model raises guidance from 1 at the first "
                 "row of the picture to this value at the last")
             : _("How closely to follow the prompt: higher values are more faithful to it but "
                 "less varied; 1 = off (faster)");

    gtk_widget_set_tooltip_text(d->guidance, tip);
    gtk_widget_set_tooltip_text(g_object_get_data(G_OBJECT(d->guidance), "gft-slider-scale"), tip);
}

void gft_dialog_update_model_controls(GftDialog *d)
{
    gboolean can = model_can_rerank(d);

    update_guidance_tooltip(d);
    if (!can)
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->candidates), 1);
    gtk_widget_set_sensitive(d->candidates, can);
    gtk_widget_set_tooltip_text(
        d->candidates, can ? _("Candidates per image: makes this many samples of each image and "
                               "keeps the one the model's reranker judges closest to the prompt; "
                               "about this many times slower. 1 = one sample")
                           : _("Candidates per image: this model has no reranker to choose "
                               "between samples, so each image is a single sample"));
}

void gft_dialog_show_settings(GftDialog *d, const GftSettings *s)
{
    gtk_text_buffer_set_text(d->prompt_buffer, s->prompt ? s->prompt : "", -1);
    gtk_text_buffer_set_text(d->negative_buffer, s->negative_prompt ? s->negative_prompt : "", -1);
    if (s->negative_prompt && *s->negative_prompt)
        gtk_expander_set_expanded(GTK_EXPANDER(d->negative_expander), TRUE);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->temperature), s->temperature);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->top_k), s->top_k);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->top_p), s->top_p);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->guidance), s->guidance);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->candidates), shown_candidates(d, s->n_candidates));
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->seed), (gdouble)s->seed);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->fixed_seed), s->fixed_seed);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->literal), s->literal_prompt);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->variations), s->n_variations);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->width),
                              s->out_width > 0 ? s->out_width : native_width(d));
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->height),
                              s->out_height > 0 ? s->out_height : native_height(d));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(d->target),
                                s->target == GFT_TARGET_NEW_IMAGE ? "new-image" : "new-layers");
}

void gft_dialog_read_settings(GftDialog *d, GftSettings *s)
{
    GftSettings fresh;
    const gchar *target = gtk_combo_box_get_active_id(GTK_COMBO_BOX(d->target));

    gft_settings_init(&fresh);
    g_free(fresh.prompt);
    fresh.prompt = buffer_text(d->prompt_buffer);
    g_free(fresh.negative_prompt);
    fresh.negative_prompt = buffer_text(d->negative_buffer);
    fresh.temperature = gtk_spin_button_get_value(GTK_SPIN_BUTTON(d->temperature));
    fresh.top_k = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(d->top_k));
    fresh.top_p = gtk_spin_button_get_value(GTK_SPIN_BUTTON(d->top_p));
    fresh.guidance = gtk_spin_button_get_value(GTK_SPIN_BUTTON(d->guidance));
    fresh.n_candidates = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(d->candidates));
    fresh.seed = (guint64)gtk_spin_button_get_value(GTK_SPIN_BUTTON(d->seed));
    fresh.fixed_seed = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->fixed_seed));
    fresh.literal_prompt = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->literal));
    fresh.n_variations = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(d->variations));
    fresh.out_width = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(d->width));
    fresh.out_height = gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(d->height));
    g_free(fresh.model_path);
    fresh.model_path = g_strdup(d->model_setting ? d->model_setting : "");
    fresh.target =
        g_strcmp0(target, "new-image") == 0 ? GFT_TARGET_NEW_IMAGE : GFT_TARGET_NEW_LAYERS;
    gft_settings_copy(s, &fresh);
    gft_settings_clear(&fresh);
}

void gft_dialog_update_prompt_notes(GftDialog *d)
{
    gchar words[UNKNOWN_WORDS_SIZE], reading[GFT_READING_SIZE];
    gchar *prompt, *text;
    gboolean as_typed = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->literal));
    int n;

    if (d->model == NULL) {
        gtk_widget_hide(d->reading_box);
        gtk_widget_hide(d->unknown_box);
        gtk_widget_hide(d->literal);
        return;
    }
    gtk_widget_set_visible(d->literal, d->info.n_lexicon > 0 || d->info.n_articles > 0);
    prompt = buffer_text(d->prompt_buffer);
    if (as_typed) {
        gtk_widget_hide(d->reading_box); /* the model reads the prompt itself */
    } else if (gft_translate_prompt(d->model, prompt, reading, sizeof reading) > 0) {
        text = g_strdup_printf(_("The model reads this prompt as: %s"), reading);
        gtk_label_set_text(GTK_LABEL(d->reading), text);
        g_free(text);
        gtk_widget_show(d->reading_box);
    } else {
        gtk_widget_hide(d->reading_box);
    }
    /* what the model reads is what it may not know */
    n = gft_unknown_words(d->model, as_typed ? prompt : reading, words, sizeof words);
    g_free(prompt);
    if (n <= 0) {
        gtk_widget_hide(d->unknown_box);
        return;
    }
    text = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "This model does not know the word: %s",
                                       "This model does not know these words: %s", n),
                           words);
    gtk_label_set_text(GTK_LABEL(d->unknown_words), text);
    g_free(text);
    gtk_widget_show(d->unknown_box);
}
