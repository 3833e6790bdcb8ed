/* 3x3, padding-1, same-size convolution by Winograd's F(2x2, 3x3): each 2x2
 * block of outputs comes from a 4x4 input tile with 16 multiplications per
 * input channel instead of 36, as 16 matrix products over all tiles.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONV_WINOGRAD_H
#define GFT_CONV_WINOGRAD_H

#include <stddef.h>

typedef struct {
    float *u; /* transformed weights [16][cout][cin], owned */
    int cin, cout;
} gft_wino_conv;

/* Transforms w [cout][cin * 9] (PyTorch's [cout][cin][3][3]); 0 on out of memory. */
int gft_wino_init(gft_wino_conv *c, const float *w, int cin, int cout);
void gft_wino_free(gft_wino_conv *c);

/* Tile rows (of 2 output rows) per band: a function of the shape only, so a
 * given map always runs the same products. */
int gft_wino_band_tile_rows(int H, int W);

/* Scratch floats that gft_wino_band needs for `tile_rows` tile rows. */
size_t gft_wino_scratch_floats(const gft_wino_conv *c, int W, int tile_rows);

/* Output rows 2*ty0 .. 2*(ty0 + nty) - 1 (those below H) of the conv plus
 * bias, from in [cin][H*W] into out [cout][H*W]; any H and W >= 1. */
void gft_wino_band(const gft_wino_conv *c, const float *bias, const float *in, int H, int W,
                   int ty0, int nty, float *scratch, float *out);

#endif
