/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: the generation settings shared by the GIMP 3
 * and GIMP 2.10 front ends, their defaults, limits and their text form (the
 * "gft-settings" layer parasite). No libgimp here, only GLib.
 */
#ifndef GFT_PLUGIN_SETTINGS_H
#define GFT_PLUGIN_SETTINGS_H

#include <glib.h>

#include "gft.h"

#define GFT_PLUG_IN_PROC "plug-in-generate-from-text"
#define GFT_PLUG_IN_REGEN_PROC "plug-in-generate-from-text-regenerate"
#define GFT_PARASITE_NAME "gft-settings"
#define GFT_MAX_SIDE 8192

/* Where the results go. */
typedef enum {
    GFT_PLUGIN_TARGET_LAYERS = 0,    /* new layers in the current image (a new image if none) */
    GFT_PLUGIN_TARGET_NEW_IMAGE = 1, /* always a new image */
} GftPluginTarget;

/* How plug-in-generate-from-text-regenerate picks the seed. */
typedef enum {
    GFT_REGEN_SAME_SEED = 0, /* the layer's own seed: the same picture again */
    GFT_REGEN_NEXT_SEED = 1, /* seed + 1: a close variation */
    GFT_REGEN_RANDOM_SEED = 2,
} GftRegenMode;

/* One run's settings. Negative sampling values and 0 candidates mean "the
 * model's tuned default"; seed -1 means random; width/height 0 mean "the
 * target image's size" (for a new image: 512). Strings are owned (g_free). */
typedef struct {
    char *prompt;
    char *negative_prompt;
    double temperature; /* < 0: model default; 0 = greedy; else (0, 10]   */
    int top_k;          /* < 0: model default; 0 = off                      */
    double top_p;       /* <= 0: model default; (0, 1]                      */
    double guidance;    /* < 0: model default; [0, 30]                      */
    int candidates;     /* best of K: 0: model default; 1..GFT_MAX_CANDIDATES
                           samples per picture, the model's reranker keeps
                           the best (more than 1 needs a reranker)          */
    gboolean literal;   /* TRUE: the prompts as typed, without the model's
                           lexicon (its other wordings of words)            */
    gint64 seed;        /* -1: random; else 0..G_MAXUINT32                   */
    int variations;     /* 1..GFT_MAX_VARIATIONS                            */
    int width, height;  /* 0: auto; else 1..GFT_MAX_SIDE                    */
    char *model;        /* "" = the shipped default model                   */
    int target;         /* GftPluginTarget                                        */
} GftPluginSettings;

/* Size used for a new image when width/height are 0. */
#define GFT_DEFAULT_NEW_SIDE 512

void gft_plugin_settings_init(GftPluginSettings *s);
void gft_plugin_settings_clear(GftPluginSettings *s);
void gft_plugin_settings_copy(GftPluginSettings *dst, const GftPluginSettings *src);

/* Range checks on what a caller passed (before defaults are filled in).
 * Returns FALSE with a translated message. */
gboolean gft_plugin_settings_check(const GftPluginSettings *s, GError **error);

/* Replaces "model default" sentinels with the model's values and a random
 * seed by a concrete one, so the result can be recorded and repeated. */
void gft_plugin_settings_resolve(GftPluginSettings *s, const gft_model_info *info);

/* Prepares a generated layer's recorded settings for a regenerate run:
 * picks the seed by mode, and uses the shipped model ("") when the recorded
 * model file has moved away. */
void gft_plugin_settings_for_regenerate(GftPluginSettings *s, GftRegenMode mode);

/* Text (GKeyFile) form of all settings, for remembered values; g_free. */
char *gft_plugin_settings_to_text(const GftPluginSettings *s, gsize *length);
/* Replaces *s (initialised) only when text is valid and in range. Text from
 * before best of K (no "candidates" key) gets 0, the model's default; text
 * without "prompt-as-typed" reads the prompt through the lexicon. */
gboolean gft_plugin_settings_from_text(const char *text, gsize length, GftPluginSettings *s,
                                       GError **error);

/* The record stored in each generated layer's "gft-settings" parasite:
 * resolved settings with the layer's own seed, plus the model identity. */
typedef struct {
    GftPluginSettings settings; /* seed = this layer's seed, variations = 1 */
    char model_fingerprint[17];
    char *model_name;
} GftLayerRecord;

/* Text (GKeyFile) form; the returned string is g_free'd by the caller. A
 * record from before best of K (no "candidates" key) reads as 1 candidate,
 * which is how its layer was made. */
char *gft_record_to_text(const GftLayerRecord *record, gsize *length);
gboolean gft_record_from_text(const char *text, gsize length, GftLayerRecord *record,
                              GError **error);
void gft_record_clear(GftLayerRecord *record);

/* Layer and group names: the prompt on one line, cut at a word boundary
 * after at most max_chars characters with an ellipsis. Never empty. */
char *gft_short_prompt(const char *prompt, int max_chars);
char *gft_layer_name(const char *prompt, guint64 seed);

#endif /* GFT_PLUGIN_SETTINGS_H */
