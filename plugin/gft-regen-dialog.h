/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text plug-in: the small GTK 3 question asked by
 * "Regenerate from Text": same seed, seed + 1, or a random seed. Shared by
 * the GIMP 3 and GIMP 2.10 front ends (GTK must be initialised).
 */
#ifndef GFT_REGEN_DIALOG_H
#define GFT_REGEN_DIALOG_H

#include <glib.h>

/* *mode (GftRegenMode) is the preselected answer on entry and the chosen
 * one on return. Returns FALSE when the user cancels. */
gboolean gft_ask_regen_mode(const char *layer_name, int *mode);

#endif /* GFT_REGEN_DIALOG_H */
