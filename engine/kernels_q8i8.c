/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Q8_0 x int8 matrix products over the packed layout (kernels_q8i8.h). */
#include "kernels_q8i8.h"

#include "dot_u8s8.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* 512: AVX-512 VNNI (Ice Lake and later Xeons, Zen 4); 256: AVX-VNNI
 * (Alder Lake and later desktops), or AVX2 alone (Haswell to Comet Lake, Zen 1
 * to 3), which makes the same integer sums without VPDPBUSD (INT8_AVX2,
 * dot_u8s8.h); 0: no kernel, nothing is packed. */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define VNNI_WIDTH 512
#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define VNNI_WIDTH 256
#if !defined(__AVXVNNI__)
#define INT8_AVX2 1
#endif
#else
#define VNNI_WIDTH 0
#endif

/* one (group, block) of the packed layout: 16 F16 scales, 8 chunks of 64 */
#define PACK_SCALES (GFT_Q8X16_OUTS * 2)
#define PACK_BLOCK (PACK_SCALES + GFT_Q8X16_OUTS * GFT_Q8_0_BLOCK)

int gft_q8x16_available(void)
{
    return VNNI_WIDTH != 0;
}

const char *gft_q8x16_isa(void)
{
#if defined(INT8_AVX2)
    return "AVX2";
#else
    return VNNI_WIDTH == 512 ? "AVX-512 VNNI" : VNNI_WIDTH == 256 ? "AVX-VNNI" : "none";
#endif
}

size_t gft_q8x16_size(const gft_tensor *w)
{
    if (w->type != GFT_TYPE_Q8_0 || w->ne[2] != 1 || w->ne[3] != 1 ||
        w->ne[0] % GFT_Q8_0_BLOCK != 0 || w->ne[1] % GFT_Q8X16_OUTS != 0)
        return 0;
    return (size_t)(w->ne[1] / GFT_Q8X16_OUTS) * (size_t)(w->ne[0] / GFT_Q8_0_BLOCK) * PACK_BLOCK;
}

void gft_q8x16_pack(const gft_tensor *w, void *dst)
{
    int64_t nb = w->ne[0] / GFT_Q8_0_BLOCK, n_groups = w->ne[1] / GFT_Q8X16_OUTS;
    const gft_block_q8_0 *src = w->data;
    uint8_t *out = dst;
    for (int64_t g = 0; g < n_groups; g++)
        for (int64_t b = 0; b < nb; b++, out += PACK_BLOCK)
            for (int j = 0; j < GFT_Q8X16_OUTS; j++) {
                const gft_block_q8_0 *blk = &src[(g * GFT_Q8X16_OUTS + j) * nb + b];
                memcpy(out + 2 * j, &blk->d, 2);
                for (int k = 0; k < 8; k++)
                    for (int t = 0; t < 4; t++)
                        out[PACK_SCALES + 64 * k + 4 * j + t] =
                            (uint8_t)((int)blk->qs[4 * k + t] + 128);
            }
}

int gft_qrows_alloc(gft_qrows *q, int rows, int64_t n)
{
    memset(q, 0, sizeof *q);
    size_t nq = (size_t)rows * (size_t)n, nb = nq / GFT_Q8_0_BLOCK + 1;
    q->q = aligned_alloc(64, (nq + 63) / 64 * 64 + 64);
    q->d = malloc(nb * sizeof *q->d);
    q->c = malloc(nb * sizeof *q->c);
    if (!q->q || !q->d || !q->c) {
        gft_qrows_free(q);
        return 0;
    }
    q->cap_rows = rows;
    q->cap_n = n;
    return 1;
}

void gft_qrows_free(gft_qrows *q)
{
    free(q->q);
    free(q->d);
    free(q->c);
    memset(q, 0, sizeof *q);
}

/* One block of 32: the scale, the codes and the +128 correction. */
static void quantize_block(const float *p, int8_t *qs, float *d, int32_t *c)
{
#if VNNI_WIDTH == 512
    __m512 a0 = _mm512_abs_ps(_mm512_loadu_ps(p)), a1 = _mm512_abs_ps(_mm512_loadu_ps(p + 16));
    /* unordered or above FLT_MAX: NaN or an infinity */
    __mmask16 bad = _mm512_cmp_ps_mask(a0, _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ) |
                    _mm512_cmp_ps_mask(a1, _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ);
    float amax = bad ? 0.0f : _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
#elif VNNI_WIDTH == 256
    __m256 a[4], big = _mm256_set1_ps(FLT_MAX);
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        a[i] = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(p + 8 * i));
        bad |= _mm256_movemask_ps(_mm256_cmp_ps(a[i], big, _CMP_NLE_UQ));
    }
    __m256 m8 = _mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3]));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float amax = bad ? 0.0f : _mm_cvtss_f32(m4);
#else
    int bad = 0;
    float amax = 0.0f;
    for (int i = 0; i < GFT_Q8_0_BLOCK; i++) {
        float a = fabsf(p[i]);
        if (!(a <= FLT_MAX))
            bad = 1;
        else if (a > amax)
            amax = a;
    }
#endif
    if (bad || amax == 0.0f) {
        memset(qs, 0, GFT_Q8_0_BLOCK);
        *d = bad ? NAN : 0.0f;
        *c = 0;
        return;
    }
    float id = 127.0f / amax;
    *d = amax / 127.0f;
#if VNNI_WIDTH == 512
    const int rne = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    __m512i q0 =
        _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_loadu_ps(p), _mm512_set1_ps(id)), rne);
    __m512i q1 =
        _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_loadu_ps(p + 16), _mm512_set1_ps(id)), rne);
    /* |x * id| <= 127 up to rounding, so the saturating packs never clip */
    _mm_storeu_si128((__m128i *)qs, _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128((__m128i *)(qs + 16), _mm512_cvtsepi32_epi8(q1));
    *c = -128 * _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
#elif VNNI_WIDTH == 256
    __m256i q[4];
    for (int i = 0; i < 4; i++) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(p + 8 * i), _mm256_set1_ps(id));
        q[i] =
            _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    /* the packs work per 128-bit lane: put the 8 groups of 4 back in order */
    __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)qs, b);
    __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    *c = -128 * _mm_cvtsi128_si32(s4);
#else
    int32_t sum = 0;
    for (int i = 0; i < GFT_Q8_0_BLOCK; i++) {
        float v = nearbyintf(p[i] * id);
        int q = v > 127.0f ? 127 : v < -127.0f ? -127 : (int)v;
        qs[i] = (int8_t)q;
        sum += q;
    }
    *c = -128 * sum;
#endif
}

void gft_quantize_rows(const float *x, int64_t ldx, int R, int64_t n, gft_qrows *q)
{
    int64_t nb = n / GFT_Q8_0_BLOCK;
    q->n = n;
    for (int r = 0; r < R; r++)
        for (int64_t b = 0; b < nb; b++)
            quantize_block(x + r * ldx + b * GFT_Q8_0_BLOCK, q->q + r * n + b * GFT_Q8_0_BLOCK,
                           q->d + r * nb + b, q->c + r * nb + b);
}

static inline float store_epi(gft_epilogue epi, float old, float s)
{
    return epi == GFT_EPI_ADD ? old + s : s;
}

/* Output j of one group for one row, one scalar at a time (the same bits as
 * the vector kernel: exact integer sums, then the same float operations). */
static float dot_scalar(const uint8_t *group, int64_t nb, int j, const gft_qrows *q, int r)
{
    const int8_t *xq = q->q + r * q->n;
    const float *dx = q->d + r * nb;
    const int32_t *cx = q->c + r * nb;
    float acc = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = group + b * PACK_BLOCK;
        int32_t s = cx[b];
        for (int k = 0; k < 8; k++)
            for (int t = 0; t < 4; t++)
                s += (int32_t)blk[PACK_SCALES + 64 * k + 4 * j + t] *
                     (int32_t)xq[b * GFT_Q8_0_BLOCK + 4 * k + t];
        uint16_t h;
        memcpy(&h, blk + 2 * j, 2);
        acc = fmaf((float)s, gft_half_to_float(h) * dx[b], acc);
    }
    return acc;
}

#if VNNI_WIDTH == 512
/* 16 outputs of one group for NR (1, 2 or 4) rows starting at row r. The
 * group's weights (n_in bytes per output) stay in L1 while the caller walks
 * its rows. Each row sums its block's first and second 16 inputs in two
 * accumulators: VPDPBUSD's latency is several cycles, and one chain per row
 * left the unit idle at 1 or 2 rows. Integer sums wrap the same way in any
 * order, so the split gives the same bits. */
static inline __attribute__((always_inline)) void group_rows(const uint8_t *group, int64_t nb,
                                                             const gft_qrows *q, int r, int NR,
                                                             float *y, int64_t ldy,
                                                             gft_epilogue epi)
{
    __m512 acc[4];
    const int8_t *xq[4];
    const float *dx[4];
    const int32_t *cx[4];
    for (int i = 0; i < NR; i++) {
        acc[i] = _mm512_setzero_ps();
        xq[i] = q->q + (r + i) * q->n;
        dx[i] = q->d + (r + i) * nb;
        cx[i] = q->c + (r + i) * nb;
    }
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = group + b * PACK_BLOCK;
        __m512i s[4][2];
        for (int i = 0; i < NR; i++) {
            s[i][0] = _mm512_set1_epi32(cx[i][b]);
            s[i][1] = _mm512_setzero_si512();
        }
        for (int k = 0; k < 8; k++) {
            __m512i wv = _mm512_loadu_si512(blk + PACK_SCALES + 64 * k);
            for (int i = 0; i < NR; i++) {
                int32_t x4;
                memcpy(&x4, xq[i] + b * GFT_Q8_0_BLOCK + 4 * k, 4);
                s[i][k / 4] = _mm512_dpbusd_epi32(s[i][k / 4], wv, _mm512_set1_epi32(x4));
            }
        }
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)blk));
        for (int i = 0; i < NR; i++)
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s[i][0], s[i][1])),
                                     _mm512_mul_ps(dw, _mm512_set1_ps(dx[i][b])), acc[i]);
    }
    for (int i = 0; i < NR; i++) {
        float *yo = y + (r + i) * ldy;
        if (epi == GFT_EPI_ADD)
            acc[i] = _mm512_add_ps(_mm512_loadu_ps(yo), acc[i]);
        _mm512_storeu_ps(yo, acc[i]);
    }
}

#elif VNNI_WIDTH == 256
/* The same with 256-bit vectors: each group as two halves of 8 outputs. */
static inline __attribute__((always_inline)) void group_rows(const uint8_t *group, int64_t nb,
                                                             const gft_qrows *q, int r, int NR,
                                                             float *y, int64_t ldy,
                                                             gft_epilogue epi)
{
    __m256 acc[2][2];
    const int8_t *xq[2];
    const float *dx[2];
    const int32_t *cx[2];
    for (int i = 0; i < NR; i++) {
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
        xq[i] = q->q + (r + i) * q->n;
        dx[i] = q->d + (r + i) * nb;
        cx[i] = q->c + (r + i) * nb;
    }
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = group + b * PACK_BLOCK;
        __m256i s[2][2];
        for (int i = 0; i < NR; i++)
            s[i][0] = s[i][1] = _mm256_set1_epi32(gft_u8s8_start(cx[i][b]));
        for (int k = 0; k < 8; k++) {
            gft_u8x32 w0 = gft_u8x32_load(blk + PACK_SCALES + 64 * k);
            gft_u8x32 w1 = gft_u8x32_load(blk + PACK_SCALES + 64 * k + 32);
            for (int i = 0; i < NR; i++) {
                int32_t x4;
                memcpy(&x4, xq[i] + b * GFT_Q8_0_BLOCK + 4 * k, 4);
                __m256i xb = _mm256_set1_epi32(x4);
                s[i][0] = gft_dot4(s[i][0], w0, xb);
                s[i][1] = gft_dot4(s[i][1], w1, xb);
            }
        }
        __m256 dw[2] = {_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk)),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16)))};
        for (int i = 0; i < NR; i++)
            for (int h = 0; h < 2; h++)
                acc[i][h] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[i][h]),
                                    _mm256_mul_ps(dw[h], _mm256_set1_ps(dx[i][b])), acc[i][h]);
    }
    for (int i = 0; i < NR; i++)
        for (int h = 0; h < 2; h++) {
            float *yo = y + (r + i) * ldy + 8 * h;
            if (epi == GFT_EPI_ADD)
                acc[i][h] = _mm256_add_ps(_mm256_loadu_ps(yo), acc[i][h]);
            _mm256_storeu_ps(yo, acc[i][h]);
        }
}
#endif

#if VNNI_WIDTH != 0
static void group_rows_1(const uint8_t *g, int64_t nb, const gft_qrows *q, int r, float *y,
                         int64_t ldy, gft_epilogue epi)
{
    group_rows(g, nb, q, r, 1, y, ldy, epi);
}

static void group_rows_2(const uint8_t *g, int64_t nb, const gft_qrows *q, int r, float *y,
                         int64_t ldy, gft_epilogue epi)
{
    group_rows(g, nb, q, r, 2, y, ldy, epi);
}
#endif
#if VNNI_WIDTH == 512
static void group_rows_4(const uint8_t *g, int64_t nb, const gft_qrows *q, int r, float *y,
                         int64_t ldy, gft_epilogue epi)
{
    group_rows(g, nb, q, r, 4, y, ldy, epi);
}
#endif

void gft_matmul_q8x16_range(const gft_tensor *w, const gft_qrows *q, int R, float *y, int64_t ldy,
                            int64_t o0, int64_t o1, gft_epilogue epi)
{
    int64_t nb = w->ne[0] / GFT_Q8_0_BLOCK;
    const uint8_t *packed = w->packed;
    size_t group_bytes = (size_t)nb * PACK_BLOCK;
    for (int64_t o = o0; o < o1;) {
        int64_t g = o / GFT_Q8X16_OUTS, g_end = (g + 1) * GFT_Q8X16_OUTS;
        const uint8_t *group = packed + (size_t)g * group_bytes;
#if VNNI_WIDTH != 0
        if (o == g * GFT_Q8X16_OUTS && g_end <= o1) { /* a whole group */
            int r = 0;
#if VNNI_WIDTH == 512
            for (; r + 4 <= R; r += 4)
                group_rows_4(group, nb, q, r, y + o, ldy, epi);
#endif
            for (; r + 2 <= R; r += 2)
                group_rows_2(group, nb, q, r, y + o, ldy, epi);
            if (r < R)
                group_rows_1(group, nb, q, r, y + o, ldy, epi);
            o = g_end;
            continue;
        }
#endif
        int64_t e = g_end < o1 ? g_end : o1;
        for (; o < e; o++)
            for (int r = 0; r < R; r++) {
                float *yo = y + r * ldy + o;
                *yo = store_epi(epi, *yo, dot_scalar(group, nb, (int)(o % GFT_Q8X16_OUTS), q, r));
            }
    }
}
