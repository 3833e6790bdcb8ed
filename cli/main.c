/* gft: generate images from text on the command line (subcommand dispatch).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench_measure.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

#ifndef GFT_VERSION
#define GFT_VERSION "unknown"
#endif

static void print_usage(FILE *out)
{
    fputs("Usage: gft COMMAND [OPTIONS]\n"
          "\n"
          "Generate from Text: turns a text prompt into images with a small\n"
          "transformer that runs on the CPU.\n"
          "\n"
          "Commands:\n"
          "  generate   generate images from a prompt and write them as PNG files\n"
          "  info       show a model's metadata, sizes and sampling defaults\n"
          "  tokenize   show the token ids and unknown words of a text\n"
          "  bench      measure generation speed on this machine\n"
          "\n"
          "Run 'gft COMMAND --help' for a command's options.\n"
          "Without -m, the model is $GFT_MODEL or the shipped gft-emoji.gguf.\n",
          out);
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"generate", cli_cmd_generate},
    {"info", cli_cmd_info},
    {"tokenize", cli_cmd_tokenize},
    {"bench", cli_cmd_bench},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    cli_blas_release();
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("gft %s\n", GFT_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (try 'gft --help')", name);
    return CLI_EXIT_USAGE;
}
