/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transformer forward pass (docs/model-format.md, "Transformer"):
 * prefix prefill and batched decode steps with a per-row KV cache. */
#include "attn_q8.h"
#include "context.h"
#include "kernels.h"
#include "kernels_q8i8.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
    /* with the int8 kernel (packed matrices) the cache is int8 too: at 8 and
     * more rows attention streams tens of MiB per step, half of it with F16 */
    tf->kv_q8 = m->packed_buf != NULL && tf->hd % 4 == 0; /* attn_q8.h: groups of 4 */
    return 1;
}

static void free_scratch(gft_tf *tf)
{
    free(tf->kc);
    free(tf->vc);
    free(tf->kp);
    free(tf->vp);
    tf->kp = tf->vp = NULL;
    free(tf->kcs);
    free(tf->vcs);
    free(tf->kps);
    free(tf->vps);
    tf->kcs = tf->vcs = tf->kps = tf->vps = NULL;
    free(tf->q8);
    free(tf->wq);
    tf->q8 = NULL;
    tf->wq = NULL;
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
    gft_qrows_free(&tf->qx);
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

/* ---- KV cache layout -------------------------------------------------------
 * The cache holds, per layer and head, segments of positions: one per prefix
 * slot (T positions, shared by all rows bound to it) and one per decode row
 * (the N image positions). A segment of n positions is
 *   K: ceil(n / GFT_KBLK) blocks of [hd][GFT_KBLK] (features, then positions)
 *   V: [n][hd]
 * for F32 and F16; int8 K and V are laid out for their integer dot products
 * (attn_q8.h: K blocks in groups of 4 features, V in pairs of positions)
 * so one head's attention streams two contiguous runs of memory. */

static size_t kseg(const gft_tf *tf, int n)
{
    return (size_t)(n + GFT_KBLK - 1) / GFT_KBLK * GFT_KBLK * (size_t)tf->hd;
}

static size_t kv_elem(const gft_tf *tf)
{
    return tf->kv_q8 ? 1 : tf->kv_f16 ? 2 : 4;
}

/* Segment `seg` of layer l's group of n_seg segments (rows or slots), head h */
static size_t seg_index(const gft_tf *tf, uint32_t l, int n_seg, int seg, int h)
{
    return ((size_t)l * (size_t)n_seg + (size_t)seg) * (size_t)tf->n_head + (size_t)h;
}

static void *row_k(const gft_tf *tf, uint32_t l, int r, int h)
{
    return (uint8_t *)tf->kc + seg_index(tf, l, tf->rows_cap, r, h) * kseg(tf, tf->N) * kv_elem(tf);
}

/* V of a segment of n positions: int8 holds them in pairs (attn_q8.h) */
static size_t vseg(const gft_tf *tf, int n)
{
    return tf->kv_q8 ? gft_attn_v_q8_size(n, tf->hd) : (size_t)n * tf->hd;
}

static void *row_v(const gft_tf *tf, uint32_t l, int r, int h)
{
    return (uint8_t *)tf->vc + seg_index(tf, l, tf->rows_cap, r, h) * vseg(tf, tf->N) * kv_elem(tf);
}

/* int8 cache: the scales of a row's (n = N) or a slot's (n = T) positions */
static float *row_scales(const gft_tf *tf, float *base, uint32_t l, int r, int h)
{
    return base ? base + seg_index(tf, l, tf->rows_cap, r, h) * (size_t)tf->N : NULL;
}

static float *slot_scales(const gft_tf *tf, float *base, uint32_t l, int s, int h)
{
    return base ? base + seg_index(tf, l, GFT_TF_SLOTS, s, h) * (size_t)tf->T : NULL;
}

static void *slot_k(const gft_tf *tf, uint32_t l, int s, int h)
{
    return (uint8_t *)tf->kp + seg_index(tf, l, GFT_TF_SLOTS, s, h) * kseg(tf, tf->T) * kv_elem(tf);
}

static void *slot_v(const gft_tf *tf, uint32_t l, int s, int h)
{
    return (uint8_t *)tf->vp + seg_index(tf, l, GFT_TF_SLOTS, s, h) * vseg(tf, tf->T) * kv_elem(tf);
}

/* Stores one position's K and V (hd floats each) at position p of a segment
 * (ks/vs: the segment's scales, int8 cache only). */
static void put_kv(const gft_tf *tf, void *k, void *v, float *ks, float *vs, int p, const float *kf,
                   const float *vf)
{
    size_t hd = (size_t)tf->hd;
    size_t kat = ((size_t)(p / GFT_KBLK) * hd) * GFT_KBLK + (size_t)(p % GFT_KBLK);
    if (tf->kv_q8) {
        ks[p] = gft_attn_put_k_q8(k, p, (int)hd, kf);
        vs[p] = gft_attn_put_v_q8(v, p, (int)hd, vf);
    } else if (tf->kv_f16) {
        uint16_t kh[64];
        gft_f32_to_f16_row(vf, (uint16_t *)v + (size_t)p * hd, (int64_t)hd);
        for (size_t i0 = 0; i0 < hd; i0 += 64) {
            size_t n = hd - i0 < 64 ? hd - i0 : 64;
            gft_f32_to_f16_row(kf + i0, kh, (int64_t)n);
            for (size_t i = 0; i < n; i++)
                ((uint16_t *)k)[kat + (i0 + i) * GFT_KBLK] = kh[i];
        }
    } else {
        memcpy((float *)v + (size_t)p * hd, vf, hd * sizeof *vf);
        for (size_t i = 0; i < hd; i++)
            ((float *)k)[kat + i * GFT_KBLK] = kf[i];
    }
}

/* Zeroed, 64-byte aligned storage: the kernels' full-width vector loads of
 * activation rows (whose strides are multiples of 64 bytes for the shipped
 * sizes) then never straddle two cache lines, which halves their cost.
 * Buffers of 2 MiB and more (the KV cache) are asked to use huge pages where
 * the OS offers them: attention streams through tens of MiB per step, and
 * with 4 KiB pages a TLB miss every page costs as much as the page's data. */
#define HUGE_PAGE ((size_t)2 << 20)
static void *alloc64(size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - HUGE_PAGE) / size)
        return NULL;
    size_t bytes = n * size, align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
    bytes = bytes == 0 ? align : (bytes + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes);
    if (!p)
        return NULL;
#if defined(MADV_HUGEPAGE)
    if (align == HUGE_PAGE)
        madvise(p, bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    memset(p, 0, bytes);
    return p;
}

int gft_tf_reserve(gft_tf *tf, int rows)
{
    if (rows < 1)
        rows = 1;
    if (rows > GFT_TF_MAX_ROWS)
        return 0;
    if (rows <= tf->rows_cap)
        return 1;
    free_scratch(tf);
    tf->rows_cap = rows; /* the segment helpers use it */
    size_t nl = tf->m->hp.n_layer, d = (size_t)tf->d, nh = (size_t)tf->n_head, es = kv_elem(tf);
    int sr = rows > tf->T ? rows : tf->T;
    size_t row_segs = nl * (size_t)rows * nh, slot_segs = nl * GFT_TF_SLOTS * nh;
    /* zeroed: the padding of a partial K block is read (and ignored) */
    tf->kc = alloc64(row_segs * kseg(tf, tf->N), es);
    tf->vc = alloc64(row_segs * vseg(tf, tf->N), es);
    tf->kp = alloc64(slot_segs * kseg(tf, tf->T), es);
    tf->vp = alloc64(slot_segs * vseg(tf, tf->T), es);
    if (tf->kv_q8) {
        tf->kcs = alloc64(row_segs * (size_t)tf->N, sizeof(float));
        tf->vcs = alloc64(row_segs * (size_t)tf->N, sizeof(float));
        tf->kps = alloc64(slot_segs * (size_t)tf->T, sizeof(float));
        tf->vps = alloc64(slot_segs * (size_t)tf->T, sizeof(float));
        size_t tasks = (size_t)rows * nh;
        tf->q8 = alloc64(tasks * (size_t)tf->hd, 1);
        tf->wq = alloc64(tasks * (size_t)(tf->L + 2), sizeof(int16_t));
    }
    tf->kn = alloc64((size_t)rows * d, sizeof(float));
    tf->vn = alloc64((size_t)rows * d, sizeof(float));
    tf->x = alloc64((size_t)sr * d, sizeof(float));
    tf->h = alloc64((size_t)sr * d, sizeof(float));
    tf->q = alloc64((size_t)sr * d, sizeof(float));
    tf->att = alloc64((size_t)sr * d, sizeof(float));
    tf->ff = alloc64((size_t)sr * (size_t)tf->n_ff, sizeof(float));
    tf->logits = alloc64((size_t)rows * (size_t)tf->K, sizeof(float));
    tf->scores = alloc64((size_t)sr * (size_t)tf->n_head * (size_t)tf->L, sizeof(float));
    /* activations quantised for the int8 kernel: only packed models need it */
    int qx_ok =
        !tf->m->packed_buf || gft_qrows_alloc(&tf->qx, sr, tf->n_ff > tf->d ? tf->n_ff : tf->d);
    int scales_ok = !tf->kv_q8 || (tf->kcs && tf->vcs && tf->kps && tf->vps && tf->q8 && tf->wq);
    if (!scales_ok || !tf->kc || !tf->vc || !tf->kp || !tf->vp || !tf->kn || !tf->vn || !tf->x ||
        !tf->h || !tf->q || !tf->att || !tf->ff || !tf->logits || !tf->scores || !qx_ok) {
        free_scratch(tf);
        return 0;
    }
    for (int r = 0; r < GFT_TF_MAX_ROWS; r++)
        tf->row_slot[r] = 0;
    tf->scratch_rows = sr;
    return 1;
}

/* ---- attention ------------------------------------------------------------ */

typedef struct {
    const gft_tf *tf;
    const float *q;   /* [rows][d] */
    int n_pos;        /* every row sees positions 0 .. n_pos - 1 */
    float *out;       /* [rows][d] */
    float *scores;    /* [rows][n_head][L] */
    const float *k32; /* prefill: the prefix K/V, [T][d] F32 */
    const float *v32;
    uint32_t layer; /* decode: the cache's layer */
} attn_job;

/* Prefill: every prefix position attends to the whole prefix. */
static void prefix_attn_worker(void *arg, int64_t begin, int64_t end, int thread)
{
    (void)thread;
    const attn_job *j = arg;
    const gft_tf *tf = j->tf;
    int d = tf->d, hd = tf->hd, nh = tf->n_head;
    float scale = sqrtf((float)hd); /* divided by, as the reference does */
    for (int64_t task = begin; task < end; task++) {
        int r = (int)(task / nh), h = (int)(task % nh);
        const float *q = j->q + (size_t)r * d + (size_t)h * hd;
        float *s = j->scores + ((size_t)r * nh + h) * tf->L;
        float *o = j->out + (size_t)r * d + (size_t)h * hd;
        gft_attn_scores(q, j->k32 + (size_t)h * hd, 0, (size_t)d, j->n_pos, hd, scale, s);
        gft_softmax(s, j->n_pos);
        gft_attn_values(s, j->v32 + (size_t)h * hd, 0, (size_t)d, j->n_pos, hd, o);
    }
}

/* Decode: a row attends to its prefix slot, then to its own image positions
 * (one continued sum, so the split does not change the bits). */
static void decode_attn_worker(void *arg, int64_t begin, int64_t end, int thread)
{
    (void)thread;
    const attn_job *j = arg;
    const gft_tf *tf = j->tf;
    int d = tf->d, hd = tf->hd, nh = tf->n_head, T = tf->T;
    int kind = tf->kv_f16; /* the F16 or F32 cache's element */
    int n_img = j->n_pos - T;
    float scale = sqrtf((float)hd);
    for (int64_t task = begin; task < end; task++) {
        int r = (int)(task / nh), h = (int)(task % nh), slot = tf->row_slot[r];
        const float *q = j->q + (size_t)r * d + (size_t)h * hd;
        float *s = j->scores + ((size_t)r * nh + h) * tf->L;
        float *o = j->out + (size_t)r * d + (size_t)h * hd;
        /* the new position's K/V first: this task alone touches this segment */
        float *rks = row_scales(tf, tf->kcs, j->layer, r, h),
              *rvs = row_scales(tf, tf->vcs, j->layer, r, h);
        put_kv(tf, row_k(tf, j->layer, r, h), row_v(tf, j->layer, r, h), rks, rvs, n_img - 1,
               tf->kn + (size_t)r * d + (size_t)h * hd, tf->vn + (size_t)r * d + (size_t)h * hd);
        const void *sk = slot_k(tf, j->layer, slot, h), *rk = row_k(tf, j->layer, r, h);
        if (tf->kv_q8) {
            int8_t *q8 = tf->q8 + (size_t)task * hd;
            float dq;
            int32_t qsum128 = gft_attn_query_q8(q, hd, q8, &dq);
            gft_attn_scores_q8(q8, dq, qsum128, sk, slot_scales(tf, tf->kps, j->layer, slot, h), T,
                               hd, scale, s);
            gft_attn_scores_q8(q8, dq, qsum128, rk, rks, n_img, hd, scale, s + T);
            gft_softmax(s, j->n_pos);
            gft_attn_values_q8(s, slot_scales(tf, tf->vps, j->layer, slot, h),
                               slot_v(tf, j->layer, slot, h), T, s + T, rvs,
                               row_v(tf, j->layer, r, h), n_img, hd,
                               tf->wq + (size_t)task * (size_t)(tf->L + 2), o);
            continue;
        }
        gft_attn_scores_blk(q, sk, kind, T, hd, scale, s);
        gft_attn_scores_blk(q, rk, kind, n_img, hd, scale, s + T);
        gft_softmax(s, j->n_pos);
        gft_attn_values(s, slot_v(tf, j->layer, slot, h), kind, (size_t)hd, T, hd, o);
        gft_attn_values_add(s + T, row_v(tf, j->layer, r, h), kind, (size_t)hd, n_img, hd, o);
    }
}

/* ---- one block, shared by prefill and decode ---------------------------- */

/* x: [R][d] residual stream. K/V rows go to k32/v32 (d floats apart); with
 * j >= 0 (decode at image position j) the attention tasks store them into the
 * cache of layer l. aj describes the attention. */
static void block(gft_tf *tf, gft_pool *pool, uint32_t l, int R, float *k32, float *v32, int j,
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
    gft_matmul(pool, &tf->qx, tf->h, d, R, qkv, 3);
    int64_t tasks = (int64_t)R * tf->n_head;
    int64_t macs = tasks * aj->n_pos * tf->hd * 2;
    gft_pool_for(pool, tasks, macs < 65536 ? tasks : 1,
                 j >= 0 ? decode_attn_worker : prefix_attn_worker, aj);
    gft_matmul_out o = {&ly->attn_out, tf->x, d, GFT_EPI_ADD};
    gft_matmul(pool, &tf->qx, tf->att, d, R, &o, 1);
    for (int r = 0; r < R; r++)
        gft_rmsnorm(tf->x + (size_t)r * d, ly->ffn_norm.data, d, hp->norm_eps,
                    tf->h + (size_t)r * d);
    gft_matmul_out up = {&ly->ffn_up, tf->ff, tf->n_ff, GFT_EPI_GELU};
    gft_matmul(pool, &tf->qx, tf->h, d, R, &up, 1);
    gft_matmul_out down = {&ly->ffn_down, tf->x, d, GFT_EPI_ADD};
    gft_matmul(pool, &tf->qx, tf->ff, tf->n_ff, R, &down, 1);
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
        attn_job aj = {tf, tf->q, T, tf->att, tf->scores, k, v, l};
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

void gft_tf_load_prefix(gft_tf *tf, int slot, const float *k, const float *v)
{
    size_t d = (size_t)tf->d, hd = (size_t)tf->hd, T = (size_t)tf->T;
    for (uint32_t l = 0; l < tf->m->hp.n_layer; l++)
        for (int h = 0; h < tf->n_head; h++)
            for (size_t t = 0; t < T; t++) {
                size_t at = ((size_t)l * T + t) * d + (size_t)h * hd;
                put_kv(tf, slot_k(tf, l, slot, h), slot_v(tf, l, slot, h),
                       slot_scales(tf, tf->kps, l, slot, h), slot_scales(tf, tf->vps, l, slot, h),
                       (int)t, k + at, v + at);
            }
}

void gft_tf_bind_row(gft_tf *tf, int row, int slot)
{
    tf->row_slot[row] = slot;
}

void gft_tf_step(gft_tf *tf, gft_pool *pool, int B, int j, const int32_t *in_tok)
{
    const gft_model *m = tf->m;
    int d = tf->d, W = (int)m->hp.grid_w;
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
        attn_job aj = {tf, tf->q, pos + 1, tf->att, tf->scores, NULL, NULL, l};
        block(tf, pool, l, B, tf->kn, tf->vn, j, &aj);
    }
    for (int b = 0; b < B; b++)
        gft_rmsnorm(tf->x + (size_t)b * d, m->out_norm.data, d, m->hp.norm_eps,
                    tf->h + (size_t)b * d);
    gft_matmul_out head = {&m->head, tf->logits, tf->K, GFT_EPI_STORE};
    gft_matmul(pool, &tf->qx, tf->h, d, B, &head, 1);
}
