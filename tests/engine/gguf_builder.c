/* Test-only GGUF v3 writer.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gguf_builder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    uint32_t type;
    uint8_t *payload;
    size_t n;
} gb_kv;

struct gb {
    gb_kv *kv;
    size_t n_kv, cap_kv;
    gb_tensor *t;
    size_t n_t, cap_t;
    uint32_t alignment;
    int allow_dup;
    uint32_t rng;
    size_t last_data_start;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "gguf_builder: out of memory\n");
        abort();
    }
    return q;
}

gb *gb_new(void)
{
    gb *b = xrealloc(NULL, sizeof *b);
    memset(b, 0, sizeof *b);
    b->alignment = 32;
    b->rng = 12345;
    return b;
}

void gb_free(gb *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_kv; i++) {
        free(b->kv[i].key);
        free(b->kv[i].payload);
    }
    for (size_t i = 0; i < b->n_t; i++) {
        free(b->t[i].data);
        free((void *)b->t[i].values);
    }
    free(b->kv);
    free(b->t);
    free(b);
}

void gb_set_alignment(gb *b, uint32_t alignment, int write_key)
{
    b->alignment = alignment;
    if (write_key)
        gb_kv_u32(b, "general.alignment", alignment);
}

void gb_allow_dup(gb *b, int allow)
{
    b->allow_dup = allow;
}

void gb_kv_raw(gb *b, const char *key, uint32_t type, const void *payload, size_t n)
{
    gb_kv *kv = NULL;
    if (!b->allow_dup)
        for (size_t i = 0; i < b->n_kv; i++)
            if (strcmp(b->kv[i].key, key) == 0)
                kv = &b->kv[i];
    if (kv) {
        free(kv->payload);
    } else {
        if (b->n_kv == b->cap_kv) {
            b->cap_kv = b->cap_kv ? 2 * b->cap_kv : 32;
            b->kv = xrealloc(b->kv, b->cap_kv * sizeof *b->kv);
        }
        kv = &b->kv[b->n_kv++];
        kv->key = strdup(key);
    }
    kv->type = type;
    kv->payload = xrealloc(NULL, n ? n : 1);
    memcpy(kv->payload, payload, n);
    kv->n = n;
}

void gb_kv_u32(gb *b, const char *key, uint32_t v)
{
    gb_kv_raw(b, key, GB_U32, &v, 4);
}

void gb_kv_i32(gb *b, const char *key, int32_t v)
{
    gb_kv_raw(b, key, GB_I32, &v, 4);
}

void gb_kv_f32(gb *b, const char *key, float v)
{
    gb_kv_raw(b, key, GB_F32, &v, 4);
}

void gb_kv_str(gb *b, const char *key, const char *s)
{
    uint64_t len = strlen(s);
    uint8_t *p = xrealloc(NULL, 8 + len);
    memcpy(p, &len, 8);
    memcpy(p + 8, s, len);
    gb_kv_raw(b, key, GB_STRING, p, 8 + len);
    free(p);
}

static void kv_arr_fixed(gb *b, const char *key, uint32_t et, const void *v, size_t n, size_t es)
{
    uint64_t n64 = n;
    uint8_t *p = xrealloc(NULL, 12 + n * es);
    memcpy(p, &et, 4);
    memcpy(p + 4, &n64, 8);
    if (n)
        memcpy(p + 12, v, n * es);
    gb_kv_raw(b, key, GB_ARRAY, p, 12 + n * es);
    free(p);
}

void gb_kv_arr_u32(gb *b, const char *key, const uint32_t *v, size_t n)
{
    kv_arr_fixed(b, key, GB_U32, v, n, 4);
}

void gb_kv_arr_i32(gb *b, const char *key, const int32_t *v, size_t n)
{
    kv_arr_fixed(b, key, GB_I32, v, n, 4);
}

void gb_kv_arr_str(gb *b, const char *key, const char *const *s, const size_t *lens, size_t n)
{
    size_t total = 12;
    for (size_t i = 0; i < n; i++)
        total += 8 + (lens ? lens[i] : strlen(s[i]));
    uint8_t *p = xrealloc(NULL, total);
    uint32_t et = GB_STRING;
    uint64_t n64 = n;
    memcpy(p, &et, 4);
    memcpy(p + 4, &n64, 8);
    size_t at = 12;
    for (size_t i = 0; i < n; i++) {
        uint64_t len = lens ? lens[i] : strlen(s[i]);
        memcpy(p + at, &len, 8);
        memcpy(p + at + 8, s[i], len);
        at += 8 + len;
    }
    gb_kv_raw(b, key, GB_ARRAY, p, total);
    free(p);
}

int gb_remove_kv(gb *b, const char *key)
{
    for (size_t i = 0; i < b->n_kv; i++)
        if (strcmp(b->kv[i].key, key) == 0) {
            free(b->kv[i].key);
            free(b->kv[i].payload);
            memmove(&b->kv[i], &b->kv[i + 1], (b->n_kv - i - 1) * sizeof *b->kv);
            b->n_kv--;
            return 1;
        }
    return 0;
}

uint16_t gb_f32_to_f16(float f)
{
    /* test data stays in the normal half range: round to nearest */
    if (f == 0.0f)
        return 0;
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    int e = (int)((x >> 23) & 0xff) - 127 + 15;
    uint32_t m = x & 0x7fffff;
    if (e <= 0)
        return sign;
    uint32_t r = (uint32_t)e << 10 | m >> 13;
    if ((m & 0x1fff) > 0x1000 || ((m & 0x1fff) == 0x1000 && (r & 1)))
        r++;
    return sign | (uint16_t)r;
}

static float next_value(gb *b)
{
    b->rng = b->rng * 1664525u + 1013904223u;
    return ((float)(b->rng >> 8) / 16777216.0f - 0.5f) * 0.5f;
}

gb_tensor *gb_add_tensor(gb *b, const char *name, uint32_t type, uint32_t n_dims, uint64_t d0,
                         uint64_t d1, uint64_t d2, uint64_t d3)
{
    if (b->n_t == b->cap_t) {
        b->cap_t = b->cap_t ? 2 * b->cap_t : 64;
        b->t = xrealloc(b->t, b->cap_t * sizeof *b->t);
    }
    gb_tensor *t = &b->t[b->n_t++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->type = type;
    t->n_dims = n_dims;
    uint64_t ne[4] = {d0, d1, d2, d3};
    size_t n = 1;
    for (int i = 0; i < 4; i++) {
        t->ne[i] = i < (int)n_dims ? ne[i] : 1;
        n *= (size_t)t->ne[i];
    }
    float *v = xrealloc(NULL, n * sizeof *v);
    if (type == GB_T_F32) {
        t->n_bytes = n * 4;
        t->data = xrealloc(NULL, t->n_bytes);
        for (size_t i = 0; i < n; i++)
            v[i] = next_value(b);
        memcpy(t->data, v, n * 4);
    } else if (type == GB_T_F16) {
        t->n_bytes = n * 2;
        t->data = xrealloc(NULL, t->n_bytes);
        for (size_t i = 0; i < n; i++) {
            uint16_t h = gb_f32_to_f16(next_value(b));
            memcpy(t->data + 2 * i, &h, 2);
            /* exact value of the half */
            int e = (h >> 10) & 0x1f;
            float mag = e ? ldexpf((float)(1024 + (h & 0x3ff)), e - 25) : 0.0f;
            v[i] = (h & 0x8000) ? -mag : mag;
        }
    } else { /* Q8_0: d = 2^-7 exactly, q in -127..127 */
        size_t nb = n / 32;
        t->n_bytes = nb * 34;
        t->data = xrealloc(NULL, t->n_bytes ? t->n_bytes : 1);
        for (size_t blk = 0; blk < nb; blk++) {
            uint16_t d = gb_f32_to_f16(1.0f / 128.0f);
            memcpy(t->data + 34 * blk, &d, 2);
            for (int i = 0; i < 32; i++) {
                int q = (int)(next_value(b) * 500.0f);
                q = q < -127 ? -127 : q > 127 ? 127 : q;
                t->data[34 * blk + 2 + i] = (uint8_t)(int8_t)q;
                v[blk * 32 + i] = (float)q / 128.0f;
            }
        }
    }
    t->values = v;
    return t;
}

gb_tensor *gb_find_tensor(gb *b, const char *name)
{
    for (size_t i = 0; i < b->n_t; i++)
        if (strcmp(b->t[i].name, name) == 0)
            return &b->t[i];
    return NULL;
}

int gb_remove_tensor(gb *b, const char *name)
{
    gb_tensor *t = gb_find_tensor(b, name);
    if (!t)
        return 0;
    free(t->data);
    free((void *)t->values);
    size_t i = (size_t)(t - b->t);
    memmove(&b->t[i], &b->t[i + 1], (b->n_t - i - 1) * sizeof *b->t);
    b->n_t--;
    return 1;
}

size_t gb_n_tensors(const gb *b)
{
    return b->n_t;
}

gb_tensor *gb_tensor_at(gb *b, size_t i)
{
    return i < b->n_t ? &b->t[i] : NULL;
}

size_t gb_last_data_start(const gb *b)
{
    return b->last_data_start;
}

typedef struct {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        while (o->n + n > o->cap)
            o->cap = o->cap ? 2 * o->cap : 4096;
        o->p = xrealloc(o->p, o->cap);
    }
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void put_u32(buf *o, uint32_t v)
{
    put(o, &v, 4);
}

static void put_u64(buf *o, uint64_t v)
{
    put(o, &v, 8);
}

static void put_str(buf *o, const char *s)
{
    put_u64(o, strlen(s));
    put(o, s, strlen(s));
}

static void pad_to(buf *o, size_t a)
{
    static const uint8_t zeros[4096];
    put(o, zeros, (a - o->n % a) % a);
}

uint8_t *gb_serialize(gb *b, size_t *size)
{
    buf o = {0};
    put(&o, "GGUF", 4);
    put_u32(&o, 3);
    put_u64(&o, b->n_t);
    put_u64(&o, b->n_kv);
    for (size_t i = 0; i < b->n_kv; i++) {
        put_str(&o, b->kv[i].key);
        put_u32(&o, b->kv[i].type);
        put(&o, b->kv[i].payload, b->kv[i].n);
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < b->n_t; i++) {
        gb_tensor *t = &b->t[i];
        put_str(&o, t->name);
        put_u32(&o, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++)
            put_u64(&o, t->ne[d]);
        put_u32(&o, t->type);
        if (!t->offset_override)
            t->offset = offset;
        put_u64(&o, t->offset);
        offset += t->n_bytes;
        offset += (b->alignment - offset % b->alignment) % b->alignment;
    }
    pad_to(&o, b->alignment);
    size_t data_start = o.n;
    b->last_data_start = data_start;
    for (size_t i = 0; i < b->n_t; i++) {
        gb_tensor *t = &b->t[i];
        if (t->offset_override && t->offset > ((uint64_t)1 << 24))
            continue; /* a deliberately out-of-range offset: no data */
        if (data_start + t->offset + t->n_bytes > o.n) {
            static const uint8_t zeros[4096];
            while (o.n < data_start + t->offset + t->n_bytes) {
                size_t k = data_start + t->offset + t->n_bytes - o.n;
                put(&o, zeros, k < sizeof zeros ? k : sizeof zeros);
            }
        }
        memcpy(o.p + data_start + t->offset, t->data, t->n_bytes);
    }
    pad_to(&o, b->alignment);
    uint8_t *out = aligned_alloc(64, (o.n + 63) & ~(size_t)63);
    if (!out)
        abort();
    memcpy(out, o.p, o.n);
    free(o.p);
    *size = o.n;
    return out;
}
