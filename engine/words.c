/* Words of normalised text and the unknown-word report.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"
#include "text.h"

#include <assert.h>
#include <string.h>

int gft_is_cjk(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) ||
           (c >= 0xf900 && c <= 0xfaff);
}

void gft_for_each_word(const char *norm, size_t len, gft_word_fn fn, void *user)
{
    const uint8_t *s = (const uint8_t *)norm;
    size_t run = 0; /* start of the current non-CJK run */
    for (size_t i = 0; i < len;) {
        size_t adv;
        uint32_t c = gft_utf8_decode(s + i, len - i, &adv);
        if (c == ' ' || gft_is_cjk(c)) {
            if (i > run)
                fn(user, s + run, i - run);
            if (c != ' ')
                fn(user, s + i, adv);
            run = i + adv;
        }
        i += adv;
    }
    if (len > run)
        fn(user, s + run, len - run);
}

static int is_known(const gft_tokenizer *tok, const uint8_t *w, size_t len)
{
    size_t lo = 0, hi = tok->n_known;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gft_bytes_cmp(tok->known[mid], tok->known_len[mid], w, len);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

typedef struct {
    const gft_tokenizer *tok;
    char *out;
    size_t out_size, out_len;
    int truncated;
} unknown_state;

static void append(unknown_state *st, const uint8_t *s, size_t len)
{
    if (st->truncated || !st->out_size)
        return;
    size_t room = st->out_size - 1 - st->out_len;
    if (len > room) {
        len = gft_utf8_prefix_len(s, len, room);
        st->truncated = 1;
    }
    memcpy(st->out + st->out_len, s, len);
    st->out_len += len;
    st->out[st->out_len] = '\0';
}

typedef struct {
    const uint8_t *w;
    size_t len;
} word_span;

typedef struct {
    unknown_state st;
    word_span unknown[GFT_NORM_MAX_BYTES];
    int n_unknown;
} unknown_collector;

static void on_word(void *user, const uint8_t *w, size_t len)
{
    unknown_collector *uc = user;
    if (is_known(uc->st.tok, w, len))
        return;
    for (int i = 0; i < uc->n_unknown; i++)
        if (uc->unknown[i].len == len && memcmp(uc->unknown[i].w, w, len) == 0)
            return; /* reported once */
    uc->unknown[uc->n_unknown++] = (word_span){w, len};
    if (uc->n_unknown > 1)
        append(&uc->st, (const uint8_t *)", ", 2);
    append(&uc->st, w, len);
}

int gft_unknown_words(const gft_model *model, const char *text, char *out, size_t out_size)
{
    if (out && out_size)
        out[0] = '\0';
    if (!model || !text)
        return 0;
    char norm[GFT_NORM_MAX_BYTES + 1];
    size_t len = gft_normalize_text(text, norm, sizeof norm);
    static_assert(sizeof(((unknown_collector *)0)->unknown) / sizeof(word_span) >=
                      GFT_NORM_MAX_BYTES,
                  "a word has at least one byte");
    unknown_collector uc;
    memset(&uc.st, 0, sizeof uc.st);
    uc.st.tok = &model->tok;
    uc.st.out = out;
    uc.st.out_size = out ? out_size : 0;
    uc.n_unknown = 0;
    gft_for_each_word(norm, len, on_word, &uc);
    return uc.n_unknown;
}
