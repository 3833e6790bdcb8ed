/* UTF-8 and word helpers shared by the text code (internal).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_TEXT_H
#define GFT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define GFT_NORM_MAX_BYTES 1024 /* GFT_READING_SIZE - 1 (gft.h) */

/* Decodes one well-formed UTF-8 sequence at s (n bytes available): returns
 * the code point and sets *len, or returns UINT32_MAX (and *len = 1) for an
 * invalid, overlong, surrogate or out-of-range sequence. */
uint32_t gft_utf8_decode(const uint8_t *s, size_t n, size_t *len);

/* Encodes cp (<= U+10FFFF) into out[4]; returns the byte count. */
size_t gft_utf8_encode(uint32_t cp, uint8_t *out);

/* The length of the longest prefix of s[0..len) that is at most max bytes
 * and does not end inside a UTF-8 sequence. */
size_t gft_utf8_prefix_len(const uint8_t *s, size_t len, size_t max);

/* 1 when cp is in a CJK range where every code point is a word of its own. */
int gft_is_cjk(uint32_t cp);

/* Calls fn for every word of normalised text (docs/model-format.md, "Words"). */
typedef void (*gft_word_fn)(void *user, const uint8_t *word, size_t len);
void gft_for_each_word(const char *norm, size_t len, gft_word_fn fn, void *user);

#endif /* GFT_TEXT_H */
