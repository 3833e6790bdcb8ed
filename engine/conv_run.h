/* Runs a prepared 3x3 conv (dec_convs.h) band by band on the engine's pool:
 * shared by the VQ decoder and the upscaler.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONV_RUN_H
#define GFT_CONV_RUN_H

#include <stddef.h>

#include "dec_convs.h"
#include "threadpool.h"

/* One band buffer per lane (a thread working on a conv). */
typedef struct {
    float *col;
    size_t col_floats; /* per lane */
    int col_lanes;
} gft_conv_scratch;

/* How many lanes a conv on this pool uses at most. */
int gft_conv_lanes(gft_pool *pool);

/* Floats one band of conv c with output size H x W needs. */
size_t gft_conv_band_floats(const gft_dec_conv *c, int H, int W);

/* Grows s to `lanes` buffers of at least `floats` floats; 0 on out of memory
 * (s is left as it was). */
int gft_conv_scratch_reserve(gft_conv_scratch *s, size_t floats, int lanes);
void gft_conv_scratch_free(gft_conv_scratch *s);

/* out[cout][H*W] = conv3x3(in) + bias, padding 1, where H x W is the output
 * size (for an upsampling conv the input is H/2 x W/2). The bands are shared
 * among the pool's threads; s must hold gft_conv_band_floats for
 * gft_conv_lanes(pool) lanes. */
void gft_conv3x3(const gft_conv_scratch *s, gft_pool *pool, const gft_dec_conv *c, const float *in,
                 int H, int W, float *out);

#endif
