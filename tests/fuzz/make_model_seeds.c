/* Writes the model seed corpus (tests/fuzz/corpus/model) from the tiny test
 * model: usage make-model-seeds OUTDIR.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "tiny_model.h"

#include <stdio.h>
#include <stdlib.h>

static int write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

/* Serialises b into dir/name and frees it. */
static int write_model(const char *dir, const char *name, gb *b)
{
    size_t n;
    uint8_t *p = gb_serialize(b, &n);
    int rc = write_file(dir, name, p, n);
    free(p);
    gb_free(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    int rc = 0;
    size_t n;
    uint8_t *p = tiny_model_bytes(&n);
    rc |= write_file(argv[1], "tiny-q8.gguf", p, n);
    rc |= write_file(argv[1], "tiny-q8-truncated.gguf", p, n / 2);
    free(p);
    gb *b = tiny_model_builder(GB_T_F16, GB_T_F16);
    gb_set_alignment(b, 64, 1);
    rc |= write_model(argv[1], "tiny-f16-align64.gguf", b);
    b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    tiny_add_reranker(b, GB_T_Q8_0);
    rc |= write_model(argv[1], "tiny-q8-rerank.gguf", b);
    b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    tiny_add_upscaler(b, GB_T_F16);
    rc |= write_model(argv[1], "tiny-q8-upscale.gguf", b);
    b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    gb_kv_u32(b, "gft.sampling.guidance_ramp", 1);
    rc |= write_model(argv[1], "tiny-q8-guidance-ramp.gguf", b);
    static const char *const articles[] = {"a", "ein", "the"};
    b = tiny_model_builder(GB_T_Q8_0, GB_T_F16);
    gb_kv_arr_str(b, "gft.lexicon.articles", articles, NULL, 3);
    rc |= write_model(argv[1], "tiny-q8-articles.gguf", b);
    return rc;
}
