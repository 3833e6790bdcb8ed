/* Loads a model file written by the real exporter (training/gft/export_gguf.py)
 * or the shipped model, and checks it end to end on the file side.
 * Usage: test-engine-model-file PATH [WEIGHT_TYPE]; exits 77 (skip) when PATH
 * does not exist.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return p;
}

static void check_finite(const gft_tensor *t, const char *what)
{
    float *row = malloc(sizeof *row * (size_t)t->ne[0]);
    gft_tensor_row_f32(t, 0, row);
    int ok = 1;
    for (int64_t i = 0; i < t->ne[0]; i++)
        ok &= isfinite(row[i]) != 0;
    CHECK(ok, "%s row 0 has non-finite values", what);
    free(row);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *path = argv[1];
    if (access(path, F_OK) != 0) {
        printf("no model at %s: skipped\n", path);
        return 77;
    }
    char err[GFT_ERROR_SIZE] = "";
    gft_model *m = NULL;
    gft_status st = gft_model_load(path, &m, err, sizeof err);
    CHECK(st == GFT_OK, "load %s: %s", path, err);
    if (!m)
        CHECK_DONE();
    gft_model_info info;
    gft_model_get_info(m, &info);
    printf("%s: %s, %s, %llu params, %u layers, d %u, V %u, T %u, grid %ux%u, K %u, %ux%u px, "
           "%u known words\n",
           path, info.name, info.weight_type, (unsigned long long)info.n_params, info.n_layer,
           info.n_embd, info.text_vocab, info.text_ctx, info.grid_w, info.grid_h,
           info.codebook_size, info.image_width, info.image_height, info.n_known_words);
    if (argc > 2)
        CHECK(strcmp(info.weight_type, argv[2]) == 0, "weight type %s, want %s", info.weight_type,
              argv[2]);
    CHECK(info.name[0] != '\0', "model has a name");
    CHECK(info.image_width == info.grid_w << (m->hp.dec_n_levels - 1), "image width");
    CHECK(info.n_known_words > 0, "known words");
    check_finite(&m->text_emb, "text_emb");
    check_finite(&m->head, "head");
    check_finite(&m->layers[info.n_layer - 1].ffn_down, "last ffn_down");
    check_finite(&m->vq_codebook, "codebook");

    /* the known words are sorted and each is its own single word */
    for (uint32_t i = 0; i < m->tok.n_known; i++) {
        char out[64];
        char word[256];
        uint32_t len = m->tok.known_len[i] < 255 ? m->tok.known_len[i] : 255;
        memcpy(word, m->tok.known[i], len);
        word[len] = '\0';
        if (gft_unknown_words(m, word, out, sizeof out) != 0) {
            CHECK(0, "known word %u '%s' reported unknown", i, word);
            break;
        }
    }

    int32_t ids[1024];
    int n = gft_tokenize(m, "A red heart with a smiling face, \xe7\x8c\xab!", ids, 1024, err,
                         sizeof err);
    CHECK(n > 0, "tokenize: %s", err);
    for (int i = 0; i < n; i++)
        CHECK(ids[i] >= 3 && ids[i] < (int32_t)info.text_vocab, "id %d out of range", ids[i]);
    int32_t *prefix = malloc(sizeof *prefix * info.text_ctx);
    gft_build_prefix(m, "a cat", prefix);
    CHECK(prefix[0] == 1, "prefix starts with <bos>");
    free(prefix);

    /* the same bytes from memory give the same model and fingerprint */
    size_t size;
    uint8_t *bytes = read_all(path, &size);
    CHECK(bytes && size == info.file_size, "read back");
    if (bytes) {
        gft_model *m2 = NULL;
        CHECK(gft_model_load_from_memory(bytes, size, &m2, err, sizeof err) == GFT_OK,
              "from memory: %s", err);
        if (m2) {
            char a[17], b[17];
            gft_model_fingerprint(m, a);
            gft_model_fingerprint(m2, b);
            CHECK(strcmp(a, b) == 0, "fingerprints %s %s", a, b);
            gft_model_free(m2);
        }
        free(bytes);
    }
    gft_model_free(m);
    CHECK_DONE();
}
