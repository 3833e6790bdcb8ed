/* A small pthread pool owned by one context: parallel-for over index ranges.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The range [0, n) is always cut into the same pieces for a given n, grain
 * and thread count (a static partition); threads claim whole pieces. Callers
 * compute every output whole inside one piece with code that does not depend
 * on the piece bounds, so results never depend on timing or thread count. */
#ifndef GFT_THREADPOOL_H
#define GFT_THREADPOOL_H

#include <stdint.h>

typedef struct gft_pool gft_pool;

/* Runs fn on [begin, end); piece is the piece's index (which thread runs a
 * piece is not fixed: idle threads take pieces of a descheduled one). */
typedef void (*gft_range_fn)(void *arg, int64_t begin, int64_t end, int piece);

/* n_threads >= 1 (1 = no worker threads). Returns NULL on failure. */
gft_pool *gft_pool_new(int n_threads);
void gft_pool_free(gft_pool *pool);
int gft_pool_threads(const gft_pool *pool);

/* Calls fn over [0, n) split into at most 4 * n_threads pieces whose bounds
 * are multiples of grain (except the end); returns when all are done. */
void gft_pool_for(gft_pool *pool, int64_t n, int64_t grain, gft_range_fn fn, void *arg);

#endif
