/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: turning generated pictures into
 * layers (scaled, grouped, with the "gft-settings" parasite).
 */
#ifndef GFT_GIMP2_LAYERS_H
#define GFT_GIMP2_LAYERS_H

#include <libgimp/gimp.h>

#include "gft-plugin-generate.h"

/* Where new layers go: directly above `above` (in its group), or on top of
 * the layer stack when above is -1; centred on frame. */
typedef struct {
    gint32 image;
    gint32 above;
    GftFrame frame;
} Gft2Place;

/* The image's selection bounds when it has a selection, else its canvas. */
GftFrame gft2_frame(gint32 image);

/* The layer new results should go above: `drawable` when it is a layer of
 * image, else the active layer, else -1 (top of the stack). */
gint32 gft2_anchor_layer(gint32 image, gint32 drawable);

/* Makes the image able to take RGBA layers: an indexed image is converted
 * to RGB (call inside the run's undo group). */
void gft2_prepare_image(gint32 image);

/* Adds the pictures, each scaled to out_w x out_h with GIMP's
 * default interpolation and centred on place->frame; several pictures go into
 * a layer group named after the prompt. record is the template for each
 * layer's parasite (its seed is replaced). Returns the top new item. */
gint32 gft2_add_pictures(const Gft2Place *place, const GftPictures *pictures,
                         const GftLayerRecord *record, int out_w, int out_h);

/* Reads the record of a generated layer; FALSE with a message otherwise. */
gboolean gft2_read_record(gint32 layer, GftLayerRecord *record, GError **error);

/* Puts pictures into image (-1: a new image) as one undo step, above
 * drawable (or the active layer); shows a new image when interactive.
 * Returns the image. */
gint32 gft2_deliver(gint32 image, gint32 drawable, GimpRunMode run_mode,
                    const GftPictures *pictures, const GftLayerRecord *record, int out_w,
                    int out_h);

#endif /* GFT_GIMP2_LAYERS_H */
