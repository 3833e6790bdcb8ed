/* Small shared helpers: error messages, status names, half floats, tensor
 * rows.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gft_set_error(char *err, size_t size, const char *fmt, ...)
{
    if (!err || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

const char *gft_status_string(gft_status status)
{
    switch (status) {
    case GFT_OK:
        return "ok";
    case GFT_ERR_IO:
        return "input/output error";
    case GFT_ERR_FORMAT:
        return "format error";
    case GFT_ERR_UNSUPPORTED:
        return "unsupported model";
    case GFT_ERR_INVALID_ARG:
        return "invalid argument";
    case GFT_ERR_NOMEM:
        return "out of memory";
    case GFT_ERR_CANCELLED:
        return "cancelled";
    case GFT_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

static float bits_to_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float gft_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24 is exact in float */
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    if (exp == 31)
        return bits_to_f32(sign | 0x7f800000u | mant << 13);
    return bits_to_f32(sign | (exp + 112) << 23 | mant << 13);
}

/* Round to nearest, ties to even, like hardware conversions. */
uint16_t gft_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) /* inf or NaN (kept quiet) */
        return sign | 0x7c00 | (x > 0x7f800000u ? 0x200 : 0);
    if (x >= 0x477ff000u) /* >= 65520 rounds to infinity */
        return sign | 0x7c00;
    if (x < 0x38800000u) {    /* below 2^-14: subnormal half or zero */
        if (x <= 0x33000000u) /* <= 2^-25 rounds to zero (tie to even) */
            return sign;
        uint32_t e = x >> 23, m = (x & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e;
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1)))
            r++;
        return sign | (uint16_t)r;
    }
    uint32_t r = ((x >> 23) - 112) << 10 | (x & 0x7fffffu) >> 13;
    uint32_t rem = x & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
        r++;
    return sign | (uint16_t)r;
}

void gft_tensor_row_f32(const gft_tensor *t, int64_t row, float *out)
{
    int64_t n = t->ne[0];
    const uint8_t *base = t->data;
    switch (t->type) {
    case GFT_TYPE_F32:
        memcpy(out, base + (size_t)row * (size_t)n * 4, (size_t)n * 4);
        break;
    case GFT_TYPE_F16: {
        const uint8_t *p = base + (size_t)row * (size_t)n * 2;
        for (int64_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            out[i] = gft_f16_to_f32(h);
        }
        break;
    }
    case GFT_TYPE_Q8_0: {
        int64_t nb = n / GFT_Q8_0_BLOCK;
        const uint8_t *p = base + (size_t)row * (size_t)nb * sizeof(gft_block_q8_0);
        for (int64_t b = 0; b < nb; b++, p += sizeof(gft_block_q8_0)) {
            uint16_t dh;
            memcpy(&dh, p, 2);
            float d = gft_f16_to_f32(dh);
            const int8_t *q = (const int8_t *)(p + 2);
            for (int i = 0; i < GFT_Q8_0_BLOCK; i++)
                out[b * GFT_Q8_0_BLOCK + i] = d * (float)q[i];
        }
        break;
    }
    }
}
