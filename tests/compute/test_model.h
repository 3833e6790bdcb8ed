/* Random in-memory models and a plain double-precision reference of the
 * transformer and the VQ decoder, for the compute tests.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_TEST_MODEL_H
#define GFT_TEST_MODEL_H

#include "gft_internal.h"

typedef struct {
    int d, n_layer, n_head, n_ff, T, gw, gh, K, code_dim;
    int n_levels, ch[4], n_res, groups;
    gft_type wtype;   /* transformer matrices */
    gft_type embtype; /* embeddings and conv weights (F32 or F16) */
    int no_pack;      /* 1: Q8_0 matrices stay unpacked (the Q8_0 x F32 kernel) */
} tm_config;

/* A small default configuration. */
tm_config tm_small(gft_type wtype);

/* Q8_0 models are packed for the int8 kernel as the loader packs them (where
 * the build has it), unless cfg->no_pack. */
gft_model *tm_new(const tm_config *cfg, uint64_t seed);
void tm_free(gft_model *m);

/* Fills a tensor of the given type and shape with N(0, std) values. */
void tm_tensor(gft_tensor *t, gft_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
               float std, uint64_t *rng);
void tm_tensor_free(gft_tensor *t);
/* Element (i innermost, j next) of a 2-D or flattened tensor, as a double. */
double tm_get(const gft_tensor *t, int64_t j, int64_t i);

/* Teacher-forced logits ((n_image + 1) * K) of the prefix ids + tokens. */
void ref_logits(const gft_model *m, const int32_t *prefix, const int32_t *tokens, int n_image,
                double *logits);
/* Clamped premultiplied RGBA, channel-last. */
void ref_decode(const gft_model *m, const int32_t *codes, double *premul);

/* small PRNG for test data */
double tm_gauss(uint64_t *s);
uint64_t tm_next(uint64_t *s);

#endif
