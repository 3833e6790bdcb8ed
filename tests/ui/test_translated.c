/* Generate from Text: the dialog really shows the translations (built .mo
 * files, the domain bound by the library, plural forms included).
 *
 * Usage: test-ui-translated TINY_MODEL LOCALE_DIR
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "gft-dialog.h"

static gboolean finished;

static void on_finished(GftDialog *d, gint status, gpointer data)
{
    (void)d;
    (void)data;
    g_assert_cmpint(status, ==, GFT_OK);
    finished = TRUE;
}

static gboolean wake(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    GftDialog *d;
    GtkWidget *label;
    GError *error = NULL;
    guint ticker;
    gint64 end;
    const gchar *text;

    if (argc < 3) {
        fprintf(stderr, "usage: %s TINY_MODEL LOCALE_DIR\n", argv[0]);
        return 2;
    }
    /* German through LANGUAGE works on the always-present C.UTF-8 locale */
    g_setenv("LC_ALL", "C.UTF-8", TRUE);
    g_setenv("LANGUAGE", "de", TRUE);
    g_setenv("GFT_MODEL", argv[1], TRUE);
    gft_ui_bind_textdomain(argv[2]);
    gtk_init(&argc, &argv);

    d = GFT_DIALOG(gft_dialog_new(NULL, NULL));
    g_object_ref_sink(d);
    if (!gft_dialog_set_model(d, argv[1], &error))
        g_error("%s", error->message);
    gtk_widget_show(GTK_WIDGET(d));

    g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(d)), ==, "Aus Text erzeugen");
    g_assert_cmpstr(gtk_button_get_label(GTK_BUTTON(gft_dialog_get_control(d, "generate"))), ==,
                    "_Erzeugen");

    /* plural forms: one unknown word, then two */
    gtk_text_buffer_set_text(
        gtk_text_view_get_buffer(GTK_TEXT_VIEW(gft_dialog_get_control(d, "prompt"))),
        "red apple zqxwvj", -1);
    label = gft_dialog_get_control(d, "unknown-words");
    g_assert_cmpstr(gtk_label_get_text(GTK_LABEL(label)), ==,
                    "Dieses Modell kennt das Wort nicht: zqxwvj");
    gtk_text_buffer_set_text(
        gtk_text_view_get_buffer(GTK_TEXT_VIEW(gft_dialog_get_control(d, "prompt"))),
        "red apple zqxwvj qqvvzz", -1);
    text = gtk_label_get_text(GTK_LABEL(label));
    g_assert_true(g_str_has_prefix(text, "Dieses Modell kennt diese Wörter nicht: "));

    /* a run ends with the translated plural status line */
    {
        GftSettings s;
        gft_settings_init(&s);
        gft_dialog_get_settings(d, &s);
        s.n_variations = 1;
        gft_dialog_set_settings(d, &s);
        gft_settings_clear(&s);
    }
    g_signal_connect(d, "generation-finished", G_CALLBACK(on_finished), NULL);
    gft_dialog_generate(d);
    ticker = g_timeout_add(10, wake, NULL);
    end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (!finished && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(ticker);
    g_assert_true(finished);
    g_assert_cmpstr(
        gtk_progress_bar_get_text(GTK_PROGRESS_BAR(gft_dialog_get_control(d, "progress"))), ==,
        "Fertig: 1 Variante");

    gtk_widget_destroy(GTK_WIDGET(d));
    g_object_unref(d);
    printf("ok: German title, buttons, plural warnings and status\n");
    return 0;
}
