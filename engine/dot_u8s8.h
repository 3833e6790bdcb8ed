/* 256-bit integer dot products shared by the int8 kernel (kernels_q8i8.c)
 * and the int8 attention (attn_q8.c): bytes stored as code + 128 (unsigned)
 * times signed int8 codes in sums of 4, and int16 pairs in sums of 2.
 *
 * AVX-VNNI has VPDPBUSD and VPDPWSSD. AVX2 alone makes the same integers:
 * VPMADDUBSW multiplies unsigned by signed bytes into saturating int16 pairs,
 * so (w + 128) * x could saturate; it takes |w| (the stored byte xor 0x80,
 * then abs: at most 128) and x with w's sign (x is never -128), whose pairs
 * stay within 2 * 128 * 127 = 32512, and VPMADDWD by ones sums them. That is
 * sum w * x without the +128 term, so such sums start at 0 instead of at the
 * correction -128 * sum x (gft_u8s8_start). VPDPWSSD is VPMADDWD + add.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_DOT_U8S8_H
#define GFT_DOT_U8S8_H

#if defined(__AVX2__)
#include <immintrin.h>
#include <stdint.h>

/* 32 stored bytes, ready for gft_dot4 (load once, use for every row) */
typedef struct {
    __m256i w;
#if !defined(__AVXVNNI__)
    __m256i w_abs;
#endif
} gft_u8x32;

static inline gft_u8x32 gft_u8x32_load(const void *p)
{
    gft_u8x32 c;
    c.w = _mm256_loadu_si256((const __m256i *)p);
#if !defined(__AVXVNNI__)
    c.w = _mm256_xor_si256(c.w, _mm256_set1_epi8((char)0x80)); /* the signed code */
    c.w_abs = _mm256_abs_epi8(c.w);
#endif
    return c;
}

/* acc + per 32-bit lane the sum of 4 products of the stored bytes' codes
 * (+128 with VNNI) and x's signed bytes */
static inline __m256i gft_dot4(__m256i acc, gft_u8x32 c, __m256i x)
{
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(acc, c.w, x);
#else
    __m256i pairs = _mm256_maddubs_epi16(c.w_abs, _mm256_sign_epi8(x, c.w));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
#endif
}

/* where a gft_dot4 sum starts, given the +128 correction c = -128 * sum x */
static inline int32_t gft_u8s8_start(int32_t c)
{
#if defined(__AVXVNNI__)
    return c;
#else
    (void)c;
    return 0;
#endif
}

/* acc + per 32-bit lane the sum of 2 products of int16 */
static inline __m256i gft_dot2(__m256i acc, __m256i a, __m256i b)
{
#if defined(__AVXVNNI__)
    return _mm256_dpwssd_avx_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}
#endif

#endif
