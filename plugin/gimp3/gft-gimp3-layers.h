/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: turning generated pictures into
 * layers (scaled, grouped, with the "gft-settings" parasite).
 */
#ifndef GFT_GIMP3_LAYERS_H
#define GFT_GIMP3_LAYERS_H

#include <libgimp/gimp.h>

#include "gft-plugin-generate.h"

/* Where new layers go: directly above `above` (in its group), or on top of
 * the layer stack when above is NULL; centred on frame. */
typedef struct {
    GimpImage *image;
    GimpLayer *above;
    GftFrame frame;
} Gft3Place;

/* The image's selection bounds when it has a selection, else its canvas. */
GftFrame gft3_frame(GimpImage *image);

/* The layer new results should go above: the first selected drawable when
 * it is a layer of image, else NULL (top of the stack). */
GimpLayer *gft3_anchor_layer(GimpImage *image, GimpDrawable **drawables);

/* Makes the image able to take RGBA layers: an indexed image is converted
 * to RGB (call inside the run's undo group). */
void gft3_prepare_image(GimpImage *image);

/* Adds the pictures, each scaled to out_w x out_h with GIMP's default
 * interpolation and centred on place->frame; several pictures go into a
 * layer group named after the prompt. record is the template for each
 * layer's parasite (its seed is replaced). Returns the top new item. */
GimpLayer *gft3_add_pictures(const Gft3Place *place, const GftPictures *pictures,
                             const GftLayerRecord *record, int out_w, int out_h);

/* Reads the record of a generated layer; FALSE with a message otherwise. */
gboolean gft3_read_record(GimpDrawable *drawable, GftLayerRecord *record, GError **error);

/* Puts pictures into image (NULL: a new image) as one undo step, above the
 * first selected layer; shows a new image when interactive. Returns the
 * image. */
GimpImage *gft3_deliver(GimpImage *image, GimpDrawable **drawables, GimpRunMode run_mode,
                        const GftPictures *pictures, const GftLayerRecord *record, int out_w,
                        int out_h);

#endif /* GFT_GIMP3_LAYERS_H */
