/* A tiny but complete GFT model for tests.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "tiny_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint32_t tiny_channels[TINY_N_LEVELS] = {8, 4};

const tiny_merge tiny_merges[] = {
    {"c", "a"},  {"ca", "t"},      {"d", "o"},           {"do", "g"}, {"r", "e"}, {"e", "d"},
    {"r", "ed"}, {"\xe7", "\x8c"}, {"\xe7\x8c", "\xab"}, {"a", "a"},  {"s", "t"}, {"\xc3", "\x9f"},
};
const int tiny_n_merges = (int)(sizeof tiny_merges / sizeof tiny_merges[0]);

/* sorted by bytes */
const char *const tiny_known_words[] = {
    "a",
    "big",
    "cat",
    "dog",
    "red",
    "stra\303\237e", /* straße */
    "\xd0\xba\xd0\xbe\xd1\x82",
    "\xe7\x8c\xab",
};
const int tiny_n_known_words = (int)(sizeof tiny_known_words / sizeof tiny_known_words[0]);

static void add_tokenizer(gb *b)
{
    int V = TINY_VOCAB;
    char **tok = calloc((size_t)V, sizeof *tok);
    size_t *len = calloc((size_t)V, sizeof *len);
    int32_t *merges = calloc((size_t)(2 * tiny_n_merges), sizeof *merges);
    tok[0] = strdup("<pad>");
    tok[1] = strdup("<bos>");
    tok[2] = strdup("<eos>");
    for (int i = 0; i < 3; i++)
        len[i] = strlen(tok[i]);
    for (int i = 0; i < 256; i++) {
        tok[3 + i] = malloc(1);
        tok[3 + i][0] = (char)i;
        len[3 + i] = 1;
    }
    for (int m = 0; m < tiny_n_merges; m++) {
        int ids[2] = {-1, -1};
        const char *parts[2] = {tiny_merges[m].left, tiny_merges[m].right};
        for (int k = 0; k < 2; k++)
            for (int id = 3; id < 259 + m && ids[k] < 0; id++)
                if (len[id] == strlen(parts[k]) && memcmp(tok[id], parts[k], len[id]) == 0)
                    ids[k] = id;
        merges[2 * m] = ids[0];
        merges[2 * m + 1] = ids[1];
        len[259 + m] = len[ids[0]] + len[ids[1]];
        tok[259 + m] = malloc(len[259 + m]);
        memcpy(tok[259 + m], tok[ids[0]], len[ids[0]]);
        memcpy(tok[259 + m] + len[ids[0]], tok[ids[1]], len[ids[1]]);
    }
    gb_kv_str(b, "gft.tokenizer.model", "bpe-bytes-v1");
    gb_kv_arr_str(b, "gft.tokenizer.tokens", (const char *const *)tok, len, (size_t)V);
    gb_kv_arr_i32(b, "gft.tokenizer.merges", merges, (size_t)(2 * tiny_n_merges));
    gb_kv_arr_str(b, "gft.tokenizer.known_words", tiny_known_words, NULL,
                  (size_t)tiny_n_known_words);
    for (int i = 0; i < V; i++)
        free(tok[i]);
    free(tok);
    free(len);
    free(merges);
}

/* sorted by bytes; words joined by single spaces ("红 苹 果") */
/* "cat" has a reading of its own (gft.readings), and "red cat" reads as itself
 * so that the longest match keeps it whole */
const char *const tiny_lexicon_sources[] = {
    "cat",
    "chat",
    "chat noir",
    "pomme",
    "red cat",
    "rouge",
    "zz",
    "\xe7\xba\xa2 \xe8\x8b\xb9 \xe6\x9e\x9c", /* 红 苹 果 */
    "\xe8\x8b\xb9 \xe6\x9e\x9c",              /* 苹 果 */
};
const char *const tiny_lexicon_targets[] = {
    "a much longer phrase", "apple", "black cat", "cat", "red", "red apple", "red cat",
};
const uint32_t tiny_lexicon_target_ids[] = {2, 3, 2, 1, 6, 4, 0, 5, 1};
const int tiny_n_lexicon = (int)(sizeof tiny_lexicon_sources / sizeof tiny_lexicon_sources[0]);

void tiny_add_lexicon(gb *b)
{
    gb_kv_arr_str(b, "gft.lexicon.sources", tiny_lexicon_sources, NULL, (size_t)tiny_n_lexicon);
    gb_kv_arr_str(b, "gft.lexicon.targets", tiny_lexicon_targets, NULL,
                  sizeof tiny_lexicon_targets / sizeof tiny_lexicon_targets[0]);
    gb_kv_arr_u32(b, "gft.lexicon.target_ids", tiny_lexicon_target_ids, (size_t)tiny_n_lexicon);
}

static void add_conv(gb *b, const char *prefix, uint32_t type, uint64_t cin, uint64_t cout)
{
    char name[96];
    snprintf(name, sizeof name, "%s.weight", prefix);
    gb_add_tensor(b, name, type, 4, 3, 3, cin, cout);
    snprintf(name, sizeof name, "%s.bias", prefix);
    gb_add_tensor(b, name, GB_T_F32, 1, cout, 1, 1, 1);
}

static void add_norm(gb *b, const char *prefix, uint64_t c)
{
    char name[96];
    snprintf(name, sizeof name, "%s.weight", prefix);
    gb_add_tensor(b, name, GB_T_F32, 1, c, 1, 1, 1);
    snprintf(name, sizeof name, "%s.bias", prefix);
    gb_add_tensor(b, name, GB_T_F32, 1, c, 1, 1, 1);
}

gb *tiny_model_builder(uint32_t mt, uint32_t et)
{
    gb *b = gb_new();
    gb_kv_str(b, "general.architecture", "gft");
    gb_kv_str(b, "general.name", "tiny test model");
    gb_kv_str(b, "general.description", "built by tests/engine/tiny_model.c");
    gb_kv_str(b, "general.license", "CC0-1.0");
    gb_kv_u32(b, "gft.format_version", 1);
    gb_kv_u32(b, "gft.n_embd", TINY_N_EMBD);
    gb_kv_u32(b, "gft.n_layer", TINY_N_LAYER);
    gb_kv_u32(b, "gft.n_head", TINY_N_HEAD);
    gb_kv_u32(b, "gft.n_ff", TINY_N_FF);
    gb_kv_f32(b, "gft.norm_eps", 1e-5f);
    gb_kv_u32(b, "gft.text.ctx", TINY_CTX);
    gb_kv_u32(b, "gft.text.vocab_size", (uint32_t)TINY_VOCAB);
    gb_kv_u32(b, "gft.image.grid_w", TINY_GRID_W);
    gb_kv_u32(b, "gft.image.grid_h", TINY_GRID_H);
    gb_kv_u32(b, "gft.image.codebook_size", TINY_K);
    gb_kv_u32(b, "gft.vq.code_dim", TINY_CODE_DIM);
    gb_kv_arr_u32(b, "gft.dec.channels", tiny_channels, TINY_N_LEVELS);
    gb_kv_u32(b, "gft.dec.n_res", TINY_N_RES);
    gb_kv_u32(b, "gft.dec.n_groups", TINY_N_GROUPS);
    gb_kv_f32(b, "gft.dec.norm_eps", 1e-6f);
    gb_kv_f32(b, "gft.sampling.temperature", 0.9f);
    gb_kv_u32(b, "gft.sampling.top_k", 8);
    gb_kv_f32(b, "gft.sampling.top_p", 0.95f);
    gb_kv_f32(b, "gft.sampling.guidance", 3.0f);
    add_tokenizer(b);
    tiny_add_lexicon(b);

    const uint64_t d = TINY_N_EMBD, ff = TINY_N_FF;
    gb_add_tensor(b, "text_emb.weight", et, 2, d, (uint64_t)TINY_VOCAB, 1, 1);
    gb_add_tensor(b, "text_pos", et, 2, d, TINY_CTX, 1, 1);
    gb_add_tensor(b, "img_emb.weight", et, 2, d, TINY_K + 1, 1, 1);
    gb_add_tensor(b, "img_row", et, 2, d, TINY_GRID_H, 1, 1);
    gb_add_tensor(b, "img_col", et, 2, d, TINY_GRID_W, 1, 1);
    char name[96];
    for (int i = 0; i < TINY_N_LAYER; i++) {
#define T(field, type, nd, a, c)                                                                   \
    snprintf(name, sizeof name, "blk.%d." field ".weight", i);                                     \
    gb_add_tensor(b, name, type, nd, a, c, 1, 1)
        T("attn_norm", GB_T_F32, 1, d, 1);
        T("attn_q", mt, 2, d, d);
        T("attn_k", mt, 2, d, d);
        T("attn_v", mt, 2, d, d);
        T("attn_out", mt, 2, d, d);
        T("ffn_norm", GB_T_F32, 1, d, 1);
        T("ffn_up", mt, 2, d, ff);
        T("ffn_down", mt, 2, ff, d);
#undef T
    }
    gb_add_tensor(b, "out_norm.weight", GB_T_F32, 1, d, 1, 1, 1);
    gb_add_tensor(b, "head.weight", mt, 2, d, TINY_K, 1, 1);

    gb_add_tensor(b, "vq.codebook", GB_T_F32, 2, TINY_CODE_DIM, TINY_K, 1, 1);
    add_conv(b, "dec.conv_in", et, TINY_CODE_DIM, tiny_channels[0]);
    for (int l = 0; l < TINY_N_LEVELS; l++) {
        uint64_t c = tiny_channels[l];
        for (int r = 0; r < TINY_N_RES; r++) {
            char p[64];
            snprintf(p, sizeof p, "dec.l%d.res%d.norm1", l, r);
            add_norm(b, p, c);
            snprintf(p, sizeof p, "dec.l%d.res%d.conv1", l, r);
            add_conv(b, p, et, c, c);
            snprintf(p, sizeof p, "dec.l%d.res%d.norm2", l, r);
            add_norm(b, p, c);
            snprintf(p, sizeof p, "dec.l%d.res%d.conv2", l, r);
            add_conv(b, p, et, c, c);
        }
        if (l + 1 < TINY_N_LEVELS) {
            char p[64];
            snprintf(p, sizeof p, "dec.l%d.up", l);
            add_conv(b, p, et, c, tiny_channels[l + 1]);
        }
    }
    add_norm(b, "dec.norm_out", tiny_channels[TINY_N_LEVELS - 1]);
    add_conv(b, "dec.conv_out", et, tiny_channels[TINY_N_LEVELS - 1], 4);
    return b;
}

void tiny_add_reranker(gb *b, uint32_t matrix_type)
{
    const uint32_t widths[TINY_RR_LEVELS] = {4, 8};
    gb_kv_u32(b, "gft.rerank.side", TINY_RR_SIDE);
    gb_kv_u32(b, "gft.rerank.dim", TINY_RR_DIM);
    gb_kv_u32(b, "gft.rerank.convs_per_level", 1);
    gb_kv_arr_u32(b, "gft.rerank.widths", widths, TINY_RR_LEVELS);
    gb_kv_u32(b, "gft.sampling.candidates", 2);
    uint64_t cin = 4;
    for (int i = 0; i < TINY_RR_LEVELS; i++) {
        char name[64];
        snprintf(name, sizeof name, "rr.conv%d.weight", i);
        gb_add_tensor(b, name, GB_T_F32, 2, cin * 9, widths[i], 1, 1); /* rows of 36, 72 */
        snprintf(name, sizeof name, "rr.conv%d.bias", i);
        gb_add_tensor(b, name, GB_T_F32, 1, widths[i], 1, 1, 1);
        cin = widths[i];
    }
    gb_add_tensor(b, "rr.img_proj.weight", GB_T_F16, 2, cin, TINY_RR_DIM, 1, 1);
    gb_add_tensor(b, "rr.img_proj.bias", GB_T_F32, 1, TINY_RR_DIM, 1, 1, 1);
    gb_add_tensor(b, "rr.text_emb.weight", matrix_type, 2, TINY_RR_DIM, TINY_VOCAB, 1, 1);
    gb_add_tensor(b, "rr.text_proj.weight", matrix_type, 2, TINY_RR_DIM, TINY_RR_DIM, 1, 1);
    gb_add_tensor(b, "rr.text_proj.bias", GB_T_F32, 1, TINY_RR_DIM, 1, 1, 1);
}

void tiny_add_upscaler(gb *b, uint32_t weight_type)
{
    const uint64_t cout[3] = {TINY_UP_CHANNELS, TINY_UP_CHANNELS, 16};
    gb_kv_u32(b, "gft.upscale.channels", TINY_UP_CHANNELS);
    gb_kv_u32(b, "gft.upscale.n_mid", 1);
    uint64_t cin = 4;
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "up.conv%d.weight", i);
        gb_add_tensor(b, name, weight_type, 2, cin * 9, cout[i], 1, 1);
        snprintf(name, sizeof name, "up.conv%d.bias", i);
        gb_add_tensor(b, name, GB_T_F32, 1, cout[i], 1, 1, 1);
        cin = cout[i];
    }
}

uint8_t *tiny_model_bytes(size_t *size)
{
    gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    uint8_t *p = gb_serialize(b, size);
    gb_free(b);
    return p;
}
