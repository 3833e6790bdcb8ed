/* gft generate: output file names and writing the finished images.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CLI_GENERATE_OUTPUT_H
#define GFT_CLI_GENERATE_OUTPUT_H

#include "gft.h"

#include <stddef.h>

/* The file name of variation `index` (0-based): `output` itself when there
 * is one variation, otherwise "out.png" -> "out-1.png", "out-2.png", ... */
void cli_variation_path(const char *output, int index, int n_variations, char *path, size_t size);

/* Checks up front that the output's folder exists and is writable, so a
 * long generation does not end in a write error. Prints the problem. */
int cli_check_output_writable(const char *output);

typedef struct {
    const char *prompt;
    const char *negative_prompt; /* may be NULL */
    const gft_sampling *sampling;
    const char *model_name;
    const char *model_fingerprint;
} cli_image_notes;

/* Writes every complete variation of result; prints each file name on
 * stdout. Returns the number written, or -1 after a write error. */
int cli_write_variations(const char *output, const gft_result *result,
                         const cli_image_notes *notes);

#endif /* GFT_CLI_GENERATE_OUTPUT_H */
