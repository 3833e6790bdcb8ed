/* Dumps what the engine computes, for comparison with the PyTorch reference
 * (tests/parity/test_parity.py).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage (all binary files little-endian):
 *   parity_dump norm IN OUT
 *       IN: records {u32 len; bytes}. OUT: per record {u32 len; normalised bytes}.
 *   parity_dump tokenize MODEL IN OUT
 *       IN as above. OUT: per record {u32 n; i32 ids[n]; i32 prefix[text_ctx];
 *       u32 n_unknown; u32 len; unknown-words bytes}.
 *   parity_dump logits MODEL PROMPT_FILE TOKENS_FILE OUT
 *       PROMPT_FILE: raw prompt bytes; TOKENS_FILE: i32 image tokens (any count
 *       n < grid_w*grid_h). OUT: f32 [(n + 1) * codebook_size].
 *   parity_dump decode MODEL TOKENS_FILE PREMUL_OUT RGBA_OUT
 *       TOKENS_FILE: i32 [grid_w*grid_h]. PREMUL_OUT: f32 [h*w*4]; RGBA_OUT: u8 [h*w*4].
 *   parity_dump generate MODEL PROMPT_FILE NEG_FILE SEED N_VAR TEMP TOP_K TOP_P GUIDANCE
 *               CANDIDATES OUT
 *       NEG_FILE "-" = no negative prompt. OUT: u8 [n_var*h*w*4] straight RGBA, then
 *       i32 chosen[n_var] and f32 scores[n_var] (best of CANDIDATES).
 *   parity_dump rerank MODEL PROMPT_FILE PREMUL_FILE OUT
 *       PREMUL_FILE: f32 [n][h*w*4] premultiplied RGBA. OUT: f32 scores [n].
 *   parity_dump upscale MODEL PREMUL_FILE OUT
 *       PREMUL_FILE as for rerank. OUT: u8 [n][2h*2w*4] straight RGBA.
 * Prints "what went wrong" and exits 1 on any failure.
 */
#include "gft.h"
#include "gft_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "parity_dump: %s%s%s\n", what, detail && *detail ? ": " : "",
            detail ? detail : "");
    return 1;
}

/* Reads a whole file; appends a NUL (not counted in *len). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static int put_u32(FILE *f, uint32_t v)
{
    return fwrite(&v, 4, 1, f) == 1;
}

/* Calls fn(record_as_C_string, user, out) for every {u32 len; bytes} record. */
typedef int (*record_fn)(const char *text, void *user, FILE *out);

static int for_each_record(const char *in_path, const char *out_path, record_fn fn, void *user)
{
    size_t len = 0;
    char *data = read_file(in_path, &len);
    if (!data)
        return fail("cannot read", in_path);
    FILE *out = fopen(out_path, "wb");
    if (!out) {
        free(data);
        return fail("cannot write", out_path);
    }
    int rc = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        uint32_t n;
        if (len - pos < 4) {
            rc = fail("truncated record header in", in_path);
            break;
        }
        memcpy(&n, data + pos, 4);
        pos += 4;
        if (n > len - pos) {
            rc = fail("truncated record in", in_path);
            break;
        }
        char *text = malloc((size_t)n + 1);
        if (!text) {
            rc = fail("out of memory", NULL);
            break;
        }
        memcpy(text, data + pos, n);
        text[n] = '\0';
        pos += n;
        rc = fn(text, user, out);
        free(text);
    }
    if (fclose(out) != 0 && rc == 0)
        rc = fail("cannot write", out_path);
    free(data);
    return rc;
}

static int norm_record(const char *text, void *user, FILE *out)
{
    (void)user;
    char buf[2048];
    size_t n = gft_normalize_text(text, buf, sizeof buf);
    if (n != strlen(buf))
        return fail("gft_normalize_text returned a length that is not strlen(out)", NULL);
    return put_u32(out, (uint32_t)n) && fwrite(buf, 1, n, out) == n ? 0 : fail("write error", NULL);
}

static int tokenize_record(const char *text, void *user, FILE *out)
{
    const gft_model *model = user;
    char err[GFT_ERROR_SIZE];
    enum { MAX_IDS = 4096 };
    static int32_t ids[MAX_IDS];
    int n = gft_tokenize(model, text, ids, MAX_IDS, err, sizeof err);
    if (n < 0)
        return fail("gft_tokenize", err);
    gft_model_info info;
    gft_model_get_info(model, &info);
    int32_t *prefix = calloc(info.text_ctx, sizeof *prefix);
    if (!prefix)
        return fail("out of memory", NULL);
    gft_build_prefix(model, text, prefix);
    static char unknown[8192];
    int n_unknown = gft_unknown_words(model, text, unknown, sizeof unknown);
    size_t ulen = strlen(unknown);
    int ok = put_u32(out, (uint32_t)n) && fwrite(ids, 4, (size_t)n, out) == (size_t)n &&
             fwrite(prefix, 4, info.text_ctx, out) == info.text_ctx &&
             put_u32(out, (uint32_t)n_unknown) && put_u32(out, (uint32_t)ulen) &&
             fwrite(unknown, 1, ulen, out) == ulen;
    free(prefix);
    return ok ? 0 : fail("write error", NULL);
}

static int32_t *read_tokens(const char *path, int *count)
{
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data)
        return NULL;
    *count = (int)(len / 4);
    int32_t *t = malloc(len + 4);
    if (t)
        memcpy(t, data, len);
    free(data);
    return t;
}

static int cmd_logits(gft_context *ctx, const gft_model_info *info, char **argv)
{
    size_t plen;
    char *prompt = read_file(argv[0], &plen);
    if (!prompt)
        return fail("cannot read", argv[0]);
    int n = 0;
    int32_t *tokens = read_tokens(argv[1], &n);
    if (!tokens) {
        free(prompt);
        return fail("cannot read", argv[1]);
    }
    size_t n_logits = (size_t)(n + 1) * info->codebook_size;
    float *logits = malloc(n_logits * sizeof *logits);
    int rc = 0;
    if (!logits)
        rc = fail("out of memory", NULL);
    else if (gft_eval_logits(ctx, prompt, tokens, n, logits) != GFT_OK)
        rc = fail("gft_eval_logits", gft_context_last_error(ctx));
    else if (!write_file(argv[2], logits, n_logits * sizeof *logits))
        rc = fail("cannot write", argv[2]);
    free(logits);
    free(tokens);
    free(prompt);
    return rc;
}

static int cmd_decode(gft_context *ctx, const gft_model_info *info, char **argv)
{
    int n = 0;
    int32_t *tokens = read_tokens(argv[0], &n);
    if (!tokens)
        return fail("cannot read", argv[0]);
    if (n != (int)(info->grid_w * info->grid_h)) {
        free(tokens);
        return fail("token file must hold grid_w * grid_h tokens", argv[0]);
    }
    size_t n_px = (size_t)info->image_width * info->image_height * 4;
    float *premul = malloc(n_px * sizeof *premul);
    uint8_t *rgba = malloc(n_px);
    int rc = 0;
    if (!premul || !rgba)
        rc = fail("out of memory", NULL);
    else if (gft_decode_tokens(ctx, tokens, premul, rgba) != GFT_OK)
        rc = fail("gft_decode_tokens", gft_context_last_error(ctx));
    else if (!write_file(argv[1], premul, n_px * sizeof *premul) ||
             !write_file(argv[2], rgba, n_px))
        rc = fail("cannot write outputs", argv[1]);
    free(premul);
    free(rgba);
    free(tokens);
    return rc;
}

static int cmd_generate(gft_context *ctx, const gft_model *model, char **argv)
{
    size_t len;
    char *prompt = read_file(argv[0], &len);
    char *neg = strcmp(argv[1], "-") == 0 ? NULL : read_file(argv[1], &len);
    if (!prompt || (strcmp(argv[1], "-") != 0 && !neg)) {
        free(prompt);
        free(neg);
        return fail("cannot read prompt files", argv[0]);
    }
    gft_generate_params p;
    gft_generate_params_init(&p, model);
    p.prompt = prompt;
    p.negative_prompt = neg;
    p.seed = strtoull(argv[2], NULL, 10);
    p.n_variations = atoi(argv[3]);
    p.sampling.temperature = strtof(argv[4], NULL);
    p.sampling.top_k = atoi(argv[5]);
    p.sampling.top_p = strtof(argv[6], NULL);
    char *ramp = NULL; /* "3r": guidance 3, rising from 1 */
    p.sampling.guidance = strtof(argv[7], &ramp);
    p.sampling.guidance_ramp = *ramp == 'r';
    p.n_candidates = atoi(argv[8]);
    p.n_threads = 1;
    gft_result res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    FILE *out = NULL;
    if (gft_generate(ctx, &p, &res) != GFT_OK)
        rc = fail("gft_generate", gft_context_last_error(ctx));
    else if (!(out = fopen(argv[9], "wb")) ||
             fwrite(res.pixels, 4, (size_t)res.n_variations * res.width * res.height, out) !=
                 (size_t)res.n_variations * res.width * res.height ||
             fwrite(res.chosen, 4, (size_t)res.n_variations, out) != (size_t)res.n_variations ||
             fwrite(res.scores, 4, (size_t)res.n_variations, out) != (size_t)res.n_variations)
        rc = fail("cannot write", argv[9]);
    if (out && fclose(out) != 0)
        rc = fail("cannot write", argv[9]);
    if (rc == 0 || res.pixels)
        gft_result_free(&res);
    free(prompt);
    free(neg);
    return rc;
}

static int cmd_rerank(gft_context *ctx, const gft_model_info *info, char **argv)
{
    size_t len, bytes;
    char *prompt = read_file(argv[0], &len);
    float *premul = (float *)read_file(argv[1], &bytes);
    size_t per_image = (size_t)info->image_width * info->image_height * 4 * sizeof(float);
    int rc = 0;
    if (!prompt || !premul || bytes % per_image)
        rc = fail("cannot read the prompt or whole images", argv[1]);
    int n = rc ? 0 : (int)(bytes / per_image);
    float *scores = malloc(sizeof(float) * (size_t)(n + 1));
    if (!rc && gft_rerank_scores(ctx, prompt, premul, n, scores) != GFT_OK)
        rc = fail("gft_rerank_scores", gft_context_last_error(ctx));
    else if (!rc && !write_file(argv[2], scores, sizeof(float) * (size_t)n))
        rc = fail("cannot write", argv[2]);
    free(scores);
    free(prompt);
    free(premul);
    return rc;
}

static int cmd_upscale(gft_context *ctx, const gft_model_info *info, char **argv)
{
    size_t bytes;
    float *premul = (float *)read_file(argv[0], &bytes);
    size_t px = (size_t)info->image_width * info->image_height, per_image = px * 4 * sizeof(float);
    int rc = 0;
    if (!premul || bytes % per_image)
        rc = fail("cannot read whole images", argv[0]);
    size_t n = rc ? 0 : bytes / per_image;
    uint8_t *rgba = malloc(px * 16 * (n + 1));
    if (!rc && !rgba)
        rc = fail("out of memory", NULL);
    for (size_t i = 0; !rc && i < n; i++)
        if (gft_upscale_image(ctx, premul + i * px * 4, rgba + i * px * 16) != GFT_OK)
            rc = fail("gft_upscale_image", gft_context_last_error(ctx));
    if (!rc && !write_file(argv[1], rgba, px * 16 * n))
        rc = fail("cannot write", argv[1]);
    free(rgba);
    free(premul);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "norm") == 0)
        return for_each_record(argv[2], argv[3], norm_record, NULL);
    if (argc == 3 && strcmp(argv[1], "kernel") == 0) { /* "int8" or "f32" activations */
        char err[GFT_ERROR_SIZE];
        gft_model *model = NULL;
        if (gft_model_load(argv[2], &model, err, sizeof err) != GFT_OK)
            return fail("gft_model_load", err);
        gft_model_info info;
        gft_model_get_info(model, &info);
        printf("%s\n", info.int8_kernel ? "int8" : "f32");
        gft_model_free(model);
        return 0;
    }
    static const struct {
        const char *name;
        int n_args; /* after MODEL */
    } cmds[] = {{"tokenize", 2},  {"logits", 3}, {"decode", 3},
                {"generate", 10}, {"rerank", 3}, {"upscale", 2}};
    int known = 0;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (argc >= 2 && strcmp(argv[1], cmds[i].name) == 0 && argc == 3 + cmds[i].n_args)
            known = 1;
    if (!known)
        return fail("usage: parity_dump norm|kernel|tokenize|logits|decode|generate|rerank|upscale "
                    "... "
                    "(see source)",
                    NULL);

    char err[GFT_ERROR_SIZE];
    gft_model *model = NULL;
    if (gft_model_load(argv[2], &model, err, sizeof err) != GFT_OK)
        return fail("gft_model_load", err);
    int rc;
    if (strcmp(argv[1], "tokenize") == 0) {
        rc = for_each_record(argv[3], argv[4], tokenize_record, model);
    } else {
        gft_context *ctx = gft_context_new(model, err, sizeof err);
        if (!ctx) {
            gft_model_free(model);
            return fail("gft_context_new", err);
        }
        gft_model_info info;
        gft_model_get_info(model, &info);
        if (strcmp(argv[1], "logits") == 0)
            rc = cmd_logits(ctx, &info, argv + 3);
        else if (strcmp(argv[1], "decode") == 0)
            rc = cmd_decode(ctx, &info, argv + 3);
        else if (strcmp(argv[1], "rerank") == 0)
            rc = cmd_rerank(ctx, &info, argv + 3);
        else if (strcmp(argv[1], "upscale") == 0)
            rc = cmd_upscale(ctx, &info, argv + 3);
        else
            rc = cmd_generate(ctx, model, argv + 3);
        gft_context_free(ctx);
    }
    gft_model_free(model);
    return rc;
}
