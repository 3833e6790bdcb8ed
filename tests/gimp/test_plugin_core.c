/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Unit tests of the plug-in's GIMP-free core: layer names, the parasite
 * record round trip, remembered settings, range checks, output sizes and
 * model lookup errors; with model files (test-plugin-core [PLAIN_MODEL
 * RERANK_MODEL]) also runs with and without best of K.
 */
#include <string.h>

#include "gft-plugin-generate.h"

static const char *plain_model, *rerank_model;

/* text without the line of one key ("candidates="): what older versions wrote */
static char *without_key(const char *text, const char *key_eq)
{
    GString *out = g_string_new(NULL);
    char **lines = g_strsplit(text, "\n", -1);

    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, key_eq))
            continue;
        g_string_append(out, *l);
        if (l[1])
            g_string_append_c(out, '\n');
    }
    g_strfreev(lines);
    return g_string_free(out, FALSE);
}

static void test_short_prompt(void)
{
    char *s;

    s = gft_short_prompt("  a red\n fox \t on a hill ", 40);
    g_assert_cmpstr(s, ==, "a red fox on a hill");
    g_free(s);

    s = gft_short_prompt("one two three four five six seven eight nine ten", 20);
    g_assert_cmpstr(s, ==, "one two three four\u2026"); /* cut at a word boundary */
    g_free(s);

    s = gft_short_prompt("abcdefghijklmnopqrstuvwxyz", 10); /* one long word */
    g_assert_cmpint(g_utf8_strlen(s, -1), ==, 10);
    g_assert_true(g_str_has_suffix(s, "\u2026"));
    g_free(s);

    s = gft_short_prompt("\u00e9l\u00e9phant \u00e0 pois", 9); /* counts characters */
    g_assert_cmpstr(s, ==, "\u00e9l\u00e9phant\u2026");
    g_free(s);

    s = gft_short_prompt("bad \xff\xfe utf8", 40); /* invalid UTF-8 stays valid */
    g_assert_true(g_utf8_validate(s, -1, NULL));
    g_free(s);

    s = gft_short_prompt("   ", 40);
    g_assert_cmpstr(s, ==, "No prompt");
    g_free(s);

    s = gft_layer_name("red apple", 4294967295u);
    g_assert_cmpstr(s, ==, "red apple (seed 4294967295)");
    g_free(s);
}

static void test_record_round_trip(void)
{
    GftLayerRecord in, out;
    GError *error = NULL;
    gsize length;
    char *text;

    memset(&in, 0, sizeof in);
    gft_plugin_settings_init(&in.settings);
    g_free(in.settings.prompt);
    in.settings.prompt = g_strdup("a \"quoted\" = prompt\nwith two lines; and #hash");
    in.settings.temperature = 0.95;
    in.settings.top_k = 40;
    in.settings.top_p = 0.9;
    in.settings.guidance = 3.5;
    in.settings.candidates = 3;
    in.settings.literal = TRUE;
    in.settings.seed = 4294967295;
    in.settings.width = 640;
    in.settings.height = 480;
    g_strlcpy(in.model_fingerprint, "0123456789abcdef", sizeof in.model_fingerprint);
    in.model_name = g_strdup("gft-emoji");

    text = gft_record_to_text(&in, &length);
    g_assert_nonnull(strstr(text, "top-p=0.9\n")); /* no float noise */
    g_assert_nonnull(strstr(text, "\ncandidates=3\n"));
    g_assert_nonnull(strstr(text, "\nprompt-as-typed=true\n"));
    /* stored with its NUL, as the parasite does */
    g_assert_true(gft_record_from_text(text, length + 1, &out, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out.settings.prompt, ==, in.settings.prompt);
    g_assert_cmpfloat(out.settings.temperature, ==, 0.95);
    g_assert_cmpint(out.settings.top_k, ==, 40);
    g_assert_cmpint(out.settings.candidates, ==, 3);
    g_assert_true(out.settings.literal);
    g_assert_cmpint(out.settings.seed, ==, 4294967295);
    g_assert_cmpint(out.settings.width, ==, 640);
    g_assert_cmpstr(out.model_fingerprint, ==, "0123456789abcdef");
    g_assert_cmpstr(out.model_name, ==, "gft-emoji");
    gft_record_clear(&out);

    /* a layer made before best of K existed was one sample */
    {
        char *old = without_key(text, "candidates=");
        g_assert_null(strstr(old, "candidates"));
        g_assert_true(gft_record_from_text(old, strlen(old), &out, &error));
        g_assert_no_error(error);
        g_assert_cmpint(out.settings.candidates, ==, 1);
        g_assert_cmpint(out.settings.top_k, ==, 40);
        gft_record_clear(&out);
        g_free(old);
    }
    /* and one made before "prompt as typed" was read through the lexicon */
    {
        char *old = without_key(text, "prompt-as-typed=");
        g_assert_null(strstr(old, "prompt-as-typed"));
        g_assert_true(gft_record_from_text(old, strlen(old), &out, &error));
        g_assert_no_error(error);
        g_assert_false(out.settings.literal);
        gft_record_clear(&out);
        g_free(old);
    }
    /* a value that is no boolean is refused */
    {
        char *bad = without_key(text, "prompt-as-typed=");
        char *with_bad = g_strconcat(bad, "prompt-as-typed=maybe\n", NULL);
        g_assert_false(gft_record_from_text(with_bad, strlen(with_bad), &out, &error));
        g_assert_nonnull(error);
        g_clear_error(&error);
        g_free(with_bad);
        g_free(bad);
    }
    g_free(text);

    /* a damaged fingerprint is refused (cut to its field it could split a
     * UTF-8 character and the record could not be written back) */
    g_strlcpy(in.model_fingerprint, "d9ae839cr\xc3\xa9umm", sizeof in.model_fingerprint);
    text = gft_record_to_text(&in, &length);
    g_assert_false(gft_record_from_text(text, length, &out, &error));
    g_assert_nonnull(strstr(error->message, "fingerprint"));
    g_clear_error(&error);
    g_free(text);
    g_strlcpy(in.model_fingerprint, "0123456789abcdef", sizeof in.model_fingerprint);

    g_assert_false(gft_record_from_text("garbage", 7, &out, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "unreadable"));
    g_clear_error(&error);

    /* an out-of-range value is refused, not used */
    in.settings.variations = 1;
    in.settings.top_p = 7.0;
    text = gft_record_to_text(&in, &length);
    g_assert_false(gft_record_from_text(text, length, &out, &error));
    g_assert_nonnull(strstr(error->message, "Top-p"));
    g_clear_error(&error);
    g_free(text);
    in.settings.top_p = 0.9;
    in.settings.candidates = GFT_MAX_CANDIDATES + 1;
    text = gft_record_to_text(&in, &length);
    g_assert_false(gft_record_from_text(text, length, &out, &error));
    g_assert_nonnull(strstr(error->message, "Best of"));
    g_clear_error(&error);
    g_free(text);
    gft_record_clear(&in);
}

static void test_settings_text(void)
{
    GftPluginSettings a, b;
    GError *error = NULL;
    gsize length;
    char *text;

    gft_plugin_settings_init(&a);
    gft_plugin_settings_init(&b);
    g_free(a.prompt);
    a.prompt = g_strdup("green tree");
    a.variations = 7;
    a.candidates = 5;
    a.target = GFT_PLUGIN_TARGET_NEW_IMAGE;
    text = gft_plugin_settings_to_text(&a, &length);
    g_assert_true(gft_plugin_settings_from_text(text, length, &b, &error));
    g_assert_cmpstr(b.prompt, ==, "green tree");
    g_assert_cmpint(b.variations, ==, 7);
    g_assert_cmpint(b.candidates, ==, 5);
    g_assert_cmpint(b.target, ==, GFT_PLUGIN_TARGET_NEW_IMAGE);
    g_assert_cmpint(b.seed, ==, -1);

    /* last values from before best of K: the model's default (0) */
    {
        char *old = without_key(text, "candidates=");
        g_assert_true(gft_plugin_settings_from_text(old, strlen(old), &b, &error));
        g_assert_no_error(error);
        g_assert_cmpint(b.candidates, ==, 0);
        g_assert_cmpint(b.variations, ==, 7);
        g_free(old);
    }
    g_free(text);

    /* stale or foreign data keeps what was there */
    g_assert_false(gft_plugin_settings_from_text("[x]\ny=1\n", 8, &b, &error));
    g_clear_error(&error);
    g_assert_cmpstr(b.prompt, ==, "green tree");
    gft_plugin_settings_clear(&a);
    gft_plugin_settings_clear(&b);
}

static void test_checks_and_sizes(void)
{
    GftPluginSettings s;
    GError *error = NULL;
    int w, h;

    gft_plugin_settings_init(&s);
    g_assert_true(gft_plugin_settings_check(&s, &error));
    s.variations = 17;
    g_assert_false(gft_plugin_settings_check(&s, &error));
    g_assert_nonnull(strstr(error->message, "between 1 and 16"));
    g_clear_error(&error);
    s.variations = 1;
    s.width = 9000;
    g_assert_false(gft_plugin_settings_check(&s, &error));
    g_clear_error(&error);
    s.width = 0;
    s.seed = -2;
    g_assert_false(gft_plugin_settings_check(&s, &error));
    g_clear_error(&error);
    s.seed = 5;
    /* best of K: 0 (the model's default) or 1..GFT_MAX_CANDIDATES */
    for (int k = 0; k <= GFT_MAX_CANDIDATES; k++) {
        s.candidates = k;
        g_assert_true(gft_plugin_settings_check(&s, &error));
    }
    s.candidates = GFT_MAX_CANDIDATES + 1;
    g_assert_false(gft_plugin_settings_check(&s, &error));
    g_assert_nonnull(strstr(error->message, "Best of"));
    g_clear_error(&error);
    s.candidates = -1;
    g_assert_false(gft_plugin_settings_check(&s, &error));
    g_clear_error(&error);
    s.candidates = 0;

    gft_output_size(&s, 300, 200, &w, &h); /* 0 = the frame's size */
    g_assert_cmpint(w, ==, 300);
    g_assert_cmpint(h, ==, 200);
    gft_output_size(&s, 0, 0, &w, &h); /* no image */
    g_assert_cmpint(w, ==, GFT_DEFAULT_NEW_SIDE);
    s.width = 64;
    gft_output_size(&s, 300, 200, &w, &h);
    g_assert_cmpint(w, ==, 64);
    g_assert_cmpint(h, ==, 200);
    gft_plugin_settings_clear(&s);
}

/* Layers centre on the frame (the selection's bounds or the canvas), the
 * halved difference rounded toward zero as before frames existed. */
static void test_frame_centre(void)
{
    GftFrame canvas = {0, 0, 64, 48}, selection = {20, 10, 60, 41};
    int x, y;

    gft_frame_centre(&canvas, 32, 32, &x, &y);
    g_assert_cmpint(x, ==, 16);
    g_assert_cmpint(y, ==, 8);
    gft_frame_centre(&selection, 60, 41, &x, &y); /* the frame's own size: at its corner */
    g_assert_cmpint(x, ==, 20);
    g_assert_cmpint(y, ==, 10);
    gft_frame_centre(&selection, 32, 32, &x, &y);
    g_assert_cmpint(x, ==, 34);
    g_assert_cmpint(y, ==, 14);                 /* 10 + 9 / 2 */
    gft_frame_centre(&canvas, 129, 49, &x, &y); /* larger than the frame */
    g_assert_cmpint(x, ==, -32);
    g_assert_cmpint(y, ==, 0);

    GftFrame f = gft_frame_of(120, 90, TRUE, 20, 10, 80, 51);
    g_assert_cmpint(f.x, ==, 20);
    g_assert_cmpint(f.y, ==, 10);
    g_assert_cmpint(f.width, ==, 60);
    g_assert_cmpint(f.height, ==, 41);
    f = gft_frame_of(120, 90, FALSE, 20, 10, 80, 51); /* no selection: the canvas */
    g_assert_cmpint(f.x + f.y, ==, 0);
    g_assert_cmpint(f.width, ==, 120);
    g_assert_cmpint(f.height, ==, 90);
    f = gft_frame_of(120, 90, TRUE, 20, 10, 20, 51); /* empty bounds: the canvas */
    g_assert_cmpint(f.width, ==, 120);
}

static void test_resolve(void)
{
    GftPluginSettings s;
    gft_model_info info;

    memset(&info, 0, sizeof info);
    info.codebook_size = 64;
    info.defaults.temperature = 0.8f;
    info.defaults.top_k = 100;
    info.defaults.top_p = 0.9f;
    info.defaults.guidance = 3.0f;
    gft_plugin_settings_init(&s);
    gft_plugin_settings_resolve(&s, &info);
    g_assert_cmpfloat_with_epsilon(s.temperature, 0.8, 1e-6);
    g_assert_cmpint(s.top_k, ==, 64); /* clamped to the codebook */
    g_assert_cmpfloat_with_epsilon(s.top_p, 0.9, 1e-6);
    g_assert_cmpint(s.seed, >=, 0);
    g_assert_cmpint(s.seed, <=, G_MAXINT32 - GFT_MAX_VARIATIONS);
    g_assert_cmpint(s.candidates, ==, 1); /* no reranker: one sample */
    s.temperature = 0.0;                  /* an explicit value stays */
    gft_plugin_settings_resolve(&s, &info);
    g_assert_cmpfloat(s.temperature, ==, 0.0);

    /* best of K: 0 becomes the model's default; an explicit count stays */
    info.has_reranker = 1;
    info.default_candidates = 4;
    s.candidates = 0;
    gft_plugin_settings_resolve(&s, &info);
    g_assert_cmpint(s.candidates, ==, 4);
    s.candidates = 2;
    gft_plugin_settings_resolve(&s, &info);
    g_assert_cmpint(s.candidates, ==, 2);
    gft_plugin_settings_clear(&s);
}

/* One synchronous run of `model` with `candidates`: TRUE with run filled
 * (clear it), or FALSE with *error set. */
static gboolean run_with(const char *model, int candidates, GftPluginRun *run, GError **error)
{
    GftPluginSettings s;
    gboolean ok;

    gft_plugin_settings_init(&s);
    g_free(s.prompt);
    s.prompt = g_strdup("red apple");
    g_free(s.model);
    s.model = g_strdup(model);
    s.seed = 21;
    s.variations = 2;
    s.candidates = candidates;
    ok = gft_plugin_run(&s, NULL, 0, 0, NULL, NULL, run, error);
    gft_plugin_settings_clear(&s);
    return ok;
}

static void test_candidates_run(void)
{
    GftPluginRun run;
    GError *error = NULL;
    gsize length;
    char *text;

    if (!plain_model || !rerank_model) {
        g_test_skip("no model files given");
        return;
    }
    /* without a reranker: the default is one sample, more is a clear error */
    g_assert_true(run_with(plain_model, 0, &run, &error));
    g_assert_no_error(error);
    g_assert_cmpint(run.resolved.candidates, ==, 1);
    g_assert_cmpint(run.record.settings.candidates, ==, 1);
    g_assert_cmpint(run.result.n_candidates, ==, 1);
    gft_plugin_run_clear(&run);
    g_assert_false(run_with(plain_model, 2, &run, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull(strstr(error->message, "Best of 2 needs a model with a reranker"));
    g_clear_error(&error);

    /* with one: 0 is the model's default, an explicit count is used; the
     * layer record holds the count used */
    g_assert_true(run_with(rerank_model, 0, &run, &error));
    g_assert_no_error(error);
    g_assert_cmpint(run.resolved.candidates, ==, run.model.info.default_candidates);
    g_assert_cmpint(run.result.n_candidates, ==, run.model.info.default_candidates);
    gft_plugin_run_clear(&run);
    g_assert_true(run_with(rerank_model, 3, &run, &error));
    g_assert_no_error(error);
    g_assert_cmpint(run.result.n_candidates, ==, 3);
    g_assert_cmpint(run.pictures.n, ==, 2);
    text = gft_record_to_text(&run.record, &length);
    g_assert_nonnull(strstr(text, "\ncandidates=3\n"));
    g_free(text);
    gft_plugin_run_clear(&run);
}

static void test_missing_model(void)
{
    GftLoadedModel m;
    GError *error = NULL;

    g_assert_false(gft_plugin_load_model("/nonexistent/x.gguf", NULL, &m, &error));
    g_assert_nonnull(strstr(error->message, "Could not load the model"));
    g_clear_error(&error);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc > 2) {
        plain_model = argv[1];
        rerank_model = argv[2];
    }
    g_test_add_func("/plugin/short-prompt", test_short_prompt);
    g_test_add_func("/plugin/record-round-trip", test_record_round_trip);
    g_test_add_func("/plugin/settings-text", test_settings_text);
    g_test_add_func("/plugin/checks-and-sizes", test_checks_and_sizes);
    g_test_add_func("/plugin/frame-centre", test_frame_centre);
    g_test_add_func("/plugin/resolve", test_resolve);
    g_test_add_func("/plugin/missing-model", test_missing_model);
    g_test_add_func("/plugin/candidates-run", test_candidates_run);
    return g_test_run();
}
