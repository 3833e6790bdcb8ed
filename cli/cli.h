/* The gft command: declarations shared by its source files.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_CLI_H
#define GFT_CLI_H

#include "gft.h"

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of every subcommand. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,    /* the work failed: model, engine, output file */
    CLI_EXIT_USAGE = 2,      /* bad command line */
    CLI_EXIT_CANCELLED = 130 /* Ctrl-C; finished work was kept */
};

/* Subcommands: argv[0] is the subcommand name. Each returns an exit status. */
int cli_cmd_generate(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);
int cli_cmd_tokenize(int argc, char **argv);
int cli_cmd_bench(int argc, char **argv);

/* Prints "gft: <message>\n" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict number parsing for option values: the whole string must be a number
 * inside [min, max]. On failure prints which option and why, returns -1. */
int cli_parse_int(const char *option, const char *text, long min, long max, int *out);
int cli_parse_u64(const char *option, const char *text, uint64_t *out);
int cli_parse_float(const char *option, const char *text, double min, double max, float *out);

/* Finds the model (explicit_path, or the default search when NULL), loads it
 * and reports any failure on stderr. path receives the path used; load_ms
 * (optional) the load time. Returns NULL on failure. */
gft_model *cli_load_model(const char *explicit_path, char *path, size_t path_size, double *load_ms);

/* Monotonic clock in milliseconds. */
double cli_now_ms(void);

/* Formats a byte count as "12.3 MiB" into buf. */
const char *cli_format_bytes(uint64_t bytes, char *buf, size_t size);

#endif /* GFT_CLI_H */
