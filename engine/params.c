/* Sampling parameter limits and generation defaults.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gft_internal.h"

#include <math.h>
#include <string.h>

gft_status gft_sampling_check(const gft_sampling *s, int codebook_size, char *err, size_t err_size)
{
    if (!s) {
        gft_set_error(err, err_size, "sampling parameters are NULL");
        return GFT_ERR_INVALID_ARG;
    }
    /* written so that NaN fails every test */
    if (!(s->temperature >= 0.0f && s->temperature <= 10.0f)) {
        gft_set_error(err, err_size, "temperature %g is outside 0 (greedy) or (0, 10]",
                      (double)s->temperature);
        return GFT_ERR_INVALID_ARG;
    }
    if (s->top_k < 0 || s->top_k > codebook_size) {
        gft_set_error(err, err_size, "top-k %d is outside 0 (off) .. %d (the codebook size)",
                      s->top_k, codebook_size);
        return GFT_ERR_INVALID_ARG;
    }
    if (!(s->top_p > 0.0f && s->top_p <= 1.0f)) {
        gft_set_error(err, err_size, "top-p %g is outside (0, 1]", (double)s->top_p);
        return GFT_ERR_INVALID_ARG;
    }
    if (!(s->guidance >= 0.0f && s->guidance <= 30.0f)) {
        gft_set_error(err, err_size, "guidance scale %g is outside [0, 30]", (double)s->guidance);
        return GFT_ERR_INVALID_ARG;
    }
    if (s->guidance_ramp != 0 && s->guidance_ramp != 1) {
        gft_set_error(err, err_size, "guidance ramp %d is neither 0 (constant) nor 1 (rising)",
                      s->guidance_ramp);
        return GFT_ERR_INVALID_ARG;
    }
    return GFT_OK;
}

void gft_generate_params_init(gft_generate_params *p, const gft_model *model)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->prompt = "";
    p->negative_prompt = NULL;
    p->n_candidates = 1;
    if (model) {
        p->sampling = model->hp.defaults;
        p->n_candidates = model->hp.default_candidates;
        p->upscale = model->hp.has_upscale;
    } else {
        p->sampling.temperature = 1.0f;
        p->sampling.top_k = 0;
        p->sampling.top_p = 1.0f;
        p->sampling.guidance = 1.0f;
    }
    p->seed = 0;
    p->n_variations = 1;
    p->n_threads = 0;
    p->max_batch = 0;
}
