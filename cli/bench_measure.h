/* gft bench: the measurements (FLOP counts, sgemm reference, statistics).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CLI_BENCH_MEASURE_H
#define GFT_CLI_BENCH_MEASURE_H

#include "gft.h"

#include <stdint.h>

/* Floating-point operations of the transformer: `prefix_rows` text
 * prefixes and `image_rows` rows of image positions (matrix products count 2
 * FLOPs per weight, attention 4 * n_embd per query-key pair, the output head
 * only at image positions; embedding lookups are free). Guided generation of
 * n variations needs 2 distinct prefixes (prompt, null/negative prompt) and
 * 2n image rows; counting each prefix once gives the least work possible. */
double cli_transformer_flops(const gft_model_info *info, int prefix_rows, int image_rows);

/* Called once at start: notes BLAS's own thread count (OPENBLAS_NUM_THREADS
 * or the CPUs), then stops OpenBLAS's idle threads (gft_blas_release_threads):
 * gft uses none of them outside the sgemm reference. */
void cli_blas_release(void);

/* OpenBLAS single-precision 1024 x 1024 x 1024 matrix product, median of
 * `runs` after one warm-up, in GFLOP/s, on `threads` BLAS threads (0: the
 * count noted by cli_blas_release). The threads are stopped again after.
 * *used gets the count. Returns a negative value when memory runs out. */
double cli_sgemm_gflops(int runs, int threads, int *used);

/* Median of n values (sorts them in place). */
double cli_median(double *values, int n);

/* The process's peak resident set size in bytes. */
uint64_t cli_peak_rss_bytes(void);

#endif /* GFT_CLI_BENCH_MEASURE_H */
