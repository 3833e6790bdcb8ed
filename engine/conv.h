/* 3x3 convolution helpers shared by the VQ decoder and the reranker.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONV_H
#define GFT_CONV_H

/* Rows y0 .. y0 + ny - 1 of a 3x3, padding-1 conv's output as an im2col band
 * [cin * 9][ny * W], from channel-first input `in` [cin][H*W]. With up = 1
 * the input is H/2 x W/2, read through nearest-neighbour x2 upsampling. */
void gft_im2col_band(const float *in, int cin, int H, int W, int up, int y0, int ny, float *col);

#endif
