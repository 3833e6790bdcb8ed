/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_model.h"

#include "dec_convs.h"
#include "loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t tm_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double tm_gauss(uint64_t *s)
{
    double u1 = ((tm_next(s) >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (tm_next(s) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

tm_config tm_small(gft_type wtype)
{
    tm_config c = {.d = 64,
                   .n_layer = 2,
                   .n_head = 4,
                   .n_ff = 96,
                   .T = 8,
                   .gw = 4,
                   .gh = 3,
                   .K = 40,
                   .code_dim = 4,
                   .n_levels = 2,
                   .ch = {16, 8},
                   .n_res = 1,
                   .groups = 4,
                   .wtype = wtype,
                   .embtype = GFT_TYPE_F32};
    return c;
}

void tm_tensor(gft_tensor *t, gft_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
               float std, uint64_t *rng)
{
    memset(t, 0, sizeof *t);
    t->type = type;
    t->ne[0] = ne0;
    t->ne[1] = ne1;
    t->ne[2] = ne2;
    t->ne[3] = ne3;
    t->n_dims = 4;
    int64_t n = ne0 * ne1 * ne2 * ne3;
    void *data;
    if (type == GFT_TYPE_F32) {
        float *f = malloc((size_t)n * 4);
        for (int64_t i = 0; i < n; i++)
            f[i] = (float)(tm_gauss(rng) * std);
        data = f;
        t->n_bytes = (size_t)n * 4;
    } else if (type == GFT_TYPE_F16) {
        uint16_t *h = malloc((size_t)n * 2);
        for (int64_t i = 0; i < n; i++)
            h[i] = gft_f32_to_f16((float)(tm_gauss(rng) * std));
        data = h;
        t->n_bytes = (size_t)n * 2;
    } else {
        int64_t nb = n / GFT_Q8_0_BLOCK;
        gft_block_q8_0 *b = malloc((size_t)nb * sizeof *b);
        for (int64_t k = 0; k < nb; k++) {
            float v[GFT_Q8_0_BLOCK], amax = 0;
            for (int i = 0; i < GFT_Q8_0_BLOCK; i++) {
                v[i] = (float)(tm_gauss(rng) * std);
                amax = fmaxf(amax, fabsf(v[i]));
            }
            float d = amax / 127.0f;
            b[k].d = gft_f32_to_f16(d);
            float dd = gft_f16_to_f32(b[k].d);
            for (int i = 0; i < GFT_Q8_0_BLOCK; i++) {
                float q = dd > 0 ? roundf(v[i] / dd) : 0;
                b[k].qs[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
            }
        }
        data = b;
        t->n_bytes = (size_t)nb * sizeof *b;
    }
    t->data = data;
}

void tm_tensor_free(gft_tensor *t)
{
    free((void *)t->data);
    t->data = NULL;
}

double tm_get(const gft_tensor *t, int64_t j, int64_t i)
{
    int64_t k = j * t->ne[0] + i;
    switch (t->type) {
    case GFT_TYPE_F16:
        return gft_f16_to_f32(((const uint16_t *)t->data)[k]);
    case GFT_TYPE_Q8_0: {
        const gft_block_q8_0 *b = (const gft_block_q8_0 *)t->data + k / GFT_Q8_0_BLOCK;
        return (double)gft_f16_to_f32(b->d) * b->qs[k % GFT_Q8_0_BLOCK];
    }
    default:
        return ((const float *)t->data)[k];
    }
}

static void norm_tensor(gft_tensor *t, int64_t n, uint64_t *rng)
{
    tm_tensor(t, GFT_TYPE_F32, n, 1, 1, 1, 0.0f, rng);
    float *f = (float *)t->data;
    for (int64_t i = 0; i < n; i++)
        f[i] = (float)(1.0 + 0.2 * tm_gauss(rng));
}

static void bias_tensor(gft_tensor *t, int64_t n, uint64_t *rng)
{
    tm_tensor(t, GFT_TYPE_F32, n, 1, 1, 1, 0.1f, rng);
}

gft_model *tm_new(const tm_config *c, uint64_t seed)
{
    uint64_t rng = seed;
    gft_model *m = calloc(1, sizeof *m);
    gft_hparams *hp = &m->hp;
    hp->n_embd = (uint32_t)c->d;
    hp->n_layer = (uint32_t)c->n_layer;
    hp->n_head = (uint32_t)c->n_head;
    hp->n_ff = (uint32_t)c->n_ff;
    hp->norm_eps = 1e-5f;
    hp->text_ctx = (uint32_t)c->T;
    hp->text_vocab = 259;
    hp->grid_w = (uint32_t)c->gw;
    hp->grid_h = (uint32_t)c->gh;
    hp->codebook_size = (uint32_t)c->K;
    hp->code_dim = (uint32_t)c->code_dim;
    hp->dec_n_levels = (uint32_t)c->n_levels;
    for (int l = 0; l < c->n_levels; l++)
        hp->dec_channels[l] = (uint32_t)c->ch[l];
    hp->dec_n_res = (uint32_t)c->n_res;
    hp->dec_n_groups = (uint32_t)c->groups;
    hp->dec_norm_eps = 1e-6f;
    hp->image_width = (uint32_t)(c->gw << (c->n_levels - 1));
    hp->image_height = (uint32_t)(c->gh << (c->n_levels - 1));
    hp->defaults = (gft_sampling){1.0f, 0, 1.0f, 3.0f, 0};
    m->name = calloc(1, 1);
    m->description = calloc(1, 1);
    m->license = calloc(1, 1);
    m->weight_type = "F32";
    m->tok.n_vocab = 259;

    int d = c->d;
    /* large-ish embeddings so the logits are not flat */
    tm_tensor(&m->text_emb, c->embtype, d, 259, 1, 1, 1.0f, &rng);
    tm_tensor(&m->text_pos, c->embtype, d, c->T, 1, 1, 0.3f, &rng);
    tm_tensor(&m->img_emb, c->embtype, d, c->K + 1, 1, 1, 1.0f, &rng);
    tm_tensor(&m->img_row, c->embtype, d, c->gh, 1, 1, 0.3f, &rng);
    tm_tensor(&m->img_col, c->embtype, d, c->gw, 1, 1, 0.3f, &rng);
    m->layers = calloc((size_t)c->n_layer, sizeof *m->layers);
    float ws = 1.0f / sqrtf((float)d);
    for (int l = 0; l < c->n_layer; l++) {
        gft_layer *ly = &m->layers[l];
        norm_tensor(&ly->attn_norm, d, &rng);
        tm_tensor(&ly->attn_q, c->wtype, d, d, 1, 1, ws * 2, &rng);
        tm_tensor(&ly->attn_k, c->wtype, d, d, 1, 1, ws * 2, &rng);
        tm_tensor(&ly->attn_v, c->wtype, d, d, 1, 1, ws, &rng);
        tm_tensor(&ly->attn_out, c->wtype, d, d, 1, 1, ws, &rng);
        norm_tensor(&ly->ffn_norm, d, &rng);
        tm_tensor(&ly->ffn_up, c->wtype, d, c->n_ff, 1, 1, ws, &rng);
        tm_tensor(&ly->ffn_down, c->wtype, c->n_ff, d, 1, 1, 1.0f / sqrtf((float)c->n_ff), &rng);
    }
    norm_tensor(&m->out_norm, d, &rng);
    tm_tensor(&m->head, c->wtype, d, c->K, 1, 1, ws * 3, &rng);

    /* codebook rows l2-normalised */
    tm_tensor(&m->vq_codebook, GFT_TYPE_F32, c->code_dim, c->K, 1, 1, 1.0f, &rng);
    float *cb = (float *)m->vq_codebook.data;
    for (int k = 0; k < c->K; k++) {
        double n2 = 0;
        for (int i = 0; i < c->code_dim; i++)
            n2 += (double)cb[k * c->code_dim + i] * cb[k * c->code_dim + i];
        for (int i = 0; i < c->code_dim; i++)
            cb[k * c->code_dim + i] /= (float)sqrt(n2);
    }
    int cin = c->code_dim;
    tm_tensor(&m->dec_conv_in_w, c->embtype, 3, 3, cin, c->ch[0], 1.0f / sqrtf(9.0f * cin), &rng);
    bias_tensor(&m->dec_conv_in_b, c->ch[0], &rng);
    for (int l = 0; l < c->n_levels; l++) {
        int C = c->ch[l];
        float s = 1.0f / sqrtf(9.0f * C);
        for (int r = 0; r < c->n_res; r++) {
            gft_resblock *rb = &m->dec_levels[l].res[r];
            norm_tensor(&rb->norm1_w, C, &rng);
            bias_tensor(&rb->norm1_b, C, &rng);
            tm_tensor(&rb->conv1_w, c->embtype, 3, 3, C, C, s, &rng);
            bias_tensor(&rb->conv1_b, C, &rng);
            norm_tensor(&rb->norm2_w, C, &rng);
            bias_tensor(&rb->norm2_b, C, &rng);
            tm_tensor(&rb->conv2_w, c->embtype, 3, 3, C, C, s, &rng);
            bias_tensor(&rb->conv2_b, C, &rng);
        }
        if (l + 1 < c->n_levels) {
            tm_tensor(&m->dec_levels[l].up_w, c->embtype, 3, 3, C, c->ch[l + 1], s, &rng);
            bias_tensor(&m->dec_levels[l].up_b, c->ch[l + 1], &rng);
        }
    }
    int CL = c->ch[c->n_levels - 1];
    norm_tensor(&m->dec_norm_out_w, CL, &rng);
    bias_tensor(&m->dec_norm_out_b, CL, &rng);
    tm_tensor(&m->dec_conv_out_w, c->embtype, 3, 3, CL, 4, 1.0f / sqrtf(9.0f * CL), &rng);
    bias_tensor(&m->dec_conv_out_b, 4, &rng);
    /* push alpha up so that most pixels are visible, some not */
    ((float *)m->dec_conv_out_b.data)[3] = 0.4f;
    char err[GFT_ERROR_SIZE];
    if ((!c->no_pack && gft_model_pack(m, err, sizeof err) != GFT_OK) ||
        gft_dec_convs_prepare(m, err, sizeof err) != GFT_OK) {
        tm_free(m);
        return NULL;
    }
    return m;
}

void tm_free(gft_model *m)
{
    if (!m)
        return;
    tm_tensor_free(&m->text_emb);
    tm_tensor_free(&m->text_pos);
    tm_tensor_free(&m->img_emb);
    tm_tensor_free(&m->img_row);
    tm_tensor_free(&m->img_col);
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        gft_layer *ly = &m->layers[l];
        gft_tensor *ts[] = {&ly->attn_norm, &ly->attn_q,   &ly->attn_k, &ly->attn_v,
                            &ly->attn_out,  &ly->ffn_norm, &ly->ffn_up, &ly->ffn_down};
        for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
            tm_tensor_free(ts[i]);
    }
    free(m->layers);
    free(m->packed_buf);
    gft_dec_convs_free(m->dec_convs);
    tm_tensor_free(&m->out_norm);
    tm_tensor_free(&m->head);
    tm_tensor_free(&m->vq_codebook);
    tm_tensor_free(&m->dec_conv_in_w);
    tm_tensor_free(&m->dec_conv_in_b);
    for (int l = 0; l < GFT_DEC_MAX_LEVELS; l++) {
        for (int r = 0; r < GFT_DEC_MAX_RES; r++) {
            gft_resblock *rb = &m->dec_levels[l].res[r];
            gft_tensor *ts[] = {&rb->norm1_w, &rb->norm1_b, &rb->conv1_w, &rb->conv1_b,
                                &rb->norm2_w, &rb->norm2_b, &rb->conv2_w, &rb->conv2_b};
            for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
                tm_tensor_free(ts[i]);
        }
        tm_tensor_free(&m->dec_levels[l].up_w);
        tm_tensor_free(&m->dec_levels[l].up_b);
    }
    tm_tensor_free(&m->dec_norm_out_w);
    tm_tensor_free(&m->dec_norm_out_b);
    tm_tensor_free(&m->dec_conv_out_w);
    tm_tensor_free(&m->dec_conv_out_b);
    free(m->name);
    free(m->description);
    free(m->license);
    free(m);
}

/* ---- double-precision reference ------------------------------------------ */

static double flat(const gft_tensor *t, int64_t k)
{
    return tm_get(t, 0, k);
}

static void ref_rmsnorm(const double *x, const gft_tensor *g, int d, double eps, double *out)
{
    double ss = 0;
    for (int i = 0; i < d; i++)
        ss += x[i] * x[i];
    double inv = 1.0 / sqrt(ss / d + eps);
    for (int i = 0; i < d; i++)
        out[i] = x[i] * inv * flat(g, i);
}

static void ref_linear(const gft_tensor *w, const double *x, double *y)
{
    int64_t n_in = w->ne[0], n_out = w->ne[1];
    for (int64_t o = 0; o < n_out; o++) {
        double s = 0;
        for (int64_t i = 0; i < n_in; i++)
            s += tm_get(w, o, i) * x[i];
        y[o] = s;
    }
}

void ref_logits(const gft_model *m, const int32_t *prefix, const int32_t *tokens, int n_image,
                double *logits)
{
    const gft_hparams *hp = &m->hp;
    int d = (int)hp->n_embd, T = (int)hp->text_ctx, W = (int)hp->grid_w, K = (int)hp->codebook_size;
    int nh = (int)hp->n_head, hd = d / nh, ff = (int)hp->n_ff;
    int L = T + n_image + 1;
    double *x = calloc((size_t)L * d, sizeof *x), *h = calloc((size_t)L * d, sizeof *h);
    double *q = calloc((size_t)L * d, sizeof *q), *k = calloc((size_t)L * d, sizeof *k);
    double *v = calloc((size_t)L * d, sizeof *v), *a = calloc((size_t)L * d, sizeof *a);
    double *t1 = calloc((size_t)(ff > d ? ff : d), sizeof *t1), *t2 = calloc((size_t)d, sizeof *t2);
    double *s = calloc((size_t)L, sizeof *s);
    for (int p = 0; p < L; p++) {
        for (int i = 0; i < d; i++) {
            if (p < T) {
                x[p * d + i] = tm_get(&m->text_emb, prefix[p], i) + tm_get(&m->text_pos, p, i);
            } else {
                int j = p - T, in = j == 0 ? K : tokens[j - 1];
                x[p * d + i] = tm_get(&m->img_emb, in, i) +
                               (tm_get(&m->img_row, j / W, i) + tm_get(&m->img_col, j % W, i));
            }
        }
    }
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const gft_layer *ly = &m->layers[l];
        for (int p = 0; p < L; p++) {
            ref_rmsnorm(x + p * d, &ly->attn_norm, d, hp->norm_eps, h + p * d);
            ref_linear(&ly->attn_q, h + p * d, q + p * d);
            ref_linear(&ly->attn_k, h + p * d, k + p * d);
            ref_linear(&ly->attn_v, h + p * d, v + p * d);
        }
        for (int p = 0; p < L; p++) {
            int n = p < T ? T : p + 1; /* prefix-LM mask */
            for (int hh = 0; hh < nh; hh++) {
                double mx = -1e300, sum = 0;
                for (int b = 0; b < n; b++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++)
                        dot += q[p * d + hh * hd + i] * k[b * d + hh * hd + i];
                    s[b] = dot / sqrt((double)hd);
                    if (s[b] > mx)
                        mx = s[b];
                }
                for (int b = 0; b < n; b++)
                    sum += (s[b] = exp(s[b] - mx));
                for (int i = 0; i < hd; i++) {
                    double o = 0;
                    for (int b = 0; b < n; b++)
                        o += s[b] / sum * v[b * d + hh * hd + i];
                    a[p * d + hh * hd + i] = o;
                }
            }
        }
        for (int p = 0; p < L; p++) {
            ref_linear(&ly->attn_out, a + p * d, t2);
            for (int i = 0; i < d; i++)
                x[p * d + i] += t2[i];
            ref_rmsnorm(x + p * d, &ly->ffn_norm, d, hp->norm_eps, h + p * d);
            ref_linear(&ly->ffn_up, h + p * d, t1);
            for (int i = 0; i < ff; i++)
                t1[i] = 0.5 * t1[i] * (1.0 + erf(t1[i] / sqrt(2.0)));
            ref_linear(&ly->ffn_down, t1, t2);
            for (int i = 0; i < d; i++)
                x[p * d + i] += t2[i];
        }
    }
    for (int j = 0; j <= n_image; j++) {
        ref_rmsnorm(x + (T + j) * d, &m->out_norm, d, hp->norm_eps, h);
        ref_linear(&m->head, h, logits + (size_t)j * K);
    }
    free(x);
    free(h);
    free(q);
    free(k);
    free(v);
    free(a);
    free(t1);
    free(t2);
    free(s);
}

static void ref_conv(const gft_tensor *w, const gft_tensor *b, const double *in, int H, int W,
                     double *out)
{
    int cin = (int)w->ne[2], cout = (int)w->ne[3];
    for (int co = 0; co < cout; co++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double s = flat(b, co);
                for (int ci = 0; ci < cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int sy = y + ky - 1, sx = x + kx - 1;
                            if (sy < 0 || sy >= H || sx < 0 || sx >= W)
                                continue;
                            s += flat(w, ((co * cin + ci) * 3 + ky) * 3 + kx) *
                                 in[((size_t)ci * H + sy) * W + sx];
                        }
                out[((size_t)co * H + y) * W + x] = s;
            }
}

static void ref_gn_silu(const gft_tensor *g, const gft_tensor *bb, int groups, double eps,
                        const double *in, int C, int P, double *out)
{
    int cpg = C / groups;
    for (int gi = 0; gi < groups; gi++) {
        double mean = 0, var = 0;
        for (int i = 0; i < cpg * P; i++)
            mean += in[(size_t)gi * cpg * P + i];
        mean /= cpg * P;
        for (int i = 0; i < cpg * P; i++) {
            double t = in[(size_t)gi * cpg * P + i] - mean;
            var += t * t;
        }
        var /= cpg * P;
        for (int c = gi * cpg; c < (gi + 1) * cpg; c++)
            for (int p = 0; p < P; p++) {
                double v =
                    (in[(size_t)c * P + p] - mean) / sqrt(var + eps) * flat(g, c) + flat(bb, c);
                out[(size_t)c * P + p] = v / (1.0 + exp(-v));
            }
    }
}

void ref_decode(const gft_model *m, const int32_t *codes, double *premul)
{
    const gft_hparams *hp = &m->hp;
    int W = (int)hp->grid_w, H = (int)hp->grid_h, D = (int)hp->code_dim;
    size_t big = (size_t)hp->image_width * hp->image_height * 1024;
    double *h = calloc(big, sizeof *h), *a = calloc(big, sizeof *a), *b = calloc(big, sizeof *b);
    for (int p = 0; p < W * H; p++)
        for (int c = 0; c < D; c++)
            a[(size_t)c * W * H + p] = tm_get(&m->vq_codebook, codes[p], c);
    ref_conv(&m->dec_conv_in_w, &m->dec_conv_in_b, a, H, W, h);
    for (uint32_t l = 0; l < hp->dec_n_levels; l++) {
        int C = (int)hp->dec_channels[l], P = W * H;
        for (uint32_t r = 0; r < hp->dec_n_res; r++) {
            const gft_resblock *rb = &m->dec_levels[l].res[r];
            ref_gn_silu(&rb->norm1_w, &rb->norm1_b, (int)hp->dec_n_groups, hp->dec_norm_eps, h, C,
                        P, a);
            ref_conv(&rb->conv1_w, &rb->conv1_b, a, H, W, b);
            ref_gn_silu(&rb->norm2_w, &rb->norm2_b, (int)hp->dec_n_groups, hp->dec_norm_eps, b, C,
                        P, a);
            ref_conv(&rb->conv2_w, &rb->conv2_b, a, H, W, b);
            for (size_t i = 0; i < (size_t)C * P; i++)
                h[i] += b[i];
        }
        if (l + 1 < hp->dec_n_levels) {
            for (int c = 0; c < C; c++)
                for (int y = 0; y < 2 * H; y++)
                    for (int x = 0; x < 2 * W; x++)
                        a[((size_t)c * 2 * H + y) * 2 * W + x] =
                            h[((size_t)c * H + y / 2) * W + x / 2];
            W *= 2;
            H *= 2;
            ref_conv(&m->dec_levels[l].up_w, &m->dec_levels[l].up_b, a, H, W, h);
        }
    }
    int C = (int)hp->dec_channels[hp->dec_n_levels - 1], P = W * H;
    ref_gn_silu(&m->dec_norm_out_w, &m->dec_norm_out_b, (int)hp->dec_n_groups, hp->dec_norm_eps, h,
                C, P, a);
    ref_conv(&m->dec_conv_out_w, &m->dec_conv_out_b, a, H, W, b);
    for (int p = 0; p < P; p++)
        for (int c = 0; c < 4; c++) {
            double v = b[(size_t)c * P + p];
            premul[p * 4 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    free(h);
    free(a);
    free(b);
}
