/* Tensor views: every required tensor with its exact shape and an allowed
 * type (docs/model-format.md tables).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"

#include <stdio.h>
#include <string.h>

enum {
    T_F32 = 1u << GFT_TYPE_F32,
    T_F16 = 1u << GFT_TYPE_F16,
    T_Q8 = 1u << GFT_TYPE_Q8_0,
    EMB = T_F32 | T_F16,
    VEC = T_F32,
    MAT = T_F32 | T_F16 | T_Q8,
    CONV = T_F32 | T_F16,
};

static const char *type_name(uint32_t t)
{
    return t == GFT_TYPE_F32    ? "F32"
           : t == GFT_TYPE_F16  ? "F16"
           : t == GFT_TYPE_Q8_0 ? "Q8_0"
                                : "?";
}

static void type_list(unsigned mask, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%s", mask & T_F32 ? "F32" : "",
             (mask & T_F32) && (mask & ~T_F32) ? ", " : "", mask & T_F16 ? "F16" : "",
             (mask & T_Q8) && (mask & ~T_Q8) ? ", " : "", mask & T_Q8 ? "Q8_0" : "");
}

typedef struct {
    const gguf_file *f;
    gft_model *m;
    char *err;
    size_t err_size;
} tensor_loader;

/* Looks `name` up and checks dims (n_dims of them, rest 1) and type. */
static gft_status want(tensor_loader *tl, gft_tensor *dst, const char *name, unsigned types,
                       int n_dims, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    const int64_t want_ne[4] = {d0, n_dims > 1 ? d1 : 1, n_dims > 2 ? d2 : 1, n_dims > 3 ? d3 : 1};
    const gguf_tensor_info *t = gguf_find_tensor(tl->f, name);
    if (!t) {
        gft_set_error(tl->err, tl->err_size, "required tensor '%s' is missing", name);
        return GFT_ERR_FORMAT;
    }
    if (memcmp(t->ne, want_ne, sizeof want_ne) != 0) {
        gft_set_error(tl->err, tl->err_size,
                      "tensor '%s' has dims [%lld, %lld, %lld, %lld], expected [%lld, %lld, "
                      "%lld, %lld] from the hyperparameters",
                      name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                      (long long)t->ne[3], (long long)want_ne[0], (long long)want_ne[1],
                      (long long)want_ne[2], (long long)want_ne[3]);
        return GFT_ERR_FORMAT;
    }
    if (!(types & (1u << t->type))) {
        char allowed[32];
        type_list(types, allowed, sizeof allowed);
        gft_set_error(tl->err, tl->err_size, "tensor '%s' has type %s; allowed: %s", name,
                      type_name(t->type), allowed);
        return GFT_ERR_FORMAT;
    }
    size_t name_len = strlen(name);
    char *name_copy = gft_arena_alloc(tl->m, name_len + 1);
    if (!name_copy) {
        gft_set_error(tl->err, tl->err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    memcpy(name_copy, name, name_len + 1);
    dst->name = name_copy;
    dst->data = tl->f->base + tl->f->data_start + t->offset;
    dst->type = (gft_type)t->type;
    dst->n_dims = n_dims;
    memcpy(dst->ne, want_ne, sizeof want_ne);
    dst->n_bytes = (size_t)t->n_bytes;
    return GFT_OK;
}

static gft_status load_transformer(tensor_loader *tl)
{
    gft_model *m = tl->m;
    const gft_hparams *hp = &m->hp;
    int64_t d = hp->n_embd, ff = hp->n_ff, K = hp->codebook_size;
    char name[64];
    GFT_TRY(want(tl, &m->text_emb, "text_emb.weight", EMB, 2, d, hp->text_vocab, 1, 1));
    GFT_TRY(want(tl, &m->text_pos, "text_pos", EMB, 2, d, hp->text_ctx, 1, 1));
    GFT_TRY(want(tl, &m->img_emb, "img_emb.weight", EMB, 2, d, K + 1, 1, 1));
    GFT_TRY(want(tl, &m->img_row, "img_row", EMB, 2, d, hp->grid_h, 1, 1));
    GFT_TRY(want(tl, &m->img_col, "img_col", EMB, 2, d, hp->grid_w, 1, 1));
    m->layers = gft_arena_alloc(m, sizeof *m->layers * hp->n_layer);
    if (!m->layers) {
        gft_set_error(tl->err, tl->err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < hp->n_layer; i++) {
        gft_layer *L = &m->layers[i];
#define LAYER(field, types, nd, a, b)                                                              \
    snprintf(name, sizeof name, "blk.%u." #field ".weight", i);                                    \
    GFT_TRY(want(tl, &L->field, name, types, nd, a, b, 1, 1))
        LAYER(attn_norm, VEC, 1, d, 1);
        LAYER(attn_q, MAT, 2, d, d);
        LAYER(attn_k, MAT, 2, d, d);
        LAYER(attn_v, MAT, 2, d, d);
        LAYER(attn_out, MAT, 2, d, d);
        LAYER(ffn_norm, VEC, 1, d, 1);
        LAYER(ffn_up, MAT, 2, d, ff);
        LAYER(ffn_down, MAT, 2, ff, d);
#undef LAYER
    }
    GFT_TRY(want(tl, &m->out_norm, "out_norm.weight", VEC, 1, d, 1, 1, 1));
    GFT_TRY(want(tl, &m->head, "head.weight", MAT, 2, d, K, 1, 1));
    return GFT_OK;
}

/* A 3x3 conv (weight [3, 3, cin, cout] + bias [cout]) named prefix.weight/.bias */
static gft_status want_conv(tensor_loader *tl, gft_tensor *w, gft_tensor *b, const char *prefix,
                            int64_t cin, int64_t cout)
{
    char name[96];
    snprintf(name, sizeof name, "%s.weight", prefix);
    GFT_TRY(want(tl, w, name, CONV, 4, 3, 3, cin, cout));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return want(tl, b, name, VEC, 1, cout, 1, 1, 1);
}

static gft_status want_norm(tensor_loader *tl, gft_tensor *w, gft_tensor *b, const char *prefix,
                            int64_t c)
{
    char name[96];
    snprintf(name, sizeof name, "%s.weight", prefix);
    GFT_TRY(want(tl, w, name, VEC, 1, c, 1, 1, 1));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return want(tl, b, name, VEC, 1, c, 1, 1, 1);
}

static gft_status load_decoder(tensor_loader *tl)
{
    gft_model *m = tl->m;
    const gft_hparams *hp = &m->hp;
    const uint32_t *C = hp->dec_channels;
    uint32_t last = hp->dec_n_levels - 1;
    char p[80];
    GFT_TRY(
        want(tl, &m->vq_codebook, "vq.codebook", VEC, 2, hp->code_dim, hp->codebook_size, 1, 1));
    GFT_TRY(want_conv(tl, &m->dec_conv_in_w, &m->dec_conv_in_b, "dec.conv_in", hp->code_dim, C[0]));
    for (uint32_t l = 0; l <= last; l++) {
        gft_dec_level *lv = &m->dec_levels[l];
        for (uint32_t r = 0; r < hp->dec_n_res; r++) {
            gft_resblock *rb = &lv->res[r];
            snprintf(p, sizeof p, "dec.l%u.res%u.norm1", l, r);
            GFT_TRY(want_norm(tl, &rb->norm1_w, &rb->norm1_b, p, C[l]));
            snprintf(p, sizeof p, "dec.l%u.res%u.conv1", l, r);
            GFT_TRY(want_conv(tl, &rb->conv1_w, &rb->conv1_b, p, C[l], C[l]));
            snprintf(p, sizeof p, "dec.l%u.res%u.norm2", l, r);
            GFT_TRY(want_norm(tl, &rb->norm2_w, &rb->norm2_b, p, C[l]));
            snprintf(p, sizeof p, "dec.l%u.res%u.conv2", l, r);
            GFT_TRY(want_conv(tl, &rb->conv2_w, &rb->conv2_b, p, C[l], C[l]));
        }
        if (l < last) {
            snprintf(p, sizeof p, "dec.l%u.up", l);
            GFT_TRY(want_conv(tl, &lv->up_w, &lv->up_b, p, C[l], C[l + 1]));
        }
    }
    GFT_TRY(want_norm(tl, &m->dec_norm_out_w, &m->dec_norm_out_b, "dec.norm_out", C[last]));
    return want_conv(tl, &m->dec_conv_out_w, &m->dec_conv_out_b, "dec.conv_out", C[last], 4);
}

static const char *weight_type(const gft_model *m)
{
    int type = m->head.type;
    for (uint32_t i = 0; i < m->hp.n_layer; i++) {
        const gft_layer *L = &m->layers[i];
        const gft_tensor *mats[] = {&L->attn_q,   &L->attn_k, &L->attn_v,
                                    &L->attn_out, &L->ffn_up, &L->ffn_down};
        for (size_t j = 0; j < sizeof mats / sizeof mats[0]; j++)
            if ((int)mats[j]->type != type)
                return "mixed";
    }
    return type_name((uint32_t)type);
}

gft_status gft_want_tensor(const gguf_file *f, gft_model *m, gft_tensor *dst, const char *name,
                           unsigned types, int n_dims, int64_t d0, int64_t d1, char *err,
                           size_t err_size)
{
    tensor_loader tl = {f, m, err, err_size};
    return want(&tl, dst, name, types, n_dims, d0, d1, 1, 1);
}

gft_status gft_want_flat_conv(const gguf_file *f, gft_model *m, gft_tensor *w, gft_tensor *b,
                              const char *prefix, unsigned i, unsigned w_types, int64_t cin,
                              int64_t cout, char *err, size_t err_size)
{
    char name[64];
    snprintf(name, sizeof name, "%s%u.weight", prefix, i);
    GFT_TRY(gft_want_tensor(f, m, w, name, w_types, 2, cin * 9, cout, err, err_size));
    snprintf(name, sizeof name, "%s%u.bias", prefix, i);
    return gft_want_tensor(f, m, b, name, 1u << GFT_TYPE_F32, 1, cout, 1, err, err_size);
}

gft_status gft_load_tensors(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    tensor_loader tl = {f, m, err, err_size};
    GFT_TRY(load_transformer(&tl));
    GFT_TRY(load_decoder(&tl));
    m->n_params = 0;
    for (uint32_t i = 0; i < f->n_tensors; i++)
        m->n_params += f->tensors[i].n_elements;
    m->weight_type = weight_type(m);
    return GFT_OK;
}
