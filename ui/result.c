/* Generate from Text: the dialog's result and pixel scaling.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "gft-dialog.h"

void gft_dialog_result_free(GftResult *result)
{
    if (result == NULL)
        return;
    for (int i = 0; i < result->n_images; i++)
        g_free(result->pixels[i]);
    gft_settings_clear(&result->settings);
    g_free(result->model_name);
    g_free(result);
}

guint8 *gft_rgba_scale(const guint8 *rgba, gint w, gint h, gint out_w, gint out_h)
{
    GdkPixbuf *src, *dst;
    guint8 *out;
    int stride;

    g_return_val_if_fail(rgba != NULL && w > 0 && h > 0 && out_w > 0 && out_h > 0, NULL);
    out = g_malloc((gsize)out_w * out_h * 4);
    if (out_w == w && out_h == h) {
        memcpy(out, rgba, (gsize)w * h * 4);
        return out;
    }
    /* GdkPixbuf weights colour by alpha when it filters, so transparent
     * pixels do not bleed their (meaningless) colour into the edges. */
    src = gdk_pixbuf_new_from_data(rgba, GDK_COLORSPACE_RGB, TRUE, 8, w, h, w * 4, NULL, NULL);
    dst = gdk_pixbuf_scale_simple(src, out_w, out_h, GDK_INTERP_BILINEAR);
    stride = gdk_pixbuf_get_rowstride(dst);
    for (int y = 0; y < out_h; y++)
        memcpy(out + (gsize)y * out_w * 4, gdk_pixbuf_read_pixels(dst) + (gsize)y * stride,
               (gsize)out_w * 4);
    g_object_unref(dst);
    g_object_unref(src);
    return out;
}
