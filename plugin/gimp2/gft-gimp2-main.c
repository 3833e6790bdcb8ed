/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 2.10 front end: PDB registration and the runs of
 * plug-in-generate-from-text and plug-in-generate-from-text-regenerate.
 * Links libgimp-2.0 and GTK 3 only (never libgimpui-2.0, which is GTK 2).
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <glib/gi18n-lib.h>

#include "gft-gimp2-dialog.h"
#include "gft-gimp2-layers.h"

#define N_GENERATE_ARGS 16
/* Before "candidates" was appended: C plug-ins calling with the old count
 * still run (the model's default best of K). Script-Fu checks the count
 * itself, so scripts must pass the new argument. */
#define N_GENERATE_ARGS_OLD 15
#define N_REGEN_ARGS 4
#define REGEN_DATA_KEY GFT_PLUG_IN_REGEN_PROC

static void query(void);
static char *plugin_dir(void);
static void run(const gchar *name, gint n_params, const GimpParam *param, gint *n_return_vals,
                GimpParam **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = {NULL, NULL, query, run};

MAIN()

static const GimpParamDef generate_args[N_GENERATE_ARGS] = {
    {GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"},
    {GIMP_PDB_IMAGE, "image", "Image to add the layers to (-1: create a new image)"},
    {GIMP_PDB_DRAWABLE, "drawable", "Unused (the layers go above the active layer)"},
    {GIMP_PDB_STRING, "prompt", "What to draw"},
    {GIMP_PDB_STRING, "negative-prompt", "What to steer away from (\"\": nothing)"},
    {GIMP_PDB_FLOAT, "temperature", "Sampling temperature, 0 (greedy) to 10; < 0: model default"},
    {GIMP_PDB_INT32, "top-k", "Keep the k likeliest tokens, 0 = off; < 0: model default"},
    {GIMP_PDB_FLOAT, "top-p", "Nucleus sampling, (0, 1], 1 = off; <= 0: model default"},
    {GIMP_PDB_FLOAT, "guidance", "Classifier-free guidance, 0 to 30, 1 = off; < 0: default"},
    {GIMP_PDB_INT32, "seed", "Seed of the first variation (-1: random)"},
    {GIMP_PDB_INT32, "variations", "Number of pictures, 1 to 16"},
    {GIMP_PDB_INT32, "width", "Layer width (0: the selection's or the image's, 512 for new)"},
    {GIMP_PDB_INT32, "height", "Layer height (0: the selection's or the image's, 512 for new)"},
    {GIMP_PDB_STRING, "model", "Model file (.gguf); \"\": the shipped model"},
    {GIMP_PDB_INT32, "target", "0: new layers in the image, 1: a new image"},
    {GIMP_PDB_INT32, "candidates",
     "Best of: samples per picture, 1 to 8, the model's reranker keeps the best (about that "
     "many times slower; more than 1 needs a model with a reranker); 0: model default"},
};

static const GimpParamDef regen_args[N_REGEN_ARGS] = {
    {GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"},
    {GIMP_PDB_IMAGE, "image", "Image holding the generated layer"},
    {GIMP_PDB_DRAWABLE, "drawable", "A layer made by plug-in-generate-from-text"},
    {GIMP_PDB_INT32, "mode", "0: same seed, 1: seed + 1 (vary), 2: random seed"},
};

static const GimpParamDef return_image[] = {
    {GIMP_PDB_IMAGE, "image", "The image holding the new layers"},
};

static void query(void)
{
    char *dir = plugin_dir();
    char *locale_dir = gft_plugin_locale_dir(dir);

    gimp_plugin_domain_register(GETTEXT_PACKAGE, locale_dir);
    g_free(locale_dir);
    g_free(dir);
    gimp_install_procedure(
        GFT_PLUG_IN_PROC, N_("Generate pictures from a text prompt"),
        "Runs a small text-to-image transformer inside the plug-in and adds each variation as "
        "a new RGBA layer named \"<prompt> (seed N)\" above the active layer (several go into "
        "a layer group), or creates a new image when none is open or target is 1. Each layer "
        "keeps its settings in the \"gft-settings\" parasite. Indexed images are converted to "
        "RGB in the same undo step.",
        "Generate from Text authors", "Generate from Text authors", "2026",
        N_("Generate from _Text..."), "", GIMP_PLUGIN, N_GENERATE_ARGS, 1, generate_args,
        return_image);
    gimp_plugin_menu_register(GFT_PLUG_IN_PROC, "<Image>/Filters/Render");
    gimp_plugin_menu_register(GFT_PLUG_IN_PROC, "<Image>/File/Create");

    gimp_install_procedure(
        GFT_PLUG_IN_REGEN_PROC, N_("Regenerate a generated layer, or vary it"),
        "Reads the \"gft-settings\" parasite of a layer made by Generate from Text and "
        "generates it again above it: with the same seed, seed + 1, or a random seed.",
        "Generate from Text authors", "Generate from Text authors", "2026",
        N_("_Regenerate from Text..."), "RGB*, GRAY*", GIMP_PLUGIN, N_REGEN_ARGS, 1, regen_args,
        return_image);
    gimp_plugin_menu_register(GFT_PLUG_IN_REGEN_PROC, "<Image>/Filters/Render");
}

/* ---- remembered values (gimp_set_data holds the settings' text form) ---- */

static void load_last_values(const char *key, GftPluginSettings *s)
{
    gint size = gimp_get_data_size(key);
    char *text;

    if (size <= 0)
        return;
    text = g_malloc0((gsize)size + 1);
    if (gimp_get_data(key, text))
        gft_plugin_settings_from_text(text, (gsize)size, s, NULL); /* stale data: keep defaults */
    g_free(text);
}

#ifdef GFT_HAVE_UI
static void save_last_values(const char *key, const GftPluginSettings *s)
{
    gsize length;
    char *text = gft_plugin_settings_to_text(s, &length);

    gimp_set_data(key, text, (guint32)length + 1);
    g_free(text);
}
#endif

/* ---- shared run pieces ---------------------------------------------------- */

static void on_progress(double fraction, void *user_data)
{
    (void)user_data;
    gimp_progress_update(fraction);
}

static char *plugin_dir(void)
{
    return gft_plugin_own_dir(gimp_get_progname());
}

static void settings_from_params(const GimpParam *p, gint n_params, GftPluginSettings *s)
{
    g_free(s->prompt);
    g_free(s->negative_prompt);
    g_free(s->model);
    s->prompt = g_strdup(p[3].data.d_string ? p[3].data.d_string : "");
    s->negative_prompt = g_strdup(p[4].data.d_string ? p[4].data.d_string : "");
    s->temperature = p[5].data.d_float;
    s->top_k = p[6].data.d_int32;
    s->top_p = p[7].data.d_float;
    s->guidance = p[8].data.d_float;
    s->seed = p[9].data.d_int32;
    s->variations = p[10].data.d_int32;
    s->width = p[11].data.d_int32;
    s->height = p[12].data.d_int32;
    s->model = g_strdup(p[13].data.d_string ? p[13].data.d_string : "");
    s->target = p[14].data.d_int32;
    s->candidates = n_params > 15 ? p[15].data.d_int32 : 0;
}

/* ---- plug-in-generate-from-text --------------------------------------------- */

static gboolean run_generate(GimpRunMode run_mode, gint n_params, const GimpParam *param,
                             gint32 *out_image, GError **error)
{
    gint32 image = n_params > 1 ? param[1].data.d_image : -1;
    gint32 drawable = n_params > 2 ? param[2].data.d_drawable : -1;
    GftPluginSettings s;
    GftPluginRun run;
    GftFrame frame = {0, 0, 0, 0};
    char *dir;
    gboolean ok;

    if (image != -1 && !gimp_image_is_valid(image))
        image = -1;
    gft_plugin_settings_init(&s);
    if (run_mode == GIMP_RUN_NONINTERACTIVE) {
        if (n_params != N_GENERATE_ARGS && n_params != N_GENERATE_ARGS_OLD) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        _("%s takes %d arguments, got %d."), GFT_PLUG_IN_PROC, N_GENERATE_ARGS,
                        n_params);
            gft_plugin_settings_clear(&s);
            return FALSE;
        }
        settings_from_params(param, n_params, &s);
    } else {
        load_last_values(GFT_PLUG_IN_PROC, &s);
    }
    if (!gft_plugin_settings_check(&s, error)) {
        gft_plugin_settings_clear(&s);
        return FALSE;
    }
    if (s.target == GFT_PLUGIN_TARGET_NEW_IMAGE)
        image = -1;

#ifdef GFT_HAVE_UI
    if (run_mode == GIMP_RUN_INTERACTIVE) {
        ok = gft2_interactive(&s, image, drawable, out_image, error);
        if (ok)
            save_last_values(GFT_PLUG_IN_PROC, &s);
        gft_plugin_settings_clear(&s);
        return ok;
    }
#endif

    if (image != -1)
        frame = gft2_frame(image);
    dir = plugin_dir();
    gimp_progress_init(_("Generating from text..."));
    ok = gft_plugin_run(&s, dir, frame.width, frame.height, on_progress, NULL, &run, error);
    if (ok) {
        *out_image = gft2_deliver(image, drawable, run_mode, &run.pictures, &run.record, run.out_w,
                                  run.out_h);
        gft_plugin_run_clear(&run);
    }
    gimp_progress_end();
    g_free(dir);
    gft_plugin_settings_clear(&s);
    return ok;
}

/* ---- plug-in-generate-from-text-regenerate ------------------------------------ */

static gboolean regenerate(gint32 layer, int mode, GimpRunMode run_mode, gint32 *out_image,
                           GError **error)
{
    gint32 image = gimp_item_get_image(layer);
    GftLayerRecord old;
    GftPluginRun run;
    char *dir;
    gboolean ok;

    if (!gft2_read_record(layer, &old, error))
        return FALSE;
    gft_plugin_settings_for_regenerate(&old.settings, mode);
    dir = plugin_dir();
    gimp_progress_init(_("Regenerating from text..."));
    /* the record's size is concrete: the new layers match the old one */
    ok = gft_plugin_run(&old.settings, dir, 0, 0, on_progress, NULL, &run, error);
    if (ok) {
        /* over the old layer: the same size, so the same place */
        Gft2Place place = {image, layer, {0}};
        gimp_drawable_offsets(layer, &place.frame.x, &place.frame.y);
        place.frame.width = gimp_drawable_width(layer);
        place.frame.height = gimp_drawable_height(layer);
        gimp_image_undo_group_start(image);
        gft2_add_pictures(&place, &run.pictures, &run.record, run.out_w, run.out_h);
        gimp_image_undo_group_end(image);
        if (run_mode != GIMP_RUN_NONINTERACTIVE)
            gimp_displays_flush();
        gft_plugin_run_clear(&run);
        *out_image = image;
    }
    gimp_progress_end();
    g_free(dir);
    gft_record_clear(&old);
    return ok;
}

static gboolean run_regenerate(GimpRunMode run_mode, gint n_params, const GimpParam *param,
                               gint32 *out_image, GError **error)
{
    gint32 mode = GFT_REGEN_NEXT_SEED;
    gint32 layer;

    if (n_params < 3) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            _("Open an image and select a generated layer first."));
        return FALSE;
    }
    layer = param[2].data.d_drawable;
    if (run_mode == GIMP_RUN_NONINTERACTIVE) {
        if (n_params != N_REGEN_ARGS) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        _("%s takes %d arguments, got %d."), GFT_PLUG_IN_REGEN_PROC, N_REGEN_ARGS,
                        n_params);
            return FALSE;
        }
        mode = param[3].data.d_int32;
    } else {
        gimp_get_data(REGEN_DATA_KEY, &mode);
    }
    if (run_mode == GIMP_RUN_INTERACTIVE && !gft2_ask_regen_mode(layer, &mode))
        return FALSE; /* cancelled: no error */
    if (mode < GFT_REGEN_SAME_SEED || mode > GFT_REGEN_RANDOM_SEED) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            _("Mode must be 0 (same seed), 1 (seed + 1) or 2 (random seed)."));
        return FALSE;
    }
    if (run_mode == GIMP_RUN_INTERACTIVE)
        gimp_set_data(REGEN_DATA_KEY, &mode, sizeof mode);
    return regenerate(layer, mode, run_mode, out_image, error);
}

static void run(const gchar *name, gint n_params, const GimpParam *param, gint *n_return_vals,
                GimpParam **return_vals)
{
    static GimpParam values[2];
    static char *message;
    GimpRunMode run_mode = param[0].data.d_int32;
    gint32 image = -1;
    GError *error = NULL;
    gboolean ok;

    char *dir = plugin_dir();
    char *locale_dir = gft_plugin_locale_dir(dir);

    bindtextdomain(GETTEXT_PACKAGE, locale_dir);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    g_free(locale_dir);
    g_free(dir);
    gegl_init(NULL, NULL);
    gft_blas_release_threads(); /* the engine uses none; they would spin ~0.1 s */

    if (strcmp(name, GFT_PLUG_IN_REGEN_PROC) == 0)
        ok = run_regenerate(run_mode, n_params, param, &image, &error);
    else
        ok = run_generate(run_mode, n_params, param, &image, &error);

    *return_vals = values;
    values[0].type = GIMP_PDB_STATUS;
    if (ok) {
        *n_return_vals = 2;
        values[0].data.d_status = GIMP_PDB_SUCCESS;
        values[1].type = GIMP_PDB_IMAGE;
        values[1].data.d_image = image;
    } else if (!error) { /* the user cancelled */
        *n_return_vals = 1;
        values[0].data.d_status = GIMP_PDB_CANCEL;
    } else {
        *n_return_vals = 2;
        values[0].data.d_status = error && error->code == G_FILE_ERROR_INVAL
                                      ? GIMP_PDB_CALLING_ERROR
                                      : GIMP_PDB_EXECUTION_ERROR;
        g_free(message);
        message = g_strdup(error->message);
        values[1].type = GIMP_PDB_STRING;
        values[1].data.d_string = message;
    }
    g_clear_error(&error);
}
