/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Repacks the transformer's Q8_0 matrices for the int8 kernel at load time
 * (engine/kernels_q8i8.h) and lets the mapped originals go. */
#include "kernels_q8i8.h"
#include "loader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PACK_ALIGN ((size_t)2 << 20) /* huge pages where the OS offers them */

/* The decode loop's matrices, one index space for packing and dropping:
 * 6 per layer (q, k, v, out, up, down), then the output head. */
static size_t n_matrices(const gft_model *m)
{
    return (size_t)m->hp.n_layer * 6 + 1;
}

static gft_tensor *matrix_at(const gft_model *m, size_t i)
{
    if (i / 6 >= m->hp.n_layer)
        return (gft_tensor *)&m->head;
    gft_layer *ly = &m->layers[i / 6];
    gft_tensor *ts[6] = {&ly->attn_q,   &ly->attn_k, &ly->attn_v,
                         &ly->attn_out, &ly->ffn_up, &ly->ffn_down};
    return ts[i % 6];
}

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

void gft_model_drop_pages(const gft_model *m, const void *data, size_t n_bytes)
{
    if (!m->mapped || !data)
        return;
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    uintptr_t b = round_up((uintptr_t)data, page);
    uintptr_t e = ((uintptr_t)data + n_bytes) / page * page;
    if (e > b)
        madvise((void *)b, e - b, MADV_DONTNEED); /* a hint: failure changes nothing */
}

gft_status gft_model_pack(gft_model *m, char *err, size_t err_size)
{
    const char *off = getenv("GFT_NO_INT8");
    if (!gft_q8x16_available() || (off && *off && strcmp(off, "0") != 0))
        return GFT_OK;
    size_t n = n_matrices(m), total = 0;
    for (size_t i = 0; i < n; i++)
        total += round_up(gft_q8x16_size(matrix_at(m, i)), 64);
    if (total == 0)
        return GFT_OK;
    size_t align = total >= PACK_ALIGN ? PACK_ALIGN : 64;
    size_t bytes = round_up(total, align);
    uint8_t *buf = aligned_alloc(align, bytes);
    if (!buf) {
        gft_set_error(err, err_size, "out of memory for the packed weights (%zu bytes)", bytes);
        return GFT_ERR_NOMEM;
    }
#if defined(MADV_HUGEPAGE)
    if (align == PACK_ALIGN)
        madvise(buf, bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        gft_tensor *t = matrix_at(m, i);
        size_t sz = gft_q8x16_size(t);
        if (sz == 0)
            continue;
        gft_q8x16_pack(t, buf + at);
        t->packed = buf + at;
        gft_model_drop_pages(m, t->data, t->n_bytes); /* one at a time: the peak grows by one */
        at += round_up(sz, 64);
    }
    m->packed_buf = buf;
    return GFT_OK;
}
