/* Bounds-checked GGUF v3 reader over an in-memory buffer (internal).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gguf_parse() walks the header, the key/value pairs and the tensor infos,
 * checking every read against the end of the buffer and every count, length
 * and offset for overflow. Afterwards all pointers in gguf_file point into
 * the buffer and every value, array element and tensor range is known to lie
 * inside it, so later readers need no further bounds checks. */
#ifndef GFT_GGUF_H
#define GFT_GGUF_H

#include "gft.h"

#include <stddef.h>
#include <stdint.h>

#define GGUF_MAX_TENSORS 65536u
#define GGUF_MAX_KV 65536u
#define GGUF_MAX_STRING (1u << 20)
#define GGUF_DEFAULT_ALIGNMENT 32u

enum gguf_value_type {
    GGUF_U8 = 0,
    GGUF_I8 = 1,
    GGUF_U16 = 2,
    GGUF_I16 = 3,
    GGUF_U32 = 4,
    GGUF_I32 = 5,
    GGUF_F32 = 6,
    GGUF_BOOL = 7,
    GGUF_STRING = 8,
    GGUF_ARRAY = 9,
    GGUF_U64 = 10,
    GGUF_I64 = 11,
    GGUF_F64 = 12,
    GGUF_N_TYPES = 13,
};

typedef struct {
    const uint8_t *key; /* not NUL-terminated */
    uint32_t key_len;
    uint32_t type;        /* enum gguf_value_type */
    uint32_t arr_type;    /* element type when type == GGUF_ARRAY */
    uint64_t arr_n;       /* element count when type == GGUF_ARRAY */
    uint64_t str_len;     /* byte length when type == GGUF_STRING */
    const uint8_t *value; /* scalar bytes, string bytes or first array element */
    size_t file_offset;   /* where the pair starts, for messages */
} gguf_kv;

typedef struct {
    const uint8_t *name; /* not NUL-terminated */
    uint32_t name_len;
    uint32_t n_dims;
    int64_t ne[4];   /* unused dims are 1 */
    uint32_t type;   /* 0 F32, 1 F16, 8 Q8_0 */
    uint64_t offset; /* relative to the data section */
    uint64_t n_elements;
    uint64_t n_bytes;
    size_t file_offset; /* where the info starts, for messages */
} gguf_tensor_info;

typedef struct {
    const uint8_t *base;
    size_t size;
    uint32_t n_kv, n_tensors;
    gguf_kv *kv;               /* [n_kv], owned */
    gguf_tensor_info *tensors; /* [n_tensors], owned */
    uint32_t *tensors_by_name; /* [n_tensors] indices sorted by name, owned */
    uint32_t alignment;
    size_t data_start; /* absolute offset of the data section */
} gguf_file;

/* Parses and checks the container. On failure returns GFT_ERR_FORMAT,
 * GFT_ERR_UNSUPPORTED or GFT_ERR_NOMEM with a message; *f is then empty. */
gft_status gguf_parse(const uint8_t *base, size_t size, gguf_file *f, char *err, size_t err_size);
void gguf_file_clear(gguf_file *f);

/* NULL when absent. */
const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key);
const gguf_tensor_info *gguf_find_tensor(const gguf_file *f, const char *name);

/* Byte size of one element of a fixed-size value type, 0 for string/array. */
size_t gguf_value_size(uint32_t type);
const char *gguf_type_name(uint32_t type);

/* Reads element i of a string array (already bounds-checked by gguf_parse);
 * walks from the start, so iterate with gguf_string_iter for many elements. */
typedef struct {
    const uint8_t *p;
} gguf_string_iter;
void gguf_string_iter_init(gguf_string_iter *it, const gguf_kv *kv);
void gguf_string_iter_next(gguf_string_iter *it, const uint8_t **bytes, uint64_t *len);

/* Unaligned little-endian loads. */
uint32_t gguf_rd_u32(const uint8_t *p);
uint64_t gguf_rd_u64(const uint8_t *p);

#endif /* GFT_GGUF_H */
