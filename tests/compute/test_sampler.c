/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PCG32 stream and the sampling rule of docs/model-format.md ("Sampling"). */
#include "sampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_pcg(void)
{
    /* O'Neill's pcg32-demo: pcg32_srandom(42, 54) */
    const uint32_t demo[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                              0x83d2f293, 0xbfa4784b, 0xcbed606e};
    gft_pcg32 r;
    gft_pcg32_seed(&r, 42, 54);
    for (int i = 0; i < 6; i++)
        CHECK(gft_pcg32_next(&r) == demo[i], "pcg32(42, 54) output %d", i);
    /* the engine's stream for seeds 0 and 7 (computed with a separate Python PCG32) */
    const uint32_t s0[4] = {0x7fa8e5d1, 0x99fda600, 0xed8b47b2, 0x0997dec8};
    const uint32_t s7[4] = {0x5464bb08, 0xfa77aaf0, 0x671985a6, 0x5262483f};
    gft_pcg32_seed(&r, 0, GFT_PCG_SEQ);
    for (int i = 0; i < 4; i++)
        CHECK(gft_pcg32_next(&r) == s0[i], "seed 0 output %d", i);
    gft_pcg32_seed(&r, 7, GFT_PCG_SEQ);
    for (int i = 0; i < 4; i++)
        CHECK(gft_pcg32_next(&r) == s7[i], "seed 7 output %d", i);
}

/* The documented rule, written out independently: mix, divide by the
 * temperature, top-k, softmax, top-p, draw. */
static int expected(const float *lc, const float *lu, const gft_sampling *s, int K, uint32_t draw)
{
    double *l = malloc(sizeof(double) * K);
    int *ord = malloc(sizeof(int) * K);
    for (int i = 0; i < K; i++) {
        float v = (lu && s->guidance != 1.0f) ? lu[i] + s->guidance * (lc[i] - lu[i]) : lc[i];
        l[i] = (float)(v / s->temperature);
        ord[i] = i;
    }
    for (int i = 1; i < K; i++) /* insertion sort: descending, lower id first on ties */
        for (int j = i; j > 0 && (l[ord[j]] > l[ord[j - 1]] ||
                                  (l[ord[j]] == l[ord[j - 1]] && ord[j] < ord[j - 1]));
             j--) {
            int t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    int n = s->top_k > 0 && s->top_k < K ? s->top_k : K;
    double total = 0, *p = malloc(sizeof(double) * K);
    for (int i = 0; i < n; i++)
        total += (p[i] = exp(l[ord[i]] - l[ord[0]]));
    if (s->top_p < 1.0f) {
        double c = 0;
        int m = 0;
        while (m < n && c / total < s->top_p - 1e-12)
            c += p[m++];
        n = m;
        total = c;
    }
    double target = draw / 4294967296.0 * total, c = 0;
    int tok = ord[n - 1];
    for (int i = 0; i < n; i++) {
        c += p[i];
        if (c > target) {
            tok = ord[i];
            break;
        }
    }
    free(l);
    free(ord);
    free(p);
    return tok;
}

static void test_rule(void)
{
    enum { K = 50 };
    gft_sampler_scratch sc;
    CHECK(gft_sampler_scratch_init(&sc, K), "scratch");
    float lc[K], lu[K];
    gft_sampling cases[] = {
        {1.0f, 0, 1.0f, 1.0f, 0}, {0.7f, 0, 1.0f, 1.0f, 0}, {1.3f, 5, 1.0f, 1.0f, 0},
        {1.0f, 0, 0.6f, 1.0f, 0}, {0.9f, 7, 0.8f, 3.0f, 0}, {1.0f, 0, 1.0f, 0.0f, 0},
        {2.0f, 1, 1.0f, 5.0f, 0}, {1.0f, K, 1.0f, 1.5f, 0},
    };
    uint64_t z = 99;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int trial = 0; trial < 200; trial++) {
            for (int i = 0; i < K; i++) {
                z = z * 6364136223846793005ULL + 1442695040888963407ULL;
                lc[i] = (float)((z >> 40) % 1000) / 250.0f;
                lu[i] = (float)((z >> 20) % 1000) / 300.0f;
            }
            if (trial % 3 == 0) /* ties */
                lc[3] = lc[9] = lc[17] = 9.0f;
            gft_pcg32 r, copy;
            gft_pcg32_seed(&r, (uint64_t)trial, GFT_PCG_SEQ);
            copy = r;
            int got = gft_sample(lc, lu, &cases[c], &sc, &r);
            uint32_t draw = gft_pcg32_next(&copy);
            int want = expected(lc, lu, &cases[c], K, draw);
            CHECK(got == want, "case %zu trial %d: got %d, want %d", c, trial, got, want);
            CHECK(r.state == copy.state, "case %zu: exactly one draw per token", c);
        }
    }
    gft_sampler_scratch_free(&sc);
}

static void test_edges(void)
{
    enum { K = 6 };
    gft_sampler_scratch sc;
    gft_sampler_scratch_init(&sc, K);
    gft_pcg32 r;
    /* greedy: argmax, lowest id on ties, no draw */
    float l[K] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 0.0f};
    gft_sampling greedy = {0.0f, 0, 1.0f, 1.0f, 0};
    gft_pcg32_seed(&r, 5, GFT_PCG_SEQ);
    gft_pcg32 before = r;
    CHECK(gft_sample(l, NULL, &greedy, &sc, &r) == 1, "greedy takes the first maximum");
    CHECK(r.state == before.state, "greedy draws no random number");
    /* top-k 1 and tiny top-p always give the argmax (lowest id on ties) */
    gft_sampling k1 = {1.0f, 1, 1.0f, 1.0f, 0}, p0 = {1.0f, 0, 1e-6f, 1.0f, 0};
    for (int s = 0; s < 300; s++) {
        gft_pcg32_seed(&r, (uint64_t)s, GFT_PCG_SEQ);
        CHECK(gft_sample(l, NULL, &k1, &sc, &r) == 1, "top-k 1");
        CHECK(gft_sample(l, NULL, &p0, &sc, &r) == 1, "tiny top-p");
    }
    /* top-k 2 with a tie for first place keeps ids 1 and 3 only */
    gft_sampling k2 = {1.0f, 2, 1.0f, 1.0f, 0};
    int seen[K] = {0};
    for (int s = 0; s < 2000; s++) {
        gft_pcg32_seed(&r, (uint64_t)s, GFT_PCG_SEQ);
        seen[gft_sample(l, NULL, &k2, &sc, &r)]++;
    }
    CHECK(seen[1] > 800 && seen[3] > 800 && seen[1] + seen[3] == 2000, "top-k 2: %d %d", seen[1],
          seen[3]);
    /* probabilities 0.5, 0.25, 0.25 (+ zeros): top-p 0.49 keeps only the first */
    float q[K] = {logf(0.25f), logf(0.5f), logf(0.25f), -INFINITY, -INFINITY, -INFINITY};
    gft_sampling ph = {1.0f, 0, 0.49f, 1.0f, 0}, p75 = {1.0f, 0, 0.74f, 1.0f, 0};
    memset(seen, 0, sizeof seen);
    for (int s = 0; s < 2000; s++) {
        gft_pcg32_seed(&r, (uint64_t)s, GFT_PCG_SEQ);
        CHECK(gft_sample(q, NULL, &ph, &sc, &r) == 1, "top-p 0.49");
        gft_pcg32_seed(&r, (uint64_t)s, GFT_PCG_SEQ);
        seen[gft_sample(q, NULL, &p75, &sc, &r)]++;
    }
    /* top-p 0.74 keeps ids 1 and 0 (0 before 2 on the tie), 2:1 */
    CHECK(seen[2] == 0 && seen[1] > 1200 && seen[0] > 550, "top-p 0.74: %d %d %d", seen[0], seen[1],
          seen[2]);
    /* frequencies follow the softmax */
    gft_sampling plain = {1.0f, 0, 1.0f, 1.0f, 0};
    memset(seen, 0, sizeof seen);
    gft_pcg32_seed(&r, 1, GFT_PCG_SEQ);
    for (int s = 0; s < 20000; s++)
        seen[gft_sample(q, NULL, &plain, &sc, &r)]++;
    CHECK(abs(seen[1] - 10000) < 400 && abs(seen[0] - 5000) < 400 && seen[3] == 0,
          "frequencies %d %d %d", seen[0], seen[1], seen[2]);
    /* guidance 0 uses the unconditional logits only; guidance 1 ignores them */
    float u[K] = {0, 0, 0, 0, 0, 5.0f};
    gft_sampling g0 = {0.0f, 0, 1.0f, 0.0f, 0}, g1 = {0.0f, 0, 1.0f, 1.0f, 0};
    CHECK(gft_sample(l, u, &g0, &sc, &r) == 5, "guidance 0");
    CHECK(gft_sample(l, u, &g1, &sc, &r) == 1, "guidance 1");
    /* NaN logits are never picked and do not break the order */
    float n[K] = {NAN, 1.0f, NAN, 0.5f, NAN, NAN};
    for (int s = 0; s < 200; s++) {
        gft_pcg32_seed(&r, (uint64_t)s, GFT_PCG_SEQ);
        int t = gft_sample(n, NULL, &plain, &sc, &r);
        CHECK(t == 1 || t == 3, "NaN logits: picked %d", t);
    }
    gft_sampler_scratch_free(&sc);
}

/* A model with a background code: background or not is drawn at temperature
 * 1 with the one draw, and temperature / top-k only shape the other codes. */
static void test_background(void)
{
    enum { K = 6, N = 40000 };
    gft_sampler_scratch sc;
    gft_sampler_scratch_init(&sc, K);
    sc.background = 0;
    /* p = 0.6 background, then 0.2, 0.1, 0.1 over codes 1..3 */
    float l[K] = {logf(0.6f), logf(0.2f), logf(0.1f), logf(0.1f), -INFINITY, -INFINITY};
    gft_sampling cold = {0.3f, 0, 1.0f, 1.0f, 0}, k1 = {1.0f, 1, 1.0f, 1.0f, 0};
    int seen[K] = {0}, seen_k1[K] = {0};
    gft_pcg32 r, copy;
    gft_pcg32_seed(&r, 3, GFT_PCG_SEQ);
    for (int s = 0; s < N; s++) {
        copy = r;
        seen[gft_sample(l, NULL, &cold, &sc, &r)]++;
        gft_pcg32_next(&copy);
        CHECK(r.state == copy.state, "one draw per token with a background code");
        seen_k1[gft_sample(l, NULL, &k1, &sc, &r)]++;
    }
    /* untempered: 60 % background even at temperature 0.3 (which alone would give 97 %) */
    CHECK(fabs(seen[0] / (double)N - 0.6) < 0.01, "background share %d / %d", seen[0], N);
    /* among the rest, temperature 0.3: 0.2^(1/0.3) : 0.1^(1/0.3) : ... = 0.82 : 0.09 : 0.09 */
    double fg = N - seen[0];
    CHECK(fabs(seen[1] / fg - 0.823) < 0.02 && seen[4] == 0 && seen[5] == 0,
          "foreground at temperature 0.3: %d %d %d", seen[1], seen[2], seen[3]);
    /* top-k 1 keeps the background's own share and the best foreground code */
    CHECK(fabs(seen_k1[0] / (double)N - 0.6) < 0.01 && seen_k1[0] + seen_k1[1] == N,
          "top-k 1 with a background code: %d %d", seen_k1[0], seen_k1[1]);
    /* only background possible, or the background impossible */
    float only_bg[K] = {0.0f, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    float no_bg[K] = {-INFINITY, 1.0f, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    for (int s = 0; s < 100; s++) {
        CHECK(gft_sample(only_bg, NULL, &cold, &sc, &r) == 0, "background alone");
        CHECK(gft_sample(no_bg, NULL, &cold, &sc, &r) == 1, "no background");
    }
    /* greedy is still the plain argmax */
    gft_sampling greedy = {0.0f, 0, 1.0f, 1.0f, 0};
    float fg_best[K] = {1.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    CHECK(gft_sample(fg_best, NULL, &greedy, &sc, &r) == 1 &&
              gft_sample(l, NULL, &greedy, &sc, &r) == 0,
          "greedy with a background code");
    gft_sampler_scratch_free(&sc);
}

/* The guidance ramp: 1 at the first token, the scale at the last, linear
 * between; the rest of the sampling unchanged; off: the same guidance. */
static void test_guidance_ramp(void)
{
    gft_sampling s = {0.7f, 40, 0.9f, 3.0f, 1};
    gft_sampling first = gft_sampling_at_token(&s, 0, 256),
                 last = gft_sampling_at_token(&s, 255, 256);
    CHECK(first.guidance == 1.0f && last.guidance == 3.0f, "ramp ends %g %g",
          (double)first.guidance, (double)last.guidance);
    gft_sampling mid = gft_sampling_at_token(&s, 85, 256);
    CHECK(mid.guidance == 1.0f + 2.0f * 85.0f / 255.0f, "ramp middle %g", (double)mid.guidance);
    CHECK(mid.temperature == 0.7f && mid.top_k == 40 && mid.top_p == 0.9f, "the rest unchanged");
    float prev = 0.0f;
    int rising = 1;
    for (int j = 0; j < 256; j++) {
        float g = gft_sampling_at_token(&s, j, 256).guidance;
        rising &= g >= prev;
        prev = g;
    }
    CHECK(rising, "the ramp never falls");
    gft_sampling down = {1.0f, 0, 1.0f, 0.5f, 1};
    CHECK(gft_sampling_at_token(&down, 255, 256).guidance == 0.5f, "a ramp down to guidance 0.5");
    s.guidance_ramp = 0;
    CHECK(gft_sampling_at_token(&s, 0, 256).guidance == 3.0f, "no ramp: the same guidance");
    s.guidance_ramp = 1;
    CHECK(gft_sampling_at_token(&s, 0, 1).guidance == 3.0f, "one token: the scale");
}

int main(void)
{
    test_pcg();
    test_guidance_ramp();
    test_rule();
    test_edges();
    test_background();
    if (!check_failures)
        printf("sampler ok\n");
    CHECK_DONE();
}
