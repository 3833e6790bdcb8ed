/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transformer forward pass (docs/model-format.md, "Transformer"):
 * prefix prefill and batched decode steps with a per-row KV cache. */
#include "context.h"
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Row `row` of an embedding table (F32 or F16) as floats. */
static const float *emb_row(const gft_tensor *t, int64_t row, float *tmp)
{
    int64_t n = t->ne[0];
    if (t->type == GFT_TYPE_F32)
        return (const float *)t->data + row * n;
    const uint16_t *h = (const uint16_t *)t->data + row * n;
    for (int64_t i = 0; i < n; i++)
        tmp[i] = gft_half_to_float(h[i]);
    return tmp;
}

int gft_tf_init(gft_tf *tf, const gft_model *m)
{
    memset(tf, 0, sizeof *tf);
    const gft_hparams *hp = &m->hp;
    tf->m = m;
    tf->d = (int)hp->n_embd;
    tf->n_ff = (int)hp->n_ff;
    tf->n_head = (int)hp->n_head;
    tf->hd = tf->d / tf->n_head;
    tf->T = (int)hp->text_ctx;
    tf->N = (int)(hp->grid_w * hp->grid_h);
    tf->L = tf->T + tf->N;
    tf->K = (int)hp->codebook_size;
    tf->kv_f16 = m->layers[0].attn_k.type == GFT_TYPE_Q8_0;
    return 1;
}

static void free_scratch(gft_tf *tf)
{
    free(tf->kc);
    free(tf->vc);
    free(tf->x);
    free(tf->h);
    free(tf->q);
    free(tf->att);
    free(tf->ff);
    free(tf->logits);
    free(tf->scores);
    free(tf->kn);
    free(tf->vn);
    tf->kn = tf->vn = NULL;
    tf->kc = tf->vc = NULL;
    tf->x = tf->h = tf->q = tf->att = tf->ff = tf->logits = tf->scores = NULL;
    tf->rows_cap = tf->scratch_rows = 0;
}

void gft_tf_free(gft_tf *tf)
{
    free_scratch(tf);
    free(tf->null_k);
    free(tf->null_v);
    tf->null_k = tf->null_v = NULL;
    tf->have_null = 0;
}

int gft_tf_reserve(gft_tf *tf, int rows)
{
    if (rows < 1)
        rows = 1;
    if (rows <= tf->rows_cap)
        return 1;
    free_scratch(tf);
    size_t nl = tf->m->hp.n_layer, d = (size_t)tf->d;
    int sr = rows > tf->T ? rows : tf->T;
    size_t kv = nl * (size_t)rows * (size_t)tf->L * d;
    size_t es = tf->kv_f16 ? 2 : 4;
    tf->kc = malloc(kv * es);
    tf->vc = malloc(kv * es);
    tf->kn = malloc((size_t)rows * d * sizeof(float));
    tf->vn = malloc((size_t)rows * d * sizeof(float));
    tf->x = malloc((size_t)sr * d * sizeof(float));
    tf->h = malloc((size_t)sr * d * sizeof(float));
    tf->q = malloc((size_t)sr * d * sizeof(float));
    tf->att = malloc((size_t)sr * d * sizeof(float));
    tf->ff = malloc((size_t)sr * (size_t)tf->n_ff * sizeof(float));
    tf->logits = malloc((size_t)rows * (size_t)tf->K * sizeof(float));
    tf->scores = malloc((size_t)sr * (size_t)tf->n_head * (size_t)tf->L * sizeof(float));
    if (!tf->kc || !tf->vc || !tf->kn || !tf->vn || !tf->x || !tf->h || !tf->q || !tf->att ||
        !tf->ff || !tf->logits || !tf->scores) {
        free_scratch(tf);
        return 0;
    }
    tf->rows_cap = rows;
    tf->scratch_rows = sr;
    return 1;
}

/* ---- attention ------------------------------------------------------------ */

typedef struct {
    const gft_tf *tf;
    const float *q; /* [rows][d] */
    /* K/V of row r start at element r * row_stride. V: positions d apart.
     * K: the same, or with k_t transposed ([d][L]: features L apart). */
    const void *k, *v;
    int f16; /* K/V elements are F16 (else F32) */
    int k_t;
    size_t row_stride;
    int n_pos;     /* every row sees positions 0 .. n_pos - 1 */
    float *out;    /* [rows][d] */
    float *scores; /* [rows][n_head][L] */
} attn_job;

static void attn_worker(void *arg, int64_t begin, int64_t end, int thread)
{
    (void)thread;
    const attn_job *j = arg;
    const gft_tf *tf = j->tf;
    int d = tf->d, hd = tf->hd, nh = tf->n_head;
    float scale = sqrtf((float)hd); /* divided by, as the reference does */
    for (int64_t task = begin; task < end; task++) {
        int r = (int)(task / nh), h = (int)(task % nh);
        int n_pos = j->n_pos;
        const float *q = j->q + (size_t)r * d + (size_t)h * hd;
        size_t off = (size_t)r * j->row_stride + (size_t)h * hd;
        size_t koff = j->k_t ? (size_t)r * j->row_stride + (size_t)h * hd * tf->L : off;
        float *s = j->scores + ((size_t)r * nh + h) * tf->L;
        float *o = j->out + (size_t)r * d + (size_t)h * hd;
        size_t es = j->f16 ? 2 : 4;
        const void *k = (const uint8_t *)j->k + koff * es, *v = (const uint8_t *)j->v + off * es;
        if (j->k_t)
            gft_attn_scores_t(q, k, j->f16, (size_t)tf->L, n_pos, hd, scale, s);
        else
            gft_attn_scores(q, k, j->f16, (size_t)d, n_pos, hd, scale, s);
        gft_softmax(s, n_pos);
        gft_attn_values(s, v, j->f16, (size_t)d, n_pos, hd, o);
    }
}

/* ---- one block, shared by prefill and decode ---------------------------- */

/* Decode: writes the R new K/V rows (tf->kn, tf->vn) into the cache of
 * layer l at position pos: V as [pos][d], K transposed as [d][L]. */
static void store_kv(gft_tf *tf, uint32_t l, int R, int pos)
{
    size_t d = (size_t)tf->d, L = (size_t)tf->L;
    for (int r = 0; r < R; r++) {
        size_t row = ((size_t)l * tf->rows_cap + r) * L * d;
        const float *kn = tf->kn + r * d, *vn = tf->vn + r * d;
        if (tf->kv_f16) {
            uint16_t *kc = (uint16_t *)tf->kc + row + pos, *vc = (uint16_t *)tf->vc + row;
            gft_f32_to_f16_row(vn, vc + (size_t)pos * d, (int64_t)d);
            uint16_t tmp[8];
            for (size_t f = 0; f < d; f += 8) {
                size_t n = d - f < 8 ? d - f : 8;
                gft_f32_to_f16_row(kn + f, tmp, (int64_t)n);
                for (size_t i = 0; i < n; i++)
                    kc[(f + i) * L] = tmp[i];
            }
        } else {
            float *kc = (float *)tf->kc + row + pos, *vc = (float *)tf->vc + row;
            memcpy(vc + (size_t)pos * d, vn, d * sizeof *vn);
            for (size_t f = 0; f < d; f++)
                kc[f * L] = kn[f];
        }
    }
}

/* x: [R][d] residual stream. Attention is run by the caller's job template. */
/* K/V rows go to k32/v32 (d floats apart); with pos >= 0 (decode) they are
 * then stored into the cache of layer l. */
static void block(gft_tf *tf, gft_pool *pool, uint32_t l, int R, float *k32, float *v32, int pos,
                  attn_job *aj)
{
    const gft_layer *ly = &tf->m->layers[l];
    const gft_hparams *hp = &tf->m->hp;
    int d = tf->d;
    for (int r = 0; r < R; r++)
        gft_rmsnorm(tf->x + (size_t)r * d, ly->attn_norm.data, d, hp->norm_eps,
                    tf->h + (size_t)r * d);
    gft_matmul_out qkv[3] = {
        {&ly->attn_q, tf->q, d, GFT_EPI_STORE},
        {&ly->attn_k, k32, d, GFT_EPI_STORE},
        {&ly->attn_v, v32, d, GFT_EPI_STORE},
    };
    gft_matmul(pool, tf->h, d, R, qkv, 3);
    if (pos >= 0)
        store_kv(tf, l, R, pos);
    int64_t tasks = (int64_t)R * tf->n_head;
    int64_t macs = tasks * aj->n_pos * tf->hd * 2;
    gft_pool_for(pool, tasks, macs < 65536 ? tasks : 1, attn_worker, aj);
    gft_matmul_out o = {&ly->attn_out, tf->x, d, GFT_EPI_ADD};
    gft_matmul(pool, tf->att, d, R, &o, 1);
    for (int r = 0; r < R; r++)
        gft_rmsnorm(tf->x + (size_t)r * d, ly->ffn_norm.data, d, hp->norm_eps,
                    tf->h + (size_t)r * d);
    gft_matmul_out up = {&ly->ffn_up, tf->ff, tf->n_ff, GFT_EPI_GELU};
    gft_matmul(pool, tf->h, d, R, &up, 1);
    gft_matmul_out down = {&ly->ffn_down, tf->x, d, GFT_EPI_ADD};
    gft_matmul(pool, tf->ff, tf->n_ff, R, &down, 1);
}

void gft_tf_prefix(gft_tf *tf, gft_pool *pool, const int32_t *ids, float *k_out, float *v_out)
{
    const gft_model *m = tf->m;
    int d = tf->d, T = tf->T;
    float *tmp = tf->h; /* scratch for F16 rows before the first block */
    for (int t = 0; t < T; t++) {
        float *x = tf->x + (size_t)t * d;
        const float *e = emb_row(&m->text_emb, ids[t], tmp);
        memcpy(x, e, (size_t)d * sizeof *x);
        const float *p = emb_row(&m->text_pos, t, tmp);
        for (int i = 0; i < d; i++)
            x[i] += p[i];
    }
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        float *k = k_out + (size_t)l * T * d, *v = v_out + (size_t)l * T * d;
        /* every prefix position sees the whole prefix: same K/V base for all rows */
        attn_job aj = {tf, tf->q, k, v, 0, 0, 0, T, tf->att, tf->scores};
        block(tf, pool, l, T, k, v, -1, &aj);
    }
}

void gft_tf_null_prefix(gft_tf *tf, gft_pool *pool, const float **k, const float **v)
{
    if (!tf->have_null) {
        int32_t *ids = calloc((size_t)tf->T, sizeof *ids);
        size_t n = (size_t)tf->m->hp.n_layer * tf->T * tf->d;
        if (!tf->null_k)
            tf->null_k = malloc(n * sizeof(float));
        if (!tf->null_v)
            tf->null_v = malloc(n * sizeof(float));
        if (ids && tf->null_k && tf->null_v) {
            gft_build_prefix(tf->m, "", ids);
            gft_tf_prefix(tf, pool, ids, tf->null_k, tf->null_v);
            tf->have_null = 1;
        }
        free(ids);
    }
    *k = tf->have_null ? tf->null_k : NULL;
    *v = tf->have_null ? tf->null_v : NULL;
}

void gft_tf_load_prefix(gft_tf *tf, int row, const float *k, const float *v)
{
    size_t d = (size_t)tf->d, T = (size_t)tf->T, L = (size_t)tf->L;
    for (uint32_t l = 0; l < tf->m->hp.n_layer; l++) {
        size_t dst = (((size_t)l * tf->rows_cap + row) * L) * d;
        const float *ks = k + (size_t)l * T * d, *vs = v + (size_t)l * T * d;
        if (tf->kv_f16) {
            uint16_t *kc = (uint16_t *)tf->kc + dst;
            gft_f32_to_f16_row(vs, (uint16_t *)tf->vc + dst, (int64_t)(T * d));
            for (size_t f = 0; f < d; f++)
                for (size_t t = 0; t < T; t++)
                    kc[f * L + t] = gft_f32_to_f16(ks[t * d + f]);
        } else {
            float *kc = (float *)tf->kc + dst;
            memcpy((float *)tf->vc + dst, vs, T * d * sizeof(float));
            for (size_t f = 0; f < d; f++)
                for (size_t t = 0; t < T; t++)
                    kc[f * L + t] = ks[t * d + f];
        }
    }
}

void gft_tf_step(gft_tf *tf, gft_pool *pool, int B, int j, const int32_t *in_tok)
{
    const gft_model *m = tf->m;
    int d = tf->d, W = (int)m->hp.grid_w;
    size_t L = (size_t)tf->L;
    int pos = tf->T + j;
    float *tmp = tf->h;
    float *pe = tf->q; /* img_row[r] + img_col[c], as the reference adds them */
    const float *row = emb_row(&m->img_row, j / W, tmp);
    memcpy(pe, row, (size_t)d * sizeof *pe);
    const float *col = emb_row(&m->img_col, j % W, tmp);
    for (int i = 0; i < d; i++)
        pe[i] += col[i];
    for (int b = 0; b < B; b++) {
        float *x = tf->x + (size_t)b * d;
        const float *e = emb_row(&m->img_emb, in_tok[b], tmp);
        for (int i = 0; i < d; i++)
            x[i] = e[i] + pe[i];
    }
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        size_t base = (size_t)l * tf->rows_cap * L * d, es = tf->kv_f16 ? 2 : 4;
        attn_job aj = {tf,
                       tf->q,
                       (const uint8_t *)tf->kc + base * es,
                       (const uint8_t *)tf->vc + base * es,
                       tf->kv_f16,
                       1,
                       L * d,
                       pos + 1,
                       tf->att,
                       tf->scores};
        block(tf, pool, l, B, tf->kn, tf->vn, pos, &aj);
    }
    for (int b = 0; b < B; b++)
        gft_rmsnorm(tf->x + (size_t)b * d, m->out_norm.data, d, m->hp.norm_eps,
                    tf->h + (size_t)b * d);
    gft_matmul_out head = {&m->head, tf->logits, tf->K, GFT_EPI_STORE};
    gft_matmul(pool, tf->h, d, B, &head, 1);
}
