/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The 2x upscaler. Maps are channel-first [C][H*W] at the decoder's size; the
 * first and last convs run as im2col, the middle ones as Winograd, all in
 * fixed bands on the engine's pool (conv_run.c). The pixel shuffle, the
 * bilinear base and the conversion to straight RGBA happen in one pass. */
#include "upscale.h"

#include <math.h>
#include <stdlib.h>

#include "blas_threads.h"
#include "conv_run.h"
#include "kernels.h"

struct gft_up_convs {
    gft_dec_conv conv[GFT_UP_MAX_CONVS];
    float *owned[GFT_UP_MAX_CONVS];
    int n;
};

gft_status gft_up_convs_prepare(gft_model *m, char *err, size_t err_size)
{
    const gft_hparams *hp = &m->hp;
    if (!hp->has_upscale)
        return GFT_OK;
    struct gft_up_convs *u = calloc(1, sizeof *u);
    int ok = u != NULL;
    for (uint32_t i = 0; ok && i < hp->up_n_convs; i++) {
        const gft_tensor *w = &m->up_conv_w[i];
        int cin = (int)(w->ne[0] / 9), cout = (int)w->ne[1];
        /* Winograd pays where both sides are wide; the 4 -> C and C -> 16 convs
         * are cheap as im2col */
        gft_conv_kind kind =
            i == 0 || i + 1 == hp->up_n_convs ? GFT_CONV_IM2COL : GFT_CONV_WINOGRAD;
        ok = gft_conv_prepare(&u->conv[i], w, &m->up_conv_b[i], cin, cout, kind, &u->owned[i]);
        u->n = (int)i + 1;
    }
    if (!ok) {
        gft_up_convs_free(u);
        gft_set_error(err, err_size, "out of memory for the upscaler's conv weights");
        return GFT_ERR_NOMEM;
    }
    m->up_convs = u;
    return GFT_OK;
}

void gft_up_convs_free(struct gft_up_convs *u)
{
    if (!u)
        return;
    for (int i = 0; i < u->n; i++) {
        gft_wino_free(&u->conv[i].wino);
        free(u->owned[i]);
    }
    free(u);
}

struct gft_upscaler {
    const struct gft_up_convs *convs;
    int W, H;
    float *x, *a, *b; /* input [4][P]; two maps [max(C, 16)][P] */
    gft_conv_scratch scratch;
};

gft_upscaler *gft_upscaler_new(const gft_model *m)
{
    const gft_hparams *hp = &m->hp;
    if (!hp->has_upscale || !m->up_convs)
        return NULL;
    gft_upscaler *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->convs = m->up_convs;
    u->W = (int)hp->image_width;
    u->H = (int)hp->image_height;
    size_t P = (size_t)u->W * u->H, C = hp->up_channels > 16 ? hp->up_channels : 16;
    u->x = malloc(4 * P * sizeof(float));
    u->a = malloc(C * P * sizeof(float));
    u->b = malloc(C * P * sizeof(float));
    if (!u->x || !u->a || !u->b) {
        gft_upscaler_free(u);
        return NULL;
    }
    return u;
}

void gft_upscaler_free(gft_upscaler *u)
{
    if (!u)
        return;
    free(u->x);
    free(u->a);
    free(u->b);
    gft_conv_scratch_free(&u->scratch);
    free(u);
}

/* Band buffers for the largest band of any conv, one per lane. */
static int reserve_scratch(gft_upscaler *u, int lanes)
{
    size_t floats = 0;
    for (int i = 0; i < u->convs->n; i++) {
        size_t f = gft_conv_band_floats(&u->convs->conv[i], u->H, u->W);
        if (f > floats)
            floats = f;
    }
    return gft_conv_scratch_reserve(&u->scratch, floats, lanes);
}

/* Source index and weight of output pixel `o` of a bilinear 2x (PyTorch's
 * align_corners=False): the two input pixels i0, i1 and the weight of i1. */
static void bilinear_tap(int o, int n, int *i0, int *i1, float *w1)
{
    float src = 0.5f * ((float)o + 0.5f) - 0.5f;
    if (src < 0.0f)
        src = 0.0f;
    *i0 = (int)src;
    *i1 = *i0 + (*i0 < n - 1);
    *w1 = src - (float)*i0;
}

/* out = bilinear 2x of x + pixel shuffle of r [16][P]; clamped to a
 * premultiplied range, written as straight RGBA. */
static void compose(const float *x, const float *r, int W, int H, uint8_t *rgba)
{
    size_t P = (size_t)W * H;
    int W2 = 2 * W;
    for (int oy = 0; oy < 2 * H; oy++) {
        int y0, y1;
        float wy1;
        bilinear_tap(oy, H, &y0, &y1, &wy1);
        float wy0 = 1.0f - wy1;
        for (int ox = 0; ox < W2; ox++) {
            int x0, x1;
            float wx1;
            bilinear_tap(ox, W, &x0, &x1, &wx1);
            float wx0 = 1.0f - wx1;
            size_t sub = (size_t)((oy & 1) * 2 + (ox & 1)), at = (size_t)(oy >> 1) * W + (ox >> 1);
            float v[4];
            for (int c = 0; c < 4; c++) {
                const float *xc = x + (size_t)c * P;
                float base = wy0 * (wx0 * xc[(size_t)y0 * W + x0] + wx1 * xc[(size_t)y0 * W + x1]) +
                             wy1 * (wx0 * xc[(size_t)y1 * W + x0] + wx1 * xc[(size_t)y1 * W + x1]);
                v[c] = base + r[((size_t)c * 4 + sub) * P + at];
            }
            float al = v[3] < 0.0f ? 0.0f : v[3] > 1.0f ? 1.0f : v[3];
            uint8_t *px = rgba + ((size_t)oy * W2 + ox) * 4;
            for (int c = 0; c < 3; c++) {
                float t = v[c] < 0.0f ? 0.0f : v[c] > al ? al : v[c];
                float s = al > 0.0f ? fminf(1.0f, t / al) : 0.0f;
                px[c] = (uint8_t)floorf(s * 255.0f + 0.5f);
            }
            px[3] = (uint8_t)floorf(al * 255.0f + 0.5f);
        }
    }
}

static void silu(float *h, size_t n)
{
    gft_affine_silu(h, h, n, 0.0f, 1.0f, 1.0f, 0.0f);
}

static gft_status run(gft_upscaler *u, gft_pool *pool, const float *premul, uint8_t *rgba)
{
    if (!reserve_scratch(u, gft_conv_lanes(pool)))
        return GFT_ERR_NOMEM;
    int W = u->W, H = u->H;
    size_t P = (size_t)W * H;
    for (size_t p = 0; p < P; p++)
        for (int c = 0; c < 4; c++)
            u->x[(size_t)c * P + p] = premul[p * 4 + c];
    const float *in = u->x;
    float *out = u->a, *other = u->b;
    for (int i = 0; i < u->convs->n; i++) {
        const gft_dec_conv *c = &u->convs->conv[i];
        gft_conv3x3(&u->scratch, pool, c, in, H, W, out);
        if (i + 1 < u->convs->n)
            silu(out, (size_t)c->cout * P);
        in = out;
        out = other;
        other = (float *)in;
    }
    compose(u->x, in, W, H, rgba);
    return GFT_OK;
}

gft_status gft_upscaler_run(gft_upscaler *u, gft_pool *pool, const float *premul, uint8_t *rgba)
{
    int host_threads = gft_blas_single_begin();
    gft_status st = run(u, pool, premul, rgba);
    gft_blas_single_end(host_threads);
    return st;
}
