/* The VQ decoder's 3x3 convs, prepared once per model at load: the
 * ResBlocks' weights transformed for Winograd F(2x2, 3x3), the upsampling
 * convs' folded onto the low-resolution map, the first and last convs as
 * F32 for im2col. Contexts share them read-only.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_DEC_CONVS_H
#define GFT_DEC_CONVS_H

#include "conv_subpixel.h"
#include "conv_winograd.h"
#include "gft_internal.h"

/* How a conv runs: im2col (few channels), Winograd (same size), or on the
 * low-resolution map (x2 upsampling). */
typedef enum { GFT_CONV_IM2COL, GFT_CONV_WINOGRAD, GFT_CONV_UPSAMPLE } gft_conv_kind;

typedef struct {
    gft_conv_kind kind;
    const float *w; /* GFT_CONV_IM2COL: [cout][cin * 9] */
    gft_wino_conv wino;
    gft_up_conv up;
    const float *b; /* [cout] */
    int cin, cout;
} gft_dec_conv;

struct gft_dec_convs {
    gft_dec_conv conv_in, conv_out;
    gft_dec_conv res[GFT_DEC_MAX_LEVELS][GFT_DEC_MAX_RES][2]; /* conv1, conv2 */
    gft_dec_conv up[GFT_DEC_MAX_LEVELS];                      /* levels 0 .. n - 2 */
    float *owned[2];                                          /* F32 copies of F16 weights */
};

/* Prepares c from w (F32 or F16, PyTorch's [cout][cin][3][3] order) and b
 * (F32 [cout]) to run as `kind`; 0 on out of memory. *owned: an F32 copy of
 * w that c points into (im2col), to free with c; NULL when none was made. */
int gft_conv_prepare(gft_dec_conv *c, const gft_tensor *w, const gft_tensor *b, int cin, int cout,
                     gft_conv_kind kind, float **owned);

/* Fills m->dec_convs (after gft_load_tensors) and drops the mapped pages of
 * the weights it transformed. */
gft_status gft_dec_convs_prepare(gft_model *m, char *err, size_t err_size);
void gft_dec_convs_free(struct gft_dec_convs *d);

#endif
