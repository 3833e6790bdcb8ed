/* gft bench: the measurements (FLOP counts, sgemm reference, statistics).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench_measure.h"

#include "cli.h"

#include <cblas.h>
#include <stdlib.h>
#include <sys/resource.h>

double cli_transformer_flops(const gft_model_info *i, int prefix_rows, int image_rows)
{
    double d = i->n_embd, ff = i->n_ff, layers = i->n_layer;
    double t = i->text_ctx, n = (double)i->grid_w * i->grid_h, k = i->codebook_size;
    double matrix_flops = 2.0 * layers * (4.0 * d * d + 2.0 * d * ff); /* per position */
    /* query-key pairs cost q.k and p*v: 4*d each. The prefix sees itself
     * whole; image position j sees the prefix and image positions 0..j. */
    double prefix = t * matrix_flops + layers * 4.0 * d * (t * t);
    double image = n * matrix_flops + 2.0 * k * d * n /* output head */ +
                   layers * 4.0 * d * (n * t + n * (n + 1.0) / 2.0);
    return prefix_rows * prefix + image_rows * image;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_median(double *values, int n)
{
    if (n <= 0)
        return 0.0;
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

static int blas_default_threads; /* BLAS's own count at start (0: unknown) */

void cli_blas_release(void)
{
#ifdef OPENBLAS_VERSION
    blas_default_threads = openblas_get_num_threads();
#endif
    gft_blas_release_threads();
}

static double sgemm_gflops(int runs)
{
    enum { N = 1024 };
    float *a = malloc(sizeof(float) * N * N);
    float *b = malloc(sizeof(float) * N * N);
    float *c = malloc(sizeof(float) * N * N);
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return -1.0;
    }
    for (int x = 0; x < N * N; x++) {
        a[x] = (float)((x * 7 + 3) % 97) / 97.0f - 0.5f;
        b[x] = (float)((x * 13 + 5) % 89) / 89.0f - 0.5f;
    }
    if (runs < 1)
        runs = 1;
    double *ms = malloc(sizeof(double) * (size_t)runs);
    if (!ms) {
        free(a);
        free(b);
        free(c);
        return -1.0;
    }
    for (int r = -1; r < runs; r++) { /* r = -1: warm-up */
        double t0 = cli_now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c,
                    N);
        if (r >= 0)
            ms[r] = cli_now_ms() - t0;
    }
    double median_ms = cli_median(ms, runs);
    free(ms);
    free(a);
    free(b);
    free(c);
    return 2.0 * N * N * (double)N / (median_ms * 1e6);
}

double cli_sgemm_gflops(int runs, int threads, int *used)
{
    *used = threads > 0 ? threads : blas_default_threads;
#ifdef OPENBLAS_VERSION
    if (*used > 0)
        openblas_set_num_threads(*used);
#endif
    double gflops = sgemm_gflops(runs);
    gft_blas_release_threads(); /* as at start: the threads would spin on */
    return gflops;
}

uint64_t cli_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}
