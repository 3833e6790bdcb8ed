/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The decoder's conv weights in the layouts its fast convs read. */
#include "dec_convs.h"

#include <stdlib.h>

#include "kernels.h"
#include "loader.h"

/* w as F32 [cout][cin * 9]: the mapping itself, or a converted copy. */
static const float *as_f32(const gft_tensor *w, size_t n, float **copy)
{
    *copy = NULL;
    if (w->type == GFT_TYPE_F32)
        return w->data;
    if (!(*copy = malloc(n * sizeof **copy)))
        return NULL;
    const uint16_t *h = w->data;
    for (size_t i = 0; i < n; i++)
        (*copy)[i] = gft_half_to_float(h[i]);
    return *copy;
}

int gft_conv_prepare(gft_dec_conv *c, const gft_tensor *w, const gft_tensor *b, int cin, int cout,
                     gft_conv_kind kind, float **owned)
{
    c->kind = kind;
    c->cin = cin;
    c->cout = cout;
    c->b = b->data;
    float *copy;
    const float *f32 = as_f32(w, (size_t)c->cin * 9 * (size_t)c->cout, &copy);
    if (!f32)
        return 0;
    if (kind == GFT_CONV_IM2COL) {
        c->w = f32;
        *owned = copy;
        return 1;
    }
    *owned = NULL;
    int ok = kind == GFT_CONV_WINOGRAD ? gft_wino_init(&c->wino, f32, c->cin, c->cout)
                                       : gft_up_init(&c->up, f32, c->cin, c->cout);
    free(copy);
    return ok;
}

/* A 4-D conv tensor [3][3][cin][cout] (ggml order). */
static int prepare(gft_dec_conv *c, const gft_tensor *w, const gft_tensor *b, gft_conv_kind kind,
                   float **owned)
{
    float *unused;
    return gft_conv_prepare(c, w, b, (int)w->ne[2], (int)w->ne[3], kind, owned ? owned : &unused);
}

static void drop_sources(const gft_model *m)
{
    if (!m->dec_convs)
        return;
    for (uint32_t l = 0; l < m->hp.dec_n_levels; l++) {
        const gft_dec_level *lv = &m->dec_levels[l];
        for (uint32_t r = 0; r < m->hp.dec_n_res; r++) {
            gft_model_drop_pages(m, lv->res[r].conv1_w.data, lv->res[r].conv1_w.n_bytes);
            gft_model_drop_pages(m, lv->res[r].conv2_w.data, lv->res[r].conv2_w.n_bytes);
        }
        if (l + 1 < m->hp.dec_n_levels)
            gft_model_drop_pages(m, lv->up_w.data, lv->up_w.n_bytes);
    }
}

gft_status gft_dec_convs_prepare(gft_model *m, char *err, size_t err_size)
{
    struct gft_dec_convs *d = calloc(1, sizeof *d);
    int ok = d != NULL;
    if (ok)
        ok = prepare(&d->conv_in, &m->dec_conv_in_w, &m->dec_conv_in_b, GFT_CONV_IM2COL,
                     &d->owned[0]) &&
             prepare(&d->conv_out, &m->dec_conv_out_w, &m->dec_conv_out_b, GFT_CONV_IM2COL,
                     &d->owned[1]);
    for (uint32_t l = 0; ok && l < m->hp.dec_n_levels; l++) {
        const gft_dec_level *lv = &m->dec_levels[l];
        for (uint32_t r = 0; ok && r < m->hp.dec_n_res; r++) {
            const gft_resblock *rb = &lv->res[r];
            ok = prepare(&d->res[l][r][0], &rb->conv1_w, &rb->conv1_b, GFT_CONV_WINOGRAD, NULL) &&
                 prepare(&d->res[l][r][1], &rb->conv2_w, &rb->conv2_b, GFT_CONV_WINOGRAD, NULL);
        }
        if (ok && l + 1 < m->hp.dec_n_levels)
            ok = prepare(&d->up[l], &lv->up_w, &lv->up_b, GFT_CONV_UPSAMPLE, NULL);
    }
    if (!ok) {
        gft_dec_convs_free(d);
        gft_set_error(err, err_size, "out of memory for the decoder's conv weights");
        return GFT_ERR_NOMEM;
    }
    m->dec_convs = d;
    drop_sources(m);
    return GFT_OK;
}

void gft_dec_convs_free(struct gft_dec_convs *d)
{
    if (!d)
        return;
    for (int l = 0; l < GFT_DEC_MAX_LEVELS; l++) {
        for (int r = 0; r < GFT_DEC_MAX_RES; r++) {
            gft_wino_free(&d->res[l][r][0].wino);
            gft_wino_free(&d->res[l][r][1].wino);
        }
        gft_up_free(&d->up[l].up);
    }
    free(d->owned[0]);
    free(d->owned[1]);
    free(d);
}
