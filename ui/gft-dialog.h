/* Generate from Text: the GTK 3 dialog (no libgimp in here).
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dialog edits a GftSettings, generates previews with the engine in a
 * worker thread (the dialog stays open and responsive, Stop keeps finished
 * variations) and, on OK, hands the selected variations' pixels to the
 * caller, which turns them into layers or a new image.
 *
 * Typical use (a plug-in):
 *
 *     gft_ui_bind_textdomain (locale_dir);
 *     GtkWidget *dlg = gft_dialog_new (NULL, plug_in_dir);
 *     gft_dialog_set_settings (GFT_DIALOG (dlg), &last_values);
 *     if (gft_dialog_run (GFT_DIALOG (dlg)) == GTK_RESPONSE_OK) {
 *         GftResult *r = gft_dialog_take_result (GFT_DIALOG (dlg));
 *         ... r->pixels[i], r->width, r->height, r->seeds[i] ...
 *         gft_dialog_result_free (r);
 *     }
 *     gft_dialog_get_settings (GFT_DIALOG (dlg), &last_values);
 *     gtk_widget_destroy (dlg);
 *
 * Everything here must be called on the GTK main thread.
 */
#ifndef GFT_DIALOG_H
#define GFT_DIALOG_H

#include <gtk/gtk.h>

#include "gft.h"

G_BEGIN_DECLS

/* The gettext domain of the dialog and the plug-in. */
#define GFT_GETTEXT_DOMAIN "generate-from-text"

/* Binds GFT_GETTEXT_DOMAIN to locale_dir (NULL: the system locale dir) with
 * UTF-8 output. */
void gft_ui_bind_textdomain(const gchar *locale_dir);

/* ---- settings ------------------------------------------------------------ */

typedef enum {
    GFT_TARGET_NEW_LAYERS = 0, /* a layer group in the current image */
    GFT_TARGET_NEW_IMAGE = 1,
} GftTarget;

#define GFT_SEED_MAX G_GUINT64_CONSTANT(4294967295) /* seeds are 0..2^32-1 */
#define GFT_OUTPUT_SIZE_MIN 8
#define GFT_OUTPUT_SIZE_MAX 8192

typedef struct {
    gchar *prompt;           /* UTF-8, never NULL after gft_settings_init */
    gchar *negative_prompt;  /* never NULL; "" = none                      */
    gdouble temperature;     /* 0 = greedy .. 10                           */
    gint top_k;              /* 0 = off                                    */
    gdouble top_p;           /* (0, 1]; 1 = off                            */
    gdouble guidance;        /* 0 .. 30; 1 = off                           */
    gint n_candidates;       /* best of K: 1 .. GFT_MAX_CANDIDATES samples
                                per image, the model's reranker keeps the
                                best; 0 = the model's default              */
    guint64 seed;            /* variation i uses seed + i                  */
    gboolean fixed_seed;     /* FALSE: every Generate draws a new seed     */
    gint n_variations;       /* 1 .. GFT_MAX_VARIATIONS                    */
    gboolean literal_prompt; /* TRUE: the prompts as typed, without the
                                model's lexicon (its other wordings)     */
    gint out_width;          /* output size in pixels; 0 = the model's own */
    gint out_height;
    gchar *model_path; /* "" = the default model (gft_find_default_model) */
    GftTarget target;
} GftSettings;

/* Built-in defaults (no model needed): empty prompt, the engine's usual
 * sampling defaults, the model's default candidates (0), random seed, 4
 * variations, native size, default model, new layers. */
void gft_settings_init(GftSettings *s);
/* Frees the strings; s can be initialised again afterwards. */
void gft_settings_clear(GftSettings *s);
/* dst must be initialised (or cleared); it is overwritten. */
void gft_settings_copy(GftSettings *dst, const GftSettings *src);
gboolean gft_settings_equal(const GftSettings *a, const GftSettings *b);

/* Sets the generation parameters to the model's defaults (sampling, best of
 * K, native output size); keeps prompt, negative prompt, model and target.
 * info may be NULL (built-in defaults; candidates 0 = the model's). */
void gft_settings_reset(GftSettings *s, const gft_model_info *info);

/* The best of K a model starts at: its default, within 1..GFT_MAX_CANDIDATES;
 * 1 for a model without a reranker or no model (NULL). */
gint gft_settings_model_candidates(const gft_model_info *info);

/* "key=value" lines (values C-escaped, numbers locale-independent; 0
 * candidates, the model's default, is left out). Free with g_free. */
gchar *gft_settings_serialize(const GftSettings *s);
/* Parses text written by gft_settings_serialize. Unknown keys are ignored,
 * missing keys keep their current value (text from before "candidates"
 * existed keeps 0 after gft_settings_init: the model's default). On error (a
 * bad line or an out-of-range value) returns FALSE with a message and leaves
 * s unchanged. */
gboolean gft_settings_parse(GftSettings *s, const gchar *text, GError **error);

/* ---- result ---------------------------------------------------------------- */

typedef struct {
    gint n_images; /* the selected, finished variations                    */
    gint width;    /* the model's native size, same for every image        */
    gint height;
    gint variation[GFT_MAX_VARIATIONS]; /* its index in the run (0-based)    */
    guint64 seeds[GFT_MAX_VARIATIONS];
    guint8 *pixels[GFT_MAX_VARIATIONS]; /* straight RGBA, width*height*4     */
    GftSettings settings;               /* what made them; seed = first seed */
    gchar *model_name;
    gchar model_fingerprint[17];
} GftResult;

void gft_dialog_result_free(GftResult *result);

/* Scales straight RGBA pixels (alpha-weighted, bilinear) to out_w x out_h.
 * Returns a new g_malloc'ed buffer. The caller scales results to
 * settings.out_width x out_height this way or with its own tools. */
guint8 *gft_rgba_scale(const guint8 *rgba, gint w, gint h, gint out_w, gint out_h);

/* ---- the dialog -------------------------------------------------------------- */

#define GFT_TYPE_DIALOG (gft_dialog_get_type())
G_DECLARE_FINAL_TYPE(GftDialog, gft_dialog, GFT, DIALOG, GtkDialog)

/* Responses besides GTK_RESPONSE_OK / GTK_RESPONSE_CLOSE /
 * GTK_RESPONSE_DELETE_EVENT that the dialog handles itself. */
enum {
    GFT_RESPONSE_GENERATE = 1,
    GFT_RESPONSE_RESET = 2,
};

/* A new dialog with built-in settings and the default model (looked up with
 * gft_find_default_model(extra_model_dir, ...); extra_model_dir may be NULL).
 * Without a model the dialog still opens and asks for one. */
GtkWidget *gft_dialog_new(GtkWindow *parent, const gchar *extra_model_dir);

/* Shows s in the controls; loads s->model_path when it names another model
 * (a model that fails to load keeps the current one and shows why). */
void gft_dialog_set_settings(GftDialog *dialog, const GftSettings *s);
/* Reads the controls into out (initialised or cleared; overwritten). */
void gft_dialog_get_settings(GftDialog *dialog, GftSettings *out);
/* Resets the parameters to the current model's defaults (Reset button). */
void gft_dialog_reset(GftDialog *dialog);

/* Loads a model file and makes it current. On failure the current model
 * stays and error explains. */
gboolean gft_dialog_set_model(GftDialog *dialog, const gchar *path, GError **error);
/* The current model or NULL; owned by the dialog. */
const gft_model *gft_dialog_get_model(GftDialog *dialog);

/* Worker threads for the engine (0 = all CPUs, the default). */
void gft_dialog_set_n_threads(GftDialog *dialog, gint n_threads);
/* Variations generated together (0 = all at once). Default 2: a batch
 * shares the weight reads (4 variations take about 25% less time than one
 * by one), and Stop keeps the batches that finished. */
void gft_dialog_set_max_batch(GftDialog *dialog, gint max_batch);

/* Starts generating with the current settings (the Generate button). Does
 * nothing while a run is going or without a model. */
void gft_dialog_generate(GftDialog *dialog);
/* Asks the running generation to stop; finished variations are kept. */
void gft_dialog_stop(GftDialog *dialog);
gboolean gft_dialog_is_generating(GftDialog *dialog);

/* Runs the dialog until OK or Close. Generate, Stop, Reset and Help are
 * handled inside; OK with no finished variation first generates. Returns
 * GTK_RESPONSE_OK when there is a result to take. */
gint gft_dialog_run(GftDialog *dialog);

/* The selected finished variations of the last run (NULL if none); the
 * caller owns it. */
GftResult *gft_dialog_take_result(GftDialog *dialog);

/* Signals:
 *   "generation-started"  (void)
 *   "preview-updated"     (gint variation, gint rows_done): on the main thread
 *   "generation-finished" (gint gft_status): GFT_OK, GFT_ERR_CANCELLED, ...
 */

/* ---- for tests and screenshots -------------------------------------------- */

/* A control by id: "prompt" (GtkTextView), "negative-prompt" (GtkTextView),
 * "negative-expander", "temperature", "top-k", "top-p", "guidance",
 * "candidates" (the Best of spin button), "seed",
 * "dice", "fixed-seed", "variations", "width", "height", "model",
 * "model-info", "target", "unknown-words" (GtkLabel), "progress",
 * "stop", "generate", "ok", "reset", "help", "close", "preview-grid".
 * NULL for an unknown id. */
GtkWidget *gft_dialog_get_control(GftDialog *dialog, const gchar *id);
/* The backing surface (CAIRO_FORMAT_ARGB32, model size) of variation i's
 * preview, or NULL. */
cairo_surface_t *gft_dialog_get_preview_surface(GftDialog *dialog, gint i);
/* Whether variation i is selected for OK. */
gboolean gft_dialog_get_selected(GftDialog *dialog, gint i);
void gft_dialog_set_selected(GftDialog *dialog, gint i, gboolean selected);

G_END_DECLS

#endif /* GFT_DIALOG_H */
