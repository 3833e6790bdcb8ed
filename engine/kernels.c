/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "kernels.h"
#include "kernels_q8i8.h"
#include "vec_fold.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* ---- vector abstraction ------------------------------------------------ */
/* vf: VL floats. Every accumulator lane l sums inputs i = l (mod VL) in
 * increasing i; v_sum() then adds the lanes in a fixed pattern. */

#if defined(__AVX512F__)
typedef __m512 vf;
#define VL 16
/* 3 outputs x 8 rows = 24 accumulators of the 32 registers: the 8 rows of 4
 * guided images share each dequantised weight vector */
#define TILE_O 3
#define TILE_R 8
static inline vf v_zero(void)
{
    return _mm512_setzero_ps();
}
static inline vf v_load(const float *p)
{
    return _mm512_loadu_ps(p);
}
static inline vf v_fma(vf a, vf b, vf c)
{
    return _mm512_fmadd_ps(a, b, c);
}
static inline float v_sum(vf a)
{
    return gft_fold_sum16(a);
}
static inline vf v_set1(float a)
{
    return _mm512_set1_ps(a);
}
static inline void v_store(float *p, vf a)
{
    _mm512_storeu_ps(p, a);
}
static inline vf v_q8(const int8_t *q, float d)
{
    __m512i i = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)q));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(i), _mm512_set1_ps(d));
}
static inline vf v_f16(const uint16_t *h)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h));
}
#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
typedef __m256 vf;
#define VL 8
#define TILE_O 2
#define TILE_R 4
static inline vf v_zero(void)
{
    return _mm256_setzero_ps();
}
static inline vf v_load(const float *p)
{
    return _mm256_loadu_ps(p);
}
static inline vf v_fma(vf a, vf b, vf c)
{
    return _mm256_fmadd_ps(a, b, c);
}
static inline float v_sum(vf a)
{
    return gft_fold_sum8(a);
}
static inline vf v_set1(float a)
{
    return _mm256_set1_ps(a);
}
static inline void v_store(float *p, vf a)
{
    _mm256_storeu_ps(p, a);
}
static inline vf v_q8(const int8_t *q, float d)
{
    __m256i i = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(i), _mm256_set1_ps(d));
}
static inline vf v_f16(const uint16_t *h)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h));
}
#else
/* Portable fallback: plain arrays the compiler may vectorise. */
#define VL 8
#define TILE_O 2
#define TILE_R 4
typedef struct {
    float v[VL];
} vf;
static inline vf v_zero(void)
{
    vf r;
    for (int l = 0; l < VL; l++)
        r.v[l] = 0.0f;
    return r;
}
static inline vf v_load(const float *p)
{
    vf r;
    memcpy(r.v, p, sizeof r.v);
    return r;
}
static inline vf v_fma(vf a, vf b, vf c)
{
    for (int l = 0; l < VL; l++)
        c.v[l] = fmaf(a.v[l], b.v[l], c.v[l]);
    return c;
}
static inline float v_sum(vf a)
{
    for (int w = VL / 2; w > 0; w /= 2)
        for (int l = 0; l < w; l++)
            a.v[l] += a.v[l + w];
    return a.v[0];
}
static inline vf v_set1(float a)
{
    vf r;
    for (int l = 0; l < VL; l++)
        r.v[l] = a;
    return r;
}
static inline void v_store(float *p, vf a)
{
    memcpy(p, a.v, sizeof a.v);
}
static inline vf v_q8(const int8_t *q, float d)
{
    vf r;
    for (int l = 0; l < VL; l++)
        r.v[l] = (float)q[l] * d;
    return r;
}
static inline vf v_f16(const uint16_t *h)
{
    vf r;
    for (int l = 0; l < VL; l++)
        r.v[l] = gft_half_to_float(h[l]);
    return r;
}
#endif

#if defined(__F16C__)
#define half_to_float_fast(h) _cvtsh_ss(h)
#else
#define half_to_float_fast(h) gft_half_to_float(h)
#endif

float gft_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400u));
            bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline float apply_epi(gft_epilogue epi, float old, float s)
{
    switch (epi) {
    case GFT_EPI_ADD:
        return old + s;
    case GFT_EPI_GELU:
        return gft_gelu(s);
    default:
        return s;
    }
}

#if defined(__AVX512F__)
/* Horizontal sums of 8 accumulators at once, each summed in exactly the
 * pattern of v_sum (lane l + lane l+8, then +4, +2, +1), so the bits match a
 * v_sum per accumulator. The four steps fold pairs of vectors together:
 * 16 shuffles and 15 additions instead of 8 separate reductions. */
static inline __m512 fold_pair(__m512 a, __m512 b, int step)
{
    __m512 lo, hi;
    switch (step) {
    case 1: /* 256-bit halves */
        lo = _mm512_shuffle_f32x4(a, b, 0x44);
        hi = _mm512_shuffle_f32x4(a, b, 0xee);
        break;
    case 2: /* 128-bit quarters of each half-sum */
        lo = _mm512_shuffle_f32x4(a, b, 0x88);
        hi = _mm512_shuffle_f32x4(a, b, 0xdd);
        break;
    case 3: /* pairs inside each 128-bit lane */
        lo = _mm512_shuffle_ps(a, b, 0x44);
        hi = _mm512_shuffle_ps(a, b, 0xee);
        break;
    default: /* neighbours */
        lo = _mm512_shuffle_ps(a, b, 0x88);
        hi = _mm512_shuffle_ps(a, b, 0xdd);
        break;
    }
    return _mm512_add_ps(lo, hi);
}

/* Sums of a[0..7]: lane 4c + j of the result (j = 0, 1) holds the sum of
 * a[c + 4j]; lanes 4c + 2, 4c + 3 hold the same for b (NULL: a again). */
static inline __m512 sum8x2(const __m512 *a, const __m512 *b)
{
    __m512 e[2];
    for (int k = 0; k < 2; k++) {
        const __m512 *v = k == 0 || !b ? a : b;
        __m512 c0 = fold_pair(v[0], v[1], 1), c1 = fold_pair(v[2], v[3], 1);
        __m512 c2 = fold_pair(v[4], v[5], 1), c3 = fold_pair(v[6], v[7], 1);
        e[k] = fold_pair(fold_pair(c0, c1, 2), fold_pair(c2, c3, 2), 3);
        if (!b)
            return fold_pair(e[0], e[0], 4);
    }
    return fold_pair(e[0], e[1], 4);
}
#endif

/* ---- the tile: NO outputs x NR rows ---------------------------------- */

static inline __attribute__((always_inline)) void tile(gft_type type, int NO, int NR,
                                                       const uint8_t *w0, size_t row_bytes,
                                                       int64_t n_in, const float *x, int64_t ldx,
                                                       float *y, int64_t ldy, gft_epilogue epi)
{
    vf acc[TILE_O][TILE_R];
    for (int o = 0; o < NO; o++)
        for (int r = 0; r < NR; r++)
            acc[o][r] = v_zero();
    int64_t n_vec = n_in / VL * VL;
    if (type == GFT_TYPE_Q8_0) {
        int64_t n_blk = n_in / GFT_Q8_0_BLOCK;
        for (int64_t b = 0; b < n_blk; b++) {
            const gft_block_q8_0 *blk[TILE_O];
            float d[TILE_O];
            for (int o = 0; o < NO; o++) {
                blk[o] = (const gft_block_q8_0 *)(w0 + (size_t)o * row_bytes) + b;
                d[o] = half_to_float_fast(blk[o]->d);
            }
            for (int v = 0; v < GFT_Q8_0_BLOCK / VL; v++) {
                vf wv[TILE_O];
                for (int o = 0; o < NO; o++)
                    wv[o] = v_q8(blk[o]->qs + v * VL, d[o]);
                int64_t i = b * GFT_Q8_0_BLOCK + v * VL;
                for (int r = 0; r < NR; r++) {
                    vf xv = v_load(x + r * ldx + i);
                    for (int o = 0; o < NO; o++)
                        acc[o][r] = v_fma(wv[o], xv, acc[o][r]);
                }
            }
        }
        n_vec = n_in; /* n_in is a multiple of 32 */
    } else {
        for (int64_t i = 0; i < n_vec; i += VL) {
            vf wv[TILE_O];
            for (int o = 0; o < NO; o++) {
                const uint8_t *wr = w0 + (size_t)o * row_bytes;
                wv[o] = type == GFT_TYPE_F16 ? v_f16((const uint16_t *)wr + i)
                                             : v_load((const float *)wr + i);
            }
            for (int r = 0; r < NR; r++) {
                vf xv = v_load(x + r * ldx + i);
                for (int o = 0; o < NO; o++)
                    acc[o][r] = v_fma(wv[o], xv, acc[o][r]);
            }
        }
    }
#if defined(__AVX512F__)
    if (NR == 8 && n_vec == n_in) {
        for (int o = 0; o < NO; o += 2) {
            float t[16];
            _mm512_storeu_ps(t, sum8x2(acc[o], o + 1 < NO ? acc[o + 1] : NULL));
            for (int k = 0; k < 2 && o + k < NO; k++)
                for (int r = 0; r < 8; r++) {
                    float *yo = y + r * ldy + o + k;
                    *yo = apply_epi(epi, *yo, t[4 * (r % 4) + r / 4 + 2 * k]);
                }
        }
        return;
    }
#endif
    for (int o = 0; o < NO; o++) {
        const uint8_t *wr = w0 + (size_t)o * row_bytes;
        for (int r = 0; r < NR; r++) {
            float s = v_sum(acc[o][r]);
            for (int64_t i = n_vec; i < n_in; i++) {
                float wi = type == GFT_TYPE_F16 ? gft_half_to_float(((const uint16_t *)wr)[i])
                                                : ((const float *)wr)[i];
                s = fmaf(wi, x[r * ldx + i], s);
            }
            float *yo = y + r * ldy + o;
            *yo = apply_epi(epi, *yo, s);
        }
    }
}

/* One instantiation per (type, NO, NR) so the accumulators live in registers. */
#define DEFINE_TILE(T, NO, NR)                                                                     \
    static void tile_##T##_##NO##_##NR(const uint8_t *w0, size_t rb, int64_t n_in, const float *x, \
                                       int64_t ldx, float *y, int64_t ldy, gft_epilogue epi)       \
    {                                                                                              \
        tile(GFT_TYPE_##T, NO, NR, w0, rb, n_in, x, ldx, y, ldy, epi);                             \
    }
#if TILE_R == 8
#define DEFINE_TILES_WIDE(T)                                                                       \
    DEFINE_TILE(T, TILE_O, 5)                                                                      \
    DEFINE_TILE(T, TILE_O, 6)                                                                      \
    DEFINE_TILE(T, TILE_O, 7)                                                                      \
    DEFINE_TILE(T, TILE_O, 8)                                                                      \
    DEFINE_TILE(T, 1, 5)                                                                           \
    DEFINE_TILE(T, 1, 6)                                                                           \
    DEFINE_TILE(T, 1, 7)                                                                           \
    DEFINE_TILE(T, 1, 8)
#define TILE_ROW(T, NO)                                                                            \
    {                                                                                              \
        tile_##T##_##NO##_1, tile_##T##_##NO##_2, tile_##T##_##NO##_3, tile_##T##_##NO##_4,        \
            tile_##T##_##NO##_5, tile_##T##_##NO##_6, tile_##T##_##NO##_7, tile_##T##_##NO##_8     \
    }
#else
#define DEFINE_TILES_WIDE(T)
#define TILE_ROW(T, NO)                                                                            \
    {                                                                                              \
        tile_##T##_##NO##_1, tile_##T##_##NO##_2, tile_##T##_##NO##_3, tile_##T##_##NO##_4         \
    }
#endif
#define DEFINE_TILES(T)                                                                            \
    DEFINE_TILE(T, TILE_O, 1)                                                                      \
    DEFINE_TILE(T, TILE_O, 2)                                                                      \
    DEFINE_TILE(T, TILE_O, 3)                                                                      \
    DEFINE_TILE(T, TILE_O, 4)                                                                      \
    DEFINE_TILE(T, 1, 1)                                                                           \
    DEFINE_TILE(T, 1, 2)                                                                           \
    DEFINE_TILE(T, 1, 3)                                                                           \
    DEFINE_TILE(T, 1, 4)                                                                           \
    DEFINE_TILES_WIDE(T)
DEFINE_TILES(F32)
DEFINE_TILES(F16)
DEFINE_TILES(Q8_0)

typedef void (*tile_fn)(const uint8_t *, size_t, int64_t, const float *, int64_t, float *, int64_t,
                        gft_epilogue);

#define TILE_TABLE(T)                                                                              \
    {                                                                                              \
        TILE_ROW(T, 1), TILE_ROW(T, TILE_O)                                                        \
    }

static const tile_fn tiles_f32[2][TILE_R] = TILE_TABLE(F32);
static const tile_fn tiles_f16[2][TILE_R] = TILE_TABLE(F16);
static const tile_fn tiles_q8[2][TILE_R] = TILE_TABLE(Q8_0);

static size_t row_bytes(const gft_tensor *w)
{
    int64_t n = w->ne[0];
    switch (w->type) {
    case GFT_TYPE_F16:
        return (size_t)n * 2;
    case GFT_TYPE_Q8_0:
        return (size_t)(n / GFT_Q8_0_BLOCK) * sizeof(gft_block_q8_0);
    default:
        return (size_t)n * 4;
    }
}

/* Rows are taken in groups of this many so the x rows of a group stay in
 * cache while the weights stream past them. */
#define ROW_GROUP 32

/* Weights stream from DRAM when the KV cache crowds them out of the last
 * level cache, and a tile reads too few bytes of each row for the hardware
 * prefetcher to run ahead: fetch the rows this many outputs ahead. */
#define PREFETCH_ROWS (TILE_O * 8)

static inline void prefetch_rows(const uint8_t *base, size_t rb, int64_t o, int64_t n_out, int n)
{
    if (o + n > n_out)
        return;
    const uint8_t *p = base + (size_t)o * rb, *end = p + (size_t)n * rb;
    /* into L2 (prefetcht1), not L1: a tile ahead is more lines than the L1
     * has fill buffers, and in L1 they would push out the activations; one
     * thread's 4 variations took 4 % less CPU time this way (7 of 7 pairs) */
    for (p = (const uint8_t *)((uintptr_t)p & ~(uintptr_t)63); p < end; p += 64)
        __builtin_prefetch(p, 0, 2);
}

/* GELU in place over outputs [o0, o1) of R rows (gft_gelu_inplace). */
static void gelu_rows(float *y, int64_t ldy, int R, int64_t o0, int64_t o1)
{
    for (int r = 0; r < R; r++)
        gft_gelu_inplace(y + r * ldy + o0, o1 - o0);
}

void gft_matmul_range(const gft_tensor *w, const float *x, int64_t ldx, int R, float *y,
                      int64_t ldy, int64_t o0, int64_t o1, gft_epilogue epi)
{
    const tile_fn(*tab)[TILE_R] = w->type == GFT_TYPE_F16    ? tiles_f16
                                  : w->type == GFT_TYPE_Q8_0 ? tiles_q8
                                                             : tiles_f32;
    size_t rb = row_bytes(w);
    int64_t n_in = w->ne[0];
    const uint8_t *base = w->data;
    /* GELU in a vectorised pass over the outputs (erff per element is slow) */
    int gelu_after = epi == GFT_EPI_GELU;
    if (gelu_after)
        epi = GFT_EPI_STORE;
    for (int g0 = 0; g0 < R; g0 += ROW_GROUP) {
        int g1 = g0 + ROW_GROUP < R ? g0 + ROW_GROUP : R;
        int64_t o = o0;
        for (; o + TILE_O <= o1; o += TILE_O) {
            prefetch_rows(base, rb, o + PREFETCH_ROWS, w->ne[1], TILE_O);
            for (int r = g0; r < g1; r += TILE_R) {
                int nr = g1 - r < TILE_R ? g1 - r : TILE_R;
                tab[1][nr - 1](base + (size_t)o * rb, rb, n_in, x + r * ldx, ldx, y + r * ldy + o,
                               ldy, epi);
            }
        }
        for (; o < o1; o++) {
            for (int r = g0; r < g1; r += TILE_R) {
                int nr = g1 - r < TILE_R ? g1 - r : TILE_R;
                tab[0][nr - 1](base + (size_t)o * rb, rb, n_in, x + r * ldx, ldx, y + r * ldy + o,
                               ldy, epi);
            }
        }
    }
    if (gelu_after)
        gelu_rows(y, ldy, R, o0, o1);
}

typedef struct {
    const float *x;
    int64_t ldx;
    int R;
    const gft_matmul_out *outs;
    int n_outs;
    const gft_qrows *q; /* x quantised, when a matrix is packed */
} matmul_job;

/* The job's index space is the outputs of all matrices, one after another. */
static void matmul_worker(void *arg, int64_t begin, int64_t end, int piece)
{
    (void)piece;
    const matmul_job *j = arg;
    int64_t base = 0;
    for (int m = 0; m < j->n_outs && base < end; m++) {
        const gft_matmul_out *mo = &j->outs[m];
        int64_t n = mo->w->ne[1];
        int64_t b = begin > base ? begin - base : 0;
        int64_t e = end - base < n ? end - base : n;
        if (b < e && mo->w->packed && j->q) {
            gft_epilogue epi = mo->epi == GFT_EPI_GELU ? GFT_EPI_STORE : mo->epi;
            gft_matmul_q8x16_range(mo->w, j->q, j->R, mo->y, mo->ldy, b, e, epi);
            if (mo->epi == GFT_EPI_GELU)
                gelu_rows(mo->y, mo->ldy, j->R, b, e);
        } else if (b < e) {
            gft_matmul_range(mo->w, j->x, j->ldx, j->R, mo->y, mo->ldy, b, e, mo->epi);
        }
        base += n;
    }
}

void gft_matmul(gft_pool *pool, gft_qrows *q, const float *x, int64_t ldx, int R,
                const gft_matmul_out *outs, int n_outs)
{
    matmul_job j = {x, ldx, R, outs, n_outs, NULL};
    int64_t total = 0, macs = 0;
    int packed = 0;
    for (int m = 0; m < n_outs; m++) {
        total += outs[m].w->ne[1];
        macs += outs[m].w->ne[1] * outs[m].w->ne[0] * R;
        packed |= outs[m].w->packed != NULL;
    }
    int64_t n_in = outs[0].w->ne[0];
    if (packed && q && R <= q->cap_rows && n_in <= q->cap_n) {
        gft_quantize_rows(x, ldx, R, n_in, q);
        j.q = q;
    }
    /* below ~64k multiply-adds a hand-over to other threads costs more than it
     * saves; a grain of 4 tiles lets the pool cut even small matrices (the
     * output head's 1024 rows) into pieces of nearly equal size; packed
     * matrices are cut at whole groups of 16 outputs (48 = 3 tiles) */
    int64_t grain = j.q ? 3 * GFT_Q8X16_OUTS : TILE_O * 4;
    gft_pool_for(pool, total, macs < 65536 ? total : grain, matmul_worker, &j);
}

void gft_rmsnorm(const float *x, const float *g, int64_t n, float eps, float *out)
{
    /* eight independent partial sums (vectorisable), added in a fixed order */
    double part[8] = {0};
    int64_t i8 = n / 8 * 8;
    for (int64_t i = 0; i < i8; i += 8)
        for (int l = 0; l < 8; l++)
            part[l] += (double)x[i + l] * x[i + l];
    double ss =
        ((part[0] + part[4]) + (part[2] + part[6])) + ((part[1] + part[5]) + (part[3] + part[7]));
    for (int64_t i = i8; i < n; i++)
        ss += (double)x[i] * x[i];
    float inv = (float)(1.0 / sqrt(ss / (double)n + eps));
    for (int64_t i = 0; i < n; i++)
        out[i] = x[i] * inv * g[i];
}

void gft_f32_to_f16_row(const float *x, uint16_t *y, int64_t n)
{
    int64_t i = 0;
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++)
        y[i] = gft_f32_to_f16(x[i]);
}

/* ---- attention ------------------------------------------------------------ */

/* kind: 0 F32, 1 F16 */
static inline vf load_kv(const void *base, int kind, size_t at)
{
    return kind ? v_f16((const uint16_t *)base + at) : v_load((const float *)base + at);
}

static inline float kv_at(const void *base, int kind, size_t at)
{
    return kind ? gft_half_to_float(((const uint16_t *)base)[at]) : ((const float *)base)[at];
}

/* Four positions at a time for instruction-level parallelism; each score is
 * summed exactly as gft_dot / gft_dot_f16 would. */
void gft_attn_scores(const float *q, const void *k, int f16, size_t stride, int n_pos, int n,
                     float div, float *s)
{
    int n_vec = n / VL * VL;
    int p = 0;
    for (; p + 4 <= n_pos; p += 4) {
        vf a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();
        size_t b = (size_t)p * stride;
        for (int i = 0; i < n_vec; i += VL) {
            vf qv = v_load(q + i);
            a0 = v_fma(qv, load_kv(k, f16, b + i), a0);
            a1 = v_fma(qv, load_kv(k, f16, b + stride + i), a1);
            a2 = v_fma(qv, load_kv(k, f16, b + 2 * stride + i), a2);
            a3 = v_fma(qv, load_kv(k, f16, b + 3 * stride + i), a3);
        }
        float r[4] = {v_sum(a0), v_sum(a1), v_sum(a2), v_sum(a3)};
        for (int j = 0; j < 4; j++) {
            for (int i = n_vec; i < n; i++)
                r[j] = fmaf(q[i], kv_at(k, f16, b + j * stride + i), r[j]);
            s[p + j] = r[j] / div;
        }
    }
    for (; p < n_pos; p++) {
        vf a = v_zero();
        size_t b = (size_t)p * stride;
        for (int i = 0; i < n_vec; i += VL)
            a = v_fma(v_load(q + i), load_kv(k, f16, b + i), a);
        float r = v_sum(a);
        for (int i = n_vec; i < n; i++)
            r = fmaf(q[i], kv_at(k, f16, b + i), r);
        s[p] = r / div;
    }
}

void gft_attn_scores_t(const float *q, const void *k, int f16, size_t stride, int n_pos, int n,
                       float div, float *s)
{
    int p = 0;
    /* lanes are positions: lane p sums q[i] * k[i][p] in increasing i, the
     * same chain as the scalar tail below */
    for (; p + 4 * VL <= n_pos; p += 4 * VL) {
        vf a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();
        for (int i = 0; i < n; i++) {
            vf qv = v_set1(q[i]);
            size_t b = (size_t)i * stride + p;
            a0 = v_fma(qv, load_kv(k, f16, b), a0);
            a1 = v_fma(qv, load_kv(k, f16, b + VL), a1);
            a2 = v_fma(qv, load_kv(k, f16, b + 2 * VL), a2);
            a3 = v_fma(qv, load_kv(k, f16, b + 3 * VL), a3);
        }
        v_store(s + p, a0);
        v_store(s + p + VL, a1);
        v_store(s + p + 2 * VL, a2);
        v_store(s + p + 3 * VL, a3);
    }
    for (; p + VL <= n_pos; p += VL) {
        vf a = v_zero();
        for (int i = 0; i < n; i++)
            a = v_fma(v_set1(q[i]), load_kv(k, f16, (size_t)i * stride + p), a);
        v_store(s + p, a);
    }
    for (; p < n_pos; p++) {
        float a = 0.0f;
        for (int i = 0; i < n; i++)
            a = fmaf(q[i], kv_at(k, f16, (size_t)i * stride + p), a);
        s[p] = a;
    }
    for (p = 0; p < n_pos; p++)
        s[p] /= div;
}

/* Blocked K: lane l of block b sums q[i] * k[b][i][l] in increasing i (the
 * chain gft_attn_scores_t uses). Four blocks at once give four independent
 * chains per vector lane group; the last block may be partial. Inlined once
 * per element type so the type test leaves the inner loop and the
 * accumulators stay in registers. */
static inline __attribute__((always_inline)) void
scores_blk(const float *q, const void *k, const int f16, int n_pos, int n, float div, float *s)
{
    enum { NV = GFT_KBLK / VL }; /* vectors per block */
    const size_t blk = (size_t)n * GFT_KBLK;
    int n_blk = (n_pos + GFT_KBLK - 1) / GFT_KBLK, b = 0;
    for (; b <= n_blk - 1; b += 4) {
        int nb = n_blk - b < 4 ? n_blk - b : 4; /* blocks in this group */
        vf a0[NV], a1[NV], a2[NV], a3[NV];
        for (int v = 0; v < NV; v++)
            a0[v] = a1[v] = a2[v] = a3[v] = v_zero();
        size_t base = (size_t)b * blk;
        if (nb == 4) {
            for (int i = 0; i < n; i++) {
                vf qv = v_set1(q[i]);
                size_t at = base + (size_t)i * GFT_KBLK;
                for (int v = 0; v < NV; v++) {
                    a0[v] = v_fma(qv, load_kv(k, f16, at + v * VL), a0[v]);
                    a1[v] = v_fma(qv, load_kv(k, f16, at + blk + v * VL), a1[v]);
                    a2[v] = v_fma(qv, load_kv(k, f16, at + 2 * blk + v * VL), a2[v]);
                    a3[v] = v_fma(qv, load_kv(k, f16, at + 3 * blk + v * VL), a3[v]);
                }
            }
        } else { /* the last one to three blocks, one at a time */
            for (int i = 0; i < n; i++) {
                vf qv = v_set1(q[i]);
                size_t at = base + (size_t)i * GFT_KBLK;
                for (int v = 0; v < NV; v++) {
                    a0[v] = v_fma(qv, load_kv(k, f16, at + v * VL), a0[v]);
                    if (nb > 1)
                        a1[v] = v_fma(qv, load_kv(k, f16, at + blk + v * VL), a1[v]);
                    if (nb > 2)
                        a2[v] = v_fma(qv, load_kv(k, f16, at + 2 * blk + v * VL), a2[v]);
                }
            }
        }
        float t[4][GFT_KBLK];
        for (int v = 0; v < NV; v++) {
            v_store(t[0] + v * VL, a0[v]);
            v_store(t[1] + v * VL, a1[v]);
            v_store(t[2] + v * VL, a2[v]);
            v_store(t[3] + v * VL, a3[v]);
        }
        for (int j = 0; j < nb; j++) {
            int p0 = (b + j) * GFT_KBLK, m = n_pos - p0 < GFT_KBLK ? n_pos - p0 : GFT_KBLK;
            for (int l = 0; l < m; l++)
                s[p0 + l] = t[j][l] / div;
        }
    }
}

void gft_attn_scores_blk(const float *q, const void *k, int f16, int n_pos, int n, float div,
                         float *s)
{
    if (f16)
        scores_blk(q, k, 1, n_pos, n, div, s);
    else
        scores_blk(q, k, 0, n_pos, n, div, s);
}

/* o[i] = sum over p in order of w[p] * v[p][i], fused multiply-adds; up to
 * four vectors of o stay in registers over all positions. With add, the
 * chains start from o's values instead of zero (a continued sum). */
static inline __attribute__((always_inline)) void attn_values(const float *w, const void *v,
                                                              const int kind, size_t stride,
                                                              int n_pos, int n, float *o, int add)
{
    int n_vec = n / VL * VL, i = 0;
    for (; i + 4 * VL <= n_vec; i += 4 * VL) {
        vf o0 = add ? v_load(o + i) : v_zero(), o1 = add ? v_load(o + i + VL) : v_zero();
        vf o2 = add ? v_load(o + i + 2 * VL) : v_zero(),
           o3 = add ? v_load(o + i + 3 * VL) : v_zero();
        for (int p = 0; p < n_pos; p++) {
            vf wp = v_set1(w[p]);
            size_t b = (size_t)p * stride + i;
            o0 = v_fma(wp, load_kv(v, kind, b), o0);
            o1 = v_fma(wp, load_kv(v, kind, b + VL), o1);
            o2 = v_fma(wp, load_kv(v, kind, b + 2 * VL), o2);
            o3 = v_fma(wp, load_kv(v, kind, b + 3 * VL), o3);
        }
        v_store(o + i, o0);
        v_store(o + i + VL, o1);
        v_store(o + i + 2 * VL, o2);
        v_store(o + i + 3 * VL, o3);
    }
    for (; i < n_vec; i += VL) {
        vf acc = add ? v_load(o + i) : v_zero();
        for (int p = 0; p < n_pos; p++)
            acc = v_fma(v_set1(w[p]), load_kv(v, kind, (size_t)p * stride + i), acc);
        v_store(o + i, acc);
    }
    for (; i < n; i++) {
        float acc = add ? o[i] : 0.0f;
        for (int p = 0; p < n_pos; p++)
            acc = fmaf(w[p], kv_at(v, kind, (size_t)p * stride + i), acc);
        o[i] = acc;
    }
}

/* One inlined copy per element kind, so the kind test leaves the loop. */
static void values_of_kind(const float *w, const void *v, int kind, size_t stride, int n_pos, int n,
                           float *o, int add)
{
    if (kind)
        attn_values(w, v, 1, stride, n_pos, n, o, add);
    else
        attn_values(w, v, 0, stride, n_pos, n, o, add);
}

void gft_attn_values(const float *w, const void *v, int kind, size_t stride, int n_pos, int n,
                     float *o)
{
    values_of_kind(w, v, kind, stride, n_pos, n, o, 0);
}

void gft_attn_values_add(const float *w, const void *v, int kind, size_t stride, int n_pos, int n,
                         float *o)
{
    values_of_kind(w, v, kind, stride, n_pos, n, o, 1);
}

/* ---- GroupNorm + SiLU (the VQ decoder) ---------------------------------- */

#if defined(__AVX512F__)
/* Sum of 16 floats widened to double into two 8-lane accumulators. */
static inline void add_f64x16(__m512 v, __m512d *lo, __m512d *hi)
{
    *lo = _mm512_add_pd(*lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    *hi = _mm512_add_pd(*hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
}
#endif

void gft_mean_var(const float *x, size_t n, double *mean, double *var)
{
    double sum = 0.0, sq = 0.0;
    size_t i = 0;
#if defined(__AVX512F__)
    /* lanes summed in double, folded in a fixed order: the same bits for the
     * same data wherever the call runs */
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    for (; i + 16 <= n; i += 16)
        add_f64x16(_mm512_loadu_ps(x + i), &lo, &hi);
    sum = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
#endif
    for (; i < n; i++)
        sum += x[i];
    double m = n ? sum / (double)n : 0.0;
    i = 0;
#if defined(__AVX512F__)
    __m512d mv = _mm512_set1_pd(m);
    lo = hi = _mm512_setzero_pd();
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512d a = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), mv);
        __m512d b = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)), mv);
        lo = _mm512_fmadd_pd(a, a, lo);
        hi = _mm512_fmadd_pd(b, b, hi);
    }
    sq = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
#endif
    for (; i < n; i++) {
        double t = x[i] - m;
        sq += t * t;
    }
    *mean = m;
    *var = n ? sq / (double)n : 0.0;
}
