/* The optional 2x upscaler: its gft.upscale.* keys and up.* tensors
 * (docs/model-format.md, "Upscaler").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "loader.h"

enum { MAT = 1u << GFT_TYPE_F32 | 1u << GFT_TYPE_F16 };

/* The upscaler's output: 4 channels (premultiplied RGBA) per sub-pixel of 2 x 2. */
#define UP_OUT_CHANNELS 16

gft_status gft_load_upscale(const gguf_file *f, gft_model *m, char *err, size_t err_size)
{
    gft_hparams *hp = &m->hp;
    hp->has_upscale = gguf_find_kv(f, "gft.upscale.channels") != NULL;
    if (!hp->has_upscale)
        return GFT_OK;
    uint32_t n_mid;
    GFT_TRY(gft_kv_get_u32(f, "gft.upscale.channels", 1, 256, &hp->up_channels, err, err_size));
    GFT_TRY(gft_kv_get_u32(f, "gft.upscale.n_mid", 0, GFT_UP_MAX_CONVS - 2, &n_mid, err, err_size));
    hp->up_n_convs = n_mid + 2;
    int64_t cin = 4;
    for (uint32_t i = 0; i < hp->up_n_convs; i++) {
        int64_t cout = i + 1 == hp->up_n_convs ? UP_OUT_CHANNELS : hp->up_channels;
        GFT_TRY(gft_want_flat_conv(f, m, &m->up_conv_w[i], &m->up_conv_b[i], "up.conv", i, MAT, cin,
                                   cout, err, err_size));
        cin = cout;
    }
    return GFT_OK;
}
