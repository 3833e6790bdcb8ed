/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Repacks the transformer's Q8_0 matrices for the int8 kernel at load time
 * (engine/kernels_q8i8.h) and lets the mapped originals go. */
#include "kernels_q8i8.h"
#include "loader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PACK_ALIGN ((size_t)2 << 20) /* huge pages where the OS offers them */

/* The matrices of the decode loop, in the order they are packed. */
static int list_matrices(gft_model *m, gft_tensor **out)
{
    int n = 0;
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        gft_layer *ly = &m->layers[l];
        out[n++] = &ly->attn_q;
        out[n++] = &ly->attn_k;
        out[n++] = &ly->attn_v;
        out[n++] = &ly->attn_out;
        out[n++] = &ly->ffn_up;
        out[n++] = &ly->ffn_down;
    }
    out[n++] = &m->head;
    return n;
}

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* The whole pages inside t's bytes of the mapping: never read again once
 * packed, so drop them from memory (they come back from the file if read). */
static void drop_source(const gft_model *m, const gft_tensor *t)
{
    if (!m->mapped)
        return;
    size_t page = 4096;
    uintptr_t b = round_up((uintptr_t)t->data, page);
    uintptr_t e = ((uintptr_t)t->data + t->n_bytes) / page * page;
    if (e > b)
        madvise((void *)b, e - b, MADV_DONTNEED); /* a hint: failure changes nothing */
}

void gft_model_drop_packed_sources(const gft_model *m)
{
    for (uint32_t l = 0; m->packed_buf && l < m->hp.n_layer; l++) {
        const gft_layer *ly = &m->layers[l];
        const gft_tensor *ts[6] = {&ly->attn_q,   &ly->attn_k, &ly->attn_v,
                                   &ly->attn_out, &ly->ffn_up, &ly->ffn_down};
        for (int i = 0; i < 6; i++)
            if (ts[i]->packed)
                drop_source(m, ts[i]);
    }
    if (m->packed_buf && m->head.packed)
        drop_source(m, &m->head);
}

gft_status gft_model_pack(gft_model *m, char *err, size_t err_size)
{
    const char *off = getenv("GFT_NO_INT8");
    if (!gft_q8x16_available() || (off && *off && strcmp(off, "0") != 0))
        return GFT_OK;
    size_t n_max = (size_t)m->hp.n_layer * 6 + 1;
    gft_tensor **ts = malloc(n_max * sizeof *ts);
    if (!ts) {
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    int n = list_matrices(m, ts);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += round_up(gft_q8x16_size(ts[i]), 64);
    if (total == 0) {
        free(ts);
        return GFT_OK;
    }
    size_t align = total >= PACK_ALIGN ? PACK_ALIGN : 64;
    size_t bytes = round_up(total, align);
    uint8_t *buf = aligned_alloc(align, bytes);
    if (!buf) {
        free(ts);
        gft_set_error(err, err_size, "out of memory for the packed weights (%zu bytes)", bytes);
        return GFT_ERR_NOMEM;
    }
#if defined(MADV_HUGEPAGE)
    if (align == PACK_ALIGN)
        madvise(buf, bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t sz = gft_q8x16_size(ts[i]);
        if (sz == 0)
            continue;
        gft_q8x16_pack(ts[i], buf + at);
        ts[i]->packed = buf + at;
        drop_source(m, ts[i]); /* one matrix at a time: the peak grows by one */
        at += round_up(sz, 64);
    }
    free(ts);
    m->packed_buf = buf;
    m->packed_size = bytes;
    return GFT_OK;
}
