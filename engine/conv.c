/* SPDX-License-Identifier: GPL-3.0-or-later */
/* im2col for 3x3 convs. */
#include "conv.h"

#include <stddef.h>
#include <string.h>

/* One row of the im2col matrix: d[x] = src[x + kx - 1] where that column
 * lies inside the map, 0 in the padding. */
static void im2col_row(float *d, const float *src, int W, int kx)
{
    int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? W - 1 : W;
    if (x0 > 0)
        d[0] = 0.0f;
    if (x1 < W)
        d[W - 1] = 0.0f;
    if (x1 > x0)
        memcpy(d + x0, src + x0 + kx - 1, (size_t)(x1 - x0) * sizeof *d);
}

void gft_im2col_band(const float *in, int cin, int H, int W, int y0, int ny, float *col)
{
    int np = ny * W;
    size_t ip = (size_t)W * H;
    for (int ci = 0; ci < cin; ci++) {
        const float *src = in + (size_t)ci * ip;
        for (int t = 0; t < 9; t++) {
            int ky = t / 3, kx = t % 3;
            float *dst = col + ((size_t)ci * 9 + (size_t)t) * (size_t)np;
            for (int y = 0; y < ny; y++) {
                int sy = y0 + y + ky - 1;
                float *d = dst + (size_t)y * W;
                if (sy < 0 || sy >= H)
                    memset(d, 0, (size_t)W * sizeof *d);
                else
                    im2col_row(d, src + (size_t)sy * W, W, kx);
            }
        }
    }
}
