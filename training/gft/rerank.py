# SPDX-License-Identifier: GPL-3.0-or-later
"""A small image-text reranker: which of K sampled images fits the prompt best?

An image encoder (a CNN on 32 px premultiplied RGBA) and a text encoder (the mean of learned
embeddings of the prompt's BPE tokens, from the model file's own tokenizer) map into one unit
sphere; the cosine is the score. It is trained contrastively on real images and VQ
reconstructions (what the decoder outputs look like) with a fresh random caption per image and
step (gft.captions, every language), never on generated images. Pairs of the same concept are
not used as negatives.

  cd training && python3 -m gft.rerank --model ../models/gft-emoji.gguf \\
      --codes runs/codes-gpu2/codes-gpu2.npy.xz --budget 1800 -o runs/rerank/rerank.pt

eval.rerank_study measures what best-of-K by this score does to the judges' figures.
"""
import argparse
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIDE = 32  # the image encoder's input size
DIM = 256  # the shared embedding size


class ImageEncoder(nn.Module):
    def __init__(self, width=(32, 64, 128, 256), dim=DIM, convs=2):
        super().__init__()
        layers, c_in = [], 4
        for i, c in enumerate(width):
            for _ in range(convs):
                layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.SiLU()]
                c_in = c
            if i + 1 < len(width):
                layers.append(nn.AvgPool2d(2))
        self.body = nn.Sequential(*layers)
        self.proj = nn.Linear(c_in, dim)

    def forward(self, x):
        """x: premultiplied RGBA [B, 4, SIDE, SIDE] in [0, 1] -> unit vectors [B, dim]."""
        return F.normalize(self.proj(self.body(x * 2 - 1).mean((2, 3))), dim=-1)


class TextEncoder(nn.Module):
    def __init__(self, vocab, dim=DIM):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.proj = nn.Linear(dim, dim)

    def forward(self, ids, offsets):
        return F.normalize(self.proj(self.emb(ids, offsets)), dim=-1)


class Reranker(nn.Module):
    """convs: 3x3 convs per level (each with BatchNorm and SiLU); levels after the first start
    with a 2x2 average pool."""

    def __init__(self, vocab, width=(32, 64, 128, 256), dim=DIM, convs=2, side=SIDE):
        super().__init__()
        self.image = ImageEncoder(width, dim, convs)
        self.side = side  # the image encoder's input size (read by rerank_gguf too)
        self.text = TextEncoder(vocab, dim)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.width, self.dim, self.convs = tuple(width), dim, convs

    def embed_texts(self, tok, texts):
        ids, offsets = [], []
        for t in texts:
            offsets.append(len(ids))
            ids += tok.encode(t) or [0]  # an empty prompt reads as the byte 0: any fixed id works
        dev = self.log_scale.device
        return self.text(torch.tensor(ids, device=dev), torch.tensor(offsets, device=dev))

    @torch.no_grad()
    def score(self, tok, prompt, premul128):
        """Cosine of each image [B, 4, 128, 128] (premultiplied, in [0, 1]) with the prompt."""
        return self.image(to_side(premul128, self.side)) @ self.embed_texts(tok, [prompt])[0]


def to_side(premul, side=SIDE):
    """premultiplied RGBA [B, 4, H, W] -> [B, 4, side, side] by box filtering."""
    return F.adaptive_avg_pool2d(premul.float(), side)


def prepare_images(images_u8, codes, decoder, codebook, n_recon, seed=5, log=print, side=SIDE):
    """-> (real [N, 4, side, side] f16, recon (same; real where none), has_recon [N] bool).
    codes: [N, grid_h * grid_w] code indices of the unaugmented images; n_recon of them are
    decoded (the decoder is the slow part on a CPU)."""
    from .common import premultiply
    from .sample import decode_tokens
    N = len(images_u8)
    real = torch.empty(N, 4, side, side, dtype=torch.half)
    for i in range(0, N, 1024):
        real[i:i + 1024] = to_side(premultiply(torch.from_numpy(images_u8[i:i + 1024])), side)
    recon, has_recon = real.clone(), torch.zeros(N, dtype=torch.bool)
    grid = int(round(codes.shape[1] ** 0.5))
    rows = torch.randperm(N, generator=torch.Generator().manual_seed(seed))[:n_recon].sort().values
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, len(rows), 256):
            r = rows[i:i + 256]
            premul, _ = decode_tokens((decoder, codebook), torch.from_numpy(codes[r.numpy()].astype(np.int64)),
                                      grid, grid)
            recon[r] = to_side(premul.permute(0, 3, 1, 2), side).half()
    has_recon[rows] = True
    log("decoded %d reconstructions in %.0f s" % (len(rows), time.time() - t0))
    return real, recon, has_recon


def train(model, tok, real, recon, has_recon, items, *, budget_s, seed, log, batch=256, lr=2e-3,
          max_steps=None, lexicon=None, p_reading=1.0, articles=()):
    """Contrastive training (symmetric InfoNCE). Returns the number of steps. lexicon: when
    given, a caption is read through it first with probability p_reading, as the engine reads
    prompts before scoring (the rest stay as typed, so words the lexicon leaves alone keep
    being learnt in every language). articles: the file's articles, dropped as the engine
    drops them."""
    from eval.judge import _augment, base_concept

    from . import lexicon as lexicon_mod
    from .captions import sample_caption
    max_words = max((src.count(" ") + 1 for src in lexicon or ()), default=0)
    names = {}
    cls = torch.tensor([names.setdefault(base_concept(it["concept"]), len(names)) for it in items])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    rng, gen = random.Random(seed), torch.Generator().manual_seed(seed)
    N, B = len(items), min(batch, len(items))
    model.train()
    step, t0 = 0, time.time()
    while time.time() - t0 < budget_s and (max_steps is None or step < max_steps):
        rows = torch.randint(0, N, (B,), generator=gen)
        use_recon = (torch.rand(B, generator=gen) < 0.5) & has_recon[rows]
        x = _augment(torch.where(use_recon[:, None, None, None], recon[rows], real[rows]).float(), gen)
        fi = model.image(x)
        texts = [sample_caption(items[r], rng) for r in rows.tolist()]
        if lexicon:  # p_reading 1 makes no extra draws
            texts = [lexicon_mod.translate(t, lexicon, max_words, articles)[0] if p_reading >= 1 or rng.random() < p_reading
                     else t for t in texts]
        ft = model.embed_texts(tok, texts)
        logits = model.log_scale.exp().clamp(max=100) * fi @ ft.T
        c = cls[rows]
        same = (c[:, None] == c[None, :]) & ~torch.eye(B, dtype=torch.bool)
        logits = logits.masked_fill(same, float("-inf"))
        target = torch.arange(B)
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            log("step %d loss %.3f (chance %.3f)" % (step, loss.item(), math.log(B)))
    model.eval()
    return step


def save(model, path):
    torch.save(dict(rerank=model.state_dict(), rerank_vocab=model.text.emb.num_embeddings,
                    rerank_width=list(model.width), rerank_dim=model.dim, rerank_convs=model.convs,
                    rerank_side=model.side), path)


def load(path):
    ck = torch.load(path, map_location="cpu")
    model = Reranker(ck["rerank_vocab"], tuple(ck["rerank_width"]), ck.get("rerank_dim", DIM),
                     ck.get("rerank_convs", 2), ck.get("rerank_side", SIDE))
    model.load_state_dict(ck["rerank"])
    return model.eval()


def main(argv=None):
    from . import captions
    from . import lexicon as lexicon_mod
    from .common import Log, seed_all
    from .dataset import load_pack
    from .encode import load_plain_codes_xz
    from .gguf_import import load_gguf
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model file: its tokenizer and VQ decoder")
    ap.add_argument("--codes", required=True, help="codes.npy.xz from gft.encode (same pack order)")
    ap.add_argument("--pack", default=None)
    ap.add_argument("--n-recon", type=int, default=4096, help="reconstructions decoded for training")
    ap.add_argument("--budget", type=float, default=900, help="training seconds")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="torch threads (the CNN runs about twice as fast on 2 cores as on 1)")
    ap.add_argument("--side", type=int, default=SIDE, help="the image encoder's input size")
    ap.add_argument("--width", default="32,64,128,256", help="channels per level (comma-separated)")
    ap.add_argument("--readings", type=float, nargs="?", const=1.0, default=0.0, metavar="P",
                    help="read this share of the captions (1 without P) through the model file's prompt "
                         "lexicon first, as the engine reads prompts before scoring")
    ap.add_argument("-o", "--output", required=True)
    captions.add_language_args(ap)
    a = ap.parse_args(argv)
    captions.apply_language_args(a)
    torch.set_num_threads(a.threads)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    log = Log(os.path.splitext(a.output)[0] + ".log")
    seed_all(a.seed)
    m = load_gguf(a.model)
    images, items, _ = load_pack(a.pack)
    codes = load_plain_codes_xz(a.codes)
    if len(codes) != len(items):
        raise SystemExit("rerank: %d code rows for %d pack images" % (len(codes), len(items)))
    real, recon, has_recon = prepare_images(images, codes, m.decoder, m.codebook, a.n_recon, log=log,
                                            side=a.side)
    width = tuple(int(w) for w in a.width.split(","))
    if a.side % (1 << (len(width) - 1)):
        raise SystemExit("rerank: --side %d is not divisible by 2^(levels - 1)" % a.side)
    model = Reranker(m.tokenizer.vocab_size, width, side=a.side)
    if not 0 <= a.readings <= 1:
        raise SystemExit("rerank: --readings %g is outside 0..1" % a.readings)
    lexicon = lexicon_mod.read(a.model) if a.readings else None
    if a.readings and not lexicon:
        raise SystemExit("rerank: --readings: %s holds no prompt lexicon" % a.model)
    steps = train(model, m.tokenizer, real, recon, has_recon, items, budget_s=a.budget, seed=a.seed, log=log,
                  batch=a.batch, max_steps=a.max_steps, lexicon=lexicon, p_reading=a.readings,
                  articles=lexicon_mod.read_articles(a.model) if a.readings else ())
    save(model, a.output)
    log("saved %s after %d steps (captions %.2f English, %.2f of the rest in %s)"
        % (a.output, steps, captions.P_ENGLISH, captions.P_PREFERRED, "/".join(captions.PREFERRED_LANGS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
