/* Generate from Text: settings as "key=value" text (last values, parasites).
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "gft-dialog.h"
#include "i18n.h"

#define HEADER "# Generate from Text settings 1\n"

static const char *target_name(GftTarget t)
{
    return t == GFT_TARGET_NEW_IMAGE ? "new-image" : "new-layers";
}

static void put_string(GString *out, const char *key, const char *value)
{
    gchar *escaped = g_strescape(value ? value : "", NULL);
    g_string_append_printf(out, "%s=%s\n", key, escaped);
    g_free(escaped);
}

static void put_double(GString *out, const char *key, gdouble value)
{
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(out, "%s=%s\n", key, g_ascii_dtostr(buf, sizeof buf, value));
}

gchar *gft_settings_serialize(const GftSettings *s)
{
    GString *out = g_string_new(HEADER);
    put_string(out, "prompt", s->prompt);
    put_string(out, "negative-prompt", s->negative_prompt);
    put_double(out, "temperature", s->temperature);
    g_string_append_printf(out, "top-k=%d\n", s->top_k);
    put_double(out, "top-p", s->top_p);
    put_double(out, "guidance", s->guidance);
    if (s->n_candidates > 0) /* 0: the model's default, as when the key is missing */
        g_string_append_printf(out, "candidates=%d\n", s->n_candidates);
    g_string_append_printf(out, "seed=%" G_GUINT64_FORMAT "\n", s->seed);
    g_string_append_printf(out, "fixed-seed=%s\n", s->fixed_seed ? "true" : "false");
    g_string_append_printf(out, "variations=%d\n", s->n_variations);
    g_string_append_printf(out, "prompt-as-typed=%s\n", s->literal_prompt ? "true" : "false");
    g_string_append_printf(out, "width=%d\n", s->out_width);
    g_string_append_printf(out, "height=%d\n", s->out_height);
    put_string(out, "model", s->model_path);
    g_string_append_printf(out, "target=%s\n", target_name(s->target));
    return g_string_free(out, FALSE);
}

/* ---- parsing ---------------------------------------------------------------- */

static gboolean bad_value(GError **error, int line, const char *key, const char *value)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("Settings line %d: invalid value \"%s\" for \"%s\""), line, value, key);
    return FALSE;
}

static gboolean parse_double(const char *v, gdouble lo, gdouble hi, gboolean lo_open, gdouble *out)
{
    gchar *end = NULL;
    gdouble d;
    if (*v == '\0')
        return FALSE;
    d = g_ascii_strtod(v, &end);
    if (*end != '\0' || !(d <= hi) || (lo_open ? !(d > lo) : !(d >= lo)))
        return FALSE;
    *out = d;
    return TRUE;
}

static gboolean parse_int(const char *v, gint64 lo, gint64 hi, gint *out)
{
    gint64 n;
    if (!g_ascii_string_to_signed(v, 10, lo, hi, &n, NULL))
        return FALSE;
    *out = (gint)n;
    return TRUE;
}

static gboolean parse_size(const char *v, gint *out)
{
    gint n;
    if (!parse_int(v, 0, GFT_OUTPUT_SIZE_MAX, &n) || (n != 0 && n < GFT_OUTPUT_SIZE_MIN))
        return FALSE;
    *out = n;
    return TRUE;
}

static gboolean parse_bool(const char *v, gboolean *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = TRUE;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = FALSE;
    else
        return FALSE;
    return TRUE;
}

static gboolean parse_text(const char *v, gchar **out)
{
    gchar *text = g_strcompress(v);
    if (!g_utf8_validate(text, -1, NULL)) {
        g_free(text);
        return FALSE;
    }
    g_free(*out);
    *out = text;
    return TRUE;
}

/* One "key=value" pair into s. Unknown keys are fine (newer versions). */
static gboolean apply_pair(GftSettings *s, const char *key, const char *v)
{
    guint64 seed;
    if (strcmp(key, "prompt") == 0)
        return parse_text(v, &s->prompt);
    if (strcmp(key, "negative-prompt") == 0)
        return parse_text(v, &s->negative_prompt);
    if (strcmp(key, "model") == 0)
        return parse_text(v, &s->model_path);
    if (strcmp(key, "temperature") == 0)
        return parse_double(v, 0.0, 10.0, FALSE, &s->temperature);
    if (strcmp(key, "top-k") == 0)
        return parse_int(v, 0, 65536, &s->top_k);
    if (strcmp(key, "top-p") == 0)
        return parse_double(v, 0.0, 1.0, TRUE, &s->top_p);
    if (strcmp(key, "guidance") == 0)
        return parse_double(v, 0.0, 30.0, FALSE, &s->guidance);
    if (strcmp(key, "candidates") == 0)
        return parse_int(v, 1, GFT_MAX_CANDIDATES, &s->n_candidates);
    if (strcmp(key, "seed") == 0) {
        if (!g_ascii_string_to_unsigned(v, 10, 0, GFT_SEED_MAX, &seed, NULL))
            return FALSE;
        s->seed = seed;
        return TRUE;
    }
    if (strcmp(key, "fixed-seed") == 0)
        return parse_bool(v, &s->fixed_seed);
    if (strcmp(key, "variations") == 0)
        return parse_int(v, 1, GFT_MAX_VARIATIONS, &s->n_variations);
    if (strcmp(key, "prompt-as-typed") == 0)
        return parse_bool(v, &s->literal_prompt);
    if (strcmp(key, "width") == 0)
        return parse_size(v, &s->out_width);
    if (strcmp(key, "height") == 0)
        return parse_size(v, &s->out_height);
    if (strcmp(key, "target") == 0) {
        if (strcmp(v, "new-layers") == 0)
            s->target = GFT_TARGET_NEW_LAYERS;
        else if (strcmp(v, "new-image") == 0)
            s->target = GFT_TARGET_NEW_IMAGE;
        else
            return FALSE;
        return TRUE;
    }
    return TRUE;
}

gboolean gft_settings_parse(GftSettings *s, const gchar *text, GError **error)
{
    GftSettings work;
    gchar **lines;
    gboolean ok = TRUE;

    g_return_val_if_fail(s != NULL, FALSE);
    if (text == NULL) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("No settings text"));
        return FALSE;
    }

    gft_settings_init(&work);
    gft_settings_copy(&work, s);
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; ok && lines[i]; i++) {
        gchar *line = lines[i];
        gchar *eq;
        gsize len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("Settings line %d: expected key=value, got \"%s\""), i + 1, line);
            ok = FALSE;
            break;
        }
        *eq = '\0';
        if (!apply_pair(&work, g_strstrip(line), eq + 1))
            ok = bad_value(error, i + 1, line, eq + 1);
    }
    g_strfreev(lines);

    if (ok)
        gft_settings_copy(s, &work);
    gft_settings_clear(&work);
    return ok;
}
