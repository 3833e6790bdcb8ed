/* The reranker: image and prompt embeddings whose cosine scores how well a
 * generated image fits the prompt (docs/model-format.md, "Reranker").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef GFT_RERANK_H
#define GFT_RERANK_H

#include "gft_internal.h"

typedef struct gft_rerank gft_rerank;

/* Converts the weights to F32 once; NULL on out of memory. The model must
 * have a reranker (hp.has_rerank). */
gft_rerank *gft_rerank_new(const gft_model *m);
void gft_rerank_free(gft_rerank *rr);

/* The prompt's unit vector (hp.rr.dim floats). */
void gft_rerank_text(gft_rerank *rr, const char *prompt, float *vec);

/* The score of a premultiplied RGBA image of the model's output size
 * (channel-last floats) for a prompt's vector from gft_rerank_text: the
 * cosine of the two embeddings. Single-threaded: about 0.1 GFLOP for the
 * shipped sizes. */
float gft_rerank_score(gft_rerank *rr, const float *premul, const float *text_vec);

#endif
