/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VQ decoder. Feature maps are channel-first [C][H*W]. Every 3x3 conv is
 * im2col + cblas_sgemm over fixed row bands, so the same grid size always
 * runs the same sgemm shapes (and gives the same bits). The engine's pool runs
 * the bands and the GroupNorm groups; OpenBLAS runs single-threaded inside. */
#include "vqdecoder.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_threads.h"
#include "conv.h"
#include "kernels.h"

typedef struct {
    const float *w; /* [cout][cin * 9] */
    const float *b; /* [cout] */
    int cin, cout;
} conv3;

typedef struct {
    const float *w, *b; /* GroupNorm affine [C] */
} gnorm;

typedef struct {
    gnorm n1, n2;
    conv3 c1, c2;
} resblock;

struct gft_vqdec {
    const gft_model *m;
    int n_levels, n_res, groups;
    float eps;
    int gw, gh, code_dim;
    conv3 conv_in, up[GFT_DEC_MAX_LEVELS], conv_out;
    resblock res[GFT_DEC_MAX_LEVELS][GFT_DEC_MAX_RES];
    gnorm norm_out;
    float *owned[2 + GFT_DEC_MAX_LEVELS * (1 + 2 * GFT_DEC_MAX_RES)]; /* converted F16 weights */
    int n_owned;
    /* scratch, allocated on first run: three maps, and one band buffer per
     * lane (grown when a run has more threads than before) */
    float *h, *a, *b, *col;
    size_t map_floats, col_floats;
    int col_lanes;
};

/* Budget for one im2col band, in floats (2 MiB). */
#define COL_BUDGET (1u << 19)
/* A conv is cut into at least this many bands of output rows (where the map
 * has the rows), so the pool's threads share even the 16 x 16 level. */
#define MIN_BANDS 8
/* At most this many threads work on one conv, each with its own band buffer. */
#define MAX_LANES 8

static int pool_lanes(gft_pool *pool)
{
    int n = pool ? gft_pool_threads(pool) : 1;
    return n < MAX_LANES ? n : MAX_LANES;
}

/* Output rows per band: a fixed function of the conv's shape, never of the
 * thread count, so the products (and their bits) are always the same. */
static int band_rows(int cin, int H, int W)
{
    size_t per_row = (size_t)cin * 9 * (size_t)W;
    int rows = (int)(COL_BUDGET / per_row), even = (H + MIN_BANDS - 1) / MIN_BANDS;
    if (rows > even)
        rows = even;
    return rows < 1 ? 1 : rows > H ? H : rows;
}

static int take_conv(gft_vqdec *dec, conv3 *c, const gft_tensor *w, const gft_tensor *b)
{
    c->cin = (int)w->ne[2];
    c->cout = (int)w->ne[3];
    c->b = b->data;
    if (w->type == GFT_TYPE_F32) {
        c->w = w->data;
        return 1;
    }
    size_t n = (size_t)c->cin * 9 * (size_t)c->cout;
    float *f = malloc(n * sizeof *f);
    if (!f)
        return 0;
    const uint16_t *h = w->data;
    for (size_t i = 0; i < n; i++)
        f[i] = gft_half_to_float(h[i]);
    dec->owned[dec->n_owned++] = f;
    c->w = f;
    return 1;
}

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
    int ok = take_conv(dec, &dec->conv_in, &m->dec_conv_in_w, &m->dec_conv_in_b);
    for (int l = 0; l < dec->n_levels && ok; l++) {
        const gft_dec_level *lv = &m->dec_levels[l];
        for (int r = 0; r < dec->n_res && ok; r++) {
            const gft_resblock *rb = &lv->res[r];
            resblock *o = &dec->res[l][r];
            o->n1 = take_norm(&rb->norm1_w, &rb->norm1_b);
            o->n2 = take_norm(&rb->norm2_w, &rb->norm2_b);
            ok = take_conv(dec, &o->c1, &rb->conv1_w, &rb->conv1_b) &&
                 take_conv(dec, &o->c2, &rb->conv2_w, &rb->conv2_b);
        }
        if (ok && l + 1 < dec->n_levels)
            ok = take_conv(dec, &dec->up[l], &lv->up_w, &lv->up_b);
    }
    dec->norm_out = take_norm(&m->dec_norm_out_w, &m->dec_norm_out_b);
    if (ok)
        ok = take_conv(dec, &dec->conv_out, &m->dec_conv_out_w, &m->dec_conv_out_b);
    if (!ok) {
        gft_vqdec_free(dec);
        return NULL;
    }
    return dec;
}

void gft_vqdec_free(gft_vqdec *dec)
{
    if (!dec)
        return;
    for (int i = 0; i < dec->n_owned; i++)
        free(dec->owned[i]);
    free(dec->h);
    free(dec->a);
    free(dec->b);
    free(dec->col);
    free(dec);
}

static int is_up(const gft_vqdec *dec, const conv3 *c)
{
    for (int l = 0; l + 1 < dec->n_levels; l++)
        if (c == &dec->up[l])
            return 1;
    return 0;
}

/* One im2col band buffer (the largest band) for each of `lanes` lanes. */
static int ensure_lanes(gft_vqdec *dec, int lanes)
{
    if (lanes <= dec->col_lanes)
        return 1;
    float *col = malloc(dec->col_floats * (size_t)lanes * sizeof(float));
    if (!col)
        return 0;
    free(dec->col);
    dec->col = col;
    dec->col_lanes = lanes;
    return 1;
}

/* Sizes the scratch for the largest map and im2col band, with band buffers
 * for `lanes` lanes. */
static int ensure_scratch(gft_vqdec *dec, int lanes)
{
    if (dec->h)
        return ensure_lanes(dec, lanes);
    size_t maxmap = (size_t)dec->code_dim * dec->gw * dec->gh, maxcol = 0;
    int w = dec->gw, h = dec->gh;
    const conv3 *convs[2 + GFT_DEC_MAX_LEVELS * (1 + 2 * GFT_DEC_MAX_RES)];
    int scale[2 + GFT_DEC_MAX_LEVELS * (1 + 2 * GFT_DEC_MAX_RES)], nc = 0;
    convs[nc] = &dec->conv_in;
    scale[nc++] = 1;
    for (int l = 0; l < dec->n_levels; l++) {
        for (int r = 0; r < dec->n_res; r++) {
            convs[nc] = &dec->res[l][r].c1;
            scale[nc++] = 1 << l;
            convs[nc] = &dec->res[l][r].c2;
            scale[nc++] = 1 << l;
        }
        if (l + 1 < dec->n_levels) {
            convs[nc] = &dec->up[l];
            scale[nc++] = 2 << l; /* output resolution */
        }
    }
    convs[nc] = &dec->conv_out;
    scale[nc++] = 1 << (dec->n_levels - 1);
    for (int i = 0; i < nc; i++) {
        size_t W = (size_t)w * scale[i], H = (size_t)h * scale[i], P = W * H;
        /* outputs at P; inputs at P too, except conv_in and up convs, whose inputs
         * are earlier outputs (counted already) */
        size_t c = (size_t)convs[i]->cout;
        if (c * P > maxmap)
            maxmap = c * P;
        size_t cin_p = (size_t)convs[i]->cin * P;
        if (convs[i] != &dec->conv_in && !is_up(dec, convs[i]) && cin_p > maxmap)
            maxmap = cin_p;
        size_t band = (size_t)band_rows(convs[i]->cin, (int)H, (int)W) * convs[i]->cin * 9 * W;
        if (band > maxcol)
            maxcol = band;
    }
    dec->map_floats = maxmap;
    dec->col_floats = maxcol;
    dec->h = malloc(maxmap * sizeof(float));
    dec->a = malloc(maxmap * sizeof(float));
    dec->b = malloc(maxmap * sizeof(float));
    if (!dec->h || !dec->a || !dec->b || !ensure_lanes(dec, lanes)) {
        free(dec->h);
        free(dec->a);
        free(dec->b);
        dec->h = dec->a = dec->b = NULL;
        return 0;
    }
    return 1;
}

typedef struct {
    const gft_vqdec *dec;
    const conv3 *c;
    const float *in;
    float *out;
    int H, W, up, rows, n_bands, n_lanes;
} conv_job;

/* Lane `lane` computes bands lane, lane + n_lanes, ... in its own buffer:
 * im2col, the bias, then one single-threaded OpenBLAS product. */
static void conv_lane(void *arg, int64_t begin, int64_t end, int piece)
{
    (void)piece;
    const conv_job *j = arg;
    const conv3 *c = j->c;
    int K = c->cin * 9;
    size_t P = (size_t)j->H * j->W;
    for (int64_t lane = begin; lane < end; lane++) {
        float *col = j->dec->col + (size_t)lane * j->dec->col_floats;
        for (int band = (int)lane; band < j->n_bands; band += j->n_lanes) {
            int y0 = band * j->rows, ny = y0 + j->rows <= j->H ? j->rows : j->H - y0;
            int np = ny * j->W;
            gft_im2col_band(j->in, c->cin, j->H, j->W, j->up, y0, ny, col);
            float *out = j->out + (size_t)y0 * j->W;
            for (int co = 0; co < c->cout; co++)
                for (int i = 0; i < np; i++)
                    out[(size_t)co * P + i] = c->b[co];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, np, K, 1.0f, c->w, K,
                        col, np, 1.0f, out, (int)P);
        }
    }
}

/* out[cout][H*W] = conv3x3(in) + bias, padding 1. With up = 1 the input is
 * H/2 x W/2 and read through nearest-neighbour x2 upsampling. The bands of
 * output rows are shared among the pool's threads. */
static void conv3x3(gft_vqdec *dec, gft_pool *pool, const conv3 *c, const float *in, int H, int W,
                    int up, float *out)
{
    int rows = band_rows(c->cin, H, W), n_bands = (H + rows - 1) / rows;
    int lanes = pool_lanes(pool);
    if (lanes > n_bands)
        lanes = n_bands;
    conv_job j = {dec, c, in, out, H, W, up, rows, n_bands, lanes};
    if (pool && lanes > 1)
        gft_pool_for(pool, lanes, 1, conv_lane, &j);
    else
        conv_lane(&j, 0, 1, 0);
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
    if (!ensure_scratch(dec, pool_lanes(pool)))
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
    conv3x3(dec, pool, &dec->conv_in, a, H, W, 0, h);
    for (int l = 0; l < dec->n_levels; l++) {
        int C = dec->conv_in.cout;
        if (l > 0)
            C = dec->up[l - 1].cout;
        size_t P = (size_t)W * H;
        for (int r = 0; r < dec->n_res; r++) {
            const resblock *rb = &dec->res[l][r];
            gn_silu(dec, pool, &rb->n1, h, a, C, P);
            conv3x3(dec, pool, &rb->c1, a, H, W, 0, b);
            gn_silu(dec, pool, &rb->n2, b, b, C, P);
            conv3x3(dec, pool, &rb->c2, b, H, W, 0, a);
            for (size_t i = 0; i < (size_t)C * P; i++)
                h[i] += a[i];
        }
        if (l + 1 < dec->n_levels) {
            W *= 2;
            H *= 2;
            conv3x3(dec, pool, &dec->up[l], h, H, W, 1, a);
            float *t = h;
            h = a;
            a = t;
        }
    }
    int C = dec->conv_out.cin;
    size_t P = (size_t)W * H;
    gn_silu(dec, pool, &dec->norm_out, h, a, C, P);
    conv3x3(dec, pool, &dec->conv_out, a, H, W, 0, b);

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
