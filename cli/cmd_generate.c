/* gft generate: prompt in, PNG files out.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"
#include "generate_output.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void print_help(FILE *out)
{
    fputs("Usage: gft generate [-m MODEL] -p PROMPT [OPTIONS] -o OUT.png\n"
          "\n"
          "  -m, --model FILE        model file (default: $GFT_MODEL or the shipped model)\n"
          "  -p, --prompt TEXT       what to draw (\"\" for an unconditional image)\n"
          "  -n, --negative TEXT     what to steer away from (replaces the null prompt)\n"
          "      --temperature T     0 (greedy) to 10; default from the model\n"
          "      --top-k K           0 (off) to the codebook size; default from the model\n"
          "      --top-p P           (0, 1], 1 = off; default from the model\n"
          "      --guidance S        classifier-free guidance 0 to 30, 1 = off\n"
          "      --guidance-ramp R   1: guidance rises from 1 at the first image token to S\n"
          "                          at the last; 0: S throughout; default from the model\n"
          "      --seed N            random seed; variation i uses N + i (default: random)\n"
          "  -k, --candidates K      best of K: sample K images per variation and keep the\n"
          "                          one the model's reranker scores highest, 1 (off) to 8;\n"
          "                          default from the model\n"
          "  -v, --variations V      images to generate, 1 to 16 (default 1); files are\n"
          "                          numbered OUT-1.png, OUT-2.png, ... when V > 1\n"
          "  -t, --threads N         CPU threads, 0 = all (default 0)\n"
          "      --batch B           variations decoded together, 0 = all (default 0)\n"
          "      --literal           use the prompts as typed; by default words of other\n"
          "                          languages that the model's lexicon knows are read as\n"
          "                          English (\"红苹果\" as \"red apple\")\n"
          "      --native-size       keep the decoder's own size; by default a model with\n"
          "                          an upscaler doubles each image (128 px -> 256 px)\n"
          "  -o, --output FILE       PNG file to write\n"
          "      --progress          progress lines on stderr even when it is not a terminal\n"
          "  -q, --quiet             no progress, no summary\n"
          "  -h, --help              this help\n"
          "\n"
          "Ctrl-C stops early and still writes the variations already finished.\n",
          out);
}

typedef struct {
    const char *model_path, *prompt, *negative, *output;
    int have_temperature, have_top_k, have_top_p, have_guidance, have_seed, have_candidates;
    int have_guidance_ramp, guidance_ramp;
    float temperature, top_p, guidance;
    int top_k;
    uint64_t seed;
    int variations, threads, batch, candidates;
    int progress_lines, quiet, literal, native_size;
} generate_options;

enum {
    OPT_TEMPERATURE = 256,
    OPT_TOP_K,
    OPT_TOP_P,
    OPT_GUIDANCE,
    OPT_GUIDANCE_RAMP,
    OPT_SEED,
    OPT_BATCH,
    OPT_PROGRESS,
    OPT_LITERAL,
    OPT_NATIVE_SIZE,
};

/* Returns -1 on a usage error (already reported), 1 for --help, 0 to run. */
static int parse_options(int argc, char **argv, generate_options *o)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"prompt", required_argument, NULL, 'p'},
        {"negative", required_argument, NULL, 'n'},
        {"temperature", required_argument, NULL, OPT_TEMPERATURE},
        {"top-k", required_argument, NULL, OPT_TOP_K},
        {"top-p", required_argument, NULL, OPT_TOP_P},
        {"guidance", required_argument, NULL, OPT_GUIDANCE},
        {"guidance-ramp", required_argument, NULL, OPT_GUIDANCE_RAMP},
        {"seed", required_argument, NULL, OPT_SEED},
        {"variations", required_argument, NULL, 'v'},
        {"candidates", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"output", required_argument, NULL, 'o'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"literal", no_argument, NULL, OPT_LITERAL},
        {"native-size", no_argument, NULL, OPT_NATIVE_SIZE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->variations = 1;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":m:p:n:k:v:t:o:qh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'm':
            o->model_path = optarg;
            break;
        case 'p':
            o->prompt = optarg;
            break;
        case 'n':
            o->negative = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case OPT_PROGRESS:
            o->progress_lines = 1;
            break;
        case OPT_LITERAL:
            o->literal = 1;
            break;
        case OPT_NATIVE_SIZE:
            o->native_size = 1;
            break;
        case 'h':
            print_help(stdout);
            return 1;
        case OPT_TEMPERATURE:
            o->have_temperature = 1;
            bad = cli_parse_float("--temperature", optarg, 0, 10, &o->temperature);
            break;
        case OPT_TOP_K:
            o->have_top_k = 1;
            bad = cli_parse_int("--top-k", optarg, 0, 65536, &o->top_k);
            break;
        case OPT_TOP_P:
            o->have_top_p = 1;
            bad = cli_parse_float("--top-p", optarg, 0, 1, &o->top_p);
            break;
        case OPT_GUIDANCE:
            o->have_guidance = 1;
            bad = cli_parse_float("--guidance", optarg, 0, 30, &o->guidance);
            break;
        case OPT_GUIDANCE_RAMP:
            o->have_guidance_ramp = 1;
            bad = cli_parse_int("--guidance-ramp", optarg, 0, 1, &o->guidance_ramp);
            break;
        case OPT_SEED:
            o->have_seed = 1;
            bad = cli_parse_u64("--seed", optarg, &o->seed);
            break;
        case 'v':
            bad = cli_parse_int("--variations", optarg, 1, GFT_MAX_VARIATIONS, &o->variations);
            break;
        case 'k':
            o->have_candidates = 1;
            bad = cli_parse_int("--candidates", optarg, 1, GFT_MAX_CANDIDATES, &o->candidates);
            break;
        case 't':
            bad = cli_parse_int("--threads", optarg, 0, 256, &o->threads);
            break;
        case OPT_BATCH:
            bad = cli_parse_int("--batch", optarg, 0, GFT_MAX_VARIATIONS, &o->batch);
            break;
        case ':':
            cli_error("%s needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_error("unknown option '%s' (try 'gft generate --help')", argv[optind - 1]);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s' (quote the prompt and pass it with -p)", argv[optind]);
        return -1;
    }
    if (!o->prompt) {
        cli_error("missing -p PROMPT (use -p \"\" for an unconditional image)");
        return -1;
    }
    if (!o->output) {
        cli_error("missing -o OUT.png");
        return -1;
    }
    return 0;
}

/* ---- Ctrl-C ------------------------------------------------------------- */

static atomic_int cancel_flag;

static void on_interrupt(int signum)
{
    (void)signum;
    atomic_store(&cancel_flag, 1); /* lock-free: safe in a signal handler */
}

static void install_interrupt_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    /* the second Ctrl-C gets the default action and ends the process */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- progress ------------------------------------------------------------ */

typedef struct {
    int terminal; /* redraw one line with \r */
    int lines;    /* one line per step (for scripts and tests) */
    double start_ms, last_ms;
    int n_variations;
} progress_state;

static void on_progress(void *user_data, const gft_progress *p)
{
    progress_state *ps = user_data;
    if (ps->lines) {
        fprintf(stderr, "progress %d/%d variation %d row %d\n", p->tokens_done, p->tokens_total,
                p->variation + 1, p->rows_done);
        return;
    }
    double now = cli_now_ms();
    if (p->tokens_done < p->tokens_total && now - ps->last_ms < 100)
        return;
    ps->last_ms = now;
    double done = p->tokens_total > 0 ? (double)p->tokens_done / p->tokens_total : 0.0;
    double elapsed_s = (now - ps->start_ms) / 1000.0;
    fprintf(stderr, "\rgenerating %d image%s: %3d%%", ps->n_variations,
            ps->n_variations == 1 ? "" : "s", (int)(100.0 * done));
    if (done > 0.02)
        fprintf(stderr, ", %.0f s left  ", elapsed_s * (1.0 - done) / done);
}

/* ---- run -------------------------------------------------------------------- */

static uint64_t random_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x =
        (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
    /* splitmix64 finaliser so nearby clocks give unrelated seeds */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return (x ^ (x >> 31)) % 1000000000ull; /* short enough to retype */
}

/* What the model will read for text: its lexicon's reading unless --literal
 * (said on stderr when it differs), else the text as typed. */
static const char *reading(const generate_options *o, const gft_model *model, const char *label,
                           const char *text, char *buf, size_t size)
{
    if (o->literal || !text || !text[0])
        return text;
    int n = gft_translate_prompt(model, text, buf, size);
    if (n == 0)
        return text;
    if (!o->quiet)
        fprintf(stderr,
                "gft: %s read as \"%s\" (%d phrase%s from the model's lexicon; "
                "--literal uses it as typed)\n",
                label, buf, n, n == 1 ? "" : "s");
    return buf;
}

static void warn_unknown_words(const gft_model *model, const char *label, const char *text)
{
    if (!text || !text[0])
        return;
    char words[1024];
    int n = gft_unknown_words(model, text, words, sizeof words);
    if (n > 0)
        cli_warning("%d word%s of the %s never occurred in the model's training captions "
                    "and will have little effect: %s",
                    n, n == 1 ? "" : "s", label, words);
}

static int apply_sampling(const generate_options *o, const gft_model *model,
                          gft_generate_params *params)
{
    if (o->have_temperature)
        params->sampling.temperature = o->temperature;
    if (o->have_top_k)
        params->sampling.top_k = o->top_k;
    if (o->have_top_p)
        params->sampling.top_p = o->top_p;
    if (o->have_guidance)
        params->sampling.guidance = o->guidance;
    if (o->have_guidance_ramp)
        params->sampling.guidance_ramp = o->guidance_ramp;
    gft_model_info info;
    gft_model_get_info(model, &info);
    char err[GFT_ERROR_SIZE] = "";
    if (gft_sampling_check(&params->sampling, (int)info.codebook_size, err, sizeof err) != GFT_OK) {
        cli_error("%s", err[0] ? err : "invalid sampling parameters");
        return -1;
    }
    return 0;
}

static int run_generation(const generate_options *o, gft_model *model)
{
    gft_generate_params params;
    gft_generate_params_init(&params, model);
    if (apply_sampling(o, model, &params) != 0)
        return CLI_EXIT_USAGE;
    params.seed = o->have_seed ? o->seed : random_seed();
    params.n_variations = o->variations;
    params.n_threads = o->threads;
    params.max_batch = o->batch;
    if (o->have_candidates)
        params.n_candidates = o->candidates;
    if (o->native_size)
        params.upscale = 0;
    params.cancel = &cancel_flag;

    progress_state ps = {0};
    ps.lines = o->progress_lines;
    ps.terminal = !o->quiet && !ps.lines && isatty(STDERR_FILENO);
    ps.n_variations = o->variations;
    if (ps.lines || ps.terminal) {
        params.progress = on_progress;
        params.user_data = &ps;
    }
    /* the engine gets the reading shown here, read once, as its literal prompt;
     * the unknown words that matter are those of that reading */
    char read_prompt[GFT_READING_SIZE], read_negative[GFT_READING_SIZE];
    params.prompt = reading(o, model, "prompt", o->prompt, read_prompt, sizeof read_prompt);
    params.negative_prompt =
        reading(o, model, "negative prompt", o->negative, read_negative, sizeof read_negative);
    params.literal_prompt = 1;
    warn_unknown_words(model, "prompt", params.prompt);
    warn_unknown_words(model, "negative prompt", params.negative_prompt);

    char err[GFT_ERROR_SIZE] = "";
    gft_context *ctx = gft_context_new(model, err, sizeof err);
    if (!ctx) {
        cli_error("cannot create a generation context: %s", err);
        return CLI_EXIT_FAILURE;
    }
    install_interrupt_handler();
    gft_result result;
    memset(&result, 0, sizeof result);
    double t0 = cli_now_ms();
    ps.start_ms = ps.last_ms = t0;
    gft_status st = gft_generate(ctx, &params, &result);
    double elapsed = cli_now_ms() - t0;
    if (ps.terminal)
        fputc('\n', stderr);
    if (st != GFT_OK && st != GFT_ERR_CANCELLED) {
        cli_error("generation failed: %s: %s", gft_status_string(st), gft_context_last_error(ctx));
        gft_context_free(ctx);
        return st == GFT_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }

    char fingerprint[17];
    gft_model_fingerprint(model, fingerprint);
    gft_model_info info;
    gft_model_get_info(model, &info);
    cli_image_notes notes = {o->prompt, o->negative, &params.sampling, info.name, fingerprint};
    int written = cli_write_variations(o->output, &result, &notes);
    int rc = CLI_EXIT_OK;
    if (written < 0) {
        rc = CLI_EXIT_FAILURE;
    } else if (st == GFT_ERR_CANCELLED) {
        cli_error("cancelled: wrote %d of %d variations", written, result.n_variations);
        rc = CLI_EXIT_CANCELLED;
    } else if (!o->quiet) {
        fprintf(stderr, "gft: %d image%s of %dx%d in %.2f s\n", written, written == 1 ? "" : "s",
                result.width, result.height, elapsed / 1000.0);
    }
    gft_result_free(&result);
    gft_context_free(ctx);
    return rc;
}

int cli_cmd_generate(int argc, char **argv)
{
    generate_options o;
    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_check_output_writable(o.output) != 0)
        return CLI_EXIT_FAILURE;
    char path[4096];
    gft_model *model = cli_load_model(o.model_path, path, sizeof path, NULL);
    if (!model)
        return CLI_EXIT_FAILURE;
    int rc = run_generation(&o, model);
    gft_model_free(model);
    return rc;
}
