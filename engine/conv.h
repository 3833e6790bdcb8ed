/* im2col for 3x3 convs, shared by the VQ decoder and the reranker.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CONV_H
#define GFT_CONV_H

/* Rows y0 .. y0 + ny - 1 of a 3x3, padding-1, same-size conv's output as an
 * im2col band [cin * 9][ny * W], from channel-first input `in` [cin][H*W]. */
void gft_im2col_band(const float *in, int cin, int H, int W, int y0, int ny, float *col);

#endif
