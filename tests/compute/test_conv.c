/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VQ decoder's fast 3x3 convs against a direct double-precision
 * convolution with zero padding:
 *   - Winograd F(2x2, 3x3) (engine/conv_winograd.h) on even, odd and tiny
 *     maps, whole and cut into bands of every height;
 *   - upsample-then-conv on the low-resolution map (engine/conv_subpixel.h),
 *     likewise;
 *   - im2col (engine/conv.h) through one sgemm.
 * Each output must be within a small multiple of F32 rounding of the exact
 * sum (scaled by the sum of |w x| terms), every output must be written, and
 * band heights must not change the result beyond that. */
#include "conv.h"
#include "conv_subpixel.h"
#include "conv_winograd.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static float uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((*s >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

static float *random_floats(size_t n, uint64_t *rng)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng);
    return x;
}

/* Direct conv of in [cin][ih][iw] (read through x2 nearest upsampling when
 * up) into exact [cout][H][W] and bound[cout][H][W] = sum |w x| + |b|. */
static void reference(const float *w, const float *b, const float *in, int cin, int cout, int H,
                      int W, int up, double *exact, double *bound)
{
    int ih = up ? H / 2 : H, iw = up ? W / 2 : W;
    for (int co = 0; co < cout; co++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double s = b[co], a = fabs(b[co]);
                for (int ci = 0; ci < cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int sy = y + ky - 1, sx = x + kx - 1;
                            if (sy < 0 || sy >= H || sx < 0 || sx >= W)
                                continue;
                            if (up) {
                                sy /= 2;
                                sx /= 2;
                            }
                            double t = (double)w[((size_t)co * cin + ci) * 9 + ky * 3 + kx] *
                                       in[((size_t)ci * ih + sy) * iw + sx];
                            s += t;
                            a += fabs(t);
                        }
                size_t o = ((size_t)co * H + y) * W + x;
                exact[o] = s;
                bound[o] = a;
            }
}

/* Every output within 4 * (cin * 9 + 8) F32 ulps of its |terms| sum (the
 * transforms add a few roundings on top of the products' sums). */
static int compare(const char *what, const float *got, const double *exact, const double *bound,
                   size_t n, int cin)
{
    double tol = 4.0 * (cin * 9 + 8) * 0x1p-24, worst = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - exact[i]), lim = tol * bound[i] + 1e-30;
        if (!(e <= lim))
            bad++;
        if (e / lim > worst)
            worst = e / lim;
    }
    CHECK(bad == 0, "%s: %d of %zu outputs off (worst %.2f x the bound)", what, bad, n, worst);
    return bad == 0;
}

/* One conv under test, run in bands of `rows` units (tile rows or input
 * rows) over its `units`. */
typedef struct {
    const char *kind;
    int units;
    const float *bias, *in;
    int h, w; /* the input map */
    union {
        gft_wino_conv wino;
        gft_up_conv up;
    } c;
    size_t (*scratch_floats)(const void *c, int w, int rows);
    void (*band)(const void *c, const float *bias, const float *in, int h, int w, int first, int n,
                 float *scratch, float *out);
} conv_case;

static size_t wino_scratch(const void *c, int w, int rows)
{
    return gft_wino_scratch_floats(c, w, rows);
}

static void wino_band(const void *c, const float *bias, const float *in, int h, int w, int first,
                      int n, float *scratch, float *out)
{
    gft_wino_band(c, bias, in, h, w, first, n, scratch, out);
}

static size_t up_scratch(const void *c, int w, int rows)
{
    return gft_up_scratch_floats(c, w, rows);
}

static void up_band(const void *c, const float *bias, const float *in, int h, int w, int first,
                    int n, float *scratch, float *out)
{
    gft_up_band(c, bias, in, h, w, first, n, scratch, out);
}

/* Every band height, every output written, each within the bound. */
static void check_bands(const conv_case *t, int cin, int cout, size_t n_out, const double *exact,
                        const double *bound)
{
    float *out = malloc(n_out * sizeof *out);
    for (int rows = 1; rows <= t->units; rows++) {
        float *scratch = malloc(t->scratch_floats(&t->c, t->w, rows) * sizeof *scratch);
        for (size_t i = 0; i < n_out; i++)
            out[i] = NAN; /* every output must be written */
        for (int first = 0; first < t->units; first += rows)
            t->band(&t->c, t->bias, t->in, t->h, t->w, first,
                    first + rows <= t->units ? rows : t->units - first, scratch, out);
        char what[96];
        snprintf(what, sizeof what, "%s %dx%d cin %d cout %d, bands of %d", t->kind, t->h, t->w,
                 cin, cout, rows);
        compare(what, out, exact, bound, n_out, cin);
        free(scratch);
    }
    free(out);
}

static void test_winograd(int H, int W, int cin, int cout, uint64_t *rng)
{
    size_t P = (size_t)H * W;
    float *w = random_floats((size_t)cout * cin * 9, rng), *b = random_floats(cout, rng);
    float *in = random_floats(P * cin, rng);
    double *exact = malloc(P * cout * sizeof *exact), *bound = malloc(P * cout * sizeof *bound);
    reference(w, b, in, cin, cout, H, W, 0, exact, bound);
    conv_case t = {"winograd", (H + 1) / 2, b, in, H, W, {{0}}, wino_scratch, wino_band};
    CHECK(gft_wino_init(&t.c.wino, w, cin, cout), "wino init");
    int plan = gft_wino_band_tile_rows(H, W);
    CHECK(plan >= 1 && plan <= t.units, "%dx%d: %d tile rows per band", H, W, plan);
    check_bands(&t, cin, cout, P * cout, exact, bound);
    gft_wino_free(&t.c.wino);
    free(w), free(b), free(in), free(exact), free(bound);
}

static void test_upsample(int h, int w, int cin, int cout, uint64_t *rng)
{
    size_t P = (size_t)4 * h * w;
    float *wt = random_floats((size_t)cout * cin * 9, rng), *b = random_floats(cout, rng);
    float *in = random_floats((size_t)h * w * cin, rng);
    double *exact = malloc(P * cout * sizeof *exact), *bound = malloc(P * cout * sizeof *bound);
    reference(wt, b, in, cin, cout, 2 * h, 2 * w, 1, exact, bound);
    conv_case t = {"upsample", h, b, in, h, w, {{0}}, up_scratch, up_band};
    CHECK(gft_up_init(&t.c.up, wt, cin, cout), "up init");
    int plan = gft_up_band_rows(h, w);
    CHECK(plan >= 1 && plan <= h, "%dx%d: %d rows per band", h, w, plan);
    check_bands(&t, cin, cout, P * cout, exact, bound);
    gft_up_free(&t.c.up);
    free(wt), free(b), free(in), free(exact), free(bound);
}

static void test_im2col(int H, int W, int cin, int cout, uint64_t *rng)
{
    size_t P = (size_t)H * W, K = (size_t)cin * 9;
    float *w = random_floats((size_t)cout * K, rng), *b = random_floats(cout, rng);
    float *in = random_floats(P * cin, rng), *out = malloc(P * cout * sizeof *out);
    float *col = malloc(K * P * sizeof *col);
    double *exact = malloc(P * cout * sizeof *exact), *bound = malloc(P * cout * sizeof *bound);
    reference(w, b, in, cin, cout, H, W, 0, exact, bound);
    for (int y0 = 0; y0 < H; y0 += 3) { /* bands of 3 rows */
        int ny = y0 + 3 <= H ? 3 : H - y0, np = ny * W;
        gft_im2col_band(in, cin, H, W, y0, ny, col);
        for (int co = 0; co < cout; co++)
            for (int i = 0; i < np; i++)
                out[(size_t)co * P + (size_t)y0 * W + i] = b[co];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, np, (int)K, 1.0f, w, (int)K,
                    col, np, 1.0f, out + (size_t)y0 * W, (int)P);
    }
    char what[96];
    snprintf(what, sizeof what, "im2col %dx%d cin %d cout %d", H, W, cin, cout);
    compare(what, out, exact, bound, P * cout, cin);
    free(w), free(b), free(in), free(out), free(col), free(exact), free(bound);
}

int main(void)
{
    uint64_t rng = 20261128;
    static const int maps[][2] = {{1, 1}, {1, 4}, {2, 2},   {3, 5},
                                  {5, 3}, {7, 8}, {16, 16}, {9, 33}};
    static const int chans[][2] = {{1, 1}, {3, 5}, {8, 4}, {17, 9}};
    for (size_t m = 0; m < sizeof maps / sizeof *maps; m++)
        for (size_t c = 0; c < sizeof chans / sizeof *chans; c++) {
            test_winograd(maps[m][0], maps[m][1], chans[c][0], chans[c][1], &rng);
            test_upsample(maps[m][0], maps[m][1], chans[c][0], chans[c][1], &rng);
            test_im2col(maps[m][0], maps[m][1], chans[c][0], chans[c][1], &rng);
        }
    /* decoder-like shapes: wide channels on a small map, few on a large one */
    test_winograd(16, 16, 256, 32, &rng);
    test_winograd(64, 64, 32, 32, &rng);
    test_upsample(16, 16, 256, 16, &rng);
    test_upsample(32, 32, 32, 16, &rng);
    CHECK_DONE();
}
