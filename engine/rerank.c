/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reranker's forward pass, the same as gft.rerank_gguf.FileReranker:
 * image: box filter to side x side, x * 2 - 1, then per level (a 2x2 average
 * pool before every level but the first) convs_per_level 3x3 convs (folded
 * BatchNorm) with SiLU; the spatial mean; a linear map; L2 normalisation.
 * text: the mean of the prompt's BPE token vectors (the id 0 for an empty
 * prompt); a linear map; L2 normalisation. */
#include "rerank.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_threads.h"
#include "conv.h"

#define MAX_PROMPT_IDS 2048 /* normalised text is at most 1024 bytes */

typedef struct {
    float *w; /* [cout][cin * 9], owned */
    const float *b;
    int cin, cout;
} rr_conv;

struct gft_rerank {
    const gft_model *m;
    int side, dim, n_convs, per_level, c_last;
    rr_conv conv[GFT_RR_MAX_CONVS];
    float *img_proj_w, *text_proj_w; /* [dim][c_last], [dim][dim], owned */
    const float *img_proj_b, *text_proj_b;
    float *a, *b, *col, *feat; /* scratch: two maps, one im2col matrix, [max(c_last, dim)] */
    float *img_vec;            /* [dim] */
};

/* A 2-D tensor [rows][ne0] as owned F32. */
static float *to_f32(const gft_tensor *t)
{
    size_t rows = (size_t)t->ne[1], n = (size_t)t->ne[0];
    float *f = malloc(rows * n * sizeof *f);
    if (f)
        for (size_t r = 0; r < rows; r++)
            gft_tensor_row_f32(t, (int64_t)r, f + r * n);
    return f;
}

gft_rerank *gft_rerank_new(const gft_model *m)
{
    const gft_rerank_hparams *hp = &m->hp.rr;
    gft_rerank *rr = calloc(1, sizeof *rr);
    if (!rr)
        return NULL;
    rr->m = m;
    rr->side = (int)hp->side;
    rr->dim = (int)hp->dim;
    rr->n_convs = (int)hp->n_convs;
    rr->per_level = (int)hp->convs_per_level;
    int ok = 1, cin = 4, side = rr->side;
    size_t map = (size_t)4 * side * side, col = 0;
    if (map < (size_t)rr->dim) /* gft_rerank_text reads token rows into a map */
        map = (size_t)rr->dim;
    for (int i = 0; i < rr->n_convs && ok; i++) {
        rr_conv *c = &rr->conv[i];
        c->cin = cin;
        c->cout = (int)m->rr_conv_w[i].ne[1];
        c->b = m->rr_conv_b[i].data;
        c->w = to_f32(&m->rr_conv_w[i]);
        ok = c->w != NULL;
        if (i && i % rr->per_level == 0)
            side /= 2;
        size_t P = (size_t)side * side;
        if ((size_t)c->cout * P > map)
            map = (size_t)c->cout * P;
        if ((size_t)cin * 9 * P > col)
            col = (size_t)cin * 9 * P;
        cin = c->cout;
    }
    rr->c_last = cin;
    rr->img_proj_b = m->rr_img_proj_b.data;
    rr->text_proj_b = m->rr_text_proj_b.data;
    if (ok) {
        rr->img_proj_w = to_f32(&m->rr_img_proj_w);
        rr->text_proj_w = to_f32(&m->rr_text_proj_w);
        rr->a = malloc(map * sizeof(float));
        rr->b = malloc(map * sizeof(float));
        rr->col = malloc(col * sizeof(float));
        rr->feat = malloc((size_t)(cin > rr->dim ? cin : rr->dim) * sizeof(float));
        rr->img_vec = malloc((size_t)rr->dim * sizeof(float));
        ok = rr->img_proj_w && rr->text_proj_w && rr->a && rr->b && rr->col && rr->feat &&
             rr->img_vec;
    }
    if (!ok) {
        gft_rerank_free(rr);
        return NULL;
    }
    return rr;
}

void gft_rerank_free(gft_rerank *rr)
{
    if (!rr)
        return;
    for (int i = 0; i < rr->n_convs; i++)
        free(rr->conv[i].w);
    free(rr->img_proj_w);
    free(rr->text_proj_w);
    free(rr->a);
    free(rr->b);
    free(rr->col);
    free(rr->feat);
    free(rr->img_vec);
    free(rr);
}

/* vec = normalize(w @ x + b); w [dim][n]. */
static void project_normalize(const float *w, const float *b, const float *x, int n, int dim,
                              float *vec)
{
    double norm = 0.0;
    for (int o = 0; o < dim; o++) {
        float s = b[o];
        const float *row = w + (size_t)o * n;
        for (int i = 0; i < n; i++)
            s += row[i] * x[i];
        vec[o] = s;
        norm += (double)s * s;
    }
    /* F.normalize: divide by max(norm, 1e-12) */
    float inv = (float)(1.0 / fmax(sqrt(norm), 1e-12));
    for (int o = 0; o < dim; o++)
        vec[o] *= inv;
}

void gft_rerank_text(gft_rerank *rr, const char *prompt, float *vec)
{
    const gft_model *m = rr->m;
    int32_t ids[MAX_PROMPT_IDS];
    int n = gft_tokenize(m, prompt ? prompt : "", ids, MAX_PROMPT_IDS, NULL, 0);
    if (n <= 0) { /* the empty prompt reads as the id 0, as in training */
        ids[0] = 0;
        n = 1;
    }
    int d = rr->dim;
    float *sum = rr->feat, *row = rr->a; /* a holds >= dim floats */
    memset(sum, 0, (size_t)d * sizeof *sum);
    for (int t = 0; t < n; t++) {
        gft_tensor_row_f32(&m->rr_text_emb, ids[t], row);
        for (int i = 0; i < d; i++)
            sum[i] += row[i];
    }
    for (int i = 0; i < d; i++)
        sum[i] /= (float)n;
    /* the projection reads sum (feat) and writes vec: no overlap */
    project_normalize(rr->text_proj_w, rr->text_proj_b, sum, d, d, vec);
}

/* in [C][side*side] -> out [C][(side/2)^2], 2x2 means. */
static void avg_pool2(const float *in, int C, int side, float *out)
{
    int h = side / 2;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < h; x++) {
                const float *p = in + (size_t)c * side * side + (size_t)(2 * y) * side + 2 * x;
                out[(size_t)c * h * h + (size_t)y * h + x] =
                    (p[0] + p[1] + p[side] + p[side + 1]) * 0.25f;
            }
}

static void conv_silu(gft_rerank *rr, const rr_conv *c, const float *in, int side, float *out)
{
    int P = side * side, K = c->cin * 9;
    gft_im2col_band(in, c->cin, side, side, 0, side, rr->col);
    for (int o = 0; o < c->cout; o++)
        for (int i = 0; i < P; i++)
            out[(size_t)o * P + i] = c->b[o];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, P, K, 1.0f, c->w, K, rr->col, P,
                1.0f, out, P);
    for (size_t i = 0; i < (size_t)c->cout * P; i++)
        out[i] = out[i] / (1.0f + expf(-out[i]));
}

/* Box filter of the premultiplied image to side x side, channel-first, as x * 2 - 1. */
static void shrink(const gft_rerank *rr, const float *premul, float *out)
{
    const gft_hparams *hp = &rr->m->hp;
    int W = (int)hp->image_width, fx = W / rr->side, fy = (int)hp->image_height / rr->side;
    int S = rr->side;
    for (int c = 0; c < 4; c++)
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                float s = 0.0f;
                for (int dy = 0; dy < fy; dy++)
                    for (int dx = 0; dx < fx; dx++)
                        s += premul[((size_t)(y * fy + dy) * W + (size_t)(x * fx + dx)) * 4 + c];
                out[(size_t)c * S * S + (size_t)y * S + x] = s / (float)(fx * fy) * 2.0f - 1.0f;
            }
}

float gft_rerank_score(gft_rerank *rr, const float *premul, const float *text_vec)
{
    int host_threads = gft_blas_single_begin();
    float *h = rr->a, *t = rr->b;
    int side = rr->side, C = 4;
    shrink(rr, premul, h);
    for (int i = 0; i < rr->n_convs; i++) {
        if (i && i % rr->per_level == 0) {
            avg_pool2(h, C, side, t);
            side /= 2;
            float *s = h;
            h = t;
            t = s;
        }
        conv_silu(rr, &rr->conv[i], h, side, t);
        C = rr->conv[i].cout;
        float *s = h;
        h = t;
        t = s;
    }
    int P = side * side;
    for (int c = 0; c < C; c++) {
        float s = 0.0f;
        for (int i = 0; i < P; i++)
            s += h[(size_t)c * P + i];
        rr->feat[c] = s / (float)P;
    }
    project_normalize(rr->img_proj_w, rr->img_proj_b, rr->feat, C, rr->dim, rr->img_vec);
    gft_blas_single_end(host_threads);
    float score = 0.0f;
    for (int i = 0; i < rr->dim; i++)
        score += rr->img_vec[i] * text_vec[i];
    return score;
}
