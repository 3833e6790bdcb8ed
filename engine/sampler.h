/* Token sampling (docs/model-format.md, "Sampling") and the PCG32 generator.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_SAMPLER_H
#define GFT_SAMPLER_H

#include "gft.h"

#include <stdint.h>

/* PCG32 XSH-RR, 64-bit state (O'Neill 2014). */
typedef struct {
    uint64_t state, inc;
} gft_pcg32;

#define GFT_PCG_SEQ 0x9e3779b97f4a7c15ULL

void gft_pcg32_seed(gft_pcg32 *rng, uint64_t initstate, uint64_t initseq);
uint32_t gft_pcg32_next(gft_pcg32 *rng);

/* Work space for gft_sample(): K entries each. */
typedef struct {
    int K;
    int background; /* the model's background code, or -1 (see gft_sample) */
    float *mixed;
    int32_t *order;
    double *prob;
} gft_sampler_scratch;

int gft_sampler_scratch_init(gft_sampler_scratch *s, int K);
void gft_sampler_scratch_free(gft_sampler_scratch *s);

/* The sampling of image token j of n: s with its guidance at that token
 * (the ramp's value when s->guidance_ramp is 1). */
gft_sampling gft_sampling_at_token(const gft_sampling *s, int j, int n);

/* Picks one token from conditional logits l_c and (when guidance != 1)
 * unconditional logits l_u. Temperature 0 takes the argmax and draws no
 * random number; otherwise exactly one pcg32 draw is used. With a background
 * code (s->background >= 0) that draw first decides background or not at
 * temperature 1, and temperature, top-k and top-p shape only the choice among
 * the other codes. */
int gft_sample(const float *l_c, const float *l_u, const gft_sampling *params,
               gft_sampler_scratch *s, gft_pcg32 *rng);

#endif
