/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compute tests' CHECK: counts a failure and says where, then goes on,
 * so one run reports every broken case. Each test's main returns
 * `failures != 0`. */
#ifndef GFT_TEST_CHECK_H
#define GFT_TEST_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#endif
