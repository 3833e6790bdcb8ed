/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: settings defaults, checks, the parasite text
 * form and layer names.
 */
#include "gft-plugin-settings.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#define RECORD_GROUP "generate-from-text"
#define RECORD_VERSION 1

void gft_plugin_settings_init(GftPluginSettings *s)
{
    memset(s, 0, sizeof *s);
    s->prompt = g_strdup("");
    s->negative_prompt = g_strdup("");
    s->temperature = -1.0;
    s->top_k = -1;
    s->top_p = -1.0;
    s->guidance = -1.0;
    s->candidates = 0;
    s->seed = -1;
    s->variations = 1;
    s->model = g_strdup("");
    s->target = GFT_PLUGIN_TARGET_LAYERS;
}

void gft_plugin_settings_clear(GftPluginSettings *s)
{
    g_clear_pointer(&s->prompt, g_free);
    g_clear_pointer(&s->negative_prompt, g_free);
    g_clear_pointer(&s->model, g_free);
}

void gft_plugin_settings_copy(GftPluginSettings *dst, const GftPluginSettings *src)
{
    *dst = *src;
    dst->prompt = g_strdup(src->prompt ? src->prompt : "");
    dst->negative_prompt = g_strdup(src->negative_prompt ? src->negative_prompt : "");
    dst->model = g_strdup(src->model ? src->model : "");
}

static gboolean fail(GError **error, const char *message)
{
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, message);
    return FALSE;
}

gboolean gft_plugin_settings_check(const GftPluginSettings *s, GError **error)
{
    if (s->temperature > 10.0)
        return fail(error, _("Temperature must be at most 10 (or negative for the model's "
                             "default)."));
    if (s->top_p > 1.0)
        return fail(error, _("Top-p must be at most 1 (or 0 for the model's default)."));
    if (s->guidance > 30.0)
        return fail(error, _("Guidance must be at most 30 (or negative for the model's "
                             "default)."));
    if (s->candidates < 0 || s->candidates > GFT_MAX_CANDIDATES)
        return fail(error, _("Best of (candidates per picture) must be 1 to 8, or 0 for the "
                             "model's default."));
    if (s->seed < -1 || s->seed > (gint64)G_MAXUINT32)
        return fail(error, _("The seed must be -1 (random) or 0 to 4294967295."));
    if (s->variations < 1 || s->variations > GFT_MAX_VARIATIONS)
        return fail(error, _("Variations must be between 1 and 16."));
    if (s->width < 0 || s->width > GFT_MAX_SIDE || s->height < 0 || s->height > GFT_MAX_SIDE)
        return fail(error, _("Width and height must be 0 (automatic) or 1 to 8192 pixels."));
    if (s->target != GFT_PLUGIN_TARGET_LAYERS && s->target != GFT_PLUGIN_TARGET_NEW_IMAGE)
        return fail(error, _("Target must be 0 (layers in the current image) or 1 (new "
                             "image)."));
    return TRUE;
}

void gft_plugin_settings_resolve(GftPluginSettings *s, const gft_model_info *info)
{
    if (s->temperature < 0.0)
        s->temperature = info->defaults.temperature;
    if (s->top_k < 0)
        s->top_k = info->defaults.top_k;
    if (s->top_p <= 0.0)
        s->top_p = info->defaults.top_p;
    if (s->guidance < 0.0)
        s->guidance = info->defaults.guidance;
    if (s->candidates <= 0)
        s->candidates =
            info->has_reranker ? CLAMP(info->default_candidates, 1, GFT_MAX_CANDIDATES) : 1;
    if (s->top_k > (int)info->codebook_size)
        s->top_k = (int)info->codebook_size;
    if (s->seed < 0) {
        /* Leave room for seed + variation index to stay in range. */
        s->seed = g_random_int_range(0, G_MAXINT32 - GFT_MAX_VARIATIONS);
    }
}

/* Doubles with 6 significant digits: 0.95 stays "0.95" (not 0.9499999...). */
static void set_double(GKeyFile *kf, const char *key, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    g_key_file_set_value(kf, RECORD_GROUP, key, g_ascii_formatd(buf, sizeof buf, "%.6g", value));
}

static void write_settings(GKeyFile *kf, const GftPluginSettings *s)
{
    g_key_file_set_integer(kf, RECORD_GROUP, "version", RECORD_VERSION);
    g_key_file_set_string(kf, RECORD_GROUP, "prompt", s->prompt);
    g_key_file_set_string(kf, RECORD_GROUP, "negative-prompt", s->negative_prompt);
    set_double(kf, "temperature", s->temperature);
    g_key_file_set_integer(kf, RECORD_GROUP, "top-k", s->top_k);
    set_double(kf, "top-p", s->top_p);
    set_double(kf, "guidance", s->guidance);
    g_key_file_set_integer(kf, RECORD_GROUP, "candidates", s->candidates);
    g_key_file_set_boolean(kf, RECORD_GROUP, "prompt-as-typed", s->literal);
    g_key_file_set_int64(kf, RECORD_GROUP, "seed", s->seed);
    g_key_file_set_integer(kf, RECORD_GROUP, "variations", s->variations);
    g_key_file_set_integer(kf, RECORD_GROUP, "width", s->width);
    g_key_file_set_integer(kf, RECORD_GROUP, "height", s->height);
    g_key_file_set_string(kf, RECORD_GROUP, "model", s->model);
    g_key_file_set_integer(kf, RECORD_GROUP, "target", s->target);
}

static char *read_string(GKeyFile *kf, const char *key, GError **e)
{
    return *e ? NULL : g_key_file_get_string(kf, RECORD_GROUP, key, e);
}

static double read_double(GKeyFile *kf, const char *key, GError **e)
{
    return *e ? 0.0 : g_key_file_get_double(kf, RECORD_GROUP, key, e);
}

static gint64 read_int(GKeyFile *kf, const char *key, GError **e)
{
    return *e ? 0 : g_key_file_get_int64(kf, RECORD_GROUP, key, e);
}

/* Reads every settings key into s (initialised); returns FALSE with *e set.
 * Text written before best of K has no "candidates": it gets old_candidates. */
static gboolean read_settings(GKeyFile *kf, GftPluginSettings *s, int old_candidates, GError **e)
{
    char *prompt, *negative, *model;

    if (read_int(kf, "version", e) != RECORD_VERSION && !*e)
        g_set_error(e, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("unknown version"));
    prompt = read_string(kf, "prompt", e);
    negative = read_string(kf, "negative-prompt", e);
    model = read_string(kf, "model", e);
    s->temperature = read_double(kf, "temperature", e);
    s->top_k = (int)read_int(kf, "top-k", e);
    s->top_p = read_double(kf, "top-p", e);
    s->guidance = read_double(kf, "guidance", e);
    if (g_key_file_has_key(kf, RECORD_GROUP, "candidates", NULL))
        s->candidates = (int)read_int(kf, "candidates", e);
    else
        s->candidates = old_candidates;
    /* absent before the option: such layers were read through the lexicon */
    s->literal = g_key_file_has_key(kf, RECORD_GROUP, "prompt-as-typed", NULL) && !*e &&
                 g_key_file_get_boolean(kf, RECORD_GROUP, "prompt-as-typed", e);
    s->seed = read_int(kf, "seed", e);
    s->variations = (int)read_int(kf, "variations", e);
    s->width = (int)read_int(kf, "width", e);
    s->height = (int)read_int(kf, "height", e);
    s->target = (int)read_int(kf, "target", e);
    if (*e) {
        g_free(prompt);
        g_free(negative);
        g_free(model);
        return FALSE;
    }
    g_free(s->prompt);
    g_free(s->negative_prompt);
    g_free(s->model);
    s->prompt = prompt;
    s->negative_prompt = negative;
    s->model = model;
    return TRUE;
}

static GKeyFile *parse(const char *text, gsize length, GError **e)
{
    GKeyFile *kf = g_key_file_new();

    while (text && length > 0 && text[length - 1] == '\0') /* stored with its NUL */
        length--;
    if (!text || !g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, e)) {
        if (!*e)
            g_set_error(e, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("empty"));
        g_key_file_free(kf);
        return NULL;
    }
    return kf;
}

static gboolean unreadable(GError **error, GError *e)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                _("The stored generation settings are unreadable: %s"), e->message);
    g_error_free(e);
    return FALSE;
}

char *gft_plugin_settings_to_text(const GftPluginSettings *s, gsize *length)
{
    GKeyFile *kf = g_key_file_new();
    char *text;

    write_settings(kf, s);
    text = g_key_file_to_data(kf, length, NULL);
    g_key_file_free(kf);
    return text;
}

gboolean gft_plugin_settings_from_text(const char *text, gsize length, GftPluginSettings *s,
                                       GError **error)
{
    GError *e = NULL;
    GKeyFile *kf = parse(text, length, &e);
    GftPluginSettings read;

    gft_plugin_settings_init(&read);
    /* last values from before best of K: the model's default, as for a new user */
    if (!kf || !read_settings(kf, &read, 0, &e)) {
        if (kf)
            g_key_file_free(kf);
        gft_plugin_settings_clear(&read);
        return unreadable(error, e);
    }
    g_key_file_free(kf);
    if (!gft_plugin_settings_check(&read, error)) {
        gft_plugin_settings_clear(&read);
        return FALSE;
    }
    gft_plugin_settings_clear(s);
    *s = read;
    return TRUE;
}

char *gft_record_to_text(const GftLayerRecord *r, gsize *length)
{
    GKeyFile *kf = g_key_file_new();
    char *text;

    write_settings(kf, &r->settings);
    g_key_file_set_string(kf, RECORD_GROUP, "model-fingerprint", r->model_fingerprint);
    g_key_file_set_string(kf, RECORD_GROUP, "model-name", r->model_name ? r->model_name : "");
    text = g_key_file_to_data(kf, length, NULL);
    g_key_file_free(kf);
    return text;
}

/* A model fingerprint as gft_model_fingerprint writes it: 16 hex digits (or
 * none). Anything else in a parasite is damage: cutting it to the field's
 * size could split a UTF-8 character and the record could not be stored. */
static gboolean is_fingerprint(const char *s)
{
    size_t n = strlen(s);

    if (n != 0 && n != 16)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
    return TRUE;
}

gboolean gft_record_from_text(const char *text, gsize length, GftLayerRecord *r, GError **error)
{
    GError *e = NULL;
    GKeyFile *kf = parse(text, length, &e);
    char *fingerprint;

    memset(r, 0, sizeof *r);
    gft_plugin_settings_init(&r->settings);
    /* a layer made before best of K was one sample */
    if (!kf || !read_settings(kf, &r->settings, 1, &e)) {
        if (kf)
            g_key_file_free(kf);
        gft_record_clear(r);
        return unreadable(error, e);
    }
    fingerprint = read_string(kf, "model-fingerprint", &e);
    r->model_name = read_string(kf, "model-name", &e);
    g_key_file_free(kf);
    if (!e && !is_fingerprint(fingerprint))
        g_set_error(&e, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("bad model fingerprint"));
    if (e) {
        g_free(fingerprint);
        gft_record_clear(r);
        return unreadable(error, e);
    }
    g_strlcpy(r->model_fingerprint, fingerprint, sizeof r->model_fingerprint);
    g_free(fingerprint);
    r->settings.variations = 1;
    if (!gft_plugin_settings_check(&r->settings, error)) {
        gft_record_clear(r);
        return FALSE;
    }
    return TRUE;
}

void gft_record_clear(GftLayerRecord *r)
{
    gft_plugin_settings_clear(&r->settings);
    g_clear_pointer(&r->model_name, g_free);
}

char *gft_short_prompt(const char *prompt, int max_chars)
{
    GString *line = g_string_new(NULL);
    char *valid = g_utf8_make_valid(prompt ? prompt : "", -1);
    char **words = g_strsplit_set(g_strstrip(valid), " \t\r\n\v\f", -1);
    gboolean cut = FALSE;

    for (char **w = words; *w; w++) {
        long n_line, n_word;

        if (**w == '\0')
            continue;
        n_line = g_utf8_strlen(line->str, -1);
        n_word = g_utf8_strlen(*w, -1);
        if (n_line + (n_line > 0) + n_word > max_chars) {
            cut = TRUE;
            if (n_line == 0) { /* one very long word: cut inside it */
                const char *end = g_utf8_offset_to_pointer(*w, max_chars - 1);
                g_string_append_len(line, *w, end - *w);
            }
            break;
        }
        if (n_line > 0)
            g_string_append_c(line, ' ');
        g_string_append(line, *w);
    }
    g_strfreev(words);
    g_free(valid);
    if (cut)
        g_string_append(line, "\u2026");
    if (line->len == 0)
        g_string_append(line, _("No prompt"));
    return g_string_free(line, FALSE);
}

void gft_plugin_settings_for_regenerate(GftPluginSettings *s, GftRegenMode mode)
{
    if (!g_file_test(s->model, G_FILE_TEST_IS_REGULAR)) {
        g_free(s->model);
        s->model = g_strdup("");
    }
    if (mode == GFT_REGEN_NEXT_SEED)
        s->seed = (s->seed + 1) % ((gint64)G_MAXUINT32 + 1);
    else if (mode == GFT_REGEN_RANDOM_SEED)
        s->seed = -1;
}

char *gft_layer_name(const char *prompt, guint64 seed)
{
    char *short_prompt = gft_short_prompt(prompt, 40);
    /* the seed goes in as a string so translators see one whole message */
    char *seed_text = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
    /* TRANSLATORS: a generated layer's name: the prompt, then its seed */
    char *name = g_strdup_printf(_("%s (seed %s)"), short_prompt, seed_text);
    g_free(seed_text);
    g_free(short_prompt);
    return name;
}
