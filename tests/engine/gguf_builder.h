/* Test-only GGUF v3 writer: builds valid and deliberately broken files in
 * memory for the loader tests and the fuzzers.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_TEST_GGUF_BUILDER_H
#define GFT_TEST_GGUF_BUILDER_H

#include <stddef.h>
#include <stdint.h>

enum {
    GB_U8 = 0,
    GB_I8,
    GB_U16,
    GB_I16,
    GB_U32,
    GB_I32,
    GB_F32,
    GB_BOOL,
    GB_STRING,
    GB_ARRAY,
    GB_U64,
    GB_I64,
    GB_F64
};
enum { GB_T_F32 = 0, GB_T_F16 = 1, GB_T_Q8_0 = 8 };

typedef struct {
    char name[128];
    uint32_t type, n_dims;
    uint64_t ne[4];
    int offset_override; /* 1: write `offset` instead of the computed one */
    uint64_t offset;
    uint8_t *data; /* n_bytes, owned */
    size_t n_bytes;
    const float *values; /* the source values (n elements), owned */
} gb_tensor;

typedef struct gb gb;

gb *gb_new(void);
void gb_free(gb *b);

/* Alignment of the data section; write_key adds general.alignment. */
void gb_set_alignment(gb *b, uint32_t alignment, int write_key);

/* Adding an existing key replaces its value in place (unless gb_allow_dup). */
void gb_kv_raw(gb *b, const char *key, uint32_t type, const void *payload, size_t n);
void gb_kv_u32(gb *b, const char *key, uint32_t v);
void gb_kv_i32(gb *b, const char *key, int32_t v);
void gb_kv_f32(gb *b, const char *key, float v);
void gb_kv_str(gb *b, const char *key, const char *s);
void gb_kv_arr_u32(gb *b, const char *key, const uint32_t *v, size_t n);
void gb_kv_arr_i32(gb *b, const char *key, const int32_t *v, size_t n);
/* lens may be NULL (strlen) */
void gb_kv_arr_str(gb *b, const char *key, const char *const *s, const size_t *lens, size_t n);
int gb_remove_kv(gb *b, const char *key);
void gb_allow_dup(gb *b, int allow);

/* Adds a tensor filled with deterministic pseudo-random values. */
gb_tensor *gb_add_tensor(gb *b, const char *name, uint32_t type, uint32_t n_dims, uint64_t d0,
                         uint64_t d1, uint64_t d2, uint64_t d3);
gb_tensor *gb_find_tensor(gb *b, const char *name);
int gb_remove_tensor(gb *b, const char *name);
size_t gb_n_tensors(const gb *b);
gb_tensor *gb_tensor_at(gb *b, size_t i);

/* The file bytes (64-byte aligned, free()). */
uint8_t *gb_serialize(gb *b, size_t *size);

/* Byte offset of the data section in the last serialised file. */
size_t gb_last_data_start(const gb *b);

uint16_t gb_f32_to_f16(float f);

#endif
