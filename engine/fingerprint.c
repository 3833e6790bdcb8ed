/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model file's fingerprint: FNV-1a 64 of every byte, computed once. */
#include "gft_internal.h"
#include "loader.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Bytes hashed between residency checks. */
#define CHUNK ((size_t)4 << 20)

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Hashes a mapped file chunk by chunk and drops each chunk's pages after:
 * the hash reads the whole file once, and that must not leave all of it
 * resident (the weights repacked or transformed at load are never read
 * again). Pages still in use come back from the page cache when read. */
static uint64_t fnv1a_mapped(const gft_model *m)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t at = 0; at < m->size; at += CHUNK) {
        size_t n = m->size - at < CHUNK ? m->size - at : CHUNK;
        h = fnv1a(h, m->base + at, n);
        gft_model_drop_pages(m, m->base + at, n);
    }
    return h;
}

void gft_model_fingerprint(const gft_model *model, char out[17])
{
    if (!model) {
        memset(out, '0', 16);
        out[16] = '\0';
        return;
    }
    /* the cache is logically const: computing it twice gives the same bytes */
    struct gft_model *m = (struct gft_model *)model;
    if (atomic_load_explicit(&m->fingerprint_state, memory_order_acquire) == 2) {
        memcpy(out, m->fingerprint, 17);
        return;
    }
    uint64_t h = m->mapped ? fnv1a_mapped(m) : fnv1a(0xcbf29ce484222325ull, m->base, m->size);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    memcpy(out, hex, 17);
    int expected = 0;
    if (atomic_compare_exchange_strong(&m->fingerprint_state, &expected, 1)) {
        memcpy(m->fingerprint, hex, 17);
        atomic_store_explicit(&m->fingerprint_state, 2, memory_order_release);
    }
}
