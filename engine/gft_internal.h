/* Internal engine types shared by the engine's source files (not installed).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_INTERNAL_H
#define GFT_INTERNAL_H

#include "gft.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define GFT_DEC_MAX_LEVELS 8
#define GFT_DEC_MAX_RES 8
#define GFT_RR_MAX_LEVELS 6
#define GFT_RR_MAX_CONVS 16
#define GFT_UP_MAX_CONVS 10 /* the upscaler: conv in, up to 8 middle convs, conv out */

typedef enum {
    GFT_TYPE_F32 = 0,
    GFT_TYPE_F16 = 1,
    GFT_TYPE_Q8_0 = 8,
} gft_type;

#define GFT_Q8_0_BLOCK 32
typedef struct {
    uint16_t d; /* IEEE half scale */
    int8_t qs[GFT_Q8_0_BLOCK];
} gft_block_q8_0; /* 34 bytes, packed by layout */

/* A view of one tensor inside the mapped file. ne[0] is innermost. */
typedef struct {
    const char *name; /* points into the model's name storage (NUL-terminated) */
    const void *data; /* into the mapping; never NULL for a validated tensor */
    gft_type type;
    int n_dims;
    int64_t ne[4];  /* unused dims are 1 */
    size_t n_bytes; /* size of data */
    /* Q8_0 matrices of the transformer on CPUs with the int8 kernel: the same
     * weights in the Q8_0x16 layout (engine/kernels_q8i8.h), in the model's
     * packed storage; NULL otherwise */
    const void *packed;
} gft_tensor;

typedef struct {
    gft_tensor attn_norm, attn_q, attn_k, attn_v, attn_out;
    gft_tensor ffn_norm, ffn_up, ffn_down;
} gft_layer;

typedef struct {
    gft_tensor norm1_w, norm1_b, conv1_w, conv1_b;
    gft_tensor norm2_w, norm2_b, conv2_w, conv2_b;
} gft_resblock;

typedef struct {
    gft_resblock res[GFT_DEC_MAX_RES];
    gft_tensor up_w, up_b; /* absent (data NULL) on the last level */
} gft_dec_level;

/* The optional reranker (docs/model-format.md, "Reranker"). */
typedef struct {
    uint32_t side, dim, n_levels, convs_per_level, n_convs;
    uint32_t widths[GFT_RR_MAX_LEVELS];
} gft_rerank_hparams;

typedef struct {
    uint32_t n_embd, n_layer, n_head, n_ff;
    float norm_eps;
    uint32_t text_ctx, text_vocab;
    uint32_t grid_w, grid_h, codebook_size, code_dim;
    uint32_t dec_n_levels; /* len(gft.dec.channels) = n_up + 1 */
    uint32_t dec_channels[GFT_DEC_MAX_LEVELS];
    uint32_t dec_n_res, dec_n_groups;
    float dec_norm_eps;
    uint32_t image_width, image_height; /* grid * 2^(n_levels-1) */
    int32_t background_code;            /* code of fully transparent patches; -1: none */
    gft_sampling defaults;
    int has_rerank;         /* the file holds a reranker (rr.* tensors)    */
    gft_rerank_hparams rr;  /* valid when has_rerank                        */
    int default_candidates; /* gft.sampling.candidates, 1 when absent       */
    int has_upscale;        /* the file holds a 2x upscaler (up.* tensors)  */
    uint32_t up_channels;   /* its width; valid when has_upscale            */
    uint32_t up_n_convs;    /* its convs, conv in and out included          */
} gft_hparams;

/* BPE tables; all pointers into the mapping or owned by the model. */
typedef struct {
    uint32_t n_vocab;
    const uint8_t **tok_bytes; /* [n_vocab] token byte strings (not NUL-terminated) */
    uint32_t *tok_len;         /* [n_vocab] */
    uint32_t n_merges;
    const int32_t *merges; /* [2 * n_merges] (left, right) pairs, little-endian in the file */
    /* open-addressing hash from (left, right) to merge index */
    uint64_t *pair_keys; /* (left << 32 | right) + 1, 0 = empty */
    uint32_t *pair_vals;
    uint32_t pair_cap; /* power of two */
    /* known words, sorted by bytes (memcmp, shorter first on a shared prefix) */
    uint32_t n_known;
    const uint8_t **known; /* [n_known] */
    uint32_t *known_len;   /* [n_known] */
} gft_tokenizer;

/* The prompt lexicon (optional; n = 0 when the file has none). Sources are
 * words joined by single spaces, sorted by bytes; all pointers into the
 * mapping or owned by the model. */
#define GFT_LEXICON_MAX_SOURCE 255
typedef struct {
    uint32_t n;          /* sources */
    const uint8_t **src; /* [n] */
    uint32_t *src_len;   /* [n] */
    uint32_t *tgt_of;    /* [n] index into tgt */
    uint32_t n_targets;
    const uint8_t **tgt; /* [n_targets] English phrases */
    uint32_t *tgt_len;   /* [n_targets] */
    uint32_t max_words;  /* the most words in one source */
    /* Articles (gft.lexicon.articles; optional) that a reading drops where no
     * source starts, unless no word would be left ("ein roter Apfel" -> "red
     * apple"). Same form and order as src. */
    uint32_t n_articles;
    const uint8_t **articles;
    uint32_t *article_len;
    uint32_t article_max_words;
} gft_lexicon;

struct gft_model {
    /* the file */
    const uint8_t *base; /* mapping or buffer */
    size_t size;
    int mapped;      /* 1: munmap(base) on free */
    void *owned_buf; /* non-NULL: free() on free (unaligned in-memory loads) */

    char *name, *description, *license; /* owned, NUL-terminated, never NULL */
    const char *weight_type;            /* "F32", "F16", "Q8_0", "mixed" */
    uint64_t n_params;

    gft_hparams hp;
    gft_tokenizer tok;
    gft_lexicon lex;

    gft_tensor text_emb, text_pos, img_emb, img_row, img_col;
    gft_layer *layers; /* [n_layer], owned */
    gft_tensor out_norm, head;

    gft_tensor vq_codebook;
    gft_tensor dec_conv_in_w, dec_conv_in_b;
    gft_dec_level dec_levels[GFT_DEC_MAX_LEVELS];
    gft_tensor dec_norm_out_w, dec_norm_out_b, dec_conv_out_w, dec_conv_out_b;

    /* the reranker (data NULL when the file has none) */
    gft_tensor rr_conv_w[GFT_RR_MAX_CONVS], rr_conv_b[GFT_RR_MAX_CONVS];
    gft_tensor rr_img_proj_w, rr_img_proj_b, rr_text_emb, rr_text_proj_w, rr_text_proj_b;

    /* the 2x upscaler (data NULL when the file has none) and its prepared
     * convs (upscale.c) */
    gft_tensor up_conv_w[GFT_UP_MAX_CONVS], up_conv_b[GFT_UP_MAX_CONVS];
    struct gft_up_convs *up_convs;

    /* lazily computed file fingerprint (gft_model_fingerprint) */
    atomic_int fingerprint_state; /* 0 none, 1 computing, 2 ready */
    char fingerprint[17];

    /* the transformer's matrices repacked for the int8 kernel (model_pack.c) */
    void *packed_buf;
    /* the decoder's conv weights in its convs' layouts (dec_convs.c) */
    struct gft_dec_convs *dec_convs;

    /* owned storage for tensor names, tables etc., freed with the model */
    void *arena;
};

/* error helper: snprintf into err if err && size */
void gft_set_error(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* IEEE half <-> float */
float gft_f16_to_f32(uint16_t h);
uint16_t gft_f32_to_f16(float f);

/* Converts row `row` of a 2-D (or flattened) tensor of any supported type to
 * F32 (ne[0] floats). */
void gft_tensor_row_f32(const gft_tensor *t, int64_t row, float *out);

/* text (engine/text_normalize.c, engine/tokenizer.c) */
/* Normalises UTF-8 text per docs/model-format.md into out (NUL-terminated);
 * returns the byte length. out_size >= 1025 is always enough. */
size_t gft_normalize_text(const char *text, char *out, size_t out_size);

/* Builds the T-long prefix ids for text (NULL/"" = null prompt). */
void gft_build_prefix(const gft_model *m, const char *text, int32_t *prefix /* [text_ctx] */);

#endif /* GFT_INTERNAL_H */
