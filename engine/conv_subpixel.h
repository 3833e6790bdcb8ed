/* Nearest-neighbour x2 upsampling followed by a 3x3, padding-1 convolution,
 * computed on the low-resolution map: each of the four output phases
 * (even/odd row, even/odd column) sees a 2x2 neighbourhood of the input,
 * with the 3x3 taps that land on the same input pixel summed once at load.
 * 16 multiplications per input pixel and channel instead of 36.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONV_SUBPIXEL_H
#define GFT_CONV_SUBPIXEL_H

#include <stddef.h>

typedef struct {
    float *w; /* folded weights [4 phases][cout][cin * 4], owned */
    int cin, cout;
} gft_up_conv;

/* Folds w [cout][cin * 9] (PyTorch's [cout][cin][3][3]); 0 on out of memory. */
int gft_up_init(gft_up_conv *c, const float *w, int cin, int cout);
void gft_up_free(gft_up_conv *c);

/* Input rows per band: a function of the shape only. */
int gft_up_band_rows(int h, int w);

/* Scratch floats that gft_up_band needs for `rows` input rows of width w. */
size_t gft_up_scratch_floats(const gft_up_conv *c, int w, int rows);

/* Output rows 2*y0 .. 2*(y0 + ny) - 1 of upsample-then-conv plus bias, from
 * in [cin][h*w] into out [cout][(2h)*(2w)]. */
void gft_up_band(const gft_up_conv *c, const float *bias, const float *in, int h, int w, int y0,
                 int ny, float *scratch, float *out);

#endif
