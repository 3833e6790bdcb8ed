/* libFuzzer target: arbitrary bytes through the settings text parsers that
 * read what a file can carry: the plug-in's "gft-settings" layer parasite
 * (it travels inside XCF files), its remembered last values, and the
 * dialog's key=value settings. Whatever parses must serialise and parse back
 * to the same text (or equal settings).
 * GLib 2.74 (Debian 12) prints "GError set over the top of a previous
 * GError" for a value with an invalid escape and a trailing backslash: that
 * is GKeyFile's own parser setting its error twice on a fresh (NULL) GError,
 * reproduced outside this project; the value is still refused.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "gft-plugin-settings.h"
#ifdef GFT_FUZZ_HAVE_UI
#include "gft-dialog.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts (a fuzzer finding) unless both writes are the same bytes; frees both. */
static void require_same_text(char *t1, gsize n1, char *t2, gsize n2)
{
    if (n1 != n2 || memcmp(t1, t2, n1) != 0)
        abort();
    g_free(t1);
    g_free(t2);
}

/* to_text(parse(text)) must parse again and give the same text back. */
static void check_plugin_settings(const char *text, gsize size)
{
    GftPluginSettings s, again;
    gft_plugin_settings_init(&s);
    gft_plugin_settings_init(&again);
    if (gft_plugin_settings_from_text(text, size, &s, NULL)) {
        gsize n1, n2;
        char *t1 = gft_plugin_settings_to_text(&s, &n1);
        if (!gft_plugin_settings_from_text(t1, n1, &again, NULL))
            abort();
        char *t2 = gft_plugin_settings_to_text(&again, &n2);
        require_same_text(t1, n1, t2, n2);
    }
    gft_plugin_settings_clear(&s);
    gft_plugin_settings_clear(&again);
}

static void check_layer_record(const char *text, gsize size)
{
    GftLayerRecord r, again;
    if (gft_record_from_text(text, size, &r, NULL)) {
        gsize n1, n2;
        char *t1 = gft_record_to_text(&r, &n1);
        if (!gft_record_from_text(t1, n1, &again, NULL))
            abort();
        char *t2 = gft_record_to_text(&again, &n2);
        require_same_text(t1, n1, t2, n2);
        gft_record_clear(&again);
        gft_record_clear(&r);
    }
}

#ifdef GFT_FUZZ_HAVE_UI
static void check_dialog_settings(const char *text)
{
    GftSettings s, again;
    gft_settings_init(&s);
    gft_settings_init(&again);
    if (gft_settings_parse(&s, text, NULL)) {
        gchar *t = gft_settings_serialize(&s);
        if (!gft_settings_parse(&again, t, NULL) || !gft_settings_equal(&s, &again))
            abort();
        g_free(t);
    }
    gft_settings_clear(&s);
    gft_settings_clear(&again);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_plugin_settings(text, size);
    check_layer_record(text, size);
#ifdef GFT_FUZZ_HAVE_UI
    check_dialog_settings(text);
#endif
    free(text);
    return 0;
}
