/* The engine's use of OpenBLAS threads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_BLAS_THREADS_H
#define GFT_BLAS_THREADS_H

/* The engine calls single-threaded OpenBLAS products from its own workers.
 * OpenBLAS's own threads would spin for a while after every product and take
 * the cores from the transformer and the pool. As ggml's BLAS backend does,
 * the count is set for our use only: gft_blas_single_begin() returns the
 * host's count and gft_blas_single_end() gives it back. Neither touches the
 * count when it is already 1. */
int gft_blas_single_begin(void);
void gft_blas_single_end(int host_threads);

#endif
