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
/* pieces per thread: lets the others finish the work of a thread the OS has
 * descheduled (busy machines) */
#define PIECES_PER_THREAD 4

struct gft_pool {
    int n_threads;
    pthread_t *threads;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_uint generation; /* bumped once per job */
    atomic_int quit;
    /* the current job: pieces are claimed from ticket (bits 63..32: the
     * job's generation, 31..16: its piece count, 15..0: the next piece) and
     * counted in done */
    _Atomic uint64_t ticket;
    atomic_int done;
    gft_range_fn fn;
    void *arg;
    int64_t n, grain;
    int n_pieces;
};

/* Piece i of the job: a fixed range that depends only on n, grain and the
 * piece count, never on which thread runs it. */
static void run_piece(gft_pool *p, int i)
{
    int64_t blocks = (p->n + p->grain - 1) / p->grain;
    int64_t b0 = blocks * i / p->n_pieces, b1 = blocks * (i + 1) / p->n_pieces;
    int64_t begin = b0 * p->grain, end = b1 * p->grain < p->n ? b1 * p->grain : p->n;
    if (begin < end)
        p->fn(p->arg, begin, end, i);
}

/* Claims and runs pieces of job `gen` until none is left. The claim checks
 * the generation and the piece count held in the same atomic word, so a
 * worker that is late leaving one job, or late joining one, never runs a
 * piece of another job. While a claimed piece runs, the caller waits for it,
 * so the job's fields cannot change under it. */
static void work(gft_pool *p, unsigned gen)
{
    for (;;) {
        uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
        do {
            if ((unsigned)(t >> 32) != gen || (t & 0xffff) >= ((t >> 16) & 0xffff))
                return;
        } while (!atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1, memory_order_acq_rel,
                                                        memory_order_acquire));
        run_piece(p, (int)(t & 0xffff));
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

static void *worker_main(void *opaque)
{
    gft_pool *p = opaque;
    unsigned seen = 0; /* generation is 0 until the first job */
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
        work(p, gen);
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
    atomic_store(&p->ticket, 0);
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads, sizeof *p->threads);
        if (!p->threads) {
            gft_pool_free(p);
            return NULL;
        }
        for (int i = 1; i < n_threads; i++) {
            if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
                break;
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
    int64_t blocks = (n + grain - 1) / grain;
    if (p->n_threads == 1 || blocks == 1) {
        fn(arg, 0, n, 0);
        return;
    }
    int64_t pieces = (int64_t)p->n_threads * PIECES_PER_THREAD;
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->grain = grain;
    p->n_pieces = (int)(blocks < pieces ? blocks : pieces);
    /* only this thread bumps generation, so it knows the new value */
    unsigned gen = atomic_load_explicit(&p->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->ticket, (uint64_t)gen << 32 | (uint64_t)p->n_pieces << 16,
                          memory_order_release); /* opens it */
    /* Publish under the mutex so a worker about to sleep cannot miss it. */
    pthread_mutex_lock(&p->mutex);
    atomic_store_explicit(&p->generation, gen, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    work(p, gen);
    for (unsigned spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < p->n_pieces;
         spins++) {
        if (spins < SPIN_ROUNDS)
            cpu_relax();
        else
            sched_yield();
    }
}
