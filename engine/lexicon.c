/* Reading a prompt through the model's lexicon: other languages' words and
 * phrases become the English the model knows best, and some English words the
 * wording it draws best (docs/model-format.md,
 * "Prompt lexicon"); articles go ("a picture of a cat" -> "picture of cat").
 * training/gft/lexicon.py's translate() is the reference.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t len;
} span;

typedef struct {
    span words[GFT_NORM_MAX_BYTES]; /* a word has at least one byte */
    int n;
} word_list;

static void on_word(void *user, const uint8_t *w, size_t len)
{
    word_list *wl = user;
    wl->words[wl->n++] = (span){w, len};
}

/* A sorted phrase table: the lexicon's sources or its articles. */
typedef struct {
    const uint8_t *const *src;
    const uint32_t *len;
    uint32_t n, max_words;
} phrase_table;

/* The index of phrase key[0..len) in t or -1. */
static int64_t find_phrase(const phrase_table *t, const uint8_t *key, size_t len)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gft_bytes_cmp(t->src[mid], t->len[mid], key, len);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The result under construction: pieces joined by single spaces. Once a
 * piece does not fit in GFT_NORM_MAX_BYTES, it and all later ones are
 * dropped. */
typedef struct {
    char buf[GFT_NORM_MAX_BYTES + 1];
    size_t len;
    int full;
} joined;

static void add_piece(joined *j, const uint8_t *p, size_t len)
{
    while (len && p[0] == ' ') { /* text between matches, without its end spaces */
        p++;
        len--;
    }
    while (len && p[len - 1] == ' ')
        len--;
    if (!len || j->full)
        return;
    size_t need = len + (j->len ? 1 : 0);
    if (j->len + need > GFT_NORM_MAX_BYTES) {
        j->full = 1;
        return;
    }
    if (j->len)
        j->buf[j->len++] = ' ';
    memcpy(j->buf + j->len, p, len);
    j->len += len;
}

/* The longest phrase of t that starts at word i: its index (or -1), *n_words set. */
static int64_t longest_match(const phrase_table *t, const word_list *wl, int i, int *n_words)
{
    uint8_t key[GFT_LEXICON_MAX_SOURCE];
    /* end[n]: the key's length with words i .. i+n-1; a phrase of at most
     * GFT_LEXICON_MAX_SOURCE bytes has at most half as many words, plus one */
    size_t end[GFT_LEXICON_MAX_SOURCE / 2 + 2];
    size_t len = 0;
    int most = 0;
    for (int n = 1; n <= (int)t->max_words && i + n <= wl->n; n++) {
        const span *w = &wl->words[i + n - 1];
        size_t need = w->len + (n > 1);
        if (len + need > sizeof key)
            break; /* longer than any phrase */
        if (n > 1)
            key[len++] = ' ';
        memcpy(key + len, w->p, w->len);
        len += w->len;
        end[n] = len;
        most = n;
    }
    for (int n = most; n >= 1; n--) {
        int64_t at = find_phrase(t, key, end[n]);
        if (at >= 0) {
            *n_words = n;
            return at;
        }
    }
    return -1;
}

static void copy_out(const char *s, size_t len, char *out, size_t out_size)
{
    if (!out || !out_size)
        return;
    len = gft_utf8_prefix_len((const uint8_t *)s, len, out_size - 1);
    memcpy(out, s, len);
    out[len] = '\0';
}

int gft_translate_prompt(const gft_model *model, const char *text, char *out, size_t out_size)
{
    if (out && out_size)
        out[0] = '\0';
    if (!model || !text)
        return 0;
    char norm[GFT_NORM_MAX_BYTES + 1];
    size_t len = gft_normalize_text(text, norm, sizeof norm);
    const gft_lexicon *lx = &model->lex;
    word_list *wl = NULL;
    int count = 0;
    joined *j = NULL;
    const phrase_table sources = {lx->src, lx->src_len, lx->n, lx->max_words};
    const phrase_table articles = {lx->articles, lx->article_len, lx->n_articles,
                                   lx->article_max_words};
    if (lx->n || lx->n_articles) {
        /* about 17 KiB together: off the stack, for hosts with small thread stacks */
        wl = malloc(sizeof *wl);
        j = malloc(sizeof *j);
    }
    if (wl && j) {
        wl->n = 0;
        j->len = 0;
        j->full = 0;
        gft_for_each_word(norm, len, on_word, wl);
        const uint8_t *base = (const uint8_t *)norm;
        size_t cursor = 0;
        int kept = 0; /* a word before i stays in the reading */
        for (int i = 0; i < wl->n;) {
            int n_words = 0;
            int64_t at = longest_match(&sources, wl, i, &n_words);
            /* an article ("a", "eine", "一个") where no source starts is
             * dropped: read as nothing, unless no word would be left */
            int drop = at < 0 && longest_match(&articles, wl, i, &n_words) >= 0 &&
                       (kept || i + n_words < wl->n);
            if (at < 0 && !drop) {
                kept = 1;
                i++;
                continue;
            }
            /* emit the text before the match, then its target (none for an article) */
            size_t start = (size_t)(wl->words[i].p - base);
            add_piece(j, base + cursor, start - cursor);
            const span *last = &wl->words[i + n_words - 1];
            cursor = (size_t)(last->p - base) + last->len;
            i += n_words;
            if (drop) {
                count++;
                continue;
            }
            kept = 1;
            uint32_t t = lx->tgt_of[at];
            add_piece(j, lx->tgt[t], lx->tgt_len[t]);
            /* a source read as itself ("red apple" beside "apple" -> "red apple")
             * only keeps the longest match whole: it changes nothing */
            if (gft_bytes_cmp(lx->src[at], lx->src_len[at], lx->tgt[t], lx->tgt_len[t]) != 0)
                count++;
        }
        if (count) {
            add_piece(j, base + cursor, len - cursor);
            j->buf[j->len] = '\0';
            copy_out(j->buf, j->len, out, out_size);
        }
    }
    if (!count)
        copy_out(norm, len, out, out_size);
    free(wl);
    free(j);
    return count;
}
