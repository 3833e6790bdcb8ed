/* Hostile and broken model files: every truncation, flipped bytes, huge
 * counts, bad alignment, wrong shapes and types, missing or duplicated
 * tensors and keys, overlapping tensors, bad hyperparameters and tokenizer
 * tables. Each must fail cleanly with a message saying what and where.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft_internal.h"
#include "tiny_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Loads an exact-size copy so that any over-read is caught by ASan. */
static gft_status load_copy(const uint8_t *bytes, size_t size, char *err, size_t err_size)
{
    void *copy = NULL;
    if (posix_memalign(&copy, 32, size ? size : 1) != 0)
        abort();
    memcpy(copy, bytes, size);
    gft_model *m = NULL;
    err[0] = '\0';
    gft_status st = gft_model_load_from_memory(copy, size, &m, err, err_size);
    if (m) {
        /* a model that loads must be fully usable */
        gft_model_info info;
        gft_model_get_info(m, &info);
        int32_t ids[64];
        gft_tokenize(m, "a red cat", ids, 64, NULL, 0);
        gft_model_free(m);
    }
    free(copy);
    return st;
}

static void test_truncation(void)
{
    gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    size_t size;
    uint8_t *bytes = gb_serialize(b, &size);
    /* the end of the last tensor: trailing padding may be cut harmlessly */
    size_t data_end = 0;
    for (size_t i = 0; i < gb_n_tensors(b); i++) {
        gb_tensor *t = gb_tensor_at(b, i);
        size_t end = gb_last_data_start(b) + t->offset + t->n_bytes;
        data_end = end > data_end ? end : data_end;
    }
    gb_free(b);
    CHECK(data_end <= size && data_end + 32 > size, "data end %zu, size %zu", data_end, size);
    char err[GFT_ERROR_SIZE];
    int bad = 0;
    for (size_t n = 1; n < data_end; n++) {
        gft_status st = load_copy(bytes, n, err, sizeof err);
        if (st != GFT_ERR_FORMAT || !err[0]) {
            if (bad++ < 5)
                CHECK(0, "truncated to %zu bytes: status %d, message '%s'", n, st, err);
        }
    }
    CHECK(bad == 0, "%d truncations not rejected", bad);
    CHECK(load_copy(bytes, size, err, sizeof err) == GFT_OK, "full file: %s", err);
    free(bytes);
}

static void test_flipped_bytes(void)
{
    gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    size_t size;
    uint8_t *bytes = gb_serialize(b, &size);
    size_t header = gb_last_data_start(b);
    gb_free(b);
    char err[GFT_ERROR_SIZE];
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    int rejected = 0, total = 0;
    for (size_t i = 0; i < header; i++)
        for (size_t k = 0; k < sizeof masks; k++) {
            bytes[i] ^= masks[k];
            gft_status st = load_copy(bytes, size, err, sizeof err);
            bytes[i] ^= masks[k];
            total++;
            if (st != GFT_OK) {
                rejected++;
                if (!err[0])
                    CHECK(0, "flip at %zu: status %d without a message", i, st);
            }
        }
    /* most flips in the metadata break something; all must be survivable */
    CHECK(rejected > total / 2, "only %d of %d flips rejected", rejected, total);
    free(bytes);
}

static void patch_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void expect(const uint8_t *bytes, size_t size, gft_status want, const char *needle,
                   const char *what)
{
    char err[GFT_ERROR_SIZE];
    gft_status st = load_copy(bytes, size, err, sizeof err);
    CHECK(st == want, "%s: status %d (want %d), message '%s'", what, st, want, err);
    if (needle)
        CHECK(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", what, err, needle);
}

static void test_header_patches(void)
{
    size_t size;
    uint8_t *bytes = tiny_model_bytes(&size);
    uint8_t *p = malloc(size);

    memcpy(p, bytes, size);
    p[0] = 'X';
    expect(p, size, GFT_ERR_FORMAT, "magic", "bad magic");

    memcpy(p, bytes, size);
    p[4] = 2;
    expect(p, size, GFT_ERR_UNSUPPORTED, "version 2", "version 2");
    p[4] = 99;
    expect(p, size, GFT_ERR_FORMAT, "version", "version 99");

    memcpy(p, bytes, size);
    patch_u64(p + 8, 1ull << 40);
    expect(p, size, GFT_ERR_FORMAT, "tensor count", "huge tensor count");

    memcpy(p, bytes, size);
    patch_u64(p + 16, UINT64_MAX);
    expect(p, size, GFT_ERR_FORMAT, "key/value count", "huge kv count");

    memcpy(p, bytes, size);
    patch_u64(p + 8, 65536);
    patch_u64(p + 16, 65536);
    expect(p, size, GFT_ERR_FORMAT, "truncated", "counts that cannot fit");

    memcpy(p, bytes, size);
    patch_u64(p + 24, 1ull << 62); /* first key's length */
    expect(p, size, GFT_ERR_FORMAT, "byte offset 24", "huge key length");

    memcpy(p, bytes, size);
    patch_u64(p + 24, 0);
    expect(p, size, GFT_ERR_FORMAT, "length 0", "empty key");

    free(p);
    free(bytes);
}

typedef void (*mutate_fn)(gb *b);

static void run_case(mutate_fn fn, gft_status want, const char *needle, const char *what)
{
    gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    fn(b);
    size_t size;
    uint8_t *bytes = gb_serialize(b, &size);
    expect(bytes, size, want, needle, what);
    free(bytes);
    gb_free(b);
}

#define CASE(name, ...)                                                                            \
    static void name(gb *b)                                                                        \
    {                                                                                              \
        __VA_ARGS__;                                                                               \
    }

static void replace_tensor(gb *b, const char *name, uint32_t type, uint32_t nd, uint64_t d0,
                           uint64_t d1, uint64_t d2, uint64_t d3)
{
    gb_remove_tensor(b, name);
    gb_add_tensor(b, name, type, nd, d0, d1, d2, d3);
}

CASE(m_missing_tensor, gb_remove_tensor(b, "blk.1.ffn_up.weight"))
CASE(m_missing_decoder_tensor, gb_remove_tensor(b, "dec.l0.up.bias"))
CASE(m_dup_tensor, gb_add_tensor(b, "head.weight", GB_T_F32, 2, 32, 16, 1, 1))
CASE(m_wrong_shape, replace_tensor(b, "blk.0.attn_q.weight", GB_T_F32, 2, 32, 16, 1, 1))
CASE(m_swapped_dims, replace_tensor(b, "blk.0.ffn_up.weight", GB_T_F32, 2, 64, 32, 1, 1))
CASE(m_extra_dim, replace_tensor(b, "out_norm.weight", GB_T_F32, 2, 32, 2, 1, 1))
CASE(m_wrong_type, replace_tensor(b, "blk.0.attn_norm.weight", GB_T_F16, 1, 32, 1, 1, 1))
CASE(m_q8_conv, replace_tensor(b, "dec.conv_in.weight", GB_T_Q8_0, 4, 32, 3, 4, 8))
CASE(m_q8_bad_dim, replace_tensor(b, "blk.0.attn_q.weight", GB_T_Q8_0, 2, 48, 32, 1, 1);
     gb_find_tensor(b, "blk.0.attn_q.weight")->ne[0] = 40)
CASE(m_unknown_type, gb_find_tensor(b, "head.weight")->type = 2)
CASE(m_bogus_type, gb_find_tensor(b, "head.weight")->type = 1000)
CASE(m_zero_dims, gb_find_tensor(b, "head.weight")->n_dims = 0)
CASE(m_zero_dim, gb_find_tensor(b, "head.weight")->ne[1] = 0)
CASE(m_huge_dims, gb_tensor *t = gb_find_tensor(b, "head.weight"); t->ne[0] = 1ull << 40;
     t->ne[1] = 1ull << 40)
CASE(m_huge_dim_fits_u64, gb_tensor *t = gb_find_tensor(b, "head.weight"); t->ne[1] = 1ull << 40)
CASE(m_misaligned, gb_tensor *t = gb_find_tensor(b, "out_norm.weight"); t->offset_override = 1;
     t->offset = 16)
CASE(m_out_of_range, gb_tensor *t = gb_find_tensor(b, "out_norm.weight"); t->offset_override = 1;
     t->offset = 1ull << 40)
CASE(m_overflow_offset, gb_tensor *t = gb_find_tensor(b, "out_norm.weight"); t->offset_override = 1;
     t->offset = UINT64_MAX - 31)
CASE(m_overlap, gb_tensor *t = gb_find_tensor(b, "img_row"); t->offset_override = 1; t->offset = 0)
CASE(m_bad_alignment, gb_set_alignment(b, 24, 1))
CASE(m_alignment_type, gb_kv_f32(b, "general.alignment", 32.0f))
CASE(m_dup_key, gb_allow_dup(b, 1); gb_kv_u32(b, "gft.n_embd", 32))
CASE(m_missing_key, gb_remove_kv(b, "gft.n_head"))
CASE(m_missing_sampling, gb_remove_kv(b, "gft.sampling.top_p"))
CASE(m_key_type, gb_kv_str(b, "gft.n_embd", "32"))
CASE(m_float_type, gb_kv_u32(b, "gft.norm_eps", 1))
CASE(m_n_layer_range, gb_kv_u32(b, "gft.n_layer", 65))
CASE(m_negative, gb_kv_i32(b, "gft.n_ff", -64))
CASE(m_head_multiple, gb_kv_u32(b, "gft.n_head", 3))
CASE(m_eps_zero, gb_kv_f32(b, "gft.norm_eps", 0.0f))
CASE(m_eps_nan, gb_kv_f32(b, "gft.dec.norm_eps", NAN))
CASE(m_ctx_range, gb_kv_u32(b, "gft.text.ctx", 1))
CASE(m_grid_range, gb_kv_u32(b, "gft.image.grid_w", 65))
CASE(m_groups, gb_kv_u32(b, "gft.dec.n_groups", 3))
CASE(m_channels_levels, uint32_t c[9] = {8, 8, 8, 8, 8, 8, 8, 8, 8};
     gb_kv_arr_u32(b, "gft.dec.channels", c, 9))
CASE(m_channels_zero, uint32_t c[2] = {8, 0}; gb_kv_arr_u32(b, "gft.dec.channels", c, 2))
CASE(m_channels_type, gb_kv_u32(b, "gft.dec.channels", 8))
CASE(m_top_k, gb_kv_u32(b, "gft.sampling.top_k", 17))
CASE(m_background_code, gb_kv_u32(b, "gft.vq.background_code", 16))
CASE(m_background_type, gb_kv_f32(b, "gft.vq.background_code", 0.0f))
CASE(m_guidance_ramp, gb_kv_u32(b, "gft.sampling.guidance_ramp", 2))
CASE(m_guidance_ramp_type, gb_kv_f32(b, "gft.sampling.guidance_ramp", 1.0f))
CASE(m_temperature_nan, gb_kv_f32(b, "gft.sampling.temperature", NAN))
CASE(m_guidance, gb_kv_f32(b, "gft.sampling.guidance", 31.0f))
CASE(m_architecture, gb_kv_str(b, "general.architecture", "llama"))
CASE(m_format_version, gb_kv_u32(b, "gft.format_version", 2))
CASE(m_tokenizer_model, gb_kv_str(b, "gft.tokenizer.model", "sentencepiece"))
CASE(m_name_type, gb_kv_u32(b, "general.name", 7))
CASE(m_nested_array, uint8_t raw[24] = {GB_ARRAY, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                        GB_U32,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
     gb_kv_raw(b, "x.nested", GB_ARRAY, raw, sizeof raw))
CASE(m_unknown_value_type, uint32_t v = 0; gb_kv_raw(b, "x.odd", 13, &v, 4))
CASE(m_unknown_elem_type, uint8_t raw[12] = {77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
     gb_kv_raw(b, "x.odd", GB_ARRAY, raw, sizeof raw))
CASE(m_huge_array, uint8_t raw[12] = {GB_U32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
     gb_kv_raw(b, "x.huge", GB_ARRAY, raw, sizeof raw))
CASE(m_huge_string_array, uint8_t raw[12] = {GB_STRING, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0};
     gb_kv_raw(b, "x.huge", GB_ARRAY, raw, sizeof raw))
CASE(m_long_string, uint8_t raw[8] = {0, 0, 0x20, 0, 0, 0, 0, 0};
     gb_kv_raw(b, "x.long", GB_STRING, raw, sizeof raw))
CASE(m_vocab_mismatch, gb_kv_u32(b, "gft.text.vocab_size", (uint32_t)TINY_VOCAB + 1))
CASE(m_merges_odd, int32_t mg[3] = {3, 4, 5}; gb_kv_arr_i32(b, "gft.tokenizer.merges", mg, 3))
CASE(m_merges_type, float mg[2] = {1, 2};
     uint8_t raw[20] = {GB_F32, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}; memcpy(raw + 12, mg, 8);
     gb_kv_raw(b, "gft.tokenizer.merges", GB_ARRAY, raw, sizeof raw))
CASE(m_known_too_many, uint8_t raw[12] = {GB_STRING, 0, 0, 0, 0x41, 0x42, 0x0f, 0, 0, 0, 0, 0};
     gb_kv_raw(b, "gft.tokenizer.known_words", GB_ARRAY, raw, sizeof raw))

/* reranker mutations start from a model with a valid reranker */
CASE(m_rr_missing_tensor, tiny_add_reranker(b, GB_T_Q8_0); gb_remove_tensor(b, "rr.conv1.bias"))
CASE(m_rr_missing_key, tiny_add_reranker(b, GB_T_Q8_0); gb_remove_kv(b, "gft.rerank.widths"))
CASE(m_rr_shape, tiny_add_reranker(b, GB_T_Q8_0);
     replace_tensor(b, "rr.text_emb.weight", GB_T_F32, 2, 32, 7, 1, 1))
CASE(m_rr_side, tiny_add_reranker(b, GB_T_Q8_0); gb_kv_u32(b, "gft.rerank.side", 4))
CASE(m_rr_levels, tiny_add_reranker(b, GB_T_Q8_0); uint32_t w[7] = {4, 4, 4, 4, 4, 4, 4};
     gb_kv_arr_u32(b, "gft.rerank.widths", w, 7))
CASE(m_rr_width_zero, tiny_add_reranker(b, GB_T_Q8_0); uint32_t w[2] = {4, 0};
     gb_kv_arr_u32(b, "gft.rerank.widths", w, 2))
CASE(m_rr_bias_type, tiny_add_reranker(b, GB_T_Q8_0);
     replace_tensor(b, "rr.img_proj.bias", GB_T_F16, 1, 32, 1, 1, 1))
CASE(m_rr_candidates, tiny_add_reranker(b, GB_T_Q8_0); gb_kv_u32(b, "gft.sampling.candidates", 9))
CASE(m_candidates_without_rr, gb_kv_u32(b, "gft.sampling.candidates", 2))

/* upscaler mutations start from a model with a valid upscaler */
CASE(m_up_missing_tensor, tiny_add_upscaler(b, GB_T_F16); gb_remove_tensor(b, "up.conv2.bias"))
CASE(m_up_missing_key, tiny_add_upscaler(b, GB_T_F16); gb_remove_kv(b, "gft.upscale.n_mid"))
CASE(m_up_shape, tiny_add_upscaler(b, GB_T_F16);
     replace_tensor(b, "up.conv2.weight", GB_T_F16, 2, 36, 12, 1, 1))
CASE(m_up_channels_zero, tiny_add_upscaler(b, GB_T_F16); gb_kv_u32(b, "gft.upscale.channels", 0))
CASE(m_up_too_many, tiny_add_upscaler(b, GB_T_F16); gb_kv_u32(b, "gft.upscale.n_mid", 9))
CASE(m_up_bias_type, tiny_add_upscaler(b, GB_T_F16);
     replace_tensor(b, "up.conv1.bias", GB_T_F16, 1, 4, 1, 1, 1))

static void m_merge_future(gb *b)
{
    int32_t mg[2 * 64];
    for (int i = 0; i < tiny_n_merges; i++) {
        mg[2 * i] = 3 + 'a';
        mg[2 * i + 1] = 3 + 'b';
    }
    mg[0] = 259 + 5; /* merge 0 cannot use merge 5's id */
    gb_kv_arr_i32(b, "gft.tokenizer.merges", mg, (size_t)(2 * tiny_n_merges));
}

static void m_merge_special(gb *b)
{
    int32_t mg[2 * 64];
    for (int i = 0; i < tiny_n_merges; i++) {
        mg[2 * i] = 1; /* <bos> */
        mg[2 * i + 1] = 3 + 'b';
    }
    gb_kv_arr_i32(b, "gft.tokenizer.merges", mg, (size_t)(2 * tiny_n_merges));
}

static void m_merge_bytes_differ(gb *b)
{
    int32_t mg[2 * 64];
    for (int i = 0; i < tiny_n_merges; i++) {
        mg[2 * i] = 3 + 'x';
        mg[2 * i + 1] = 3 + 'y';
    }
    gb_kv_arr_i32(b, "gft.tokenizer.merges", mg, (size_t)(2 * tiny_n_merges));
}

static void m_merge_repeated(gb *b)
{
    /* tokens stay consistent: merge 1 repeats (c, a) and stands for "ca" too */
    static const char *const extra[] = {"<pad>", "<bos>", "<eos>"};
    const char *tok[300];
    size_t len[300];
    static char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i;
    for (int i = 0; i < 3; i++) {
        tok[i] = extra[i];
        len[i] = 5;
    }
    for (int i = 0; i < 256; i++) {
        tok[3 + i] = &bytes[i];
        len[3 + i] = 1;
    }
    int32_t mg[2 * 64];
    for (int i = 0; i < tiny_n_merges; i++) {
        mg[2 * i] = 3 + 'c';
        mg[2 * i + 1] = 3 + 'a';
        tok[259 + i] = "ca";
        len[259 + i] = 2;
    }
    gb_kv_arr_str(b, "gft.tokenizer.tokens", tok, len, (size_t)TINY_VOCAB);
    gb_kv_arr_i32(b, "gft.tokenizer.merges", mg, (size_t)(2 * tiny_n_merges));
}

static void m_byte_token(gb *b)
{
    const char *tok[300];
    size_t len[300];
    static char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i;
    tok[0] = "<pad>", tok[1] = "<bos>", tok[2] = "<eos>";
    for (int i = 0; i < 3; i++)
        len[i] = 5;
    for (int i = 0; i < TINY_VOCAB - 3; i++) {
        tok[3 + i] = &bytes[i % 256];
        len[3 + i] = 1;
    }
    tok[3 + 'q'] = "qq";
    len[3 + 'q'] = 2;
    gb_kv_arr_str(b, "gft.tokenizer.tokens", tok, len, (size_t)TINY_VOCAB);
}

static void test_mutations(void)
{
    run_case(m_missing_tensor, GFT_ERR_FORMAT, "'blk.1.ffn_up.weight' is missing", "missing");
    run_case(m_missing_decoder_tensor, GFT_ERR_FORMAT, "'dec.l0.up.bias' is missing", "missing");
    run_case(m_dup_tensor, GFT_ERR_FORMAT, "duplicate tensor name 'head.weight'", "dup tensor");
    run_case(m_wrong_shape, GFT_ERR_FORMAT, "'blk.0.attn_q.weight' has dims [32, 16",
             "wrong shape");
    run_case(m_swapped_dims, GFT_ERR_FORMAT, "expected [32, 64", "swapped dims");
    run_case(m_extra_dim, GFT_ERR_FORMAT, "out_norm.weight", "extra dim");
    run_case(m_wrong_type, GFT_ERR_FORMAT, "has type F16; allowed: F32", "norm type");
    run_case(m_q8_conv, GFT_ERR_FORMAT, "dec.conv_in.weight", "Q8_0 conv");
    run_case(m_q8_bad_dim, GFT_ERR_FORMAT, "not a multiple of 32", "Q8_0 dims[0]");
    run_case(m_unknown_type, GFT_ERR_UNSUPPORTED, "'head.weight' has type 2", "Q4_0 type");
    run_case(m_bogus_type, GFT_ERR_FORMAT, "type 1000", "type 1000");
    run_case(m_zero_dims, GFT_ERR_FORMAT, "0 dims", "n_dims 0");
    run_case(m_zero_dim, GFT_ERR_FORMAT, "zero dims[1]", "zero dim");
    run_case(m_huge_dims, GFT_ERR_FORMAT, "too large dims[1]", "dims overflow");
    run_case(m_huge_dim_fits_u64, GFT_ERR_FORMAT, "outside", "dims beyond the file");
    run_case(m_misaligned, GFT_ERR_FORMAT, "not a multiple of the alignment", "misaligned");
    run_case(m_out_of_range, GFT_ERR_FORMAT, "outside", "offset beyond the file");
    run_case(m_overflow_offset, GFT_ERR_FORMAT, "outside", "offset overflow");
    run_case(m_overlap, GFT_ERR_FORMAT, "overlap", "overlap");
    run_case(m_bad_alignment, GFT_ERR_FORMAT, "general.alignment", "alignment 24");
    run_case(m_alignment_type, GFT_ERR_FORMAT, "general.alignment", "alignment f32");
    run_case(m_dup_key, GFT_ERR_FORMAT, "duplicate key 'gft.n_embd'", "dup key");
    run_case(m_missing_key, GFT_ERR_FORMAT, "'gft.n_head' is missing", "missing key");
    run_case(m_missing_sampling, GFT_ERR_FORMAT, "'gft.sampling.top_p' is missing",
             "missing sampling key");
    run_case(m_key_type, GFT_ERR_FORMAT, "'gft.n_embd' has type string, expected u32", "key type");
    run_case(m_float_type, GFT_ERR_FORMAT, "expected f32", "float key type");
    run_case(m_n_layer_range, GFT_ERR_FORMAT, "'gft.n_layer' = 65 is outside 1..64", "n_layer");
    run_case(m_negative, GFT_ERR_FORMAT, "'gft.n_ff' = -64", "negative n_ff");
    run_case(m_head_multiple, GFT_ERR_FORMAT, "multiple of gft.n_head", "n_head");
    run_case(m_eps_zero, GFT_ERR_FORMAT, "gft.norm_eps", "eps 0");
    run_case(m_eps_nan, GFT_ERR_FORMAT, "gft.dec.norm_eps", "eps NaN");
    run_case(m_ctx_range, GFT_ERR_FORMAT, "gft.text.ctx", "ctx");
    run_case(m_grid_range, GFT_ERR_FORMAT, "gft.image.grid_w", "grid");
    run_case(m_groups, GFT_ERR_FORMAT, "does not divide", "groups");
    run_case(m_channels_levels, GFT_ERR_FORMAT, "9 levels", "levels");
    run_case(m_channels_zero, GFT_ERR_FORMAT, "channels'[1] = 0", "channel 0");
    run_case(m_channels_type, GFT_ERR_FORMAT, "expected an array of u32", "channels type");
    run_case(m_top_k, GFT_ERR_FORMAT, "gft.sampling.top_k", "top_k");
    run_case(m_background_code, GFT_ERR_FORMAT, "'gft.vq.background_code' = 16 is outside 0..15",
             "background code");
    run_case(m_guidance_ramp, GFT_ERR_FORMAT, "'gft.sampling.guidance_ramp' = 2 is outside 0..1",
             "guidance ramp range");
    run_case(m_guidance_ramp_type, GFT_ERR_FORMAT, "'gft.sampling.guidance_ramp' has type f32",
             "guidance ramp type");
    run_case(m_background_type, GFT_ERR_FORMAT, "'gft.vq.background_code' has type f32",
             "background code type");
    run_case(m_temperature_nan, GFT_ERR_FORMAT, "temperature", "temperature NaN");
    run_case(m_guidance, GFT_ERR_FORMAT, "guidance", "guidance");
    run_case(m_architecture, GFT_ERR_UNSUPPORTED, "general.architecture", "architecture");
    run_case(m_format_version, GFT_ERR_UNSUPPORTED, "format version", "format version");
    run_case(m_tokenizer_model, GFT_ERR_UNSUPPORTED, "bpe-bytes-v1", "tokenizer model");
    run_case(m_name_type, GFT_ERR_FORMAT, "'general.name' has type u32", "name type");
    run_case(m_nested_array, GFT_ERR_FORMAT, "'x.nested' is a nested array", "nested");
    run_case(m_unknown_value_type, GFT_ERR_FORMAT, "unknown value type 13", "value type");
    run_case(m_unknown_elem_type, GFT_ERR_FORMAT, "array of unknown type 77", "elem type");
    run_case(m_huge_array, GFT_ERR_FORMAT, "'x.huge'", "huge array");
    run_case(m_huge_string_array, GFT_ERR_FORMAT, "'x.huge'", "huge string array");
    run_case(m_long_string, GFT_ERR_FORMAT, "1 MiB", "long string");
    run_case(m_vocab_mismatch, GFT_ERR_FORMAT, "gft.tokenizer.tokens", "vocab mismatch");
    run_case(m_merges_odd, GFT_ERR_FORMAT, "gft.tokenizer.merges", "odd merges");
    run_case(m_merges_type, GFT_ERR_FORMAT, "array of f32", "merges type");
    run_case(m_known_too_many, GFT_ERR_FORMAT, "known_words", "known words count");
    run_case(m_rr_missing_tensor, GFT_ERR_FORMAT, "'rr.conv1.bias' is missing", "rr tensor");
    run_case(m_rr_missing_key, GFT_ERR_FORMAT, "'gft.rerank.widths' is missing", "rr key");
    run_case(m_rr_shape, GFT_ERR_FORMAT, "'rr.text_emb.weight' has dims [32, 7", "rr shape");
    run_case(m_rr_side, GFT_ERR_FORMAT, "side does not divide the image size", "rr side");
    run_case(m_rr_levels, GFT_ERR_FORMAT, "7 levels", "rr levels");
    run_case(m_rr_width_zero, GFT_ERR_FORMAT, "widths'[1] = 0", "rr width 0");
    run_case(m_rr_bias_type, GFT_ERR_FORMAT, "'rr.img_proj.bias' has type F16", "rr bias type");
    run_case(m_rr_candidates, GFT_ERR_FORMAT, "'gft.sampling.candidates' = 9 is outside 1..8",
             "candidates range");
    run_case(m_candidates_without_rr, GFT_ERR_FORMAT,
             "'gft.sampling.candidates' = 2 is outside 1..1", "candidates without a reranker");
    run_case(m_up_missing_tensor, GFT_ERR_FORMAT, "'up.conv2.bias' is missing", "up tensor");
    run_case(m_up_missing_key, GFT_ERR_FORMAT, "'gft.upscale.n_mid' is missing", "up key");
    run_case(m_up_shape, GFT_ERR_FORMAT, "'up.conv2.weight' has dims [36, 12", "up shape");
    run_case(m_up_channels_zero, GFT_ERR_FORMAT, "'gft.upscale.channels' = 0 is outside 1..256",
             "up channels 0");
    run_case(m_up_too_many, GFT_ERR_FORMAT, "'gft.upscale.n_mid' = 9 is outside 0..8",
             "up too many convs");
    run_case(m_up_bias_type, GFT_ERR_FORMAT, "'up.conv1.bias' has type F16", "up bias type");
    run_case(m_merge_future, GFT_ERR_FORMAT, "merge 0 joins ids (264", "merge order");
    run_case(m_merge_special, GFT_ERR_FORMAT, "merge 0 joins ids (1", "merge special");
    run_case(m_merge_bytes_differ, GFT_ERR_FORMAT, "not the bytes of tokens", "merge bytes");
    run_case(m_merge_repeated, GFT_ERR_FORMAT, "merge 1 repeats merge 0", "repeated merge");
    run_case(m_byte_token, GFT_ERR_FORMAT, "single byte 0x71", "byte token");
}

static void test_valid_variants(void)
{
    /* alignment 64 with the key; i32 counts; unsorted known words */
    gb *b = tiny_model_builder(GB_T_F16, GB_T_F32);
    gb_set_alignment(b, 64, 1);
    gb_kv_i32(b, "gft.n_layer", TINY_N_LAYER);
    const char *words[] = {"zebra", "cat", "\xe7\x8c\xab", "a"};
    gb_kv_arr_str(b, "gft.tokenizer.known_words", words, NULL, 4);
    size_t size;
    uint8_t *bytes = gb_serialize(b, &size);
    char err[GFT_ERROR_SIZE] = "";
    gft_model *m = NULL;
    CHECK(gft_model_load_from_memory(bytes, size, &m, err, sizeof err) == GFT_OK, "variant: %s",
          err);
    if (m) {
        char out[128];
        int n = gft_unknown_words(m, "A zebra cat dog \xe7\x8c\xab", out, sizeof out);
        CHECK(n == 1 && strcmp(out, "dog") == 0, "unsorted words looked up: %d '%s'", n, out);
        gft_model_free(m);
    }
    free(bytes);
    gb_free(b);

    /* a reranker: loads, reports itself, and scores */
    b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    tiny_add_reranker(b, GB_T_Q8_0);
    bytes = gb_serialize(b, &size);
    m = NULL;
    CHECK(gft_model_load_from_memory(bytes, size, &m, err, sizeof err) == GFT_OK,
          "with a reranker: %s", err);
    if (m) {
        gft_model_info info;
        gft_model_get_info(m, &info);
        CHECK(info.has_reranker && info.default_candidates == 2, "reranker info");
        gft_context *ctx = gft_context_new(m, err, sizeof err);
        float premul[6 * 4 * 4] = {0}, score = 9.0f;
        CHECK(ctx && gft_rerank_scores(ctx, "a red cat", premul, 1, &score) == GFT_OK &&
                  score >= -1.0001f && score <= 1.0001f,
              "a score in [-1, 1]: %g", (double)score);
        gft_context_free(ctx);
        gft_model_free(m);
    }
    free(bytes);
    gb_free(b);
}

int main(void)
{
    test_header_patches();
    test_mutations();
    test_valid_variants();
    test_flipped_bytes();
    test_truncation();
    CHECK_DONE();
}
