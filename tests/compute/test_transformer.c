/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's transformer (gft_eval_logits) and VQ decoder
 * (gft_decode_tokens, partial previews) against the double-precision
 * reference in test_model.c, for F32, F16 and Q8_0 weights. */
#include "context.h"
#include "kernels_q8i8.h"
#include "test_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_logits(const tm_config *cfg, const char *label)
{
    gft_model *m = tm_new(cfg, 7);
    CHECK(cfg->wtype != GFT_TYPE_Q8_0 || cfg->no_pack || !gft_q8x16_available() ||
              m->layers[0].ffn_up.packed,
          "%s: the Q8_0 matrices are not packed", label);
    char err[GFT_ERROR_SIZE];
    gft_context *ctx = gft_context_new(m, err, sizeof err);
    CHECK(ctx, "%s: context: %s", label, err);
    int N = cfg->gw * cfg->gh, K = cfg->K;
    int32_t *tok = malloc(sizeof(int32_t) * N);
    uint64_t rng = 3;
    for (int i = 0; i < N; i++)
        tok[i] = (int32_t)(tm_next(&rng) % (uint64_t)K);
    const char *prompts[] = {"a red heart", "", "x"};
    for (int pi = 0; pi < 3; pi++) {
        int n_image = pi == 2 ? 0 : N - 1;
        float *got = malloc(sizeof(float) * (n_image + 1) * K);
        double *want = malloc(sizeof(double) * (n_image + 1) * K);
        CHECK(gft_eval_logits(ctx, prompts[pi], tok, n_image, got) == GFT_OK, "%s eval: %s", label,
              gft_context_last_error(ctx));
        int32_t prefix[64];
        gft_build_prefix(m, prompts[pi], prefix);
        ref_logits(m, prefix, tok, n_image, want);
        double scale = 0, worst = 0;
        for (int i = 0; i < (n_image + 1) * K; i++)
            scale = fmax(scale, fabs(want[i]));
        for (int i = 0; i < (n_image + 1) * K; i++)
            worst = fmax(worst, fabs(got[i] - want[i]) / scale);
        CHECK(scale > 0.5, "%s: logits too flat to test (%g)", label, scale);
        /* Q8_0 models keep the KV cache in F16 (their weights' rounding is far
         * larger). Packed, they round every matrix input to 8 bits per block of
         * 32 (steps of amax / 127): one such rounding moves a logit by up to
         * ~0.4 % of the block's scale. Their cache is int8, and the attention
         * rounds the query, K and V the same way per head. These add up over 2
         * layers (the worst prompt here: 3.2 %). The kernels' arithmetic itself
         * is checked bit for bit in test_kernels_q8i8 and test_attn_q8; here a
         * wrong row, head or matrix would be off by O(1). */
        double limit = cfg->wtype != GFT_TYPE_Q8_0 ? 1e-4 : m->packed_buf ? 5e-2 : 1e-3;
        CHECK(worst < limit, "%s prompt '%s': logits off by %g (relative to max %g)", label,
              prompts[pi], worst, scale);
        free(got);
        free(want);
    }

    /* decoder */
    int IW = (int)m->hp.image_width, IH = (int)m->hp.image_height, P = IW * IH;
    float *premul = malloc(sizeof(float) * P * 4);
    double *ref = malloc(sizeof(double) * P * 4);
    uint8_t *rgba = malloc((size_t)P * 4), *part = malloc((size_t)P * 4);
    CHECK(gft_decode_tokens(ctx, tok, premul, rgba) == GFT_OK, "%s decode", label);
    ref_decode(m, tok, ref);
    double worst = 0;
    int transparent = 0, opaque = 0;
    for (int i = 0; i < P * 4; i++)
        worst = fmax(worst, fabs(premul[i] - ref[i]));
    CHECK(worst < 1e-4, "%s: decoder off by %g", label, worst);
    for (int p = 0; p < P; p++) {
        float a = premul[p * 4 + 3];
        transparent += a == 0.0f;
        opaque += a > 0.5f;
        for (int c = 0; c < 3; c++) {
            float s = a > 0 ? fminf(1.0f, premul[p * 4 + c] / a) : 0.0f;
            CHECK(rgba[p * 4 + c] == (uint8_t)floorf(s * 255.0f + 0.5f), "%s: straight rgb", label);
            double rs = ref[p * 4 + 3] > 0 ? fmin(1.0, ref[p * 4 + c] / ref[p * 4 + 3]) : 0.0;
            /* unpremultiplying amplifies tiny alphas; compare where alpha is visible */
            if (ref[p * 4 + 3] > 0.05)
                CHECK(fabs(rgba[p * 4 + c] - floor(rs * 255 + 0.5)) <= 1, "%s: pixel %d", label, p);
        }
        CHECK(rgba[p * 4 + 3] == (uint8_t)floorf(a * 255.0f + 0.5f), "%s: alpha", label);
    }
    CHECK(opaque > 0, "%s: decoder output all transparent", label);
    (void)transparent;

    /* partial grids: unfilled cells transparent, and the full count = the full decode */
    int f = IW / cfg->gw;
    for (int filled = 0; filled <= N; filled += 5) {
        CHECK(gft_vqdec_run(ctx->dec, NULL, tok, filled, NULL, part) == GFT_OK, "partial");
        for (int p = 0; p < P; p++) {
            int cell = (p / IW / f) * cfg->gw + (p % IW) / f;
            if (cell >= filled)
                CHECK(part[p * 4 + 3] == 0 && part[p * 4] == 0, "%s: unfilled cell visible", label);
        }
    }
    CHECK(gft_vqdec_run(ctx->dec, NULL, tok, N, NULL, part) == GFT_OK, "full");
    CHECK(memcmp(part, rgba, (size_t)P * 4) == 0, "%s: full partial decode differs", label);

    /* bad arguments */
    CHECK(gft_eval_logits(ctx, NULL, tok, 1, premul) == GFT_ERR_INVALID_ARG, "NULL prompt");
    CHECK(gft_eval_logits(ctx, "a", tok, N, premul) == GFT_ERR_INVALID_ARG, "n_image too big");
    CHECK(strstr(gft_context_last_error(ctx), "n_image") != NULL, "message names n_image");
    tok[2] = K;
    CHECK(gft_eval_logits(ctx, "a", tok, 5, premul) == GFT_ERR_INVALID_ARG, "token out of range");
    CHECK(gft_decode_tokens(ctx, tok, NULL, rgba) == GFT_ERR_INVALID_ARG, "decode bad token");
    tok[2] = -1;
    CHECK(gft_decode_tokens(ctx, tok, NULL, rgba) == GFT_ERR_INVALID_ARG, "decode negative");
    CHECK(gft_decode_tokens(ctx, NULL, NULL, rgba) == GFT_ERR_INVALID_ARG, "decode NULL");

    free(premul);
    free(ref);
    free(rgba);
    free(part);
    free(tok);
    gft_context_free(ctx);
    tm_free(m);
}

int main(void)
{
    tm_config c = tm_small(GFT_TYPE_F32);
    test_logits(&c, "F32");
    c = tm_small(GFT_TYPE_F16);
    c.embtype = GFT_TYPE_F16;
    test_logits(&c, "F16");
    c = tm_small(GFT_TYPE_Q8_0);
    test_logits(&c, "Q8_0");
    c.no_pack = 1; /* the Q8_0 x F32 kernel (builds without the int8 one, GFT_NO_INT8) */
    test_logits(&c, "Q8_0 unpacked");
    /* odd shapes: one head, hd not a multiple of the vector width, 3 levels, no ResBlocks */
    c = tm_small(GFT_TYPE_F32);
    c.d = 40;
    c.n_head = 1;
    c.n_ff = 56;
    c.n_levels = 3;
    c.ch[0] = 8;
    c.ch[1] = 8;
    c.ch[2] = 4;
    c.n_res = 0;
    c.groups = 2;
    test_logits(&c, "odd");
    c = tm_small(GFT_TYPE_Q8_0);
    c.n_res = 2;
    c.d = 96;
    c.n_head = 4; /* head size 24: vector tails in the F16 attention */
    test_logits(&c, "Q8_0 d96 4 heads 2 res");
    c.no_pack = 1;
    test_logits(&c, "Q8_0 d96 4 heads 2 res, unpacked");
    if (!check_failures)
        printf("transformer ok\n");
    CHECK_DONE();
}
