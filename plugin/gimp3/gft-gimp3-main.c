/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generate from Text, GIMP 3 front end: the GimpPlugIn subclass, the two
 * PDB procedures and their runs. GimpProcedureConfig remembers the values
 * of interactive and with-last-values runs.
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <glib/gi18n-lib.h>

#include "gft-gimp3-dialog.h"
#include "gft-gimp3-layers.h"

#define PLUG_IN_BINARY "generate-from-text"

typedef struct {
    GimpPlugIn parent_instance;
} GftPlugIn;

typedef struct {
    GimpPlugInClass parent_class;
} GftPlugInClass;

#define GFT_TYPE_PLUG_IN (gft_plug_in_get_type())
GType gft_plug_in_get_type(void);
G_DEFINE_TYPE(GftPlugIn, gft_plug_in, GIMP_TYPE_PLUG_IN)

static GList *query_procedures(GimpPlugIn *plug_in);
static GimpProcedure *create_procedure(GimpPlugIn *plug_in, const gchar *name);
static gboolean set_i18n(GimpPlugIn *plug_in, const gchar *procedure_name, gchar **gettext_domain,
                         gchar **catalog_dir);

static void gft_plug_in_class_init(GftPlugInClass *klass)
{
    GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS(klass);

    plug_in_class->query_procedures = query_procedures;
    plug_in_class->create_procedure = create_procedure;
    plug_in_class->set_i18n = set_i18n;
}

static void gft_plug_in_init(GftPlugIn *self)
{
    (void)self;
}

GIMP_MAIN(GFT_TYPE_PLUG_IN)

static char *plugin_dir(void)
{
    return gft_plugin_own_dir(gimp_get_progname());
}

/* User installs carry locale/ next to the binary (libgimp's default); a
 * system install uses the installed locale folder, bound here. */
static gboolean set_i18n(GimpPlugIn *plug_in, const gchar *procedure_name, gchar **gettext_domain,
                         gchar **catalog_dir)
{
    char *dir = plugin_dir();
    char *locale_dir = gft_plugin_locale_dir(dir);
    char *own = dir ? g_build_filename(dir, "locale", NULL) : NULL;
    gboolean own_catalogs = own && strcmp(own, locale_dir) == 0;

    (void)plug_in;
    (void)procedure_name;
    *gettext_domain = g_strdup(GETTEXT_PACKAGE);
    *catalog_dir = NULL;
    if (!own_catalogs) {
        bindtextdomain(GETTEXT_PACKAGE, locale_dir);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    }
    g_free(own);
    g_free(locale_dir);
    g_free(dir);
    return own_catalogs;
}

static GList *query_procedures(GimpPlugIn *plug_in)
{
    GList *list = NULL;

    (void)plug_in;
    list = g_list_append(list, g_strdup(GFT_PLUG_IN_PROC));
    list = g_list_append(list, g_strdup(GFT_PLUG_IN_REGEN_PROC));
    return list;
}

static GimpValueArray *run_generate(GimpProcedure *procedure, GimpRunMode run_mode,
                                    GimpImage *image, GimpDrawable **drawables,
                                    GimpProcedureConfig *config, gpointer data);
static GimpValueArray *run_regenerate(GimpProcedure *procedure, GimpRunMode run_mode,
                                      GimpImage *image, GimpDrawable **drawables,
                                      GimpProcedureConfig *config, gpointer data);

static void add_generate_arguments(GimpProcedure *p)
{
    const GParamFlags rw = G_PARAM_READWRITE;

    gimp_procedure_add_string_argument(p, "prompt", _("_Prompt"), _("What to draw"), "", rw);
    gimp_procedure_add_string_argument(p, "negative-prompt", _("_Negative prompt"),
                                       _("What to steer away from (\"\": nothing)"), "", rw);
    gimp_procedure_add_double_argument(p, "temperature", _("_Temperature"),
                                       _("0 = greedy; negative: the model's default"), -1.0, 10.0,
                                       -1.0, rw);
    gimp_procedure_add_int_argument(p, "top-k", _("Top-_k"),
                                    _("Keep the k likeliest tokens, 0 = off; negative: the "
                                      "model's default"),
                                    -1, 65536, -1, rw);
    gimp_procedure_add_double_argument(p, "top-p", _("Top-_p"),
                                       _("Nucleus sampling, 1 = off; 0 or less: the model's "
                                         "default"),
                                       -1.0, 1.0, -1.0, rw);
    gimp_procedure_add_double_argument(p, "guidance", _("_Guidance"),
                                       _("Classifier-free guidance, 1 = off; negative: the "
                                         "model's default"),
                                       -1.0, 30.0, -1.0, rw);
    gimp_procedure_add_int_argument(
        p, "seed", _("_Seed"), _("Seed of the first variation (-1: random)"), -1, G_MAXINT, -1, rw);
    gimp_procedure_add_int_argument(p, "variations", _("_Variations"), _("Number of pictures"), 1,
                                    GFT_MAX_VARIATIONS, 1, rw);
    gimp_procedure_add_int_argument(p, "width", _("_Width"),
                                    _("Layer width (0: the selection's or the image's width, 512 "
                                      "for a new image)"),
                                    0, GFT_MAX_SIDE, 0, rw);
    gimp_procedure_add_int_argument(p, "height", _("_Height"),
                                    _("Layer height (0: the selection's or the image's height, "
                                      "512 for a new image)"),
                                    0, GFT_MAX_SIDE, 0, rw);
    gimp_procedure_add_string_argument(p, "model", _("_Model"),
                                       _("Model file (.gguf); \"\": the shipped model"), "", rw);
    gimp_procedure_add_int_argument(p, "target", _("_Target"),
                                    _("0: new layers in the image, 1: a new image"), 0, 1, 0, rw);
    /* Added after the others (the positional order scripts rely on stays). */
    gimp_procedure_add_int_argument(p, "candidates", _("_Best of"),
                                    _("Candidates per picture: the model's reranker keeps the best "
                                      "of this many samples (about this many times slower); 0: "
                                      "the model's default"),
                                    0, GFT_MAX_CANDIDATES, 0, rw);
    gimp_procedure_add_boolean_argument(p, "prompt-as-typed", _("Prompt as _typed"),
                                        _("Give the model the prompts as typed, without reading "
                                          "words in the wording it draws best (its lexicon)"),
                                        FALSE, rw);
    /* The dialog's own full state (not part of the PDB signature). */
    gimp_procedure_add_string_aux_argument(p, "dialog-settings", "Dialog settings",
                                           "The dialog's remembered state", "", rw);
}

static GimpProcedure *create_procedure(GimpPlugIn *plug_in, const gchar *name)
{
    GimpProcedure *p;

    if (strcmp(name, GFT_PLUG_IN_PROC) == 0) {
        p = gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run_generate, NULL,
                                     NULL);
        gimp_procedure_set_image_types(p, "*");
        gimp_procedure_set_sensitivity_mask(p, GIMP_PROCEDURE_SENSITIVE_ALWAYS);
        gimp_procedure_set_menu_label(p, _("Generate from _Text..."));
        gimp_procedure_add_menu_path(p, "<Image>/Filters/Render");
        gimp_procedure_add_menu_path(p, "<Image>/File/Create");
        gimp_procedure_set_documentation(
            p, _("Generate pictures from a text prompt"),
            _("Runs a small text-to-image transformer inside the plug-in and adds each "
              "variation as a new RGBA layer named \"<prompt> (seed N)\" above the selected "
              "layer (several go into a layer group), or creates a new image when none is open "
              "or target is 1. Each layer keeps its settings in the \"gft-settings\" parasite. "
              "Indexed images are converted to RGB in the same undo step."),
            name);
        gimp_procedure_set_attribution(p, "Generate from Text authors",
                                       "Generate from Text authors", "2026");
        add_generate_arguments(p);
        gimp_procedure_add_image_return_value(p, "result-image", _("Result image"),
                                              _("The image holding the new layers"), TRUE,
                                              G_PARAM_READWRITE);
        return p;
    }
    if (strcmp(name, GFT_PLUG_IN_REGEN_PROC) == 0) {
        p = gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run_regenerate, NULL,
                                     NULL);
        gimp_procedure_set_image_types(p, "RGB*, GRAY*");
        gimp_procedure_set_sensitivity_mask(p, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
        gimp_procedure_set_menu_label(p, _("_Regenerate from Text..."));
        gimp_procedure_add_menu_path(p, "<Image>/Filters/Render");
        gimp_procedure_set_documentation(
            p, _("Regenerate a generated layer, or vary it"),
            _("Reads the \"gft-settings\" parasite of a layer made by Generate from Text and "
              "generates it again above it: with the same seed, seed + 1, or a random seed."),
            name);
        gimp_procedure_set_attribution(p, "Generate from Text authors",
                                       "Generate from Text authors", "2026");
        gimp_procedure_add_int_argument(
            p, "mode", _("_Mode"), _("0: same seed, 1: seed + 1 (vary), 2: random seed"),
            GFT_REGEN_SAME_SEED, GFT_REGEN_RANDOM_SEED, GFT_REGEN_NEXT_SEED, G_PARAM_READWRITE);
        gimp_procedure_add_image_return_value(p, "result-image", _("Result image"),
                                              _("The image holding the new layer"), TRUE,
                                              G_PARAM_READWRITE);
        return p;
    }
    return NULL;
}

/* ---- shared run pieces ------------------------------------------------------ */

static void on_progress(double fraction, void *user_data)
{
    (void)user_data;
    gimp_progress_update(fraction);
}

static void settings_from_config(GimpProcedureConfig *config, GftPluginSettings *s)
{
    gint seed;
    gboolean literal = FALSE;

    gft_plugin_settings_clear(s);
    g_object_get(config, "prompt", &s->prompt, "negative-prompt", &s->negative_prompt,
                 "temperature", &s->temperature, "top-k", &s->top_k, "top-p", &s->top_p, "guidance",
                 &s->guidance, "seed", &seed, "variations", &s->variations, "width", &s->width,
                 "height", &s->height, "model", &s->model, "target", &s->target, "candidates",
                 &s->candidates, "prompt-as-typed", &literal, NULL);
    s->seed = seed;
    s->literal = literal;
    if (!s->prompt)
        s->prompt = g_strdup("");
    if (!s->negative_prompt)
        s->negative_prompt = g_strdup("");
    if (!s->model)
        s->model = g_strdup("");
}

static GimpValueArray *finish(GimpProcedure *procedure, gboolean ok, GimpImage *image,
                              GError *error)
{
    GimpValueArray *values;

    if (ok) {
        values = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL);
        GIMP_VALUES_SET_IMAGE(values, 1, image);
        return values;
    }
    if (!error) /* the user cancelled */
        return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, NULL);
    return gimp_procedure_new_return_values(
        procedure,
        error->code == G_FILE_ERROR_INVAL ? GIMP_PDB_CALLING_ERROR : GIMP_PDB_EXECUTION_ERROR,
        error);
}

/* ---- plug-in-generate-from-text ------------------------------------------------ */

static gboolean generate_now(const GftPluginSettings *s, GimpImage *image, GimpDrawable **drawables,
                             GimpRunMode run_mode, GimpImage **out_image, GError **error)
{
    char *dir = plugin_dir();
    GftPluginRun run;
    gboolean ok;

    GftFrame frame = {0, 0, 0, 0};

    if (image)
        frame = gft3_frame(image);
    gimp_progress_init(_("Generating from text..."));
    ok = gft_plugin_run(s, dir, frame.width, frame.height, on_progress, NULL, &run, error);
    if (ok) {
        *out_image = gft3_deliver(image, drawables, run_mode, &run.pictures, &run.record, run.out_w,
                                  run.out_h);
        gft_plugin_run_clear(&run);
    }
    gimp_progress_end();
    g_free(dir);
    return ok;
}

static GimpValueArray *run_generate(GimpProcedure *procedure, GimpRunMode run_mode,
                                    GimpImage *image, GimpDrawable **drawables,
                                    GimpProcedureConfig *config, gpointer data)
{
    GftPluginSettings s;
    GimpImage *out_image = NULL;
    GError *error = NULL;
    gboolean ok;

    (void)data;
    gegl_init(NULL, NULL);
    gft_blas_release_threads(); /* the engine uses none; they would spin ~0.1 s */
    gft_plugin_settings_init(&s);
    settings_from_config(config, &s);
    if (image && !gimp_image_is_valid(image))
        image = NULL;

    if (!gft_plugin_settings_check(&s, &error)) {
        ok = FALSE;
    } else {
        if (s.target == GFT_PLUGIN_TARGET_NEW_IMAGE)
            image = NULL;
#ifdef GFT_HAVE_UI
        if (run_mode == GIMP_RUN_INTERACTIVE)
            ok = gft3_interactive(config, &s, image, drawables, &out_image, &error);
        else
#endif
            ok = generate_now(&s, image, drawables, run_mode, &out_image, &error);
    }
    gft_plugin_settings_clear(&s);
    return finish(procedure, ok, out_image, error);
}

/* ---- plug-in-generate-from-text-regenerate ---------------------------------------- */

static gboolean regenerate(GimpImage *image, GimpDrawable *drawable, int mode, GimpRunMode run_mode,
                           GError **error)
{
    char *dir;
    GftLayerRecord old;
    GftPluginRun run;
    gboolean ok;

    if (!gft3_read_record(drawable, &old, error))
        return FALSE;
    gft_plugin_settings_for_regenerate(&old.settings, mode);
    dir = plugin_dir();
    gimp_progress_init(_("Regenerating from text..."));
    /* the record's size is concrete: the new layers match the old one */
    ok = gft_plugin_run(&old.settings, dir, 0, 0, on_progress, NULL, &run, error);
    if (ok) {
        /* over the old layer: the same size, so the same place */
        Gft3Place place = {image, GIMP_LAYER(drawable), {0}};
        gimp_drawable_get_offsets(drawable, &place.frame.x, &place.frame.y);
        place.frame.width = gimp_drawable_get_width(drawable);
        place.frame.height = gimp_drawable_get_height(drawable);
        gimp_image_undo_group_start(image);
        gft3_add_pictures(&place, &run.pictures, &run.record, run.out_w, run.out_h);
        gimp_image_undo_group_end(image);
        if (run_mode != GIMP_RUN_NONINTERACTIVE)
            gimp_displays_flush();
        gft_plugin_run_clear(&run);
    }
    gimp_progress_end();
    g_free(dir);
    gft_record_clear(&old);
    return ok;
}

static GimpValueArray *run_regenerate(GimpProcedure *procedure, GimpRunMode run_mode,
                                      GimpImage *image, GimpDrawable **drawables,
                                      GimpProcedureConfig *config, gpointer data)
{
    GimpDrawable *drawable = drawables ? drawables[0] : NULL;
    GError *error = NULL;
    gboolean ok = FALSE;
    int mode;

    (void)data;
    gegl_init(NULL, NULL);
    gft_blas_release_threads(); /* the engine uses none; they would spin ~0.1 s */
    g_object_get(config, "mode", &mode, NULL);
    if (!image || !drawable) {
        g_set_error_literal(&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            _("Open an image and select a generated layer first."));
    } else if (run_mode == GIMP_RUN_INTERACTIVE && !gft3_ask_regen_mode(drawable, &mode)) {
        /* cancelled: error stays NULL */
    } else {
        g_object_set(config, "mode", mode, NULL);
        ok = regenerate(image, drawable, mode, run_mode, &error);
    }
    return finish(procedure, ok, image, error);
}
