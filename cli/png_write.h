/* Writing 8-bit RGBA PNG files through libpng.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CLI_PNG_WRITE_H
#define GFT_CLI_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* One text chunk: keyword (Latin-1, 1..79 bytes) and UTF-8 text. */
typedef struct {
    const char *key;
    const char *text;
} cli_png_text;

/* Writes width x height straight RGBA pixels (rows top to bottom) plus the
 * text chunks to path. The output holds no timestamp, so the same pixels and
 * texts always give the same bytes. A regular file is replaced only once the
 * new one is complete; on failure returns -1 with a message in err and
 * leaves nothing behind. */
int cli_write_png(const char *path, const uint8_t *rgba, int width, int height,
                  const cli_png_text *texts, int n_texts, char *err, size_t err_size);

#endif /* GFT_CLI_PNG_WRITE_H */
