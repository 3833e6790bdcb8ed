/* The gft command: finding and loading the model, with clear messages.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gft_model *cli_load_model(const char *explicit_path, char *path, size_t path_size, double *load_ms)
{
    const char *via = "";
    const char *from_env = getenv("GFT_MODEL");
    if (!explicit_path && from_env && from_env[0]) {
        /* unlike the engine's search, a wrong $GFT_MODEL is an error here,
         * not a silent fall-back to another model */
        explicit_path = from_env;
        via = " (from $GFT_MODEL)";
    }
    if (explicit_path) {
        snprintf(path, path_size, "%s", explicit_path);
    } else if (!gft_find_default_model(NULL, path, path_size)) {
        cli_error("no model found: pass -m MODEL.gguf or set GFT_MODEL (looked for "
                  "gft-emoji.gguf in the build tree and the installed data folder)");
        return NULL;
    }
    char err[GFT_ERROR_SIZE] = "";
    gft_model *model = NULL;
    double t0 = cli_now_ms();
    gft_status st = gft_model_load(path, &model, err, sizeof err);
    if (load_ms)
        *load_ms = cli_now_ms() - t0;
    if (st != GFT_OK || !model) {
        cli_error("cannot load model '%s'%s: %s%s%s", path, via, gft_status_string(st),
                  err[0] ? ": " : "", err);
        return NULL;
    }
    return model;
}
