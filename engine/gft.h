/* Generate from Text: the generation engine's public API.
 *
 * Copyright (C) 2026 The Generate from Text authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One model = one GGUF file (docs/model-format.md). A gft_model is immutable
 * after loading and may be shared by any number of threads; each thread that
 * generates uses its own gft_context. The engine keeps no global state, never
 * aborts or exits, and reports every failure as a status plus a message.
 * Each context runs its own worker threads (n_threads); with OpenBLAS, the
 * image decoder sets OpenBLAS to one thread for its products (it calls them
 * from those workers) and gives the host's thread count back when it returns,
 * as ggml's BLAS backend sets its count per use. Two decodes at the same time
 * in one process may briefly see each other's count: the pixels are the same
 * either way, only the speed differs.
 */
#ifndef GFT_H
#define GFT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GFT_MAX_VARIATIONS 16
#define GFT_MAX_CANDIDATES 8
#define GFT_ERROR_SIZE 512

typedef enum {
    GFT_OK = 0,
    GFT_ERR_IO,          /* file missing, unreadable, mmap failed */
    GFT_ERR_FORMAT,      /* not a valid GFT GGUF file: corrupt, truncated, hostile */
    GFT_ERR_UNSUPPORTED, /* valid GGUF but a version/type/architecture we do not run */
    GFT_ERR_INVALID_ARG, /* out-of-range parameter, NULL where not allowed */
    GFT_ERR_NOMEM,
    GFT_ERR_CANCELLED, /* the cancel flag was set; finished variations are kept */
    GFT_ERR_INTERNAL,
} gft_status;

/* Human-readable name of a status ("ok", "format error", ...). Never NULL. */
const char *gft_status_string(gft_status status);

typedef struct gft_model gft_model;
typedef struct gft_context gft_context;

/* ---- sampling parameters ------------------------------------------------ */

typedef struct {
    float temperature; /* 0 = greedy (argmax); otherwise (0, 10]        */
    int top_k;         /* 0 = off; otherwise 1..codebook_size            */
    float top_p;       /* (0, 1]; 1 = off                                 */
    float guidance;    /* classifier-free guidance scale, [0, 30]; 1 = off
                          (no unconditional row is decoded at all)        */
    /* 0: the same guidance for every image token. 1: guidance rises
     * linearly from 1 (off) at the first image token to `guidance` at the
     * last (token j of N: 1 + (guidance - 1) * j / (N - 1), in float). */
    int guidance_ramp;
} gft_sampling;

/* Range checks used by gft_generate(); exposed so UIs can use the same
 * limits. Returns GFT_OK or GFT_ERR_INVALID_ARG with a message in err. */
gft_status gft_sampling_check(const gft_sampling *s, int codebook_size, char *err, size_t err_size);

/* ---- model --------------------------------------------------------------- */

/* Maps the file and validates everything (header, counts, sizes, alignment,
 * tensor shapes against the hyperparameters, tokenizer tables) before use.
 * On failure *out is NULL and err holds "what is wrong, where". */
gft_status gft_model_load(const char *path, gft_model **out, char *err, size_t err_size);

/* Same, over a caller-owned buffer that must outlive the model (fuzzing,
 * embedded models). The buffer should be 32-byte aligned; if it is not, the
 * engine copies it. */
gft_status gft_model_load_from_memory(const void *data, size_t size, gft_model **out, char *err,
                                      size_t err_size);

void gft_model_free(gft_model *model);

typedef struct {
    const char *name;        /* general.name, never NULL ("" if absent) */
    const char *description; /* general.description or "" */
    const char *license;     /* general.license or "" */
    const char *weight_type; /* "F32", "F16", "Q8_0" or "mixed": transformer matrices */
    uint64_t file_size;
    uint64_t n_params; /* all tensors' element counts */
    uint32_t n_layer, n_embd, n_head, n_ff;
    uint32_t text_vocab, text_ctx;
    uint32_t grid_w, grid_h, codebook_size, code_dim;
    uint32_t image_width, image_height; /* decoder output size in pixels (and previews') */
    int has_upscaler; /* 1: the file holds a 2x upscaler (gft_generate_params.upscale) */
    uint32_t output_width, output_height; /* generated images at the defaults: the
                                             decoder's size, doubled by an upscaler */
    uint32_t n_known_words;
    uint32_t n_lexicon;      /* prompt lexicon phrases (0: prompts are read as typed) */
    uint32_t n_articles;     /* articles a reading drops ("a", "eine"); 0: none */
    int32_t background_code; /* code of empty patches, drawn untempered; -1: none */
    gft_sampling defaults;   /* the model's tuned sampling defaults */
    int has_reranker;        /* 1: the file holds a reranker (best of K works) */
    int default_candidates;  /* the model's default best of K (1 = one sample)  */
    /* 1: the transformer's Q8_0 matrices multiply int8-rounded activations
     * (this build has an int8 kernel; environment GFT_NO_INT8=1 at load time
     * turns it off); 0: F32 activations */
    int int8_kernel;
    const char *int8_isa; /* "AVX-512 VNNI", "AVX-VNNI", "AVX2"; "none" when int8_kernel is 0 */
} gft_model_info;

void gft_model_get_info(const gft_model *model, gft_model_info *info);

/* For a program that owns its process (the gft command, the plug-in): the
 * engine runs its BLAS products on one BLAS thread each, so OpenBLAS's own
 * server threads only wait. After start they busy-wait (sched_yield) for about
 * 2^28 clock ticks, ~0.1 s, taking a core from loading and generation. This
 * sets OpenBLAS to one thread and stops those threads. Call it once, early,
 * where no other code of the process wants threaded BLAS; a later threaded
 * call (openblas_set_num_threads(n > 1)) starts them again. Returns 1 when
 * they were stopped, 0 when this BLAS has no such threads to stop. */
int gft_blas_release_threads(void);

/* The file's fingerprint as 16 lowercase hex digits plus NUL: eight lanes
 * start at FNV-1a 64's offset basis; the file's little-endian 64-bit words
 * (the last one zero-padded) go round-robin into them, each lane doing
 * h = (h ^ word) * 0x100000001b3; the result is FNV-1a 64 over the bytes of
 * the eight lanes and then of the file size, all little-endian. Reads the
 * file once; cached after the first call (thread-safe). */
void gft_model_fingerprint(const gft_model *model, char out[17]);

/* ---- text ------------------------------------------------------------------ */

/* Normalises (docs/model-format.md, "Text normalisation") and BPE-encodes
 * text. Writes at most max_ids ids (without BOS/EOS) and returns the number
 * written, or -1 with a message in err on invalid arguments. Any byte string
 * is accepted: invalid UTF-8 is dropped, very long text is truncated. */
int gft_tokenize(const gft_model *model, const char *text, int32_t *ids, int max_ids, char *err,
                 size_t err_size);

/* The prompt's words (after normalisation; CJK characters count as words)
 * that never occurred in the training captions, separated by ", ", written
 * into out (always NUL-terminated, truncated to out_size). Returns how many
 * words are unknown (0 when all are known). */
int gft_unknown_words(const gft_model *model, const char *text, char *out, size_t out_size);

/* A buffer of this size always holds a whole reading (normalised text is at
 * most 1024 bytes) plus its NUL. */
#define GFT_READING_SIZE 1025

/* Reads text through the model's prompt lexicon (docs/model-format.md,
 * "Prompt lexicon"): words and phrases of other languages that the file maps
 * to the English the model knows best ("红苹果" -> "red apple"), and English
 * words it maps to the wording the model draws best ("cat" -> "katze"); the
 * longest match wins, left to right, and the rest of the text stays as it is.
 * Where no phrase starts at a word and the file lists it as an article
 * ("a", "eine", "一个"), it is dropped, unless no word would be left ("ein
 * roter Apfel" -> "red apple"); each drop counts as a phrase.
 * Writes the normalised result into out (always NUL-terminated, truncated at
 * a code point to out_size) and returns how many phrases were read otherwise
 * (a source read as itself does not count): 0 when none was or the model has
 * no lexicon, and out is then the normalised text.
 * gft_generate() applies it unless literal_prompt is set. */
int gft_translate_prompt(const gft_model *model, const char *text, char *out, size_t out_size);

/* ---- generation ------------------------------------------------------------ */

typedef struct {
    int tokens_done;  /* image tokens sampled so far, over all variations
                         and candidates                                   */
    int tokens_total; /* grid_w * grid_h * n_variations * n_candidates   */
    int variation;    /* the variation the last token belongs to        */
    int rows_done;    /* token-grid rows complete for that variation    */
} gft_progress;

/* Called on the generating thread after every sampled token row step.
 * It may call gft_context_preview(). Keep it short. */
typedef void (*gft_progress_fn)(void *user_data, const gft_progress *progress);

typedef struct {
    const char *prompt;          /* UTF-8; may be empty (unconditional)         */
    const char *negative_prompt; /* NULL or "" = the null prompt                */
    gft_sampling sampling;
    uint64_t seed;    /* variation i uses seed + i                              */
    int n_variations; /* 1..GFT_MAX_VARIATIONS                                  */
    int n_threads;    /* 0 = all online CPUs; otherwise 1..256                   */
    int max_batch;    /* variations decoded together; 0 = as many as fit       */
    /* Best of K: each variation samples n_candidates images and keeps the one
     * the model's reranker scores highest for the prompt. 0 or 1: one sample
     * (no reranker needed); 2..GFT_MAX_CANDIDATES: needs a model with a
     * reranker. Candidate 0 is the image a one-sample run gives, so a
     * variation's result depends only on its seed and n_candidates. */
    int n_candidates;
    /* 0: the prompt and negative prompt are read through the model's lexicon
     * (gft_translate_prompt) first; 1: used as typed */
    int literal_prompt;
    /* 1: each kept picture is doubled in size by the model's upscaler, when
     * the model has one (the default then); 0: the decoder's own size; other
     * values are refused */
    int upscale;
    gft_progress_fn progress;
    void *user_data;
    atomic_int *cancel; /* optional; non-zero = stop at the next step           */
} gft_generate_params;

/* Fills p with the model's sampling defaults (its default candidates
 * included), 1 variation, seed 0, auto threads, no callbacks. */
void gft_generate_params_init(gft_generate_params *p, const gft_model *model);

typedef struct {
    int n_variations; /* as requested                                          */
    int n_complete;   /* variations fully generated (== n_variations unless cancelled) */
    int width, height;
    uint64_t seeds[GFT_MAX_VARIATIONS];
    int complete[GFT_MAX_VARIATIONS]; /* 1 when variation i is finished      */
    int n_candidates;                 /* as used (1 when reranking was off)  */
    int chosen[GFT_MAX_VARIATIONS];   /* the candidate kept for variation i  */
    float scores[GFT_MAX_VARIATIONS]; /* its reranker score (cosine); 0 when
                                         n_candidates is 1                     */
    /* n_variations * height * width * 4 bytes, straight (non-premultiplied)
     * 8-bit RGBA, rows top to bottom. Unfinished variations are transparent. */
    uint8_t *pixels;
} gft_result;

/* A context owns scratch memory and the KV cache; one generation at a time. */
gft_context *gft_context_new(const gft_model *model, char *err, size_t err_size);
void gft_context_free(gft_context *ctx);

/* The message of the last failed call on ctx ("" if none). */
const char *gft_context_last_error(const gft_context *ctx);

/* Generates p->n_variations images. Returns GFT_OK, or GFT_ERR_CANCELLED with
 * out filled for the variations finished so far, or another error with a
 * message (gft_context_last_error). Free out with gft_result_free() whenever
 * the status is GFT_OK or GFT_ERR_CANCELLED. */
gft_status gft_generate(gft_context *ctx, const gft_generate_params *p, gft_result *out);

void gft_result_free(gft_result *result);

/* From inside the progress callback: decodes the partial token grid of
 * `variation` into rgba (image_width * image_height * 4, straight RGBA).
 * Rows not sampled yet come out transparent. With several candidates it
 * shows candidate 0 while they are sampled, and the kept one once the
 * variation is done. */
gft_status gft_context_preview(gft_context *ctx, int variation, uint8_t *rgba);

/* ---- finding the shipped model ------------------------------------------ */

/* Writes the path of the default model into path and returns 1, or returns 0
 * when none exists. Looks, in order, at: $GFT_MODEL; extra_dir (may be NULL,
 * e.g. the plug-in's own folder) + "/gft-emoji.gguf"; the build tree's
 * models/ folder; the installed data folder
 * (<datadir>/generate-from-text/models). */
int gft_find_default_model(const char *extra_dir, char *path, size_t size);

/* ---- lower-level entry points (tests, parity, tools) -------------------- */

/* Teacher-forced forward pass of one conditional sequence: the prefix built
 * from `prompt`, then <bos_image>, then image_tokens[0..n_image-1].
 * Writes (n_image + 1) * codebook_size logits: row j predicts image token j. */
gft_status gft_eval_logits(gft_context *ctx, const char *prompt, const int32_t *image_tokens,
                           int n_image, float *logits);

/* Runs the VQ decoder on a full grid of grid_w * grid_h code indices.
 * premul (optional, image_width * image_height * 4 floats, channel-last)
 * receives the clamped premultiplied RGBA; rgba (optional) the final
 * straight 8-bit RGBA. */
gft_status gft_decode_tokens(gft_context *ctx, const int32_t *tokens, float *premul, uint8_t *rgba);

/* The reranker's scores (cosine of image and prompt embeddings, in [-1, 1])
 * of n_images premultiplied RGBA images (each image_width * image_height * 4
 * floats, channel-last, as gft_decode_tokens writes them). Needs a model
 * with a reranker. */
gft_status gft_rerank_scores(gft_context *ctx, const char *prompt, const float *premul,
                             int n_images, float *scores);

/* The model's 2x upscaler on one premultiplied RGBA picture (image_width *
 * image_height * 4 floats, channel-last, as gft_decode_tokens writes it):
 * rgba receives straight 8-bit RGBA of twice the width and height. Needs a
 * model with an upscaler (gft_model_info.has_upscaler). */
gft_status gft_upscale_image(gft_context *ctx, const float *premul, uint8_t *rgba);

#ifdef __cplusplus
}
#endif

#endif /* GFT_H */
