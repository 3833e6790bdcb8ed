/* Writing 8-bit RGBA PNG files through libpng.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "png_write.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *err;
    size_t err_size;
} png_error_sink;

static void on_png_error(png_structp png, png_const_charp message)
{
    png_error_sink *sink = png_get_error_ptr(png);
    snprintf(sink->err, sink->err_size, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message; /* warnings (e.g. on text chunks) do not stop the write */
}

/* Everything libpng touches between setjmp and longjmp lives here, so no
 * local variable is clobbered by the jump. */
typedef struct {
    png_structp png;
    png_infop info;
    png_textp chunks;
    FILE *file;
} png_job;

static int write_rows(png_job *job, const uint8_t *rgba, int width, int height,
                      const cli_png_text *texts, int n_texts)
{
    if (setjmp(png_jmpbuf(job->png)))
        return -1;
    png_init_io(job->png, job->file);
    png_set_IHDR(job->png, job->info, (png_uint_32)width, (png_uint_32)height, 8,
                 PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; i < n_texts; i++) {
        /* iTXt carries UTF-8 (prompts may be in any language) */
        job->chunks[i].compression = PNG_ITXT_COMPRESSION_NONE;
        job->chunks[i].key = (png_charp)texts[i].key;
        job->chunks[i].text = (png_charp)texts[i].text;
        job->chunks[i].text_length = 0;
        job->chunks[i].itxt_length = strlen(texts[i].text);
        job->chunks[i].lang = NULL;
        job->chunks[i].lang_key = NULL;
    }
    if (n_texts > 0)
        png_set_text(job->png, job->info, job->chunks, n_texts);
    png_write_info(job->png, job->info);
    for (int y = 0; y < height; y++)
        png_write_row(job->png, (png_const_bytep)(rgba + (size_t)y * (size_t)width * 4));
    png_write_end(job->png, job->info);
    return 0;
}

/* Writes the PNG into the file `path`; messages name `shown` (the file the
 * user asked for, when path is a temporary name). */
static int write_file(const char *path, const char *shown, const uint8_t *rgba, int width,
                      int height, const cli_png_text *texts, int n_texts, char *err,
                      size_t err_size)
{
    png_error_sink sink = {err, err_size};
    png_text chunks[16];
    png_job job = {NULL, NULL, chunks, NULL};
    job.file = fopen(path, "wb");
    if (!job.file) {
        snprintf(err, err_size, "cannot create '%s': %s", shown, strerror(errno));
        return -1;
    }
    errno = 0; /* so a failed write below can be told apart from a libpng error */
    job.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_png_error, on_png_warning);
    if (job.png)
        job.info = png_create_info_struct(job.png);
    int rc = -1;
    if (!job.png || !job.info)
        snprintf(err, err_size, "out of memory starting libpng");
    else
        rc = write_rows(&job, rgba, width, height, texts, n_texts);
    int write_errno = errno;
    png_destroy_write_struct(job.png ? &job.png : NULL, job.info ? &job.info : NULL);
    if (fclose(job.file) != 0 && rc == 0) {
        snprintf(err, err_size, "cannot write '%s': %s", shown, strerror(errno));
        rc = -1;
    } else if (rc != 0 && write_errno != 0) {
        /* a failed write surfaces as a libpng error; name the real cause */
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, err_size, "cannot write '%s': %s (%s)", shown, strerror(write_errno), why);
    }
    return rc;
}

int cli_write_png(const char *path, const uint8_t *rgba, int width, int height,
                  const cli_png_text *texts, int n_texts, char *err, size_t err_size)
{
    if (width <= 0 || height <= 0 || n_texts < 0 || n_texts > 16) {
        snprintf(err, err_size, "invalid image size %dx%d", width, height);
        return -1;
    }
    /* A device or pipe (e.g. /dev/stdout) is written directly and never
     * removed. A regular file is written under a temporary name and renamed
     * into place, so a failed write leaves any existing file untouched. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return write_file(path, path, rgba, width, height, texts, n_texts, err, err_size);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (write_file(tmp, path, rgba, width, height, texts, n_texts, err, err_size) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
