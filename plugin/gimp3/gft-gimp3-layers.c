/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: layers from generated pictures.
 */
#include "gft-gimp3-layers.h"

#include <glib/gi18n-lib.h>

GimpLayer *gft3_anchor_layer(GimpImage *image, GimpDrawable **drawables)
{
    GimpDrawable *first = drawables ? drawables[0] : NULL;

    if (!image || !first || !GIMP_IS_LAYER(first) || gimp_item_get_image(GIMP_ITEM(first)) != image)
        return NULL;
    return GIMP_LAYER(first);
}

void gft3_prepare_image(GimpImage *image)
{
    if (gimp_image_get_base_type(image) == GIMP_INDEXED)
        gimp_image_convert_rgb(image);
}

static void attach_record(GimpLayer *layer, const GftLayerRecord *record, guint64 seed)
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
    gimp_item_attach_parasite(GIMP_ITEM(layer), parasite);
    gimp_parasite_free(parasite);
    g_free(text);
}

/* Inserts item directly above place->above, or on top of the stack. */
static void insert(const Gft3Place *place, GimpLayer *item)
{
    GimpLayer *parent = NULL;
    int position = 0;

    if (place->above) {
        parent = GIMP_LAYER(gimp_item_get_parent(GIMP_ITEM(place->above)));
        position = gimp_image_get_item_position(place->image, GIMP_ITEM(place->above));
    }
    gimp_image_insert_layer(place->image, item, parent, position);
}

static GimpLayer *new_picture_layer(GimpImage *image, const GftPictures *pictures, int index,
                                    const char *prompt)
{
    GimpImageType type =
        gimp_image_get_base_type(image) == GIMP_GRAY ? GIMP_GRAYA_IMAGE : GIMP_RGBA_IMAGE;
    char *name = gft_layer_name(prompt, pictures->seeds[index]);
    GimpLayer *layer = gimp_layer_new(image, name, pictures->width, pictures->height, type, 100.0,
                                      gimp_image_get_default_new_layer_mode(image));

    g_free(name);
    return layer;
}

GftFrame gft3_frame(GimpImage *image)
{
    gboolean non_empty = FALSE;
    gint x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    gboolean ok = gimp_selection_bounds(image, &non_empty, &x1, &y1, &x2, &y2);

    return gft_frame_of(gimp_image_get_width(image), gimp_image_get_height(image), ok && non_empty,
                        x1, y1, x2, y2);
}

static void fill_and_scale(const Gft3Place *place, GimpLayer *layer, const GftPictures *pictures,
                           int index, int out_w, int out_h)
{
    int x, y;

    GeglBuffer *buffer = gimp_drawable_get_buffer(GIMP_DRAWABLE(layer));

    /* GEGL converts the sRGB RGBA bytes to the layer's format (grey too). */
    gegl_buffer_set(buffer, GEGL_RECTANGLE(0, 0, pictures->width, pictures->height), 0,
                    babl_format("R'G'B'A u8"), pictures->pixels[index], GEGL_AUTO_ROWSTRIDE);
    g_object_unref(buffer);
    gimp_drawable_update(GIMP_DRAWABLE(layer), 0, 0, pictures->width, pictures->height);

    if (out_w != pictures->width || out_h != pictures->height)
        gimp_layer_scale(layer, out_w, out_h, FALSE); /* context's default interpolation */
    gft_frame_centre(&place->frame, out_w, out_h, &x, &y);
    gimp_layer_set_offsets(layer, x, y);
}

GimpLayer *gft3_add_pictures(const Gft3Place *place, const GftPictures *pictures,
                             const GftLayerRecord *record, int out_w, int out_h)
{
    const char *prompt = record->settings.prompt;
    GimpGroupLayer *group;
    char *name;

    if (pictures->n == 1) {
        GimpLayer *layer = new_picture_layer(place->image, pictures, 0, prompt);

        insert(place, layer);
        fill_and_scale(place, layer, pictures, 0, out_w, out_h);
        attach_record(layer, record, pictures->seeds[0]);
        return layer;
    }

    name = gft_short_prompt(prompt, 60);
    group = gimp_group_layer_new(place->image, name);
    g_free(name);
    insert(place, GIMP_LAYER(group));
    for (int i = 0; i < pictures->n; i++) {
        GimpLayer *layer = new_picture_layer(place->image, pictures, i, prompt);

        /* first variation on top */
        gimp_image_insert_layer(place->image, layer, GIMP_LAYER(group), i);
        fill_and_scale(place, layer, pictures, i, out_w, out_h);
        attach_record(layer, record, pictures->seeds[i]);
    }
    return GIMP_LAYER(group);
}

gboolean gft3_read_record(GimpDrawable *drawable, GftLayerRecord *record, GError **error)
{
    GimpParasite *parasite;
    gconstpointer data;
    guint32 size = 0;
    gboolean ok;

    if (!drawable || !GIMP_IS_LAYER(drawable) || gimp_item_is_group(GIMP_ITEM(drawable))) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            _("Select a layer made by Generate from Text to regenerate it."));
        return FALSE;
    }
    parasite = gimp_item_get_parasite(GIMP_ITEM(drawable), GFT_PARASITE_NAME);
    if (!parasite) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                            _("This layer was not made by Generate from Text (it has no "
                              "\"gft-settings\" parasite)."));
        return FALSE;
    }
    data = gimp_parasite_get_data(parasite, &size);
    ok = gft_record_from_text(data, size, record, error);
    gimp_parasite_free(parasite);
    return ok;
}

GimpImage *gft3_deliver(GimpImage *image, GimpDrawable **drawables, GimpRunMode run_mode,
                        const GftPictures *pictures, const GftLayerRecord *record, int out_w,
                        int out_h)
{
    gboolean new_image = image == NULL;
    Gft3Place place = {image, new_image ? NULL : gft3_anchor_layer(image, drawables), {0}};

    if (new_image) {
        place.image = gimp_image_new(out_w, out_h, GIMP_RGB);
        gimp_image_undo_disable(place.image);
        place.frame = gft3_frame(place.image);
    } else {
        place.frame = gft3_frame(image);
        gimp_image_undo_group_start(image);
        gft3_prepare_image(image);
    }
    gft3_add_pictures(&place, pictures, record, out_w, out_h);
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
