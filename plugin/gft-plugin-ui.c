/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: the dialog run shared by both GIMP versions.
 */
#include "gft-plugin-ui.h"

#include <string.h>

static void ui_from_plugin(GftSettings *ui, const GftPluginSettings *s)
{
    g_free(ui->prompt);
    g_free(ui->negative_prompt);
    g_free(ui->model_path);
    ui->prompt = g_strdup(s->prompt);
    ui->negative_prompt = g_strdup(s->negative_prompt);
    ui->model_path = g_strdup(s->model);
    if (s->temperature >= 0.0)
        ui->temperature = s->temperature;
    if (s->top_k >= 0)
        ui->top_k = s->top_k;
    if (s->top_p > 0.0)
        ui->top_p = s->top_p;
    if (s->guidance >= 0.0)
        ui->guidance = s->guidance;
    if (s->candidates > 0)
        ui->n_candidates = s->candidates;
    ui->fixed_seed = s->seed >= 0;
    if (s->seed >= 0)
        ui->seed = (guint64)s->seed;
    ui->n_variations = s->variations;
    ui->literal_prompt = s->literal;
    if (s->width >= GFT_OUTPUT_SIZE_MIN && s->height >= GFT_OUTPUT_SIZE_MIN) {
        ui->out_width = s->width;
        ui->out_height = s->height;
    }
    ui->target =
        s->target == GFT_PLUGIN_TARGET_NEW_IMAGE ? GFT_TARGET_NEW_IMAGE : GFT_TARGET_NEW_LAYERS;
}

/* native_w/h: the size 0 stands for in the dialog (the model's own). */
static void plugin_from_ui(GftPluginSettings *s, const GftSettings *ui, int native_w, int native_h)
{
    gft_plugin_settings_clear(s);
    gft_plugin_settings_init(s);
    g_free(s->prompt);
    g_free(s->negative_prompt);
    g_free(s->model);
    s->prompt = g_strdup(ui->prompt);
    s->negative_prompt = g_strdup(ui->negative_prompt);
    s->model = g_strdup(ui->model_path ? ui->model_path : "");
    s->temperature = ui->temperature;
    s->top_k = ui->top_k;
    s->top_p = ui->top_p;
    s->guidance = ui->guidance;
    s->candidates = ui->n_candidates; /* >= 1 from the dialog; 0 stays the model's default */
    /* The PDB seed is a signed 32-bit value; -1 keeps "random". */
    s->seed = ui->fixed_seed ? (gint64)(ui->seed % ((guint64)G_MAXINT32 + 1)) : -1;
    s->variations = ui->n_variations;
    s->literal = ui->literal_prompt;
    s->width = ui->out_width > 0 ? ui->out_width : native_w;
    s->height = ui->out_height > 0 ? ui->out_height : native_h;
    s->target =
        ui->target == GFT_TARGET_NEW_IMAGE ? GFT_PLUGIN_TARGET_NEW_IMAGE : GFT_PLUGIN_TARGET_LAYERS;
}

static void fill_record(GftDialogOutcome *o, const char *plugin_dir)
{
    const GftResult *r = o->result;
    GftLayerRecord *rec = &o->record;
    char path[4096] = "";

    memset(rec, 0, sizeof *rec);
    gft_plugin_settings_init(&rec->settings);
    plugin_from_ui(&rec->settings, &r->settings, r->width, r->height);
    /* Record the file actually used, as the dialog found it. */
    if (!*rec->settings.model && gft_find_default_model(plugin_dir, path, sizeof path)) {
        g_free(rec->settings.model);
        rec->settings.model = g_strdup(path);
    }
    rec->settings.variations = 1;
    rec->settings.target = GFT_PLUGIN_TARGET_LAYERS;
    o->out_w = rec->settings.width;
    o->out_h = rec->settings.height;
    g_strlcpy(rec->model_fingerprint, r->model_fingerprint, sizeof rec->model_fingerprint);
    rec->model_name = g_strdup(r->model_name ? r->model_name : "");
}

gboolean gft_plugin_run_dialog(const GftPluginSettings *initial, const char *dialog_state,
                               const char *plugin_dir, GftDialogOutcome *outcome)
{
    GtkWidget *dialog;
    GftSettings ui;
    gboolean remembered;
    gint response;

    memset(outcome, 0, sizeof *outcome);
    gft_plugin_settings_init(&outcome->chosen);
    gft_settings_init(&ui);
    remembered = dialog_state && *dialog_state && gft_settings_parse(&ui, dialog_state, NULL);
    if (!remembered)
        ui_from_plugin(&ui, initial);

    dialog = gft_dialog_new(NULL, plugin_dir);
    gft_dialog_set_settings(GFT_DIALOG(dialog), &ui);
    if (!remembered) {
        /* "Model default" values: the loaded model's tuned defaults, then
         * whatever the caller did set explicitly. */
        gft_dialog_reset(GFT_DIALOG(dialog));
        gft_settings_clear(&ui);
        gft_settings_init(&ui);
        gft_dialog_get_settings(GFT_DIALOG(dialog), &ui);
        ui_from_plugin(&ui, initial);
        gft_dialog_set_settings(GFT_DIALOG(dialog), &ui);
    }
    response = gft_dialog_run(GFT_DIALOG(dialog));
    if (response == GTK_RESPONSE_OK)
        outcome->result = gft_dialog_take_result(GFT_DIALOG(dialog));
    gft_settings_clear(&ui);
    gft_settings_init(&ui);
    gft_dialog_get_settings(GFT_DIALOG(dialog), &ui);
    gtk_widget_destroy(dialog);
    while (gtk_events_pending())
        gtk_main_iteration();

    outcome->dialog_state = gft_settings_serialize(&ui);
    plugin_from_ui(&outcome->chosen, &ui, outcome->result ? outcome->result->width : 0,
                   outcome->result ? outcome->result->height : 0);
    gft_settings_clear(&ui);
    if (!outcome->result || outcome->result->n_images < 1)
        return FALSE;
    fill_record(outcome, plugin_dir);
    return TRUE;
}

void gft_dialog_outcome_clear(GftDialogOutcome *o)
{
    if (o->result)
        gft_dialog_result_free(o->result);
    gft_plugin_settings_clear(&o->chosen);
    g_free(o->dialog_state);
    gft_record_clear(&o->record);
    memset(o, 0, sizeof *o);
}

void gft_pictures_from_outcome(const GftDialogOutcome *o, GftPictures *pictures)
{
    const GftResult *r = o->result;

    memset(pictures, 0, sizeof *pictures);
    pictures->width = r->width;
    pictures->height = r->height;
    for (int i = 0; i < r->n_images && i < GFT_MAX_VARIATIONS; i++) {
        pictures->seeds[i] = r->seeds[i];
        pictures->pixels[i] = r->pixels[i];
    }
    pictures->n = r->n_images < GFT_MAX_VARIATIONS ? r->n_images : GFT_MAX_VARIATIONS;
}
