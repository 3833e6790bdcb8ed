# SPDX-License-Identifier: GPL-3.0-or-later
"""Continue training a finished run's transformer from precomputed image codes, without the
images: what travels to a GPU machine is the codes (gft.encode -o codes.npy.xz, ~10 MB), the
pack's meta.json.xz (captions), the BPE and the transformer weights (~40 MB fp16), which fits
the 64 MiB a device call carries, so a whole call goes to stage 2.

  # make the inputs (once; the codes need the pack and a GPU or ~1 h of CPU):
  python3 -m gft.encode --checkpoint checkpoints/vq-gpu2.pt --n-aug 4 -o runs/codes/codes.npy.xz
  python3 -m gft.continue_gpt --export-init ../models/gft-emoji.gguf -o runs/init/gft.pt
  # on the GPU machine (writes final.pt.partNN with the transformer only):
  python3 -m gft.continue_gpt --init runs/init/gft.pt --codes runs/codes/codes.npy.xz \
      --meta ../.devdata/pack/meta.json.xz --tokenizer runs/prep/tokenizer.json \
      --budget 480 --out $OUT --shard
  # back here: export with the previous run's tokenizer (VQ) weights
  python3 -m eval.finalize --run DIR --vq-from checkpoints/vq-gpu2.pt --model ../models/gft-emoji.gguf

Held-out concepts are trained on too with --all-concepts (a release model); the i.i.d.
validation images stay out either way, so validation bits remain comparable.
"""
import argparse
import dataclasses
import os
import sys
import time

import torch

from . import captions
from .common import Log, pick_device, save_json, seed_all
from .model import GFTConfig
from .pipeline import half_state, split_rows, write_checkpoint


def export_init(final, out):
    """A run's checkpoint or a .gguf model -> the transformer alone (fp16 weights, config,
    sampling defaults), for the trip. From a GGUF file the Q8_0 matrices come back
    dequantised: a fine starting point for more training."""
    if final.endswith(".gguf"):
        from .gguf_import import load_gguf
        m = load_gguf(final)
        kv = m.kv
        ck = dict(gft=m.gft.state_dict(), gft_cfg=dataclasses.asdict(m.gft.cfg), sampling=m.sampling,
                  name=kv.get("general.name", ""), license=kv.get("general.license", ""),
                  description=kv.get("general.description", ""))
    else:
        ck = torch.load(final, map_location="cpu")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save(dict(gft=half_state(ck["gft"]), gft_cfg=ck["gft_cfg"], sampling=ck.get("sampling"),
                    name=ck.get("name", ""), license=ck.get("license", ""),
                    description=ck.get("description", "")), out)
    return out


def known_words(items, rows, previous):
    """Every word of the trained rows' captions (with --all-concepts that takes in the held-out
    concepts' words, e.g. "kitty"), plus the previous list."""
    from .captions import all_caption_texts
    from .text import build_known_words
    return build_known_words(all_caption_texts([items[r] for r in rows]) + list(previous or []))


def main(argv=None):
    from .balance import family_weights, sampled_share, tone_family
    from .dataset import load_meta
    from .encode import load_codes_xz
    from .text import BPETokenizer
    from .train_gpt import CaptionFeeder, fixed_captions, null_prefix, train_gpt, val_bits

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--export-init", metavar="FINAL_PT", help="only write the transformer of a run to -o")
    ap.add_argument("-o", "--output")
    ap.add_argument("--init", help="transformer weights to start from (--export-init's file)")
    ap.add_argument("--codes", help="codes.npy.xz from gft.encode (same pack order)")
    ap.add_argument("--meta", help="the pack's meta.json.xz")
    ap.add_argument("--tokenizer", help="tokenizer.json from gft.prep")
    ap.add_argument("--out", help="run directory")
    ap.add_argument("--budget", type=float, default=480, help="training seconds")
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--val-every", type=float, default=40)
    ap.add_argument("--all-concepts", action="store_true", help="train on held-out concepts too")
    captions.add_language_args(ap)
    ap.add_argument("--balance", action="store_true",
                    help="one sampling share per skin-tone family of emoji (gft.balance)")
    ap.add_argument("--keep", choices=("best-val", "last"), default="best-val",
                    help="which weights to write: the best i.i.d. validation bits, or the last step "
                         "(validation bits punish reproducing the training images, which the judges reward)")
    ap.add_argument("--shard", action="store_true")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--max-steps", type=int, default=None, help="tests")
    a = ap.parse_args(argv)
    if a.export_init:
        print("wrote", export_init(a.export_init, a.output))
        return 0
    for k in ("init", "codes", "meta", "tokenizer", "out"):
        if not getattr(a, k):
            ap.error("--%s is required" % k)
    T0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    log = Log(os.path.join(a.out, "train.log"))
    seed_all(a.seed)
    captions.apply_language_args(a)  # before workers fork
    items, split = load_meta(a.meta)
    codes_np = load_codes_xz(a.codes)
    if codes_np.shape[1] != len(items):
        raise SystemExit("continue_gpt: %d code grids for %d items: not the same pack"
                         % (codes_np.shape[1], len(items)))
    train_rows, iid_rows, held_rows = split_rows(items, split)
    rows = train_rows + held_rows if a.all_concepts else train_rows
    tok = BPETokenizer.load(a.tokenizer)
    init = torch.load(a.init, map_location="cpu")
    gcfg = GFTConfig(**init["gft_cfg"])
    if gcfg.text_vocab != tok.vocab_size:
        raise SystemExit("continue_gpt: the tokenizer has %d ids, the model %d"
                         % (tok.vocab_size, gcfg.text_vocab))
    metrics = dict(mode="continue", init=os.path.basename(a.init), seed=a.seed, budget=a.budget,
                   lr=a.lr, all_concepts=a.all_concepts, p_english=a.p_english,
                   p_preferred=a.p_preferred, train_rows=len(rows), balance=a.balance, keep=a.keep,
                   torch=torch.__version__)
    weights = None
    if a.balance:
        weights = family_weights(items, rows)
        tone = sampled_share(items, rows, weights, lambda it: tone_family(it["concept"]) != it["concept"])
        metrics["skin_tone_share"] = round(tone, 4)
    feeder = CaptionFeeder(items, rows, tok, gcfg.text_ctx, a.batch, a.seed,
                           min(a.workers, max(0, (os.cpu_count() or 2) - 2)), n_var=codes_np.shape[0],
                           weights=weights)
    device = pick_device()
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        metrics["device"] = torch.cuda.get_device_name(0)
    else:
        torch.set_num_threads(int(os.environ.get("GFT_THREADS", "1")))
        metrics["device"] = "cpu"
    log("continue: %d items, %d training rows, %d variants, device %s, skin-tone share %s"
        % (len(items), len(rows), codes_np.shape[0], metrics["device"], metrics.get("skin_tone_share", "uniform")))
    codes = torch.from_numpy(codes_np.astype("int64")).to(device)
    T = gcfg.text_ctx
    vsets = {"val_iid": (codes[0, torch.tensor(iid_rows, device=device)],
                         fixed_captions(items, iid_rows, tok, T, seed=99))}
    if held_rows and not a.all_concepts:
        vsets["val_heldout"] = (codes[0, torch.tensor(held_rows, device=device)],
                                fixed_captions(items, held_rows, tok, T, seed=99))

    def val_fn(model):
        return {n: val_bits(model, c, tx, null_prefix(T), device, bg_code=0) for n, (c, tx) in vsets.items()}

    gpt, stats = train_gpt(codes, feeder, gcfg, budget_s=a.budget, lr=a.lr, wd=0.1, device=device,
                           log=log, seed=a.seed, val_fn=val_fn, val_every_s=a.val_every,
                           val_score=(lambda r: r["val_iid"]["bits_cond"]) if a.keep == "best-val" else None,
                           max_steps=a.max_steps,
                           init_weights=init["gft"])
    feeder.close()
    stats["params"] = gpt.n_params()
    stats["config"] = dataclasses.asdict(gcfg)
    stats["val"] = stats["val_history"][-1]["val"] if stats["val_history"] else None
    metrics["gpt"] = stats
    ck = dict(gft=half_state(gpt.state_dict()), gft_cfg=dataclasses.asdict(gcfg),
              tokenizer=tok.to_dict(), known_words=known_words(items, rows, tok.known_words),
              sampling=init.get("sampling"), name=init.get("name", ""),
              license=init.get("license", ""), description=init.get("description", ""))
    parts, digest = write_checkpoint(ck, a.out, a.shard)
    metrics["checkpoint"] = dict(parts=parts, sha256=digest)
    metrics["total_seconds"] = round(time.time() - T0, 1)
    save_json(os.path.join(a.out, "metrics.json"), metrics)
    log("done in %.0fs" % (time.time() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
