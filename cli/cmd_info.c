/* gft info: what is inside a model file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void print_help(FILE *out)
{
    fputs("Usage: gft info [MODEL]\n"
          "\n"
          "Shows a model's metadata, file size, parameter count, weight type,\n"
          "architecture, tokenizer, sampling defaults and fingerprint.\n"
          "Without MODEL: $GFT_MODEL or the shipped model.\n",
          out);
}

static void print_info(const char *path, const gft_model *model)
{
    gft_model_info i;
    gft_model_get_info(model, &i);
    char fingerprint[17];
    gft_model_fingerprint(model, fingerprint);
    char size[32];

    printf("file:              %s\n", path);
    printf("file size:         %" PRIu64 " bytes (%s)\n", i.file_size,
           cli_format_bytes(i.file_size, size, sizeof size));
    printf("fingerprint:       %s\n", fingerprint);
    printf("name:              %s\n", i.name);
    printf("description:       %s\n", i.description);
    printf("license:           %s\n", i.license);
    printf("parameters:        %" PRIu64 " (%.2f M)\n", i.n_params, (double)i.n_params / 1e6);
    printf("weight type:       %s\n", i.weight_type);
    printf("activations:       %s%s\n", i.int8_kernel ? "int8, " : "F32",
           i.int8_kernel ? i.int8_isa : "");
    printf("transformer:       %u layers, width %u, %u heads, MLP width %u\n", i.n_layer, i.n_embd,
           i.n_head, i.n_ff);
    printf("text prefix:       %u tokens\n", i.text_ctx);
    printf("image tokens:      %u x %u grid, %u codes of dimension %u\n", i.grid_w, i.grid_h,
           i.codebook_size, i.code_dim);
    if (i.has_upscaler)
        printf("image size:        %u x %u pixels, RGBA (the decoder's %u x %u, doubled by its "
               "upscaler; --native-size keeps them)\n",
               i.output_width, i.output_height, i.image_width, i.image_height);
    else
        printf("image size:        %u x %u pixels, RGBA\n", i.image_width, i.image_height);
    if (i.background_code >= 0)
        printf("background code:   %d (empty patches; drawn at temperature 1)\n",
               i.background_code);
    printf("tokenizer:         byte-level BPE, %u tokens\n", i.text_vocab);
    printf("known words:       %u\n", i.n_known_words);
    if (i.n_lexicon)
        printf("prompt lexicon:    %u phrases of other languages read as English\n", i.n_lexicon);
    else
        printf("prompt lexicon:    none (prompts are read as typed)\n");
    if (i.n_articles)
        printf("articles:          %u that a reading drops\n", i.n_articles);
    printf("reranker:          %s\n",
           i.has_reranker ? "yes (best of K: --candidates)" : "none (one sample per image)");
    printf("sampling defaults: temperature %g, top-k %d, top-p %g, guidance %g%s, candidates %d\n",
           (double)i.defaults.temperature, i.defaults.top_k, (double)i.defaults.top_p,
           (double)i.defaults.guidance, i.defaults.guidance_ramp ? " (rising from 1)" : "",
           i.default_candidates);
}

int cli_cmd_info(int argc, char **argv)
{
    const char *model_path = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        if (argv[a][0] == '-' && argv[a][1] != '\0') {
            cli_error("unknown option '%s' (try 'gft info --help')", argv[a]);
            return CLI_EXIT_USAGE;
        }
        if (model_path) {
            cli_error("gft info takes one model file, got '%s' and '%s'", model_path, argv[a]);
            return CLI_EXIT_USAGE;
        }
        model_path = argv[a];
    }
    char path[4096];
    gft_model *model = cli_load_model(model_path, path, sizeof path, NULL);
    if (!model)
        return CLI_EXIT_FAILURE;
    print_info(path, model);
    gft_model_free(model);
    return CLI_EXIT_OK;
}
