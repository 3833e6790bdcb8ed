/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: model lookup/loading and synchronous runs.
 */
#include "gft-plugin-generate.h"

#include <string.h>

#include <glib/gi18n-lib.h>

char *gft_plugin_own_dir(const char *progname)
{
    char *dir, *abs;

    if (!progname || !*progname)
        return NULL;
    dir = g_path_get_dirname(progname);
    if (g_path_is_absolute(dir))
        return dir;
    abs = g_canonicalize_filename(dir, NULL);
    g_free(dir);
    return abs;
}

gboolean gft_plugin_load_model(const char *requested, const char *plugin_dir, GftLoadedModel *out,
                               GError **error)
{
    char path[4096];
    char err[GFT_ERROR_SIZE] = "";
    gft_status st;

    memset(out, 0, sizeof *out);
    if (requested && *requested) {
        g_strlcpy(path, requested, sizeof path);
    } else if (!gft_find_default_model(plugin_dir, path, sizeof path)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    _("No model found: the shipped model gft-emoji.gguf is neither in the "
                      "plug-in's folder (%s) nor in the installed data folder. Reinstall the "
                      "plug-in or choose a model file."),
                    plugin_dir ? plugin_dir : "?");
        return FALSE;
    }
    st = gft_model_load(path, &out->model, err, sizeof err);
    if (st != GFT_OK) {
        char *shown = g_filename_display_name(path);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    _("Could not load the model \"%s\" (%s): %s"), shown, gft_status_string(st),
                    err);
        g_free(shown);
        return FALSE;
    }
    out->path = g_strdup(path);
    gft_model_fingerprint(out->model, out->fingerprint);
    gft_model_get_info(out->model, &out->info);
    return TRUE;
}

void gft_plugin_model_clear(GftLoadedModel *m)
{
    if (m->model)
        gft_model_free(m->model);
    g_free(m->path);
    memset(m, 0, sizeof *m);
}

typedef struct {
    GftPluginProgressFn fn;
    void *user_data;
} ProgressRelay;

static void relay_progress(void *user_data, const gft_progress *p)
{
    ProgressRelay *relay = user_data;

    if (relay->fn && p->tokens_total > 0)
        relay->fn((double)p->tokens_done / p->tokens_total, relay->user_data);
}

gboolean gft_plugin_generate(const GftLoadedModel *m, const GftPluginSettings *s,
                             GftPluginProgressFn progress, void *user_data, gft_result *result,
                             GError **error)
{
    char err[GFT_ERROR_SIZE] = "";
    gft_generate_params p;
    ProgressRelay relay = {progress, user_data};
    gft_context *ctx;
    gft_status st;

    memset(result, 0, sizeof *result);
    gft_generate_params_init(&p, m->model);
    p.prompt = s->prompt;
    p.negative_prompt = s->negative_prompt;
    p.sampling.temperature = (float)s->temperature;
    p.sampling.top_k = s->top_k;
    p.sampling.top_p = (float)s->top_p;
    p.sampling.guidance = (float)s->guidance;
    p.n_candidates = s->candidates;
    p.literal_prompt = s->literal ? 1 : 0;
    p.seed = (uint64_t)s->seed;
    p.n_variations = s->variations;
    p.progress = relay_progress;
    p.user_data = &relay;

    if (gft_sampling_check(&p.sampling, (int)m->info.codebook_size, err, sizeof err) != GFT_OK) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("Invalid settings: %s"), err);
        return FALSE;
    }
    if (s->candidates > 1 && !m->info.has_reranker) {
        char *shown = g_filename_display_basename(m->path ? m->path : "");
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    _("Best of %d needs a model with a reranker, and the model \"%s\" has none. "
                      "Use 1 candidate, or 0 for the model's default."),
                    s->candidates, shown);
        g_free(shown);
        return FALSE;
    }
    ctx = gft_context_new(m->model, err, sizeof err);
    if (!ctx) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                    _("Could not prepare the generator: %s"), err);
        return FALSE;
    }
    st = gft_generate(ctx, &p, result);
    if (st != GFT_OK) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("Generation failed (%s): %s"),
                    gft_status_string(st), gft_context_last_error(ctx));
        if (st == GFT_ERR_CANCELLED)
            gft_result_free(result);
        gft_context_free(ctx);
        return FALSE;
    }
    gft_context_free(ctx);
    return TRUE;
}

void gft_pictures_from_result(const gft_result *result, GftPictures *pictures)
{
    size_t stride = (size_t)result->width * result->height * 4;

    memset(pictures, 0, sizeof *pictures);
    pictures->width = result->width;
    pictures->height = result->height;
    for (int i = 0; i < result->n_variations && i < GFT_MAX_VARIATIONS; i++) {
        if (!result->complete[i])
            continue;
        pictures->seeds[pictures->n] = result->seeds[i];
        pictures->pixels[pictures->n] = result->pixels + stride * i;
        pictures->n++;
    }
}

void gft_output_size(const GftPluginSettings *s, int frame_w, int frame_h, int *w, int *h)
{
    gboolean have_frame = frame_w > 0 && frame_h > 0;

    *w = s->width > 0 ? s->width : have_frame ? frame_w : GFT_DEFAULT_NEW_SIDE;
    *h = s->height > 0 ? s->height : have_frame ? frame_h : GFT_DEFAULT_NEW_SIDE;
}

GftFrame gft_frame_of(int image_w, int image_h, gboolean has_selection, int x1, int y1, int x2,
                      int y2)
{
    GftFrame f = {0, 0, image_w, image_h};

    if (has_selection && x2 > x1 && y2 > y1) {
        f.x = x1;
        f.y = y1;
        f.width = x2 - x1;
        f.height = y2 - y1;
    }
    return f;
}

void gft_frame_centre(const GftFrame *frame, int w, int h, int *x, int *y)
{
    *x = frame->x + (frame->width - w) / 2;
    *y = frame->y + (frame->height - h) / 2;
}

void gft_record_init(GftLayerRecord *record, const GftPluginSettings *resolved,
                     const GftLoadedModel *m, int out_w, int out_h)
{
    memset(record, 0, sizeof *record);
    gft_plugin_settings_copy(&record->settings, resolved);
    g_free(record->settings.model);
    record->settings.model = g_strdup(m->path);
    record->settings.width = out_w;
    record->settings.height = out_h;
    record->settings.variations = 1;
    record->settings.target = GFT_PLUGIN_TARGET_LAYERS;
    g_strlcpy(record->model_fingerprint, m->fingerprint, sizeof record->model_fingerprint);
    record->model_name = g_strdup(m->info.name ? m->info.name : "");
}

gboolean gft_plugin_run(const GftPluginSettings *s, const char *plugin_dir, int frame_w,
                        int frame_h, GftPluginProgressFn progress, void *user_data,
                        GftPluginRun *run, GError **error)
{
    memset(run, 0, sizeof *run);
    if (!gft_plugin_load_model(s->model, plugin_dir, &run->model, error))
        return FALSE;
    gft_plugin_settings_copy(&run->resolved, s);
    gft_plugin_settings_resolve(&run->resolved, &run->model.info);
    if (!gft_plugin_generate(&run->model, &run->resolved, progress, user_data, &run->result,
                             error)) {
        gft_plugin_settings_clear(&run->resolved);
        gft_plugin_model_clear(&run->model);
        return FALSE;
    }
    gft_pictures_from_result(&run->result, &run->pictures);
    gft_output_size(&run->resolved, frame_w, frame_h, &run->out_w, &run->out_h);
    gft_record_init(&run->record, &run->resolved, &run->model, run->out_w, run->out_h);
    return TRUE;
}

void gft_plugin_run_clear(GftPluginRun *run)
{
    gft_record_clear(&run->record);
    gft_result_free(&run->result);
    gft_plugin_settings_clear(&run->resolved);
    gft_plugin_model_clear(&run->model);
}

char *gft_plugin_locale_dir(const char *plugin_dir)
{
    char *own = plugin_dir ? g_build_filename(plugin_dir, "locale", NULL) : NULL;

    if (own && g_file_test(own, G_FILE_TEST_IS_DIR))
        return own;
    g_free(own);
    return g_strdup(GFT_LOCALEDIR);
}
