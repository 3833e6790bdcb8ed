/* The 2x upscaler (docs/model-format.md, "Upscaler"): the decoder's
 * premultiplied picture -> a picture of twice the size, as the bilinear 2x of
 * the input plus a small CNN's pixel-shuffled correction.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_UPSCALE_H
#define GFT_UPSCALE_H

#include "gft_internal.h"
#include "threadpool.h"

/* Prepares m->up_convs from the up.* tensors (a no-op without an upscaler). */
gft_status gft_up_convs_prepare(gft_model *m, char *err, size_t err_size);
void gft_up_convs_free(struct gft_up_convs *u);

/* Per-context scratch; NULL on out of memory. */
typedef struct gft_upscaler gft_upscaler;
gft_upscaler *gft_upscaler_new(const gft_model *m);
void gft_upscaler_free(gft_upscaler *u);

/* premul: the decoder's clamped premultiplied RGBA, channel-last,
 * image_width x image_height. rgba: straight 8-bit RGBA of twice the width
 * and height. */
gft_status gft_upscaler_run(gft_upscaler *u, gft_pool *pool, const float *premul, uint8_t *rgba);

#endif
