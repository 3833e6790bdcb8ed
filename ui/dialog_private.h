/* Generate from Text: what the dialog's source files share.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef GFT_DIALOG_PRIVATE_H
#define GFT_DIALOG_PRIVATE_H

#include "gft-dialog.h"
#include "preview_grid.h"

typedef struct GftJob GftJob;

/* The finished (or stopped) run whose variations the preview shows. */
typedef struct {
    gboolean valid;
    gint n_variations;
    gint width, height;
    guint64 seeds[GFT_MAX_VARIATIONS];
    gboolean complete[GFT_MAX_VARIATIONS];
    guint8 *pixels; /* n_variations * height * width * 4, straight RGBA */
    GftSettings settings;
} GftRun;

struct _GftDialog {
    GtkDialog parent_instance;

    /* model */
    gft_model *model;
    gft_model_info info;
    gchar *model_path;      /* file of the current model ("" if none)       */
    gchar *model_setting;   /* what settings say: "" = the default model     */
    gchar *extra_model_dir; /* where gft_find_default_model also looks       */
    gint n_threads;
    gint max_batch;

    /* controls */
    GtkTextBuffer *prompt_buffer, *negative_buffer;
    GtkWidget *prompt_view, *negative_view, *negative_expander;
    GtkWidget *temperature, *top_k, *top_p, *guidance; /* spin buttons */
    GtkWidget *candidates; /* best of K; 1 and insensitive without a reranker */
    GtkWidget *seed, *dice, *fixed_seed, *variations, *width, *height;
    GtkWidget *model_chooser, *model_info, *target;
    GtkWidget *unknown_box, *unknown_words;
    GtkWidget *reading_box, *reading; /* the prompt as the model's lexicon reads it */
    GtkWidget *literal;               /* "as typed": the lexicon off; shown with one */
    GtkWidget *controls;              /* everything the user edits, disabled while running */
    GtkWidget *progress, *stop;
    GtkWidget *generate, *ok, *reset, *help, *close;
    GftPreviewGrid *grid;
    gint target_value;

    /* generation */
    GftJob *job; /* the running job or NULL */
    GftRun run;  /* the last run's results   */

    /* gft_dialog_run */
    GMainLoop *loop;
    gint run_response;
    gboolean ok_pending;    /* OK was pressed: accept when the run ends     */
    gboolean close_pending; /* Close was pressed: close when the run ends   */
};

enum { SIGNAL_GENERATION_STARTED, SIGNAL_PREVIEW_UPDATED, SIGNAL_GENERATION_FINISHED, N_SIGNALS };
extern guint gft_dialog_signals[N_SIGNALS];

/* dialog_controls.c: building the controls and moving settings in and out. */
GtkWidget *gft_dialog_build_controls(GftDialog *d);
void gft_dialog_show_settings(GftDialog *d, const GftSettings *s);
void gft_dialog_read_settings(GftDialog *d, GftSettings *s);
/* Under the prompt: how the model's lexicon reads it (when that differs from
 * what was typed) and the words of that reading the model does not know. */
void gft_dialog_update_prompt_notes(GftDialog *d);
/* The controls follow the current model: without a reranker Best of shows 1
 * and is insensitive, and its tooltip says why; the guidance tooltip says
 * when the model ramps guidance up. */
void gft_dialog_update_model_controls(GftDialog *d);

/* dialog_model.c: loading a model and describing it. */
gboolean gft_dialog_load_model(GftDialog *d, const gchar *path, GError **error);
void gft_dialog_load_default_model(GftDialog *d);
void gft_dialog_show_model_info(GftDialog *d, const gchar *error_text);

/* dialog_generate.c: the worker thread. */
void gft_dialog_start_job(GftDialog *d);
void gft_dialog_cancel_job(GftDialog *d);
/* Stops and waits for the worker (dispose). */
void gft_dialog_abandon_job(GftDialog *d);
void gft_run_clear(GftRun *run);

/* dialog.c: shared state changes. */
void gft_dialog_update_sensitivity(GftDialog *d);
void gft_dialog_job_finished(GftDialog *d, gint status, const gchar *message);

/* dialog_help.c */
void gft_dialog_show_help(GftDialog *d);

#endif /* GFT_DIALOG_PRIVATE_H */
