/* The generation context's internals (engine/context.c, transformer.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONTEXT_H
#define GFT_CONTEXT_H

#include "gft_internal.h"
#include "kernels_q8i8.h"
#include "rerank.h"
#include "sampler.h"
#include "threadpool.h"
#include "upscale.h"
#include "vqdecoder.h"

/* Prefix K/V slots: the conditional prompt and the unconditional one, each
 * shared by every decode row that uses it. */
#define GFT_TF_SLOTS 2
#define GFT_TF_MAX_ROWS (2 * GFT_MAX_VARIATIONS)

/* Transformer state: KV cache and scratch for up to rows_cap rows. */
typedef struct {
    const gft_model *m;
    int d, n_ff, n_head, hd, T, N, L, K; /* L = T + N positions */
    int rows_cap;                        /* rows the KV cache and scratch hold */
    int scratch_rows;                    /* max(rows_cap, T): rows of x/h/q/att/ff */
    /* KV cache in per-head segments (transformer.c, "KV cache layout"):
     * int8 when kv_q8, else F16 when kv_f16, else F32. kc/vc: the image
     * positions of each row, [n_layer][rows_cap][n_head]; kp/vp: the prefix
     * slots, [n_layer][GFT_TF_SLOTS][n_head]. With int8, kcs/vcs and kps/vps
     * hold one scale per position of each segment (N resp. T floats). */
    void *kc, *vc, *kp, *vp;
    float *kcs, *vcs, *kps, *vps;
    int8_t *q8;                    /* int8: each attention task's query codes, [rows][n_head][hd] */
    int16_t *wq;                   /* int8: each task's int16 weights, [rows][n_head][L + 2] */
    int row_slot[GFT_TF_MAX_ROWS]; /* the prefix slot each decode row reads */
    int kv_f16;                    /* Q8_0 models: their weights' rounding dwarfs the cache's */
    int kv_q8;                     /* with the int8 kernel: K/V as int8, a scale per position */
    float *kn, *vn;                /* [rows][d] new K/V before conversion to F16 */
    float *x, *h, *q, *att, *ff, *logits, *scores;
    gft_qrows qx; /* x quantised for the int8 kernel (packed models) */
    /* the null prompt's prefix K/V [n_layer][T][d], computed once */
    float *null_k, *null_v;
    int have_null;
} gft_tf;

struct gft_context {
    const gft_model *model;
    char err[GFT_ERROR_SIZE];
    gft_pool *pool;
    int pool_threads;
    gft_tf tf;
    gft_vqdec *dec;
    gft_sampler_scratch sampler;
    gft_rerank *rr;   /* NULL when the model has no reranker */
    gft_upscaler *up; /* NULL when the model has no upscaler */
    /* the generation in progress, for previews */
    int gen_active;
    int gen_n_var, gen_n_cand;
    int32_t *gen_tokens; /* [GFT_MAX_VARIATIONS][gen_n_cand][N] */
    int gen_filled[GFT_MAX_VARIATIONS];
    int gen_kept[GFT_MAX_VARIATIONS]; /* the candidate a preview shows: 0, then the kept one */
};

/* ---- transformer.c ---- */
int gft_tf_init(gft_tf *tf, const gft_model *m);
void gft_tf_free(gft_tf *tf);
/* Makes room for `rows` decode rows; 0 on out of memory. */
int gft_tf_reserve(gft_tf *tf, int rows);
/* Runs the T prefix ids; writes K and V for every layer ([n_layer][T][d]). */
void gft_tf_prefix(gft_tf *tf, gft_pool *pool, const int32_t *ids, float *k_out, float *v_out);
/* Points the null prompt's prefix (computed on first use) into *k, *v. */
void gft_tf_null_prefix(gft_tf *tf, gft_pool *pool, const float **k, const float **v);
/* Copies a prefix K/V into prefix slot `slot` (0 .. GFT_TF_SLOTS - 1). */
void gft_tf_load_prefix(gft_tf *tf, int slot, const float *k, const float *v);
/* Decode row `row` attends to the prefix in slot `slot`. */
void gft_tf_bind_row(gft_tf *tf, int row, int slot);
/* One decode step at image position j (0-based) for rows 0..B-1, whose
 * inputs are in_tok[b] (codebook_size = <bos_image>). Logits go to
 * tf->logits [B][K]. */
void gft_tf_step(gft_tf *tf, gft_pool *pool, int B, int j, const int32_t *in_tok);

#endif
