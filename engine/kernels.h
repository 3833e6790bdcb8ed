/* Compute kernels: multi-row matrix-vector products and small row ops.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Determinism: every output element y[r][o] is summed by the same sequence of
 * operations whatever R, the row's place in the batch, the output range or the
 * thread count, so batched and single-row runs give identical bits. */
#ifndef GFT_KERNELS_H
#define GFT_KERNELS_H

#include "gft_internal.h"
#include "threadpool.h"

#include <stdint.h>

typedef enum {
    GFT_EPI_STORE, /* y = W x      */
    GFT_EPI_ADD,   /* y += W x     */
    GFT_EPI_GELU,  /* y = GELU(W x) */
} gft_epilogue;

/* For o in [o0, o1) and r in [0, R):
 *   y[r * ldy + o] (epi) sum_i W[o][i] * x[r * ldx + i]
 * W is a 2-D tensor with ne[0] = inputs, ne[1] = outputs (F32, F16, Q8_0). */
void gft_matmul_range(const gft_tensor *w, const float *x, int64_t ldx, int R, float *y,
                      int64_t ldy, int64_t o0, int64_t o1, gft_epilogue epi);

/* Up to 4 matrices that share the input x; the outputs are split across the
 * pool's threads (over output rows only). Packed matrices (w->packed) take
 * the int8 kernel (engine/kernels_q8i8.h) with x quantised into q once per
 * call; with q NULL or too small they take the Q8_0 x F32 kernel. */
typedef struct gft_qrows gft_qrows;
typedef struct {
    const gft_tensor *w;
    float *y;
    int64_t ldy;
    gft_epilogue epi;
} gft_matmul_out;

void gft_matmul(gft_pool *pool, gft_qrows *q, const float *x, int64_t ldx, int R,
                const gft_matmul_out *outs, int n_outs);

/* out = x / sqrt(mean(x^2) + eps) * g, n floats (out may equal x). */
void gft_rmsnorm(const float *x, const float *g, int64_t n, float eps, float *out);

/* engine/activations.c. exact GELU: 0.5 x (1 + erf(x / sqrt 2)) */
float gft_gelu(float x);
/* GELU in place over n floats: with AVX-512 or AVX2, erf by Abramowitz &
 * Stegun 7.1.26 (absolute error <= 1.5e-7) in vectors, else gft_gelu; each
 * element's result depends on its value only. */
void gft_gelu_inplace(float *y, int64_t n);

/* In place softmax over n floats (max-subtracted; the sum in index order, or
 * with AVX-512 / AVX2 in 16 / 8 lanes folded in a fixed order). */
void gft_softmax(float *x, int64_t n);

/* n floats to F16 (round to nearest even) */
void gft_f32_to_f16_row(const float *x, uint16_t *y, int64_t n);

/* Attention for one head: K/V rows (F32, or F16 when f16) are stride
 * elements apart. s[p] = dot(q, k[p]) / div for p < n_pos (each summed as
 * gft_dot does); o[i] = sum_p w[p] * v[p][i] in increasing p. */
void gft_attn_scores(const float *q, const void *k, int f16, size_t stride, int n_pos, int n,
                     float div, float *s);
/* The same scores from K stored transposed: feature i of position p at
 * k[i * stride + p]; each score is a chain of fused multiply-adds over i. */
void gft_attn_scores_t(const float *q, const void *k, int f16, size_t stride, int n_pos, int n,
                       float div, float *s);
/* kind: 0 F32, 1 F16. */
void gft_attn_values(const float *w, const void *v, int kind, size_t stride, int n_pos, int n,
                     float *o);
/* The same sum continued: o holds the sum over earlier positions (a KV cache
 * split into segments gives the bits of one call over all positions). */
void gft_attn_values_add(const float *w, const void *v, int kind, size_t stride, int n_pos, int n,
                         float *o);

/* Blocked K, the decode cache's layout: positions in blocks of GFT_KBLK,
 * block b holding feature i of position b * GFT_KBLK + l at
 * k[(b * n + i) * GFT_KBLK + l]. Scores as gft_attn_scores_t gives them. */
#define GFT_KBLK 16
void gft_attn_scores_blk(const float *q, const void *k, int f16, int n_pos, int n, float div,
                         float *s);

/* The int8 cache's attention: attn_q8.h. */

/* Half to float without relying on engine/util.c (exact conversion). */
float gft_half_to_float(uint16_t h);

/* Mean and biased variance of n floats, summed in double (two passes). */
void gft_mean_var(const float *x, size_t n, double *mean, double *var);
/* y = SiLU((x - mean) * inv * w + b), n floats (y may equal x); the same
 * arithmetic for every element whatever n or where the row starts. */
void gft_affine_silu(const float *x, float *y, size_t n, float mean, float inv, float w, float b);
#endif
