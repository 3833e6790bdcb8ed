/* Loading valid tiny models: info, tensor views, rows, half floats,
 * fingerprint, file and unaligned-memory loading, file errors.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft_internal.h"
#include "kernels_q8i8.h"
#include "tiny_model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* gft_model_fingerprint's definition (gft.h): eight word lanes of FNV-1a,
 * folded by byte FNV-1a over the lanes and the size. */
static void reference_fingerprint(const uint8_t *bytes, size_t size, char out[17])
{
    uint64_t lane[8], h = 0xcbf29ce484222325ull;
    for (int l = 0; l < 8; l++)
        lane[l] = h;
    for (size_t i = 0; i < (size + 7) / 8; i++) {
        uint64_t w = 0;
        for (size_t b = 0; b < 8; b++)
            w |= (uint64_t)(8 * i + b < size ? bytes[8 * i + b] : 0) << (8 * b);
        lane[i % 8] = (lane[i % 8] ^ w) * 0x100000001b3ull;
    }
    for (int l = 0; l < 9; l++)
        for (int b = 0; b < 8; b++)
            h = (h ^ (uint8_t)((l < 8 ? lane[l] : (uint64_t)size) >> (8 * b))) * 0x100000001b3ull;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Trailing bytes after the tensor data change the fingerprint, also when
 * they leave a partial word or a partial block of eight words. */
static void test_fingerprint_tails(const uint8_t *bytes, size_t size)
{
    static const size_t extra[] = {1, 7, 8, 9, 63, 64, 65};
    uint8_t *copy = malloc(size + 65);
    char prev[17] = "", want[17], got[17], err[GFT_ERROR_SIZE];
    for (size_t k = 0; copy && k < sizeof extra / sizeof *extra; k++) {
        memcpy(copy, bytes, size);
        for (size_t i = 0; i < extra[k]; i++)
            copy[size + i] = (uint8_t)(i * 37 + 1);
        gft_model *m = NULL;
        gft_status st = gft_model_load_from_memory(copy, size + extra[k], &m, err, sizeof err);
        CHECK(st == GFT_OK, "%zu trailing bytes: %s", extra[k], err);
        if (st != GFT_OK)
            continue;
        reference_fingerprint(copy, size + extra[k], want);
        gft_model_fingerprint(m, got);
        CHECK(strcmp(got, want) == 0, "%zu trailing bytes: fingerprint %s != %s", extra[k], got,
              want);
        CHECK(strcmp(got, prev) != 0, "%zu trailing bytes: same fingerprint as before", extra[k]);
        memcpy(prev, got, sizeof prev);
        gft_model_free(m);
    }
    free(copy);
}

static void test_f16(void)
{
    CHECK(gft_f16_to_f32(0x3c00) == 1.0f, "1.0");
    CHECK(gft_f16_to_f32(0xc000) == -2.0f, "-2.0");
    CHECK(gft_f16_to_f32(0x7bff) == 65504.0f, "max");
    CHECK(gft_f16_to_f32(0x0001) == ldexpf(1.0f, -24), "smallest subnormal");
    CHECK(isinf(gft_f16_to_f32(0x7c00)), "inf");
    CHECK(isnan(gft_f16_to_f32(0x7e00)), "nan");
    CHECK(gft_f32_to_f16(1.0f) == 0x3c00, "1.0 -> %04x", gft_f32_to_f16(1.0f));
    CHECK(gft_f32_to_f16(65520.0f) == 0x7c00, "65520 rounds to inf");
    CHECK(gft_f32_to_f16(65519.0f) == 0x7bff, "65519 rounds to max");
    CHECK(gft_f32_to_f16(ldexpf(1.0f, -25)) == 0, "2^-25 ties to zero");
    CHECK(gft_f32_to_f16(ldexpf(1.5f, -25)) == 1, "1.5*2^-25 rounds up");
    CHECK(gft_f32_to_f16(1.0f + ldexpf(1.0f, -11)) == 0x3c00, "tie to even (down)");
    CHECK(gft_f32_to_f16(1.0f + 3 * ldexpf(1.0f, -11)) == 0x3c02, "tie to even (up)");
    /* every finite half survives the round trip */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00)
            continue;
        if (gft_f32_to_f16(gft_f16_to_f32((uint16_t)h)) != h)
            bad++;
    }
    CHECK(bad == 0, "%d halves do not round-trip", bad);
}

static void check_rows(const gft_tensor *t, gb *b, const char *name)
{
    gb_tensor *src = gb_find_tensor(b, name);
    CHECK(src != NULL, "builder tensor %s", name);
    if (!src)
        return;
    float row[256];
    int64_t rows = t->ne[1] * t->ne[2] * t->ne[3];
    for (int64_t r = 0; r < rows; r++) {
        gft_tensor_row_f32(t, r, row);
        for (int64_t i = 0; i < t->ne[0]; i++)
            if (row[i] != src->values[r * t->ne[0] + i]) {
                CHECK(0, "%s row %lld col %lld: %g != %g", name, (long long)r, (long long)i,
                      (double)row[i], (double)src->values[r * t->ne[0] + i]);
                return;
            }
    }
}

static void test_valid(uint32_t mt, uint32_t et, const char *want_type)
{
    gb *b = tiny_model_builder(mt, et);
    size_t size;
    uint8_t *bytes = gb_serialize(b, &size);
    char err[GFT_ERROR_SIZE] = "";
    gft_model *m = NULL;
    gft_status st = gft_model_load_from_memory(bytes, size, &m, err, sizeof err);
    CHECK(st == GFT_OK && m, "load %s: %s", want_type, err);
    if (!m) {
        free(bytes);
        gb_free(b);
        return;
    }
    gft_model_info info;
    gft_model_get_info(m, &info);
    CHECK(strcmp(info.name, "tiny test model") == 0, "name '%s'", info.name);
    CHECK(strcmp(info.license, "CC0-1.0") == 0, "license");
    CHECK(strcmp(info.weight_type, want_type) == 0, "weight type %s != %s", info.weight_type,
          want_type);
    CHECK(info.file_size == size, "file size");
    CHECK(info.n_layer == TINY_N_LAYER && info.n_embd == TINY_N_EMBD &&
              info.n_head == TINY_N_HEAD && info.n_ff == TINY_N_FF,
          "transformer dims");
    CHECK(info.text_vocab == (uint32_t)TINY_VOCAB && info.text_ctx == TINY_CTX, "text dims");
    CHECK(info.grid_w == TINY_GRID_W && info.grid_h == TINY_GRID_H, "grid");
    CHECK(info.image_width == TINY_GRID_W * 2 && info.image_height == TINY_GRID_H * 2,
          "image %ux%u", info.image_width, info.image_height);
    CHECK(info.codebook_size == TINY_K && info.code_dim == TINY_CODE_DIM, "codebook");
    CHECK(info.n_known_words == (uint32_t)tiny_n_known_words, "known words");
    CHECK(info.background_code == -1, "no gft.vq.background_code: no background code");
    CHECK(info.defaults.temperature == 0.9f && info.defaults.top_k == 8 &&
              info.defaults.top_p == 0.95f && info.defaults.guidance == 3.0f,
          "sampling defaults");
    /* Q8_0 matrices are packed for the int8 kernel where the build has it
     * (TINY's sizes are whole groups of 16 outputs) */
    int want_int8 = mt == GB_T_Q8_0 && gft_q8x16_available();
    CHECK(info.int8_kernel == want_int8, "%s: int8 kernel %d", want_type, info.int8_kernel);
    CHECK(!want_int8 || (m->layers[0].ffn_down.packed && m->head.packed), "%s: packed", want_type);
    if (want_int8) {
        gft_model *m2 = NULL;
        setenv("GFT_NO_INT8", "1", 1);
        CHECK(gft_model_load_from_memory(bytes, size, &m2, err, sizeof err) == GFT_OK, "load");
        unsetenv("GFT_NO_INT8");
        gft_model_info i2;
        gft_model_get_info(m2, &i2);
        CHECK(m2 && !i2.int8_kernel && !m2->head.packed, "GFT_NO_INT8=1: not packed");
        gft_model_free(m2);
    }
    uint64_t n_params = 0;
    for (size_t i = 0; i < gb_n_tensors(b); i++) {
        gb_tensor *t = gb_tensor_at(b, i);
        n_params += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    }
    CHECK(info.n_params == n_params, "n_params %llu != %llu", (unsigned long long)info.n_params,
          (unsigned long long)n_params);

    /* tensor views point at the right bytes with the right shapes */
    CHECK(m->layers[1].ffn_down.ne[0] == TINY_N_FF && m->layers[1].ffn_down.ne[1] == TINY_N_EMBD,
          "ffn_down dims");
    CHECK(strcmp(m->layers[1].ffn_down.name, "blk.1.ffn_down.weight") == 0, "tensor name");
    CHECK(m->dec_levels[1].up_w.data == NULL, "no up conv on the last level");
    CHECK(m->dec_levels[0].up_w.ne[2] == 8 && m->dec_levels[0].up_w.ne[3] == 4, "up conv dims");
    CHECK(m->hp.dec_n_levels == 2 && m->hp.dec_channels[1] == 4, "channels");
    check_rows(&m->layers[0].attn_q, b, "blk.0.attn_q.weight");
    check_rows(&m->layers[1].ffn_up, b, "blk.1.ffn_up.weight");
    check_rows(&m->head, b, "head.weight");
    check_rows(&m->text_emb, b, "text_emb.weight");
    check_rows(&m->vq_codebook, b, "vq.codebook");
    check_rows(&m->dec_conv_out_w, b, "dec.conv_out.weight");

    /* fingerprint, stable */
    char want[17], fp1[17], fp2[17];
    reference_fingerprint(bytes, size, want);
    gft_model_fingerprint(m, fp1);
    gft_model_fingerprint(m, fp2);
    CHECK(strcmp(fp1, want) == 0 && strcmp(fp2, want) == 0, "fingerprint %s != %s", fp1, want);
    test_fingerprint_tails(bytes, size);

    /* params init takes the model's defaults */
    gft_generate_params p;
    gft_generate_params_init(&p, m);
    CHECK(p.sampling.top_k == 8 && p.n_variations == 1 && p.n_threads == 0 && !p.progress,
          "params init");
    gft_model_free(m);

    /* unaligned buffer: copied, same result */
    uint8_t *shifted = malloc(size + 1);
    memcpy(shifted + 1, bytes, size);
    st = gft_model_load_from_memory(shifted + 1, size, &m, err, sizeof err);
    CHECK(st == GFT_OK, "unaligned load: %s", err);
    if (m) {
        CHECK(m->owned_buf != NULL && ((uintptr_t)m->base % 32) == 0, "copied aligned");
        check_rows(&m->layers[0].attn_v, b, "blk.0.attn_v.weight");
        gft_model_free(m);
    }
    free(shifted);
    free(bytes);
    gb_free(b);
}

static void test_file_load(void)
{
    char dir[] = "/tmp/gft-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[256], err[GFT_ERROR_SIZE];
    gft_model *m = (gft_model *)1;

    snprintf(path, sizeof path, "%s/missing.gguf", dir);
    CHECK(gft_model_load(path, &m, err, sizeof err) == GFT_ERR_IO && m == NULL, "missing");
    CHECK(strstr(err, "does not exist") && strstr(err, "missing.gguf"), "message: %s", err);

    CHECK(gft_model_load(dir, &m, err, sizeof err) == GFT_ERR_IO, "directory");
    CHECK(strstr(err, "directory") != NULL, "message: %s", err);

    snprintf(path, sizeof path, "%s/empty.gguf", dir);
    FILE *f = fopen(path, "wb");
    fclose(f);
    CHECK(gft_model_load(path, &m, err, sizeof err) == GFT_ERR_FORMAT, "empty");
    CHECK(strstr(err, "empty") != NULL, "message: %s", err);

    size_t size;
    uint8_t *bytes = tiny_model_bytes(&size);
    snprintf(path, sizeof path, "%s/tiny.gguf", dir);
    f = fopen(path, "wb");
    fwrite(bytes, 1, size, f);
    fclose(f);
    CHECK(gft_model_load(path, &m, err, sizeof err) == GFT_OK && m, "load file: %s", err);
    if (m) {
        CHECK(m->mapped == 1, "mapped");
        char fp[17];
        gft_model_fingerprint(m, fp);
        CHECK(strlen(fp) == 16, "fingerprint");
        gft_model_free(m);
    }

    /* a file cut short: a clear message naming the truncation */
    f = fopen(path, "wb");
    fwrite(bytes, 1, size - 1000, f);
    fclose(f);
    CHECK(gft_model_load(path, &m, err, sizeof err) == GFT_ERR_FORMAT && !m, "truncated file");
    CHECK(strstr(err, "truncated") && strstr(err, "tiny.gguf"), "message: %s", err);
    unlink(path);

    if (geteuid() != 0) { /* root reads anything */
        snprintf(path, sizeof path, "%s/noperm.gguf", dir);
        f = fopen(path, "wb");
        fwrite(bytes, 1, size, f);
        fclose(f);
        chmod(path, 0);
        CHECK(gft_model_load(path, &m, err, sizeof err) == GFT_ERR_IO, "no permission");
        CHECK(strstr(err, "permission") != NULL, "message: %s", err);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/empty.gguf", dir);
    unlink(path);
    rmdir(dir);
    free(bytes);

    CHECK(gft_model_load(NULL, &m, err, sizeof err) == GFT_ERR_INVALID_ARG, "NULL path");
    CHECK(gft_model_load_from_memory(NULL, 10, &m, err, sizeof err) == GFT_ERR_INVALID_ARG,
          "NULL buffer");
    gft_model_free(NULL);
}

typedef struct {
    const gft_model *m;
    char fp[17];
} fp_job;

static void *fingerprint_thread(void *arg)
{
    fp_job *job = arg;
    gft_model_fingerprint(job->m, job->fp);
    return NULL;
}

/* The lazy fingerprint cache is filled safely by racing threads. */
static void test_fingerprint_threads(void)
{
    size_t size;
    uint8_t *bytes = tiny_model_bytes(&size);
    char err[GFT_ERROR_SIZE];
    gft_model *m = NULL;
    CHECK(gft_model_load_from_memory(bytes, size, &m, err, sizeof err) == GFT_OK, "%s", err);
    if (m) {
        fp_job jobs[4];
        pthread_t th[4];
        for (int i = 0; i < 4; i++) {
            jobs[i].m = m;
            pthread_create(&th[i], NULL, fingerprint_thread, &jobs[i]);
        }
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        char again[17];
        gft_model_fingerprint(m, again);
        for (int i = 0; i < 4; i++)
            CHECK(strcmp(jobs[i].fp, again) == 0, "thread %d: %s != %s", i, jobs[i].fp, again);
        gft_model_free(m);
    }
    free(bytes);
}

static void test_sampling_check(void)
{
    char err[256];
    gft_sampling s = {1.0f, 0, 1.0f, 1.0f, 0};
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_OK, "defaults ok");
    s.temperature = 0.0f;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_OK, "greedy ok");
    s.temperature = NAN;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "NaN temp");
    s.temperature = 10.5f;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "temp > 10");
    s.temperature = 1.0f;
    s.top_k = 17;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "top_k > K");
    s.top_k = 16;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_OK, "top_k = K");
    s.top_p = 0.0f;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "top_p 0");
    s.top_p = NAN;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "top_p NaN");
    s.top_p = 1.0f;
    s.guidance = 30.5f;
    CHECK(gft_sampling_check(&s, 16, err, sizeof err) == GFT_ERR_INVALID_ARG, "guidance");
    CHECK(strstr(err, "guidance") != NULL, "message: %s", err);
    CHECK(strcmp(gft_status_string(GFT_ERR_FORMAT), "format error") == 0, "status string");
    CHECK(gft_status_string((gft_status)99) != NULL, "unknown status string");
}

int main(void)
{
    test_f16();
    test_valid(GB_T_F32, GB_T_F32, "F32");
    test_valid(GB_T_F16, GB_T_F16, "F16");
    test_valid(GB_T_Q8_0, GB_T_F16, "Q8_0");
    test_file_load();
    test_fingerprint_threads();
    test_sampling_check();
    CHECK_DONE();
}
