# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole training run in one process: tokenizer (VQ) -> encode -> transformer -> judge ->
evaluation -> checkpoint. Every stage has a wall-clock budget.

Tiers:
  gpu  one CUDA device, ~9 minutes in all (training/device_train.sh)
  cpu  2 cores, ~2 hours, resumable stage checkpoints (training/train.sh --cpu)
  dry  tiny sizes and budgets on CPU, to prove every code path before the GPU run

Outputs in --out: final.pt (export_gguf checkpoint format, plus the judge), metrics.json,
samples.pt (contact-sheet tokens), train.log; with --shard, final.pt is written as
final.pt.partNN files of <= 15 MiB instead (the GPU machine returns at most 16 MiB per file).

  cd training && python3 -m gft.pipeline --tier dry --out runs/dry
"""
import argparse
import dataclasses
import hashlib
import io
import os
import sys
import time

import numpy as np
import torch

from .common import Log, all_cores, pick_device, save_json, seed_all
from .model import GFTConfig
from .vq import VQConfig

TIERS = {
    "gpu": dict(  # sized for one ~9.5-minute call on one H100/H200 (the session's device time is short)
        vq=dict(enc_channels=(32, 64, 128, 256), enc_input=128, bg_code=0),
        vq_budget=140, vq_batch=128, vq_lr=4e-4,
        gpt=dict(n_embd=384, n_layer=10, n_head=6, n_ff=1536, dropout=0.1),
        gpt_budget=300, gpt_batch=256, gpt_lr=8e-4, gpt_wd=0.1, workers=8, n_aug=4, val_every=40,
        judge_budget=25, judge_width=(48, 96, 192, 256), judge_batch=512, deadline=530,
        reserve_after_gpt=85,
        n_seen=64, sweep_seeds=(0, 1), final_seeds=(0, 1, 2, 3),
        sweep=dict(guidances=(2.0, 3.0, 4.0, 6.0), temperatures=(0.9, 1.0), top_ks=(0, 100)),
        max_images=None),
    "cpu": dict(
        vq=dict(dec_channels=(128, 64, 32, 32), enc_channels=(32, 64, 128), n_groups=8, bg_code=0),
        vq_budget=2400, vq_batch=16, vq_lr=5e-4,
        gpt=dict(n_embd=256, n_layer=6, n_head=4, n_ff=1024, dropout=0.1),
        gpt_budget=3600, gpt_batch=32, gpt_lr=1e-3, gpt_wd=0.1, workers=0, n_aug=2, val_every=None,
        judge_budget=600, judge_width=(32, 64, 128, 192), judge_batch=128, deadline=None,
        reserve_after_gpt=0,
        n_seen=24, sweep_seeds=(0,), final_seeds=(0, 1),
        sweep=dict(guidances=(1.0, 3.0, 5.0), temperatures=(1.0,), top_ks=(0,)),
        max_images=None),
    "dry": dict(
        vq=dict(dec_channels=(32, 16, 16, 16), enc_channels=(8, 16, 32, 32), n_groups=8, enc_input=128,
                bg_code=0),
        vq_budget=20, vq_batch=8, vq_lr=1e-3,
        gpt=dict(n_embd=64, n_layer=2, n_head=4, n_ff=128, dropout=0.1),
        gpt_budget=25, gpt_batch=8, gpt_lr=1e-3, gpt_wd=0.1, workers=2, n_aug=2, val_every=8,
        judge_budget=10, judge_width=(8, 16, 16, 32), judge_batch=32, deadline=None,
        reserve_after_gpt=0,
        n_seen=4, sweep_seeds=(0, 1), final_seeds=(0, 1),
        sweep=dict(guidances=(1.0, 3.0), temperatures=(1.0,), top_ks=(0, 50)),
        max_images=600),
}
# The GPU tier's sizes with tiny budgets and data: proves the GPU script's code paths on CPU.
TIERS["gpu-dry"] = dict(
    TIERS["gpu"], vq_budget=8, vq_batch=4, gpt_budget=8, gpt_batch=4, workers=2, judge_budget=6,
    val_every=3,
    judge_batch=16, deadline=None, reserve_after_gpt=0, n_seen=2, sweep_seeds=(0,),
    final_seeds=(0, 1), sweep=dict(guidances=(1.0, 3.0), temperatures=(1.0,), top_ks=(0,)),
    max_images=300, contact_n=2, max_per_set=2)

SHARD_BYTES = 15 * 1024 * 1024


def split_rows(items, split, frac_iid=0.02):
    """train rows for both stages; an i.i.d. validation set of images held out of the
    transformer (their concepts are seen in other styles); held-out-concept rows."""
    train, iid, held = [], [], []
    for i, it in enumerate(items):
        if split[i] != 0:
            held.append(i)
            continue
        h = int(hashlib.sha1(it["id"].encode()).hexdigest()[:8], 16) / 2**32
        (iid if h < frac_iid else train).append(i)
    return train, iid, held


def write_checkpoint(ck, out, shard):
    buf = io.BytesIO()
    torch.save(ck, buf)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if not shard:
        with open(os.path.join(out, "final.pt"), "wb") as f:
            f.write(data)
        return [("final.pt", len(data))], digest
    return write_shards(data, out, "final.pt"), digest


def write_shards(data, out, name):
    """data -> <out>/<name>.partNN files of <= SHARD_BYTES; -> [(file name, bytes), ...]."""
    parts = []
    for k in range(0, len(data), SHARD_BYTES):
        part = "%s.part%02d" % (name, k // SHARD_BYTES)
        with open(os.path.join(out, part), "wb") as f:
            f.write(data[k:k + SHARD_BYTES])
        parts.append((part, min(SHARD_BYTES, len(data) - k)))
    return parts


def resume_args(a, stage, log):
    """--resume: stage state is saved every 10 minutes to <out>/state_<stage>.pt and
    picked up again on the next start (a finished stage just runs out of budget at once)."""
    if not a.resume:
        return {}
    path = os.path.join(a.out, "state_%s.pt" % stage)

    def save(state):
        torch.save(state, path + ".tmp")
        os.replace(path + ".tmp", path)

    state = torch.load(path, map_location="cpu") if os.path.exists(path) else None
    if state is not None:
        log("resuming", stage, "from", path)
    return dict(state=state, save_cb=save, save_every_s=600)


def half_state(sd, keep_fp32=("quantizer.",)):
    return {k: (v if k.startswith(keep_fp32) or not v.is_floating_point() else v.half())
            for k, v in sd.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description="train the default model (all stages)")
    ap.add_argument("--tier", choices=sorted(TIERS), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pack", default=None, help="pack dir (default <repo>/.devdata/pack)")
    ap.add_argument("--cache", default=None, help="use the render cache dir instead of a pack")
    ap.add_argument("--tokenizer", default=None, help="tokenizer.json from gft.prep (else trained here)")
    ap.add_argument("--shard", action="store_true", help="write final.pt as <= 15 MiB parts")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--resume", action="store_true", help="save/resume stage states in --out")
    ap.add_argument("--time-scale", type=float, default=1.0, help="multiply every budget")
    a = ap.parse_args(argv)
    T0 = time.time()
    tier = TIERS[a.tier]
    os.makedirs(a.out, exist_ok=True)
    log = Log(os.path.join(a.out, "train.log"))
    seed_all(a.seed)
    ts = a.time_scale
    deadline = T0 + tier["deadline"] * ts if tier["deadline"] else None
    metrics = dict(tier=a.tier, seed=a.seed, torch=torch.__version__)

    # ---- data (CPU) and caption workers, before CUDA starts -------------------------------
    from .captions import all_caption_texts
    from .dataset import load_cache, load_pack
    from .text import BPETokenizer, build_known_words, train_bpe
    from .train_gpt import CaptionFeeder

    images, items, split = load_cache(a.cache) if a.cache else load_pack(a.pack)
    if tier["max_images"] and len(images) > tier["max_images"]:
        keep = np.random.RandomState(0).choice(len(images), tier["max_images"], replace=False)
        keep.sort()
        images, items, split = images[keep], [items[i] for i in keep], split[keep]
    train_rows, iid_rows, held_rows = split_rows(items, split)
    log("data: %d images, %d concepts; train %d, iid-val %d, held-out-concept %d"
        % (len(images), len({it["concept"] for it in items}), len(train_rows), len(iid_rows),
           len(held_rows)))
    metrics["data"] = dict(images=len(images), concepts=len({it["concept"] for it in items}),
                           train=len(train_rows), val_iid=len(iid_rows), val_heldout=len(held_rows))
    if a.tokenizer:
        tok = BPETokenizer.load(a.tokenizer)
        known = tok.known_words
    else:
        texts = all_caption_texts([items[i] for i in train_rows])
        tok = train_bpe(texts, 4096 if a.tier != "dry" else 600)
        known = build_known_words(texts)
    log("tokenizer: vocab %d, %d known words" % (tok.vocab_size, len(known)))
    gcfg = GFTConfig(text_vocab=tok.vocab_size, **tier["gpt"])
    gpt_rows = train_rows
    feeder = CaptionFeeder(items, gpt_rows, tok, gcfg.text_ctx, tier["gpt_batch"], a.seed,
                           min(tier["workers"], max(0, (os.cpu_count() or 2) - 2)),
                           n_var=2 + tier["n_aug"])

    device = pick_device()
    if device.type == "cpu":
        torch.set_num_threads(int(os.environ.get("GFT_THREADS", "1")))
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
        metrics["device"] = torch.cuda.get_device_name(0)
    else:
        metrics["device"] = "cpu (%d threads)" % torch.get_num_threads()
    log("device:", metrics["device"], "torch", torch.__version__)
    images_t = torch.from_numpy(images)
    if device.type == "cuda":
        images_t = images_t.to(device)

    # ---- stage 1: VQ ------------------------------------------------------------------------
    from .encode import encode_all
    from .train_vq import eval_vq, train_vq

    vcfg = VQConfig(**tier["vq"])
    t = time.time()
    vq, vq_stats = train_vq(images_t, torch.tensor(train_rows + iid_rows), vcfg,
                            budget_s=tier["vq_budget"] * ts, batch=tier["vq_batch"],
                            lr=tier["vq_lr"], device=device, log=log, seed=a.seed,
                            **resume_args(a, "vq", log))
    vq_stats["wall_seconds"] = round(time.time() - t, 1)
    held_eval = torch.tensor(held_rows if held_rows else iid_rows)
    vq_stats["heldout"] = eval_vq(vq, images_t, held_eval, device)
    log("vq held-out:", vq_stats["heldout"])
    t = time.time()
    flip_ok = torch.tensor([bool(it.get("flip_ok", False)) for it in items])
    with all_cores(device):
        codes, code_stats = encode_all(vq, images_t, device, flip_ok=flip_ok, n_aug=tier["n_aug"],
                                       seed=a.seed)
    code_stats["variants"] = int(codes.shape[0])
    code_stats["encode_seconds"] = round(time.time() - t, 1)
    vq_stats["codebook"] = code_stats
    log("codes:", code_stats)
    metrics["vq"] = vq_stats

    # ---- stage 2: transformer --------------------------------------------------------------
    from .train_gpt import fixed_captions, null_prefix, train_gpt, val_bits

    budget = tier["gpt_budget"] * ts
    if deadline:
        budget = min(budget, deadline - time.time() - tier["reserve_after_gpt"] * ts)
    log("gpt budget %.0fs" % budget)
    bg = code_stats["background_code"]
    T = gcfg.text_ctx
    vsets = {}
    for name, rows in (("val_iid", iid_rows), ("val_heldout", held_rows)):
        if rows:
            vsets[name] = (codes[0, torch.tensor(rows, device=codes.device)],
                           fixed_captions(items, rows, tok, T, seed=99))

    def val_fn(model):
        return {n: val_bits(model, c, tx, null_prefix(T), device, bg_code=bg) for n, (c, tx) in vsets.items()}

    t = time.time()
    gpt, gpt_stats = train_gpt(codes, feeder, gcfg, budget_s=budget, lr=tier["gpt_lr"],
                               wd=tier["gpt_wd"], device=device, log=log, seed=a.seed,
                               val_fn=val_fn if vsets else None, val_every_s=tier["val_every"],
                               val_score=lambda r: sum(v["bits_cond"] for v in r.values()),
                               **resume_args(a, "gpt", log))
    feeder.close()
    gpt_stats["wall_seconds"] = round(time.time() - t, 1)
    gpt_stats["params"] = gpt.n_params()
    gpt_stats["config"] = dataclasses.asdict(gcfg)
    gpt_stats["val"] = val_fn(gpt)
    log("gpt val:", gpt_stats["val"])
    metrics["gpt"] = gpt_stats

    ck = dict(gft=half_state(gpt.state_dict()) if a.shard else gpt.state_dict(),
              gft_cfg=dataclasses.asdict(gcfg),
              vq=half_state(vq.state_dict()) if a.shard else vq.state_dict(),
              vq_cfg=dataclasses.asdict(vcfg),
              tokenizer=tok.to_dict(), known_words=list(known),
              sampling=dict(temperature=1.0, top_k=0, top_p=1.0, guidance=3.0),
              name="gft-emoji", license="CC-BY-4.0",
              description="Generate from Text default model: text -> 128 px emoji-style RGBA")

    def save_all():
        parts, digest = write_checkpoint(ck, a.out, a.shard)
        metrics["checkpoint"] = dict(parts=parts, sha256=digest)
        metrics["total_seconds"] = round(time.time() - T0, 1)
        save_json(os.path.join(a.out, "metrics.json"), metrics)

    save_all()  # the weights are safe before evaluation starts
    log("checkpoint written (%.0fs since start)" % (time.time() - T0))

    # ---- judge and generation metrics ---------------------------------------------------------
    try:
        evaluate_generation(a, tier, ts, deadline, log, metrics, ck, items, images_t, codes,
                            gpt, vq, tok, gpt_rows, split, device)
    except Exception as e:  # keep the trained weights even if an evaluation step breaks
        import traceback
        traceback.print_exc()
        log("evaluation failed:", repr(e))
        metrics["eval_error"] = repr(e)
    save_all()
    log("done in %.0fs" % (time.time() - T0))
    return 0


def evaluate_generation(a, tier, ts, deadline, log, metrics, ck, items, images_t, codes, gpt, vq,
                        tok, gpt_rows, split, device):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from eval.evaluate import build_prompt_sets, pick_defaults, run_set, sampling_grid, sweep
    from eval.judge import judge_labels, train_judge
    from eval.prompts import CONTACT_SHEET

    from .common import judge_input, premultiply

    # judge inputs: real images and their VQ reconstructions, 64 px premultiplied fp16
    real, recon = [], []
    g = gpt.cfg.grid_h
    with torch.no_grad(), all_cores(device):
        for i in range(0, len(images_t), 256):
            x = premultiply(images_t[i:i + 256].to(device))
            real.append(judge_input(x).half())
            rc = vq.decode_indices(codes[0, i:i + 256].view(-1, g, g)).float()
            recon.append(judge_input(rc).half())
    real, recon = torch.cat(real), torch.cat(recon)
    judge, names, jstats = train_judge(real, recon, items, budget_s=tier["judge_budget"] * ts,
                                       device=device, log=log, width=tier["judge_width"],
                                       batch=tier["judge_batch"])
    del real, recon
    metrics["judge"] = jstats
    ck["judge"] = {k: v.half() if v.is_floating_point() else v for k, v in judge.state_dict().items()}
    ck["judge_classes"] = names
    ck["judge_width"] = list(tier["judge_width"])
    class_index = {n: i for i, n in enumerate(names)}

    sets = build_prompt_sets(items, split, gpt_rows, n_seen=tier["n_seen"])
    if tier.get("max_per_set"):
        sets = {k: v[:tier["max_per_set"]] for k, v in sets.items()}
    metrics["prompt_sets"] = {k: len(v) for k, v in sets.items()}
    grid = sampling_grid(**tier["sweep"])
    rows = []
    sweep_sets = ("seen_en", "seen_lang", "paraphrase", "other_lang")
    t = time.time()
    for s in grid:
        if deadline and time.time() > deadline - 30 * ts:
            log("sweep stopped early: time")
            break
        rows += sweep(gpt, vq, judge, class_index, tok, sets, [s], list(tier["sweep_seeds"]),
                      device, log, sweep_sets)
    metrics["sweep"] = rows
    metrics["sweep_seconds"] = round(time.time() - t, 1)
    best = pick_defaults(rows) or dict(guidance=3.0, temperature=1.0, top_k=0, top_p=1.0)
    ck["sampling"] = best
    metrics["sampling_defaults"] = best
    log("sampling defaults:", best)

    final = {}
    seeds = list(tier["final_seeds"])
    for name, entries in sets.items():
        if not entries:
            continue
        r, _ = run_set(gpt, vq, judge, class_index, tok, entries, seeds, best, device)
        final[name] = r
        log("recognisability", name, r)
    # chance level: a uniformly random concept
    final["chance_top1"] = round(1.0 / len(names), 5)
    metrics["recognisability"] = final
    from eval.evaluate import sample_images
    sheet = CONTACT_SHEET[:tier.get("contact_n", len(CONTACT_SHEET))]
    toks, _ = sample_images(gpt, vq, tok, sheet, [0, 1, 2, 3], best, device)
    torch.save(dict(prompts=sheet, seeds=[0, 1, 2, 3], tokens=toks.to(torch.int16),
                    sampling=best), os.path.join(a.out, "samples.pt"))


if __name__ == "__main__":
    sys.exit(main())
