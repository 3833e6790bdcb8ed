/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Upsample-then-conv on the low-resolution map. Output row Y = 2y + py reads
 * upsampled rows Y - 1 .. Y + 1, which are input rows y + (py + ky + 1) / 2 - 1
 * for ky = 0, 1, 2: two distinct rows per phase, at offsets py - 1 and py. Tap
 * ky lands on the phase's row r = (py + ky + 1) / 2 - py; columns likewise.
 * Folding the 3x3 weights onto those 2x2 taps is exact up to rounding, and
 * the padding stays zero: upsampled row -1 or 2h is input row -1 or h. */
#include "conv_subpixel.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Output pixels per phase product the band height aims at (as in the
 * Winograd convs). */
#define BAND_PIXELS 256

static int tap_of(int phase_bit, int k)
{
    return (phase_bit + k + 1) / 2 - phase_bit;
}

int gft_up_init(gft_up_conv *c, const float *w, int cin, int cout)
{
    size_t K = (size_t)cin * 4;
    c->cin = cin;
    c->cout = cout;
    c->w = malloc(4 * (size_t)cout * K * sizeof *c->w);
    if (!c->w)
        return 0;
    for (int p = 0; p < 4; p++) {
        int py = p / 2, px = p % 2;
        /* which folded tap each of the 9 taps adds into */
        int into[9];
        for (int k = 0; k < 9; k++)
            into[k] = tap_of(py, k / 3) * 2 + tap_of(px, k % 3);
        float *dst = c->w + (size_t)p * cout * K;
        for (size_t oc = 0; oc < (size_t)cout * cin; oc++) { /* oc = co * cin + ci */
            const float *g = w + oc * 9;
            float f[4] = {0, 0, 0, 0};
            for (int k = 0; k < 9; k++)
                f[into[k]] += g[k];
            memcpy(dst + oc * 4, f, sizeof f);
        }
    }
    return 1;
}

void gft_up_free(gft_up_conv *c)
{
    free(c->w);
    c->w = NULL;
}

int gft_up_band_rows(int h, int w)
{
    int rows = (BAND_PIXELS + w - 1) / w, half = (h + 1) / 2;
    if (rows > half) /* at least two bands where the map has two rows */
        rows = half;
    return rows < 1 ? 1 : rows;
}

size_t gft_up_scratch_floats(const gft_up_conv *c, int w, int rows)
{
    size_t n = (size_t)w * rows;
    return n * ((size_t)c->cin * 4 + 4 * (size_t)c->cout);
}

/* col [cin][4 taps][ny * w]: the phase's 2x2 neighbourhood of each pixel in
 * input rows y0 .. y0 + ny - 1, zero outside the map. */
static void phase_columns(const float *in, int cin, int h, int w, int y0, int ny, int py, int px,
                          float *col)
{
    size_t n = (size_t)ny * w;
    for (int ci = 0; ci < cin; ci++) {
        const float *src = in + (size_t)ci * h * w;
        for (int t = 0; t < 4; t++) {
            int dy = t / 2 + py - 1, dx = t % 2 + px - 1;
            float *dst = col + ((size_t)ci * 4 + t) * n;
            for (int y = 0; y < ny; y++) {
                int sy = y0 + y + dy;
                float *d = dst + (size_t)y * w;
                if (sy < 0 || sy >= h) {
                    memset(d, 0, (size_t)w * sizeof *d);
                    continue;
                }
                const float *s = src + (size_t)sy * w;
                int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? w - 1 : w;
                if (x0 > 0)
                    d[0] = 0.0f;
                if (x1 < w)
                    d[w - 1] = 0.0f;
                if (x1 > x0)
                    memcpy(d + x0, s + x0 + dx, (size_t)(x1 - x0) * sizeof *d);
            }
        }
    }
}

void gft_up_band(const gft_up_conv *c, const float *bias, const float *in, int h, int w, int y0,
                 int ny, float *scratch, float *out)
{
    int K = c->cin * 4, n = ny * w, W = 2 * w;
    float *col = scratch, *res = scratch + (size_t)K * n; /* res [4 phases][cout][n] */
    for (int p = 0; p < 4; p++) {
        phase_columns(in, c->cin, h, w, y0, ny, p / 2, p % 2, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, n, K, 1.0f,
                    c->w + (size_t)p * c->cout * K, K, col, n, 0.0f, res + (size_t)p * c->cout * n,
                    n);
    }
    /* interleave the phases into output rows 2y, 2y + 1, adding the bias */
    for (int co = 0; co < c->cout; co++) {
        float b = bias[co];
        for (int y = 0; y < ny; y++)
            for (int py = 0; py < 2; py++) {
                const float *e = res + ((size_t)(2 * py) * c->cout + co) * n + (size_t)y * w;
                const float *o = e + (size_t)c->cout * n; /* phase 2 * py + 1 */
                float *d = out + ((size_t)co * 2 * h + 2 * (y0 + y) + py) * W;
                for (int x = 0; x < w; x++) {
                    d[2 * x] = e[x] + b;
                    d[2 * x + 1] = o[x] + b;
                }
            }
    }
}
