/* Bounds-checked GGUF v3 reader.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gguf.h"
#include "gft_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t gguf_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t gguf_rd_u64(const uint8_t *p)
{
    return (uint64_t)gguf_rd_u32(p) | (uint64_t)gguf_rd_u32(p + 4) << 32;
}

size_t gguf_value_size(uint32_t type)
{
    switch (type) {
    case GGUF_U8:
    case GGUF_I8:
    case GGUF_BOOL:
        return 1;
    case GGUF_U16:
    case GGUF_I16:
        return 2;
    case GGUF_U32:
    case GGUF_I32:
    case GGUF_F32:
        return 4;
    case GGUF_U64:
    case GGUF_I64:
    case GGUF_F64:
        return 8;
    default:
        return 0;
    }
}

const char *gguf_type_name(uint32_t type)
{
    static const char *const names[GGUF_N_TYPES] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                                    "i32", "f32", "bool", "string", "array",
                                                    "u64", "i64", "f64"};
    return type < GGUF_N_TYPES ? names[type] : "unknown";
}

/* A printable, shortened copy of a key or tensor name for messages. */
static const char *printable(const uint8_t *s, uint64_t len, char buf[72])
{
    size_t n = 0;
    for (uint64_t i = 0; i < len && n < 64; i++)
        buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    if (len > 64) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

typedef struct {
    const uint8_t *base;
    size_t size;
    size_t pos;
    char *err;
    size_t err_size;
} reader;

/* 1 when n more bytes are available at the read position. */
static int need(reader *r, uint64_t n, const char *what)
{
    if (n > r->size - r->pos) {
        gft_set_error(r->err, r->err_size,
                      "file is truncated: %s at byte offset %zu needs %llu bytes, "
                      "but only %zu remain (file size %zu)",
                      what, r->pos, (unsigned long long)n, r->size - r->pos, r->size);
        return 0;
    }
    return 1;
}

static int read_u32(reader *r, uint32_t *v, const char *what)
{
    if (!need(r, 4, what))
        return 0;
    *v = gguf_rd_u32(r->base + r->pos);
    r->pos += 4;
    return 1;
}

static int read_u64(reader *r, uint64_t *v, const char *what)
{
    if (!need(r, 8, what))
        return 0;
    *v = gguf_rd_u64(r->base + r->pos);
    r->pos += 8;
    return 1;
}

static int read_string(reader *r, const uint8_t **s, uint64_t *len, const char *what)
{
    size_t at = r->pos;
    if (!read_u64(r, len, what))
        return 0;
    if (*len > GGUF_MAX_STRING) {
        gft_set_error(r->err, r->err_size,
                      "%s at byte offset %zu has length %llu (more than the 1 MiB limit)", what, at,
                      (unsigned long long)*len);
        return 0;
    }
    if (!need(r, *len, what))
        return 0;
    *s = r->base + r->pos;
    r->pos += (size_t)*len;
    return 1;
}

static int parse_value(reader *r, gguf_kv *kv, const char *key)
{
    char what[128];
    if (kv->type >= GGUF_N_TYPES) {
        gft_set_error(r->err, r->err_size, "key '%s' has unknown value type %u", key, kv->type);
        return 0;
    }
    snprintf(what, sizeof what, "value of key '%s'", key);
    if (kv->type == GGUF_STRING)
        return read_string(r, &kv->value, &kv->str_len, what);
    if (kv->type != GGUF_ARRAY) {
        size_t n = gguf_value_size(kv->type);
        if (!need(r, n, what))
            return 0;
        kv->value = r->base + r->pos;
        r->pos += n;
        return 1;
    }
    if (!read_u32(r, &kv->arr_type, what) || !read_u64(r, &kv->arr_n, what))
        return 0;
    if (kv->arr_type == GGUF_ARRAY) {
        gft_set_error(r->err, r->err_size, "key '%s' is a nested array (not allowed)", key);
        return 0;
    }
    if (kv->arr_type >= GGUF_N_TYPES) {
        gft_set_error(r->err, r->err_size, "key '%s' is an array of unknown type %u", key,
                      kv->arr_type);
        return 0;
    }
    kv->value = r->base + r->pos;
    size_t esize = kv->arr_type == GGUF_STRING ? 8 : gguf_value_size(kv->arr_type);
    /* every element takes at least esize bytes: reject impossible counts
     * before any multiplication */
    if (kv->arr_n > (r->size - r->pos) / esize) {
        gft_set_error(r->err, r->err_size,
                      "array '%s' at byte offset %zu claims %llu elements, more than the "
                      "%zu remaining bytes can hold",
                      key, kv->file_offset, (unsigned long long)kv->arr_n, r->size - r->pos);
        return 0;
    }
    if (kv->arr_type != GGUF_STRING) {
        r->pos += (size_t)kv->arr_n * esize;
        return 1;
    }
    snprintf(what, sizeof what, "string element of array '%s'", key);
    for (uint64_t i = 0; i < kv->arr_n; i++) {
        const uint8_t *s;
        uint64_t len;
        if (!read_string(r, &s, &len, what))
            return 0;
    }
    return 1;
}

typedef struct {
    const uint8_t *s;
    uint64_t len;
    uint32_t index;
} name_ref;

static int name_cmp(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    uint64_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->s, y->s, (size_t)n) : 0;
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Sorts refs by name; returns the index of a duplicated entry or -1. */
static long sort_find_duplicate(name_ref *refs, uint32_t n)
{
    qsort(refs, n, sizeof *refs, name_cmp);
    for (uint32_t i = 1; i < n; i++)
        if (refs[i].len == refs[i - 1].len &&
            (refs[i].len == 0 || memcmp(refs[i].s, refs[i - 1].s, (size_t)refs[i].len) == 0))
            return (long)i;
    return -1;
}

static int parse_header(reader *r, gguf_file *f)
{
    if (!need(r, 4, "magic"))
        return GFT_ERR_FORMAT;
    if (memcmp(r->base, "GGUF", 4) != 0) {
        gft_set_error(r->err, r->err_size, "not a GGUF file (bad magic at byte offset 0)");
        return GFT_ERR_FORMAT;
    }
    r->pos = 4;
    uint32_t version;
    uint64_t n_tensors, n_kv;
    if (!read_u32(r, &version, "version"))
        return GFT_ERR_FORMAT;
    if (version != 3) {
        gft_set_error(r->err, r->err_size, "GGUF version %u is not supported (need 3)", version);
        return version == 1 || version == 2 ? GFT_ERR_UNSUPPORTED : GFT_ERR_FORMAT;
    }
    if (!read_u64(r, &n_tensors, "tensor count") || !read_u64(r, &n_kv, "key/value count"))
        return GFT_ERR_FORMAT;
    if (n_tensors > GGUF_MAX_TENSORS) {
        gft_set_error(r->err, r->err_size, "tensor count %llu at byte offset 8 exceeds %u",
                      (unsigned long long)n_tensors, GGUF_MAX_TENSORS);
        return GFT_ERR_FORMAT;
    }
    if (n_kv > GGUF_MAX_KV) {
        gft_set_error(r->err, r->err_size, "key/value count %llu at byte offset 16 exceeds %u",
                      (unsigned long long)n_kv, GGUF_MAX_KV);
        return GFT_ERR_FORMAT;
    }
    /* a pair needs >= 12 bytes and a tensor info >= 24: cheap early rejection */
    if (n_kv * 12 + n_tensors * 24 > r->size - r->pos) {
        gft_set_error(r->err, r->err_size,
                      "file is truncated: %llu key/value pairs and %llu tensors cannot fit in "
                      "the %zu bytes after the header",
                      (unsigned long long)n_kv, (unsigned long long)n_tensors, r->size - r->pos);
        return GFT_ERR_FORMAT;
    }
    f->n_kv = (uint32_t)n_kv;
    f->n_tensors = (uint32_t)n_tensors;
    return GFT_OK;
}

static int parse_kvs(reader *r, gguf_file *f)
{
    char kbuf[72];
    for (uint32_t i = 0; i < f->n_kv; i++) {
        gguf_kv *kv = &f->kv[i];
        uint64_t key_len;
        kv->file_offset = r->pos;
        if (!read_string(r, &kv->key, &key_len, "key"))
            return GFT_ERR_FORMAT;
        if (key_len == 0 || key_len > 65535) {
            gft_set_error(r->err, r->err_size, "key at byte offset %zu has length %llu",
                          kv->file_offset, (unsigned long long)key_len);
            return GFT_ERR_FORMAT;
        }
        kv->key_len = (uint32_t)key_len;
        printable(kv->key, key_len, kbuf);
        if (!read_u32(r, &kv->type, "value type") || !parse_value(r, kv, kbuf))
            return GFT_ERR_FORMAT;
    }
    name_ref *refs = malloc(sizeof *refs * (f->n_kv ? f->n_kv : 1));
    if (!refs) {
        gft_set_error(r->err, r->err_size, "out of memory reading the key/value pairs");
        return GFT_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < f->n_kv; i++)
        refs[i] = (name_ref){f->kv[i].key, f->kv[i].key_len, i};
    long dup = sort_find_duplicate(refs, f->n_kv);
    if (dup >= 0) {
        const gguf_kv *kv = &f->kv[refs[dup].index];
        gft_set_error(r->err, r->err_size, "duplicate key '%s' at byte offset %zu",
                      printable(kv->key, kv->key_len, kbuf), kv->file_offset);
        free(refs);
        return GFT_ERR_FORMAT;
    }
    free(refs);

    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    const gguf_kv *al = gguf_find_kv(f, "general.alignment");
    if (al) {
        uint32_t a = al->type == GGUF_U32 ? gguf_rd_u32(al->value) : 0;
        if (al->type != GGUF_U32 || a < 8 || a > 4096 || (a & (a - 1))) {
            gft_set_error(r->err, r->err_size,
                          "key 'general.alignment' at byte offset %zu must be a u32 power of "
                          "two in 8..4096",
                          al->file_offset);
            return GFT_ERR_FORMAT;
        }
        f->alignment = a;
    }
    return GFT_OK;
}

/* Element count and byte size of a tensor; 0 on a bad shape or type. */
static gft_status tensor_size(reader *r, gguf_tensor_info *t, const char *name)
{
    uint64_t n = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        uint64_t dim = (uint64_t)t->ne[d];
        if (dim == 0 || n > (UINT64_MAX >> 8) / dim) {
            gft_set_error(r->err, r->err_size, "tensor '%s' at byte offset %zu has a %s dims[%u]",
                          name, t->file_offset, dim == 0 ? "zero" : "too large", d);
            return GFT_ERR_FORMAT;
        }
        n *= dim;
    }
    t->n_elements = n;
    switch (t->type) {
    case GFT_TYPE_F32:
        t->n_bytes = n * 4;
        break;
    case GFT_TYPE_F16:
        t->n_bytes = n * 2;
        break;
    case GFT_TYPE_Q8_0:
        if (t->ne[0] % GFT_Q8_0_BLOCK) {
            gft_set_error(r->err, r->err_size,
                          "Q8_0 tensor '%s' has dims[0] = %lld, not a multiple of 32", name,
                          (long long)t->ne[0]);
            return GFT_ERR_FORMAT;
        }
        t->n_bytes = n / GFT_Q8_0_BLOCK * sizeof(gft_block_q8_0);
        break;
    default:
        gft_set_error(r->err, r->err_size,
                      "tensor '%s' has type %u; only F32 (0), F16 (1) and Q8_0 (8) are supported",
                      name, t->type);
        return t->type < 64 ? GFT_ERR_UNSUPPORTED : GFT_ERR_FORMAT;
    }
    return GFT_OK;
}

static int parse_tensor_infos(reader *r, gguf_file *f)
{
    char nbuf[72];
    for (uint32_t i = 0; i < f->n_tensors; i++) {
        gguf_tensor_info *t = &f->tensors[i];
        uint64_t name_len;
        t->file_offset = r->pos;
        if (!read_string(r, &t->name, &name_len, "tensor name"))
            return GFT_ERR_FORMAT;
        if (name_len == 0 || name_len > 65535) {
            gft_set_error(r->err, r->err_size, "tensor name at byte offset %zu has length %llu",
                          t->file_offset, (unsigned long long)name_len);
            return GFT_ERR_FORMAT;
        }
        t->name_len = (uint32_t)name_len;
        printable(t->name, name_len, nbuf);
        if (!read_u32(r, &t->n_dims, "tensor dimension count"))
            return GFT_ERR_FORMAT;
        if (t->n_dims < 1 || t->n_dims > 4) {
            gft_set_error(r->err, r->err_size, "tensor '%s' at byte offset %zu has %u dims (1-4)",
                          nbuf, t->file_offset, t->n_dims);
            return GFT_ERR_FORMAT;
        }
        for (int d = 0; d < 4; d++)
            t->ne[d] = 1;
        for (uint32_t d = 0; d < t->n_dims; d++) {
            uint64_t dim;
            if (!read_u64(r, &dim, "tensor dims"))
                return GFT_ERR_FORMAT;
            if (dim > (uint64_t)INT64_MAX)
                dim = 0; /* reported as a bad dim below */
            t->ne[d] = (int64_t)dim;
        }
        if (!read_u32(r, &t->type, "tensor type") || !read_u64(r, &t->offset, "tensor offset"))
            return GFT_ERR_FORMAT;
        gft_status st = tensor_size(r, t, nbuf);
        if (st != GFT_OK)
            return st;
    }
    return GFT_OK;
}

static int offset_cmp(const void *a, const void *b)
{
    const gguf_tensor_info *x = *(const gguf_tensor_info *const *)a;
    const gguf_tensor_info *y = *(const gguf_tensor_info *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int check_data_section(reader *r, gguf_file *f)
{
    char nbuf[72], nbuf2[72];
    size_t a = f->alignment;
    size_t start = r->pos + (a - r->pos % a) % a;
    if (f->n_tensors > 0 && start > r->size) {
        gft_set_error(r->err, r->err_size,
                      "file is truncated: the tensor data section would start at byte offset "
                      "%zu, past the end of the %zu-byte file",
                      start, r->size);
        return GFT_ERR_FORMAT;
    }
    f->data_start = start <= r->size ? start : r->size;
    uint64_t data_size = r->size - f->data_start;
    for (uint32_t i = 0; i < f->n_tensors; i++) {
        const gguf_tensor_info *t = &f->tensors[i];
        printable(t->name, t->name_len, nbuf);
        if (t->offset % a) {
            gft_set_error(r->err, r->err_size,
                          "tensor '%s' has data offset %llu, not a multiple of the alignment %zu",
                          nbuf, (unsigned long long)t->offset, a);
            return GFT_ERR_FORMAT;
        }
        if (t->offset > data_size || t->n_bytes > data_size - t->offset) {
            gft_set_error(r->err, r->err_size,
                          "tensor '%s' (%llu bytes at data offset %llu, file offset %llu) lies "
                          "outside the %llu-byte data section: file truncated or corrupt",
                          nbuf, (unsigned long long)t->n_bytes, (unsigned long long)t->offset,
                          (unsigned long long)(f->data_start + t->offset),
                          (unsigned long long)data_size);
            return GFT_ERR_FORMAT;
        }
    }
    if (f->n_tensors < 2)
        return GFT_OK;
    const gguf_tensor_info **order = malloc(sizeof *order * f->n_tensors);
    if (!order) {
        gft_set_error(r->err, r->err_size, "out of memory checking tensor ranges");
        return GFT_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < f->n_tensors; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->n_tensors, sizeof *order, offset_cmp);
    for (uint32_t i = 1; i < f->n_tensors; i++) {
        const gguf_tensor_info *p = order[i - 1], *t = order[i];
        if (p->offset + p->n_bytes > t->offset) {
            gft_set_error(r->err, r->err_size,
                          "tensors '%s' (data offset %llu, %llu bytes) and '%s' (data offset "
                          "%llu) overlap",
                          printable(p->name, p->name_len, nbuf), (unsigned long long)p->offset,
                          (unsigned long long)p->n_bytes, printable(t->name, t->name_len, nbuf2),
                          (unsigned long long)t->offset);
            free(order);
            return GFT_ERR_FORMAT;
        }
    }
    free(order);
    return GFT_OK;
}

static int index_tensor_names(reader *r, gguf_file *f)
{
    char nbuf[72];
    name_ref *refs = malloc(sizeof *refs * (f->n_tensors ? f->n_tensors : 1));
    f->tensors_by_name = malloc(sizeof *f->tensors_by_name * (f->n_tensors ? f->n_tensors : 1));
    if (!refs || !f->tensors_by_name) {
        free(refs);
        gft_set_error(r->err, r->err_size, "out of memory indexing tensor names");
        return GFT_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < f->n_tensors; i++)
        refs[i] = (name_ref){f->tensors[i].name, f->tensors[i].name_len, i};
    long dup = sort_find_duplicate(refs, f->n_tensors);
    if (dup >= 0) {
        const gguf_tensor_info *t = &f->tensors[refs[dup].index];
        gft_set_error(r->err, r->err_size, "duplicate tensor name '%s' at byte offset %zu",
                      printable(t->name, t->name_len, nbuf), t->file_offset);
        free(refs);
        return GFT_ERR_FORMAT;
    }
    for (uint32_t i = 0; i < f->n_tensors; i++)
        f->tensors_by_name[i] = refs[i].index;
    free(refs);
    return GFT_OK;
}

gft_status gguf_parse(const uint8_t *base, size_t size, gguf_file *f, char *err, size_t err_size)
{
    memset(f, 0, sizeof *f);
    if (!base && size) {
        gft_set_error(err, err_size, "no data");
        return GFT_ERR_INVALID_ARG;
    }
    reader r = {base, size, 0, err, err_size};
    f->base = base;
    f->size = size;
    gft_status st = parse_header(&r, f);
    if (st != GFT_OK)
        return st;
    f->kv = calloc(f->n_kv ? f->n_kv : 1, sizeof *f->kv);
    f->tensors = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *f->tensors);
    if (!f->kv || !f->tensors) {
        gguf_file_clear(f);
        gft_set_error(err, err_size, "out of memory reading the GGUF header");
        return GFT_ERR_NOMEM;
    }
    st = parse_kvs(&r, f);
    if (st == GFT_OK)
        st = parse_tensor_infos(&r, f);
    if (st == GFT_OK)
        st = check_data_section(&r, f);
    if (st == GFT_OK)
        st = index_tensor_names(&r, f);
    if (st != GFT_OK)
        gguf_file_clear(f);
    return st;
}

void gguf_file_clear(gguf_file *f)
{
    free(f->kv);
    free(f->tensors);
    free(f->tensors_by_name);
    memset(f, 0, sizeof *f);
}

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key)
{
    size_t len = strlen(key);
    for (uint32_t i = 0; i < f->n_kv; i++)
        if (f->kv[i].key_len == len && memcmp(f->kv[i].key, key, len) == 0)
            return &f->kv[i];
    return NULL;
}

const gguf_tensor_info *gguf_find_tensor(const gguf_file *f, const char *name)
{
    size_t len = strlen(name);
    uint32_t lo = 0, hi = f->n_tensors;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const gguf_tensor_info *t = &f->tensors[f->tensors_by_name[mid]];
        size_t n = t->name_len < len ? t->name_len : len;
        int c = memcmp(t->name, name, n);
        if (c == 0 && t->name_len != len)
            c = t->name_len < len ? -1 : 1;
        if (c == 0)
            return t;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void gguf_string_iter_init(gguf_string_iter *it, const gguf_kv *kv)
{
    it->p = kv->value;
}

void gguf_string_iter_next(gguf_string_iter *it, const uint8_t **bytes, uint64_t *len)
{
    *len = gguf_rd_u64(it->p);
    *bytes = it->p + 8;
    it->p += 8 + (size_t)*len;
}
