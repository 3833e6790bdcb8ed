/* gft generate: output file names and writing the finished images.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "generate_output.h"

#include "cli.h"
#include "png_write.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_variation_path(const char *output, int index, int n_variations, char *path, size_t size)
{
    if (n_variations <= 1) {
        snprintf(path, size, "%s", output);
        return;
    }
    /* insert "-N" before the extension of the last path component */
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = base + strlen(base);
    snprintf(path, size, "%.*s-%d%s", (int)(dot - output), output, index + 1, dot);
}

int cli_check_output_writable(const char *output)
{
    if (output[0] == '\0') {
        cli_error("-o: the output file name is empty");
        return -1;
    }
    struct stat st;
    if (stat(output, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("-o: '%s' is a folder; give a file name such as %s/image.png", output, output);
        return -1;
    }
    char dir[4096];
    const char *slash = strrchr(output, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == output)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - output), output);
    if (stat(dir, &st) != 0) {
        cli_error("-o: cannot write '%s': folder '%s': %s", output, dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("-o: cannot write '%s': '%s' is not a folder", output, dir);
        return -1;
    }
    if (access(dir, W_OK) != 0) {
        cli_error("-o: cannot write '%s': folder '%s': %s", output, dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_one(const char *path, const uint8_t *rgba, const gft_result *result, int index,
                     const cli_image_notes *notes)
{
    const gft_sampling *s = notes->sampling;
    char parameters[512];
    snprintf(parameters, sizeof parameters,
             "seed=%" PRIu64 "; temperature=%g; top_k=%d; top_p=%g; guidance=%g; "
             "guidance_ramp=%d; candidates=%d; model=%s; model_fingerprint=%s",
             result->seeds[index], (double)s->temperature, s->top_k, (double)s->top_p,
             (double)s->guidance, s->guidance_ramp, result->n_candidates, notes->model_name,
             notes->model_fingerprint);
    cli_png_text texts[4];
    int n = 0;
    texts[n++] = (cli_png_text){"Software", "Generate from Text " GFT_VERSION};
    texts[n++] = (cli_png_text){"Description", notes->prompt};
    if (notes->negative_prompt && notes->negative_prompt[0])
        texts[n++] = (cli_png_text){"gft:negative_prompt", notes->negative_prompt};
    texts[n++] = (cli_png_text){"gft:parameters", parameters};

    char err[GFT_ERROR_SIZE + 256];
    if (cli_write_png(path, rgba, result->width, result->height, texts, n, err, sizeof err) != 0) {
        cli_error("%s", err);
        return -1;
    }
    return 0;
}

int cli_write_variations(const char *output, const gft_result *result, const cli_image_notes *notes)
{
    size_t image_bytes = (size_t)result->width * (size_t)result->height * 4;
    int written = 0;
    for (int i = 0; i < result->n_variations; i++) {
        if (!result->complete[i])
            continue;
        char path[4096];
        cli_variation_path(output, i, result->n_variations, path, sizeof path);
        if (write_one(path, result->pixels + (size_t)i * image_bytes, result, i, notes) != 0)
            return -1;
        printf("%s\tseed %" PRIu64, path, result->seeds[i]);
        if (result->n_candidates > 1)
            printf("\tcandidate %d of %d, score %.4f", result->chosen[i] + 1, result->n_candidates,
                   (double)result->scores[i]);
        putchar('\n');
        written++;
    }
    fflush(stdout);
    return written;
}
