/* gft bench: generation speed on this machine, in one run.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench_measure.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_help(FILE *out)
{
    fputs("Usage: gft bench [-m MODEL] [--threads N] [--runs R] [--json]\n"
          "\n"
          "Measures, in one run: the model load time (median of R loads, and the\n"
          "slowest); one guided image and four guided variations in one batch\n"
          "(median of R runs, default 3, after one warm-up); image tokens per\n"
          "second; the VQ decoder alone; the transformer's effective GFLOP/s;\n"
          "OpenBLAS sgemm 1024^3 GFLOP/s as the machine's reference; the peak\n"
          "resident memory against the model file size. With\n"
          "a reranker in the model: one guided image as best of K (the model's\n"
          "default K, or 4), the reranker alone per image, and the peak memory after.\n"
          "With an upscaler in the model: the upscaler alone per image.\n"
          "The other figures use one sample per image at the decoder's size.\n"
          "--json prints one JSON object instead of the table.\n",
          out);
}

typedef struct {
    const char *model_path;
    int threads, runs, json;
} bench_options;

typedef struct {
    char path[4096];
    gft_model_info info;
    int threads, blas_threads, runs;
    float guidance;
    double load_ms, load_max_ms; /* median and slowest of `runs` loads */
    double one_ms, four_ms, vq_ms, sgemm_gflops;
    double flops_2_rows, flops_8_rows;
    uint64_t peak_rss;
    int best_of_k;                /* 0: the model has no reranker */
    double best_of_ms, rerank_ms; /* one image as best of K; the reranker per image */
    uint64_t peak_rss_best_of;
    double upscale_ms; /* the 2x upscaler per image; 0: the model has none */
} bench_report;

static int parse_options(int argc, char **argv, bench_options *o)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'}, {"threads", required_argument, NULL, 't'},
        {"runs", required_argument, NULL, 'r'},  {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->runs = 3;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":m:t:r:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o->model_path = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'h':
            print_help(stdout);
            return 1;
        case 't':
            if (cli_parse_int("--threads", optarg, 0, 256, &o->threads) != 0)
                return -1;
            break;
        case 'r':
            if (cli_parse_int("--runs", optarg, 1, 100, &o->runs) != 0)
                return -1;
            break;
        case ':':
            cli_error("%s needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_error("unknown option '%s' (try 'gft bench --help')", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return 0;
}

/* Median wall time of `runs` generations of n_variations in one batch. */
static int time_generation(gft_context *ctx, const gft_generate_params *base, int n_variations,
                           int runs, double *median_ms)
{
    double ms[100];
    gft_generate_params p = *base;
    p.n_variations = n_variations;
    p.max_batch = 0;
    for (int r = 0; r < runs; r++) {
        gft_result result;
        double t0 = cli_now_ms();
        gft_status st = gft_generate(ctx, &p, &result);
        ms[r] = cli_now_ms() - t0;
        if (st != GFT_OK) {
            cli_error("generation failed: %s: %s", gft_status_string(st),
                      gft_context_last_error(ctx));
            if (st == GFT_ERR_CANCELLED)
                gft_result_free(&result);
            return -1;
        }
        gft_result_free(&result);
    }
    *median_ms = cli_median(ms, runs);
    return 0;
}

/* Median time of the VQ decoder alone on a fixed, spread-out token grid. The
 * warm-up run also writes that grid's premultiplied image into premul (for
 * the reranker's timing). */
static int time_vq_decoder(gft_context *ctx, const gft_model_info *info, int runs,
                           double *median_ms, float *premul)
{
    size_t n_tokens = (size_t)info->grid_w * info->grid_h;
    int32_t *tokens = malloc(sizeof(int32_t) * n_tokens);
    uint8_t *rgba = malloc((size_t)info->image_width * info->image_height * 4);
    double ms[100];
    int rc = 0;
    if (!tokens || !rgba) {
        cli_error("out of memory");
        rc = -1;
    }
    for (size_t j = 0; rc == 0 && j < n_tokens; j++)
        tokens[j] = (int32_t)((j * 7919u + 13u) % info->codebook_size);
    for (int r = -1; rc == 0 && r < runs; r++) { /* r = -1: warm-up */
        double t0 = cli_now_ms();
        gft_status st = gft_decode_tokens(ctx, tokens, r < 0 ? premul : NULL, rgba);
        double t = cli_now_ms() - t0;
        if (st != GFT_OK) {
            cli_error("VQ decoder failed: %s: %s", gft_status_string(st),
                      gft_context_last_error(ctx));
            rc = -1;
        } else if (r >= 0) {
            ms[r] = t;
        }
    }
    if (rc == 0)
        *median_ms = cli_median(ms, runs);
    free(tokens);
    free(rgba);
    return rc;
}

/* Median time of the reranker alone on one decoded image. */
static int time_reranker(gft_context *ctx, const float *premul, int runs, double *median_ms)
{
    double ms[100];
    for (int r = -1; r < runs; r++) { /* r = -1: warm-up */
        float score;
        double t0 = cli_now_ms();
        if (gft_rerank_scores(ctx, "a red heart", premul, 1, &score) != GFT_OK) {
            cli_error("reranker failed: %s", gft_context_last_error(ctx));
            return -1;
        }
        if (r >= 0)
            ms[r] = cli_now_ms() - t0;
    }
    *median_ms = cli_median(ms, runs);
    return 0;
}

/* Median time of the 2x upscaler alone on one decoded image. */
static int time_upscaler(gft_context *ctx, const gft_model_info *info, const float *premul,
                         int runs, double *median_ms)
{
    double ms[100];
    uint8_t *rgba = malloc((size_t)info->output_width * info->output_height * 4);
    if (!rgba) {
        cli_error("out of memory");
        return -1;
    }
    int rc = 0;
    for (int r = -1; r < runs && rc == 0; r++) { /* r = -1: warm-up */
        double t0 = cli_now_ms();
        if (gft_upscale_image(ctx, premul, rgba) != GFT_OK) {
            cli_error("upscaler failed: %s", gft_context_last_error(ctx));
            rc = -1;
        } else if (r >= 0) {
            ms[r] = cli_now_ms() - t0;
        }
    }
    if (rc == 0)
        *median_ms = cli_median(ms, runs);
    free(rgba);
    return rc;
}

static int measure(const bench_options *o, gft_model *model, bench_report *b)
{
    gft_model_get_info(model, &b->info);
    b->runs = o->runs;
    b->threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    b->flops_2_rows = cli_transformer_flops(&b->info, 2, 2);
    b->flops_8_rows = cli_transformer_flops(&b->info, 2, 8);

    gft_generate_params p;
    gft_generate_params_init(&p, model);
    /* "guided": two rows per image; keep the model's scale unless it is off */
    if (p.sampling.guidance == 1.0f)
        p.sampling.guidance = 3.0f;
    b->guidance = p.sampling.guidance;
    p.prompt = "a red heart";
    p.seed = 1;
    p.n_threads = o->threads;
    p.n_candidates = 1; /* the engine's own speed; best of K is measured after */
    p.upscale = 0;      /* so is the upscaler, alone */

    char err[GFT_ERROR_SIZE] = "";
    gft_context *ctx = gft_context_new(model, err, sizeof err);
    if (!ctx) {
        cli_error("cannot create a generation context: %s", err);
        return -1;
    }
    double warm_ms;
    int rc = time_generation(ctx, &p, 1, 1, &warm_ms);
    if (rc == 0)
        rc = time_generation(ctx, &p, 1, o->runs, &b->one_ms);
    if (rc == 0)
        rc = time_generation(ctx, &p, 4, o->runs, &b->four_ms);
    float *premul = malloc(sizeof(float) * b->info.image_width * b->info.image_height * 4);
    if (rc == 0 && !premul) {
        cli_error("out of memory");
        rc = -1;
    }
    if (rc == 0)
        rc = time_vq_decoder(ctx, &b->info, o->runs < 3 ? 3 : o->runs, &b->vq_ms, premul);
    b->peak_rss = cli_peak_rss_bytes(); /* before best of K and the sgemm buffers */
    if (rc == 0 && b->info.has_reranker) {
        b->best_of_k = b->info.default_candidates > 1 ? b->info.default_candidates : 4;
        p.n_candidates = b->best_of_k;
        rc = time_generation(ctx, &p, 1, o->runs, &b->best_of_ms);
        if (rc == 0)
            rc = time_reranker(ctx, premul, o->runs < 3 ? 3 : o->runs, &b->rerank_ms);
        b->peak_rss_best_of = cli_peak_rss_bytes();
    }
    if (rc == 0 && b->info.has_upscaler)
        rc = time_upscaler(ctx, &b->info, premul, o->runs < 3 ? 3 : o->runs, &b->upscale_ms);
    free(premul);
    gft_context_free(ctx);
    if (rc == 0) {
        b->sgemm_gflops = cli_sgemm_gflops(5, o->threads, &b->blas_threads);
        if (b->sgemm_gflops < 0) {
            cli_error("out of memory for the sgemm reference");
            rc = -1;
        }
    }
    return rc;
}

/* Derived figures: transformer time = generation minus the VQ decoder. */
typedef struct {
    double tokens_per_s_1, tokens_per_s_4, gflops_2_rows, gflops_8_rows, ratio_4_to_1,
        pct_sgemm_8_rows, rss_over_file;
} bench_derived;

static bench_derived derive(const bench_report *b)
{
    bench_derived d;
    double n_tokens = (double)b->info.grid_w * b->info.grid_h;
    double loop1 = b->one_ms - b->vq_ms, loop4 = b->four_ms - 4.0 * b->vq_ms;
    if (loop1 <= 0)
        loop1 = b->one_ms;
    if (loop4 <= 0)
        loop4 = b->four_ms;
    d.tokens_per_s_1 = n_tokens / (b->one_ms / 1e3);
    d.tokens_per_s_4 = 4.0 * n_tokens / (b->four_ms / 1e3);
    d.gflops_2_rows = b->flops_2_rows / (loop1 * 1e6);
    d.gflops_8_rows = b->flops_8_rows / (loop4 * 1e6);
    d.ratio_4_to_1 = b->four_ms / b->one_ms;
    d.pct_sgemm_8_rows = 100.0 * d.gflops_8_rows / b->sgemm_gflops;
    d.rss_over_file = (double)b->peak_rss / (double)b->info.file_size;
    return d;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const bench_report *b, const bench_derived *d)
{
    printf("{\"model\": ");
    print_json_string(b->path);
    printf(", \"model_name\": ");
    print_json_string(b->info.name);
    printf(", \"weight_type\": ");
    print_json_string(b->info.weight_type);
    printf(", \"int8_activations\": %s, \"int8_isa\": ", b->info.int8_kernel ? "true" : "false");
    print_json_string(b->info.int8_isa);
    printf(", \"file_size\": %llu, \"n_params\": %llu", (unsigned long long)b->info.file_size,
           (unsigned long long)b->info.n_params);
    printf(", \"threads\": %d, \"blas_threads\": %d, \"runs\": %d, \"guidance\": %g", b->threads,
           b->blas_threads, b->runs, (double)b->guidance);
    printf(", \"image_tokens\": %u", b->info.grid_w * b->info.grid_h);
    printf(", \"load_ms\": %.4f, \"load_max_ms\": %.4f", b->load_ms, b->load_max_ms);
    printf(", \"one_image_ms\": %.4f, \"four_variations_ms\": %.4f", b->one_ms, b->four_ms);
    printf(", \"ratio_four_to_one\": %.4f", d->ratio_4_to_1);
    printf(", \"tokens_per_s_one\": %.2f, \"tokens_per_s_four\": %.2f", d->tokens_per_s_1,
           d->tokens_per_s_4);
    printf(", \"vq_decoder_ms\": %.4f", b->vq_ms);
    printf(", \"transformer_gflop_one\": %.6f, \"transformer_gflop_four\": %.6f",
           b->flops_2_rows / 1e9, b->flops_8_rows / 1e9);
    printf(", \"decode_gflops_2_rows\": %.4f, \"decode_gflops_8_rows\": %.4f", d->gflops_2_rows,
           d->gflops_8_rows);
    printf(", \"sgemm_1024_gflops\": %.4f, \"decode_pct_of_sgemm_8_rows\": %.2f", b->sgemm_gflops,
           d->pct_sgemm_8_rows);
    printf(", \"peak_rss_bytes\": %llu, \"peak_rss_over_file_size\": %.4f",
           (unsigned long long)b->peak_rss, d->rss_over_file);
    if (b->best_of_k)
        printf(", \"best_of_k\": %d, \"best_of_k_ms\": %.4f, \"best_of_k_over_one\": %.4f"
               ", \"reranker_ms\": %.4f, \"peak_rss_best_of_k_bytes\": %llu",
               b->best_of_k, b->best_of_ms, b->best_of_ms / b->one_ms, b->rerank_ms,
               (unsigned long long)b->peak_rss_best_of);
    if (b->info.has_upscaler)
        printf(", \"upscaler_ms\": %.4f, \"upscaled_width\": %u", b->upscale_ms,
               b->info.output_width);
    printf("}\n");
}

static void print_table(const bench_report *b, const bench_derived *d)
{
    char file[32], rss[32];
    unsigned n_tokens = b->info.grid_w * b->info.grid_h;
    printf("model              %s (%s, %s, %.2f M parameters)\n", b->path,
           cli_format_bytes(b->info.file_size, file, sizeof file), b->info.weight_type,
           (double)b->info.n_params / 1e6);
    if (b->info.int8_kernel)
        printf("matrix products    int8 activations (%s)\n", b->info.int8_isa);
    else
        printf("matrix products    F32 activations\n");
    printf("threads            %d (BLAS %d), median of %d runs, guidance %g, %u tokens/image\n",
           b->threads, b->blas_threads, b->runs, (double)b->guidance, n_tokens);
    printf("model load         %10.2f ms   (slowest of %d: %.2f ms)\n", b->load_ms, b->runs,
           b->load_max_ms);
    printf("1 guided image     %10.2f ms   %8.1f tokens/s   %7.2f GFLOP/s (2 rows)\n", b->one_ms,
           d->tokens_per_s_1, d->gflops_2_rows);
    printf("4 guided variations%10.2f ms   %8.1f tokens/s   %7.2f GFLOP/s (8 rows)\n", b->four_ms,
           d->tokens_per_s_4, d->gflops_8_rows);
    printf("4 variations / 1   %10.2f x\n", d->ratio_4_to_1);
    printf("VQ decoder         %10.2f ms per image\n", b->vq_ms);
    printf("sgemm 1024^3       %10.2f GFLOP/s (OpenBLAS)\n", b->sgemm_gflops);
    printf("decode loop        %10.1f %% of sgemm at 8 rows\n", d->pct_sgemm_8_rows);
    printf("peak RSS           %10s   %.2f x the model file\n",
           cli_format_bytes(b->peak_rss, rss, sizeof rss), d->rss_over_file);
    if (b->best_of_k) {
        printf("best of %d, 1 image %8.2f ms   %.2f x one sample\n", b->best_of_k, b->best_of_ms,
               b->best_of_ms / b->one_ms);
        printf("reranker           %10.2f ms per image\n", b->rerank_ms);
        printf("peak RSS, best of %d%10s\n", b->best_of_k,
               cli_format_bytes(b->peak_rss_best_of, rss, sizeof rss));
    }
    if (b->info.has_upscaler)
        printf("upscaler           %10.2f ms per image (%u -> %u px)\n", b->upscale_ms,
               b->info.image_width, b->info.output_width);
}

/* The load time is the median of `runs` loads, as for the other figures:
 * now and then one load (most often the first after the machine idled)
 * takes several times the usual, so the slowest is reported beside it. The first load is
 * the one measured with; the others come after every other figure (and its
 * peak RSS) was taken, one at a time, each freed at once. */
static int time_more_loads(const bench_options *o, bench_report *b, double first_ms)
{
    double ms[100];
    char found[sizeof b->path];
    ms[0] = first_ms;
    memcpy(found, b->path, sizeof found); /* the file the search found */
    for (int r = 1; r < o->runs; r++) {
        gft_model *again = cli_load_model(found, b->path, sizeof b->path, &ms[r]);
        if (!again)
            return 1;
        gft_model_free(again);
    }
    b->load_max_ms = ms[0];
    for (int r = 1; r < o->runs; r++)
        b->load_max_ms = ms[r] > b->load_max_ms ? ms[r] : b->load_max_ms;
    b->load_ms = cli_median(ms, o->runs);
    return 0;
}

int cli_cmd_bench(int argc, char **argv)
{
    bench_options o;
    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    bench_report b;
    memset(&b, 0, sizeof b);
    double first_load_ms = 0.0;
    gft_model *model = cli_load_model(o.model_path, b.path, sizeof b.path, &first_load_ms);
    if (!model)
        return CLI_EXIT_FAILURE;
    int rc = measure(&o, model, &b);
    if (rc == 0)
        rc = time_more_loads(&o, &b, first_load_ms);
    if (rc == 0) {
        bench_derived d = derive(&b);
        if (o.json) /* b.info's strings live in the model: print before freeing it */
            print_json(&b, &d);
        else
            print_table(&b, &d);
    }
    gft_model_free(model);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
