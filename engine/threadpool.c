/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* Workers spin this many rounds for the next job before sleeping: decode steps
 * issue dozens of short jobs back to back, and a condvar wake-up per job would
 * cost more than the work. Kept short so idle workers do not steal the CPU
 * from OpenBLAS or other processes. */
#define SPIN_ROUNDS 20000

struct gft_pool {
    int n_threads;
    pthread_t *threads;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_uint generation; /* bumped once per job */
    atomic_int pending;     /* workers still running the current job */
    atomic_int quit;
    /* the current job */
    gft_range_fn fn;
    void *arg;
    int64_t n, grain;
};

typedef struct {
    gft_pool *pool;
    int index;
} worker_start;

static void piece(const gft_pool *p, int part, int64_t *begin, int64_t *end)
{
    int64_t blocks = (p->n + p->grain - 1) / p->grain;
    int64_t b0 = blocks * part / p->n_threads;
    int64_t b1 = blocks * (part + 1) / p->n_threads;
    *begin = b0 * p->grain;
    *end = b1 * p->grain < p->n ? b1 * p->grain : p->n;
}

static void run_piece(gft_pool *p, int part)
{
    int64_t b, e;
    piece(p, part, &b, &e);
    if (b < e)
        p->fn(p->arg, b, e, part);
}

static void *worker_main(void *opaque)
{
    worker_start *ws = opaque;
    gft_pool *p = ws->pool;
    int index = ws->index;
    free(ws);
    /* Generation 0 is the pool's start: a job published before this thread
     * got here must still be run (reading generation here could skip it). */
    unsigned seen = 0;
    for (;;) {
        unsigned gen = seen;
        for (int i = 0; i < SPIN_ROUNDS; i++) {
            gen = atomic_load_explicit(&p->generation, memory_order_acquire);
            if (gen != seen || atomic_load(&p->quit))
                break;
            cpu_relax();
        }
        if (gen == seen && !atomic_load(&p->quit)) {
            pthread_mutex_lock(&p->mutex);
            while ((gen = atomic_load(&p->generation)) == seen && !atomic_load(&p->quit))
                pthread_cond_wait(&p->wake, &p->mutex);
            pthread_mutex_unlock(&p->mutex);
        }
        if (atomic_load(&p->quit))
            return NULL;
        seen = gen;
        run_piece(p, index);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

gft_pool *gft_pool_new(int n_threads)
{
    if (n_threads < 1)
        n_threads = 1;
    gft_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n_threads = 1;
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads, sizeof *p->threads);
        if (!p->threads) {
            gft_pool_free(p);
            return NULL;
        }
        for (int i = 1; i < n_threads; i++) {
            worker_start *ws = malloc(sizeof *ws);
            if (!ws)
                break;
            ws->pool = p;
            ws->index = i;
            if (pthread_create(&p->threads[i], NULL, worker_main, ws) != 0) {
                free(ws);
                break;
            }
            p->n_threads = i + 1;
        }
        if (p->n_threads != n_threads) {
            gft_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void gft_pool_free(gft_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mutex);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    for (int i = 1; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p);
}

int gft_pool_threads(const gft_pool *p)
{
    return p->n_threads;
}

void gft_pool_for(gft_pool *p, int64_t n, int64_t grain, gft_range_fn fn, void *arg)
{
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    if (p->n_threads == 1 || n <= grain) {
        fn(arg, 0, n, 0);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->grain = grain;
    atomic_store(&p->pending, p->n_threads - 1);
    /* Publish under the mutex so a worker about to sleep cannot miss it. */
    pthread_mutex_lock(&p->mutex);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    run_piece(p, 0);
    for (unsigned spins = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0;
         spins++) {
        if (spins < SPIN_ROUNDS)
            cpu_relax();
        else
            sched_yield();
    }
}
