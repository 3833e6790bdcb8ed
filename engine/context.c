/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Contexts and the generation loop: prefix, batched decode steps, sampling,
 * VQ decoding, progress, previews and cancellation. */
#include "context.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256

static gft_status fail(gft_context *ctx, gft_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static gft_status fail(gft_context *ctx, gft_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
    return st;
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* Makes the pool have n threads (0 = all online CPUs). */
static int ensure_pool(gft_context *ctx, int n)
{
    if (n == 0)
        n = online_cpus();
    if (ctx->pool && ctx->pool_threads == n)
        return 1;
    gft_pool_free(ctx->pool);
    ctx->pool = gft_pool_new(n);
    ctx->pool_threads = ctx->pool ? n : 0;
    return ctx->pool != NULL;
}

gft_context *gft_context_new(const gft_model *model, char *err, size_t err_size)
{
    if (!model) {
        gft_set_error(err, err_size, "no model given (NULL)");
        return NULL;
    }
    gft_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        gft_set_error(err, err_size, "out of memory creating a context");
        return NULL;
    }
    ctx->model = model;
    const gft_hparams *hp = &model->hp;
    size_t N = (size_t)hp->grid_w * hp->grid_h;
    int ok = gft_tf_init(&ctx->tf, model) &&
             gft_sampler_scratch_init(&ctx->sampler, (int)hp->codebook_size);
    ctx->sampler.background = hp->background_code;
    ctx->gen_tokens =
        calloc((size_t)GFT_MAX_VARIATIONS * GFT_MAX_CANDIDATES * N, sizeof *ctx->gen_tokens);
    ctx->dec = ok ? gft_vqdec_new(model) : NULL;
    if (ok && hp->has_rerank)
        ok = (ctx->rr = gft_rerank_new(model)) != NULL;
    if (ok && hp->has_upscale)
        ok = (ctx->up = gft_upscaler_new(model)) != NULL;
    if (!ok || !ctx->gen_tokens || !ctx->dec) {
        gft_set_error(err, err_size, "out of memory creating a context");
        gft_context_free(ctx);
        return NULL;
    }
    return ctx;
}

void gft_context_free(gft_context *ctx)
{
    if (!ctx)
        return;
    gft_pool_free(ctx->pool);
    gft_tf_free(&ctx->tf);
    gft_vqdec_free(ctx->dec);
    gft_rerank_free(ctx->rr);
    gft_upscaler_free(ctx->up);
    gft_sampler_scratch_free(&ctx->sampler);
    free(ctx->gen_tokens);
    free(ctx);
}

const char *gft_context_last_error(const gft_context *ctx)
{
    return ctx ? ctx->err : "no context (NULL)";
}

void gft_result_free(gft_result *result)
{
    if (!result)
        return;
    free(result->pixels);
    result->pixels = NULL;
}

/* K/V of one prompt's prefix, [n_layer][T][d] each. */
typedef struct {
    float *k, *v;
} prefix_kv;

static int prefix_alloc(const gft_tf *tf, prefix_kv *p)
{
    size_t n = (size_t)tf->m->hp.n_layer * tf->T * tf->d;
    p->k = malloc(n * sizeof(float));
    p->v = malloc(n * sizeof(float));
    return p->k && p->v;
}

static void prefix_free(prefix_kv *p)
{
    free(p->k);
    free(p->v);
}

static void run_prefix(gft_context *ctx, const char *text, prefix_kv *p)
{
    int32_t ids[512]; /* text_ctx <= 512 */
    gft_build_prefix(ctx->model, text, ids);
    gft_tf_prefix(&ctx->tf, ctx->pool, ids, p->k, p->v);
}

static gft_status check_params(gft_context *ctx, const gft_generate_params *p)
{
    if (!p)
        return fail(ctx, GFT_ERR_INVALID_ARG, "generation parameters are NULL");
    if (!p->prompt)
        return fail(ctx, GFT_ERR_INVALID_ARG, "the prompt is NULL (use \"\" for no prompt)");
    if (p->n_variations < 1 || p->n_variations > GFT_MAX_VARIATIONS)
        return fail(ctx, GFT_ERR_INVALID_ARG, "number of variations %d is outside 1..%d",
                    p->n_variations, GFT_MAX_VARIATIONS);
    if (p->n_threads < 0 || p->n_threads > MAX_THREADS)
        return fail(ctx, GFT_ERR_INVALID_ARG,
                    "number of threads %d is outside 0 (all CPUs) or 1..%d", p->n_threads,
                    MAX_THREADS);
    if (p->max_batch < 0 || p->max_batch > GFT_MAX_VARIATIONS)
        return fail(ctx, GFT_ERR_INVALID_ARG,
                    "max batch %d is outside 0 (all variations at once) or 1..%d", p->max_batch,
                    GFT_MAX_VARIATIONS);
    if (p->n_candidates < 0 || p->n_candidates > GFT_MAX_CANDIDATES)
        return fail(ctx, GFT_ERR_INVALID_ARG,
                    "number of candidates %d is outside 0..%d (0 or 1: one sample per variation)",
                    p->n_candidates, GFT_MAX_CANDIDATES);
    if (p->upscale < 0 || p->upscale > 1)
        return fail(ctx, GFT_ERR_INVALID_ARG,
                    "upscale %d is outside 0 (the decoder's size) or 1 (doubled)", p->upscale);
    if (p->n_candidates > 1 && !ctx->rr)
        return fail(ctx, GFT_ERR_INVALID_ARG,
                    "best of %d needs a model with a reranker, and this model has none",
                    p->n_candidates);
    char msg[GFT_ERROR_SIZE];
    if (gft_sampling_check(&p->sampling, (int)ctx->model->hp.codebook_size, msg, sizeof msg) !=
        GFT_OK)
        return fail(ctx, GFT_ERR_INVALID_ARG, "%s", msg);
    return GFT_OK;
}

/* The text a prompt is generated from: read through the model's lexicon
 * into buf, unless the caller asked for the prompt as typed. */
static const char *reading_of(const gft_model *model, const gft_generate_params *p,
                              const char *text, char *buf, size_t size)
{
    if (p->literal_prompt || !model->lex.n)
        return text;
    gft_translate_prompt(model, text, buf, size);
    return buf;
}

static int cancelled(const gft_generate_params *p)
{
    return p->cancel && atomic_load(p->cancel) != 0;
}

/* Scratch for choosing among candidates and upscaling: one decoded
 * candidate (floats for the reranker and the upscaler; bytes for the result
 * when not upscaling), the kept one's floats when upscaling (the two float
 * buffers trade places, nothing is copied), and the prompt's vector. */
typedef struct {
    float *premul, *kept, *text_vec;
    uint8_t *rgba;
} choose_scratch;

static int choose_alloc(const gft_context *ctx, choose_scratch *cs, int upscale)
{
    const gft_hparams *hp = &ctx->model->hp;
    size_t px = (size_t)hp->image_width * hp->image_height;
    cs->premul = malloc(px * 4 * sizeof(float));
    cs->kept = upscale ? malloc(px * 4 * sizeof(float)) : NULL;
    cs->text_vec = hp->has_rerank ? malloc(hp->rr.dim * sizeof(float)) : NULL;
    cs->rgba = upscale ? NULL : malloc(px * 4);
    return cs->premul && (cs->kept || !upscale) && (cs->text_vec || !hp->has_rerank) &&
           (cs->rgba || upscale);
}

static void choose_free(choose_scratch *cs)
{
    free(cs->premul);
    free(cs->kept);
    free(cs->text_vec);
    free(cs->rgba);
}

/* Decodes variation v's candidates into out: the one the reranker scores
 * highest (the first on ties), or the only one; doubled in size by the
 * upscaler when `upscale`. */
static gft_status finish_variation(gft_context *ctx, int v, int n_cand, int upscale,
                                   choose_scratch *cs, gft_result *out)
{
    const int N = ctx->tf.N;
    const size_t img_bytes = (size_t)out->width * out->height * 4;
    uint8_t *dst = out->pixels + (size_t)v * img_bytes;
    const int32_t *tokens = ctx->gen_tokens + (size_t)v * n_cand * N;
    if (n_cand == 1 && !upscale)
        return gft_vqdec_run(ctx->dec, ctx->pool, tokens, N, NULL, dst);
    for (int c = 0; c < n_cand; c++) {
        gft_status st = gft_vqdec_run(ctx->dec, ctx->pool, tokens + (size_t)c * N, N, cs->premul,
                                      upscale ? NULL : cs->rgba);
        if (st != GFT_OK)
            return st;
        float score = n_cand > 1 ? gft_rerank_score(ctx->rr, cs->premul, cs->text_vec) : 0.0f;
        if (c == 0 || score > out->scores[v]) {
            out->scores[v] = score;
            out->chosen[v] = c;
            if (upscale) { /* keep its floats; the next candidate decodes into the old ones */
                float *t = cs->kept;
                cs->kept = cs->premul;
                cs->premul = t;
            } else {
                memcpy(dst, cs->rgba, img_bytes);
            }
        }
    }
    return upscale ? gft_upscaler_run(ctx->up, ctx->pool, cs->kept, dst) : GFT_OK;
}

gft_status gft_generate(gft_context *ctx, const gft_generate_params *p, gft_result *out)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    if (!out)
        return fail(ctx, GFT_ERR_INVALID_ARG, "result pointer is NULL");
    memset(out, 0, sizeof *out);
    gft_status st = check_params(ctx, p);
    if (st != GFT_OK)
        return st;
    const gft_hparams *hp = &ctx->model->hp;
    gft_tf *tf = &ctx->tf;
    const int N = tf->N, K = tf->K, W = (int)hp->grid_w;
    const int n_var = p->n_variations;
    const int n_cand = p->n_candidates > 1 ? p->n_candidates : 1;
    const int guided = p->sampling.guidance != 1.0f;
    const int rpv = guided ? 2 : 1; /* rows per sample: cond (, uncond) */
    const int rows_per_var = n_cand * rpv;
    const int fit = GFT_TF_MAX_ROWS / rows_per_var; /* >= 1: n_cand * 2 <= 16 */
    int per_batch = p->max_batch == 0 || p->max_batch > n_var ? n_var : p->max_batch;
    if (per_batch > fit)
        per_batch = fit;
    const int upscale = p->upscale && ctx->up;
    const size_t img_bytes = ((size_t)hp->image_width * hp->image_height * 4) << (2 * upscale);
    char read_prompt[GFT_READING_SIZE], read_negative[GFT_READING_SIZE];
    const char *prompt = reading_of(ctx->model, p, p->prompt, read_prompt, sizeof read_prompt);
    const char *negative =
        p->negative_prompt && p->negative_prompt[0]
            ? reading_of(ctx->model, p, p->negative_prompt, read_negative, sizeof read_negative)
            : NULL;

    if (!ensure_pool(ctx, p->n_threads))
        return fail(ctx, GFT_ERR_NOMEM, "could not start %d worker threads", p->n_threads);
    if (!gft_tf_reserve(tf, per_batch * rows_per_var))
        return fail(ctx, GFT_ERR_NOMEM, "out of memory for the KV cache of %d rows",
                    per_batch * rows_per_var);
    out->n_variations = n_var;
    out->n_candidates = n_cand;
    out->width = (int)hp->image_width << upscale;
    out->height = (int)hp->image_height << upscale;
    for (int v = 0; v < n_var; v++)
        out->seeds[v] = p->seed + (uint64_t)v;
    out->pixels = calloc((size_t)n_var, img_bytes);
    prefix_kv cond = {0}, neg = {0};
    choose_scratch cs = {0};
    if (!out->pixels || !prefix_alloc(tf, &cond) ||
        ((n_cand > 1 || upscale) && !choose_alloc(ctx, &cs, upscale))) {
        prefix_free(&cond);
        choose_free(&cs);
        gft_result_free(out);
        return fail(ctx, GFT_ERR_NOMEM, "out of memory for the result images");
    }
    if (n_cand > 1)
        gft_rerank_text(ctx->rr, prompt, cs.text_vec);

    /* the prefixes: conditional, and the negative prompt or the cached null prompt */
    run_prefix(ctx, prompt, &cond);
    const float *unc_k = NULL, *unc_v = NULL;
    if (guided) {
        if (negative) {
            if (!prefix_alloc(tf, &neg)) {
                prefix_free(&cond);
                prefix_free(&neg);
                choose_free(&cs);
                gft_result_free(out);
                return fail(ctx, GFT_ERR_NOMEM, "out of memory for the negative prompt");
            }
            run_prefix(ctx, negative, &neg);
            unc_k = neg.k;
            unc_v = neg.v;
        } else {
            gft_tf_null_prefix(tf, ctx->pool, &unc_k, &unc_v);
            if (!unc_k) {
                prefix_free(&cond);
                choose_free(&cs);
                gft_result_free(out);
                return fail(ctx, GFT_ERR_NOMEM, "out of memory for the null prompt");
            }
        }
    }

    ctx->gen_active = 1;
    ctx->gen_n_var = n_var;
    ctx->gen_n_cand = n_cand;
    memset(ctx->gen_filled, 0, sizeof ctx->gen_filled);
    memset(ctx->gen_kept, 0, sizeof ctx->gen_kept);
    /* one generator per sample: candidate c of variation v draws from the
     * stream (seed + v, GFT_PCG_SEQ + c), so candidate 0 is the one-sample image */
    gft_pcg32 rng[GFT_TF_MAX_ROWS];
    int32_t in_tok[GFT_TF_MAX_ROWS];
    gft_progress prog = {0, N * n_var * n_cand, 0, 0};
    st = GFT_OK;
    /* every decode row reads one of two prefixes, held once in the cache */
    gft_tf_load_prefix(tf, 0, cond.k, cond.v);
    if (guided)
        gft_tf_load_prefix(tf, 1, unc_k, unc_v);
    for (int v0 = 0; v0 < n_var && st == GFT_OK; v0 += per_batch) {
        const int nb = n_var - v0 < per_batch ? n_var - v0 : per_batch;
        const int ns = nb * n_cand; /* samples in this batch */
        int32_t *tokens = ctx->gen_tokens + (size_t)v0 * n_cand * N;
        for (int s = 0; s < ns; s++) {
            gft_pcg32_seed(&rng[s], p->seed + (uint64_t)(v0 + s / n_cand),
                           GFT_PCG_SEQ + (uint64_t)(s % n_cand));
            gft_tf_bind_row(tf, s * rpv, 0);
            if (guided)
                gft_tf_bind_row(tf, s * rpv + 1, 1);
        }
        for (int j = 0; j < N; j++) {
            if (cancelled(p)) {
                st = GFT_ERR_CANCELLED;
                break;
            }
            for (int s = 0; s < ns; s++) {
                int32_t t = j == 0 ? K : tokens[(size_t)s * N + j - 1];
                for (int r = 0; r < rpv; r++)
                    in_tok[s * rpv + r] = t;
            }
            gft_tf_step(tf, ctx->pool, ns * rpv, j, in_tok);
            const gft_sampling at_j = gft_sampling_at_token(&p->sampling, j, N);
            for (int s = 0; s < ns; s++) {
                const float *lc = tf->logits + (size_t)(s * rpv) * K;
                const float *lu = guided ? lc + K : NULL;
                tokens[(size_t)s * N + j] = gft_sample(lc, lu, &at_j, &ctx->sampler, &rng[s]);
            }
            for (int i = 0; i < nb; i++)
                ctx->gen_filled[v0 + i] = j + 1;
            if (p->progress) {
                prog.tokens_done = (v0 * N + nb * (j + 1)) * n_cand;
                prog.variation = v0 + nb - 1;
                prog.rows_done = (j + 1) / W;
                p->progress(p->user_data, &prog);
            }
        }
        if (st != GFT_OK)
            break;
        for (int v = v0; v < v0 + nb; v++) {
            gft_status ds = finish_variation(ctx, v, n_cand, upscale, &cs, out);
            if (ds != GFT_OK) {
                st = fail(ctx, ds, "out of memory in the image decoder");
                break;
            }
            out->complete[v] = 1;
            out->n_complete++;
            ctx->gen_kept[v] = out->chosen[v];
        }
    }
    prefix_free(&cond);
    prefix_free(&neg);
    choose_free(&cs);
    if (st == GFT_ERR_CANCELLED)
        return fail(ctx, st, "cancelled after %d of %d variations", out->n_complete, n_var);
    if (st != GFT_OK)
        gft_result_free(out);
    return st;
}

gft_status gft_context_preview(gft_context *ctx, int variation, uint8_t *rgba)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    if (!rgba)
        return fail(ctx, GFT_ERR_INVALID_ARG, "preview buffer is NULL");
    if (!ctx->gen_active)
        return fail(ctx, GFT_ERR_INVALID_ARG, "no generation to preview");
    if (variation < 0 || variation >= ctx->gen_n_var)
        return fail(ctx, GFT_ERR_INVALID_ARG, "preview variation %d is outside 0..%d", variation,
                    ctx->gen_n_var - 1);
    const gft_hparams *hp = &ctx->model->hp;
    int filled = ctx->gen_filled[variation];
    if (filled == 0) {
        memset(rgba, 0, (size_t)hp->image_width * hp->image_height * 4);
        return GFT_OK;
    }
    if (!ensure_pool(ctx, ctx->pool_threads))
        return fail(ctx, GFT_ERR_NOMEM, "could not start worker threads");
    size_t N = (size_t)hp->grid_w * hp->grid_h;
    const int32_t *tokens =
        ctx->gen_tokens + ((size_t)variation * ctx->gen_n_cand + ctx->gen_kept[variation]) * N;
    gft_status st = gft_vqdec_run(ctx->dec, ctx->pool, tokens, filled, NULL, rgba);
    if (st != GFT_OK)
        return fail(ctx, st, "out of memory in the image decoder");
    return GFT_OK;
}

gft_status gft_eval_logits(gft_context *ctx, const char *prompt, const int32_t *image_tokens,
                           int n_image, float *logits)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    gft_tf *tf = &ctx->tf;
    if (!prompt)
        return fail(ctx, GFT_ERR_INVALID_ARG, "the prompt is NULL");
    if (!logits)
        return fail(ctx, GFT_ERR_INVALID_ARG, "logits buffer is NULL");
    if (n_image < 0 || n_image > tf->N - 1)
        return fail(ctx, GFT_ERR_INVALID_ARG, "n_image %d is outside 0..%d", n_image, tf->N - 1);
    if (n_image > 0 && !image_tokens)
        return fail(ctx, GFT_ERR_INVALID_ARG, "image tokens are NULL");
    for (int i = 0; i < n_image; i++)
        if (image_tokens[i] < 0 || image_tokens[i] >= tf->K)
            return fail(ctx, GFT_ERR_INVALID_ARG, "image token %d at %d is outside 0..%d",
                        image_tokens[i], i, tf->K - 1);
    if (!ensure_pool(ctx, ctx->pool_threads))
        return fail(ctx, GFT_ERR_NOMEM, "could not start worker threads");
    prefix_kv pk = {0};
    if (!gft_tf_reserve(tf, 1) || !prefix_alloc(tf, &pk)) {
        prefix_free(&pk);
        return fail(ctx, GFT_ERR_NOMEM, "out of memory");
    }
    run_prefix(ctx, prompt, &pk);
    gft_tf_load_prefix(tf, 0, pk.k, pk.v);
    gft_tf_bind_row(tf, 0, 0);
    prefix_free(&pk);
    for (int j = 0; j <= n_image; j++) {
        int32_t in = j == 0 ? tf->K : image_tokens[j - 1];
        gft_tf_step(tf, ctx->pool, 1, j, &in);
        memcpy(logits + (size_t)j * tf->K, tf->logits, (size_t)tf->K * sizeof *logits);
    }
    return GFT_OK;
}

gft_status gft_decode_tokens(gft_context *ctx, const int32_t *tokens, float *premul, uint8_t *rgba)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    if (!tokens)
        return fail(ctx, GFT_ERR_INVALID_ARG, "tokens are NULL");
    const gft_tf *tf = &ctx->tf;
    for (int i = 0; i < tf->N; i++)
        if (tokens[i] < 0 || tokens[i] >= tf->K)
            return fail(ctx, GFT_ERR_INVALID_ARG, "token %d at %d is outside 0..%d", tokens[i], i,
                        tf->K - 1);
    if (!ensure_pool(ctx, ctx->pool_threads))
        return fail(ctx, GFT_ERR_NOMEM, "could not start worker threads");
    gft_status st = gft_vqdec_run(ctx->dec, ctx->pool, tokens, tf->N, premul, rgba);
    if (st != GFT_OK)
        return fail(ctx, st, "out of memory in the image decoder");
    return GFT_OK;
}

gft_status gft_upscale_image(gft_context *ctx, const float *premul, uint8_t *rgba)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    if (!ctx->up)
        return fail(ctx, GFT_ERR_INVALID_ARG, "this model has no upscaler");
    if (!premul || !rgba)
        return fail(ctx, GFT_ERR_INVALID_ARG, "image or output is NULL");
    if (!ensure_pool(ctx, ctx->pool_threads))
        return fail(ctx, GFT_ERR_NOMEM, "could not start worker threads");
    if (gft_upscaler_run(ctx->up, ctx->pool, premul, rgba) != GFT_OK)
        return fail(ctx, GFT_ERR_NOMEM, "out of memory in the upscaler");
    return GFT_OK;
}

gft_status gft_rerank_scores(gft_context *ctx, const char *prompt, const float *premul,
                             int n_images, float *scores)
{
    if (!ctx)
        return GFT_ERR_INVALID_ARG;
    if (!ctx->rr)
        return fail(ctx, GFT_ERR_INVALID_ARG, "this model has no reranker");
    if (!prompt || !premul || !scores)
        return fail(ctx, GFT_ERR_INVALID_ARG, "prompt, images or scores are NULL");
    if (n_images < 0)
        return fail(ctx, GFT_ERR_INVALID_ARG, "n_images %d is negative", n_images);
    float *text_vec = malloc(ctx->model->hp.rr.dim * sizeof(float));
    if (!text_vec)
        return fail(ctx, GFT_ERR_NOMEM, "out of memory");
    const gft_hparams *hp = &ctx->model->hp;
    size_t floats = (size_t)hp->image_width * hp->image_height * 4;
    gft_rerank_text(ctx->rr, prompt, text_vec);
    for (int i = 0; i < n_images; i++)
        scores[i] = gft_rerank_score(ctx->rr, premul + (size_t)i * floats, text_vec);
    free(text_vec);
    return GFT_OK;
}
