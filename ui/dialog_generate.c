/* Generate from Text: running the engine in a worker thread.
 *
 * The worker owns its gft_context. Progress and preview pixels travel to
 * the main thread in g_idle_add() messages; only the main thread touches
 * GTK and the dialog. A job is reference-counted so that messages still
 * queued after the dialog is gone find it and do nothing.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdatomic.h>
#include <string.h>

#include "dialog_private.h"
#include "i18n.h"

#define PROGRESS_INTERVAL_US 50000 /* at most 20 plain progress messages a second */
/* A preview runs the whole VQ decoder (GroupNorm needs the whole image), so
 * with a full-size model one per token row would cost more than generating.
 * Previews that cost more than PREVIEW_CHEAP_US each may take at most
 * 1/PREVIEW_SHARE of the run's time. A variation's first row is always
 * previewed (the user sees it start) and so is its last (every finished
 * picture is shown). */
#define PREVIEW_SHARE 2
#define PREVIEW_CHEAP_US 5000

struct GftJob {
    gint refs;         /* atomic */
    GftDialog *dialog; /* main thread only; NULL once the dialog let go */
    const gft_model *model;
    gft_context *ctx; /* worker only */
    GThread *thread;
    atomic_int cancel;

    GftSettings settings; /* what this run uses (the seed included) */
    gft_generate_params params;
    gint width, height, grid_h; /* previews: the decoder's size */
    gint64 start_us;

    /* worker-side preview state */
    guint8 *scratch;
    gint previewed_rows[GFT_MAX_VARIATIONS];
    gint64 last_post_us;
    gint64 preview_us; /* time spent decoding previews so far */
    gint n_previews;

    /* outcome, written by the worker before it posts "done" */
    gft_status status;
    gboolean have_result;
    gft_result result;
    gchar error[GFT_ERROR_SIZE];
};

typedef struct {
    GftJob *job;
    gft_progress progress;
    gint variation; /* -1: progress only */
    gint rows;
    guint8 *rgba;
} ProgressMessage;

static GftJob *job_ref(GftJob *job)
{
    g_atomic_int_inc(&job->refs);
    return job;
}

static void job_unref(GftJob *job)
{
    if (!g_atomic_int_dec_and_test(&job->refs))
        return;
    if (job->have_result)
        gft_result_free(&job->result);
    gft_settings_clear(&job->settings);
    g_free(job->scratch);
    g_free(job);
}

void gft_run_clear(GftRun *run)
{
    if (run->valid)
        gft_settings_clear(&run->settings);
    g_free(run->pixels);
    memset(run, 0, sizeof *run);
}

/* ---- main thread: messages from the worker ---------------------------------- */

static gchar *format_remaining(gdouble seconds)
{
    gint s = (gint)(seconds + 0.5);
    if (s < 90)
        return g_strdup_printf(
            g_dngettext(GETTEXT_PACKAGE, "about %d second left", "about %d seconds left", s), s);
    s = (s + 30) / 60;
    return g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "about %d minute left", "about %d minutes left", s), s);
}

static void show_progress(GftDialog *d, GftJob *job, const gft_progress *p)
{
    gdouble fraction, elapsed;
    gchar *text, *remaining;

    if (p->tokens_total <= 0 || atomic_load(&job->cancel))
        return;
    fraction = CLAMP((gdouble)p->tokens_done / p->tokens_total, 0.0, 1.0);
    elapsed = (g_get_monotonic_time() - job->start_us) / 1e6;
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(d->progress), fraction);
    if (p->tokens_done <= 0)
        return;
    remaining = format_remaining(elapsed * (p->tokens_total - p->tokens_done) / p->tokens_done);
    /* TRANSLATORS: "37%, about 12 seconds left" */
    text = g_strdup_printf(_("%d%%, %s"), (gint)(fraction * 100), remaining);
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), text);
    g_free(text);
    g_free(remaining);
}

static gboolean progress_idle(gpointer data)
{
    ProgressMessage *msg = data;
    GftDialog *d = msg->job->dialog;

    if (d && d->job == msg->job) {
        if (msg->rgba) {
            gft_preview_grid_set_rgba(d->grid, msg->variation, msg->rgba, msg->job->width,
                                      msg->job->height);
            g_signal_emit(d, gft_dialog_signals[SIGNAL_PREVIEW_UPDATED], 0, msg->variation,
                          msg->rows);
        }
        show_progress(d, msg->job, &msg->progress);
    }
    job_unref(msg->job);
    g_free(msg->rgba);
    g_free(msg);
    return G_SOURCE_REMOVE;
}

/* Moves the worker's result into the dialog's run and the preview grid. */
static void keep_result(GftDialog *d, GftJob *job)
{
    gft_result *r = &job->result;
    gsize image_bytes = (gsize)r->width * r->height * 4;
    GftRun *run = &d->run;

    gft_run_clear(run);
    run->valid = TRUE;
    run->n_variations = r->n_variations;
    run->width = r->width;
    run->height = r->height;
    run->pixels = g_memdup2(r->pixels, image_bytes * r->n_variations);
    gft_settings_init(&run->settings);
    gft_settings_copy(&run->settings, &job->settings);
    for (gint i = 0; i < r->n_variations && i < GFT_MAX_VARIATIONS; i++) {
        run->seeds[i] = r->seeds[i];
        run->complete[i] = r->complete[i] != 0;
        if (run->complete[i])
            gft_preview_grid_set_rgba(d->grid, i, run->pixels + image_bytes * i, r->width,
                                      r->height);
        gft_preview_grid_set_finished(d->grid, i, run->complete[i]);
    }
}

static gboolean done_idle(gpointer data)
{
    GftJob *job = data;
    GftDialog *d = job->dialog;
    const gchar *message = NULL;

    if (d && d->job == job) {
        g_thread_join(job->thread);
        job->thread = NULL;
        d->job = NULL;
        if (job->have_result && job->result.pixels)
            keep_result(d, job);
        else if (job->status != GFT_ERR_CANCELLED)
            message = *job->error ? job->error : gft_status_string(job->status);
        job->dialog = NULL;
        job_unref(job); /* the dialog's reference */
        gft_dialog_job_finished(d, job->status, message);
    }
    job_unref(job); /* the worker's reference */
    return G_SOURCE_REMOVE;
}

/* ---- worker thread ---------------------------------------------------------------- */

static void post_progress(GftJob *job, const gft_progress *p, gint variation, gint rows,
                          guint8 *rgba)
{
    ProgressMessage *msg = g_new0(ProgressMessage, 1);
    msg->job = job_ref(job);
    msg->progress = *p;
    msg->variation = variation;
    msg->rows = rows;
    msg->rgba = rgba;
    g_idle_add(progress_idle, msg);
}

/* Engine callback: previews every variation that gained a token row. With
 * batched variations the engine reports the last one of the batch, so
 * the earlier ones (same rows) are previewed too. */
static void on_progress(void *user_data, const gft_progress *p)
{
    GftJob *job = user_data;
    gsize bytes = (gsize)job->width * job->height * 4;
    gboolean posted = FALSE;
    gint64 now = g_get_monotonic_time();
    gint last = MIN(p->variation, job->params.n_variations - 1);

    guint visited = 0;
    for (gint k = 0; k <= last; k++) {
        /* the variation whose preview is furthest behind goes first, so a
         * tight budget is shared fairly inside a batch */
        gint j = -1;
        for (gint i = 0; i <= last; i++)
            if (!(visited & (1u << i)) && p->rows_done > job->previewed_rows[i] &&
                (j < 0 || job->previewed_rows[i] < job->previewed_rows[j]))
                j = i;
        if (j < 0)
            break;
        visited |= 1u << j;
        gboolean within_budget =
            job->preview_us <= (gint64)job->n_previews * PREVIEW_CHEAP_US ||
            job->preview_us * PREVIEW_SHARE <= now - job->start_us - job->preview_us;
        if (!within_budget && job->previewed_rows[j] > 0 && p->rows_done < job->grid_h)
            continue; /* a later row shows these rows too */
        job->previewed_rows[j] = p->rows_done;
        gint64 t0 = g_get_monotonic_time();
        gft_status st = gft_context_preview(job->ctx, j, job->scratch);
        job->preview_us += g_get_monotonic_time() - t0;
        job->n_previews++;
        if (st == GFT_OK) {
            post_progress(job, p, j, p->rows_done, g_memdup2(job->scratch, bytes));
            posted = TRUE;
        }
    }
    if (!posted &&
        (now - job->last_post_us >= PROGRESS_INTERVAL_US || p->tokens_done == p->tokens_total)) {
        post_progress(job, p, -1, 0, NULL);
        posted = TRUE;
    }
    if (posted)
        job->last_post_us = now;
}

static gpointer worker(gpointer data)
{
    GftJob *job = data;
    char err[GFT_ERROR_SIZE] = "";

    job->ctx = gft_context_new(job->model, err, sizeof err);
    if (job->ctx == NULL) {
        job->status = GFT_ERR_NOMEM;
        g_strlcpy(job->error, *err ? err : _("Out of memory"), sizeof job->error);
    } else {
        job->status = gft_generate(job->ctx, &job->params, &job->result);
        job->have_result = job->status == GFT_OK || job->status == GFT_ERR_CANCELLED;
        if (!job->have_result)
            g_strlcpy(job->error, gft_context_last_error(job->ctx), sizeof job->error);
        gft_context_free(job->ctx);
        job->ctx = NULL;
    }
    g_idle_add(done_idle, job); /* hands over the worker's reference */
    return NULL;
}

/* ---- starting and stopping ---------------------------------------------------------- */

static gboolean check_settings(GftDialog *d, const GftSettings *s, gchar *err, gsize err_size)
{
    gft_sampling sampling = {(float)s->temperature, s->top_k, (float)s->top_p, (float)s->guidance,
                             0};
    return gft_sampling_check(&sampling, (int)d->info.codebook_size, err, err_size) == GFT_OK;
}

static void caption_cells(GftDialog *d, const GftSettings *s)
{
    for (gint i = 0; i < s->n_variations; i++) {
        /* TRANSLATORS: a preview's caption: variation number and its seed */
        gchar seed[24];
        gchar *caption;
        g_snprintf(seed, sizeof seed, "%" G_GUINT64_FORMAT, s->seed + i);
        caption = g_strdup_printf(_("#%d, seed %s"), i + 1, seed);
        gft_preview_grid_set_caption(d->grid, i, caption);
        g_free(caption);
    }
}

void gft_dialog_start_job(GftDialog *d)
{
    GftJob *job;
    GError *error = NULL;
    gchar err[GFT_ERROR_SIZE];

    if (d->job || d->model == NULL)
        return;
    if (!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->fixed_seed)))
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(d->seed), g_random_int());

    job = g_new0(GftJob, 1);
    job->refs = 1; /* the dialog's */
    job->dialog = d;
    job->model = d->model;
    gft_settings_init(&job->settings);
    gft_dialog_read_settings(d, &job->settings);
    if (!check_settings(d, &job->settings, err, sizeof err)) {
        gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(d->progress), 0);
        gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), err);
        job_unref(job);
        return;
    }

    job->width = (gint)d->info.image_width;
    job->height = (gint)d->info.image_height;
    job->grid_h = (gint)d->info.grid_h;
    job->scratch = g_malloc((gsize)job->width * job->height * 4);
    gft_generate_params_init(&job->params, d->model);
    job->params.prompt = job->settings.prompt;
    job->params.negative_prompt = job->settings.negative_prompt;
    job->params.sampling.temperature = (float)job->settings.temperature;
    job->params.sampling.top_k = job->settings.top_k;
    job->params.sampling.top_p = (float)job->settings.top_p;
    job->params.sampling.guidance = (float)job->settings.guidance;
    job->params.n_candidates = job->settings.n_candidates; /* tokens_total counts them */
    job->params.seed = job->settings.seed;
    job->params.n_variations = job->settings.n_variations;
    job->params.literal_prompt = job->settings.literal_prompt;
    job->params.n_threads = d->n_threads;
    job->params.max_batch = d->max_batch;
    job->params.progress = on_progress;
    job->params.user_data = job;
    job->params.cancel = &job->cancel;

    gft_run_clear(&d->run);
    d->run.n_variations = job->settings.n_variations; /* for the status line */
    /* the cells hold the finished pictures' size (the upscaler's, when the
     * model has one); previews at the decoder's size are drawn into them */
    gft_preview_grid_setup(d->grid, job->settings.n_variations,
                           job->params.upscale ? (gint)d->info.output_width : job->width,
                           job->params.upscale ? (gint)d->info.output_height : job->height);
    caption_cells(d, &job->settings);
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(d->progress), 0);
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), _("Starting…"));

    d->job = job;
    job->start_us = g_get_monotonic_time();
    job->thread = g_thread_try_new("gft-generate", worker, job_ref(job), &error);
    if (job->thread == NULL) {
        d->job = NULL;
        job->dialog = NULL;
        job_unref(job); /* the worker's, never started */
        job_unref(job);
        gft_dialog_job_finished(d, GFT_ERR_INTERNAL, error->message);
        g_error_free(error);
        return;
    }
    gft_dialog_update_sensitivity(d);
    g_signal_emit(d, gft_dialog_signals[SIGNAL_GENERATION_STARTED], 0);
}

void gft_dialog_cancel_job(GftDialog *d)
{
    if (d->job == NULL)
        return;
    atomic_store(&d->job->cancel, 1);
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(d->progress), _("Stopping…"));
    gtk_widget_set_sensitive(d->stop, FALSE);
}

void gft_dialog_abandon_job(GftDialog *d)
{
    GftJob *job = d->job;
    if (job == NULL)
        return;
    atomic_store(&job->cancel, 1);
    g_thread_join(job->thread); /* the engine stops at its next step */
    job->thread = NULL;
    job->dialog = NULL;
    d->job = NULL;
    job_unref(job); /* the dialog's; queued messages hold their own */
}
