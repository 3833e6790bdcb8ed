/* Attention over the int8 KV cache (the decode cache with the int8 kernel).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why: at 8 and more rows the F32 attention spent three instructions
 * widening each cached int8 value for every multiply-add. Here the scores
 * are integer dot products (VPDPBUSD, 64 multiply-adds per instruction) and
 * the values integer sums of 16-bit weights times the int8 values
 * (VPDPWSSD, 32 per instruction).
 *
 * Quantisation, the matrix inputs' rule (kernels_q8i8.h) per vector: x of n values becomes
 * q = round-half-even(x * (127 / amax)) with the scale d = amax / 127 (zero
 * when amax is 0; NaN, with q = 0, when x holds an infinity or a NaN).
 * K, V and the query are each quantised per position and head.
 *
 * Layouts of one head's segment (positions 0 .. n_pos - 1, n features):
 *   K: blocks of GFT_KBLK positions, each n / 4 groups of 64 bytes; group g
 *      of block b holds at byte 4l + t the value q + 128 (an unsigned byte)
 *      of feature 4g + t of position GFT_KBLK * b + l (gft_attn_k_q8_at);
 *   V: pairs of positions, each n features x 2 bytes; feature i of
 *      position p is the signed byte at (p / 2) * 2n + 2i + p % 2.
 *
 * Arithmetic (the same bits on every path and thread count):
 *   score[p] = ((float)S_p * (d_q * d_k[p])) / div,
 *     S_p = sum_i q[i] * k[p][i] (exact in int32);
 *   the weights w'[p] = w[p] * d_v[p] of both segments are quantised together
 *     to int16: W[p] = round-half-even(w'[p] * ((float)C / wmax)), wmax the
 *     largest |w'|, C = min(32767, 16909320 / n_positions) (so the sums stay
 *     in int32);
 *   o[i] = (float)(sum_p W[p] * v[p][i]) * (wmax / (float)C).
 * A non-finite w' (a NaN or infinite K, V or score) makes every o[i] NaN. */
#ifndef GFT_ATTN_Q8_H
#define GFT_ATTN_Q8_H

#include "kernels.h"

#include <stddef.h>
#include <stdint.h>

/* Byte offsets of feature i of position p in a K or V segment (n features;
 * n a multiple of 4). */
size_t gft_attn_k_q8_at(int p, int i, int n);
size_t gft_attn_v_q8_at(int p, int i, int n);
/* Bytes of a segment of n_pos positions (K: whole blocks; V: whole pairs). */
size_t gft_attn_k_q8_size(int n_pos, int n);
size_t gft_attn_v_q8_size(int n_pos, int n);

/* Stores position p's n values x into a K (or V) segment; returns the
 * position's scale. */
float gft_attn_put_k_q8(uint8_t *k, int p, int n, const float *x);
float gft_attn_put_v_q8(int8_t *v, int p, int n, const float *x);

/* The query of one head: q8 (n bytes) and *dq; returns 128 * sum(q8), which
 * the scores subtract for the +128 the K bytes carry. */
int32_t gft_attn_query_q8(const float *q, int n, int8_t *q8, float *dq);

/* s[p] for p < n_pos from a K segment with scales dk (n a multiple of 4). */
void gft_attn_scores_q8(const int8_t *q8, float dq, int32_t qsum128, const uint8_t *k,
                        const float *dk, int n_pos, int n, float div, float *s);

/* o[0 .. n - 1] from the weights of two V segments (w0/dv0/v0: n0 positions,
 * then w1/dv1/v1: n1), as one sum over n0 + n1 positions. wq: scratch of
 * n0 + n1 + 2 int16. */
void gft_attn_values_q8(const float *w0, const float *dv0, const int8_t *v0, int n0,
                        const float *w1, const float *dv1, const int8_t *v1, int n1, int n,
                        int16_t *wq, float *o);

#endif
