/* Q8_0 weights times int8 activations: the decode loop's matrix products on
 * CPUs with AVX-512 VNNI, AVX-VNNI, or AVX2 alone (the same integer sums from
 * VPMADDUBSW and VPMADDWD).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why: at 2-8 rows the Q8_0 x F32 kernel is bound by arithmetic (16
 * multiply-adds per FMA). Each activation row is quantised to int8 in blocks
 * of 32 with one scale per block, as Q8_0 stores the weights, and VPDPBUSD
 * then does 64 multiply-adds per instruction.
 *
 * Packed layout ("Q8_0x16"), made once at load time: the matrix in groups of
 * 16 outputs. Group g, input block b is 544 bytes: the 16 outputs' F16
 * scales, then 8 chunks of 64 bytes, chunk k holding at bytes 4j..4j+3 the
 * weights + 128 (as unsigned bytes) of output 16g + j at inputs
 * 32b + 4k .. 32b + 4k + 3. One 64-byte load then feeds 16 outputs.
 *
 * Arithmetic, the same bits on every path, batch size, row position, output
 * range and thread count:
 *   S     = sum over the block of w * q          (exact, in int32)
 *   acc   = fmaf((float)S, d_w * d_x, acc)       (blocks in increasing order)
 * The activation block's scale is d_x = amax / 127 and q = round-to-nearest-
 * even(x * (127 / amax)); a block holding an infinity or NaN gets d_x = NaN,
 * so its outputs are NaN as the F32 path's would be. */
#ifndef GFT_KERNELS_Q8I8_H
#define GFT_KERNELS_Q8I8_H

#include "gft_internal.h"
#include "kernels.h"

#include <stddef.h>
#include <stdint.h>

#define GFT_Q8X16_OUTS 16

/* Activation rows quantised for the packed kernel. */
struct gft_qrows {
    int8_t *q;  /* [rows][n] */
    float *d;   /* [rows][n / 32] block scales */
    int32_t *c; /* [rows][n / 32] -128 * (sum of the block's q): undoes the +128 */
    int cap_rows;
    int64_t cap_n;
    int64_t n; /* the quantised rows' length */
};

/* 1 when this build has the packed kernel (AVX-512 VNNI; AVX-VNNI or AVX2
 * with 256-bit vectors); 0 otherwise, and then nothing is packed and the
 * Q8_0 x F32 kernel runs. */
int gft_q8x16_available(void);
/* "AVX-512 VNNI", "AVX-VNNI", "AVX2" or "none" */
const char *gft_q8x16_isa(void);

/* Bytes of w packed, or 0 when w cannot be packed (not Q8_0, or outputs not a
 * multiple of 16). */
size_t gft_q8x16_size(const gft_tensor *w);
/* Packs w into dst (gft_q8x16_size(w) bytes, 64-byte aligned). */
void gft_q8x16_pack(const gft_tensor *w, void *dst);

/* Scratch for rows x n activations (zeroed state on failure: returns 0). */
int gft_qrows_alloc(gft_qrows *q, int rows, int64_t n);
void gft_qrows_free(gft_qrows *q);

/* Quantises R rows of n floats (n a multiple of 32, R <= cap_rows,
 * n <= cap_n). */
void gft_quantize_rows(const float *x, int64_t ldx, int R, int64_t n, gft_qrows *q);

/* For o in [o0, o1) and r in [0, R): y[r * ldy + o] (epi) W x_r, with W =
 * w->packed and x the rows in q (GFT_EPI_GELU is not taken here: store, then
 * apply it). */
void gft_matmul_q8x16_range(const gft_tensor *w, const gft_qrows *q, int R, float *y, int64_t ldy,
                            int64_t o0, int64_t o1, gft_epilogue epi);

#endif
