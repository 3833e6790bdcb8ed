/* The optional prompt lexicon: gft.lexicon.sources, .targets and .target_ids,
 * and the optional articles gft.lexicon.articles (docs/model-format.md,
 * "Prompt lexicon"), checked before use.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"
#include "text.h"

#include <string.h>

#define KEY_SOURCES "gft.lexicon.sources"
#define KEY_TARGETS "gft.lexicon.targets"
#define KEY_TARGET_IDS "gft.lexicon.target_ids"
#define KEY_ARTICLES "gft.lexicon.articles"
#define MAX_ENTRIES 1000000u
#define MAX_ARTICLES 4096u

/* A source is words joined by single spaces: no space at either end, none
 * doubled. Returns its word count, or 0 when malformed. */
static uint32_t source_words(const uint8_t *s, uint64_t len)
{
    if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
        return 0;
    uint32_t words = 1;
    for (uint64_t i = 1; i < len; i++)
        if (s[i] == ' ') {
            if (s[i - 1] == ' ')
                return 0;
            words++;
        }
    return words;
}

/* Reads n phrases (sources or articles) of the string array kv into
 * src/src_len, checking their form and order; *max_words gets the most words
 * in one phrase. */
static gft_status load_phrases(const gguf_kv *kv, const char *key, uint32_t n, const uint8_t **src,
                               uint32_t *src_len, uint32_t *max_words, char *err, size_t err_size)
{
    gguf_string_iter it;
    gguf_string_iter_init(&it, kv);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t len;
        gguf_string_iter_next(&it, &src[i], &len);
        uint32_t words = len <= GFT_LEXICON_MAX_SOURCE ? source_words(src[i], len) : 0;
        if (!words) {
            gft_set_error(err, err_size,
                          "key '%s'[%u] (%llu bytes) is not 1-%d bytes of words "
                          "joined by single spaces",
                          key, i, (unsigned long long)len, GFT_LEXICON_MAX_SOURCE);
            return GFT_ERR_FORMAT;
        }
        src_len[i] = (uint32_t)len;
        if (words > *max_words)
            *max_words = words;
        /* strictly increasing: lookups bisect, and a repeat would be ambiguous */
        if (i && gft_bytes_cmp(src[i - 1], src_len[i - 1], src[i], len) >= 0) {
            gft_set_error(err, err_size,
                          "key '%s' is not sorted by bytes without repeats at entry %u", key, i);
            return GFT_ERR_FORMAT;
        }
    }
    return GFT_OK;
}

static gft_status load_sources(const gguf_kv *kv, gft_lexicon *lx, char *err, size_t err_size)
{
    return load_phrases(kv, KEY_SOURCES, lx->n, lx->src, lx->src_len, &lx->max_words, err,
                        err_size);
}

/* gft.lexicon.articles, when the file has it. */
static gft_status load_articles(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    if (!gguf_find_kv(f, KEY_ARTICLES))
        return GFT_OK;
    static const uint32_t strings[] = {GGUF_STRING};
    const gguf_kv *kv;
    GFT_TRY(gft_kv_get_array(f, KEY_ARTICLES, strings, 1, &kv, err, err_size));
    if (kv->arr_n > MAX_ARTICLES) {
        gft_set_error(err, err_size, "key '" KEY_ARTICLES "' has %llu words (at most %u)",
                      (unsigned long long)kv->arr_n, MAX_ARTICLES);
        return GFT_ERR_FORMAT;
    }
    gft_lexicon *lx = &m->lex;
    uint32_t n = (uint32_t)kv->arr_n;
    lx->articles = gft_arena_alloc(m, sizeof *lx->articles * (n ? n : 1));
    lx->article_len = gft_arena_alloc(m, sizeof *lx->article_len * (n ? n : 1));
    if (!lx->articles || !lx->article_len) {
        gft_set_error(err, err_size, "out of memory for the lexicon's articles");
        return GFT_ERR_NOMEM;
    }
    gft_status st = load_phrases(kv, KEY_ARTICLES, n, lx->articles, lx->article_len,
                                 &lx->article_max_words, err, err_size);
    if (st == GFT_OK)
        lx->n_articles = n;
    return st;
}

static gft_status load_targets(const gguf_kv *kv, gft_lexicon *lx, char *err, size_t err_size)
{
    gguf_string_iter it;
    gguf_string_iter_init(&it, kv);
    for (uint32_t i = 0; i < lx->n_targets; i++) {
        uint64_t len;
        gguf_string_iter_next(&it, &lx->tgt[i], &len);
        if (len == 0 || len > GFT_NORM_MAX_BYTES) {
            gft_set_error(err, err_size, "key '" KEY_TARGETS "'[%u] has %llu bytes (1-%d allowed)",
                          i, (unsigned long long)len, GFT_NORM_MAX_BYTES);
            return GFT_ERR_FORMAT;
        }
        lx->tgt_len[i] = (uint32_t)len;
    }
    return GFT_OK;
}

static gft_status load_target_ids(const gguf_kv *kv, gft_lexicon *lx, char *err, size_t err_size)
{
    for (uint32_t i = 0; i < lx->n; i++) {
        uint32_t id = gguf_rd_u32(kv->value + 4 * (size_t)i);
        if (id >= lx->n_targets) {
            gft_set_error(err, err_size,
                          "key '" KEY_TARGET_IDS "'[%u] = %u, but there are %u targets", i, id,
                          lx->n_targets);
            return GFT_ERR_FORMAT;
        }
        lx->tgt_of[i] = id;
    }
    return GFT_OK;
}

static gft_status load_lexicon_tables(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    static const char *const keys[3] = {KEY_SOURCES, KEY_TARGETS, KEY_TARGET_IDS};
    int present = 0;
    for (int k = 0; k < 3; k++)
        present += gguf_find_kv(f, keys[k]) != NULL;
    if (present == 0)
        return GFT_OK; /* a model without a lexicon reads prompts as typed */
    if (present != 3) {
        for (int k = 0; k < 3; k++)
            if (!gguf_find_kv(f, keys[k])) {
                gft_set_error(err, err_size,
                              "the prompt lexicon needs keys '" KEY_SOURCES "', '" KEY_TARGETS
                              "' and '" KEY_TARGET_IDS "'; '%s' is missing",
                              keys[k]);
                break;
            }
        return GFT_ERR_FORMAT;
    }
    static const uint32_t strings[] = {GGUF_STRING}, ids[] = {GGUF_U32};
    const gguf_kv *ks, *kt, *ki;
    GFT_TRY(gft_kv_get_array(f, KEY_SOURCES, strings, 1, &ks, err, err_size));
    GFT_TRY(gft_kv_get_array(f, KEY_TARGETS, strings, 1, &kt, err, err_size));
    GFT_TRY(gft_kv_get_array(f, KEY_TARGET_IDS, ids, 1, &ki, err, err_size));
    if (ks->arr_n > MAX_ENTRIES || kt->arr_n > MAX_ENTRIES) {
        gft_set_error(err, err_size,
                      "the prompt lexicon has %llu sources and %llu targets (at most %u each)",
                      (unsigned long long)ks->arr_n, (unsigned long long)kt->arr_n, MAX_ENTRIES);
        return GFT_ERR_FORMAT;
    }
    if (ki->arr_n != ks->arr_n) {
        gft_set_error(err, err_size, "key '" KEY_TARGET_IDS "' has %llu ids for %llu sources",
                      (unsigned long long)ki->arr_n, (unsigned long long)ks->arr_n);
        return GFT_ERR_FORMAT;
    }
    gft_lexicon *lx = &m->lex;
    lx->n = (uint32_t)ks->arr_n;
    lx->n_targets = (uint32_t)kt->arr_n;
    size_t n = lx->n ? lx->n : 1, nt = lx->n_targets ? lx->n_targets : 1;
    lx->src = gft_arena_alloc(m, sizeof *lx->src * n);
    lx->src_len = gft_arena_alloc(m, sizeof *lx->src_len * n);
    lx->tgt_of = gft_arena_alloc(m, sizeof *lx->tgt_of * n);
    lx->tgt = gft_arena_alloc(m, sizeof *lx->tgt * nt);
    lx->tgt_len = gft_arena_alloc(m, sizeof *lx->tgt_len * nt);
    if (!lx->src || !lx->src_len || !lx->tgt_of || !lx->tgt || !lx->tgt_len) {
        lx->n = 0;
        gft_set_error(err, err_size, "out of memory for the prompt lexicon");
        return GFT_ERR_NOMEM;
    }
    gft_status st = load_sources(ks, lx, err, err_size);
    if (st == GFT_OK)
        st = load_targets(kt, lx, err, err_size);
    if (st == GFT_OK)
        st = load_target_ids(ki, lx, err, err_size);
    if (st != GFT_OK)
        lx->n = 0;
    return st;
}

gft_status gft_load_lexicon(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    gft_status st = load_lexicon_tables(f, m, err, err_size);
    return st == GFT_OK ? load_articles(f, m, err, err_size) : st;
}
