/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: layers from generated pictures.
 */
#include "gft-gimp2-layers.h"

#include <glib/gi18n-lib.h>

gint32 gft2_anchor_layer(gint32 image, gint32 drawable)
{
    if (drawable > 0 && gimp_item_is_valid(drawable) && gimp_item_is_layer(drawable) &&
        gimp_item_get_image(drawable) == image)
        return drawable;
    return gimp_image_get_active_layer(image);
}

/* The parent and position that put an item directly above place->above,
 * or on top of the stack. */
static void insert_point(const Gft2Place *place, gint32 *parent, gint *position)
{
    *parent = -1;
    *position = 0;
    if (place->above > 0) {
        *parent = gimp_item_get_parent(place->above);
        *position = gimp_image_get_item_position(place->image, place->above);
        if (*parent <= 0)
            *parent = -1;
    }
}

void gft2_prepare_image(gint32 image)
{
    if (gimp_image_base_type(image) == GIMP_INDEXED)
        gimp_image_convert_rgb(image);
}

static void attach_record(gint32 layer, const GftLayerRecord *record, guint64 seed)
{
    GftLayerRecord own = *record;
    GimpParasite *parasite;
    gsize length;
    char *text;

    own.settings.seed = (gint64)seed;
    own.settings.variations = 1;
    text = gft_record_to_text(&own, &length);
    parasite =
        gimp_parasite_new(GFT_PARASITE_NAME, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                          (guint32)length + 1, text);
    gimp_item_attach_parasite(layer, parasite);
    gimp_parasite_free(parasite);
    g_free(text);
}

/* A filled, scaled picture layer; parent/position as gimp_image_insert_layer. */
GftFrame gft2_frame(gint32 image)
{
    gboolean non_empty = FALSE;
    gint x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    gboolean ok = gimp_selection_bounds(image, &non_empty, &x1, &y1, &x2, &y2);

    return gft_frame_of(gimp_image_width(image), gimp_image_height(image), ok && non_empty, x1, y1,
                        x2, y2);
}

static gint32 add_one(const Gft2Place *place, gint32 parent, gint position,
                      const GftPictures *pictures, int index, const GftLayerRecord *record,
                      int out_w, int out_h)
{
    gint32 image = place->image;
    int x, y;
    GimpImageType type =
        gimp_image_base_type(image) == GIMP_GRAY ? GIMP_GRAYA_IMAGE : GIMP_RGBA_IMAGE;
    guint64 seed = pictures->seeds[index];
    char *name = gft_layer_name(record->settings.prompt, seed);
    gint32 layer = gimp_layer_new(image, name, pictures->width, pictures->height, type, 100.0,
                                  gimp_image_get_default_new_layer_mode(image));
    GeglBuffer *buffer;

    g_free(name);
    gimp_image_insert_layer(image, layer, parent, position);

    /* GEGL converts the sRGB RGBA bytes to the layer's format (grey too). */
    buffer = gimp_drawable_get_buffer(layer);
    gegl_buffer_set(buffer, GEGL_RECTANGLE(0, 0, pictures->width, pictures->height), 0,
                    babl_format("R'G'B'A u8"), pictures->pixels[index], GEGL_AUTO_ROWSTRIDE);
    g_object_unref(buffer);
    gimp_drawable_update(layer, 0, 0, pictures->width, pictures->height);

    if (out_w != pictures->width || out_h != pictures->height)
        gimp_layer_scale(layer, out_w, out_h, FALSE); /* context's default interpolation */
    gft_frame_centre(&place->frame, out_w, out_h, &x, &y);
    gimp_layer_set_offsets(layer, x, y);
    attach_record(layer, record, seed);
    return layer;
}

gint32 gft2_add_pictures(const Gft2Place *place, const GftPictures *pictures,
                         const GftLayerRecord *record, int out_w, int out_h)
{
    gint32 group, parent;
    gint position;
    char *name;

    insert_point(place, &parent, &position);
    if (pictures->n == 1)
        return add_one(place, parent, position, pictures, 0, record, out_w, out_h);

    group = gimp_layer_group_new(place->image);
    name = gft_short_prompt(record->settings.prompt, 60);
    gimp_item_set_name(group, name);
    g_free(name);
    gimp_image_insert_layer(place->image, group, parent, position);
    for (int i = 0; i < pictures->n; i++) /* first variation on top */
        add_one(place, group, i, pictures, i, record, out_w, out_h);
    return group;
}

gboolean gft2_read_record(gint32 layer, GftLayerRecord *record, GError **error)
{
    GimpParasite *parasite;
    gboolean ok;

    if (layer <= 0 || !gimp_item_is_valid(layer) || !gimp_item_is_layer(layer) ||
        gimp_item_is_group(layer)) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            _("Select a layer made by Generate from Text to regenerate it."));
        return FALSE;
    }
    parasite = gimp_item_get_parasite(layer, GFT_PARASITE_NAME);
    if (!parasite) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                            _("This layer was not made by Generate from Text (it has no "
                              "\"gft-settings\" parasite)."));
        return FALSE;
    }
    ok = gft_record_from_text(gimp_parasite_data(parasite), gimp_parasite_data_size(parasite),
                              record, error);
    gimp_parasite_free(parasite);
    return ok;
}

gint32 gft2_deliver(gint32 image, gint32 drawable, GimpRunMode run_mode,
                    const GftPictures *pictures, const GftLayerRecord *record, int out_w, int out_h)
{
    gboolean new_image = image == -1;
    Gft2Place place = {image, new_image ? -1 : gft2_anchor_layer(image, drawable), {0}};

    if (new_image) {
        place.image = gimp_image_new(out_w, out_h, GIMP_RGB);
        gimp_image_undo_disable(place.image);
        place.frame = gft2_frame(place.image);
    } else {
        place.frame = gft2_frame(image);
        gimp_image_undo_group_start(image);
        gft2_prepare_image(image);
    }
    gft2_add_pictures(&place, pictures, record, out_w, out_h);
    if (new_image) {
        gimp_image_undo_enable(place.image);
        if (run_mode == GIMP_RUN_INTERACTIVE)
            gimp_display_new(place.image);
    } else {
        gimp_image_undo_group_end(image);
    }
    if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush();
    return place.image;
}
