/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attention over the int8 KV cache (attn_q8.h). */
#include "attn_q8.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define ATTN_WIDTH 512
#elif defined(__AVX2__)
#define ATTN_WIDTH 256
#endif
#if !defined(ATTN_WIDTH)
#define ATTN_WIDTH 0
#endif

#if ATTN_WIDTH == 256
#include "dot_u8s8.h" /* VPDPBUSD / VPDPWSSD, or the same sums on AVX2 */
#endif

/* 127 * sum |W| must stay in int32: C * n_positions <= 16909320 */
#define WEIGHT_BUDGET 16909320
/* features summed at a time (the int32 sums stay in registers) */
#define VALUE_CHUNK 64

size_t gft_attn_k_q8_at(int p, int i, int n)
{
    return (size_t)(p / GFT_KBLK) * GFT_KBLK * (size_t)n + (size_t)(i / 4) * 4 * GFT_KBLK +
           (size_t)(p % GFT_KBLK) * 4 + (size_t)(i % 4);
}

size_t gft_attn_v_q8_at(int p, int i, int n)
{
    return (size_t)(p / 2) * 2 * (size_t)n + 2 * (size_t)i + (size_t)(p % 2);
}

size_t gft_attn_k_q8_size(int n_pos, int n)
{
    return (size_t)(n_pos + GFT_KBLK - 1) / GFT_KBLK * GFT_KBLK * (size_t)n;
}

size_t gft_attn_v_q8_size(int n_pos, int n)
{
    return (size_t)(n_pos + 1) / 2 * 2 * (size_t)n;
}

/* The scale of x and the factor that maps it to codes (the rule above). */
static float quant_scale(const float *x, int n, float *inv)
{
    float amax = 0.0f;
    int finite = 1;
    for (int i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        finite &= isfinite(a) != 0;
        amax = a > amax ? a : amax;
    }
    if (!finite) {
        *inv = 0.0f;
        return NAN;
    }
    *inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    return amax / 127.0f;
}

static int quant_code(float x, float inv)
{
    return inv == 0.0f ? 0 : (int)nearbyintf(x * inv); /* |x * inv| <= 127 */
}

float gft_attn_put_k_q8(uint8_t *k, int p, int n, const float *x)
{
    float inv, d = quant_scale(x, n, &inv);
    uint8_t *at = k + gft_attn_k_q8_at(p, 0, n); /* feature i: + (i / 4) * 64 + i % 4 */
    for (int i = 0; i < n; i++)
        at[(i / 4) * 4 * GFT_KBLK + i % 4] = (uint8_t)(quant_code(x[i], inv) + 128);
    return d;
}

float gft_attn_put_v_q8(int8_t *v, int p, int n, const float *x)
{
    float inv, d = quant_scale(x, n, &inv);
    int8_t *at = v + gft_attn_v_q8_at(p, 0, n); /* feature i: + 2i */
    for (int i = 0; i < n; i++)
        at[2 * i] = (int8_t)quant_code(x[i], inv);
    return d;
}

int32_t gft_attn_query_q8(const float *q, int n, int8_t *q8, float *dq)
{
    float inv;
    *dq = quant_scale(q, n, &inv);
    int32_t sum = 0;
    for (int i = 0; i < n; i++) {
        q8[i] = (int8_t)quant_code(q[i], inv);
        sum += q8[i];
    }
    return 128 * sum;
}

/* ---- scores --------------------------------------------------------------- */

#if ATTN_WIDTH == 0
/* Builds without AVX2: one position at a time, ((float)S * (dq * dk)) / div. */
static void scores_plain(const int8_t *q8, float dq, int32_t qsum128, const uint8_t *k,
                         const float *dk, int n_pos, int n, float div, float *s)
{
    for (int p = 0; p < n_pos; p++) {
        const uint8_t *at = k + gft_attn_k_q8_at(p, 0, n);
        int32_t S = -qsum128;
        for (int i = 0; i < n; i++)
            S += (int32_t)at[(i / 4) * 4 * GFT_KBLK + i % 4] * q8[i];
        s[p] = ((float)S * (dq * dk[p])) / div;
    }
}
#endif

#if ATTN_WIDTH == 512
/* Up to four blocks of 16 positions at once, each summed in two chains (even
 * and odd feature groups, added at the end: integers, so exact). The last
 * block may be partial: the segment holds whole blocks, and only positions
 * below n_pos are stored. */
static void scores_vec(const int8_t *q8, float dq, int32_t qsum128, const uint8_t *k,
                       const float *dk, int n_pos, int n, float div, float *s)
{
    const size_t blk = (size_t)GFT_KBLK * (size_t)n;
    const int groups = n / 4, n_blk = (n_pos + GFT_KBLK - 1) / GFT_KBLK;
    for (int b = 0; b < n_blk; b += 4) {
        const int nb = n_blk - b < 4 ? n_blk - b : 4;
        const uint8_t *kb = k + (size_t)b * blk;
        __m512i a[4], e[4];
        for (int j = 0; j < 4; j++) {
            a[j] = _mm512_set1_epi32(-qsum128);
            e[j] = _mm512_setzero_si512();
        }
        int g = 0;
        for (; g + 2 <= groups; g += 2) {
            int32_t x4, y4;
            memcpy(&x4, q8 + 4 * g, 4);
            memcpy(&y4, q8 + 4 * g + 4, 4);
            __m512i xb = _mm512_set1_epi32(x4), yb = _mm512_set1_epi32(y4);
            const uint8_t *kg = kb + (size_t)g * 64;
            for (int j = 0; j < 4; j++)
                if (j < nb) {
                    a[j] = _mm512_dpbusd_epi32(a[j], _mm512_loadu_si512(kg + (size_t)j * blk), xb);
                    e[j] = _mm512_dpbusd_epi32(e[j], _mm512_loadu_si512(kg + (size_t)j * blk + 64),
                                               yb);
                }
        }
        if (g < groups) {
            int32_t x4;
            memcpy(&x4, q8 + 4 * g, 4);
            __m512i xb = _mm512_set1_epi32(x4);
            for (int j = 0; j < nb; j++)
                a[j] = _mm512_dpbusd_epi32(
                    a[j], _mm512_loadu_si512(kb + (size_t)j * blk + (size_t)g * 64), xb);
        }
        for (int j = 0; j < nb; j++) {
            int p = (b + j) * GFT_KBLK, m = n_pos - p < GFT_KBLK ? n_pos - p : GFT_KBLK;
            __mmask16 live = (__mmask16)((1u << m) - 1);
            __m512 sc = _mm512_mul_ps(_mm512_set1_ps(dq), _mm512_maskz_loadu_ps(live, dk + p));
            __m512 S = _mm512_cvtepi32_ps(_mm512_add_epi32(a[j], e[j]));
            _mm512_mask_storeu_ps(s + p, live,
                                  _mm512_div_ps(_mm512_mul_ps(S, sc), _mm512_set1_ps(div)));
        }
    }
}
#elif ATTN_WIDTH == 256
/* Each block of 16 positions as two halves of 8; the last block partial (the
 * segment holds whole blocks, and only positions below n_pos are stored). */
static void scores_vec(const int8_t *q8, float dq, int32_t qsum128, const uint8_t *k,
                       const float *dk, int n_pos, int n, float div, float *s)
{
    const size_t blk = (size_t)GFT_KBLK * (size_t)n;
    const int groups = n / 4;
    for (int b = 0; b * GFT_KBLK < n_pos; b++) {
        const uint8_t *kb = k + (size_t)b * blk;
        __m256i a0 = _mm256_set1_epi32(gft_u8s8_start(-qsum128)), a1 = a0;
        for (int g = 0; g < groups; g++) {
            int32_t x4;
            memcpy(&x4, q8 + 4 * g, 4);
            __m256i xb = _mm256_set1_epi32(x4);
            const __m256i *kg = (const __m256i *)(kb + (size_t)g * 64);
            a0 = gft_dot4(a0, gft_u8x32_load(kg), xb);
            a1 = gft_dot4(a1, gft_u8x32_load(kg + 1), xb);
        }
        int p = b * GFT_KBLK, m = n_pos - p < GFT_KBLK ? n_pos - p : GFT_KBLK;
        float dkb[GFT_KBLK] = {0}, t[GFT_KBLK];
        memcpy(dkb, dk + p, (size_t)m * sizeof *dkb);
        __m256 s0 = _mm256_mul_ps(_mm256_set1_ps(dq), _mm256_loadu_ps(dkb));
        __m256 s1 = _mm256_mul_ps(_mm256_set1_ps(dq), _mm256_loadu_ps(dkb + 8));
        _mm256_storeu_ps(
            t, _mm256_div_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a0), s0), _mm256_set1_ps(div)));
        _mm256_storeu_ps(
            t + 8, _mm256_div_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a1), s1), _mm256_set1_ps(div)));
        memcpy(s + p, t, (size_t)m * sizeof *t);
    }
}
#endif

void gft_attn_scores_q8(const int8_t *q8, float dq, int32_t qsum128, const uint8_t *k,
                        const float *dk, int n_pos, int n, float div, float *s)
{
#if ATTN_WIDTH != 0
    scores_vec(q8, dq, qsum128, k, dk, n_pos, n, div, s);
#else
    scores_plain(q8, dq, qsum128, k, dk, n_pos, n, div, s);
#endif
}

/* ---- values --------------------------------------------------------------- */

/* Largest |w[p] * dv[p]| and m, or NaN when one of them is not finite (a
 * maximum: the same whatever the order). */
static float weight_max(const float *w, const float *dv, int n, float m)
{
    int p = 0;
#if ATTN_WIDTH == 512
    __m512 mv = _mm512_setzero_ps();
    __mmask16 bad = 0;
    for (; p + 16 <= n; p += 16) {
        __m512 a = _mm512_abs_ps(_mm512_mul_ps(_mm512_loadu_ps(w + p), _mm512_loadu_ps(dv + p)));
        bad |= _mm512_cmp_ps_mask(a, _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ); /* NaN or inf */
        mv = _mm512_max_ps(mv, a);
    }
    if (bad)
        return NAN;
    float vm = _mm512_reduce_max_ps(mv);
    m = vm > m ? vm : m;
#endif
    for (; p < n; p++) {
        float a = fabsf(w[p] * dv[p]);
        if (!(a <= FLT_MAX))
            return NAN;
        m = a > m ? a : m;
    }
    return m;
}

/* W for one segment, padded with a zero to whole pairs. */
static void weights_q16(const float *w, const float *dv, int n, float inv, int16_t *wq)
{
    int p = 0;
#if ATTN_WIDTH == 512
    const int rne = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    for (; p + 16 <= n; p += 16) {
        __m512 t = _mm512_mul_ps(_mm512_loadu_ps(w + p), _mm512_loadu_ps(dv + p));
        __m512i c = _mm512_cvt_roundps_epi32(_mm512_mul_ps(t, _mm512_set1_ps(inv)), rne);
        _mm256_storeu_si256((__m256i *)(wq + p), _mm512_cvtsepi32_epi16(c));
    }
#endif
    for (; p < n; p++)
        wq[p] = (int16_t)nearbyintf((w[p] * dv[p]) * inv);
    if (n % 2)
        wq[n] = 0;
}

#if ATTN_WIDTH == 512
/* acc += the pair's two weights (at w) times its 16 features at vp */
static inline __m512i pair_dot(__m512i acc, const int16_t *w, const int8_t *vp)
{
    int32_t w2;
    memcpy(&w2, w, 4);
    return _mm512_dpwssd_epi32(acc, _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)vp)),
                               _mm512_set1_epi32(w2));
}
#elif ATTN_WIDTH == 256
/* acc += the pair's two weights (at w) times its 8 features at vp */
static inline __m256i pair_dot(__m256i acc, const int16_t *w, const int8_t *vp)
{
    int32_t w2;
    memcpy(&w2, w, 4);
    return gft_dot2(acc, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)vp)),
                    _mm256_set1_epi32(w2));
}
#endif

/* acc[i] += sum over the segment's pairs of W * v[i0 + i], for i < m
 * (features i0 .. i0 + m - 1 of n). */
static void values_segment(const int16_t *wq, const int8_t *v, int n_pos, int n, int i0, int m,
                           int32_t *acc)
{
    int pairs = (n_pos + 1) / 2, i = 0;
    const size_t pair_bytes = 2 * (size_t)n;
    v += 2 * (size_t)i0;
#if ATTN_WIDTH == 512
    for (; i + 64 <= m; i += 64) {
        /* even pairs in a, odd pairs in e: two chains per vector of sums */
        __m512i a[4], e[4];
        for (int c = 0; c < 4; c++) {
            a[c] = _mm512_loadu_si512(acc + i + 16 * c);
            e[c] = _mm512_setzero_si512();
        }
        int j = 0;
        for (; j + 2 <= pairs; j += 2) {
            const int8_t *vp = v + (size_t)j * pair_bytes + 2 * (size_t)i;
            for (int c = 0; c < 4; c++) {
                a[c] = pair_dot(a[c], wq + 2 * j, vp + 32 * c);
                e[c] = pair_dot(e[c], wq + 2 * j + 2, vp + pair_bytes + 32 * c);
            }
        }
        for (; j < pairs; j++)
            for (int c = 0; c < 4; c++)
                a[c] =
                    pair_dot(a[c], wq + 2 * j, v + (size_t)j * pair_bytes + 2 * (size_t)i + 32 * c);
        for (int c = 0; c < 4; c++)
            _mm512_storeu_si512(acc + i + 16 * c, _mm512_add_epi32(a[c], e[c]));
    }
    for (; i + 16 <= m; i += 16) {
        __m512i a = _mm512_loadu_si512(acc + i);
        for (int j = 0; j < pairs; j++)
            a = pair_dot(a, wq + 2 * j, v + (size_t)j * pair_bytes + 2 * (size_t)i);
        _mm512_storeu_si512(acc + i, a);
    }
#elif ATTN_WIDTH == 256
    for (; i + 32 <= m; i += 32) {
        __m256i a[4];
        for (int c = 0; c < 4; c++)
            a[c] = _mm256_loadu_si256((const __m256i *)(acc + i + 8 * c));
        for (int j = 0; j < pairs; j++)
            for (int c = 0; c < 4; c++)
                a[c] =
                    pair_dot(a[c], wq + 2 * j, v + (size_t)j * pair_bytes + 2 * (size_t)i + 16 * c);
        for (int c = 0; c < 4; c++)
            _mm256_storeu_si256((__m256i *)(acc + i + 8 * c), a[c]);
    }
#endif
    for (; i < m; i++) {
        int32_t a = acc[i];
        for (int j = 0; j < pairs; j++) {
            const int8_t *vp = v + (size_t)j * pair_bytes + 2 * (size_t)i;
            a += (int32_t)wq[2 * j] * vp[0] + (int32_t)wq[2 * j + 1] * vp[1];
        }
        acc[i] = a;
    }
}

void gft_attn_values_q8(const float *w0, const float *dv0, const int8_t *v0, int n0,
                        const float *w1, const float *dv1, const int8_t *v1, int n1, int n,
                        int16_t *wq, float *o)
{
    float wmax = weight_max(w1, dv1, n1, weight_max(w0, dv0, n0, 0.0f));
    if (isnan(wmax)) {
        for (int i = 0; i < n; i++)
            o[i] = NAN;
        return;
    }
    int total = n0 + n1 > 0 ? n0 + n1 : 1;
    int32_t C = WEIGHT_BUDGET / total < 32767 ? WEIGHT_BUDGET / total : 32767;
    float inv = wmax > 0.0f ? (float)C / wmax : 0.0f;
    int16_t *wq1 = wq + (n0 + 1) / 2 * 2;
    weights_q16(w0, dv0, n0, inv, wq);
    weights_q16(w1, dv1, n1, inv, wq1);
    float back = wmax / (float)C;
    for (int i0 = 0; i0 < n; i0 += VALUE_CHUNK) {
        int m = n - i0 < VALUE_CHUNK ? n - i0 : VALUE_CHUNK;
        int32_t acc[VALUE_CHUNK] = {0};
        values_segment(wq, v0, n0, n, i0, m, acc);
        values_segment(wq1, v1, n1, n, i0, m, acc);
        for (int i = 0; i < m; i++)
            o[i0 + i] = (float)acc[i] * back;
    }
}
