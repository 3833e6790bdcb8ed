# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation bits per image token of a transformer checkpoint, with and without the caption,
on the same i.i.d. and held-out-concept images and captions the training runs validate on
(gft.train_gpt.val_bits), from precomputed codes: compare models after the run, on the CPU.

  cd training && python3 -m eval.likelihood --checkpoint runs/cca/final.pt \
      --codes runs/codes-gpu2/codes-gpu2.npy.xz --meta ../.devdata/pack/meta.json.xz \
      --tokenizer runs/prep/tokenizer.json
  cd training && python3 -m eval.likelihood --model ../models/gft-emoji.gguf --codes ... --meta ...

Held-out concepts are only a fair test for a model that never trained on them (the shipped
run); models continued with --all-concepts have seen them.
"""
import argparse
import json
import sys

import torch


def main(argv=None):
    from gft.cca import caption_margin, pick_rows
    from gft.dataset import load_meta
    from gft.encode import load_codes_xz
    from gft.model import GFT, GFTConfig
    from gft.pipeline import split_rows
    from gft.text import BPETokenizer
    from gft.train_gpt import fixed_captions, null_prefix, val_bits

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="a run's final.pt or continue_gpt's init file (with --tokenizer)")
    src.add_argument("--model", help="a model file (GGUF): its transformer as the engine holds it, and its tokenizer")
    ap.add_argument("--codes", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--tokenizer", default=None)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.model:
        from gft.gguf_import import load_gguf
        m = load_gguf(a.model)
        model, tok = m.gft.float(), m.tokenizer
    else:
        if not a.tokenizer:
            ap.error("--checkpoint needs --tokenizer")
        ck = torch.load(a.checkpoint, map_location="cpu")
        model = GFT(GFTConfig(**ck["gft_cfg"]))
        model.load_state_dict({k: v.float() for k, v in ck["gft"].items()})
        tok = BPETokenizer.load(a.tokenizer)
    cfg = model.cfg
    model.eval()
    items, split = load_meta(a.meta)
    all_codes = torch.from_numpy(load_codes_xz(a.codes).astype("int64"))
    codes = all_codes[0]
    _, iid, held = split_rows(items, split)
    out = {}
    for name, rows in (("val_iid", iid), ("val_heldout", held)):
        if rows:
            texts = fixed_captions(items, rows, tok, cfg.text_ctx, seed=99)
            out[name] = val_bits(model, codes[torch.tensor(rows)], texts, null_prefix(cfg.text_ctx),
                                 torch.device("cpu"), bg_code=0)
    # gft.cca's caption margin on the i.i.d. images (its emoji rows), as its logs report it
    eval_rows = pick_rows(items, iid, "emoji") or iid
    out["caption_margin_iid_bits"] = None  # needs images of two concepts or more
    if len({items[r]["concept"] for r in eval_rows}) >= 2:
        with torch.no_grad():
            out["caption_margin_iid_bits"] = caption_margin(model, all_codes, items, eval_rows, tok, 128)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
