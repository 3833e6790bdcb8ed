/* Finding the shipped default model file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GFT_MODEL_FILE "gft-emoji.gguf"

#ifndef GFT_BUILD_MODEL_DIR
#define GFT_BUILD_MODEL_DIR ""
#endif
#ifndef GFT_SOURCE_MODEL_DIR
#define GFT_SOURCE_MODEL_DIR ""
#endif
#ifndef GFT_INSTALL_MODEL_DIR
#define GFT_INSTALL_MODEL_DIR ""
#endif

static int readable_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0;
}

/* Writes dir + "/" + file into path when it fits and names a readable file. */
static int try_candidate(const char *dir, const char *file, char *path, size_t size)
{
    if (!dir || !*dir)
        return 0;
    int n = file ? snprintf(path, size, "%s/%s", dir, file) : snprintf(path, size, "%s", dir);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            path[0] = '\0';
        return 0;
    }
    if (readable_file(path))
        return 1;
    path[0] = '\0';
    return 0;
}

int gft_find_default_model(const char *extra_dir, char *path, size_t size)
{
    if (!path || !size)
        return 0;
    path[0] = '\0';
    if (try_candidate(getenv("GFT_MODEL"), NULL, path, size))
        return 1;
    const char *dirs[] = {extra_dir, GFT_BUILD_MODEL_DIR, GFT_SOURCE_MODEL_DIR,
                          GFT_INSTALL_MODEL_DIR};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (try_candidate(dirs[i], GFT_MODEL_FILE, path, size))
            return 1;
    return 0;
}
