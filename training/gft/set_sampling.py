# SPDX-License-Identifier: GPL-3.0-or-later
"""Change a model file's sampling defaults (gft.sampling.guidance, temperature, top_k, top_p,
and with --guidance-ramp gft.sampling.guidance_ramp): every other key and every tensor is copied
byte for byte, in the same order. For new defaults after a sweep (eval.sweep_file,
eval.acceptance) without exporting again.

  cd training && python3 -m gft.set_sampling --model ../models/gft-emoji.gguf --sampling 3:0.7:40 \\
      --guidance-ramp 1 -o ../models/gft-emoji.gguf
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


RAMP = "gft.sampling.guidance_ramp"


def set_sampling(src_path, sampling, out_path, guidance_ramp=None):
    """guidance_ramp: 0 (constant guidance; the key is left out) or 1 (rising from 1), written
    after gft.sampling.guidance; None keeps the file's."""
    def f32(w, key):
        w.add_f32(key, sampling[key[len("gft.sampling."):]])

    def guidance(w, key):
        f32(w, key)
        if guidance_ramp:
            w.add_u32(RAMP, 1)

    rewrite = {"gft.sampling." + k: f32 for k in ("temperature", "top_p")}
    rewrite["gft.sampling.guidance"] = guidance
    rewrite["gft.sampling.top_k"] = lambda w, key: w.add_u32(key, sampling["top_k"])
    keep = (lambda key: key != RAMP) if guidance_ramp is not None else (lambda key: True)
    copy_of(src_path, keep_key=keep, rewrite=rewrite).write_replacing(out_path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--sampling", required=True, metavar="G:T:K[:P]")
    ap.add_argument("--guidance-ramp", type=int, choices=(0, 1), default=None,
                    help="1: guidance rises from 1 to G over the image tokens; 0: constant "
                    "(default: as the file has it)")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        set_sampling(a.model, parse(a.sampling), a.output, a.guidance_ramp)
        ramp = "" if a.guidance_ramp is None else f", guidance ramp {a.guidance_ramp}"
        return f"wrote {a.output}: sampling {a.sampling}{ramp}"
    return run_file_tool("set_sampling", work)


if __name__ == "__main__":
    sys.exit(main())
