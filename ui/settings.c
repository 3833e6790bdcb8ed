/* Generate from Text: the dialog's settings (defaults, copy, compare).
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "gft-dialog.h"

/* Used until a model says otherwise. */
#define BUILTIN_TEMPERATURE 1.0
#define BUILTIN_TOP_K 0
#define BUILTIN_TOP_P 1.0
#define BUILTIN_GUIDANCE 3.0
#define BUILTIN_VARIATIONS 4

void gft_settings_init(GftSettings *s)
{
    memset(s, 0, sizeof *s);
    s->prompt = g_strdup("");
    s->negative_prompt = g_strdup("");
    s->model_path = g_strdup("");
    s->seed = 0;
    s->fixed_seed = FALSE;
    s->n_variations = BUILTIN_VARIATIONS;
    s->target = GFT_TARGET_NEW_LAYERS;
    gft_settings_reset(s, NULL);
}

void gft_settings_clear(GftSettings *s)
{
    g_clear_pointer(&s->prompt, g_free);
    g_clear_pointer(&s->negative_prompt, g_free);
    g_clear_pointer(&s->model_path, g_free);
}

void gft_settings_copy(GftSettings *dst, const GftSettings *src)
{
    if (dst == src)
        return;
    gft_settings_clear(dst);
    *dst = *src;
    dst->prompt = g_strdup(src->prompt ? src->prompt : "");
    dst->negative_prompt = g_strdup(src->negative_prompt ? src->negative_prompt : "");
    dst->model_path = g_strdup(src->model_path ? src->model_path : "");
}

/* Floats compare with a tolerance that survives text round trips and the
 * spin buttons' rounding (at most 3 decimals). */
static gboolean close_enough(gdouble a, gdouble b)
{
    return fabs(a - b) <= 1e-6 * MAX(1.0, fabs(a));
}

gboolean gft_settings_equal(const GftSettings *a, const GftSettings *b)
{
    return g_strcmp0(a->prompt, b->prompt) == 0 &&
           g_strcmp0(a->negative_prompt, b->negative_prompt) == 0 &&
           close_enough(a->temperature, b->temperature) && a->top_k == b->top_k &&
           close_enough(a->top_p, b->top_p) && close_enough(a->guidance, b->guidance) &&
           a->n_candidates == b->n_candidates && a->seed == b->seed &&
           !a->fixed_seed == !b->fixed_seed && a->n_variations == b->n_variations &&
           !a->literal_prompt == !b->literal_prompt && a->out_width == b->out_width &&
           a->out_height == b->out_height && g_strcmp0(a->model_path, b->model_path) == 0 &&
           a->target == b->target;
}

gint gft_settings_model_candidates(const gft_model_info *info)
{
    if (!info || !info->has_reranker)
        return 1;
    return CLAMP(info->default_candidates, 1, GFT_MAX_CANDIDATES);
}

void gft_settings_reset(GftSettings *s, const gft_model_info *info)
{
    if (info) {
        s->temperature = info->defaults.temperature;
        s->top_k = info->defaults.top_k;
        s->top_p = info->defaults.top_p;
        s->guidance = info->defaults.guidance;
        s->n_candidates = gft_settings_model_candidates(info);
        s->out_width = (gint)info->output_width;
        s->out_height = (gint)info->output_height;
    } else {
        s->temperature = BUILTIN_TEMPERATURE;
        s->top_k = BUILTIN_TOP_K;
        s->top_p = BUILTIN_TOP_P;
        s->guidance = BUILTIN_GUIDANCE;
        s->n_candidates = 0; /* the model's default, once there is a model */
        s->out_width = 0;
        s->out_height = 0;
    }
    s->n_variations = BUILTIN_VARIATIONS;
    s->fixed_seed = FALSE;
}
