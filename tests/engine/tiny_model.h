/* A tiny but complete GFT model for tests, built with gguf_builder.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_TEST_TINY_MODEL_H
#define GFT_TEST_TINY_MODEL_H

#include "gguf_builder.h"

#define TINY_N_EMBD 32
#define TINY_N_LAYER 2
#define TINY_N_HEAD 2
#define TINY_N_FF 64
#define TINY_CTX 12
#define TINY_GRID_W 3
#define TINY_GRID_H 2
#define TINY_K 16
#define TINY_CODE_DIM 4
#define TINY_N_RES 1
#define TINY_N_GROUPS 2
#define TINY_N_LEVELS 2
extern const uint32_t tiny_channels[TINY_N_LEVELS];

/* The merges, as (left, right, merged) token strings, in merge order. */
typedef struct {
    const char *left, *right;
} tiny_merge;
extern const tiny_merge tiny_merges[];
extern const int tiny_n_merges;
#define TINY_VOCAB (259 + tiny_n_merges)

extern const char *const tiny_known_words[];
extern const int tiny_n_known_words;

/* The prompt lexicon (gft.lexicon.*) every tiny model holds: chat -> cat,
 * chat noir -> black cat, pomme -> apple, rouge -> red, zz -> a much longer
 * phrase, 红苹果 -> red apple, 苹果 -> apple. */
extern const char *const tiny_lexicon_sources[];
extern const char *const tiny_lexicon_targets[];
extern const uint32_t tiny_lexicon_target_ids[];
extern const int tiny_n_lexicon;
void tiny_add_lexicon(gb *b);

/* matrix_type: the type of the transformer matrices (GB_T_F32, GB_T_F16,
 * GB_T_Q8_0); emb_type: embeddings and convolutions (GB_T_F32, GB_T_F16). */
gb *tiny_model_builder(uint32_t matrix_type, uint32_t emb_type);

/* Adds a reranker (gft.rerank.*, rr.*; docs/model-format.md) and
 * gft.sampling.candidates = 2. The tiny images are 6 x 4 pixels: side 2,
 * widths {4, 8}, one conv per level, dim 32. matrix_type: the text tables. */
#define TINY_RR_SIDE 2
#define TINY_RR_LEVELS 2
#define TINY_RR_DIM 32
void tiny_add_reranker(gb *b, uint32_t matrix_type);

/* Adds a 2x upscaler (gft.upscale.* keys, up.* tensors): width
 * TINY_UP_CHANNELS, one middle conv, weights of weight_type (F32 or F16). */
#define TINY_UP_CHANNELS 4
void tiny_add_upscaler(gb *b, uint32_t weight_type);

/* Serialised default tiny model (Q8_0 matrices, F16 embeddings). */
uint8_t *tiny_model_bytes(size_t *size);

#endif
