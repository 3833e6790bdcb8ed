/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The int8 cache's attention (engine/attn_q8.h) against its definition:
 *   - the quantisation (round half to even, +-127 at amax, zero and
 *     non-finite vectors) at the layouts' byte offsets;
 *   - the scores bit for bit against a scalar computation from the stored
 *     bytes, over whole and partial blocks and feature counts that leave odd
 *     groups, and within the rounding bound of the exact float result;
 *   - the values bit for bit against a scalar computation (int16 weights,
 *     int64 sums), two segments with odd counts, feature counts that use
 *     every vector width and the scalar tail, within the rounding bound of
 *     the exact result; NaN propagation; and sums at the int32 limit. */
#include "attn_q8.h"
#include "test_model.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int code_of(float x, float amax)
{
    return amax > 0 ? (int)nearbyintf(x * (127.0f / amax)) : 0;
}

static float amax_of(const float *x, int n)
{
    float m = 0;
    for (int i = 0; i < n; i++)
        m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

static void test_quantise(uint64_t *rng)
{
    enum { N = 64 };
    float x[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)fmax(-3.0, fmin(3.0, tm_gauss(rng)));
    x[5] = 3.5f; /* amax 3.5: -3.5 -> -127 */
    x[6] = -3.5f;
    const float A = amax_of(x, N);
    CHECK(A == 3.5f, "amax");
    static uint8_t k[2 * GFT_KBLK * N];
    static int8_t v[4 * N], q8[N];
    for (int p = 0; p < 2 * GFT_KBLK; p += 7) {
        float dk = gft_attn_put_k_q8(k, p, N, x);
        CHECK(dk == A / 127.0f, "k scale %g", (double)dk);
        for (int i = 0; i < N; i++)
            CHECK(k[gft_attn_k_q8_at(p, i, N)] == code_of(x[i], A) + 128, "k %d %d", p, i);
    }
    CHECK(gft_attn_k_q8_at(17, 6, N) == (size_t)(GFT_KBLK * N + 64 + 4 + 2), "k layout");
    CHECK(gft_attn_v_q8_at(3, 5, N) == (size_t)(2 * N + 10 + 1), "v layout");
    for (int p = 0; p < 4; p++) {
        CHECK(gft_attn_put_v_q8(v, p, N, x) == A / 127.0f, "v scale");
        for (int i = 0; i < N; i++)
            CHECK(v[gft_attn_v_q8_at(p, i, N)] == code_of(x[i], A), "v %d %d", p, i);
    }
    CHECK(v[gft_attn_v_q8_at(1, 5, N)] == 127 && v[gft_attn_v_q8_at(1, 6, N)] == -127,
          "amax maps to +-127");
    float dq;
    int32_t sum = 0, s128 = gft_attn_query_q8(x, N, q8, &dq);
    for (int i = 0; i < N; i++) {
        CHECK(q8[i] == code_of(x[i], A), "query %d", i);
        sum += q8[i];
    }
    CHECK(dq == A / 127.0f && s128 == 128 * sum, "query scale and sum");
    float half[4] = {0.5f, 1.5f, -0.5f, 127.0f};
    gft_attn_query_q8(half, 4, q8, &dq);
    CHECK(q8[0] == 0 && q8[1] == 2 && q8[2] == 0 && q8[3] == 127, "ties to even");
    float zero[N] = {0};
    CHECK(gft_attn_put_k_q8(k, 0, N, zero) == 0.0f && k[0] == 128, "zero position");
    x[3] = NAN;
    CHECK(isnan(gft_attn_put_v_q8(v, 0, N, x)) && v[0] == 0, "NaN position");
    x[3] = INFINITY;
    CHECK(gft_attn_query_q8(x, N, q8, &dq) == 0 && isnan(dq) && q8[0] == 0, "inf query");
}

/* scores for n features (a multiple of 4) over up to NP positions */
static void test_scores(uint64_t *rng, int n)
{
    enum { NP = 75 };
    uint8_t *k = calloc(gft_attn_k_q8_size(NP, n), 1);
    float *kf = malloc(sizeof(float) * NP * n), *q = malloc(sizeof(float) * n);
    int8_t *q8 = malloc((size_t)n);
    float dk[NP], s[NP + 1];
    for (int p = 0; p < NP; p++) {
        for (int i = 0; i < n; i++)
            kf[p * n + i] = (float)(tm_gauss(rng) * (1 + p % 5));
        dk[p] = gft_attn_put_k_q8(k, p, n, kf + p * n);
    }
    for (int i = 0; i < n; i++)
        q[i] = (float)tm_gauss(rng);
    float dq;
    int32_t s128 = gft_attn_query_q8(q, n, q8, &dq);
    for (int n_pos = 1; n_pos <= NP; n_pos += n_pos < 20 ? 1 : 6) {
        s[n_pos] = -1234.0f; /* past the end: untouched */
        gft_attn_scores_q8(q8, dq, s128, k, dk, n_pos, n, 8.0f, s);
        CHECK(s[n_pos] == -1234.0f, "n %d: score past n_pos %d written", n, n_pos);
        for (int p = 0; p < n_pos; p++) {
            int32_t S = 0;
            double exact = 0, bound = 0, mag = 0;
            for (int i = 0; i < n; i++) {
                int k8 = (int)k[gft_attn_k_q8_at(p, i, n)] - 128;
                S += k8 * q8[i];
                double kv = kf[p * n + i];
                exact += (double)q[i] * kv;
                mag += fabs((double)q[i] * kv);
                /* each code is off by at most half a step */
                bound += fabs((double)q[i]) * dk[p] / 2 + (fabs(kv) + dk[p] / 2) * dq / 2;
            }
            float want = ((float)S * (dq * dk[p])) / 8.0f;
            CHECK(s[p] == want, "n %d score %d of %d: %g, the definition gives %g", n, p, n_pos,
                  (double)s[p], (double)want);
            CHECK(fabs(s[p] - exact / 8) <= (bound + 1e-6 * mag) / 8, "n %d score %d near exact", n,
                  p);
        }
    }
    free(k);
    free(kf);
    free(q);
    free(q8);
}

/* the definition, from the stored bytes (int64 sums) */
static void values_reference(const float *w0, const float *dv0, const int8_t *v0, int n0,
                             const float *w1, const float *dv1, const int8_t *v1, int n1, int n,
                             float *o)
{
    float wmax = 0;
    for (int p = 0; p < n0 + n1; p++) {
        float t = p < n0 ? w0[p] * dv0[p] : w1[p - n0] * dv1[p - n0];
        wmax = fabsf(t) > wmax ? fabsf(t) : wmax;
    }
    int32_t C = 16909320 / (n0 + n1) < 32767 ? 16909320 / (n0 + n1) : 32767;
    float inv = wmax > 0 ? (float)C / wmax : 0.0f;
    for (int i = 0; i < n; i++) {
        int64_t acc = 0;
        for (int p = 0; p < n0; p++)
            acc += (int64_t)nearbyintf((w0[p] * dv0[p]) * inv) * v0[gft_attn_v_q8_at(p, i, n)];
        for (int p = 0; p < n1; p++)
            acc += (int64_t)nearbyintf((w1[p] * dv1[p]) * inv) * v1[gft_attn_v_q8_at(p, i, n)];
        CHECK(acc >= INT32_MIN && acc <= INT32_MAX, "reference sum out of int32");
        o[i] = (float)acc * (wmax / (float)C);
    }
}

static void test_values(uint64_t *rng, int n)
{
    enum { NP = 41 };
    int8_t *v0 = calloc(gft_attn_v_q8_size(NP, n), 1), *v1 = calloc(gft_attn_v_q8_size(NP, n), 1);
    float *vf = malloc(sizeof(float) * 2 * NP * n), w[2 * NP], dv[2 * NP];
    float *o = malloc(sizeof(float) * n), *want = malloc(sizeof(float) * n);
    int16_t wq[2 * NP + 2];
    for (int p = 0; p < 2 * NP; p++) {
        for (int i = 0; i < n; i++)
            vf[p * n + i] = (float)tm_gauss(rng);
        dv[p] = p < NP ? gft_attn_put_v_q8(v0, p, n, vf + p * n)
                       : gft_attn_put_v_q8(v1, p - NP, n, vf + p * n);
        w[p] = (float)(0.001 + 0.03 * (double)(tm_next(rng) % 1000) / 1000.0);
    }
    int counts[][2] = {{NP, NP}, {1, 1}, {7, 0}, {0, 9}, {32, 13}, {3, 40}};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int n0 = counts[c][0], n1 = counts[c][1];
        gft_attn_values_q8(w, dv, v0, n0, w + NP, dv + NP, v1, n1, n, wq, o);
        values_reference(w, dv, v0, n0, w + NP, dv + NP, v1, n1, n, want);
        for (int i = 0; i < n; i++) {
            CHECK(o[i] == want[i], "n %d values %d+%d, feature %d: %g, the definition gives %g", n,
                  n0, n1, i, (double)o[i], (double)want[i]);
            double exact = 0, bound = 0, wmax = 0;
            for (int p = 0; p < n0 + n1; p++) {
                int at = p < n0 ? p : NP + p - n0;
                wmax = fmax(wmax, (double)w[at] * dv[at]);
            }
            for (int p = 0; p < n0 + n1; p++) {
                int at = p < n0 ? p : NP + p - n0;
                exact += (double)w[at] * vf[at * n + i];
                /* V off by half its step; the weight by half of wmax / 32767 */
                bound += w[at] * dv[at] / 2 + wmax / 32767 / 2 * 128;
            }
            CHECK(fabs(o[i] - exact) <= bound + 1e-6, "n %d values %d+%d near exact", n, n0, n1);
        }
    }
    /* a NaN V position makes every output NaN; zero weights give zeros */
    float dv_nan[2 * NP];
    memcpy(dv_nan, dv, sizeof dv);
    dv_nan[NP + 3] = NAN;
    gft_attn_values_q8(w, dv_nan, v0, NP, w + NP, dv_nan + NP, v1, NP, n, wq, o);
    for (int i = 0; i < n; i++)
        CHECK(isnan(o[i]), "n %d: NaN V gives NaN", n);
    float wz[2 * NP] = {0};
    gft_attn_values_q8(wz, dv, v0, NP, wz + NP, dv + NP, v1, NP, n, wq, o);
    for (int i = 0; i < n; i++)
        CHECK(o[i] == 0.0f, "n %d: zero weights give zero", n);
    free(v0);
    free(v1);
    free(vf);
    free(o);
    free(want);
}

/* 600 positions of codes +-127 with equal weights: the int16 scale falls to
 * 16909320 / 600, and the sums reach 127 * 600 * C without overflowing. */
static void test_values_limit(void)
{
    enum { NP = 300, N = 32 };
    static int8_t v0[NP * N], v1[NP * N];
    static float w[NP], dv[NP], o[N], want[N];
    static int16_t wq[2 * NP + 2];
    float ones[N], minus[N];
    for (int i = 0; i < N; i++) {
        ones[i] = 1.0f;
        minus[i] = i % 2 ? -1.0f : 1.0f;
    }
    for (int p = 0; p < NP; p++) {
        dv[p] = gft_attn_put_v_q8(v0, p, N, ones);
        gft_attn_put_v_q8(v1, p, N, minus);
        w[p] = 1.0f / (2 * NP);
    }
    gft_attn_values_q8(w, dv, v0, NP, w, dv, v1, NP, N, wq, o);
    values_reference(w, dv, v0, NP, w, dv, v1, NP, N, want);
    CHECK(wq[0] == 16909320 / (2 * NP), "int16 scale at 600 positions: %d", wq[0]);
    for (int i = 0; i < N; i++) {
        CHECK(o[i] == want[i], "limit feature %d: %g vs %g", i, (double)o[i], (double)want[i]);
        double exact = i % 2 ? 0.0 : 1.0;
        CHECK(fabs(o[i] - exact) < 1e-4, "limit feature %d: %g, exact %g", i, (double)o[i], exact);
    }
}

int main(void)
{
    uint64_t rng = 777;
    test_quantise(&rng);
    int widths[] = {4, 12, 20, 64, 72};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        test_scores(&rng, widths[i]);
    int value_widths[] = {4, 16, 24, 40, 64, 80, 136};
    for (size_t i = 0; i < sizeof value_widths / sizeof value_widths[0]; i++)
        test_values(&rng, value_widths[i]);
    test_values_limit();
    if (!check_failures)
        printf("int8 attention ok\n");
    CHECK_DONE();
}
