/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The int8 kernel (engine/kernels_q8i8.h): activation quantisation against
 * its definition, the packed products against an independent scalar
 * computation from the unpacked Q8_0 blocks (the same bits), their error
 * against the exact product within the quantisation bound, bit-identity
 * across R, row position, output ranges and threads, the epilogues, and
 * non-finite activations. Runs on every build: without AVX-512 VNNI the
 * engine takes the scalar path of the same arithmetic. */
#include "kernels_q8i8.h"
#include "test_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The definition: d = amax / 127, q = round-half-even(x * (127 / amax)). */
static void quantize_ref(const float *x, int8_t *q, float *d, int32_t *c)
{
    float amax = 0.0f;
    int bad = 0;
    for (int i = 0; i < 32; i++) {
        if (!isfinite(x[i]))
            bad = 1;
        else if (fabsf(x[i]) > amax)
            amax = fabsf(x[i]);
    }
    int32_t sum = 0;
    for (int i = 0; i < 32; i++) {
        q[i] = (bad || amax == 0.0f) ? 0 : (int8_t)nearbyintf(x[i] * (127.0f / amax));
        sum += q[i];
    }
    *d = bad ? NAN : amax / 127.0f;
    *c = -128 * sum;
}

/* y[r][o] from the unpacked blocks: exact integer block sums, then
 * acc = fmaf(S, d_w * d_x, acc) in block order. */
static float dot_ref(const gft_tensor *w, int64_t o, const gft_qrows *q, int r)
{
    int64_t nb = w->ne[0] / 32;
    const gft_block_q8_0 *blk = (const gft_block_q8_0 *)w->data + o * nb;
    float acc = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
        int32_t s = 0;
        for (int i = 0; i < 32; i++)
            s += blk[b].qs[i] * q->q[r * q->n + b * 32 + i];
        acc = fmaf((float)s, gft_half_to_float(blk[b].d) * q->d[r * nb + b], acc);
    }
    return acc;
}

static void test_quantize(uint64_t *rng)
{
    enum { N = 128 };
    float x[2 * N];
    for (int i = 0; i < 2 * N; i++)
        x[i] = (float)(tm_gauss(rng) * (i < N ? 1.0 : 1e-3));
    for (int i = 64; i < 96; i++) /* a zero block */
        x[i] = 0.0f;
    x[N + 5] = NAN;       /* block 4 of row 1 */
    x[N + 40] = INFINITY; /* block 5 */
    x[N + 100] = 16.0f;   /* amax: 127 / 16 = 7.9375 exactly */
    x[N + 101] = -8.0f;   /* -8 * 7.9375 = -63.5 rounds to -64 (half to even) */
    gft_qrows q;
    CHECK(gft_qrows_alloc(&q, 2, N), "qrows alloc");
    gft_quantize_rows(x, N, 2, N, &q);
    for (int r = 0; r < 2; r++)
        for (int b = 0; b < N / 32; b++) {
            int8_t qr[32];
            float d;
            int32_t c;
            quantize_ref(x + r * N + b * 32, qr, &d, &c);
            CHECK(memcmp(qr, q.q + r * N + b * 32, 32) == 0, "row %d block %d: codes", r, b);
            CHECK(c == q.c[r * 4 + b], "row %d block %d: correction %d vs %d", r, b, q.c[r * 4 + b],
                  c);
            CHECK((isnan(d) && isnan(q.d[r * 4 + b])) || d == q.d[r * 4 + b],
                  "row %d block %d: scale %g vs %g", r, b, q.d[r * 4 + b], d);
        }
    CHECK(q.d[2] == 0.0f, "a zero block has scale 0");
    CHECK(isnan(q.d[4]) && isnan(q.d[5]), "non-finite blocks get a NaN scale");
    CHECK(q.q[N + 100] == 127 && q.q[N + 101] == -64, "rounding: %d %d", q.q[N + 100],
          q.q[N + 101]);
    gft_qrows_free(&q);
}

static void test_products(int n_in, int n_out, gft_pool **pools, uint64_t *rng)
{
    gft_tensor w;
    tm_tensor(&w, GFT_TYPE_Q8_0, n_in, n_out, 1, 1, 0.5f, rng);
    /* extreme codes in some blocks: -128 (which a file may hold, though the
     * exporter writes -127 .. 127) and 127, next to activations at +-127 */
    gft_block_q8_0 *blocks = (gft_block_q8_0 *)w.data;
    for (int64_t b = 0; b < (int64_t)n_in / 32 * n_out; b += 7)
        for (int i = 0; i < 32; i++)
            blocks[b].qs[i] = (int8_t)(i % 3 == 0 ? -128 : i % 3 == 1 ? 127 : -127);
    size_t sz = gft_q8x16_size(&w);
    CHECK(sz == (size_t)n_in / 32 * 34 * n_out, "packed size %zu", sz);
    void *packed = aligned_alloc(64, (sz + 63) / 64 * 64);
    gft_q8x16_pack(&w, packed);
    w.packed = packed;

    enum { RMAX = 11 };
    int ldx = n_in + 7, ldy = n_out + 3;
    float *x = malloc(sizeof(float) * RMAX * ldx);
    float *y = malloc(sizeof(float) * RMAX * ldy), *yt = malloc(sizeof(float) * RMAX * ldy);
    for (int i = 0; i < RMAX * ldx; i++)
        x[i] = (float)(tm_gauss(rng) * (1 + i % 5));
    gft_qrows q, q1;
    CHECK(gft_qrows_alloc(&q, RMAX, n_in) && gft_qrows_alloc(&q1, 1, n_in), "qrows alloc");
    for (int R = 1; R <= RMAX; R++) {
        gft_quantize_rows(x, ldx, R, n_in, &q);
        gft_matmul_q8x16_range(&w, &q, R, y, ldy, 0, n_out, GFT_EPI_STORE);
        double worst = 0;
        for (int r = 0; r < R; r++) {
            for (int o = 0; o < n_out; o++) {
                float want = dot_ref(&w, o, &q, r);
                CHECK(memcmp(&want, &y[r * ldy + o], sizeof want) == 0,
                      "n_in %d R=%d row %d out %d: %.9g, the definition gives %.9g", n_in, R, r, o,
                      y[r * ldy + o], want);
                /* against the exact product: the quantisation error is at most
                 * half a step (amax / 254) per activation */
                double exact = 0, bound = 0;
                for (int i = 0; i < n_in; i++) {
                    double wi = tm_get(&w, o, i);
                    exact += wi * x[r * ldx + i];
                    bound += fabs(wi) * q.d[r * (n_in / 32) + i / 32] * 0.5;
                }
                double e = fabs(y[r * ldy + o] - exact) / (bound * 1.001 + 1e-6 * fabs(exact));
                worst = fmax(worst, e);
            }
            /* the same row alone gives the same bits */
            gft_quantize_rows(x + r * ldx, ldx, 1, n_in, &q1);
            gft_matmul_q8x16_range(&w, &q1, 1, yt, ldy, 0, n_out, GFT_EPI_STORE);
            CHECK(memcmp(yt, y + r * ldy, sizeof(float) * n_out) == 0,
                  "n_in %d: row %d of R=%d differs from R=1", n_in, r, R);
        }
        CHECK(worst <= 1.0, "n_in %d R=%d: error %.3g of the quantisation bound", n_in, R, worst);
        /* odd output ranges: partial groups take the scalar path */
        for (int o0 = 0; o0 < n_out;) {
            int o1 = o0 + 1 + (int)(tm_next(rng) % 23);
            if (o1 > n_out)
                o1 = n_out;
            gft_matmul_q8x16_range(&w, &q, R, yt, ldy, o0, o1, GFT_EPI_STORE);
            o0 = o1;
        }
        for (int r = 0; r < R; r++)
            CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
                  "R=%d: output ranges change bits", R);
        /* through gft_matmul at 1..3 threads */
        for (int p = 0; p < 3; p++) {
            gft_matmul_out mo = {&w, yt, ldy, GFT_EPI_STORE};
            gft_matmul(pools[p], &q, x, ldx, R, &mo, 1);
            for (int r = 0; r < R; r++)
                CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
                      "R=%d: %d threads change bits", R, p + 1);
        }
    }
    /* epilogues through gft_matmul */
    int R = 5;
    gft_quantize_rows(x, ldx, R, n_in, &q);
    gft_matmul_q8x16_range(&w, &q, R, y, ldy, 0, n_out, GFT_EPI_STORE);
    for (int i = 0; i < R * ldy; i++)
        yt[i] = 0.25f;
    gft_matmul_out add = {&w, yt, ldy, GFT_EPI_ADD};
    gft_matmul(pools[1], &q, x, ldx, R, &add, 1);
    for (int r = 0; r < R; r++)
        for (int o = 0; o < n_out; o++)
            CHECK(yt[r * ldy + o] == y[r * ldy + o] + 0.25f, "ADD epilogue");
    gft_matmul_out gelu = {&w, yt, ldy, GFT_EPI_GELU};
    gft_matmul(pools[1], &q, x, ldx, R, &gelu, 1);
    for (int r = 0; r < R; r++)
        for (int o = 0; o < n_out; o++) {
            double v = y[r * ldy + o], g = 0.5 * v * (1 + erf(v / sqrt(2.0)));
            CHECK(fabs(yt[r * ldy + o] - g) <= 1e-6 * (1 + fabs(g)), "GELU epilogue %g vs %g",
                  yt[r * ldy + o], g);
        }
    /* without scratch for the quantised rows gft_matmul takes the F32 kernel */
    gft_matmul_out plain = {&w, yt, ldy, GFT_EPI_STORE};
    gft_matmul(pools[0], NULL, x, ldx, R, &plain, 1);
    w.packed = NULL;
    gft_matmul_range(&w, x, ldx, R, y, ldy, 0, n_out, GFT_EPI_STORE);
    for (int r = 0; r < R; r++)
        CHECK(memcmp(yt + r * ldy, y + r * ldy, sizeof(float) * n_out) == 0,
              "no scratch: not the F32 kernel's bits");
    /* a non-finite activation makes its row's outputs NaN, no other row's */
    w.packed = packed;
    x[1 * ldx + 3] = INFINITY;
    gft_quantize_rows(x, ldx, 3, n_in, &q);
    gft_matmul_q8x16_range(&w, &q, 3, y, ldy, 0, n_out, GFT_EPI_STORE);
    for (int o = 0; o < n_out; o++)
        CHECK(isnan(y[ldy + o]) && isfinite(y[o]) && isfinite(y[2 * ldy + o]),
              "infinite activation, output %d", o);
    gft_qrows_free(&q);
    gft_qrows_free(&q1);
    free(packed);
    tm_tensor_free(&w);
    free(x);
    free(y);
    free(yt);
}

static void test_unpackable(uint64_t *rng)
{
    gft_tensor w;
    tm_tensor(&w, GFT_TYPE_Q8_0, 64, 24, 1, 1, 0.5f, rng); /* 24 outputs: not whole groups */
    CHECK(gft_q8x16_size(&w) == 0, "24 outputs cannot be packed");
    tm_tensor_free(&w);
    tm_tensor(&w, GFT_TYPE_F16, 64, 32, 1, 1, 0.5f, rng);
    CHECK(gft_q8x16_size(&w) == 0, "F16 is not packed");
    tm_tensor_free(&w);
}

int main(void)
{
    uint64_t rng = 777;
    gft_pool *pools[3] = {gft_pool_new(1), gft_pool_new(2), gft_pool_new(3)};
    CHECK(pools[0] && pools[1] && pools[2], "pools");
    printf("int8 kernel: %s\n", gft_q8x16_available() ? gft_q8x16_isa() : "none (the scalar path)");
    test_quantize(&rng);
    test_products(64, 48, pools, &rng);
    test_products(384, 160, pools, &rng);
    test_unpackable(&rng);
    for (int p = 0; p < 3; p++)
        gft_pool_free(pools[p]);
    if (!check_failures)
        printf("int8 kernels ok\n");
    CHECK_DONE();
}
