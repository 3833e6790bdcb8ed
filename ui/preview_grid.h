/* Generate from Text: the grid of live previews, one per variation.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef GFT_PREVIEW_GRID_H
#define GFT_PREVIEW_GRID_H

#include <gtk/gtk.h>

typedef struct GftPreviewGrid GftPreviewGrid;

GftPreviewGrid *gft_preview_grid_new(void);
void gft_preview_grid_free(GftPreviewGrid *grid);
/* The widget to pack (a frame holding the cells or a placeholder). */
GtkWidget *gft_preview_grid_widget(GftPreviewGrid *grid);

/* n cells (0 = the placeholder) of w x h pixels, all transparent. */
void gft_preview_grid_setup(GftPreviewGrid *grid, gint n, gint w, gint h);
gint gft_preview_grid_count(GftPreviewGrid *grid);

/* Copies a straight RGBA picture of w x h pixels into cell i's backing
 * surface (resampled to the cell's size: nearest pixel) and redraws. */
void gft_preview_grid_set_rgba(GftPreviewGrid *grid, gint i, const guint8 *rgba, gint w, gint h);
void gft_preview_grid_set_caption(GftPreviewGrid *grid, gint i, const gchar *text);
/* A finished cell can be selected; an unfinished one cannot. */
void gft_preview_grid_set_finished(GftPreviewGrid *grid, gint i, gboolean finished);
gboolean gft_preview_grid_get_selected(GftPreviewGrid *grid, gint i);
void gft_preview_grid_set_selected(GftPreviewGrid *grid, gint i, gboolean selected);
/* Whether the user may toggle selections (not while generating). */
void gft_preview_grid_set_choosable(GftPreviewGrid *grid, gboolean choosable);
cairo_surface_t *gft_preview_grid_surface(GftPreviewGrid *grid, gint i);

#endif /* GFT_PREVIEW_GRID_H */
