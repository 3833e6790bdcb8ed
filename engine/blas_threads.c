/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the engine uses OpenBLAS's threads: not at all. Its products run on one
 * BLAS thread each, from the engine's own workers (blas_threads.h). */
#include "blas_threads.h"

#include "gft.h"

#include <cblas.h>
#include <dlfcn.h>
#include <stddef.h>

int gft_blas_single_begin(void)
{
#ifdef OPENBLAS_VERSION
    int host_threads = openblas_get_num_threads();
    /* Setting the count when it is already 1 is not free: after
     * gft_blas_release_threads it would start the server threads again. */
    if (host_threads != 1)
        openblas_set_num_threads(1);
    return host_threads;
#else
    return 1;
#endif
}

void gft_blas_single_end(int host_threads)
{
#ifdef OPENBLAS_VERSION
    if (host_threads != 1)
        openblas_set_num_threads(host_threads);
#else
    (void)host_threads;
#endif
}

int gft_blas_release_threads(void)
{
#ifdef OPENBLAS_VERSION
    openblas_set_num_threads(1);
    /* OpenBLAS's pthread server exports its shutdown (it runs it itself
     * around fork); the OpenMP build and other BLAS libraries do not have it,
     * and then the threads stay. Looked up at run time for that reason. */
    int (*shutdown)(void) = NULL;
    void *symbol = dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    if (!symbol)
        return 0;
    *(void **)&shutdown = symbol; /* POSIX: dlsym's result as a function */
    shutdown();
    return 1;
#else
    return 0;
#endif
}
