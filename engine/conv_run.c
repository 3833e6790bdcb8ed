/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Each conv is cut into fixed bands of rows, so the same map size always runs
 * the same sgemm shapes (and gives the same bits) whatever the thread count.
 * The engine's pool runs the bands; OpenBLAS runs single-threaded inside. */
#include "conv_run.h"

#include <cblas.h>
#include <stdlib.h>

#include "conv.h"

/* Budget for one im2col band, in floats (2 MiB). */
#define COL_BUDGET (1u << 19)
/* An im2col conv is cut into at least this many bands of output rows (where
 * the map has the rows), so the pool's threads share even the 16 x 16 level. */
#define MIN_BANDS 8
/* At most this many threads work on one conv, each with its own band buffer. */
#define MAX_LANES 8

int gft_conv_lanes(gft_pool *pool)
{
    int n = pool ? gft_pool_threads(pool) : 1;
    return n < MAX_LANES ? n : MAX_LANES;
}

/* An im2col conv's output rows per band. */
static int im2col_band_rows(int cin, int H, int W)
{
    size_t per_row = (size_t)cin * 9 * (size_t)W;
    int rows = (int)(COL_BUDGET / per_row), even = (H + MIN_BANDS - 1) / MIN_BANDS;
    if (rows > even)
        rows = even;
    return rows < 1 ? 1 : rows > H ? H : rows;
}

/* How a conv with output size H x W is cut: `rows` per band (output rows,
 * tile rows of 2 output rows, or input rows, by kind), and the scratch floats
 * a band needs. A fixed function of the conv's shape, never of the thread
 * count. */
typedef struct {
    int units, rows, n_bands; /* units: the map's rows in the band's unit */
    size_t scratch;
} band_plan;

static band_plan plan_bands(const gft_dec_conv *c, int H, int W)
{
    band_plan p;
    if (c->kind == GFT_CONV_WINOGRAD) {
        p.units = (H + 1) / 2;
        p.rows = gft_wino_band_tile_rows(H, W);
        p.scratch = gft_wino_scratch_floats(&c->wino, W, p.rows);
    } else if (c->kind == GFT_CONV_UPSAMPLE) {
        p.units = H / 2;
        p.rows = gft_up_band_rows(H / 2, W / 2);
        p.scratch = gft_up_scratch_floats(&c->up, W / 2, p.rows);
    } else {
        p.units = H;
        p.rows = im2col_band_rows(c->cin, H, W);
        p.scratch = (size_t)p.rows * c->cin * 9 * W;
    }
    p.n_bands = (p.units + p.rows - 1) / p.rows;
    return p;
}

size_t gft_conv_band_floats(const gft_dec_conv *c, int H, int W)
{
    return plan_bands(c, H, W).scratch;
}

int gft_conv_scratch_reserve(gft_conv_scratch *s, size_t floats, int lanes)
{
    if (floats <= s->col_floats && lanes <= s->col_lanes)
        return 1;
    if (floats < s->col_floats)
        floats = s->col_floats;
    if (lanes < s->col_lanes)
        lanes = s->col_lanes;
    float *col = malloc(floats * (size_t)lanes * sizeof(float));
    if (!col)
        return 0;
    free(s->col);
    s->col = col;
    s->col_floats = floats;
    s->col_lanes = lanes;
    return 1;
}

void gft_conv_scratch_free(gft_conv_scratch *s)
{
    free(s->col);
    s->col = NULL;
    s->col_floats = 0;
    s->col_lanes = 0;
}

typedef struct {
    const gft_conv_scratch *s;
    const gft_dec_conv *c;
    const float *in;
    float *out;
    int H, W, n_lanes;
    band_plan plan;
} conv_job;

/* One im2col band: output rows y0 .. y0 + ny - 1. */
static void im2col_band(const conv_job *j, int y0, int ny, float *col)
{
    const gft_dec_conv *c = j->c;
    int K = c->cin * 9, np = ny * j->W;
    size_t P = (size_t)j->H * j->W;
    gft_im2col_band(j->in, c->cin, j->H, j->W, y0, ny, col);
    float *out = j->out + (size_t)y0 * j->W;
    for (int co = 0; co < c->cout; co++)
        for (int i = 0; i < np; i++)
            out[(size_t)co * P + i] = c->b[co];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, np, K, 1.0f, c->w, K, col, np,
                1.0f, out, (int)P);
}

/* Lane `lane` computes bands lane, lane + n_lanes, ... in its own scratch
 * buffer, each with one single-threaded OpenBLAS product (or 16, or 4). */
static void conv_lane(void *arg, int64_t begin, int64_t end, int piece)
{
    (void)piece;
    const conv_job *j = arg;
    const gft_dec_conv *c = j->c;
    int rows = j->plan.rows;
    for (int64_t lane = begin; lane < end; lane++) {
        float *scratch = j->s->col + (size_t)lane * j->s->col_floats;
        for (int band = (int)lane; band < j->plan.n_bands; band += j->n_lanes) {
            int first = band * rows;
            int n = first + rows <= j->plan.units ? rows : j->plan.units - first;
            if (c->kind == GFT_CONV_WINOGRAD)
                gft_wino_band(&c->wino, c->b, j->in, j->H, j->W, first, n, scratch, j->out);
            else if (c->kind == GFT_CONV_UPSAMPLE)
                gft_up_band(&c->up, c->b, j->in, j->H / 2, j->W / 2, first, n, scratch, j->out);
            else
                im2col_band(j, first, n, scratch);
        }
    }
}

void gft_conv3x3(const gft_conv_scratch *s, gft_pool *pool, const gft_dec_conv *c, const float *in,
                 int H, int W, float *out)
{
    band_plan plan = plan_bands(c, H, W);
    int lanes = gft_conv_lanes(pool);
    if (lanes > plan.n_bands)
        lanes = plan.n_bands;
    if (lanes > s->col_lanes)
        lanes = s->col_lanes;
    conv_job j = {s, c, in, out, H, W, lanes, plan};
    if (pool && lanes > 1)
        gft_pool_for(pool, lanes, 1, conv_lane, &j);
    else
        conv_lane(&j, 0, 1, 0);
}
