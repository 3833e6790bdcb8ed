/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gft_generate: determinism across thread counts and batching, guidance and
 * negative prompts, the host's OpenBLAS threads (and releasing them),
 * progress and previews, cancellation, bad parameters. */
#include "context.h"
#include "test_model.h"

#include <cblas.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static gft_model *model;
static size_t img_bytes;

static gft_generate_params base_params(void)
{
    gft_generate_params p;
    gft_generate_params_init(&p, model);
    p.prompt = "a smiling cat";
    p.sampling = (gft_sampling){1.0f, 0, 1.0f, 1.0f, 0};
    p.seed = 1000;
    p.n_threads = 1;
    return p;
}

static gft_status run(gft_context *ctx, const gft_generate_params *p, gft_result *r)
{
    gft_status st = gft_generate(ctx, p, r);
    if (st != GFT_OK && st != GFT_ERR_CANCELLED)
        fprintf(stderr, "generate: %s\n", gft_context_last_error(ctx));
    return st;
}

static void test_determinism(gft_context *ctx, float guidance, int ramp, const char *neg)
{
    gft_generate_params p = base_params();
    p.sampling.guidance = guidance;
    p.sampling.guidance_ramp = ramp;
    p.negative_prompt = neg;
    p.n_variations = 4;
    gft_result all, two, one;
    CHECK(run(ctx, &p, &all) == GFT_OK, "batch of 4");
    CHECK(all.n_complete == 4 && all.width == (int)model->hp.image_width, "result header");
    /* 2 threads, batches of 3 (3 + 1) */
    p.n_threads = 2;
    p.max_batch = 3;
    CHECK(run(ctx, &p, &two) == GFT_OK, "2 threads");
    CHECK(memcmp(all.pixels, two.pixels, 4 * img_bytes) == 0,
          "guidance %g: 2 threads / batches of 3 change the images", guidance);
    /* variation k alone with seed + k */
    for (int k = 0; k < 4; k++) {
        gft_generate_params q = base_params();
        q.sampling.guidance = guidance;
        q.sampling.guidance_ramp = ramp;
        q.negative_prompt = neg;
        q.seed = p.seed + (uint64_t)k;
        q.n_threads = k % 2 + 1;
        CHECK(run(ctx, &q, &one) == GFT_OK, "single");
        CHECK(all.seeds[k] == q.seed, "seed of variation %d", k);
        CHECK(memcmp(all.pixels + k * img_bytes, one.pixels, img_bytes) == 0,
              "guidance %g: variation %d differs from a single run with seed + %d", guidance, k, k);
        gft_result_free(&one);
    }
    /* the variations are not all the same picture */
    CHECK(memcmp(all.pixels, all.pixels + img_bytes, img_bytes) != 0, "variations 0 and 1 equal");
    gft_result_free(&all);
    gft_result_free(&two);
}

/* The decoder runs OpenBLAS on one thread but gives the host's count back,
 * and the host's count does not change the pixels. */
#ifdef OPENBLAS_VERSION
/* The process's threads (Linux: /proc/self/task), or -1. */
static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}
#endif

static void test_host_blas_threads(gft_context *ctx)
{
#ifdef OPENBLAS_VERSION
    gft_generate_params p = base_params();
    p.sampling.guidance = 2.0f;
    gft_result one_blas, two_blas;
    openblas_set_num_threads(1);
    CHECK(run(ctx, &p, &one_blas) == GFT_OK, "generate, OpenBLAS at 1 thread");
    openblas_set_num_threads(2);
    CHECK(run(ctx, &p, &two_blas) == GFT_OK, "generate, OpenBLAS at 2 threads");
    CHECK(openblas_get_num_threads() == 2, "the host's OpenBLAS thread count (2) became %d",
          openblas_get_num_threads());
    CHECK(memcmp(one_blas.pixels, two_blas.pixels, img_bytes) == 0,
          "the host's OpenBLAS thread count changes the pixels");
    /* gft_blas_release_threads: OpenBLAS's idle server threads go (the
     * pthread build started one per extra CPU), the count becomes 1, and
     * generating neither starts them again nor changes the pixels */
    int before = count_threads();
    int stopped = gft_blas_release_threads();
    int after = count_threads();
    printf("OpenBLAS threads released: %d; process threads %d -> %d\n", stopped, before, after);
    CHECK(openblas_get_num_threads() == 1, "after the release OpenBLAS runs %d threads",
          openblas_get_num_threads());
    CHECK(!stopped || after == 1, "%d threads left after the release (%d before)", after, before);
    gft_result released;
    CHECK(run(ctx, &p, &released) == GFT_OK, "generate after the release");
    CHECK(count_threads() == after, "generating started threads again: %d (was %d)",
          count_threads(), after);
    CHECK(memcmp(one_blas.pixels, released.pixels, img_bytes) == 0,
          "releasing OpenBLAS's threads changes the pixels");
    gft_result_free(&released);
    gft_result_free(&one_blas);
    gft_result_free(&two_blas);
#else
    (void)ctx;
    printf("not OpenBLAS: host thread count test skipped\n");
#endif
}

static void test_guidance_changes(gft_context *ctx)
{
    gft_generate_params p = base_params();
    p.sampling.temperature = 0.0f; /* greedy: differences come from the logits */
    gft_result a, b, c;
    CHECK(run(ctx, &p, &a) == GFT_OK, "plain");
    p.sampling.guidance = 4.0f;
    CHECK(run(ctx, &p, &b) == GFT_OK, "guided");
    p.negative_prompt = "dog";
    CHECK(run(ctx, &p, &c) == GFT_OK, "negative");
    CHECK(memcmp(a.pixels, b.pixels, img_bytes) != 0, "guidance has no effect");
    CHECK(memcmp(b.pixels, c.pixels, img_bytes) != 0, "negative prompt has no effect");
    /* the ramp: its own picture at guidance 4; at guidance 1 nothing to ramp */
    gft_result d, e;
    p.negative_prompt = NULL;
    p.sampling.guidance_ramp = 1;
    CHECK(run(ctx, &p, &d) == GFT_OK, "ramp");
    CHECK(memcmp(d.pixels, b.pixels, img_bytes) != 0 && memcmp(d.pixels, a.pixels, img_bytes) != 0,
          "the ramp has no effect");
    p.sampling.guidance = 1.0f;
    CHECK(run(ctx, &p, &e) == GFT_OK && memcmp(e.pixels, a.pixels, img_bytes) == 0,
          "a ramp to guidance 1 is no guidance");
    gft_result_free(&a);
    gft_result_free(&b);
    gft_result_free(&c);
    gft_result_free(&d);
    gft_result_free(&e);
}

/* ---- progress, previews, cancel ---- */

typedef struct {
    gft_context *ctx;
    int calls, last_done, bad, cancel_after;
    atomic_int *cancel;
    uint8_t *preview;
    int checked_preview;
    struct timespec cancel_time;
} watch;

static void on_progress(void *ud, const gft_progress *pr)
{
    watch *w = ud;
    w->calls++;
    int N = (int)(model->hp.grid_w * model->hp.grid_h);
    if (pr->tokens_done <= w->last_done || pr->tokens_total < pr->tokens_done)
        w->bad++;
    w->last_done = pr->tokens_done;
    if (pr->rows_done < 0 || pr->rows_done > (int)model->hp.grid_h)
        w->bad++;
    if (w->preview && pr->tokens_done % 5 == 0) {
        int filled = w->ctx->gen_filled[pr->variation];
        if (gft_context_preview(w->ctx, pr->variation, w->preview) != GFT_OK) {
            w->bad++;
        } else {
            int IW = (int)model->hp.image_width, f = IW / (int)model->hp.grid_w;
            int P = IW * (int)model->hp.image_height;
            for (int p = 0; p < P; p++) {
                int cell = (p / IW / f) * (int)model->hp.grid_w + (p % IW) / f;
                if (cell >= filled && w->preview[p * 4 + 3] != 0)
                    w->bad++;
            }
            w->checked_preview++;
        }
        (void)N;
    }
    if (w->cancel && w->calls == w->cancel_after) {
        atomic_store(w->cancel, 1);
        clock_gettime(CLOCK_MONOTONIC, &w->cancel_time);
    }
}

static void test_progress_cancel(gft_context *ctx)
{
    int N = (int)(model->hp.grid_w * model->hp.grid_h);
    gft_generate_params p = base_params();
    p.sampling.guidance = 2.0f;
    p.n_variations = 3;
    p.max_batch = 1;
    watch w = {.ctx = ctx};
    w.preview = malloc(img_bytes);
    p.progress = on_progress;
    p.user_data = &w;
    gft_result full, part;
    CHECK(run(ctx, &p, &full) == GFT_OK, "with progress");
    CHECK(w.calls == 3 * N && w.bad == 0 && w.last_done == 3 * N, "progress calls %d bad %d",
          w.calls, w.bad);
    CHECK(w.checked_preview > 3, "previews checked: %d", w.checked_preview);
    /* the last preview of variation 2 is the final image */
    CHECK(gft_context_preview(ctx, 2, w.preview) == GFT_OK, "final preview");
    CHECK(memcmp(w.preview, full.pixels + 2 * img_bytes, img_bytes) == 0, "final preview differs");
    CHECK(gft_context_preview(ctx, 3, w.preview) == GFT_ERR_INVALID_ARG, "preview index checked");

    /* cancel in the middle of variation 1: variation 0 is kept */
    atomic_int cancel = 0;
    watch c = {.ctx = ctx, .cancel = &cancel, .cancel_after = N + N / 2};
    p.progress = on_progress;
    p.user_data = &c;
    p.cancel = &cancel;
    CHECK(run(ctx, &p, &part) == GFT_ERR_CANCELLED, "cancelled status");
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (t1.tv_sec - c.cancel_time.tv_sec) + (t1.tv_nsec - c.cancel_time.tv_nsec) * 1e-9;
    CHECK(dt < 1.0, "cancel took %g s", dt);
    CHECK(c.calls == N + N / 2, "no step after the cancel (%d calls)", c.calls);
    CHECK(part.n_complete == 1 && part.complete[0] == 1 && part.complete[1] == 0 &&
              part.complete[2] == 0 && part.n_variations == 3,
          "cancel keeps finished variations (%d complete)", part.n_complete);
    CHECK(part.pixels && memcmp(part.pixels, full.pixels, img_bytes) == 0,
          "kept variation differs");
    int zero = 1;
    for (size_t i = img_bytes; i < 3 * img_bytes; i++)
        zero &= part.pixels[i] == 0;
    CHECK(zero, "unfinished variations are not transparent");
    CHECK(strstr(gft_context_last_error(ctx), "cancel") != NULL, "cancel message");
    gft_result_free(&part);
    /* cancel already set: nothing is done */
    p.progress = NULL;
    CHECK(run(ctx, &p, &part) == GFT_ERR_CANCELLED && part.n_complete == 0, "pre-cancelled");
    gft_result_free(&part);
    /* and the context still works afterwards */
    atomic_store(&cancel, 0);
    CHECK(run(ctx, &p, &part) == GFT_OK && memcmp(part.pixels, full.pixels, 3 * img_bytes) == 0,
          "generation after a cancel differs");
    gft_result_free(&part);
    gft_result_free(&full);
    free(w.preview);
}

static void expect_invalid(gft_context *ctx, const gft_generate_params *p, const char *word)
{
    gft_result r;
    memset(&r, 0x55, sizeof r);
    gft_status st = gft_generate(ctx, p, &r);
    CHECK(st == GFT_ERR_INVALID_ARG, "'%s' not rejected (%d)", word, st);
    CHECK(strstr(gft_context_last_error(ctx), word) != NULL, "message '%s' lacks '%s'",
          gft_context_last_error(ctx), word);
    CHECK(r.pixels == NULL, "rejected call left pixels");
    gft_result_free(&r);
}

static void test_bad_params(gft_context *ctx)
{
    gft_generate_params p;
    gft_result r;
    p = base_params(), p.n_variations = 0, expect_invalid(ctx, &p, "variations");
    p = base_params(), p.n_variations = GFT_MAX_VARIATIONS + 1,
    expect_invalid(ctx, &p, "variations");
    p = base_params(), p.n_threads = -1, expect_invalid(ctx, &p, "threads");
    p = base_params(), p.n_threads = 257, expect_invalid(ctx, &p, "threads");
    p = base_params(), p.max_batch = -1, expect_invalid(ctx, &p, "batch");
    p = base_params(), p.max_batch = 99, expect_invalid(ctx, &p, "batch");
    p = base_params(), p.prompt = NULL, expect_invalid(ctx, &p, "prompt");
    p = base_params(), p.sampling.temperature = -1, expect_invalid(ctx, &p, "temperature");
    p = base_params(), p.sampling.temperature = 0.0f / 0.0f, expect_invalid(ctx, &p, "temperature");
    p = base_params(), p.sampling.top_k = (int)model->hp.codebook_size + 1,
    expect_invalid(ctx, &p, "top-k");
    p = base_params(), p.sampling.top_p = 0, expect_invalid(ctx, &p, "top-p");
    p = base_params(), p.sampling.guidance = 31, expect_invalid(ctx, &p, "guidance");
    p = base_params(), p.sampling.guidance_ramp = 2, expect_invalid(ctx, &p, "guidance ramp");
    p = base_params(), p.sampling.guidance_ramp = -1, expect_invalid(ctx, &p, "guidance ramp");
    p = base_params(), p.n_candidates = -1, expect_invalid(ctx, &p, "candidates");
    p = base_params(), p.n_candidates = GFT_MAX_CANDIDATES + 1,
    expect_invalid(ctx, &p, "candidates");
    p = base_params(), p.upscale = 2, expect_invalid(ctx, &p, "upscale");
    p = base_params(), p.upscale = -1, expect_invalid(ctx, &p, "upscale");
    /* this test model has no upscaler: upscale 1 asks for it where there is one */
    p = base_params(), p.upscale = 1;
    CHECK(gft_generate(ctx, &p, &r) == GFT_OK && r.width == (int)model->hp.image_width,
          "upscale 1 without an upscaler: the decoder's size");
    gft_result_free(&r);
    /* this test model has no reranker: best of K is refused, one sample works */
    p = base_params(), p.n_candidates = 2, expect_invalid(ctx, &p, "reranker");
    p = base_params(), p.n_candidates = 0;
    CHECK(gft_generate(ctx, &p, &r) == GFT_OK && r.n_candidates == 1, "0 candidates = one sample");
    gft_result_free(&r);
    CHECK(gft_generate(ctx, NULL, &r) == GFT_ERR_INVALID_ARG, "NULL params");
    p = base_params();
    CHECK(gft_generate(ctx, &p, NULL) == GFT_ERR_INVALID_ARG, "NULL result");
    CHECK(gft_generate(NULL, &p, &r) == GFT_ERR_INVALID_ARG, "NULL context");
    char err[GFT_ERROR_SIZE] = "";
    CHECK(gft_context_new(NULL, err, sizeof err) == NULL && err[0], "context without model");
}

int main(void)
{
    tm_config cfg = tm_small(GFT_TYPE_Q8_0);
    model = tm_new(&cfg, 11);
    img_bytes = (size_t)model->hp.image_width * model->hp.image_height * 4;
    char err[GFT_ERROR_SIZE];
    gft_context *ctx = gft_context_new(model, err, sizeof err);
    CHECK(ctx != NULL, "context: %s", err);
    test_determinism(ctx, 1.0f, 0, NULL);
    test_determinism(ctx, 3.0f, 0, NULL);
    test_determinism(ctx, 2.5f, 0, "dog");
    test_determinism(ctx, 3.0f, 1, NULL);
    test_host_blas_threads(ctx);
    test_guidance_changes(ctx);
    test_progress_cancel(ctx);
    test_bad_params(ctx);
    gft_context_free(ctx);
    tm_free(model);
    if (!check_failures)
        printf("generate ok\n");
    CHECK_DONE();
}
