/* Tokenizer tables: token bytes, BPE merges with a pair hash, known words.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"

#include <stdlib.h>
#include <string.h>

#define N_SPECIAL 3
#define FIRST_MERGE_ID 259

int gft_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static uint64_t pair_key(int32_t left, int32_t right)
{
    return ((uint64_t)(uint32_t)left << 32 | (uint32_t)right) + 1;
}

static uint32_t pair_slot(uint64_t key, uint32_t cap)
{
    key ^= key >> 31;
    key *= 0x9e3779b97f4a7c15ull;
    key ^= key >> 29;
    return (uint32_t)key & (cap - 1);
}

int64_t gft_tokenizer_find_merge(const gft_tokenizer *tok, int32_t left, int32_t right)
{
    if (!tok->pair_cap)
        return -1;
    uint64_t key = pair_key(left, right);
    for (uint32_t s = pair_slot(key, tok->pair_cap);; s = (s + 1) & (tok->pair_cap - 1)) {
        if (tok->pair_keys[s] == 0)
            return -1;
        if (tok->pair_keys[s] == key)
            return tok->pair_vals[s];
    }
}

static gft_status load_tokens(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    static const uint32_t types[] = {GGUF_STRING};
    gft_tokenizer *tok = &m->tok;
    const gguf_kv *kv;
    gft_status st = gft_kv_get_array(f, "gft.tokenizer.tokens", types, 1, &kv, err, err_size);
    if (st != GFT_OK)
        return st;
    if (kv->arr_n != m->hp.text_vocab) {
        gft_set_error(err, err_size,
                      "key 'gft.tokenizer.tokens' has %llu entries, but gft.text.vocab_size is %u",
                      (unsigned long long)kv->arr_n, m->hp.text_vocab);
        return GFT_ERR_FORMAT;
    }
    tok->n_vocab = m->hp.text_vocab;
    tok->tok_bytes = gft_arena_alloc(m, sizeof *tok->tok_bytes * tok->n_vocab);
    tok->tok_len = gft_arena_alloc(m, sizeof *tok->tok_len * tok->n_vocab);
    if (!tok->tok_bytes || !tok->tok_len) {
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    gguf_string_iter it;
    gguf_string_iter_init(&it, kv);
    for (uint32_t i = 0; i < tok->n_vocab; i++) {
        uint64_t len;
        gguf_string_iter_next(&it, &tok->tok_bytes[i], &len);
        tok->tok_len[i] = (uint32_t)len; /* <= 1 MiB */
        if (i >= N_SPECIAL && i < FIRST_MERGE_ID &&
            (len != 1 || tok->tok_bytes[i][0] != (uint8_t)(i - N_SPECIAL))) {
            gft_set_error(err, err_size,
                          "key 'gft.tokenizer.tokens'[%u] must be the single byte 0x%02x", i,
                          i - N_SPECIAL);
            return GFT_ERR_FORMAT;
        }
    }
    return GFT_OK;
}

static gft_status load_merges(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    static const uint32_t types[] = {GGUF_I32, GGUF_U32};
    gft_tokenizer *tok = &m->tok;
    const gguf_kv *kv;
    gft_status st = gft_kv_get_array(f, "gft.tokenizer.merges", types, 2, &kv, err, err_size);
    if (st != GFT_OK)
        return st;
    uint32_t n_merges = tok->n_vocab - FIRST_MERGE_ID;
    if (kv->arr_n != 2ull * n_merges) {
        gft_set_error(err, err_size,
                      "key 'gft.tokenizer.merges' has %llu ids; vocab_size %u needs 2 x %u",
                      (unsigned long long)kv->arr_n, tok->n_vocab, n_merges);
        return GFT_ERR_FORMAT;
    }
    int32_t *merges = gft_arena_alloc(m, sizeof *merges * 2 * (n_merges ? n_merges : 1));
    uint32_t cap = 16;
    while (cap < 2 * n_merges)
        cap <<= 1;
    tok->pair_keys = gft_arena_alloc(m, sizeof *tok->pair_keys * cap);
    tok->pair_vals = gft_arena_alloc(m, sizeof *tok->pair_vals * cap);
    if (!merges || !tok->pair_keys || !tok->pair_vals) {
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    tok->pair_cap = cap;
    tok->merges = merges;
    tok->n_merges = n_merges;
    for (uint32_t i = 0; i < n_merges; i++) {
        int32_t l = (int32_t)gguf_rd_u32(kv->value + 8 * (size_t)i);
        int32_t r = (int32_t)gguf_rd_u32(kv->value + 8 * (size_t)i + 4);
        int32_t id = FIRST_MERGE_ID + (int32_t)i;
        /* a merge may only join bytes or earlier merges */
        if (l < N_SPECIAL || l >= id || r < N_SPECIAL || r >= id) {
            gft_set_error(err, err_size,
                          "key 'gft.tokenizer.merges': merge %u joins ids (%d, %d); each must be "
                          "in %d..%d",
                          i, l, r, N_SPECIAL, id - 1);
            return GFT_ERR_FORMAT;
        }
        if (tok->tok_len[id] != (uint64_t)tok->tok_len[l] + tok->tok_len[r] ||
            memcmp(tok->tok_bytes[id], tok->tok_bytes[l], tok->tok_len[l]) != 0 ||
            memcmp(tok->tok_bytes[id] + tok->tok_len[l], tok->tok_bytes[r], tok->tok_len[r])) {
            gft_set_error(err, err_size,
                          "key 'gft.tokenizer.tokens'[%d] is not the bytes of tokens %d and %d "
                          "joined (merge %u)",
                          id, l, r, i);
            return GFT_ERR_FORMAT;
        }
        merges[2 * i] = l;
        merges[2 * i + 1] = r;
        uint64_t key = pair_key(l, r);
        uint32_t s = pair_slot(key, cap);
        while (tok->pair_keys[s] != 0 && tok->pair_keys[s] != key)
            s = (s + 1) & (cap - 1);
        if (tok->pair_keys[s] == key) {
            /* ambiguous: which index would be the "lowest" differs by reader */
            gft_set_error(err, err_size,
                          "key 'gft.tokenizer.merges': merge %u repeats merge %u (%d, %d)", i,
                          tok->pair_vals[s], l, r);
            return GFT_ERR_FORMAT;
        }
        tok->pair_keys[s] = key;
        tok->pair_vals[s] = i;
    }
    return GFT_OK;
}

typedef struct {
    const uint8_t *s;
    uint32_t len;
} word_ref;

static int word_ref_cmp(const void *a, const void *b)
{
    const word_ref *x = a, *y = b;
    return gft_bytes_cmp(x->s, x->len, y->s, y->len);
}

static gft_status load_known_words(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    static const uint32_t types[] = {GGUF_STRING};
    gft_tokenizer *tok = &m->tok;
    const gguf_kv *kv;
    gft_status st = gft_kv_get_array(f, "gft.tokenizer.known_words", types, 1, &kv, err, err_size);
    if (st != GFT_OK)
        return st;
    if (kv->arr_n > 1000000) {
        gft_set_error(err, err_size,
                      "key 'gft.tokenizer.known_words' has %llu words (at most 1000000)",
                      (unsigned long long)kv->arr_n);
        return GFT_ERR_FORMAT;
    }
    uint32_t n = (uint32_t)kv->arr_n;
    word_ref *words = malloc(sizeof *words * (n ? n : 1));
    tok->known = gft_arena_alloc(m, sizeof *tok->known * (n ? n : 1));
    tok->known_len = gft_arena_alloc(m, sizeof *tok->known_len * (n ? n : 1));
    if (!words || !tok->known || !tok->known_len) {
        free(words);
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    gguf_string_iter it;
    gguf_string_iter_init(&it, kv);
    int sorted = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t len;
        gguf_string_iter_next(&it, &words[i].s, &len);
        words[i].len = (uint32_t)len;
        if (i && word_ref_cmp(&words[i - 1], &words[i]) > 0)
            sorted = 0;
    }
    /* the format promises sorted words; sort anyway so lookups stay correct */
    if (!sorted)
        qsort(words, n, sizeof *words, word_ref_cmp);
    for (uint32_t i = 0; i < n; i++) {
        tok->known[i] = words[i].s;
        tok->known_len[i] = words[i].len;
    }
    tok->n_known = n;
    free(words);
    return GFT_OK;
}

gft_status gft_load_tokenizer(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    const uint8_t *s;
    uint64_t len;
    gft_status st = gft_kv_get_string(f, "gft.tokenizer.model", 1, &s, &len, err, err_size);
    if (st != GFT_OK)
        return st;
    if (len != 12 || memcmp(s, "bpe-bytes-v1", 12) != 0) {
        gft_set_error(err, err_size,
                      "key 'gft.tokenizer.model' names an unsupported tokenizer (need "
                      "'bpe-bytes-v1')");
        return GFT_ERR_UNSUPPORTED;
    }
    st = load_tokens(f, m, err, err_size);
    if (st == GFT_OK)
        st = load_merges(f, m, err, err_size);
    if (st == GFT_OK)
        st = load_known_words(f, m, err, err_size);
    return st;
}
