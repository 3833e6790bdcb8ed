/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Timing harness (not a test): GFLOP/s of gft_matmul at R = 1, 2, 8 rows for
 * F32 and Q8_0 weights of the bench model's shapes, against cblas_sgemm with
 * the same M = R. Usage: bench_kernels [threads] [d] [n_ff] */
#include "kernels.h"
#include "test_model.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int d = argc > 2 ? atoi(argv[2]) : 384, ff = argc > 3 ? atoi(argv[3]) : 1536;
    int n_layer = 10;
    uint64_t rng = 1;
    gft_pool *pool = gft_pool_new(threads);
    /* one layer's matrices x n_layer copies, so the weights do not all sit in L2 */
    gft_tensor *wq = calloc(n_layer * 2, sizeof *wq), *wf = calloc(n_layer * 2, sizeof *wf);
    for (int l = 0; l < n_layer; l++) {
        tm_tensor(&wq[2 * l], GFT_TYPE_Q8_0, d, ff, 1, 1, 0.1f, &rng);
        tm_tensor(&wq[2 * l + 1], GFT_TYPE_Q8_0, ff, d, 1, 1, 0.1f, &rng);
        tm_tensor(&wf[2 * l], GFT_TYPE_F32, d, ff, 1, 1, 0.1f, &rng);
        tm_tensor(&wf[2 * l + 1], GFT_TYPE_F32, ff, d, 1, 1, 0.1f, &rng);
    }
    float *x = malloc(sizeof(float) * 32 * ff), *y = malloc(sizeof(float) * 32 * ff);
    for (int i = 0; i < 32 * ff; i++)
        x[i] = (float)tm_gauss(&rng);
    int Rs[] = {1, 2, 8, 16};
    printf("threads %d, d %d, n_ff %d, %d layers (up + down per layer)\n", threads, d, ff, n_layer);
    printf("%4s %12s %12s %12s\n", "R", "Q8_0 GF/s", "F32 GF/s", "sgemm GF/s");
    for (int ri = 0; ri < 4; ri++) {
        int R = Rs[ri];
        double flops = 2.0 * R * d * ff * 2 * n_layer, gf[3];
        for (int kind = 0; kind < 3; kind++) {
            int reps = 0;
            double t0 = now(), t;
            do {
                for (int l = 0; l < n_layer; l++) {
                    if (kind < 2) {
                        gft_tensor *w = kind == 0 ? wq : wf;
                        gft_matmul_out a = {&w[2 * l], y, ff, GFT_EPI_STORE};
                        gft_matmul(pool, NULL, x, d, R, &a, 1);
                        gft_matmul_out b = {&w[2 * l + 1], y, d, GFT_EPI_STORE};
                        gft_matmul(pool, NULL, x, ff, R, &b, 1);
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, ff, d, 1.0f, x, d,
                                    wf[2 * l].data, d, 0.0f, y, ff);
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, d, ff, 1.0f, x, ff,
                                    wf[2 * l + 1].data, ff, 0.0f, y, d);
                    }
                }
                reps++;
                t = now() - t0;
            } while (t < 0.5);
            gf[kind] = flops * reps / t * 1e-9;
        }
        printf("%4d %12.1f %12.1f %12.1f\n", R, gf[0], gf[1], gf[2]);
    }
    gft_pool_free(pool);
    return 0;
}
