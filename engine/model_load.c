/* Model loading: map the file (or adopt a buffer), parse, validate, fill
 * struct gft_model; model info and freeing.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "dec_convs.h"
#include "kernels_q8i8.h"
#include "loader.h"
#include "upscale.h"

#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct arena_block {
    struct arena_block *next;
    alignas(max_align_t) unsigned char data[];
} arena_block;

void *gft_arena_alloc(gft_model *m, size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_block))
        return NULL;
    arena_block *b = calloc(1, sizeof *b + size);
    if (!b)
        return NULL;
    b->next = m->arena;
    m->arena = b;
    return b->data;
}

void gft_arena_free(gft_model *m)
{
    arena_block *b = m->arena;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    m->arena = NULL;
}

static char *copy_string(gft_model *m, const uint8_t *s, uint64_t len)
{
    char *c = gft_arena_alloc(m, (size_t)len + 1);
    if (c && len)
        memcpy(c, s, (size_t)len);
    return c;
}

static gft_status load_general(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    const uint8_t *s;
    uint64_t len;
    gft_status st = gft_kv_get_string(f, "general.architecture", 1, &s, &len, err, err_size);
    if (st != GFT_OK)
        return st;
    if (len != 3 || memcmp(s, "gft", 3) != 0) {
        gft_set_error(err, err_size,
                      "key 'general.architecture' is not 'gft': this GGUF file is not a "
                      "Generate from Text model");
        return GFT_ERR_UNSUPPORTED;
    }
    const gguf_kv *fv = gguf_find_kv(f, "gft.format_version");
    if (!fv) {
        gft_set_error(err, err_size, "required key 'gft.format_version' is missing");
        return GFT_ERR_FORMAT;
    }
    if (fv->type != GGUF_U32 && fv->type != GGUF_I32) {
        gft_set_error(err, err_size, "key 'gft.format_version' has type %s, expected u32",
                      gguf_type_name(fv->type));
        return GFT_ERR_FORMAT;
    }
    if (gguf_rd_u32(fv->value) != 1) {
        gft_set_error(err, err_size,
                      "key 'gft.format_version' = %u: this engine reads format version 1",
                      gguf_rd_u32(fv->value));
        return GFT_ERR_UNSUPPORTED;
    }
    static const char *const keys[3] = {"general.name", "general.description", "general.license"};
    char **dst[3] = {&m->name, &m->description, &m->license};
    for (int i = 0; i < 3; i++) {
        st = gft_kv_get_string(f, keys[i], 0, &s, &len, err, err_size);
        if (st != GFT_OK)
            return st;
        if (!(*dst[i] = copy_string(m, s, len))) {
            gft_set_error(err, err_size, "out of memory");
            return GFT_ERR_NOMEM;
        }
    }
    return GFT_OK;
}

/* Validates m->base/m->size and fills the rest of m. */
static gft_status model_init(gft_model *m, char *err, size_t err_size)
{
    gguf_file f;
    gft_status st = gguf_parse(m->base, m->size, &f, err, err_size);
    if (st != GFT_OK)
        return st;
    st = load_general(&f, m, err, err_size);
    if (st == GFT_OK)
        st = gft_load_hparams(&f, &m->hp, err, err_size);
    if (st == GFT_OK)
        st = gft_load_tokenizer(&f, m, err, err_size);
    if (st == GFT_OK)
        st = gft_load_lexicon(&f, m, err, err_size);
    if (st == GFT_OK)
        st = gft_load_tensors(&f, m, err, err_size);
    if (st == GFT_OK)
        st = gft_load_rerank(&f, m, err, err_size);
    if (st == GFT_OK)
        st = gft_load_upscale(&f, m, err, err_size);
    gguf_file_clear(&f);
    if (st == GFT_OK)
        st = gft_model_pack(m, err, err_size);
    if (st == GFT_OK)
        st = gft_dec_convs_prepare(m, err, err_size);
    if (st == GFT_OK)
        st = gft_up_convs_prepare(m, err, err_size);
    return st;
}

static gft_model *model_new(void)
{
    gft_model *m = calloc(1, sizeof *m);
    if (m)
        atomic_init(&m->fingerprint_state, 0);
    return m;
}

gft_status gft_model_load_from_memory(const void *data, size_t size, gft_model **out, char *err,
                                      size_t err_size)
{
    if (!out) {
        gft_set_error(err, err_size, "out is NULL");
        return GFT_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!data || !size) {
        gft_set_error(err, err_size, "the model buffer is %s", data ? "empty" : "NULL");
        return GFT_ERR_INVALID_ARG;
    }
    gft_model *m = model_new();
    if (!m) {
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    if ((uintptr_t)data % 32) {
        size_t rounded = (size + 63) & ~(size_t)63;
        if (rounded < size || !(m->owned_buf = aligned_alloc(64, rounded))) {
            free(m);
            gft_set_error(err, err_size, "out of memory copying a %zu-byte model", size);
            return GFT_ERR_NOMEM;
        }
        memcpy(m->owned_buf, data, size);
        data = m->owned_buf;
    }
    m->base = data;
    m->size = size;
    gft_status st = model_init(m, err, err_size);
    if (st != GFT_OK) {
        gft_model_free(m);
        return st;
    }
    *out = m;
    return GFT_OK;
}

static gft_status open_error(const char *path, int e, char *err, size_t err_size)
{
    if (e == ENOENT || e == ENOTDIR)
        gft_set_error(err, err_size, "model file '%s' does not exist", path);
    else if (e == EACCES || e == EPERM)
        gft_set_error(err, err_size, "no permission to read model file '%s'", path);
    else if (e == EISDIR)
        gft_set_error(err, err_size, "'%s' is a directory, not a model file", path);
    else
        gft_set_error(err, err_size, "cannot open model file '%s': %s", path, strerror(e));
    return GFT_ERR_IO;
}

gft_status gft_model_load(const char *path, gft_model **out, char *err, size_t err_size)
{
    if (!out) {
        gft_set_error(err, err_size, "out is NULL");
        return GFT_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!path || !*path) {
        gft_set_error(err, err_size, "no model file name given");
        return GFT_ERR_INVALID_ARG;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_error(path, errno, err, err_size);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return open_error(path, e, err, err_size);
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return open_error(path, EISDIR, err, err_size);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        gft_set_error(err, err_size, "'%s' is not a regular file", path);
        return GFT_ERR_IO;
    }
    if (sb.st_size == 0) {
        close(fd);
        gft_set_error(err, err_size, "model file '%s' is empty (0 bytes)", path);
        return GFT_ERR_FORMAT;
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        gft_set_error(err, err_size, "model file '%s' is too large to map", path);
        return GFT_ERR_IO;
    }
    size_t size = (size_t)sb.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_errno = errno;
    close(fd);
    if (map == MAP_FAILED) {
        gft_set_error(err, err_size, "cannot map model file '%s': %s", path, strerror(map_errno));
        return map_errno == ENOMEM ? GFT_ERR_NOMEM : GFT_ERR_IO;
    }
    gft_model *m = model_new();
    if (!m) {
        munmap(map, size);
        gft_set_error(err, err_size, "out of memory");
        return GFT_ERR_NOMEM;
    }
    m->base = map;
    m->size = size;
    m->mapped = 1;
    char why[GFT_ERROR_SIZE];
    why[0] = '\0';
    gft_status st = model_init(m, why, sizeof why);
    if (st != GFT_OK) {
        gft_set_error(err, err_size, "%s: %s", path, why);
        gft_model_free(m);
        return st;
    }
    *out = m;
    return GFT_OK;
}

void gft_model_free(gft_model *model)
{
    if (!model)
        return;
    if (model->mapped)
        munmap((void *)model->base, model->size);
    free(model->owned_buf);
    free(model->packed_buf);
    gft_dec_convs_free(model->dec_convs);
    gft_up_convs_free(model->up_convs);
    gft_arena_free(model);
    free(model);
}

void gft_model_get_info(const gft_model *model, gft_model_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof *info);
    info->name = info->description = info->license = "";
    info->weight_type = "";
    info->int8_isa = "none";
    if (!model)
        return;
    const gft_hparams *hp = &model->hp;
    info->name = model->name ? model->name : "";
    info->description = model->description ? model->description : "";
    info->license = model->license ? model->license : "";
    info->weight_type = model->weight_type ? model->weight_type : "";
    info->file_size = model->size;
    info->n_params = model->n_params;
    info->has_reranker = hp->has_rerank;
    info->int8_kernel = model->packed_buf != NULL;
    info->int8_isa = info->int8_kernel ? gft_q8x16_isa() : "none";
    info->default_candidates = hp->default_candidates;
    info->n_layer = hp->n_layer;
    info->n_embd = hp->n_embd;
    info->n_head = hp->n_head;
    info->n_ff = hp->n_ff;
    info->text_vocab = hp->text_vocab;
    info->text_ctx = hp->text_ctx;
    info->grid_w = hp->grid_w;
    info->grid_h = hp->grid_h;
    info->codebook_size = hp->codebook_size;
    info->code_dim = hp->code_dim;
    info->background_code = hp->background_code;
    info->image_width = hp->image_width;
    info->image_height = hp->image_height;
    info->has_upscaler = hp->has_upscale;
    info->output_width = hp->image_width << (hp->has_upscale ? 1 : 0);
    info->output_height = hp->image_height << (hp->has_upscale ? 1 : 0);
    info->n_known_words = model->tok.n_known;
    info->n_lexicon = model->lex.n;
    info->n_articles = model->lex.n_articles;
    info->defaults = hp->defaults;
}
