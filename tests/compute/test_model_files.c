/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gft_generate on real model files (the exporter's tiny models, the shipped
 * model): same bytes at 1 and 2 threads and batched or alone, greedy tokens
 * equal to the argmax of teacher-forced gft_eval_logits, previews; with a
 * reranker, best of K (test_candidates); with an upscaler, the kept pictures
 * doubled (test_upscaled). The other checks use the decoder's size.
 * Usage: test_compute_model_files MODEL.gguf (exit 77 = skipped: no file) */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static gft_status gen(gft_context *ctx, gft_generate_params *p, gft_result *r)
{
    gft_status st = gft_generate(ctx, p, r);
    if (st != GFT_OK)
        fprintf(stderr, "generate: %s\n", gft_context_last_error(ctx));
    return st;
}

/* Best of K on a model with a reranker: the kept image is the candidate the
 * reranker scores highest (checked by decoding and scoring every candidate
 * again), candidate 0 is the one-sample image, and a variation is the same
 * at 1 or 2 threads, alone or in a batch. */
static void test_candidates(gft_model *m, gft_context *ctx)
{
    const gft_hparams *hp = &m->hp;
    const int N = (int)(hp->grid_w * hp->grid_h), n_cand = 3;
    const size_t img = (size_t)hp->image_width * hp->image_height * 4;
    gft_generate_params p;
    gft_generate_params_init(&p, m);
    CHECK(p.n_candidates == hp->default_candidates, "params_init takes the model's candidates");
    p.prompt = "a red apple";
    p.seed = 500;
    p.n_variations = 3;
    p.n_candidates = n_cand;
    p.n_threads = 2;
    p.upscale = 0;
    gft_result all, one, plain;
    /* generation reads the prompt through the lexicon ("a red apple" -> "red
     * apple"); the reranker is asked about the same reading */
    char reading[GFT_READING_SIZE];
    gft_translate_prompt(m, p.prompt, reading, sizeof reading);
    CHECK(gen(ctx, &p, &all) == GFT_OK, "best of 3, 3 variations");
    CHECK(all.n_candidates == n_cand, "result n_candidates %d", all.n_candidates);
    int32_t *tokens = malloc(sizeof(int32_t) * (size_t)N * n_cand * 3);
    memcpy(tokens, ctx->gen_tokens, sizeof(int32_t) * (size_t)N * n_cand * 3);
    float *premul = malloc(sizeof(float) * img);
    uint8_t *rgba = malloc(img);
    for (int v = 0; v < 3; v++)
        CHECK(gft_context_preview(ctx, v, rgba) == GFT_OK &&
                  memcmp(rgba, all.pixels + v * img, img) == 0,
              "variation %d: the preview of a finished variation is not the kept image", v);
    for (int v = 0; v < 3; v++) {
        float best = -2.0f;
        int best_c = -1;
        for (int c = 0; c < n_cand; c++) {
            float score;
            const int32_t *t = tokens + ((size_t)v * n_cand + c) * N;
            CHECK(gft_decode_tokens(ctx, t, premul, rgba) == GFT_OK &&
                      gft_rerank_scores(ctx, reading, premul, 1, &score) == GFT_OK,
                  "decode and score candidate %d", c);
            if (score > best) {
                best = score;
                best_c = c;
            }
            if (c == all.chosen[v])
                CHECK(memcmp(rgba, all.pixels + v * img, img) == 0,
                      "variation %d: the kept image is not candidate %d", v, c);
        }
        CHECK(best_c == all.chosen[v] && best == all.scores[v],
              "variation %d kept candidate %d (%g), the best is %d (%g)", v, all.chosen[v],
              (double)all.scores[v], best_c, (double)best);
        /* alone, at 1 thread */
        gft_generate_params q = p;
        q.seed = p.seed + (uint64_t)v;
        q.n_variations = 1;
        q.n_threads = 1;
        CHECK(gen(ctx, &q, &one) == GFT_OK, "alone");
        CHECK(memcmp(one.pixels, all.pixels + v * img, img) == 0 && one.chosen[0] == all.chosen[v],
              "variation %d differs alone at 1 thread", v);
        gft_result_free(&one);
        /* candidate 0 is the one-sample image */
        q.n_candidates = 1;
        CHECK(gen(ctx, &q, &plain) == GFT_OK, "one sample");
        CHECK(memcmp(ctx->gen_tokens, tokens + (size_t)v * n_cand * N, sizeof(int32_t) * N) == 0,
              "variation %d: candidate 0 is not the one-sample image", v);
        CHECK(plain.n_candidates == 1 && plain.scores[0] == 0.0f, "one sample: no score");
        gft_result_free(&plain);
    }
    int different = 0;
    for (int c = 1; c < n_cand; c++)
        different += memcmp(tokens, tokens + (size_t)c * N, sizeof(int32_t) * N) != 0;
    CHECK(different == n_cand - 1, "the candidates of a variation are different samples");
    printf("best of %d: kept candidates %d %d %d\n", n_cand, all.chosen[0], all.chosen[1],
           all.chosen[2]);
    gft_result_free(&all);
    free(tokens);
    free(premul);
    free(rgba);
}

/* With an upscaler (the default then): pictures of twice the size, the same
 * at 1 and 2 threads, alone or batched, and each the upscaler's output for
 * the candidate the decoder-size run keeps. */
static void test_upscaled(gft_model *m, gft_context *ctx)
{
    const gft_hparams *hp = &m->hp;
    const int N = (int)(hp->grid_w * hp->grid_h), W = (int)hp->image_width,
              H = (int)hp->image_height;
    const size_t big = (size_t)W * H * 16;
    gft_generate_params p;
    gft_generate_params_init(&p, m);
    CHECK(p.upscale == 1, "params_init turns the model's upscaler on");
    p.prompt = "a red heart";
    p.seed = 900;
    p.n_variations = 2;
    p.n_threads = 2;
    gft_result up, one, native;
    CHECK(gen(ctx, &p, &up) == GFT_OK, "upscaled batch");
    CHECK(up.width == 2 * W && up.height == 2 * H, "upscaled size %dx%d", up.width, up.height);
    float *premul = malloc(sizeof(float) * (size_t)W * H * 4);
    uint8_t *again = malloc(big);
    for (int v = 0; v < 2; v++) {
        gft_generate_params q = p;
        q.seed = p.seed + (uint64_t)v;
        q.n_variations = 1;
        q.n_threads = 1;
        CHECK(gen(ctx, &q, &one) == GFT_OK, "upscaled alone");
        CHECK(memcmp(one.pixels, up.pixels + v * big, big) == 0,
              "variation %d: upscaled alone at 1 thread differs from the batch", v);
        gft_result_free(&one);
        q.upscale = 0;
        CHECK(gen(ctx, &q, &native) == GFT_OK, "decoder size");
        CHECK(native.width == W && native.chosen[0] == up.chosen[v], "the same candidate kept");
        const int32_t *kept = ctx->gen_tokens + (size_t)native.chosen[0] * N;
        CHECK(gft_decode_tokens(ctx, kept, premul, NULL) == GFT_OK &&
                  gft_upscale_image(ctx, premul, again) == GFT_OK &&
                  memcmp(again, up.pixels + v * big, big) == 0,
              "variation %d: not the upscaler's picture of the kept candidate", v);
        gft_result_free(&native);
    }
    gft_result_free(&up);
    free(premul);
    free(again);
}

int main(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("no model file, skipped\n");
        return 77;
    }
    char err[GFT_ERROR_SIZE];
    gft_model *m;
    if (gft_model_load(argv[1], &m, err, sizeof err) != GFT_OK) {
        fprintf(stderr, "load %s: %s\n", argv[1], err);
        return 1;
    }
    gft_context *ctx = gft_context_new(m, err, sizeof err);
    CHECK(ctx, "context: %s", err);
    const gft_hparams *hp = &m->hp;
    int N = (int)(hp->grid_w * hp->grid_h), K = (int)hp->codebook_size;
    size_t img = (size_t)hp->image_width * hp->image_height * 4;

    /* two guided variations in one batch at 2 threads == each alone at 1 thread */
    gft_generate_params p;
    gft_generate_params_init(&p, m);
    p.prompt = "a red heart";
    p.negative_prompt = "blue";
    p.sampling.guidance = 3.0f;
    p.sampling.temperature = 1.0f;
    p.seed = 77;
    p.n_variations = 2;
    p.n_candidates = 1;
    p.n_threads = 2;
    p.upscale = 0;
    gft_result both, one;
    CHECK(gen(ctx, &p, &both) == GFT_OK, "batch");
    int32_t *tok1 = malloc(sizeof(int32_t) * N);
    memcpy(tok1, ctx->gen_tokens + N, sizeof(int32_t) * N);
    p.n_variations = 1;
    p.n_threads = 1;
    p.seed = 78;
    CHECK(gen(ctx, &p, &one) == GFT_OK, "single");
    CHECK(memcmp(both.pixels + img, one.pixels, img) == 0, "variation 1 != seed + 1 alone");
    CHECK(memcmp(ctx->gen_tokens, tok1, sizeof(int32_t) * N) == 0, "tokens differ");
    uint8_t *prev = malloc(img);
    CHECK(gft_context_preview(ctx, 0, prev) == GFT_OK && memcmp(prev, one.pixels, img) == 0,
          "preview of a finished variation != its image");
    int visible = 0;
    for (size_t i = 3; i < img; i += 4)
        visible += one.pixels[i] != 0;
    printf("%s: %d of %zu pixels visible\n", argv[1], visible, img / 4);
    gft_result_free(&both);
    gft_result_free(&one);

    /* greedy, unguided: every token is the argmax of the teacher-forced logits */
    p.sampling = (gft_sampling){0.0f, 0, 1.0f, 1.0f, 0};
    p.negative_prompt = NULL;
    CHECK(gen(ctx, &p, &one) == GFT_OK, "greedy");
    int32_t *tok = malloc(sizeof(int32_t) * N);
    memcpy(tok, ctx->gen_tokens, sizeof(int32_t) * N);
    float *logits = malloc(sizeof(float) * (size_t)N * K);
    char reading[GFT_READING_SIZE]; /* what generation encoded ("red heart") */
    gft_translate_prompt(m, p.prompt, reading, sizeof reading);
    CHECK(gft_eval_logits(ctx, reading, tok, N - 1, logits) == GFT_OK, "eval: %s",
          gft_context_last_error(ctx));
    int mismatches = 0;
    for (int j = 0; j < N; j++) {
        const float *l = logits + (size_t)j * K;
        int best = 0;
        for (int i = 1; i < K; i++)
            if (l[i] > l[best])
                best = i;
        mismatches += best != tok[j];
    }
    CHECK(mismatches == 0, "%d greedy tokens differ from the eval_logits argmax", mismatches);
    /* decoding the tokens again gives the same picture */
    uint8_t *again = malloc(img);
    CHECK(gft_decode_tokens(ctx, tok, NULL, again) == GFT_OK && memcmp(again, one.pixels, img) == 0,
          "gft_decode_tokens != generated image");
    gft_result_free(&one);
    if (hp->has_upscale)
        test_upscaled(m, ctx);
    else
        CHECK(gft_upscale_image(ctx, NULL, NULL) == GFT_ERR_INVALID_ARG, "no upscaler");
    if (hp->has_rerank)
        test_candidates(m, ctx);
    else
        CHECK(gft_rerank_scores(ctx, "x", NULL, 0, NULL) == GFT_ERR_INVALID_ARG,
              "scores without a reranker");
    free(again);
    free(logits);
    free(tok);
    free(tok1);
    free(prev);
    gft_context_free(ctx);
    gft_model_free(m);
    if (!check_failures)
        printf("model file ok\n");
    CHECK_DONE();
}
