/* gft tokenize: the token ids and unknown words of a text.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(FILE *out)
{
    fputs("Usage: gft tokenize [-m MODEL] TEXT\n"
          "\n"
          "Prints the text's BPE token ids (without <bos>/<eos>) on the first line,\n"
          "then how many ids there are, then the words the model never saw, then the\n"
          "text as gft generate reads it through the model's prompt lexicon.\n"
          "The ids are those of TEXT as typed (gft generate --literal).\n",
          out);
}

static int print_tokens(const gft_model *model, const char *text)
{
    /* the normalised text is at most 1024 bytes, so at most 1024 ids */
    enum { MAX_IDS = 2048 };
    int32_t *ids = malloc(sizeof(int32_t) * MAX_IDS);
    if (!ids) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    char err[GFT_ERROR_SIZE] = "";
    int n = gft_tokenize(model, text, ids, MAX_IDS, err, sizeof err);
    if (n < 0) {
        cli_error("cannot tokenize: %s", err);
        free(ids);
        return CLI_EXIT_FAILURE;
    }
    printf("ids:");
    for (int i = 0; i < n; i++)
        printf(" %" PRId32, ids[i]);
    printf("\ncount: %d\n", n);
    free(ids);

    char words[4096];
    int unknown = gft_unknown_words(model, text, words, sizeof words);
    printf("unknown words: %d%s%s\n", unknown, unknown > 0 ? ": " : "", unknown > 0 ? words : "");

    char read[GFT_READING_SIZE];
    int replaced = gft_translate_prompt(model, text, read, sizeof read);
    printf("read as: %s\nlexicon phrases: %d\n", read, replaced);
    return CLI_EXIT_OK;
}

int cli_cmd_tokenize(int argc, char **argv)
{
    const char *model_path = NULL;
    const char *text = NULL;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            print_help(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(arg, "-m") == 0 || strcmp(arg, "--model") == 0) {
            if (a + 1 >= argc) {
                cli_error("%s needs a value", arg);
                return CLI_EXIT_USAGE;
            }
            model_path = argv[++a];
        } else if (strcmp(arg, "--") == 0 && a + 1 < argc && !text) {
            text = argv[++a]; /* a text that starts with '-' */
        } else if (arg[0] == '-' && arg[1] != '\0') {
            cli_error("unknown option '%s' (try 'gft tokenize --help')", arg);
            return CLI_EXIT_USAGE;
        } else if (text) {
            cli_error("gft tokenize takes one TEXT; quote it if it has spaces");
            return CLI_EXIT_USAGE;
        } else {
            text = arg;
        }
    }
    if (!text) {
        cli_error("missing TEXT (try 'gft tokenize --help')");
        return CLI_EXIT_USAGE;
    }
    char path[4096];
    gft_model *model = cli_load_model(model_path, path, sizeof path, NULL);
    if (!model)
        return CLI_EXIT_FAILURE;
    int rc = print_tokens(model, text);
    gft_model_free(model);
    return rc;
}
