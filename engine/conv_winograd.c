/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Winograd F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016): Y = A^T [(G g G^T) . (B^T d B)] A for each 4x4
 * input tile d, with
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
 *   A^T = [1 1 1 0; 0 1 -1 -1].
 * The 16 element-wise products, summed over input channels, are 16 sgemm
 * calls over a band of tiles. F32 throughout; the transforms only add. */
#include "conv_winograd.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Tiles per band the band height aims at: products wide enough for sgemm,
 * buffers small enough for the L2 cache. */
#define BAND_TILES 256

/* U = G g G^T for one output channel's kernels: t [9][cin] (tap-major) into
 * r [16][cin], so that every access runs over contiguous input channels. */
static void transform_kernels(const float *restrict t, int cin, float *restrict r)
{
    for (int ci = 0; ci < cin; ci++) {
        float gg[4][3];
        for (int k = 0; k < 3; k++) { /* G g: rows */
            float g0 = t[(size_t)k * cin + ci], g1 = t[(size_t)(3 + k) * cin + ci];
            float g2 = t[(size_t)(6 + k) * cin + ci];
            gg[0][k] = g0;
            gg[1][k] = 0.5f * (g0 + g1 + g2);
            gg[2][k] = 0.5f * (g0 - g1 + g2);
            gg[3][k] = g2;
        }
        for (int i = 0; i < 4; i++) { /* (G g) G^T: columns */
            float a = gg[i][0], b = gg[i][1], d = gg[i][2];
            r[(size_t)(4 * i) * cin + ci] = a;
            r[(size_t)(4 * i + 1) * cin + ci] = 0.5f * (a + b + d);
            r[(size_t)(4 * i + 2) * cin + ci] = 0.5f * (a - b + d);
            r[(size_t)(4 * i + 3) * cin + ci] = d;
        }
    }
}

int gft_wino_init(gft_wino_conv *c, const float *w, int cin, int cout)
{
    size_t plane = (size_t)cout * cin;
    c->cin = cin;
    c->cout = cout;
    c->u = malloc(16 * plane * sizeof *c->u);
    float *t = malloc((size_t)25 * cin * sizeof *t), *r = t + (size_t)9 * cin;
    if (!c->u || !t) {
        free(t);
        gft_wino_free(c);
        return 0;
    }
    for (int co = 0; co < cout; co++) {
        const float *g = w + (size_t)co * cin * 9;
        for (int ci = 0; ci < cin; ci++)
            for (int k = 0; k < 9; k++)
                t[(size_t)k * cin + ci] = g[(size_t)ci * 9 + k];
        transform_kernels(t, cin, r);
        for (int xi = 0; xi < 16; xi++)
            memcpy(c->u + (size_t)xi * plane + (size_t)co * cin, r + (size_t)xi * cin,
                   (size_t)cin * sizeof *r);
    }
    free(t);
    return 1;
}

void gft_wino_free(gft_wino_conv *c)
{
    free(c->u);
    c->u = NULL;
}

int gft_wino_band_tile_rows(int H, int W)
{
    int th = (H + 1) / 2, tw = (W + 1) / 2;
    int rows = (BAND_TILES + tw - 1) / tw, half = (th + 1) / 2;
    /* at least two bands where the map has two tile rows, so two threads
     * share even the smallest level */
    if (rows > half)
        rows = half;
    return rows < 1 ? 1 : rows;
}

static size_t col_floats(int W)
{
    return (size_t)2 * ((W + 1) / 2) + 2; /* input columns -1 .. 2 * tw */
}

size_t gft_wino_scratch_floats(const gft_wino_conv *c, int W, int tile_rows)
{
    size_t tiles = (size_t)tile_rows * ((W + 1) / 2);
    /* V and M, then four column buffers and a row of zeros (all also used
     * by the output transform: 8 rows of tw) */
    return 16 * tiles * ((size_t)c->cin + (size_t)c->cout) + 4 * col_floats(W) + (size_t)W;
}

/* B^T d down each column: c_k[x] for the tile's four input rows. */
static void columns_bt(const float *restrict d0, const float *restrict d1, const float *restrict d2,
                       const float *restrict d3, float *restrict c0, float *restrict c1,
                       float *restrict c2, float *restrict c3, int W)
{
    for (int x = 0; x < W; x++) {
        c0[x] = d0[x] - d2[x];
        c1[x] = d1[x] + d2[x];
        c2[x] = d2[x] - d1[x];
        c3[x] = d1[x] - d3[x];
    }
}

/* Then B along each tile's row: c holds input columns -1 .. 2 * tw. */
static void rows_b(const float *restrict c, float *restrict v0, float *restrict v1,
                   float *restrict v2, float *restrict v3, int tw)
{
    for (int tx = 0; tx < tw; tx++) {
        float a = c[2 * tx], b = c[2 * tx + 1], e = c[2 * tx + 2], f = c[2 * tx + 3];
        v0[tx] = a - e;
        v1[tx] = b + e;
        v2[tx] = e - b;
        v3[tx] = b - f;
    }
}

/* V[xi][ci][t] = (B^T d B)[xi] for channel ci's tiles in tile rows ty0 .. */
static void input_transform(const float *in, int H, int W, int ty0, int nty, int cin, float *v,
                            size_t tiles, float *cols, const float *zeros)
{
    int tw = (W + 1) / 2;
    size_t ncol = col_floats(W), plane = (size_t)cin * tiles;
    float *c[4] = {cols, cols + ncol, cols + 2 * ncol, cols + 3 * ncol};
    for (int k = 0; k < 4; k++) { /* columns -1 and W .. 2 * tw stay zero */
        c[k][0] = 0.0f;
        for (size_t x = (size_t)W + 1; x < ncol; x++)
            c[k][x] = 0.0f;
    }
    for (int ci = 0; ci < cin; ci++) {
        const float *src = in + (size_t)ci * H * W;
        for (int ty = 0; ty < nty; ty++) {
            const float *row[4];
            for (int a = 0; a < 4; a++) {
                int y = 2 * (ty0 + ty) - 1 + a;
                row[a] = y >= 0 && y < H ? src + (size_t)y * W : zeros;
            }
            columns_bt(row[0], row[1], row[2], row[3], c[0] + 1, c[1] + 1, c[2] + 1, c[3] + 1, W);
            for (int k = 0; k < 4; k++) {
                float *v0 = v + (size_t)(4 * k) * plane + (size_t)ci * tiles + (size_t)ty * tw;
                rows_b(c[k], v0, v0 + plane, v0 + 2 * plane, v0 + 3 * plane, tw);
            }
        }
    }
}

/* A^T m down each tile's column: s0_k = m_0k + m_1k + m_2k and
 * s1_k = m_1k - m_2k - m_3k, over a tile row. */
static void columns_at(const float *restrict m0, const float *restrict m1, const float *restrict m2,
                       const float *restrict m3, float *restrict s0, float *restrict s1, int tw)
{
    for (int tx = 0; tx < tw; tx++) {
        s0[tx] = m0[tx] + m1[tx] + m2[tx];
        s1[tx] = m1[tx] - m2[tx] - m3[tx];
    }
}

/* Then A along the rows, plus the bias, into one output row (odd W: the last
 * tile's second column is dropped). */
static void rows_a(const float *restrict a, const float *restrict b, const float *restrict c,
                   const float *restrict d, float bias, float *restrict out, int W)
{
    int pairs = W / 2;
    for (int tx = 0; tx < pairs; tx++) {
        out[2 * tx] = a[tx] + b[tx] + c[tx] + bias;
        out[2 * tx + 1] = b[tx] - c[tx] - d[tx] + bias;
    }
    if (W % 2)
        out[W - 1] = a[pairs] + b[pairs] + c[pairs] + bias;
}

/* out = A^T m A + bias for every output channel's tiles; s: 8 rows of tw. */
static void output_transform(const float *mm, const float *bias, int H, int W, int ty0, int nty,
                             int cout, size_t tiles, float *s, float *out)
{
    int tw = (W + 1) / 2;
    for (int co = 0; co < cout; co++) {
        const float *m[16];
        for (int xi = 0; xi < 16; xi++)
            m[xi] = mm + ((size_t)xi * cout + co) * tiles;
        for (int ty = 0; ty < nty; ty++) {
            size_t t0 = (size_t)ty * tw;
            for (int k = 0; k < 4; k++)
                columns_at(m[k] + t0, m[4 + k] + t0, m[8 + k] + t0, m[12 + k] + t0,
                           s + (size_t)k * tw, s + (size_t)(4 + k) * tw, tw);
            int y = 2 * (ty0 + ty);
            for (int i = 0; i < 2 && y + i < H; i++) {
                const float *si = s + (size_t)(4 * i) * tw;
                rows_a(si, si + tw, si + 2 * tw, si + 3 * tw, bias[co],
                       out + ((size_t)co * H + y + i) * W, W);
            }
        }
    }
}

void gft_wino_band(const gft_wino_conv *c, const float *bias, const float *in, int H, int W,
                   int ty0, int nty, float *scratch, float *out)
{
    size_t tiles = (size_t)nty * ((W + 1) / 2);
    float *v = scratch, *m = v + 16 * tiles * c->cin, *cols = m + 16 * tiles * c->cout;
    float *zeros = cols + 4 * col_floats(W);
    memset(zeros, 0, (size_t)W * sizeof *zeros);
    input_transform(in, H, W, ty0, nty, c->cin, v, tiles, cols, zeros);
    size_t plane = (size_t)c->cout * c->cin;
    for (int xi = 0; xi < 16; xi++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, (int)tiles, c->cin, 1.0f,
                    c->u + xi * plane, c->cin, v + xi * tiles * c->cin, (int)tiles, 0.0f,
                    m + xi * tiles * c->cout, (int)tiles);
    output_transform(m, bias, H, W, ty0, nty, c->cout, tiles, cols, out);
}
