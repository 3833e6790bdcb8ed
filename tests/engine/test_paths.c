/* gft_find_default_model: $GFT_MODEL first, then the caller's folder.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"
#include "gft.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("GGUF", f);
        fclose(f);
    }
}

int main(void)
{
    char dir[] = "/tmp/gft-paths-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char env_model[256], extra_model[256], path[512];
    snprintf(env_model, sizeof env_model, "%s/from-env.gguf", dir);
    snprintf(extra_model, sizeof extra_model, "%s/gft-emoji.gguf", dir);
    touch(env_model);
    touch(extra_model);

    setenv("GFT_MODEL", env_model, 1);
    CHECK(gft_find_default_model(dir, path, sizeof path) == 1 && strcmp(path, env_model) == 0,
          "GFT_MODEL wins: '%s'", path);

    /* a GFT_MODEL that does not exist is skipped */
    setenv("GFT_MODEL", "/nonexistent/x.gguf", 1);
    CHECK(gft_find_default_model(dir, path, sizeof path) == 1 && strcmp(path, extra_model) == 0,
          "extra_dir next: '%s'", path);
    unsetenv("GFT_MODEL");
    CHECK(gft_find_default_model(dir, path, sizeof path) == 1 && strcmp(path, extra_model) == 0,
          "extra_dir: '%s'", path);

    /* a directory named like the model is not a model */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    mkdir(sub, 0700);
    char sub_model[320];
    snprintf(sub_model, sizeof sub_model, "%s/gft-emoji.gguf", sub);
    mkdir(sub_model, 0700);
    int found = gft_find_default_model(sub, path, sizeof path);
    CHECK(!found || strcmp(path, sub_model) != 0, "directory skipped");

    /* a buffer too small for any candidate: nothing, and an empty string */
    char tiny[4];
    setenv("GFT_MODEL", env_model, 1);
    CHECK(gft_find_default_model(dir, tiny, sizeof tiny) == 0 && tiny[0] == '\0', "small buffer");
    CHECK(gft_find_default_model(dir, NULL, 0) == 0, "NULL buffer");
    unsetenv("GFT_MODEL");

    rmdir(sub_model);
    rmdir(sub);
    unlink(env_model);
    unlink(extra_model);
    rmdir(dir);
    CHECK_DONE();
}
