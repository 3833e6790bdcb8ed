/* Internal steps of model loading, shared by the loader's source files.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_LOADER_H
#define GFT_LOADER_H

#include "gft_internal.h"
#include "gguf.h"

/* Owned allocations freed with the model (zero-filled; NULL when out of
 * memory). */
void *gft_arena_alloc(gft_model *m, size_t size);
void gft_arena_free(gft_model *m);

/* engine/model_hparams.c: reads and range-checks every hyperparameter. */
gft_status gft_load_hparams(const gguf_file *f, gft_hparams *hp, char *err, size_t err_size);

/* engine/model_tensors.c: finds every required tensor, checks its shape and
 * type, fills the model's tensor views, n_params and weight_type. */
gft_status gft_load_tensors(const gguf_file *f, gft_model *m, char *err, size_t err_size);

/* engine/model_rerank.c: the optional reranker's keys and tensors, and
 * gft.sampling.candidates (after gft_load_hparams and gft_load_tensors). */
gft_status gft_load_rerank(const gguf_file *f, gft_model *m, char *err, size_t err_size);

/* engine/model_upscale.c: the optional 2x upscaler (gft.upscale.* keys, up.*
 * tensors; docs/model-format.md, "Upscaler"). */
gft_status gft_load_upscale(const gguf_file *f, gft_model *m, char *err, size_t err_size);

/* engine/model_pack.c: the transformer's Q8_0 matrices in the int8 kernel's
 * layout, when this build has it and GFT_NO_INT8 is unset (or "0"). Their
 * mapped pages are dropped from memory after packing. */
gft_status gft_model_pack(gft_model *m, char *err, size_t err_size);
/* Drops the whole pages inside [data, data + n_bytes) of a mapped file from
 * memory (they come back from the file if read); nothing for in-memory loads. */
void gft_model_drop_pages(const gft_model *m, const void *data, size_t n_bytes);

/* engine/model_tensors.c: looks `name` up and checks its dims (n_dims of
 * them, the rest 1) and that its type is in the mask (1 << gft_type). */
gft_status gft_want_tensor(const gguf_file *f, gft_model *m, gft_tensor *dst, const char *name,
                           unsigned types, int n_dims, int64_t d0, int64_t d1, char *err,
                           size_t err_size);

/* A flattened 3x3 conv: `<prefix><i>.weight` [cin * 9, cout] with a type in
 * w_types and `<prefix><i>.bias` [cout], F32 (the reranker's and upscaler's). */
gft_status gft_want_flat_conv(const gguf_file *f, gft_model *m, gft_tensor *w, gft_tensor *b,
                              const char *prefix, unsigned i, unsigned w_types, int64_t cin,
                              int64_t cout, char *err, size_t err_size);

/* engine/tokenizer_load.c: tokens, merges (pair hash) and known words. */
gft_status gft_load_tokenizer(const gguf_file *f, gft_model *m, char *err, size_t err_size);

/* engine/lexicon_load.c: the optional prompt lexicon (all three keys or none). */
gft_status gft_load_lexicon(const gguf_file *f, gft_model *m, char *err, size_t err_size);

/* Looks a merge up: its index, or -1. */
int64_t gft_tokenizer_find_merge(const gft_tokenizer *tok, int32_t left, int32_t right);

/* Compares two byte strings: memcmp order, shorter first on a shared prefix. */
int gft_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Helpers for typed key access (engine/model_hparams.c). Each returns GFT_OK
 * or an error naming the key. */
gft_status gft_kv_get_string(const gguf_file *f, const char *key, int required, const uint8_t **s,
                             uint64_t *len, char *err, size_t err_size);
gft_status gft_kv_get_u32(const gguf_file *f, const char *key, int64_t lo, int64_t hi,
                          uint32_t *out, char *err, size_t err_size);
/* An array of u32 or i32 key: 1..max_n elements, each in lo..hi, into out;
 * *n gets the count. */
gft_status gft_kv_get_u32_array(const gguf_file *f, const char *key, uint32_t max_n, int64_t lo,
                                int64_t hi, uint32_t *out, uint32_t *n, char *err, size_t err_size);
gft_status gft_kv_get_array(const gguf_file *f, const char *key, const uint32_t *elem_types,
                            int n_elem_types, const gguf_kv **out, char *err, size_t err_size);

/* Returns the status of expr from the calling function unless it is GFT_OK. */
#define GFT_TRY(expr)                                                                              \
    do {                                                                                           \
        gft_status st_ = (expr);                                                                   \
        if (st_ != GFT_OK)                                                                         \
            return st_;                                                                            \
    } while (0)

#endif /* GFT_LOADER_H */
