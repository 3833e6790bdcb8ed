/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The element-wise functions of the forward passes: GELU, softmax and the
 * decoder's GroupNorm affine + SiLU. Vectorised with AVX-512 or AVX2 (erff
 * and expf per element cost a fifth of a generation otherwise); every
 * element goes through the same arithmetic wherever its range starts or
 * ends (masked tails), so results never depend on how work is split. */
#include "kernels.h"
#include "vec_fold.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define ACT_WIDTH 16
typedef __m512 act_v;
typedef __mmask16 act_mask;
#elif defined(__AVX2__) && defined(__FMA__)
#define ACT_WIDTH 8
typedef __m256 act_v;
typedef __m256i act_mask; /* all ones in the live lanes */
#else
#define ACT_WIDTH 0
#endif

float gft_gelu(float x)
{
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
}

#if ACT_WIDTH == 16
static inline act_v v1(float a)
{
    return _mm512_set1_ps(a);
}
static inline act_v v_fma(act_v a, act_v b, act_v c)
{
    return _mm512_fmadd_ps(a, b, c);
}
static inline act_v v_fnma(act_v a, act_v b, act_v c)
{
    return _mm512_fnmadd_ps(a, b, c);
}
static inline act_v v_mul(act_v a, act_v b)
{
    return _mm512_mul_ps(a, b);
}
static inline act_v v_add(act_v a, act_v b)
{
    return _mm512_add_ps(a, b);
}
static inline act_v v_sub(act_v a, act_v b)
{
    return _mm512_sub_ps(a, b);
}
static inline act_v v_div(act_v a, act_v b)
{
    return _mm512_div_ps(a, b);
}
static inline act_v v_abs(act_v a)
{
    return _mm512_abs_ps(a);
}
static inline act_v v_max(act_v a, act_v b)
{
    return _mm512_max_ps(a, b);
}
static inline act_v v_round(act_v a)
{
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* p * 2^n for integral n in [-145, 0] */
static inline act_v v_scale2(act_v p, act_v n)
{
    return _mm512_scalef_ps(p, n);
}
/* a with b's sign bit */
static inline act_v v_copysign(act_v a, act_v b)
{
    return _mm512_castsi512_ps(
        _mm512_or_si512(_mm512_castps_si512(a),
                        _mm512_and_si512(_mm512_castps_si512(b), _mm512_set1_epi32(INT32_MIN))));
}
static inline act_mask v_live(int64_t left)
{
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}
static inline act_v v_load(act_mask m, const float *p)
{
    return _mm512_maskz_loadu_ps(m, p);
}
static inline void v_store(act_mask m, float *p, act_v a)
{
    _mm512_mask_storeu_ps(p, m, a);
}
/* a where the lane is live, else b */
static inline act_v v_select(act_mask m, act_v a, act_v b)
{
    return _mm512_mask_blend_ps(m, b, a);
}
/* a where a < 0, else b */
static inline act_v v_where_negative(act_v v, act_v a, act_v b)
{
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), b, a);
}
static inline float v_fold_sum(act_v a)
{
    return gft_fold_sum16(a);
}
static inline float v_fold_max(act_v a)
{
    return _mm512_reduce_max_ps(a);
}
#elif ACT_WIDTH == 8
static inline act_v v1(float a)
{
    return _mm256_set1_ps(a);
}
static inline act_v v_fma(act_v a, act_v b, act_v c)
{
    return _mm256_fmadd_ps(a, b, c);
}
static inline act_v v_fnma(act_v a, act_v b, act_v c)
{
    return _mm256_fnmadd_ps(a, b, c);
}
static inline act_v v_mul(act_v a, act_v b)
{
    return _mm256_mul_ps(a, b);
}
static inline act_v v_add(act_v a, act_v b)
{
    return _mm256_add_ps(a, b);
}
static inline act_v v_sub(act_v a, act_v b)
{
    return _mm256_sub_ps(a, b);
}
static inline act_v v_div(act_v a, act_v b)
{
    return _mm256_div_ps(a, b);
}
static inline act_v v_abs(act_v a)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a);
}
static inline act_v v_max(act_v a, act_v b)
{
    return _mm256_max_ps(a, b);
}
static inline act_v v_round(act_v a)
{
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* p * 2^n for integral n in [-145, 0], without VSCALEFPS: two exact
 * power-of-two factors of at least 2^-73 (normal numbers), so the product
 * rounds once, where scalef rounds too. */
static inline act_v v_scale2(act_v p, act_v n)
{
    __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1), bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}
static inline act_v v_copysign(act_v a, act_v b)
{
    return _mm256_or_ps(a, _mm256_and_ps(b, _mm256_set1_ps(-0.0f)));
}
static inline act_mask v_live(int64_t left)
{
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left >= 8 ? 8 : (int)left), lane);
}
static inline act_v v_load(act_mask m, const float *p)
{
    return _mm256_maskload_ps(p, m);
}
static inline void v_store(act_mask m, float *p, act_v a)
{
    _mm256_maskstore_ps(p, m, a);
}
static inline act_v v_select(act_mask m, act_v a, act_v b)
{
    return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m));
}
static inline act_v v_where_negative(act_v v, act_v a, act_v b)
{
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
}
static inline float v_fold_sum(act_v a)
{
    return gft_fold_sum8(a);
}
static inline float v_fold_max(act_v a)
{
    return gft_fold_max8(a);
}
#endif

#if ACT_WIDTH != 0
/* exp(x) for x <= 0: Cody-Waite reduction by ln 2, degree-7 Taylor polynomial
 * on |r| <= ln2/2 (error below 1e-8 relative), scaled by 2^n. */
static inline act_v exp_neg(act_v x)
{
    x = v_max(x, v1(-100.0f));
    act_v n = v_round(v_mul(x, v1(1.44269504088896341f)));
    act_v r = v_fnma(n, v1(0.693145751953125f), x);
    r = v_fnma(n, v1(1.428606765330187045e-06f), r);
    act_v p = v1(1.0f / 5040.0f);
    p = v_fma(p, r, v1(1.0f / 720.0f));
    p = v_fma(p, r, v1(1.0f / 120.0f));
    p = v_fma(p, r, v1(1.0f / 24.0f));
    p = v_fma(p, r, v1(1.0f / 6.0f));
    p = v_fma(p, r, v1(0.5f));
    p = v_fma(p, r, v1(1.0f));
    p = v_fma(p, r, v1(1.0f));
    return v_scale2(p, n);
}
#endif

void gft_gelu_inplace(float *y, int64_t n)
{
#if ACT_WIDTH != 0
    /* erf by Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7) */
    const act_v half = v1(0.5f), one = v1(1.0f);
    for (int64_t i = 0; i < n; i += ACT_WIDTH) {
        act_mask m = v_live(n - i);
        act_v x = v_load(m, y + i);
        act_v z = v_mul(x, v1(0.70710678118654752440f));
        act_v a = v_abs(z);
        act_v t = v_div(one, v_fma(a, v1(0.3275911f), one));
        act_v poly = v1(1.061405429f);
        poly = v_fma(poly, t, v1(-1.453152027f));
        poly = v_fma(poly, t, v1(1.421413741f));
        poly = v_fma(poly, t, v1(-0.284496736f));
        poly = v_fma(poly, t, v1(0.254829592f));
        poly = v_mul(poly, t);
        act_v e = exp_neg(v_mul(v_sub(v1(0.0f), a), a));
        act_v erf = v_copysign(v_fnma(poly, e, one), z); /* erf is odd */
        v_store(m, y + i, v_mul(v_mul(half, x), v_add(one, erf)));
    }
#else
    for (int64_t i = 0; i < n; i++)
        y[i] = gft_gelu(y[i]);
#endif
}

void gft_softmax(float *x, int64_t n)
{
#if ACT_WIDTH != 0
    /* exp by exp_neg (error ~1e-7 relative, as expf's float rounding), the
     * sum in the vector's lanes then folded in a fixed order */
    act_v mv = v1(-INFINITY);
    for (int64_t i = 0; i < n; i += ACT_WIDTH) {
        act_mask m = v_live(n - i);
        mv = v_select(m, v_max(mv, v_load(m, x + i)), mv);
    }
    act_v mx = v1(v_fold_max(mv)), acc = v1(0.0f);
    for (int64_t i = 0; i < n; i += ACT_WIDTH) {
        act_mask m = v_live(n - i);
        act_v e = exp_neg(v_sub(v_load(m, x + i), mx));
        v_store(m, x + i, e);
        acc = v_select(m, v_add(acc, e), acc);
    }
    act_v inv = v1(1.0f / v_fold_sum(acc));
    for (int64_t i = 0; i < n; i += ACT_WIDTH) {
        act_mask m = v_live(n - i);
        v_store(m, x + i, v_mul(v_load(m, x + i), inv));
    }
#else
    float mx = x[0];
    for (int64_t i = 1; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++)
        x[i] *= inv;
#endif
}

void gft_affine_silu(const float *x, float *y, size_t n, float mean, float inv, float w, float b)
{
#if ACT_WIDTH != 0
    /* sigmoid(v) = 1 / (1 + e) for v >= 0, e / (1 + e) for v < 0, with
     * e = exp(-|v|) <= 1, so the exponential never overflows */
    const act_v vm = v1(mean), vi = v1(inv), vw = v1(w), vb = v1(b), one = v1(1.0f);
    for (size_t i = 0; i < n; i += ACT_WIDTH) {
        act_mask m = v_live((int64_t)(n - i));
        act_v v = v_add(v_mul(v_mul(v_sub(v_load(m, x + i), vm), vi), vw), vb);
        act_v e = exp_neg(v_sub(v1(0.0f), v_abs(v)));
        act_v r = v_div(one, v_add(one, e));
        r = v_where_negative(v, v_mul(r, e), r);
        v_store(m, y + i, v_mul(v, r));
    }
#else
    for (size_t i = 0; i < n; i++) {
        float v = (x[i] - mean) * inv * w + b;
        y[i] = v / (1.0f + expf(-v));
    }
#endif
}
