/* Text normalisation (gft-norm-v1), BPE encoding, the prefix and the
 * unknown-word report, against hand-checked expectations.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft_internal.h"
#include "tiny_model.h"

#include <stdlib.h>
#include <string.h>

static void norm_is(const char *in, const char *want)
{
    char out[1025];
    size_t n = gft_normalize_text(in, out, sizeof out);
    CHECK(strcmp(out, want) == 0 && n == strlen(want), "normalise '%s' -> '%s', want '%s'", in, out,
          want);
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void test_normalize(void)
{
    norm_is("Hello, World!", "hello world");
    norm_is("  A\tB\nC\r\v\fD  ", "a b c d");
    norm_is("", "");
    norm_is("!!! ...", "");
    norm_is("snake_case-and/slash", "snake case and slash");
    /* German */
    norm_is("Stra\xc3\x9f"
            "e \xc3\x84\xc3\x96\xc3\x9c",
            "stra\xc3\x9f"
            "e \xc3\xa4\xc3\xb6\xc3\xbc");
    /* Chinese: U+3002 and the full-width comma U+FF0C are punctuation */
    norm_is("\xe4\xb8\x80\xe5\x8f\xaa\xe7\x8c\xab\xe3\x80\x82",
            "\xe4\xb8\x80\xe5\x8f\xaa\xe7\x8c\xab");
    norm_is("\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c",
            "\xe4\xbd\xa0\xe5\xa5\xbd \xe4\xb8\x96\xe7\x95\x8c");
    /* Cyrillic: U+041A..U+0422 +0x20, U+0401 (Yo) +0x50 */
    norm_is("\xd0\x9a\xd0\x9e\xd0\xa2 \xd0\x81\xd0\xb6",
            "\xd0\xba\xd0\xbe\xd1\x82 \xd1\x91\xd0\xb6");
    /* Greek, with U+03A2 left alone */
    norm_is("\xce\x91\xce\xa3\xce\xa9\xce\xa2", "\xce\xb1\xcf\x83\xcf\x89\xce\xa2");
    /* full-width letters/digits and the ideographic space */
    norm_is("\xef\xbc\xa1\xef\xbc\xa2\xe3\x80\x80\xef\xbc\x91\xef\xbc\x92", "ab 12");
    /* Latin Extended-A, U+0178, and U+00D7 (multiplication sign) unchanged */
    norm_is("\xc4\x80\xc4\xb9\xc5\xb8\xc5\xbd\xc3\x97\xc4\xb0",
            "\xc4\x81\xc4\xba\xc3\xbf\xc5\xbe\xc3\x97\xc4\xb1");
    /* emoji kept; curly quotes, ellipsis, middle dot are punctuation */
    norm_is("cat \xf0\x9f\x90\xb1!", "cat \xf0\x9f\x90\xb1");
    norm_is("\xe2\x80\x9chi\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99 a\xe2\x80\xa6"
            "b\xc2\xb7"
            "c",
            "hi x a b c");
    /* non-breaking space folds to a space */
    norm_is("a\xc2\xa0"
            "b",
            "a b");
    /* invalid UTF-8: stray, overlong, surrogate, > U+10FFFF, truncated */
    norm_is("a\xff"
            "b\xc0\x80"
            "c\xed\xa0\x80"
            "d\xf4\x90\x80\x80"
            "e\xe4\xb8",
            "abcde");
    norm_is("\x80\x80x\xc3", "x");

    /* 100 kB prompts are truncated to 1024 bytes at a code point boundary */
    size_t big = 100 * 1024;
    char *s = malloc(big + 1);
    for (size_t i = 0; i + 3 <= big; i += 3)
        memcpy(s + i, "\xe7\x8c\xab", 3);
    s[big - big % 3] = '\0';
    char out[1025];
    size_t n = gft_normalize_text(s, out, sizeof out);
    CHECK(n == 1023 && valid_utf8(out), "CJK truncation: %zu bytes", n);
    for (size_t i = 0; i < big; i++)
        s[i] = (i % 4 == 3) ? ' ' : 'A';
    s[big] = '\0';
    n = gft_normalize_text(s, out, sizeof out);
    CHECK(n == 1023 && strncmp(out, "aaa aaa", 7) == 0 && out[n - 1] == 'a',
          "ASCII truncation: %zu '%.10s'", n, out);
    /* a cut right after a space trims that space (normalising is idempotent) */
    memset(s, 'a', 1023);
    strcpy(s + 1023, " b");
    n = gft_normalize_text(s, out, sizeof out);
    CHECK(n == 1023 && out[1022] == 'a', "cut after a space: %zu", n);
    char again[1025];
    CHECK(gft_normalize_text(out, again, sizeof again) == n && memcmp(out, again, n) == 0,
          "normalising twice changes nothing");
    free(s);

    /* small output buffers truncate at a code point boundary too */
    char small[6];
    CHECK(gft_normalize_text("hello world", small, sizeof small) == 5 &&
              strcmp(small, "hello") == 0,
          "small buffer '%s'", small);
    CHECK(gft_normalize_text("\xe7\x8c\xab\xe7\x8c\xab", small, 5) == 3, "small CJK");
    CHECK(gft_normalize_text(NULL, small, sizeof small) == 0 && small[0] == '\0', "NULL text");
}

static gft_model *load_tiny(void)
{
    size_t size;
    static uint8_t *bytes;
    bytes = tiny_model_bytes(&size);
    char err[GFT_ERROR_SIZE] = "";
    gft_model *m = NULL;
    gft_status st = gft_model_load_from_memory(bytes, size, &m, err, sizeof err);
    CHECK(st == GFT_OK, "tiny model: %s", err);
    return m;
}

static void ids_are(const gft_model *m, const char *text, const int32_t *want, int n_want)
{
    int32_t ids[2048];
    char err[256] = "";
    int n = gft_tokenize(m, text, ids, 2048, err, sizeof err);
    int same = n == n_want;
    for (int i = 0; same && i < n; i++)
        same = ids[i] == want[i];
    CHECK(same, "tokenize '%s': got %d ids (want %d) %s", text, n, n_want, err);
}

#define IDS(m, text, ...)                                                                          \
    do {                                                                                           \
        static const int32_t want_[] = {__VA_ARGS__};                                              \
        ids_are(m, text, want_, (int)(sizeof want_ / sizeof want_[0]));                            \
    } while (0)

/* merge ids in tiny_model.c order: ca 259, cat 260, do 261, dog 262, re 263,
 * ed 264, red 265, e7 8c 266, cat-CJK 267, aa 268, st 269, sharp-s 270 */
static void test_tokenize(gft_model *m)
{
    IDS(m, "cat", 260);
    IDS(m, "dog!", 262);
    /* (r,e) has a lower merge index than (e,d): "red" becomes [re, d] */
    IDS(m, "red", 263, 3 + 'd');
    IDS(m, "bed", 3 + 'b', 264);
    /* leftmost on ties */
    IDS(m, "aaa", 268, 3 + 'a');
    IDS(m, "aaaa", 268, 268);
    IDS(m, "A red CAT", 3 + 'a', 35, 263, 3 + 'd', 35, 260);
    IDS(m, "\xe7\x8c\xab\xe7\x8c\xab", 267, 267);
    IDS(m,
        "Stra\xc3\x9f"
        "e",
        269, 3 + 'r', 3 + 'a', 270, 3 + 'e');
    IDS(m,
        "x\xff"
        "y",
        3 + 'x', 3 + 'y');

    int32_t ids[4];
    char err[256] = "";
    CHECK(gft_tokenize(m, "", ids, 4, err, sizeof err) == 0, "empty text");
    CHECK(gft_tokenize(m, "a red cat", ids, 3, err, sizeof err) == 3 && ids[2] == 263,
          "max_ids truncation");
    CHECK(gft_tokenize(m, "a red cat", NULL, 0, err, sizeof err) == 0, "no room");
    CHECK(gft_tokenize(NULL, "a", ids, 4, err, sizeof err) == -1 && strstr(err, "model"),
          "NULL model: %s", err);
    CHECK(gft_tokenize(m, NULL, ids, 4, err, sizeof err) == -1, "NULL text");
    CHECK(gft_tokenize(m, "a", ids, -1, err, sizeof err) == -1 && err[0], "negative max_ids");

    char *big = malloc(100001);
    for (int i = 0; i < 100000; i++)
        big[i] = "catdog "[i % 7];
    big[100000] = '\0';
    int32_t many[2048];
    int n = gft_tokenize(m, big, many, 2048, err, sizeof err);
    CHECK(n > 200 && n <= 1024 && many[0] == 260 && many[1] == 262, "long prompt: %d ids", n);
    free(big);
}

static void test_prefix(gft_model *m)
{
    int32_t p[TINY_CTX];
    gft_build_prefix(m, "a red cat", p);
    static const int32_t want[TINY_CTX] = {1, 3 + 'a', 35, 263, 3 + 'd', 35, 260, 2, 0, 0, 0, 0};
    CHECK(memcmp(p, want, sizeof want) == 0, "prefix of 'a red cat'");
    gft_build_prefix(m, NULL, p);
    CHECK(p[0] == 1 && p[1] == 2 && p[2] == 0 && p[TINY_CTX - 1] == 0, "null prompt");
    gft_build_prefix(m, "", p);
    CHECK(p[0] == 1 && p[1] == 2 && p[2] == 0, "empty prompt");
    gft_build_prefix(m, "   ", p);
    CHECK(p[0] == 1 && p[1] == 2, "blank prompt");
    gft_build_prefix(m, "cat cat cat cat cat cat cat", p);
    CHECK(p[0] == 1 && p[1] == 260 && p[2] == 35 && p[TINY_CTX - 2] == 35 && p[TINY_CTX - 1] == 2,
          "truncated prefix ends with <eos>");
}

static void unknown_is(gft_model *m, const char *text, int want_n, const char *want)
{
    char out[256];
    int n = gft_unknown_words(m, text, out, sizeof out);
    CHECK(n == want_n && strcmp(out, want) == 0, "unknown words of '%s': %d '%s', want %d '%s'",
          text, n, out, want_n, want);
}

static void test_unknown(gft_model *m)
{
    unknown_is(m, "A big red DOG", 0, "");
    unknown_is(m, "", 0, "");
    unknown_is(m, "the cat and the dog", 2, "the, and");
    unknown_is(m,
               "Stra\xc3\x9f"
               "e \xd0\x9a\xd0\xbe\xd1\x82",
               0, "");
    unknown_is(m, "strasse", 1, "strasse");
    /* each CJK character is a word; runs between them are words too */
    unknown_is(m, "\xe7\x8c\xab\xe7\x8c\xab\xe7\x8b\x97", 1, "\xe7\x8b\x97");
    unknown_is(m,
               "catdog\xe7\x8c\xab"
               "dog",
               1, "catdog");
    unknown_is(m, "\xea\xb3\xa0\xec\x96\x91\xec\x9d\xb4", 3,
               "\xea\xb3\xa0, \xec\x96\x91, \xec\x9d\xb4");
    unknown_is(m, "cat, (dog)!", 0, "");
    char out[5];
    CHECK(gft_unknown_words(m, "abcdefgh", out, sizeof out) == 1 && strcmp(out, "abcd") == 0,
          "truncated list '%s'", out);
    char tiny[4];
    CHECK(gft_unknown_words(m, "\xd0\xba\xd0\xbe\xd1\x88\xd0\xba\xd0\xb0", tiny, sizeof tiny) ==
                  1 &&
              strcmp(tiny, "\xd0\xba") == 0,
          "cut at a code point");
    CHECK(gft_unknown_words(m, "zzz", NULL, 0) == 1, "count without output");
    CHECK(gft_unknown_words(NULL, "zzz", out, sizeof out) == 0 && out[0] == '\0', "NULL model");
}

int main(void)
{
    test_normalize();
    gft_model *m = load_tiny();
    if (m) {
        test_tokenize(m);
        test_prefix(m);
        test_unknown(m);
        void *bytes = (void *)m->base;
        gft_model_free(m);
        free(bytes);
    }
    CHECK_DONE();
}
