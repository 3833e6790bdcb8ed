/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model file's fingerprint (gft.h): FNV-1a 64 in eight lanes over the
 * file's little-endian 64-bit words, folded with FNV-1a 64 over the lanes'
 * bytes and the file size. One byte-serial FNV-1a chain runs at about 4
 * cycles per byte (43 ms for the shipped file); eight word lanes are
 * independent chains and run at memory speed. */
#include "gft_internal.h"
#include "loader.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define LANES 8

/* Bytes hashed between page drops: a whole number of lane blocks. */
#define CHUNK ((size_t)4 << 20)

typedef struct {
    uint64_t h[LANES];
} lanes;

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--)
        w = w << 8 | p[i];
    return w;
}

/* n: a multiple of LANES * 8 bytes. */
static void lanes_blocks(lanes *s, const uint8_t *p, size_t n)
{
    for (size_t at = 0; at < n; at += LANES * 8)
        for (int l = 0; l < LANES; l++)
            s->h[l] = (s->h[l] ^ load_le64(p + at + (size_t)l * 8)) * FNV_PRIME;
}

/* The last, partial block: missing bytes are zero. */
static void lanes_tail(lanes *s, const uint8_t *p, size_t n)
{
    uint8_t block[LANES * 8] = {0};
    memcpy(block, p, n);
    for (size_t l = 0; l < (n + 7) / 8; l++)
        s->h[l] = (s->h[l] ^ load_le64(block + l * 8)) * FNV_PRIME;
}

static uint64_t fold(const lanes *s, uint64_t size)
{
    uint64_t h = FNV_BASIS;
    for (int l = 0; l <= LANES; l++) {
        uint64_t v = l < LANES ? s->h[l] : size;
        for (int b = 0; b < 8; b++)
            h = (h ^ (uint8_t)(v >> (8 * b))) * FNV_PRIME;
    }
    return h;
}

/* A mapped file is hashed in chunks whose pages are dropped after: the hash
 * reads the whole file once, and that must not leave all of it resident (the
 * weights repacked or transformed at load are never read again). Pages still
 * in use come back from the page cache when read. */
static uint64_t fingerprint_of(const gft_model *m)
{
    lanes s;
    for (int l = 0; l < LANES; l++)
        s.h[l] = FNV_BASIS;
    size_t whole = m->size / (LANES * 8) * (LANES * 8);
    for (size_t at = 0; at < whole; at += CHUNK) {
        size_t n = whole - at < CHUNK ? whole - at : CHUNK;
        lanes_blocks(&s, m->base + at, n);
        gft_model_drop_pages(m, m->base + at, n);
    }
    if (m->size > whole)
        lanes_tail(&s, m->base + whole, m->size - whole);
    return fold(&s, (uint64_t)m->size);
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
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fingerprint_of(m));
    memcpy(out, hex, 17);
    int expected = 0;
    if (atomic_compare_exchange_strong(&m->fingerprint_state, &expected, 1)) {
        memcpy(m->fingerprint, hex, 17);
        atomic_store_explicit(&m->fingerprint_state, 2, memory_order_release);
    }
}
