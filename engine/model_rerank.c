/* The optional reranker: its gft.rerank.* keys, its rr.* tensors and the
 * gft.sampling.candidates default (docs/model-format.md, "Reranker").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"

enum {
    VEC = 1u << GFT_TYPE_F32,
    MAT = 1u << GFT_TYPE_F32 | 1u << GFT_TYPE_F16 | 1u << GFT_TYPE_Q8_0,
};

static gft_status fail(char *err, size_t err_size, const char *what)
{
    gft_set_error(err, err_size, "reranker: %s", what);
    return GFT_ERR_FORMAT;
}

static gft_status load_rerank_hparams(const gguf_file *f, gft_hparams *hp, char *err,
                                      size_t err_size)
{
    gft_rerank_hparams *rr = &hp->rr;
    GFT_TRY(gft_kv_get_u32(f, "gft.rerank.side", 1, 1024, &rr->side, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.rerank.dim", 1, 4096, &rr->dim, err, err_size));
    GFT_TRY(
        gft_kv_get_u32(f, "gft.rerank.convs_per_level", 1, 4, &rr->convs_per_level, err, err_size));
    GFT_TRY(gft_kv_get_u32_array(f, "gft.rerank.widths", GFT_RR_MAX_LEVELS, 1, 1024, rr->widths,
                                 &rr->n_levels, err, err_size));
    rr->n_convs = rr->n_levels * rr->convs_per_level;
    if (rr->n_convs > GFT_RR_MAX_CONVS) {
        gft_set_error(err, err_size, "reranker: %u convs (levels x convs per level); at most %d",
                      rr->n_convs, GFT_RR_MAX_CONVS);
        return GFT_ERR_FORMAT;
    }
    if (hp->image_width % rr->side || hp->image_height % rr->side)
        return fail(err, err_size, "gft.rerank.side does not divide the image size");
    if (rr->side % (1u << (rr->n_levels - 1)))
        return fail(err, err_size, "gft.rerank.side is not divisible by 2^(levels - 1)");
    return GFT_OK;
}

static gft_status load_rerank_tensors(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    const gft_rerank_hparams *rr = &m->hp.rr;
    int64_t cin = 4;
    for (uint32_t i = 0; i < rr->n_convs; i++) {
        int64_t cout = rr->widths[i / rr->convs_per_level];
        GFT_TRY(gft_want_flat_conv(f, m, &m->rr_conv_w[i], &m->rr_conv_b[i], "rr.conv", i, MAT, cin,
                                   cout, err, err_size));
        cin = cout;
    }
    int64_t d = rr->dim;
    GFT_TRY(gft_want_tensor(f, m, &m->rr_img_proj_w, "rr.img_proj.weight", MAT, 2, cin, d, err,
                            err_size));
    GFT_TRY(
        gft_want_tensor(f, m, &m->rr_img_proj_b, "rr.img_proj.bias", VEC, 1, d, 1, err, err_size));
    GFT_TRY(gft_want_tensor(f, m, &m->rr_text_emb, "rr.text_emb.weight", MAT, 2, d,
                            m->hp.text_vocab, err, err_size));
    GFT_TRY(gft_want_tensor(f, m, &m->rr_text_proj_w, "rr.text_proj.weight", MAT, 2, d, d, err,
                            err_size));
    return gft_want_tensor(f, m, &m->rr_text_proj_b, "rr.text_proj.bias", VEC, 1, d, 1, err,
                           err_size);
}

gft_status gft_load_rerank(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    gft_hparams *hp = &m->hp;
    hp->has_rerank = gguf_find_kv(f, "gft.rerank.dim") != NULL;
    if (hp->has_rerank) {
        GFT_TRY(load_rerank_hparams(f, hp, err, err_size));
        GFT_TRY(load_rerank_tensors(f, m, err, err_size));
    }
    hp->default_candidates = 1;
    if (gguf_find_kv(f, "gft.sampling.candidates")) {
        uint32_t n;
        GFT_TRY(gft_kv_get_u32(f, "gft.sampling.candidates", 1,
                               hp->has_rerank ? GFT_MAX_CANDIDATES : 1, &n, err, err_size));
        hp->default_candidates = (int)n;
    }
    return GFT_OK;
}
