/* Hyperparameters: typed key access and the bounds of docs/model-format.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"

#include <string.h>

static const gguf_kv *find_required(const gguf_file *f, const char *key, char *err, size_t err_size)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv)
        gft_set_error(err, err_size, "required key '%s' is missing", key);
    return kv;
}

/* Any integer type whose value fits is accepted; the writer uses u32. */
static int kv_integer(const gguf_kv *kv, int64_t *v)
{
    const uint8_t *p = kv->value;
    switch (kv->type) {
    case GGUF_U8:
        *v = p[0];
        return 1;
    case GGUF_I8:
        *v = (int8_t)p[0];
        return 1;
    case GGUF_U16:
        *v = (uint16_t)(p[0] | p[1] << 8);
        return 1;
    case GGUF_I16:
        *v = (int16_t)(uint16_t)(p[0] | p[1] << 8);
        return 1;
    case GGUF_U32:
        *v = gguf_rd_u32(p);
        return 1;
    case GGUF_I32:
        *v = (int32_t)gguf_rd_u32(p);
        return 1;
    case GGUF_U64: {
        uint64_t u = gguf_rd_u64(p);
        *v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
        return 1;
    }
    case GGUF_I64:
        *v = (int64_t)gguf_rd_u64(p);
        return 1;
    default:
        return 0;
    }
}

gft_status gft_kv_get_u32(const gguf_file *f, const char *key, int64_t lo, int64_t hi,
                          uint32_t *out, char *err, size_t err_size)
{
    const gguf_kv *kv = find_required(f, key, err, err_size);
    if (!kv)
        return GFT_ERR_FORMAT;
    int64_t v;
    if (!kv_integer(kv, &v)) {
        gft_set_error(err, err_size, "key '%s' has type %s, expected u32", key,
                      gguf_type_name(kv->type));
        return GFT_ERR_FORMAT;
    }
    if (v < lo || v > hi) {
        gft_set_error(err, err_size, "key '%s' = %lld is outside %lld..%lld", key, (long long)v,
                      (long long)lo, (long long)hi);
        return GFT_ERR_FORMAT;
    }
    *out = (uint32_t)v;
    return GFT_OK;
}

static gft_status get_f32(const gguf_file *f, const char *key, float *out, char *err,
                          size_t err_size)
{
    const gguf_kv *kv = find_required(f, key, err, err_size);
    if (!kv)
        return GFT_ERR_FORMAT;
    if (kv->type == GGUF_F32) {
        uint32_t u = gguf_rd_u32(kv->value);
        memcpy(out, &u, 4);
    } else if (kv->type == GGUF_F64) {
        uint64_t u = gguf_rd_u64(kv->value);
        double d;
        memcpy(&d, &u, 8);
        *out = (float)d;
    } else {
        gft_set_error(err, err_size, "key '%s' has type %s, expected f32", key,
                      gguf_type_name(kv->type));
        return GFT_ERR_FORMAT;
    }
    return GFT_OK;
}

static gft_status get_eps(const gguf_file *f, const char *key, float *out, char *err,
                          size_t err_size)
{
    gft_status st = get_f32(f, key, out, err, err_size);
    if (st == GFT_OK && !(*out > 0.0f && *out <= 0.1f)) {
        gft_set_error(err, err_size, "key '%s' = %g is outside (0, 0.1]", key, (double)*out);
        return GFT_ERR_FORMAT;
    }
    return st;
}

gft_status gft_kv_get_string(const gguf_file *f, const char *key, int required, const uint8_t **s,
                             uint64_t *len, char *err, size_t err_size)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    *s = (const uint8_t *)"";
    *len = 0;
    if (!kv) {
        if (!required)
            return GFT_OK;
        gft_set_error(err, err_size, "required key '%s' is missing", key);
        return GFT_ERR_FORMAT;
    }
    if (kv->type != GGUF_STRING) {
        gft_set_error(err, err_size, "key '%s' has type %s, expected string", key,
                      gguf_type_name(kv->type));
        return GFT_ERR_FORMAT;
    }
    *s = kv->value;
    *len = kv->str_len;
    return GFT_OK;
}

gft_status gft_kv_get_array(const gguf_file *f, const char *key, const uint32_t *elem_types,
                            int n_elem_types, const gguf_kv **out, char *err, size_t err_size)
{
    const gguf_kv *kv = find_required(f, key, err, err_size);
    if (!kv)
        return GFT_ERR_FORMAT;
    if (kv->type == GGUF_ARRAY)
        for (int i = 0; i < n_elem_types; i++)
            if (kv->arr_type == elem_types[i]) {
                *out = kv;
                return GFT_OK;
            }
    gft_set_error(err, err_size, "key '%s' has type %s%s%s, expected an array of %s", key,
                  gguf_type_name(kv->type), kv->type == GGUF_ARRAY ? " of " : "",
                  kv->type == GGUF_ARRAY ? gguf_type_name(kv->arr_type) : "",
                  gguf_type_name(elem_types[0]));
    return GFT_ERR_FORMAT;
}

gft_status gft_kv_get_u32_array(const gguf_file *f, const char *key, uint32_t max_n, int64_t lo,
                                int64_t hi, uint32_t *out, uint32_t *n, char *err, size_t err_size)
{
    static const uint32_t types[] = {GGUF_U32, GGUF_I32};
    const gguf_kv *kv;
    gft_status st = gft_kv_get_array(f, key, types, 2, &kv, err, err_size);
    if (st != GFT_OK)
        return st;
    if (kv->arr_n < 1 || kv->arr_n > max_n) {
        gft_set_error(err, err_size, "key '%s' has %llu levels (1-%u allowed)", key,
                      (unsigned long long)kv->arr_n, max_n);
        return GFT_ERR_FORMAT;
    }
    *n = (uint32_t)kv->arr_n;
    for (uint32_t l = 0; l < *n; l++) {
        uint32_t raw = gguf_rd_u32(kv->value + 4 * l);
        int64_t c = kv->arr_type == GGUF_I32 ? (int64_t)(int32_t)raw : (int64_t)raw;
        if (c < lo || c > hi) {
            gft_set_error(err, err_size, "key '%s'[%u] = %lld is outside %lld..%lld", key, l,
                          (long long)c, (long long)lo, (long long)hi);
            return GFT_ERR_FORMAT;
        }
        out[l] = (uint32_t)c;
    }
    return GFT_OK;
}

gft_status gft_load_hparams(const gguf_file *f, gft_hparams *hp, char *err, size_t err_size)
{
    memset(hp, 0, sizeof *hp);
    GFT_TRY(gft_kv_get_u32(f, "gft.n_embd", 8, 4096, &hp->n_embd, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.n_layer", 1, 64, &hp->n_layer, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.n_head", 1, 64, &hp->n_head, err, err_size));
    if (hp->n_embd % hp->n_head) {
        gft_set_error(err, err_size, "key 'gft.n_embd' = %u is not a multiple of gft.n_head = %u",
                      hp->n_embd, hp->n_head);
        return GFT_ERR_FORMAT;
    }
    GFT_TRY(gft_kv_get_u32(f, "gft.n_ff", 8, 16384, &hp->n_ff, err, err_size));
    GFT_TRY(get_eps(f, "gft.norm_eps", &hp->norm_eps, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.text.ctx", 2, 512, &hp->text_ctx, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.text.vocab_size", 259, 65536, &hp->text_vocab, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.image.grid_w", 1, 64, &hp->grid_w, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.image.grid_h", 1, 64, &hp->grid_h, err, err_size));
    GFT_TRY(
        gft_kv_get_u32(f, "gft.image.codebook_size", 2, 65536, &hp->codebook_size, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.vq.code_dim", 1, 256, &hp->code_dim, err, err_size));
    GFT_TRY(gft_kv_get_u32_array(f, "gft.dec.channels", GFT_DEC_MAX_LEVELS, 1, 1024,
                                 hp->dec_channels, &hp->dec_n_levels, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.dec.n_res", 0, GFT_DEC_MAX_RES, &hp->dec_n_res, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.dec.n_groups", 1, 64, &hp->dec_n_groups, err, err_size));
    for (uint32_t l = 0; l < hp->dec_n_levels; l++)
        if (hp->dec_channels[l] % hp->dec_n_groups) {
            gft_set_error(err, err_size,
                          "key 'gft.dec.n_groups' = %u does not divide gft.dec.channels[%u] = %u",
                          hp->dec_n_groups, l, hp->dec_channels[l]);
            return GFT_ERR_FORMAT;
        }
    GFT_TRY(get_eps(f, "gft.dec.norm_eps", &hp->dec_norm_eps, err, err_size));
    hp->background_code = -1;
    if (gguf_find_kv(f, "gft.vq.background_code")) {
        uint32_t bg;
        GFT_TRY(gft_kv_get_u32(f, "gft.vq.background_code", 0, hp->codebook_size - 1, &bg, err,
                               err_size));
        hp->background_code = (int32_t)bg;
    }
    hp->image_width = hp->grid_w << (hp->dec_n_levels - 1);
    hp->image_height = hp->grid_h << (hp->dec_n_levels - 1);

    uint32_t top_k;
    GFT_TRY(get_f32(f, "gft.sampling.temperature", &hp->defaults.temperature, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.sampling.top_k", 0, hp->codebook_size, &top_k, err, err_size));
    hp->defaults.top_k = (int)top_k;
    GFT_TRY(get_f32(f, "gft.sampling.top_p", &hp->defaults.top_p, err, err_size));
    GFT_TRY(get_f32(f, "gft.sampling.guidance", &hp->defaults.guidance, err, err_size));
    if (gguf_find_kv(f, "gft.sampling.guidance_ramp")) {
        uint32_t ramp;
        GFT_TRY(gft_kv_get_u32(f, "gft.sampling.guidance_ramp", 0, 1, &ramp, err, err_size));
        hp->defaults.guidance_ramp = (int)ramp;
    }
    char why[256];
    if (gft_sampling_check(&hp->defaults, (int)hp->codebook_size, why, sizeof why) != GFT_OK) {
        gft_set_error(err, err_size, "keys 'gft.sampling.*': default %s", why);
        return GFT_ERR_FORMAT;
    }
    return GFT_OK;
}
