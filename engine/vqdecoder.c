/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VQ decoder. Feature maps are channel-first [C][H*W]. The ResBlocks'
 * 3x3 convs run as Winograd F(2x2, 3x3) (conv_winograd.c), the upsampling
 * convs on the low-resolution map (conv_subpixel.c), and the first and last
 * convs as im2col + cblas_sgemm, in fixed bands (conv_run.c). The engine's
 * pool runs the bands and the GroupNorm groups. */
#include "vqdecoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_threads.h"
#include "conv_run.h"
#include "dec_convs.h"
#include "kernels.h"

typedef gft_dec_conv conv3;

typedef struct {
    const float *w, *b; /* GroupNorm affine [C] */
} gnorm;

typedef struct {
    gnorm n1, n2;
    const conv3 *c1, *c2;
} resblock;

struct gft_vqdec {
    const gft_model *m;
    int n_levels, n_res, groups;
    float eps;
    int gw, gh, code_dim;
    const conv3 *conv_in, *up[GFT_DEC_MAX_LEVELS], *conv_out; /* the model's */
    resblock res[GFT_DEC_MAX_LEVELS][GFT_DEC_MAX_RES];
    gnorm norm_out;
    /* scratch, allocated on first run: three maps, and one band buffer per
     * lane (grown when a run has more threads than before) */
    float *h, *a, *b;
    size_t map_floats;
    gft_conv_scratch conv;
};

static gnorm take_norm(const gft_tensor *w, const gft_tensor *b)
{
    gnorm g = {w->data, b->data};
    return g;
}

gft_vqdec *gft_vqdec_new(const gft_model *m)
{
    gft_vqdec *dec = calloc(1, sizeof *dec);
    if (!dec)
        return NULL;
    const gft_hparams *hp = &m->hp;
    dec->m = m;
    dec->n_levels = (int)hp->dec_n_levels;
    dec->n_res = (int)hp->dec_n_res;
    dec->groups = (int)hp->dec_n_groups;
    dec->eps = hp->dec_norm_eps;
    dec->gw = (int)hp->grid_w;
    dec->gh = (int)hp->grid_h;
    dec->code_dim = (int)hp->code_dim;
    const struct gft_dec_convs *dc = m->dec_convs;
    dec->conv_in = &dc->conv_in;
    dec->conv_out = &dc->conv_out;
    for (int l = 0; l < dec->n_levels; l++) {
        const gft_dec_level *lv = &m->dec_levels[l];
        for (int r = 0; r < dec->n_res; r++) {
            const gft_resblock *rb = &lv->res[r];
            resblock *o = &dec->res[l][r];
            o->n1 = take_norm(&rb->norm1_w, &rb->norm1_b);
            o->n2 = take_norm(&rb->norm2_w, &rb->norm2_b);
            o->c1 = &dc->res[l][r][0];
            o->c2 = &dc->res[l][r][1];
        }
        if (l + 1 < dec->n_levels)
            dec->up[l] = &dc->up[l];
    }
    dec->norm_out = take_norm(&m->dec_norm_out_w, &m->dec_norm_out_b);
    return dec;
}

void gft_vqdec_free(gft_vqdec *dec)
{
    if (!dec)
        return;
    free(dec->h);
    free(dec->a);
    free(dec->b);
    gft_conv_scratch_free(&dec->conv);
    free(dec);
}

/* Sizes the scratch for the largest map and conv band, with band buffers
 * for `lanes` lanes. */
static int ensure_scratch(gft_vqdec *dec, int lanes)
{
    if (dec->h)
        return gft_conv_scratch_reserve(&dec->conv, dec->conv.col_floats, lanes);
    size_t maxmap = (size_t)dec->code_dim * dec->gw * dec->gh, maxcol = 0;
    int w = dec->gw, h = dec->gh;
    const conv3 *convs[2 + GFT_DEC_MAX_LEVELS * (1 + 2 * GFT_DEC_MAX_RES)];
    int scale[2 + GFT_DEC_MAX_LEVELS * (1 + 2 * GFT_DEC_MAX_RES)], nc = 0;
    convs[nc] = dec->conv_in;
    scale[nc++] = 1;
    for (int l = 0; l < dec->n_levels; l++) {
        for (int r = 0; r < dec->n_res; r++) {
            convs[nc] = dec->res[l][r].c1;
            scale[nc++] = 1 << l;
            convs[nc] = dec->res[l][r].c2;
            scale[nc++] = 1 << l;
        }
        if (l + 1 < dec->n_levels) {
            convs[nc] = dec->up[l];
            scale[nc++] = 2 << l; /* output resolution */
        }
    }
    convs[nc] = dec->conv_out;
    scale[nc++] = 1 << (dec->n_levels - 1);
    for (int i = 0; i < nc; i++) {
        size_t W = (size_t)w * scale[i], H = (size_t)h * scale[i], P = W * H;
        /* outputs at P; inputs at P too, except conv_in and up convs, whose inputs
         * are earlier outputs (counted already) */
        size_t c = (size_t)convs[i]->cout;
        if (c * P > maxmap)
            maxmap = c * P;
        size_t cin_p = (size_t)convs[i]->cin * P;
        if (convs[i] != dec->conv_in && convs[i]->kind != GFT_CONV_UPSAMPLE && cin_p > maxmap)
            maxmap = cin_p;
        size_t band = gft_conv_band_floats(convs[i], (int)H, (int)W);
        if (band > maxcol)
            maxcol = band;
    }
    dec->map_floats = maxmap;
    dec->h = malloc(maxmap * sizeof(float));
    dec->a = malloc(maxmap * sizeof(float));
    dec->b = malloc(maxmap * sizeof(float));
    if (!dec->h || !dec->a || !dec->b || !gft_conv_scratch_reserve(&dec->conv, maxcol, lanes)) {
        free(dec->h);
        free(dec->a);
        free(dec->b);
        dec->h = dec->a = dec->b = NULL;
        return 0;
    }
    return 1;
}

static void conv3x3(gft_vqdec *dec, gft_pool *pool, const conv3 *c, const float *in, int H, int W,
                    float *out)
{
    gft_conv3x3(&dec->conv, pool, c, in, H, W, out);
}

typedef struct {
    const float *in;
    float *out;
    const gnorm *g;
    int C, groups;
    size_t P;
    float eps;
} gn_job;

/* GroupNorm (biased variance, two passes in double) then SiLU; one group
 * per task. */
static void gn_worker(void *arg, int64_t begin, int64_t end, int piece)
{
    (void)piece;
    const gn_job *j = arg;
    int cpg = j->C / j->groups;
    for (int64_t g = begin; g < end; g++) {
        const float *x = j->in + (size_t)g * cpg * j->P;
        double mean, var;
        gft_mean_var(x, (size_t)cpg * j->P, &mean, &var);
        float inv = (float)(1.0 / sqrt(var + j->eps)), fm = (float)mean;
        for (int c = 0; c < cpg; c++) {
            int ch = (int)g * cpg + c;
            gft_affine_silu(x + (size_t)c * j->P, j->out + (size_t)ch * j->P, j->P, fm, inv,
                            j->g->w[ch], j->g->b[ch]);
        }
    }
}

static void gn_silu(gft_vqdec *dec, gft_pool *pool, const gnorm *g, const float *in, float *out,
                    int C, size_t P)
{
    gn_job j = {in, out, g, C, dec->groups, P, dec->eps};
    if (pool)
        gft_pool_for(pool, dec->groups, 1, gn_worker, &j);
    else
        gn_worker(&j, 0, dec->groups, 0);
}

static gft_status decode(gft_vqdec *dec, gft_pool *pool, const int32_t *codes, int n_filled,
                         float *premul, uint8_t *rgba)
{
    if (!ensure_scratch(dec, gft_conv_lanes(pool)))
        return GFT_ERR_NOMEM;
    const gft_model *m = dec->m;
    int W = dec->gw, H = dec->gh, N = W * H, D = dec->code_dim;
    const float *book = m->vq_codebook.data;
    float *h = dec->h, *a = dec->a, *b = dec->b;
    /* code lookup: z[c][p] */
    for (int p = 0; p < N; p++) {
        int code = p < n_filled ? codes[p] : 0;
        for (int c = 0; c < D; c++)
            a[(size_t)c * N + p] = book[(size_t)code * D + c];
    }
    conv3x3(dec, pool, dec->conv_in, a, H, W, h);
    for (int l = 0; l < dec->n_levels; l++) {
        int C = dec->conv_in->cout;
        if (l > 0)
            C = dec->up[l - 1]->cout;
        size_t P = (size_t)W * H;
        for (int r = 0; r < dec->n_res; r++) {
            const resblock *rb = &dec->res[l][r];
            gn_silu(dec, pool, &rb->n1, h, a, C, P);
            conv3x3(dec, pool, rb->c1, a, H, W, b);
            gn_silu(dec, pool, &rb->n2, b, b, C, P);
            conv3x3(dec, pool, rb->c2, b, H, W, a);
            for (size_t i = 0; i < (size_t)C * P; i++)
                h[i] += a[i];
        }
        if (l + 1 < dec->n_levels) {
            W *= 2;
            H *= 2;
            conv3x3(dec, pool, dec->up[l], h, H, W, a);
            float *t = h;
            h = a;
            a = t;
        }
    }
    int C = dec->conv_out->cin;
    size_t P = (size_t)W * H;
    gn_silu(dec, pool, &dec->norm_out, h, a, C, P);
    conv3x3(dec, pool, dec->conv_out, a, H, W, b);

    /* pixels of unfilled cells are transparent */
    int f = W / dec->gw;
    for (size_t p = 0; p < P; p++) {
        int px = (int)(p % (size_t)W), py = (int)(p / (size_t)W);
        int cell = (py / f) * dec->gw + px / f;
        float v[4];
        for (int c = 0; c < 4; c++) {
            float t = b[(size_t)c * P + p];
            v[c] = cell >= n_filled ? 0.0f : t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
        }
        if (premul)
            memcpy(premul + p * 4, v, sizeof v);
        if (rgba) {
            float al = v[3];
            for (int c = 0; c < 3; c++) {
                float s = al > 0.0f ? fminf(1.0f, v[c] / al) : 0.0f;
                rgba[p * 4 + c] = (uint8_t)floorf(s * 255.0f + 0.5f);
            }
            rgba[p * 4 + 3] = (uint8_t)floorf(al * 255.0f + 0.5f);
        }
    }
    return GFT_OK;
}

gft_status gft_vqdec_run(gft_vqdec *dec, gft_pool *pool, const int32_t *codes, int n_filled,
                         float *premul, uint8_t *rgba)
{
    int host_threads = gft_blas_single_begin();
    gft_status st = decode(dec, pool, codes, n_filled, premul, rgba);
    gft_blas_single_end(host_threads);
    return st;
}
