# SPDX-License-Identifier: GPL-3.0-or-later
"""Change a model file's sampling defaults (gft.sampling.guidance, temperature, top_k, top_p):
every other key and every tensor is copied byte for byte, in the same order. For new
defaults after a sweep (eval.sweep_file, eval.acceptance) without exporting again.

  cd training && python3 -m gft.set_sampling --model ../models/gft-emoji.gguf --sampling 2:0.7:40 \\
      -o ../models/gft-emoji.gguf
"""
import argparse
import sys

from .gguf_writer import copy_of, run_file_tool


def parse(text):
    """"G:T:K[:P]" -> {guidance, temperature, top_k, top_p}; ValueError when malformed or out of
    the engine's ranges (guidance >= 1, temperature > 0, top-k >= 0, 0 < top-p <= 1)."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise ValueError(f"{text!r} is not GUIDANCE:TEMPERATURE:TOP_K[:TOP_P]")
    s = dict(guidance=float(parts[0]), temperature=float(parts[1]), top_k=int(parts[2]),
             top_p=float(parts[3]) if len(parts) == 4 else 1.0)
    if not (s["guidance"] >= 1.0 and s["temperature"] > 0 and s["top_k"] >= 0 and 0 < s["top_p"] <= 1):
        raise ValueError(f"sampling {text!r} is out of range")
    return s


def set_sampling(src_path, sampling, out_path):
    def f32(w, key):
        w.add_f32(key, sampling[key[len("gft.sampling."):]])

    rewrite = {"gft.sampling." + k: f32 for k in ("guidance", "temperature", "top_p")}
    rewrite["gft.sampling.top_k"] = lambda w, key: w.add_u32(key, sampling["top_k"])
    copy_of(src_path, rewrite=rewrite).write_replacing(out_path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--sampling", required=True, metavar="G:T:K[:P]")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        set_sampling(a.model, parse(a.sampling), a.output)
        return f"wrote {a.output}: sampling {a.sampling}"
    return run_file_tool("set_sampling", work)


if __name__ == "__main__":
    sys.exit(main())
