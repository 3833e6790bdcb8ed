/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Multi-row matmul kernels against a double-precision reference, for F32,
 * F16 and Q8_0 and R = 1..16, and bit-identity across batch position, output
 * range and thread count. Also RMSNorm, GELU, softmax, attention and the
 * decoder's GroupNorm + SiLU. */
#include "kernels.h"
#include "test_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *tname(gft_type t)
{
    return t == GFT_TYPE_F32 ? "F32" : t == GFT_TYPE_F16 ? "F16" : "Q8_0";
}

static void test_matmul(gft_type type, int n_in, int n_out, gft_pool **pools, uint64_t *rng)
{
    gft_tensor w;
    tm_tensor(&w, type, n_in, n_out, 1, 1, 0.5f, rng);
    const int RMAX = 16;
    int ldx = n_in + 3, ldy = n_out + 5; /* strides wider than the rows */
    float *x = malloc(sizeof(float) * RMAX * ldx);
    float *y = malloc(sizeof(float) * RMAX * ldy), *y1 = malloc(sizeof(float) * ldy);
    float *yt = malloc(sizeof(float) * RMAX * ldy);
    for (int i = 0; i < RMAX * ldx; i++)
        x[i] = (float)tm_gauss(rng);
    for (int R = 1; R <= RMAX; R++) {
        gft_matmul_range(&w, x, ldx, R, y, ldy, 0, n_out, GFT_EPI_STORE);
        double worst = 0;
        for (int r = 0; r < R; r++) {
            for (int o = 0; o < n_out; o++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < n_in; i++) {
                    double p = tm_get(&w, o, i) * x[r * ldx + i];
                    ref += p;
                    mag += fabs(p);
                }
                double e = fabs(y[r * ldy + o] - ref) / (mag + 1e-30);
                if (e > worst)
                    worst = e;
            }
            /* the same row alone gives the same bits */
            gft_matmul_range(&w, x + r * ldx, ldx, 1, y1, ldy, 0, n_out, GFT_EPI_STORE);
            CHECK(memcmp(y1, y + r * ldy, sizeof(float) * n_out) == 0,
                  "%s n_in %d: row %d of R=%d differs from R=1", tname(type), n_in, r, R);
        }
        CHECK(worst < 2e-6, "%s n_in %d R=%d: relative error %g", tname(type), n_in, R, worst);
        /* odd output ranges */
        for (int o0 = 0; o0 < n_out;) {
            int o1 = o0 + 1 + (int)(tm_next(rng) % 7);
            if (o1 > n_out)
                o1 = n_out;
            gft_matmul_range(&w, x, ldx, R, yt, ldy, o0, o1, GFT_EPI_STORE);
            o0 = o1;
        }
        for (int r = 0; r < R; r++)
            CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
                  "%s R=%d: output ranges change bits", tname(type), R);
        /* thread counts 1..3 */
        for (int p = 0; p < 3; p++) {
            gft_matmul_out mo = {&w, yt, ldy, GFT_EPI_STORE};
            gft_matmul(pools[p], NULL, x, ldx, R, &mo, 1);
            for (int r = 0; r < R; r++)
                CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
                      "%s R=%d: %d threads change bits", tname(type), R, p + 1);
        }
    }
    /* epilogues */
    int R = 5;
    gft_matmul_range(&w, x, ldx, R, y, ldy, 0, n_out, GFT_EPI_STORE);
    for (int i = 0; i < R * ldy; i++)
        yt[i] = 0.25f;
    gft_matmul_range(&w, x, ldx, R, yt, ldy, 0, n_out, GFT_EPI_ADD);
    for (int r = 0; r < R; r++)
        for (int o = 0; o < n_out; o++)
            CHECK(yt[r * ldy + o] == y[r * ldy + o] + 0.25f, "%s ADD epilogue", tname(type));
    gft_matmul_range(&w, x, ldx, R, yt, ldy, 0, n_out, GFT_EPI_GELU);
    for (int r = 0; r < R; r++)
        for (int o = 0; o < n_out; o++) {
            double v = y[r * ldy + o], g = 0.5 * v * (1 + erf(v / sqrt(2.0)));
            CHECK(fabs(yt[r * ldy + o] - g) <= 1e-6 * (1 + fabs(g)), "%s GELU epilogue %g vs %g",
                  tname(type), yt[r * ldy + o], g);
        }
    /* several matrices in one job (the QKV form) */
    gft_tensor w2;
    tm_tensor(&w2, type, n_in, 19, 1, 1, 0.5f, rng);
    float *z = malloc(sizeof(float) * R * 19), *z1 = malloc(sizeof(float) * R * 19);
    gft_matmul_out two[2] = {{&w, yt, ldy, GFT_EPI_STORE}, {&w2, z, 19, GFT_EPI_STORE}};
    gft_matmul(pools[1], NULL, x, ldx, R, two, 2);
    gft_matmul_range(&w2, x, ldx, R, z1, 19, 0, 19, GFT_EPI_STORE);
    CHECK(memcmp(z, z1, sizeof(float) * R * 19) == 0, "%s two-matrix job, second", tname(type));
    for (int r = 0; r < R; r++)
        CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
              "%s two-matrix job, first", tname(type));
    free(z);
    free(z1);
    tm_tensor_free(&w2);
    tm_tensor_free(&w);
    free(x);
    free(y);
    free(y1);
    free(yt);
}

static void test_row_ops(uint64_t *rng)
{
    float x[203], g[203], out[203];
    for (int i = 0; i < 203; i++) {
        x[i] = (float)(3 * tm_gauss(rng));
        g[i] = (float)(1 + 0.1 * tm_gauss(rng));
    }
    gft_rmsnorm(x, g, 203, 1e-5f, out);
    double ss = 0;
    for (int i = 0; i < 203; i++)
        ss += (double)x[i] * x[i];
    for (int i = 0; i < 203; i++) {
        double ref = x[i] / sqrt(ss / 203 + 1e-5) * g[i];
        CHECK(fabs(out[i] - ref) <= 1e-6 * (1 + fabs(ref)), "rmsnorm %d: %g vs %g", i, out[i], ref);
    }
    for (double v = -8; v <= 8; v += 0.37) {
        double ref = 0.5 * v * (1 + erf(v / sqrt(2.0)));
        CHECK(fabs(gft_gelu((float)v) - ref) <= 1e-6 * (1 + fabs(ref)), "gelu(%g)", v);
    }
    /* the vector GELU: out to |x| = 15, where exp(-x^2 / 2) is clamped at
     * exp(-100) and scaled by 2^-144 (subnormal); the same bits for an
     * element wherever a range starts or ends */
    enum { NG = 301 };
    float gv[NG], gpart[NG];
    for (int i = 0; i < NG; i++)
        gv[i] = -15.0f + 0.1f * (float)i;
    memcpy(gpart, gv, sizeof gv);
    gft_gelu_inplace(gv, NG);
    for (int i = 0; i < NG; i++) {
        double v = -15.0 + 0.1 * i, ref = 0.5 * (float)v * (1 + erf((float)v / sqrt(2.0)));
        CHECK(fabs(gv[i] - ref) <= 1e-6 * (1 + fabs(ref)), "gelu_inplace(%g): %g vs %g", v, gv[i],
              ref);
    }
    for (int start = 0; start < 40; start += 3) {
        float t[NG];
        memcpy(t, gpart, sizeof t);
        gft_gelu_inplace(t + start, NG - start - start % 7);
        CHECK(memcmp(t + start, gv + start, (size_t)(NG - start - start % 7) * sizeof *t) == 0,
              "gelu_inplace bits from %d", start);
    }
    float s[37];
    double mx = -1e300, sum = 0;
    for (int i = 0; i < 37; i++) {
        s[i] = (float)(5 * tm_gauss(rng));
        mx = fmax(mx, s[i]);
    }
    double ref[37];
    for (int i = 0; i < 37; i++)
        sum += (ref[i] = exp(s[i] - mx));
    gft_softmax(s, 37);
    for (int i = 0; i < 37; i++)
        CHECK(fabs(s[i] - ref[i] / sum) <= 1e-6, "softmax %d", i);
    /* attention: scores and weighted values against double sums, F32 and F16
     * K/V, head sizes with and without vector tails; bits do not depend on
     * how many positions one call covers */
    for (int f16 = 0; f16 < 2; f16++) {
        for (int hd = 8; hd <= 72; hd += 16) {
            enum { NP = 11, STRIDE = 80 };
            float q[80], kf[NP * STRIDE], w[NP], sc[NP], sc1, o[80], o2[80];
            uint16_t kh[NP * STRIDE];
            for (int i = 0; i < hd; i++)
                q[i] = (float)tm_gauss(rng);
            for (int i = 0; i < NP * STRIDE; i++) {
                kh[i] = gft_f32_to_f16((float)tm_gauss(rng));
                kf[i] = gft_f16_to_f32(kh[i]);
            }
            const void *k = f16 ? (const void *)kh : (const void *)kf;
            for (int p = 0; p < NP; p++)
                w[p] = (float)(0.1 + 0.05 * p);
            for (int n_pos = 1; n_pos <= NP; n_pos++) {
                gft_attn_scores(q, k, f16, STRIDE, n_pos, hd, 8.0f, sc);
                for (int p = 0; p < n_pos; p++) {
                    double r = 0, mag = 0;
                    for (int i = 0; i < hd; i++) {
                        r += (double)q[i] * kf[p * STRIDE + i];
                        mag += fabs((double)q[i] * kf[p * STRIDE + i]);
                    }
                    CHECK(fabs(sc[p] - r / 8) <= 1e-6 * mag, "scores f16 %d hd %d", f16, hd);
                    gft_attn_scores(q, (const uint8_t *)k + (size_t)p * STRIDE * (f16 ? 2 : 4), f16,
                                    STRIDE, 1, hd, 8.0f, &sc1);
                    CHECK(memcmp(&sc1, &sc[p], 4) == 0, "score bits depend on the position count");
                }
                gft_attn_values(w, k, f16, STRIDE, n_pos, hd, o);
                for (int i = 0; i < hd; i++) {
                    double r = 0, mag = 0;
                    for (int p = 0; p < n_pos; p++) {
                        r += (double)w[p] * kf[p * STRIDE + i];
                        mag += fabs((double)w[p] * kf[p * STRIDE + i]);
                    }
                    CHECK(fabs(o[i] - r) <= 1e-6 * mag, "values f16 %d hd %d", f16, hd);
                }
                /* the same head in a wider call (o columns computed in other groups) */
                gft_attn_values(w, k, f16, STRIDE, n_pos, 80, o2);
                CHECK(memcmp(o, o2, sizeof(float) * hd) == 0 || hd % 64 != 0,
                      "value bits depend on the head width");
            }
        }
    }
    /* half conversion matches the engine-io helper on every half value */
    for (uint32_t h = 0; h < 65536; h++) {
        float a = gft_half_to_float((uint16_t)h), b = gft_f16_to_f32((uint16_t)h);
        CHECK((isnan(a) && isnan(b)) || memcmp(&a, &b, 4) == 0, "half %04x", h);
    }
}

/* The decode cache's attention: blocked K gives the bits of the transposed
 * form for every position count (partial last blocks included), and values
 * summed over two segments give the bits of one call over both. */
static void test_attn_blocked(uint64_t *rng)
{
    enum { NP = 70, HD = 72 };
    for (int f16 = 0; f16 < 2; f16++) {
        for (int hd = 8; hd <= HD; hd += 16) {
            int n_blk = (NP + GFT_KBLK - 1) / GFT_KBLK;
            float q[HD], kt[HD * NP], kb[HD * GFT_KBLK * 5], s1[NP], s2[NP];
            uint16_t kth[HD * NP], kbh[HD * GFT_KBLK * 5];
            CHECK(n_blk <= 5, "test sizes");
            memset(kb, 0, sizeof kb);
            memset(kbh, 0, sizeof kbh);
            for (int i = 0; i < hd; i++)
                q[i] = (float)tm_gauss(rng);
            for (int i = 0; i < hd; i++)
                for (int p = 0; p < NP; p++) {
                    uint16_t h = gft_f32_to_f16((float)tm_gauss(rng));
                    float f = gft_f16_to_f32(h);
                    size_t at = ((size_t)(p / GFT_KBLK) * hd + i) * GFT_KBLK + p % GFT_KBLK;
                    kth[i * NP + p] = h; /* transposed: feature i of position p */
                    kt[i * NP + p] = f;
                    kbh[at] = h;
                    kb[at] = f;
                }
            const void *t = f16 ? (const void *)kth : (const void *)kt;
            const void *b = f16 ? (const void *)kbh : (const void *)kb;
            for (int n_pos = 1; n_pos <= NP; n_pos += n_pos < 20 ? 1 : 7) {
                gft_attn_scores_t(q, t, f16, NP, n_pos, hd, 8.0f, s1);
                gft_attn_scores_blk(q, b, f16, n_pos, hd, 8.0f, s2);
                CHECK(memcmp(s1, s2, sizeof(float) * n_pos) == 0,
                      "blocked scores f16 %d hd %d n_pos %d", f16, hd, n_pos);
                for (int p = 0; p < n_pos; p++) {
                    double r = 0, mag = 0;
                    for (int i = 0; i < hd; i++) {
                        r += (double)q[i] * kt[i * NP + p];
                        mag += fabs((double)q[i] * kt[i * NP + p]);
                    }
                    CHECK(fabs(s2[p] - r / 8) <= 1e-6 * mag, "blocked score %d", p);
                }
            }
            /* values: positions [0, cut) from one segment, [cut, n) from another */
            float w[NP], o1[HD], o2[HD];
            for (int p = 0; p < NP; p++)
                w[p] = (float)(0.01 + 0.02 * (p % 13));
            for (int n_pos = 2; n_pos <= NP; n_pos += 17)
                for (int cut = 1; cut < n_pos; cut += 5) {
                    gft_attn_values(w, t, f16, (size_t)hd, n_pos, hd, o1);
                    gft_attn_values(w, t, f16, (size_t)hd, cut, hd, o2);
                    gft_attn_values_add(w + cut,
                                        (const uint8_t *)t + (size_t)cut * hd * (f16 ? 2 : 4), f16,
                                        (size_t)hd, n_pos - cut, hd, o2);
                    CHECK(memcmp(o1, o2, sizeof(float) * hd) == 0,
                          "split values f16 %d hd %d n %d cut %d", f16, hd, n_pos, cut);
                }
        }
    }
    /* softmax over sizes around the vector width: sums to 1, matches exp */
    float sx[300];
    for (int n = 1; n <= 300; n += n < 40 ? 1 : 37) {
        double mx = -1e300, sum = 0, ref[300];
        for (int i = 0; i < n; i++) {
            sx[i] = (float)(4 * tm_gauss(rng));
            mx = fmax(mx, sx[i]);
        }
        for (int i = 0; i < n; i++)
            sum += (ref[i] = exp(sx[i] - mx));
        gft_softmax(sx, n);
        for (int i = 0; i < n; i++)
            CHECK(fabs(sx[i] - ref[i] / sum) <= 1e-6, "softmax n %d at %d", n, i);
    }
}

/* The VQ decoder's GroupNorm pieces: mean and variance against double sums,
 * SiLU of the normalised values against a double reference over the whole
 * range (large |v| included), and the same bits for an element wherever the
 * row starts or ends (vector tails). */
static void test_group_norm(uint64_t *rng)
{
    enum { N = 301 };
    float x[N], y[N], y2[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(2.5 + 4 * tm_gauss(rng));
    for (int n = 1; n <= N; n += 37) {
        double mean, var, sum = 0, sq = 0;
        gft_mean_var(x, (size_t)n, &mean, &var);
        for (int i = 0; i < n; i++)
            sum += x[i];
        for (int i = 0; i < n; i++)
            sq += (x[i] - sum / n) * (x[i] - sum / n);
        CHECK(fabs(mean - sum / n) <= 1e-12 * (1 + fabs(mean)), "mean n %d", n);
        CHECK(fabs(var - sq / n) <= 1e-12 * (1 + var), "var n %d", n);
    }
    const float mean = 2.5f, inv = 0.8f, w = 3.0f, b = -0.5f; /* v reaches about +-40 */
    gft_affine_silu(x, y, N, mean, inv, w, b);
    for (int i = 0; i < N; i++) {
        double v = (double)((x[i] - mean) * inv * w + b), ref = v / (1 + exp(-v));
        CHECK(fabs(y[i] - ref) <= 2e-6 * (1 + fabs(ref)), "silu %d: %g vs %g", i, y[i], ref);
    }
    for (int start = 1; start < 20; start += 3) {
        gft_affine_silu(x + start, y2, N - start - 5, mean, inv, w, b);
        CHECK(memcmp(y2, y + start, (size_t)(N - start - 5) * sizeof *y) == 0, "silu bits start %d",
              start);
    }
    memcpy(y2, x, sizeof x);
    gft_affine_silu(y2, y2, N, mean, inv, w, b); /* in place */
    CHECK(memcmp(y2, y, sizeof y) == 0, "silu in place");
}

int main(void)
{
    uint64_t rng = 12345;
    gft_pool *pools[3] = {gft_pool_new(1), gft_pool_new(2), gft_pool_new(3)};
    CHECK(pools[0] && pools[1] && pools[2], "pools");
    gft_type types[3] = {GFT_TYPE_F32, GFT_TYPE_F16, GFT_TYPE_Q8_0};
    for (int t = 0; t < 3; t++) {
        test_matmul(types[t], 64, 37, pools, &rng);
        test_matmul(types[t], 160, 21, pools, &rng);
        if (types[t] != GFT_TYPE_Q8_0)
            test_matmul(types[t], 53, 9, pools, &rng); /* vector tail */
    }
    test_row_ops(&rng);
    test_attn_blocked(&rng);
    test_group_norm(&rng);
    for (int p = 0; p < 3; p++)
        gft_pool_free(pools[p]);
    if (!check_failures)
        printf("kernels ok\n");
    CHECK_DONE();
}
