/* Horizontal sums (and maxima) of a vector's lanes in one fixed order (lane
 * l + lane l + 8, then + 4, + 2, + 1), shared by the kernels and the
 * activations so that their sums fold the same way.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_VEC_FOLD_H
#define GFT_VEC_FOLD_H

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#if defined(__AVX__)
static inline float gft_fold_sum8(__m256 a)
{
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

static inline float gft_fold_max8(__m256 a)
{
    __m128 q = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    q = _mm_max_ps(q, _mm_movehl_ps(q, q));
    q = _mm_max_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}
#endif

#if defined(__AVX512F__)
static inline float gft_fold_sum16(__m512 a)
{
    return gft_fold_sum8(_mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1)));
}
#endif

#endif
