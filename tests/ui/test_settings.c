/* Generate from Text: settings defaults, copies and the key=value text form.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "gft-dialog.h"

/* Every field away from its default, strings with the characters a text
 * form can trip over. */
static void fill_unusual(GftSettings *s)
{
    g_free(s->prompt);
    s->prompt = g_strdup("a \"red\" apple = fruit\nsecond line\\ with tab\t, 苹果 🍎");
    g_free(s->negative_prompt);
    s->negative_prompt = g_strdup("blurry # not a comment\r\n");
    s->temperature = 0.73;
    s->top_k = 17;
    s->top_p = 0.42;
    s->guidance = 7.5;
    s->n_candidates = 7;
    s->seed = 4000000000u;
    s->fixed_seed = TRUE;
    s->n_variations = 16;
    s->literal_prompt = TRUE;
    s->out_width = 300;
    s->out_height = 77;
    g_free(s->model_path);
    s->model_path = g_strdup("/tmp/models with space/ünï.gguf");
    s->target = GFT_TARGET_NEW_IMAGE;
}

static void test_defaults(void)
{
    GftSettings s;
    gft_settings_init(&s);
    g_assert_cmpstr(s.prompt, ==, "");
    g_assert_cmpstr(s.negative_prompt, ==, "");
    g_assert_cmpstr(s.model_path, ==, "");
    g_assert_cmpint(s.n_variations, >=, 1);
    g_assert_cmpint(s.n_variations, <=, GFT_MAX_VARIATIONS);
    g_assert_false(s.fixed_seed);
    g_assert_false(s.literal_prompt); /* prompts are read through the model's lexicon */
    g_assert_cmpint(s.out_width, ==, 0);
    g_assert_cmpint(s.n_candidates, ==, 0); /* the model's default */
    g_assert_cmpint(s.target, ==, GFT_TARGET_NEW_LAYERS);
    gft_settings_clear(&s);
    gft_settings_clear(&s); /* clearing twice is harmless */
}

static void test_copy_equal(void)
{
    GftSettings a, b;
    gft_settings_init(&a);
    gft_settings_init(&b);
    fill_unusual(&a);
    g_assert_false(gft_settings_equal(&a, &b));
    gft_settings_copy(&b, &a);
    g_assert_true(gft_settings_equal(&a, &b));
    g_assert_true(a.prompt != b.prompt); /* deep copy */
    b.top_k++;
    g_assert_false(gft_settings_equal(&a, &b));
    b.top_k--;
    b.n_candidates = 2;
    g_assert_false(gft_settings_equal(&a, &b));
    b.n_candidates = a.n_candidates;
    b.literal_prompt = !a.literal_prompt;
    g_assert_false(gft_settings_equal(&a, &b));
    gft_settings_clear(&a);
    gft_settings_clear(&b);
}

static void test_serialize_round_trip(void)
{
    GftSettings a, b;
    gchar *text;

    gft_settings_init(&a);
    gft_settings_init(&b);
    fill_unusual(&a);
    text = gft_settings_serialize(&a);
    /* one line per key: the prompt's newline is escaped */
    g_assert_null(strstr(text, "\nsecond line"));
    g_assert_true(gft_settings_parse(&b, text, NULL));
    g_assert_true(gft_settings_equal(&a, &b));
    g_assert_cmpstr(a.prompt, ==, b.prompt);
    g_assert_cmpstr(a.negative_prompt, ==, b.negative_prompt);
    g_assert_cmpstr(a.model_path, ==, b.model_path);
    g_assert_cmpfloat(a.temperature, ==, b.temperature); /* exact: %.17g */
    g_assert_nonnull(strstr(text, "\ncandidates=7\n"));
    g_assert_cmpint(b.n_candidates, ==, 7);
    g_assert_nonnull(strstr(text, "\nprompt-as-typed=true\n"));
    g_assert_true(b.literal_prompt);
    g_free(text);

    /* and the defaults survive as well; candidates 0 (the model's default)
     * is written as no key at all, so it reads back as 0 */
    gft_settings_clear(&a);
    gft_settings_init(&a);
    gft_settings_clear(&b);
    gft_settings_init(&b); /* (a missing key keeps what b held) */
    text = gft_settings_serialize(&a);
    g_assert_null(strstr(text, "candidates"));
    g_assert_true(gft_settings_parse(&b, text, NULL));
    g_assert_true(gft_settings_equal(&a, &b));
    g_assert_cmpint(b.n_candidates, ==, 0);
    g_free(text);

    /* every value of the range survives */
    for (gint k = 1; k <= GFT_MAX_CANDIDATES; k++) {
        a.n_candidates = k;
        text = gft_settings_serialize(&a);
        g_assert_true(gft_settings_parse(&b, text, NULL));
        g_assert_cmpint(b.n_candidates, ==, k);
        g_free(text);
    }
    gft_settings_clear(&a);
    gft_settings_clear(&b);
}

static void test_parse_partial_and_unknown(void)
{
    GftSettings s, before;
    gft_settings_init(&s);
    fill_unusual(&s);
    gft_settings_init(&before);
    gft_settings_copy(&before, &s);

    /* unknown keys (a newer version) are skipped, missing keys stay */
    g_assert_true(gft_settings_parse(&s, "# comment\r\nfuture-key=whatever\n\nseed=5\r\n", NULL));
    g_assert_cmpuint(s.seed, ==, 5);
    s.seed = before.seed;
    g_assert_true(gft_settings_equal(&s, &before));
    gft_settings_clear(&s);
    gft_settings_clear(&before);
}

/* Text saved before best of K existed: every key but "candidates". */
static const char old_text[] = "# Generate from Text settings 1\n"
                               "prompt=grinning face\n"
                               "negative-prompt=\n"
                               "temperature=0.9\n"
                               "top-k=0\n"
                               "top-p=1\n"
                               "guidance=3\n"
                               "seed=7\n"
                               "fixed-seed=true\n"
                               "variations=3\n"
                               "width=0\n"
                               "height=0\n"
                               "model=\n"
                               "target=new-layers\n";

static void test_parse_without_candidates(void)
{
    GftSettings s;
    gft_model_info info;

    /* fresh settings: the model's default (0) stays */
    gft_settings_init(&s);
    g_assert_true(gft_settings_parse(&s, old_text, NULL));
    g_assert_cmpstr(s.prompt, ==, "grinning face");
    g_assert_cmpint(s.n_variations, ==, 3);
    g_assert_cmpint(s.n_candidates, ==, 0);
    /* what a reset to a model with a reranker then makes of it */
    memset(&info, 0, sizeof info);
    info.has_reranker = 1;
    info.default_candidates = 4;
    gft_settings_reset(&s, &info);
    g_assert_cmpint(s.n_candidates, ==, 4);

    /* like any missing key, it keeps a value that was already there */
    s.n_candidates = 5;
    g_assert_true(gft_settings_parse(&s, old_text, NULL));
    g_assert_cmpint(s.n_candidates, ==, 5);
    gft_settings_clear(&s);
}

static void expect_rejected(const char *text, const char *needle)
{
    GftSettings s, before;
    GError *error = NULL;

    gft_settings_init(&s);
    fill_unusual(&s);
    gft_settings_init(&before);
    gft_settings_copy(&before, &s);
    g_assert_false(gft_settings_parse(&s, text, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, needle));
    /* nothing is lost: a bad text leaves the settings as they were, even
     * when good lines came before the bad one */
    g_assert_true(gft_settings_equal(&s, &before));
    g_error_free(error);
    gft_settings_clear(&s);
    gft_settings_clear(&before);
}

static void test_parse_rejects(void)
{
    expect_rejected("seed=1\nvariations=17\n", "variations");
    expect_rejected("variations=0", "variations");
    expect_rejected("temperature=-0.1", "temperature");
    expect_rejected("temperature=11", "temperature");
    expect_rejected("temperature=nan", "temperature");
    expect_rejected("temperature=1.0abc", "temperature");
    expect_rejected("top-p=0", "top-p");
    expect_rejected("top-p=1.5", "top-p");
    expect_rejected("guidance=31", "guidance");
    expect_rejected("top-k=-1", "top-k");
    expect_rejected("candidates=0", "candidates"); /* 0 is "no key", never written */
    expect_rejected("candidates=9", "candidates");
    expect_rejected("candidates=-1", "candidates");
    expect_rejected("candidates=2x", "candidates");
    expect_rejected("candidates=", "candidates");
    expect_rejected("candidates=1.5", "candidates");
    expect_rejected("seed=-1", "seed");
    expect_rejected("seed=4294967296", "seed");
    expect_rejected("seed=12x", "seed");
    expect_rejected("fixed-seed=maybe", "fixed-seed");
    expect_rejected("width=4", "width");
    expect_rejected("height=100000", "height");
    expect_rejected("target=clipboard", "target");
    expect_rejected("prompt=\\377\\376", "prompt"); /* not UTF-8 once unescaped */
    expect_rejected("just some words", "key=value");
}

static void test_reset_uses_model_defaults(void)
{
    GftSettings s;
    gft_model_info info;

    memset(&info, 0, sizeof info);
    info.defaults.temperature = 0.8f;
    info.defaults.top_k = 64;
    info.defaults.top_p = 0.9f;
    info.defaults.guidance = 4.0f;
    info.image_width = 128;
    info.image_height = 96;
    info.output_width = 256; /* a model with an upscaler: the finished size is the default */
    info.output_height = 192;

    gft_settings_init(&s);
    fill_unusual(&s);
    gft_settings_reset(&s, &info);
    g_assert_cmpfloat_with_epsilon(s.temperature, 0.8, 1e-6);
    g_assert_cmpint(s.top_k, ==, 64);
    g_assert_cmpfloat_with_epsilon(s.top_p, 0.9, 1e-6);
    g_assert_cmpfloat_with_epsilon(s.guidance, 4.0, 1e-6);
    g_assert_cmpint(s.out_width, ==, 256);
    g_assert_cmpint(s.out_height, ==, 192);
    g_assert_cmpint(s.n_candidates, ==, 1); /* no reranker: one sample */
    g_assert_false(s.fixed_seed);
    /* the prompt (and how it is read), model and target are the user's,
     * not parameters */
    g_assert_nonnull(strstr(s.prompt, "apple"));
    g_assert_true(s.literal_prompt);
    g_assert_nonnull(strstr(s.model_path, ".gguf"));
    g_assert_cmpint(s.target, ==, GFT_TARGET_NEW_IMAGE);

    /* best of K: the model's default when it has a reranker, clamped */
    info.has_reranker = 1;
    info.default_candidates = 4;
    gft_settings_reset(&s, &info);
    g_assert_cmpint(s.n_candidates, ==, 4);
    info.default_candidates = 99;
    gft_settings_reset(&s, &info);
    g_assert_cmpint(s.n_candidates, ==, GFT_MAX_CANDIDATES);
    /* no model: 0, the default of whichever model comes */
    gft_settings_reset(&s, NULL);
    g_assert_cmpint(s.n_candidates, ==, 0);
    gft_settings_clear(&s);
}

static void test_rgba_scale(void)
{
    /* 2x1: opaque red, fully transparent green; halving must not let the
     * transparent pixel's colour bleed into the result */
    const guint8 src[8] = {255, 0, 0, 255, 0, 255, 0, 0};
    guint8 *out = gft_rgba_scale(src, 2, 1, 1, 1);
    g_assert_cmpint(out[0], >=, 250);
    g_assert_cmpint(out[1], <=, 5);
    g_assert_cmpint(out[3], >=, 100);
    g_assert_cmpint(out[3], <=, 155);
    g_free(out);
    out = gft_rgba_scale(src, 2, 1, 2, 1);
    g_assert_cmpmem(out, 8, src, 8);
    g_free(out);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/settings/defaults", test_defaults);
    g_test_add_func("/settings/copy-equal", test_copy_equal);
    g_test_add_func("/settings/serialize-round-trip", test_serialize_round_trip);
    g_test_add_func("/settings/parse-partial-and-unknown", test_parse_partial_and_unknown);
    g_test_add_func("/settings/parse-rejects", test_parse_rejects);
    g_test_add_func("/settings/parse-without-candidates", test_parse_without_candidates);
    g_test_add_func("/settings/reset-uses-model-defaults", test_reset_uses_model_defaults);
    g_test_add_func("/settings/rgba-scale", test_rgba_scale);
    return g_test_run();
}
