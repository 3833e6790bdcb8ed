/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sampler.h"

#include <math.h>
#include <stdlib.h>

void gft_pcg32_seed(gft_pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0;
    rng->inc = (initseq << 1) | 1u;
    gft_pcg32_next(rng);
    rng->state += initstate;
    gft_pcg32_next(rng);
}

uint32_t gft_pcg32_next(gft_pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

int gft_sampler_scratch_init(gft_sampler_scratch *s, int K)
{
    s->K = K;
    s->background = -1;
    s->mixed = malloc((size_t)K * sizeof *s->mixed);
    s->order = malloc((size_t)K * sizeof *s->order);
    s->prob = malloc((size_t)K * sizeof *s->prob);
    if (!s->mixed || !s->order || !s->prob) {
        gft_sampler_scratch_free(s);
        return 0;
    }
    return 1;
}

void gft_sampler_scratch_free(gft_sampler_scratch *s)
{
    free(s->mixed);
    free(s->order);
    free(s->prob);
    s->mixed = NULL;
    s->order = NULL;
    s->prob = NULL;
}

/* Descending value, ties by lower id: a strict total order, so the sort
 * result does not depend on the algorithm. */
static int before(const float *v, int32_t a, int32_t b)
{
    return v[a] > v[b] || (v[a] == v[b] && a < b);
}

/* Bottom-up merge sort of order[0..n) using tmp (n entries). */
static void sort_order(const float *v, int32_t *order, int32_t *tmp, int n)
{
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = before(v, order[j], order[i]) ? order[j++] : order[i++];
            while (i < mid)
                tmp[k++] = order[i++];
            while (j < hi)
                tmp[k++] = order[j++];
        }
        for (int i = 0; i < n; i++)
            order[i] = tmp[i];
    }
}

/* Moves the k best entries (by `before`) to order[0..k), any order. */
static void select_top(const float *v, int32_t *order, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int32_t pivot = order[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (before(v, order[i], pivot))
                i++;
            while (before(v, pivot, order[j]))
                j--;
            if (i <= j) {
                int32_t t = order[i];
                order[i++] = order[j];
                order[j--] = t;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
}

gft_sampling gft_sampling_at_token(const gft_sampling *s, int j, int n)
{
    gft_sampling at = *s;
    if (s->guidance_ramp && n > 1)
        at.guidance = 1.0f + (s->guidance - 1.0f) * (float)j / (float)(n - 1);
    return at;
}

int gft_sample(const float *l_c, const float *l_u, const gft_sampling *params,
               gft_sampler_scratch *s, gft_pcg32 *rng)
{
    int K = s->K;
    float *l = s->mixed;
    float g = params->guidance;
    for (int i = 0; i < K; i++) {
        float v = (l_u && g != 1.0f) ? l_u[i] + g * (l_c[i] - l_u[i]) : l_c[i];
        l[i] = isnan(v) ? -INFINITY : v;
    }
    if (params->temperature == 0.0f) {
        int best = 0;
        for (int i = 1; i < K; i++)
            if (l[i] > l[best])
                best = i;
        return best;
    }
    uint32_t r = gft_pcg32_next(rng); /* one draw per sampled token, always */
    double u = (double)r / 4294967296.0;
    if (s->background >= 0 && s->background < K) {
        /* Background or not is drawn untempered: a low temperature or a small
         * top-k would otherwise sharpen the most common code (empty patches)
         * and fade thin shapes away. The rest of the draw picks the code. */
        int bg = s->background;
        float mx = l[0];
        for (int i = 1; i < K; i++)
            if (l[i] > mx)
                mx = l[i];
        if (isfinite(mx)) {
            double total = 0.0;
            for (int i = 0; i < K; i++)
                total += exp((double)l[i] - (double)mx);
            double p_bg = exp((double)l[bg] - (double)mx) / total;
            if (u < p_bg || p_bg >= 1.0)
                return bg;
            u = (u - p_bg) / (1.0 - p_bg);
            l[bg] = -INFINITY;
        }
    }
    for (int i = 0; i < K; i++)
        l[i] /= params->temperature;

    int32_t *order = s->order;
    for (int i = 0; i < K; i++)
        order[i] = i;
    int n = K;
    if (params->top_k > 0 && params->top_k < K) {
        n = params->top_k;
        select_top(l, order, K, n);
    }
    /* prob holds int32 scratch for the sort first (K doubles >= K int32s) */
    sort_order(l, order, (int32_t *)s->prob, n);

    float mx = l[order[0]];
    if (!isfinite(mx))
        return order[0];
    double *p = s->prob, total = 0.0;
    for (int i = 0; i < n; i++) {
        p[i] = exp((double)l[order[i]] - (double)mx);
        total += p[i];
    }
    if (params->top_p < 1.0f) {
        double cum = 0.0, want = (double)params->top_p * total;
        int m = 0;
        while (m < n) {
            cum += p[m++];
            if (cum >= want)
                break;
        }
        n = m;
        total = cum;
    }
    double target = u * total, cum = 0.0;
    for (int i = 0; i < n; i++) {
        cum += p[i];
        if (cum > target)
            return order[i];
    }
    return order[n - 1];
}
