/* Generate from Text: the grid of live previews, one per variation.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "preview_grid.h"

#include "gft.h"
#include "i18n.h"

#define GRID_SIDE 328 /* pixels the cells share, so the dialog keeps its size */
#define GRID_SPACING 6
#define CHECKER 8

typedef struct {
    GtkWidget *box, *area, *check;
    cairo_surface_t *surface; /* the backing buffer: ARGB32, model size */
    gboolean finished;
} Cell;

struct GftPreviewGrid {
    GtkWidget *stack, *placeholder, *cells_grid;
    Cell cells[GFT_MAX_VARIATIONS];
    gint n, width, height;
    gboolean choosable;
};

static gint columns_for(gint n)
{
    return n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
}

static void draw_checkerboard(cairo_t *cr, double x, double y, double w, double h)
{
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    for (int j = 0; j * CHECKER < h; j++)
        for (int i = (j & 1); i * CHECKER < w; i += 2)
            cairo_rectangle(cr, x + i * CHECKER, y + j * CHECKER, CHECKER, CHECKER);
    cairo_fill(cr);
    cairo_restore(cr);
}

static gboolean on_draw(GtkWidget *area, cairo_t *cr, gpointer user_data)
{
    Cell *cell = user_data;
    double aw = gtk_widget_get_allocated_width(area);
    double ah = gtk_widget_get_allocated_height(area);
    double sw = cairo_image_surface_get_width(cell->surface);
    double sh = cairo_image_surface_get_height(cell->surface);
    double scale = MIN(aw / sw, ah / sh);
    double x = (aw - sw * scale) / 2, y = (ah - sh * scale) / 2;

    draw_checkerboard(cr, x, y, sw * scale, sh * scale);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, cell->surface, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);

    if (cell->finished && gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(cell->check))) {
        GdkRGBA c = {0.21, 0.52, 0.89, 1.0};
        gtk_style_context_lookup_color(gtk_widget_get_style_context(area),
                                       "theme_selected_bg_color", &c);
        gdk_cairo_set_source_rgba(cr, &c);
        cairo_set_line_width(cr, 3);
        cairo_rectangle(cr, x + 1.5, y + 1.5, sw * scale - 3, sh * scale - 3);
        cairo_stroke(cr);
    }
    return FALSE;
}

/* Clicking a finished preview toggles its check box. */
static gboolean on_press(GtkWidget *area, GdkEventButton *event, gpointer user_data)
{
    Cell *cell = user_data;
    (void)area;
    if (event->button == GDK_BUTTON_PRIMARY && gtk_widget_is_sensitive(cell->check)) {
        GtkToggleButton *t = GTK_TOGGLE_BUTTON(cell->check);
        gtk_toggle_button_set_active(t, !gtk_toggle_button_get_active(t));
        return TRUE;
    }
    return FALSE;
}

static void on_toggled(GtkToggleButton *button, gpointer user_data)
{
    Cell *cell = user_data;
    (void)button;
    gtk_widget_queue_draw(cell->area);
}

GftPreviewGrid *gft_preview_grid_new(void)
{
    GftPreviewGrid *grid = g_new0(GftPreviewGrid, 1);
    grid->choosable = TRUE;
    grid->stack = gtk_stack_new();
    gtk_widget_set_size_request(grid->stack, GRID_SIDE, GRID_SIDE);
    g_object_ref_sink(grid->stack);

    grid->placeholder = gtk_label_new(_("Previews of the variations appear here while they "
                                        "are generated."));
    gtk_label_set_line_wrap(GTK_LABEL(grid->placeholder), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(grid->placeholder), 30);
    gtk_label_set_justify(GTK_LABEL(grid->placeholder), GTK_JUSTIFY_CENTER);
    gtk_style_context_add_class(gtk_widget_get_style_context(grid->placeholder), "dim-label");
    gtk_stack_add_named(GTK_STACK(grid->stack), grid->placeholder, "placeholder");

    grid->cells_grid = gtk_grid_new();
    gtk_grid_set_row_spacing(GTK_GRID(grid->cells_grid), GRID_SPACING);
    gtk_grid_set_column_spacing(GTK_GRID(grid->cells_grid), GRID_SPACING);
    gtk_widget_set_halign(grid->cells_grid, GTK_ALIGN_CENTER);
    gtk_widget_set_valign(grid->cells_grid, GTK_ALIGN_CENTER);
    gtk_stack_add_named(GTK_STACK(grid->stack), grid->cells_grid, "cells");
    gtk_widget_show_all(grid->stack);
    gtk_stack_set_visible_child(GTK_STACK(grid->stack), grid->placeholder);
    return grid;
}

static void clear_cells(GftPreviewGrid *grid)
{
    for (gint i = 0; i < grid->n; i++) {
        Cell *cell = &grid->cells[i];
        gtk_widget_destroy(cell->box);
        cairo_surface_destroy(cell->surface);
        cell->surface = NULL;
    }
    grid->n = 0;
}

void gft_preview_grid_free(GftPreviewGrid *grid)
{
    if (grid == NULL)
        return;
    /* the cells' widgets may already be gone with the dialog; the stack is
     * still ours (we hold a reference) */
    for (gint i = 0; i < grid->n; i++)
        cairo_surface_destroy(grid->cells[i].surface);
    grid->n = 0;
    gtk_widget_destroy(grid->stack);
    g_object_unref(grid->stack);
    g_free(grid);
}

GtkWidget *gft_preview_grid_widget(GftPreviewGrid *grid)
{
    return grid->stack;
}

static void make_cell(GftPreviewGrid *grid, gint i, gint side)
{
    Cell *cell = &grid->cells[i];
    gint cols = columns_for(grid->n);

    cell->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, grid->width, grid->height);
    cell->finished = FALSE;
    cell->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);

    cell->area = gtk_drawing_area_new();
    gtk_widget_set_size_request(cell->area, side, side);
    gtk_widget_add_events(cell->area, GDK_BUTTON_PRESS_MASK);
    g_signal_connect(cell->area, "draw", G_CALLBACK(on_draw), cell);
    g_signal_connect(cell->area, "button-press-event", G_CALLBACK(on_press), cell);
    gtk_box_pack_start(GTK_BOX(cell->box), cell->area, FALSE, FALSE, 0);

    cell->check = gtk_check_button_new_with_label("");
    gtk_widget_set_halign(cell->check, GTK_ALIGN_CENTER);
    gtk_widget_set_sensitive(cell->check, FALSE);
    gtk_widget_set_tooltip_text(cell->check, _("Selected variations are kept when you press OK"));
    g_signal_connect(cell->check, "toggled", G_CALLBACK(on_toggled), cell);
    gtk_box_pack_start(GTK_BOX(cell->box), cell->check, FALSE, FALSE, 0);

    gtk_grid_attach(GTK_GRID(grid->cells_grid), cell->box, i % cols, i / cols, 1, 1);
    gtk_widget_show_all(cell->box);
}

void gft_preview_grid_setup(GftPreviewGrid *grid, gint n, gint w, gint h)
{
    gint cols, side;

    clear_cells(grid);
    n = CLAMP(n, 0, GFT_MAX_VARIATIONS);
    if (n == 0 || w <= 0 || h <= 0) {
        gtk_stack_set_visible_child(GTK_STACK(grid->stack), grid->placeholder);
        return;
    }
    grid->n = n;
    grid->width = w;
    grid->height = h;
    cols = columns_for(n);
    /* leave room for the check box under each row of previews */
    side = (GRID_SIDE - (cols - 1) * GRID_SPACING) / cols - (cols > 1 ? 14 : 30);
    for (gint i = 0; i < n; i++)
        make_cell(grid, i, side);
    gtk_stack_set_visible_child(GTK_STACK(grid->stack), grid->cells_grid);
}

gint gft_preview_grid_count(GftPreviewGrid *grid)
{
    return grid->n;
}

void gft_preview_grid_set_rgba(GftPreviewGrid *grid, gint i, const guint8 *rgba, gint w, gint h)
{
    Cell *cell;
    guint8 *data;
    int stride;

    if (i < 0 || i >= grid->n || w <= 0 || h <= 0)
        return;
    cell = &grid->cells[i];
    cairo_surface_flush(cell->surface);
    data = cairo_image_surface_get_data(cell->surface);
    stride = cairo_image_surface_get_stride(cell->surface);
    /* straight RGBA bytes -> premultiplied native-endian ARGB32 */
    for (gint y = 0; y < grid->height; y++) {
        guint32 *row = (guint32 *)(data + (gsize)y * stride);
        const guint8 *src = rgba + (gsize)((gint64)y * h / grid->height) * w * 4;
        for (gint x = 0; x < grid->width; x++) {
            const guint8 *p = src + (gsize)((gint64)x * w / grid->width) * 4;
            guint32 a = p[3];
            guint32 r = (p[0] * a + 127) / 255;
            guint32 g = (p[1] * a + 127) / 255;
            guint32 b = (p[2] * a + 127) / 255;
            row[x] = a << 24 | r << 16 | g << 8 | b;
        }
    }
    cairo_surface_mark_dirty(cell->surface);
    gtk_widget_queue_draw(cell->area);
}

void gft_preview_grid_set_caption(GftPreviewGrid *grid, gint i, const gchar *text)
{
    if (i >= 0 && i < grid->n)
        gtk_button_set_label(GTK_BUTTON(grid->cells[i].check), text);
}

void gft_preview_grid_set_finished(GftPreviewGrid *grid, gint i, gboolean finished)
{
    Cell *cell;
    if (i < 0 || i >= grid->n)
        return;
    cell = &grid->cells[i];
    cell->finished = finished;
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(cell->check), finished);
    gtk_widget_set_sensitive(cell->check, finished && grid->choosable);
    gtk_widget_set_opacity(cell->area, finished ? 1.0 : 0.6);
    gtk_widget_queue_draw(cell->area);
}

gboolean gft_preview_grid_get_selected(GftPreviewGrid *grid, gint i)
{
    if (i < 0 || i >= grid->n || !grid->cells[i].finished)
        return FALSE;
    return gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(grid->cells[i].check));
}

void gft_preview_grid_set_selected(GftPreviewGrid *grid, gint i, gboolean selected)
{
    if (i >= 0 && i < grid->n && grid->cells[i].finished)
        gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(grid->cells[i].check), selected);
}

void gft_preview_grid_set_choosable(GftPreviewGrid *grid, gboolean choosable)
{
    grid->choosable = choosable;
    for (gint i = 0; i < grid->n; i++)
        gtk_widget_set_sensitive(grid->cells[i].check, choosable && grid->cells[i].finished);
}

cairo_surface_t *gft_preview_grid_surface(GftPreviewGrid *grid, gint i)
{
    return i >= 0 && i < grid->n ? grid->cells[i].surface : NULL;
}
