"""How far each way of computing the decode cache's attention moves the shipped model's
next-token distributions (nineteenth session). The reference (gft.model) with the engine's int8
matrix inputs, teacher-forced on real code grids under three prompts, image positions only:
  f32     attention in F32 (no cache rounding): the yardstick;
  f16kv   K/V rounded to F16 (the engine without the int8 kernel);
  int8kv  K/V rounded to int8 per position and head, F32 query and weights (eighteenth session);
  int8att the int8 attention (engine/attn_q8.h: int8 query too, int16 weights).
Prints the mean KL(f32 || variant) in nats per token at temperature 1 and 0.7, and how often the
most likely token agrees with f32's; then the same for the two prompts guided at 2 against the
null prompt (as the sampler mixes the rows). Run in training/: python3 eval/results/attnq8-2026-11-28/attention_kl.py [--f32-inputs]
"""
import lzma
import math
import sys

import numpy as np
import torch

sys.path.insert(0, ".")
from gft import engine_numerics, model as M  # noqa: E402
from gft.gguf_import import load_gguf  # noqa: E402

PATH = "../models/gft-emoji.gguf"
torch.manual_seed(0)
torch.set_num_threads(1)
# --f32-inputs: the matrices take F32 inputs, so that only the attention's rounding differs
# (with int8 inputs, any small change flips some of their roundings, a floor under every variant)
INT8_INPUTS = "--f32-inputs" not in sys.argv
lm = load_gguf(PATH)
g = lm.gft
engine_numerics.emulate(g, PATH, int8=INT8_INPUTS)
T = g.cfg.text_ctx
codes = np.load(lzma.open("runs/codes-gpu2/codes-gpu2.npy.xz"))
grids = torch.from_numpy(codes[0, :: codes.shape[1] // 24][:24].astype(np.int64))
prompts = ["red apple", "a smiling cat", ""]


def int8kv(q, k, v, mask):
    def r(t):
        amax = t.abs().amax(-1, keepdim=True)
        inv = torch.where(amax > 0, 127.0 / amax, torch.zeros_like(amax))
        return torch.round(t * inv) * (amax / 127.0)

    att = (q @ r(k).transpose(-2, -1)) / math.sqrt(q.shape[-1])
    att = att.masked_fill(~mask, float("-inf"))
    return att.softmax(-1) @ r(v)


original = M.attend_cache
variants = {
    "f32": None,
    "f16kv": lambda q, k, v, mask, int8: original(q, k, v, mask, False),
    "int8kv": lambda q, k, v, mask, int8: int8kv(q, k, v, mask),
    "int8att": lambda q, k, v, mask, int8: original(q, k, v, mask, True),
}
logits = {}
with torch.no_grad():
    for name, fn in variants.items():
        for blk in g.blocks:
            blk.kv_f16_from = None if fn is None else T
        if fn is not None:
            M.attend_cache = fn
        out = []
        for p in prompts:
            ids = torch.tensor([lm.tokenizer.prefix(p, T)] * len(grids))
            out.append(g(ids, grids))
        logits[name] = torch.cat(out)
        M.attend_cache = original
base = logits["f32"]
n = len(grids)


def guided(x, scale=2.0):
    """prompts 0 and 1 guided against the null prompt (rows 2n..3n), as the sampler mixes them"""
    u = x[2 * n:]
    return torch.cat([u + scale * (x[i * n:(i + 1) * n] - u) for i in (0, 1)])


for name in ["f16kv", "int8kv", "int8att"]:
    row = [name]
    for label, a, b in (("", base, logits[name]), ("guided 2, ", guided(base), guided(logits[name]))):
        for temp in (1.0, 0.7):
            lp = torch.log_softmax(a / temp, -1)
            lq = torch.log_softmax(b / temp, -1)
            kl = (lp.exp() * (lp - lq)).sum(-1).mean().item()
            row.append(f"{label}KL@{temp:g} {kl:.2e}")
        agree = (a.argmax(-1) == b.argmax(-1)).float().mean().item()
        row.append(f"{label}top-1 agrees {100 * agree:.2f} %")
    print("  ".join(row))
