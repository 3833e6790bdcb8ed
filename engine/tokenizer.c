/* Byte-level BPE encoding and the fixed-length text prefix.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"
#include "text.h"

#include <string.h>

enum { ID_PAD = 0, ID_BOS = 1, ID_EOS = 2, ID_BYTE0 = 3, ID_FIRST_MERGE = 259 };

/* Encodes one space-free piece: repeatedly merge the adjacent pair with the
 * lowest merge index, leftmost on ties. Returns the id count (<= n). */
static size_t encode_piece(const gft_tokenizer *tok, const uint8_t *p, size_t n, int32_t *ids)
{
    for (size_t i = 0; i < n; i++)
        ids[i] = ID_BYTE0 + p[i];
    size_t count = n;
    while (count > 1) {
        int64_t best = -1;
        size_t best_at = 0;
        for (size_t i = 0; i + 1 < count; i++) {
            int64_t r = gft_tokenizer_find_merge(tok, ids[i], ids[i + 1]);
            if (r >= 0 && (best < 0 || r < best)) {
                best = r;
                best_at = i;
            }
        }
        if (best < 0)
            break;
        ids[best_at] = ID_FIRST_MERGE + (int32_t)best;
        memmove(ids + best_at + 1, ids + best_at + 2, (count - best_at - 2) * sizeof *ids);
        count--;
    }
    return count;
}

/* Encodes normalised text into ids (room for len ids); returns the count. */
static size_t encode_normalized(const gft_tokenizer *tok, const char *norm, size_t len,
                                int32_t *ids)
{
    const uint8_t *s = (const uint8_t *)norm;
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ' ')
            continue;
        count += encode_piece(tok, s + start, i - start, ids + count);
        if (i < len)
            ids[count++] = ID_BYTE0 + ' ';
        start = i + 1;
    }
    return count;
}

int gft_tokenize(const gft_model *model, const char *text, int32_t *ids, int max_ids, char *err,
                 size_t err_size)
{
    if (!model || !text) {
        gft_set_error(err, err_size, "%s is NULL", model ? "text" : "model");
        return -1;
    }
    if (max_ids < 0 || (!ids && max_ids > 0)) {
        gft_set_error(err, err_size, "invalid output buffer (ids %p, max_ids %d)", (void *)ids,
                      max_ids);
        return -1;
    }
    char norm[GFT_NORM_MAX_BYTES + 1];
    int32_t all[GFT_NORM_MAX_BYTES];
    size_t len = gft_normalize_text(text, norm, sizeof norm);
    size_t n = encode_normalized(&model->tok, norm, len, all);
    if (n > (size_t)max_ids)
        n = (size_t)max_ids;
    if (n)
        memcpy(ids, all, n * sizeof *ids);
    return (int)n;
}

void gft_build_prefix(const gft_model *m, const char *text, int32_t *prefix)
{
    uint32_t T = m->hp.text_ctx;
    int32_t all[GFT_NORM_MAX_BYTES];
    size_t n = 0;
    if (text && *text) {
        char norm[GFT_NORM_MAX_BYTES + 1];
        size_t len = gft_normalize_text(text, norm, sizeof norm);
        n = encode_normalized(&m->tok, norm, len, all);
    }
    if (n > T - 2)
        n = T - 2;
    prefix[0] = ID_BOS;
    memcpy(prefix + 1, all, n * sizeof *prefix);
    prefix[n + 1] = ID_EOS;
    for (size_t i = n + 2; i < T; i++)
        prefix[i] = ID_PAD;
}
