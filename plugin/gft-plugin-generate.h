/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: finding and loading the model and running the
 * engine synchronously (non-interactive runs, regeneration). No libgimp.
 */
#ifndef GFT_PLUGIN_GENERATE_H
#define GFT_PLUGIN_GENERATE_H

#include "gft-plugin-settings.h"

/* A loaded model and what the plug-in records about it. */
typedef struct {
    gft_model *model;
    char *path;
    char fingerprint[17];
    gft_model_info info; /* strings point into model */
} GftLoadedModel;

/* The generated pictures handed to the layer code: n pictures, each
 * width x height straight 8-bit RGBA (sRGB), rows top to bottom. */
typedef struct {
    int n;
    int width, height;
    guint64 seeds[GFT_MAX_VARIATIONS];
    const guint8 *pixels[GFT_MAX_VARIATIONS];
} GftPictures;

/* Resolves `requested` ("" = the shipped default: the plug-in's own folder
 * first, then the engine's search) and loads it. */
gboolean gft_plugin_load_model(const char *requested, const char *plugin_dir, GftLoadedModel *out,
                               GError **error);
void gft_plugin_model_clear(GftLoadedModel *m);

/* fraction in [0, 1] */
typedef void (*GftPluginProgressFn)(double fraction, void *user_data);

/* Runs the engine for resolved settings (gft_plugin_settings_resolve) and fills
 * result (free with gft_result_free). */
gboolean gft_plugin_generate(const GftLoadedModel *m, const GftPluginSettings *s,
                             GftPluginProgressFn progress, void *user_data, gft_result *result,
                             GError **error);

/* The finished variations of result as pictures (pixels point into result). */
void gft_pictures_from_result(const gft_result *result, GftPictures *pictures);

/* The layers' size: the requested one, or for 0 the frame's (frame_w/h
 * <= 0: no image, GFT_DEFAULT_NEW_SIDE). */
void gft_output_size(const GftPluginSettings *s, int frame_w, int frame_h, int *w, int *h);

/* The area new layers are centred on, in image pixels: the selection's
 * bounding box when the image has a selection, else the whole canvas. A size
 * of 0 stands for its size. */
typedef struct {
    int x, y, width, height;
} GftFrame;

/* The frame of an image_w x image_h image whose selection bounds (as
 * gimp_selection_bounds gives them: x2, y2 exclusive) are x1..y2 when
 * has_selection: the bounds when they hold pixels, else the canvas. */
GftFrame gft_frame_of(int image_w, int image_h, gboolean has_selection, int x1, int y1, int x2,
                      int y2);

/* The offsets that centre a w x h layer on frame (the halved difference
 * rounded toward zero). */
void gft_frame_centre(const GftFrame *frame, int w, int h, int *x, int *y);

/* The parasite template for a run: resolved settings, the model's path,
 * fingerprint and name, and the layers' size. Clear with gft_record_clear. */
void gft_record_init(GftLayerRecord *record, const GftPluginSettings *resolved,
                     const GftLoadedModel *m, int out_w, int out_h);

/* One synchronous run, everything a front end needs but the host calls. */
typedef struct {
    GftLoadedModel model;
    GftPluginSettings resolved; /* the settings with the model's defaults and a seed */
    gft_result result;
    GftPictures pictures; /* point into result */
    GftLayerRecord record;
    int out_w, out_h; /* the layers' size (gft_output_size) */
} GftPluginRun;

/* Loads s->model, resolves a copy of s, generates and fills the pictures, the
 * layers' size (frame_w/h: the target frame's, <= 0 for no image) and the record.
 * On success clear run with gft_plugin_run_clear; on failure nothing is left
 * to clear. */
gboolean gft_plugin_run(const GftPluginSettings *s, const char *plugin_dir, int frame_w,
                        int frame_h, GftPluginProgressFn progress, void *user_data,
                        GftPluginRun *run, GError **error);
void gft_plugin_run_clear(GftPluginRun *run);

/* The folder holding the running plug-in binary (g_free). */
char *gft_plugin_own_dir(const char *progname);

/* Where the translations are: <plugin_dir>/locale when present (user
 * installs), else the installed locale folder (g_free). */
char *gft_plugin_locale_dir(const char *plugin_dir);

#endif /* GFT_PLUGIN_GENERATE_H */
