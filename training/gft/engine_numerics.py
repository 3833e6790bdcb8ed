# SPDX-License-Identifier: GPL-3.0-or-later
"""The C engine's rounding, applied to a reference model loaded from a file.

For parity checks of Q8_0 files (tests/parity). The engine computes such a
file's transformer as the reference does, with two roundings:
  * its KV cache holds F16: image positions read the prefix's and their own
    K/V rounded so (the prefix attends to itself in F32). With the int8
    kernel the cache is int8, a scale per position and head, and those
    positions' attention is the engine's integer one (model.attend_int8:
    int8 query, int16 weights; engine/attn_q8.h);
  * with an int8 kernel (engine/kernels_q8i8.h; `gft info` says
    "activations: int8"), every Q8_0 matrix whose outputs come in whole
    groups of 16 multiplies its input rounded per block of 32 values to
    q * amax / 127, q = round-half-even(x * 127 / amax).
With both applied, the reference and the engine differ by float summation
order only, so a flipped rounding is rare and the logits agree closely.
"""
import torch

from .gguf_writer import T_Q8_0, GGUFFile

BLOCK = 32
GROUP = 16


def int8_round(x):
    """x rounded as the engine quantises a matrix input (last dim a multiple of 32)."""
    shape = x.shape
    b = x.reshape(*shape[:-1], shape[-1] // BLOCK, BLOCK)
    amax = b.abs().amax(-1, keepdim=True)
    inv = torch.where(amax > 0, 127.0 / amax, torch.zeros_like(amax))
    return (torch.round(b * inv) * (amax / 127.0)).reshape(shape)


def _round_input(module, inputs):
    return (int8_round(inputs[0]),)


def packed_matrices(f):
    """Names of the file's matrices (a GGUFFile) that the int8 kernel takes."""
    names = []
    for name, (dims, ttype, _) in f.tensor_info.items():
        is_tf = name.startswith("blk.") or name == "head.weight"
        if is_tf and ttype == T_Q8_0 and dims[0] % BLOCK == 0 and dims[1] % GROUP == 0:
            names.append(name)
    return names


def emulate(gft, path, int8):
    """Makes gft (gguf_import.load_gguf(path).gft) round as the engine does for
    the file: F16 K/V when its attention matrices are Q8_0, and int8 inputs
    when int8 is true (the engine has the kernel and it is on)."""
    f = GGUFFile(path)
    if f.tensor_info["blk.0.attn_k.weight"][1] == T_Q8_0:
        for blk in gft.blocks:
            blk.kv_f16_from = gft.cfg.text_ctx
            blk.kv_int8 = bool(int8)  # the engine's cache is int8 with its int8 kernel
    if int8:
        modules = dict(gft.named_modules())
        for name in packed_matrices(f):
            key = name[: -len(".weight")].replace("blk.", "blocks.", 1)
            modules[key].register_forward_pre_hook(_round_input)
    return gft
