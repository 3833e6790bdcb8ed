/* Text normalisation gft-norm-v1 (docs/model-format.md), no locale or
 * Unicode library: decode, fold, lowercase, punctuation to space, collapse
 * and trim spaces, truncate to 1024 bytes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft_internal.h"
#include "text.h"

#include <string.h>

static int is_cont(uint8_t b)
{
    return (b & 0xc0) == 0x80;
}

uint32_t gft_utf8_decode(const uint8_t *s, size_t n, size_t *len)
{
    *len = 1;
    uint8_t b = s[0];
    if (b < 0x80)
        return b;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    uint32_t cp;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 2;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 3;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0; /* overlong */
        if (b == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 4;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90; /* overlong */
        if (b == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return UINT32_MAX;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return UINT32_MAX;
    for (size_t i = 1; i < need; i++) {
        if (!is_cont(s[i]))
            return UINT32_MAX;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *len = need;
    return cp;
}

size_t gft_utf8_prefix_len(const uint8_t *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && is_cont(s[max]))
        max--;
    return max;
}

size_t gft_utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* Step 2: full-width ASCII and the listed spaces. */
static uint32_t fold(uint32_t c)
{
    if (c >= 0xff01 && c <= 0xff5e)
        return c - 0xfee0;
    if (c == 0x3000 || c == 0x00a0 || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        return ' ';
    return c;
}

/* Step 3: the lowercase table. */
static uint32_t lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 0x20;
    if (c >= 0xc0 && c <= 0xde && c != 0xd7)
        return c + 0x20;
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42f)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40f)
        return c + 0x50;
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177)) && c % 2 == 0)
        return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1)
        return c + 1;
    if (c == 0x178)
        return 0xff;
    return c;
}

/* Step 4: punctuation that becomes a space. */
static int is_punct(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) ||
               (c >= 0x7b && c <= 0x7e);
    switch (c) {
    case 0x3001:
    case 0x3002:
    case 0x30fb:
    case 0x00b7:
    case 0x2018:
    case 0x2019:
    case 0x201c:
    case 0x201d:
    case 0x2026:
        return 1;
    default:
        return 0;
    }
}

size_t gft_normalize_text(const char *text, char *out, size_t out_size)
{
    if (!out || !out_size)
        return 0;
    out[0] = '\0';
    if (!text)
        return 0;
    size_t limit = out_size - 1 < GFT_NORM_MAX_BYTES ? out_size - 1 : GFT_NORM_MAX_BYTES;
    const uint8_t *s = (const uint8_t *)text;
    size_t n = strlen(text); /* U+0000 ends the text */
    size_t len = 0;
    int pending_space = 0;
    for (size_t i = 0; i < n;) {
        size_t adv;
        uint32_t c = gft_utf8_decode(s + i, n - i, &adv);
        i += adv;
        if (c == UINT32_MAX)
            continue; /* dropped byte by byte */
        c = lower(fold(c));
        if (c == ' ' || is_punct(c)) {
            pending_space = len > 0; /* leading spaces are trimmed */
            continue;
        }
        uint8_t enc[4];
        size_t clen = gft_utf8_encode(c, enc);
        /* truncation at a code point boundary: a space that fits is kept */
        if (pending_space) {
            if (len + 1 > limit)
                break;
            out[len++] = ' ';
            pending_space = 0;
        }
        if (len + clen > limit)
            break;
        memcpy(out + len, enc, clen);
        len += clen;
    }
    /* truncation may end on a space; trim it so normalising is idempotent */
    while (len > 0 && out[len - 1] == ' ')
        len--;
    out[len] = '\0';
    return len;
}
