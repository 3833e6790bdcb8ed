/* The VQ decoder: code grid -> RGBA (docs/model-format.md, "VQ codebook and decoder").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_VQDECODER_H
#define GFT_VQDECODER_H

#include "gft_internal.h"
#include "threadpool.h"

typedef struct gft_vqdec gft_vqdec;

/* A decoder over the model's prepared conv weights (dec_convs.h); NULL on
 * out of memory. */
gft_vqdec *gft_vqdec_new(const gft_model *m);
void gft_vqdec_free(gft_vqdec *dec);

/* Decodes codes[0..grid_w*grid_h) of which the first n_filled (raster order)
 * are real; the others use code 0 and their pixels come out transparent.
 * premul (optional): clamped premultiplied RGBA floats, channel-last.
 * rgba (optional): straight 8-bit RGBA. Codes must be in range. */
gft_status gft_vqdec_run(gft_vqdec *dec, gft_pool *pool, const int32_t *codes, int n_filled,
                         float *premul, uint8_t *rgba);

#endif
