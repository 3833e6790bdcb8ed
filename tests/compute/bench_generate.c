/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Timing harness (not a test): loads a model file and times gft_generate.
 * Usage: bench_generate MODEL [variations] [guidance] [threads] [max_batch] [seed]
 * Prints seconds per run, the transformer GFLOP/s and the peak RSS. */
#include "gft.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [variations] [guidance] [threads] [max_batch] [seed]\n",
                argv[0]);
        return 2;
    }
    char err[GFT_ERROR_SIZE];
    gft_model *m;
    if (gft_model_load(argv[1], &m, err, sizeof err) != GFT_OK) {
        fprintf(stderr, "load: %s\n", err);
        return 1;
    }
    gft_model_info info;
    gft_model_get_info(m, &info);
    gft_context *ctx = gft_context_new(m, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "context: %s\n", err);
        return 1;
    }
    gft_generate_params p;
    gft_generate_params_init(&p, m);
    p.prompt = "a red heart";
    p.n_variations = argc > 2 ? atoi(argv[2]) : 1;
    p.sampling.guidance = argc > 3 ? (float)atof(argv[3]) : p.sampling.guidance;
    p.n_threads = argc > 4 ? atoi(argv[4]) : 0;
    p.max_batch = argc > 5 ? atoi(argv[5]) : 0;
    p.seed = argc > 6 ? strtoull(argv[6], NULL, 10) : 1;
    gft_result r;
    double best = 1e9;
    unsigned long long hash = 1469598103934665603ULL;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        gft_status st = gft_generate(ctx, &p, &r);
        double t = now() - t0;
        if (st != GFT_OK) {
            fprintf(stderr, "generate: %s\n", gft_context_last_error(ctx));
            return 1;
        }
        if (t < best)
            best = t;
        if (rep == 0) {
            size_t n = (size_t)r.n_variations * r.width * r.height * 4;
            for (size_t i = 0; i < n; i++)
                hash = (hash ^ r.pixels[i]) * 1099511628211ULL;
        }
        gft_result_free(&r);
    }
    /* the VQ decoder alone, on the last variation's tokens */
    int32_t *codes = calloc((size_t)info.grid_w * info.grid_h, sizeof *codes);
    uint8_t *rgba = malloc((size_t)info.image_width * info.image_height * 4);
    double dec_best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        gft_decode_tokens(ctx, codes, NULL, rgba);
        double t = now() - t0;
        if (t < dec_best)
            dec_best = t;
    }
    free(codes);
    free(rgba);
    int rows = p.n_variations * (p.sampling.guidance != 1.0f ? 2 : 1);
    double per_tok = 2.0 * ((double)info.n_layer *
                                (4.0 * info.n_embd * info.n_embd + 2.0 * info.n_embd * info.n_ff) +
                            (double)info.n_embd * info.codebook_size);
    double gflop = per_tok * rows * info.grid_w * info.grid_h * 1e-9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s: %d variations, guidance %g (%d rows), %d threads: best %.3f s, %.1f GFLOP/s "
           "(matrices), decoder %.3f s/image, peak RSS %.1f MB, file %.1f MB, pixels fnv %016llx\n",
           info.weight_type, p.n_variations, (double)p.sampling.guidance, rows, p.n_threads, best,
           gflop / best, dec_best, ru.ru_maxrss / 1024.0, info.file_size / 1048576.0, hash);
    gft_context_free(ctx);
    gft_model_free(m);
    return 0;
}
