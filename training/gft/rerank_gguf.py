# SPDX-License-Identifier: GPL-3.0-or-later
"""The reranker (gft.rerank) in a model file: its optional rr.* tensors and gft.rerank.* keys
(docs/model-format.md, "Reranker"), the reference forward pass over them, and a command that
adds a trained reranker to an existing model file.

BatchNorm is folded into the conv before it (eval-mode statistics), so the file holds plain
conv weights and biases. Conv weights are stored flattened to [cout, cin * 9] (ggml dims
(cin * 9, cout)), the im2col layout the engine multiplies with; rows whose length is a multiple
of 32 may be Q8_0.

  cd training && python3 -m gft.rerank_gguf --model ../models/gft-emoji.gguf \\
      --rerank runs/rerank/rerank.pt --candidates 4 -o ../models/gft-emoji.gguf
  cd training && python3 -m gft.rerank_gguf --model cand.gguf --rerank ../models/gft-emoji.gguf -o cand.gguf
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .gguf_writer import T_F32, T_Q8_0, U32, GGUFFile, copy_of, run_file_tool

MAX_CANDIDATES = 8  # the engine's GFT_MAX_CANDIDATES


def folded_convs(model):
    """The image encoder's conv + BatchNorm pairs as (weight [cout, cin, 3, 3], bias [cout])."""
    mods, out = list(model.image.body), []
    for i, m in enumerate(mods):
        if isinstance(m, nn.Conv2d):
            bn = mods[i + 1]
            s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            out.append(((m.weight * s[:, None, None, None]).detach(), (bn.bias - bn.running_mean * s).detach()))
    return out


def random_reranker(vocab, seed, width=(8, 16), dim=32, convs=2, side=4):
    """A reranker with fixed random weights and BatchNorm statistics (numpy RandomState(seed)),
    for tests: small, with every part the shipped one has. side: its input size (the tiny
    models make 8 px images)."""
    from .rerank import Reranker
    model = Reranker(vocab, width, dim, convs, side)
    rng = np.random.RandomState(seed)
    sd = {}
    for key, t in model.state_dict().items():
        shape = tuple(t.shape)
        normal = lambda std, mean=0.0: torch.from_numpy(np.asarray(mean + std * rng.standard_normal(shape), np.float32))
        if key.endswith("num_batches_tracked"):
            sd[key] = t
        elif key.endswith("running_var"):
            sd[key] = torch.from_numpy(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        elif t.ndim == 4:  # conv weights: unit gain
            sd[key] = normal(1.0 / np.sqrt(shape[1] * 9))
        elif key.startswith("image.body") and key.endswith("weight"):  # BatchNorm scale
            sd[key] = normal(0.1, 1.0)
        elif t.ndim == 2 and not key.startswith("text.emb"):
            sd[key] = normal(1.0 / np.sqrt(shape[1]))
        else:  # embeddings, biases, running means, log_scale
            sd[key] = normal(0.2)
    model.load_state_dict(sd)
    return model.eval()


def add_to_writer(w, model, candidates, mat_type=T_Q8_0):
    """Adds the gft.rerank.* keys, gft.sampling.candidates and the rr.* tensors to a GGUFWriter."""
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise ValueError(f"candidates {candidates} is outside 1..{MAX_CANDIDATES}")
    w.add_u32("gft.rerank.side", model.side)
    w.add_u32("gft.rerank.dim", model.dim)
    w.add_u32("gft.rerank.convs_per_level", model.convs)
    w.add_array("gft.rerank.widths", U32, list(model.width))
    w.add_u32("gft.sampling.candidates", candidates)

    def matrix(name, t):
        t = t.detach().float()
        w.add_tensor(name, t, mat_type if t.shape[-1] % 32 == 0 else T_F32)

    for i, (weight, bias) in enumerate(folded_convs(model)):
        matrix(f"rr.conv{i}.weight", weight.reshape(weight.shape[0], -1))
        w.add_tensor(f"rr.conv{i}.bias", bias, T_F32)
    matrix("rr.img_proj.weight", model.image.proj.weight)
    w.add_tensor("rr.img_proj.bias", model.image.proj.bias.detach(), T_F32)
    matrix("rr.text_emb.weight", model.text.emb.weight)
    matrix("rr.text_proj.weight", model.text.proj.weight)
    w.add_tensor("rr.text_proj.bias", model.text.proj.bias.detach(), T_F32)


class FileReranker:
    """The reranker as a model file holds it (folded, dequantised): the reference the engine's
    scores are checked against."""

    def __init__(self, f):
        kv = f.kv
        self.side, self.dim = kv["gft.rerank.side"], kv["gft.rerank.dim"]
        self.widths, self.convs = list(kv["gft.rerank.widths"]), kv["gft.rerank.convs_per_level"]
        self.candidates = kv.get("gft.sampling.candidates", 1)
        t = lambda name: torch.from_numpy(f.tensor(name))
        self.conv = []
        c_in = 4
        for i in range(len(self.widths) * self.convs):
            c_out = self.widths[i // self.convs]
            self.conv.append((t(f"rr.conv{i}.weight").reshape(c_out, c_in, 3, 3), t(f"rr.conv{i}.bias")))
            c_in = c_out
        self.img_proj = (t("rr.img_proj.weight"), t("rr.img_proj.bias"))
        self.text_emb = t("rr.text_emb.weight")
        self.text_proj = (t("rr.text_proj.weight"), t("rr.text_proj.bias"))

    @torch.no_grad()
    def image(self, premul):
        """premultiplied RGBA [B, 4, H, W] in [0, 1] (H, W multiples of side) -> unit vectors."""
        h = F.adaptive_avg_pool2d(premul.float(), self.side) * 2 - 1
        for i, (w, b) in enumerate(self.conv):
            if i and i % self.convs == 0:
                h = F.avg_pool2d(h, 2)
            h = F.silu(F.conv2d(h, w, b, padding=1))
        return F.normalize(F.linear(h.mean((2, 3)), *self.img_proj), dim=-1)

    @torch.no_grad()
    def text(self, ids):
        """BPE ids of one prompt (empty: the id 0) -> a unit vector."""
        e = self.text_emb[torch.tensor(list(ids) or [0])].mean(0)
        return F.normalize(F.linear(e, *self.text_proj), dim=-1)

    def score(self, ids, premul):
        return self.image(premul) @ self.text(ids)


def best_of(m, reranker, prompt, candidates, negative=None, temperature=1.0, top_k=0, top_p=1.0,
            guidance=1.0, seed=0, n_variations=1, upscaler=None, guidance_ramp=0):
    """The engine's best of K, in the reference: candidate c of variation i draws from the
    PCG32 stream (seed + i, SEED_SEQ + c); the kept one has the highest score, the first on
    ties. m: gguf_import.LoadedModel; upscaler: upscale_gguf.FileUpscaler or None (the kept
    pictures then come out at twice the size). -> (uint8 [n, H, W, 4], chosen [n], scores [n, K])."""
    from .vq import unpremultiply_u8
    from .sample import SEED_SEQ, decode_tokens, generate_tokens
    cfg = m.gft.cfg
    ids = m.tokenizer.encode(prompt)
    rgba, scores = [], []
    for c in range(candidates):
        tokens = generate_tokens(m.gft, m.tokenizer, prompt, negative, temperature, top_k, top_p, guidance,
                                 seed, n_variations, m.vq_cfg.bg_code, SEED_SEQ + c, guidance_ramp)
        with torch.no_grad():
            premul, u8 = decode_tokens(m, tokens, cfg.grid_h, cfg.grid_w)
        rgba.append((unpremultiply_u8(upscaler(premul)) if upscaler else u8).numpy())
        scores.append(reranker.score(ids, premul.permute(0, 3, 1, 2)).numpy())
    rgba, scores = np.stack(rgba, 1), np.stack(scores, 1)  # [n, K, ...], [n, K]
    chosen = scores.argmax(1)  # numpy: the first of equal maxima
    return rgba[np.arange(n_variations), chosen], chosen, scores


def load(path_or_file):
    """-> FileReranker, or None when the file has no reranker."""
    f = GGUFFile(path_or_file) if isinstance(path_or_file, str) else path_or_file
    return FileReranker(f) if "gft.rerank.dim" in f.kv else None


def _is_rerank_key(key):
    return key.startswith("gft.rerank.") or key == "gft.sampling.candidates"


def _copy_without_reranker(src_path):
    """A GGUFWriter holding every key and tensor of src_path byte for byte, but its reranker."""
    return copy_of(src_path, keep_key=lambda k: not _is_rerank_key(k), keep_tensor=lambda n: not n.startswith("rr."))


def embed(src_path, model, candidates, out_path, mat_type=T_Q8_0):
    """Copies the model file src_path (every key and tensor byte for byte, but any older
    reranker) and adds the reranker, its matrices as mat_type where rows allow."""
    w = _copy_without_reranker(src_path)
    add_to_writer(w, model, candidates, mat_type)
    w.write_replacing(out_path)


def embed_from_file(src_path, rr_path, candidates, out_path):
    """Copies the model file src_path (but any reranker) and adds the reranker of the model file
    rr_path byte for byte: a new transformer keeps the shipped reranker. candidates None keeps
    rr_path's gft.sampling.candidates."""
    rr = GGUFFile(rr_path)
    if "gft.rerank.dim" not in rr.kv:
        raise ValueError(f"{rr_path} holds no reranker")
    w = _copy_without_reranker(src_path)
    for key, raw in rr.kv_raw.items():
        if _is_rerank_key(key) and not (key == "gft.sampling.candidates" and candidates is not None):
            w.add_raw_kv(key, raw)
    if candidates is not None:
        if not 1 <= candidates <= MAX_CANDIDATES:
            raise ValueError(f"candidates {candidates} is outside 1..{MAX_CANDIDATES}")
        w.add_u32("gft.sampling.candidates", candidates)
    for name in rr.tensor_info:
        if name.startswith("rr."):
            w.add_raw_tensor(name, *rr.tensor_raw(name))
    w.write_replacing(out_path)


def main(argv=None):
    from .rerank import load as load_rerank
    ap = argparse.ArgumentParser(description="Add a trained reranker (gft.rerank) to a model file.")
    ap.add_argument("--model", required=True, help="the model file to copy")
    ap.add_argument("--rerank", required=True,
                    help="gft.rerank's output (.pt), or a model file (.gguf) whose reranker is copied as it is")
    ap.add_argument("--candidates", type=int, default=None,
                    help="gft.sampling.candidates, the default best of K (default: 4, or the .gguf's own)")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        if a.rerank.endswith(".gguf"):
            embed_from_file(a.model, a.rerank, a.candidates, a.output)
        else:
            embed(a.model, load_rerank(a.rerank), 4 if a.candidates is None else a.candidates, a.output)
        return f"wrote {a.output}: {os.path.getsize(a.output)} bytes"
    return run_file_tool("rerank_gguf", work)


if __name__ == "__main__":
    sys.exit(main())
