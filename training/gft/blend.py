# SPDX-License-Identifier: GPL-3.0-or-later
"""Blend the transformer weights of two model files: w = alpha * A + (1 - alpha) * B, tensor by
tensor, stored in A's tensor types. Everything else (VQ decoder, codebook, reranker, tokenizer,
keys, sampling defaults) is copied from A byte for byte.

Why: the GPU CCA round (A) taught the English prompts and lost "红苹果", which the round it
started from (B) drew. Both are points of one fine-tuning path from the same weights, so a point
between them is a weaker dose of the same tuning: a cheap way, on the CPU, to look for weights
that keep most of one gain and most of the other (judge them; do not assume).

  cd training && python3 -m gft.blend --a ../models/gft-emoji.gguf --b old.gguf --alpha 0.5 -o blend.gguf
"""
import argparse
import sys

from .gguf_writer import GGUFFile, copy_of, run_file_tool

# the transformer's tensors (docs/model-format.md): everything but the VQ decoder, codebook and reranker
_OTHER_PARTS = ("dec.", "vq.", "rr.")


def is_transformer_tensor(name):
    return not name.startswith(_OTHER_PARTS)


def blend(path_a, path_b, alpha, out_path):
    """Writes the blend; returns the number of tensors blended. ValueError when the two files'
    transformers differ in their tensors or shapes, or alpha is outside [0, 1]."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha {alpha} is outside [0, 1]")
    a, b = GGUFFile(path_a), GGUFFile(path_b)
    names_a = [n for n in a.tensor_info if is_transformer_tensor(n)]
    names_b = [n for n in b.tensor_info if is_transformer_tensor(n)]
    if sorted(names_a) != sorted(names_b):
        raise ValueError("the two files' transformers hold different tensors: %s"
                         % sorted(set(names_a) ^ set(names_b))[:5])
    for n in names_a:
        if a.tensor_info[n][0] != b.tensor_info[n][0]:
            raise ValueError(f"{n}: shape {a.tensor_info[n][0]} in A, {b.tensor_info[n][0]} in B")
    w = copy_of(a, keep_tensor=lambda n: False)
    for n in a.tensor_info:
        if is_transformer_tensor(n):
            w.add_tensor(n, alpha * a.tensor(n) + (1.0 - alpha) * b.tensor(n), a.tensor_info[n][1])
        else:
            w.add_raw_tensor(n, *a.tensor_raw(n))
    w.write_replacing(out_path)
    return len(names_a)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", required=True, help="the file whose everything-else is kept")
    ap.add_argument("--b", required=True)
    ap.add_argument("--alpha", type=float, required=True, help="A's share of the transformer weights")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)

    def work():
        n = blend(a.a, a.b, a.alpha, a.output)
        return f"wrote {a.output}: {n} transformer tensors, {a.alpha:g} x A + {1 - a.alpha:g} x B"
    return run_file_tool("blend", work)


if __name__ == "__main__":
    sys.exit(main())
