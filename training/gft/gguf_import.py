# SPDX-License-Identifier: GPL-3.0-or-later
"""Load a GFT GGUF file back into the PyTorch reference modules.

Quantised / F16 tensors are dequantised to F32, so the reference computes
with exactly the weights the engine sees.
"""
from dataclasses import dataclass

import torch

from .gguf_writer import GGUFFile
from .model import GFT, GFTConfig
from .text import BPETokenizer, N_BASE
from .vq import Decoder, VQConfig


@dataclass
class LoadedModel:
    gft: GFT
    decoder: Decoder
    codebook: torch.Tensor  # [K, code_dim]
    tokenizer: BPETokenizer
    known_words: list
    sampling: dict
    vq_cfg: VQConfig
    kv: dict


def sampling_defaults(kv):
    """The sampling defaults stored in a model file's metadata ({key: value})."""
    return {"temperature": kv["gft.sampling.temperature"], "top_k": kv["gft.sampling.top_k"],
            "top_p": kv["gft.sampling.top_p"], "guidance": kv["gft.sampling.guidance"],
            "guidance_ramp": kv.get("gft.sampling.guidance_ramp", 0)}


def load_gguf(path):
    f = GGUFFile(path)
    kv = f.kv
    if kv.get("general.architecture") != "gft":
        raise ValueError(f"{path}: not a gft model")
    gcfg = GFTConfig(
        text_vocab=kv["gft.text.vocab_size"], text_ctx=kv["gft.text.ctx"],
        grid_w=kv["gft.image.grid_w"], grid_h=kv["gft.image.grid_h"],
        codebook_size=kv["gft.image.codebook_size"], n_embd=kv["gft.n_embd"],
        n_layer=kv["gft.n_layer"], n_head=kv["gft.n_head"], n_ff=kv["gft.n_ff"],
        norm_eps=kv["gft.norm_eps"])
    vcfg = VQConfig(
        codebook_size=gcfg.codebook_size, code_dim=kv["gft.vq.code_dim"],
        dec_channels=tuple(kv["gft.dec.channels"]), dec_n_res=kv["gft.dec.n_res"],
        n_groups=kv["gft.dec.n_groups"], norm_eps=kv["gft.dec.norm_eps"],
        bg_code=kv.get("gft.vq.background_code", -1))
    gft = GFT(gcfg)
    sd = {}
    for key in gft.state_dict():
        gname = key.replace("blocks.", "blk.", 1) if key.startswith("blocks.") else key
        sd[key] = torch.from_numpy(f.tensor(gname))
    gft.load_state_dict(sd)
    dec = Decoder(vcfg)
    dec.load_state_dict({k: torch.from_numpy(f.tensor("dec." + k)) for k in dec.state_dict()})
    codebook = torch.from_numpy(f.tensor("vq.codebook"))
    m = kv["gft.tokenizer.merges"]
    tok = BPETokenizer(list(zip(m[0::2], m[1::2])))
    if tok.vocab_size != gcfg.text_vocab or tok.vocab_size < N_BASE:
        raise ValueError(f"{path}: tokenizer size {tok.vocab_size} != vocab {gcfg.text_vocab}")
    sampling = sampling_defaults(kv)
    known = [w if isinstance(w, str) else w.decode("utf-8", "replace")
             for w in kv["gft.tokenizer.known_words"]]
    return LoadedModel(gft.eval(), dec.eval(), codebook, tok, known, sampling, vcfg, kv)
