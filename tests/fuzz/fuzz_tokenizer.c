/* libFuzzer target: arbitrary bytes as a prompt, over a fixed tiny model
 * (normalising, BPE, the prefix, unknown words, the prompt lexicon and its
 * articles).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft_internal.h"
#include "tiny_model.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gft_model *tiny(void)
{
    static gft_model *model;
    if (!model) {
        /* the tiny model, with articles so that their path is fuzzed too */
        static const char *const articles[] = {"a", "ein", "\xe4\xb8\x80 \xe4\xb8\xaa"};
        gb *b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
        gb_kv_arr_str(b, "gft.lexicon.articles", articles, NULL, 3);
        size_t n;
        uint8_t *bytes = gb_serialize(b, &n); /* kept for the process lifetime */
        gb_free(b);
        char err[GFT_ERROR_SIZE];
        if (gft_model_load_from_memory(bytes, n, &model, err, sizeof err) != GFT_OK)
            abort(); /* the fixed model must load: a bug in the builder or loader */
    }
    return model;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gft_model *m = tiny();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    char norm[1025];
    size_t len = gft_normalize_text(text, norm, sizeof norm);
    if (len > 1024 || norm[len] != '\0')
        abort();
    int32_t ids[1100];
    char err[256];
    int n = gft_tokenize(m, text, ids, 1100, err, sizeof err);
    if (n < 0 || n > 1024)
        abort();
    for (int i = 0; i < n; i++)
        if (ids[i] < 3 || ids[i] >= (int32_t)m->hp.text_vocab)
            abort();
    /* normalising is idempotent */
    char again[1025];
    if (gft_normalize_text(norm, again, sizeof again) != len || memcmp(norm, again, len) != 0)
        abort();
    int32_t prefix[TINY_CTX];
    gft_build_prefix(m, text, prefix);
    if (prefix[0] != 1)
        abort();
    char words[64];
    int unknown = gft_unknown_words(m, text, words, sizeof words);
    if (unknown < 0 || strlen(words) >= sizeof words)
        abort();
    /* the lexicon's reading: normalised, at most 1024 bytes, NUL-terminated
     * also in a short buffer, and read as typed when nothing matched */
    char read[1025], small[7];
    int replaced = gft_translate_prompt(m, text, read, sizeof read);
    size_t read_len = strlen(read);
    if (replaced < 0 || read_len > 1024 || (replaced == 0 && strcmp(read, norm) != 0))
        abort();
    char read_norm[1025];
    if (gft_normalize_text(read, read_norm, sizeof read_norm) != read_len ||
        memcmp(read, read_norm, read_len) != 0)
        abort();
    if (gft_translate_prompt(m, text, small, sizeof small) != replaced ||
        strlen(small) >= sizeof small || strncmp(small, read, strlen(small)) != 0)
        abort();
    free(text);
    return 0;
}
