/* libFuzzer target: arbitrary bytes as a model file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[GFT_ERROR_SIZE];
    gft_model *m = NULL;
    if (gft_model_load_from_memory(data, size, &m, err, sizeof err) != GFT_OK)
        return 0;
    gft_model_info info;
    gft_model_get_info(m, &info);
    int32_t ids[256];
    gft_tokenize(m,
                 "A red cat, \xe7\x8c\xab and Stra\xc3\x9f"
                 "e!",
                 ids, 256, err, sizeof err);
    char words[128];
    gft_unknown_words(m, "a big red dog", words, sizeof words);
    char fp[17];
    gft_model_fingerprint(m, fp);
    gft_model_free(m);
    return 0;
}
