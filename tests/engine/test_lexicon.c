/* The prompt lexicon: reading prompts through it (longest match, whole
 * words, the 1024-byte limit, output truncation) and broken lexicon keys,
 * each refused with a message. Generation through it is tested by the CLI
 * tests (tests/cli, case "lexicon"), on models whose prompts matter.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft_internal.h"
#include "tiny_model.h"

#include <stdlib.h>
#include <string.h>

static gft_model *load_bytes(uint8_t *bytes, size_t size, char *err, size_t err_size,
                             gft_status *status)
{
    gft_model *m = NULL;
    err[0] = '\0';
    *status = gft_model_load_from_memory(bytes, size, &m, err, err_size);
    return m;
}

/* Loads the tiny model after edit(b) (may be NULL); the bytes are kept for
 * the model's lifetime in *bytes. */
static gft_model *load_tiny(void (*edit)(gb *), uint8_t **bytes, char *err, size_t err_size,
                            gft_status *status)
{
    gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    if (edit)
        edit(b);
    size_t size;
    *bytes = gb_serialize(b, &size);
    gb_free(b);
    return load_bytes(*bytes, size, err, err_size, status);
}

static void reads_as(const gft_model *m, const char *text, const char *want, int want_n)
{
    char out[1025];
    int n = gft_translate_prompt(m, text, out, sizeof out);
    CHECK(n == want_n && strcmp(out, want) == 0, "'%s' read as '%s' (%d), want '%s' (%d)", text,
          out, n, want, want_n);
}

static void no_lexicon_keys(gb *b)
{
    gb_remove_kv(b, "gft.lexicon.sources");
    gb_remove_kv(b, "gft.lexicon.targets");
    gb_remove_kv(b, "gft.lexicon.target_ids");
}

static void test_reading(const gft_model *m)
{
    gft_model_info info;
    gft_model_get_info(m, &info);
    CHECK(info.n_lexicon == (uint32_t)tiny_n_lexicon, "n_lexicon %u", info.n_lexicon);
    reads_as(m, "\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c", "red apple", 1); /* 红苹果 */
    /* the longest match wins; spaces between CJK words do not matter */
    reads_as(m, "\xe7\xba\xa2 \xe8\x8b\xb9\xe6\x9e\x9c", "red apple", 1);
    /* text between matches stays, CJK runs unsplit: 一个红苹果。 */
    reads_as(m, "\xe4\xb8\x80\xe4\xb8\xaa\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c\xe3\x80\x82",
             "\xe4\xb8\x80\xe4\xb8\xaa red apple", 1);
    /* 苹果红: "apple" then the unmatched 红 */
    reads_as(m, "\xe8\x8b\xb9\xe6\x9e\x9c\xe7\xba\xa2", "apple \xe7\xba\xa2", 1);
    reads_as(m, "Un CHAT noir!", "un black cat", 1);
    reads_as(m, "chat, noir", "black cat", 1); /* punctuation is a space */
    reads_as(m, "Pomme rouge", "apple red", 2);
    reads_as(m, "le chat et la pomme", "le cat et la apple", 2);
    /* whole words only; English is left alone */
    reads_as(m, "chats pommes", "chats pommes", 0);
    reads_as(m, "A red cat", "a red cat", 0);
    reads_as(m, "", "", 0);
    /* an English word with a reading of its own; a source read as itself
     * keeps its words whole and counts as no change */
    reads_as(m, "Cat", "black cat", 1);
    reads_as(m, "red  cat", "red cat", 0);
    reads_as(m, "a red cat and a cat", "a red cat and a black cat", 1);
    reads_as(m, "pomme, red cat", "apple red cat", 1);
    /* NULL model or text: nothing to read */
    char out[16] = "x";
    CHECK(gft_translate_prompt(NULL, "chat", out, sizeof out) == 0 && out[0] == '\0', "NULL model");
    CHECK(gft_translate_prompt(m, NULL, out, sizeof out) == 0 && out[0] == '\0', "NULL text");
    CHECK(gft_translate_prompt(m, "chat", NULL, 0) == 1, "count without output");
    /* a short buffer is cut at a code point: "apple 红" in 8 bytes is "apple " */
    char small[8];
    CHECK(gft_translate_prompt(m, "\xe8\x8b\xb9\xe6\x9e\x9c\xe7\xba\xa2", small, sizeof small) ==
                  1 &&
              strcmp(small, "apple ") == 0,
          "short buffer: '%s'", small);
}

/* 333 x "zz" (998 bytes) reads as 333 x "a much longer phrase" (20 bytes
 * each): only the pieces that fit in 1024 bytes are kept, 48 of them
 * (48 * 21 - 1 = 1007 bytes), as training/gft/lexicon.py does. */
static void test_length_limit(const gft_model *m)
{
    char in[1000];
    for (int i = 0; i < 333; i++)
        memcpy(in + 3 * i, "zz ", 3);
    in[998] = '\0';
    char out[1025];
    int n = gft_translate_prompt(m, in, out, sizeof out);
    size_t len = strlen(out);
    CHECK(n == 333, "%d phrases replaced", n);
    CHECK(len == 1007, "result of %zu bytes", len);
    CHECK(strncmp(out, "a much longer phrase a much", 27) == 0 && out[len - 1] == 'e', "'%.40s'",
          out);
}

/* ---- articles ------------------------------------------------------------ */

/* sorted by bytes: "a", "ein", "一 个" */
static const char *const article_words[] = {"a", "ein", "\xe4\xb8\x80 \xe4\xb8\xaa"};
static const char *const *next_articles = article_words;
static size_t next_n_articles = 3;

static void with_articles(gb *b)
{
    gb_kv_arr_str(b, "gft.lexicon.articles", next_articles, NULL, next_n_articles);
}

static void articles_only(gb *b)
{
    no_lexicon_keys(b);
    with_articles(b);
}

static void test_articles(void)
{
    char err[GFT_ERROR_SIZE];
    gft_status st;
    uint8_t *bytes;
    gft_model *m = load_tiny(with_articles, &bytes, err, sizeof err, &st);
    CHECK(m && st == GFT_OK, "tiny model with articles: %s", err);
    if (m) {
        gft_model_info info;
        gft_model_get_info(m, &info);
        CHECK(info.n_articles == 3, "n_articles %u", info.n_articles);
        reads_as(m, "A red cat", "red cat", 1);        /* dropped; "red cat" reads as itself */
        reads_as(m, "Ein chat noir!", "black cat", 2); /* dropped, then a phrase */
        /* 一个红苹果。: a two-word article, then a phrase */
        reads_as(m, "\xe4\xb8\x80\xe4\xb8\xaa\xe7\xba\xa2\xe8\x8b\xb9\xe6\x9e\x9c\xe3\x80\x82",
                 "red apple", 2);
        reads_as(m, "a", "a", 0);                     /* nothing would follow */
        reads_as(m, "a a cat", "black cat", 3);       /* every article goes */
        reads_as(m, "red a cat", "red black cat", 2); /* not only at the start */
        reads_as(m, "a ein", "ein", 1);               /* one stays: the reading needs a word */
        reads_as(m, "chat noir ein", "black cat", 2); /* the last goes when a word was kept */
        reads_as(m, "an apple", "an apple", 0);       /* whole words only */
        /* a source that starts at a word wins over an article there: "red
         * cat" keeps its words */
        reads_as(m, "a red cat a", "red cat", 2);
    }
    gft_model_free(m);
    free(bytes);

    /* articles without the three lexicon keys still apply */
    m = load_tiny(articles_only, &bytes, err, sizeof err, &st);
    CHECK(m && st == GFT_OK, "articles only: %s", err);
    if (m)
        reads_as(m, "Ein chat noir", "chat noir", 1);
    gft_model_free(m);
    free(bytes);
}

/* ---- broken lexicons ---------------------------------------------------- */

static void drop_targets(gb *b)
{
    gb_remove_kv(b, "gft.lexicon.targets");
}

/* The sources the next load_tiny(with_sources, ...) writes in place of the
 * tiny model's (9 of them, one per target id). */
static const char *const *next_sources;

static void with_sources(gb *b)
{
    gb_remove_kv(b, "gft.lexicon.sources");
    gb_kv_arr_str(b, "gft.lexicon.sources", next_sources, NULL, 9);
}

static void id_out_of_range(gb *b)
{
    uint32_t ids[] = {2, 3, 2, 1, 6, 4, 0, 5, 7};
    gb_remove_kv(b, "gft.lexicon.target_ids");
    gb_kv_arr_u32(b, "gft.lexicon.target_ids", ids, 9);
}

static void too_few_ids(gb *b)
{
    uint32_t ids[] = {3, 2, 1};
    gb_remove_kv(b, "gft.lexicon.target_ids");
    gb_kv_arr_u32(b, "gft.lexicon.target_ids", ids, 3);
}

static void ids_as_strings(gb *b)
{
    gb_remove_kv(b, "gft.lexicon.target_ids");
    gb_kv_arr_str(b, "gft.lexicon.target_ids", tiny_lexicon_sources, NULL, (size_t)tiny_n_lexicon);
}

static void empty_target(gb *b)
{
    const char *tgt[] = {
        "a much longer phrase", "", "black cat", "cat", "red", "red apple", "red cat"};
    gb_remove_kv(b, "gft.lexicon.targets");
    gb_kv_arr_str(b, "gft.lexicon.targets", tgt, NULL, 7);
}

/* The tiny model after edit must be refused as a format error whose
 * message contains want. */
static void expect_refused(void (*edit)(gb *), const char *want)
{
    char err[GFT_ERROR_SIZE];
    gft_status st;
    uint8_t *bytes;
    gft_model *m = load_tiny(edit, &bytes, err, sizeof err, &st);
    CHECK(!m && st == GFT_ERR_FORMAT && strstr(err, want), "status %d, message '%s', want '%s'", st,
          err, want);
    gft_model_free(m);
    free(bytes);
}

static void test_broken(void)
{
    static const struct {
        void (*edit)(gb *);
        const char *want; /* in the message */
    } cases[] = {
        {drop_targets, "'gft.lexicon.targets' is missing"},
        {id_out_of_range, "'gft.lexicon.target_ids'[8] = 7, but there are 7 targets"},
        {too_few_ids, "has 3 ids for 9 sources"},
        {ids_as_strings, "'gft.lexicon.target_ids' has type"},
        {empty_target, "'gft.lexicon.targets'[1] has 0 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(cases[i].edit, cases[i].want);

    static char longest[300];
    memset(longest, 'z', 299);
    static const struct {
        const char *sources[9];
        const char *want;
    } bad_sources[] = {
        {{"chat", "pomme", "chat noir", "rouge", "zz", "a", "b", "c", "d"},
         "not sorted by bytes without repeats at entry 2"},
        {{"chat", "chat", "pomme", "rouge", "zz", "zzz", "zzzz", "zzzzz", "zzzzzz"},
         "not sorted by bytes without repeats at entry 1"},
        {{"chat", "chat  noir", "pomme", "rouge", "zz", "zzz", "zzzz", "zzzzz", "zzzzzz"},
         "'gft.lexicon.sources'[1]"},
        {{"", "chat", "pomme", "rouge", "zz", "zzz", "zzzz", "zzzzz", "zzzzzz"},
         "'gft.lexicon.sources'[0]"},
        {{"chat", "chat noir", "pomme", "rouge", "zz", "zzz", "zzzz", "zzzzz", longest},
         "'gft.lexicon.sources'[8] (299 bytes)"},
    };
    for (size_t i = 0; i < sizeof bad_sources / sizeof bad_sources[0]; i++) {
        next_sources = bad_sources[i].sources;
        expect_refused(with_sources, bad_sources[i].want);
    }

    static const char *const unsorted[] = {"ein", "a"}, *const spaced[] = {"a", "ein "};
    next_articles = unsorted;
    next_n_articles = 2;
    expect_refused(with_articles, "'gft.lexicon.articles' is not sorted by bytes without repeats");
    next_articles = spaced;
    expect_refused(with_articles, "'gft.lexicon.articles'[1] (4 bytes)");
    next_articles = article_words;
    next_n_articles = 3;

    /* without the three keys the prompt is read as typed */
    char err[GFT_ERROR_SIZE];
    gft_status st;
    uint8_t *bytes;
    gft_model *m = load_tiny(no_lexicon_keys, &bytes, err, sizeof err, &st);
    CHECK(m && st == GFT_OK, "no lexicon: %s", err);
    if (m) {
        reads_as(m, "Un chat noir", "un chat noir", 0);
        gft_model_info info;
        gft_model_get_info(m, &info);
        CHECK(info.n_lexicon == 0, "n_lexicon %u", info.n_lexicon);
    }
    gft_model_free(m);
    free(bytes);
}

int main(void)
{
    char err[GFT_ERROR_SIZE];
    gft_status st;
    uint8_t *bytes;
    gft_model *m = load_tiny(NULL, &bytes, err, sizeof err, &st);
    CHECK(m && st == GFT_OK, "tiny model: %s", err);
    if (m) {
        test_reading(m);
        test_length_limit(m);
    }
    gft_model_free(m);
    free(bytes);
    test_articles();
    test_broken();
    CHECK_DONE();
}
