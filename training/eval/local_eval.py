# SPDX-License-Identifier: GPL-3.0-or-later
"""Generation metrics on the CPU for a finished model, judged by the training-free
nearest-real-image judge (eval/knn_judge.py): a guidance / temperature / top-k sweep and
recognisability per prompt set at the chosen defaults. Writes <run>/local_eval.json.
With --cnn-judge RUN/final.pt the CNN judge of a pipeline run (eval/judge.py, real images only)
names every image too: cnn_top1 / cnn_top5 / cnn_rank.

Images come from the C engine (`gft generate`, the shipped sampler with its PCG32 seeds) when
--engine and --model are given, else from the PyTorch checkpoint (slow on CPU).

  cd training && python3 -m eval.local_eval --run runs/gpu --engine ../build/cli/gft \
      --model /tmp/m.gguf
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch

from gft.common import Log
from gft.dataset import load_pack
from gft.model import GFT, GFTConfig
from gft.pipeline import split_rows
from gft.text import BPETokenizer
from gft.vq import vq_from_checkpoint

from .evaluate import build_prompt_sets, diversity, parse_setting, pick_defaults, sample_images, sampling_grid
from .judge import load_judge, naming_scores
from .knn_judge import KNNJudge, features


def load_models(final):
    ck = torch.load(final, map_location="cpu")
    gpt = GFT(GFTConfig(**ck["gft_cfg"]))
    gpt.load_state_dict({k: v.float() for k, v in ck["gft"].items()})
    tok = BPETokenizer.from_dict(ck["tokenizer"])
    return gpt.eval(), vq_from_checkpoint(ck), tok, ck


MAX_VARIATIONS = 16  # the most `gft generate --variations` takes


def decoder_size(model):
    """(height, width) of the pictures the model file's VQ decoder paints (before any upscaler):
    the token grid doubled once per decoder level after the first."""
    from gft.gguf_writer import GGUFFile
    kv = GGUFFile(model).kv
    up = 2 ** (len(kv["gft.dec.channels"]) - 1)
    return kv["gft.image.grid_h"] * up, kv["gft.image.grid_w"] * up


def engine_images(engine, model, workdir, threads, prompts, seeds, sampling, candidates=None, literal=False):
    """Premultiplied float images [P*S, 4, 128, 128] from `gft generate` (prompt-major);
    seeds are consecutive (seed, seed+1, ...), as `gft generate --seed S -v N` draws them.
    The pictures are the decoder's own (`--native-size`): the judges and the reranker look at
    that size, and a file's upscaler changes only the sharpness, not the drawing.
    candidates: best of how many (`--candidates`); None keeps the file's default. literal: the
    prompts as typed (`--literal`), not read through the file's lexicon."""
    import hashlib
    import shutil
    import subprocess

    from PIL import Image

    from gft.common import premultiply
    out = []
    # cached per model file (size, mtime) and setting, so reruns only re-score
    st = os.stat(model)
    key = "m%d-%d_s%d_g%g_t%g_k%d_p%g_native" % (st.st_size, int(st.st_mtime), seeds[0], sampling["guidance"],
                                          sampling["temperature"], sampling["top_k"], sampling["top_p"])
    extra = []
    if candidates is not None:
        key += "_c%d" % candidates
        extra = ["--candidates", str(candidates)]
    if literal:
        key += "_lit"
        extra.append("--literal")
    if "guidance_ramp" in sampling:  # else the file's own
        key += "_r%d" % sampling["guidance_ramp"]
        extra += ["--guidance-ramp", str(int(sampling["guidance_ramp"]))]
    # and per engine: another build, or GFT_NO_INT8, draws other pictures for the same file
    exe = shutil.which(engine) or engine
    est = os.stat(exe) if os.path.exists(exe) else None
    ident = "%s|%d|%s" % (os.path.realpath(exe), est.st_mtime_ns if est else 0, os.environ.get("GFT_NO_INT8", ""))
    key += "_e" + hashlib.sha1(ident.encode()).hexdigest()[:8]
    d = os.path.join(workdir, "local_eval_images", key)
    os.makedirs(d, exist_ok=True)
    for p in prompts:
        stem = os.path.join(d, hashlib.sha1(p.encode()).hexdigest()[:12])
        # consecutive seeds in runs of at most MAX_VARIATIONS, each one `gft generate -v` call
        for c in range(0, len(seeds), MAX_VARIATIONS):
            run = seeds[c:c + MAX_VARIATIONS]
            base = stem + (".png" if c == 0 else "_%d.png" % run[0])
            names = [base] if len(run) == 1 else [base[:-4] + "-%d.png" % (k + 1) for k in range(len(run))]
            if not all(os.path.exists(n) for n in names):
                r = subprocess.run([engine, "generate", "-m", model, "-p", p, "--seed", str(run[0]),
                                    "-v", str(len(run)), "-t", str(threads), "-q", "-o", base,
                                    "--guidance", str(sampling["guidance"]),
                                    "--temperature", str(sampling["temperature"]),
                                    "--top-k", str(sampling["top_k"]), "--top-p", str(sampling["top_p"]),
                                    "--native-size"] + extra,
                                   capture_output=True, text=True)
                if r.returncode != 0:  # its warnings (words the model never saw) would flood logs
                    raise RuntimeError("gft generate -p %r: %s" % (p, r.stderr.strip()))
            for n in names:
                out.append(np.asarray(Image.open(n).convert("RGBA")))
    want = decoder_size(model)
    if any(o.shape[:2] != want for o in out):
        raise RuntimeError("gft generate drew %s pictures where the judges need the decoder's %s"
                           % (sorted({o.shape[:2] for o in out}), want))
    return premultiply(torch.from_numpy(np.stack(out)))


def add_engine_check_args(ap, prompts_help, seeds):
    """The options of the checks that draw a TSV file's prompts with the C engine for several
    model files and name the pictures with the CNN judge (eval.colour_check, eval.style_check)."""
    ap.add_argument("--engine", required=True)
    ap.add_argument("--model", action="append", required=True, help="LABEL=PATH (repeatable)")
    ap.add_argument("--prompts", required=True, help=prompts_help)
    ap.add_argument("--judge", required=True, help="the CNN judge")
    ap.add_argument("--pack", default=None, help="the pack whose meta names the emoji (default: the dev pack)")
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=seeds)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--output", default=None)


def engine_check_setup(argv, doc, prompts_help, seeds):
    """Parses add_engine_check_args' options -> (options, {emoji: concept} of the pack, the CNN
    judge, its class index)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    add_engine_check_args(ap, prompts_help, seeds)
    a = ap.parse_args(argv)
    judge, index = load_judge(a.judge)
    return a, pack_emoji_concepts(a.pack), judge, index


def pack_emoji_concepts(pack):
    """{emoji: concept} of a pack's meta (None: the dev pack, .devdata/pack)."""
    from gft.dataset import load_meta

    from .evaluate import emoji_concepts
    pack = pack or os.path.join(os.path.dirname(__file__), "..", "..", ".devdata", "pack")
    return emoji_concepts(load_meta(os.path.join(pack, "meta.json.xz"))[0])


def per_model_checks(a, prompts, judge_one, summarise):
    """The figures of add_engine_check_args' checks: {label: dict(model, seeds, prompts={prompt:
    judge_one(index of the prompt, its pictures)}, **summarise(prompts' figures))} for each --model
    LABEL=PATH, each prompt drawn by the C engine at the file's defaults on --seeds seeds from
    --seed (premultiplied float images [seeds, 4, H, W])."""
    import tempfile

    from gft.gguf_import import sampling_defaults
    from gft.gguf_writer import GGUFFile
    seeds = list(range(a.seed, a.seed + a.seeds))
    result = {}
    for spec in a.model:
        label, path = spec.split("=", 1)
        sampling = sampling_defaults(GGUFFile(path).kv)
        with tempfile.TemporaryDirectory() as tmp:
            per = {p: judge_one(i, engine_images(a.engine, path, tmp, a.threads, [p], seeds, sampling).float())
                   for i, p in enumerate(prompts)}
        result[label] = dict(model=os.path.abspath(path), seeds=[seeds[0], seeds[-1]], prompts=per, **summarise(per))
    return result


def score(judge, entries, seeds, sampling, gpt, vq, tok, dev, engine=None, cnn=None):
    prompts = [e[0] for e in entries]
    targets = [e[1] for e in entries for _ in seeds]
    if engine:
        imgs = engine_images(*engine, prompts, seeds, sampling)
    else:
        _, imgs = sample_images(gpt, vq, tok, prompts, seeds, sampling, dev,
                                batch=len(prompts) * len(seeds))
    top1, top5 = judge.score(imgs.float(), targets)
    out = dict(n=len(targets), top1=round(top1, 4), top5=round(top5, 4),
               rank_pct=round(judge.rank_percentile(imgs.float(), targets), 4))
    if cnn:
        c1, c5, cr = naming_scores(cnn[0], cnn[1], imgs.float(), targets)
        out.update(cnn_top1=round(c1, 4), cnn_top5=round(c5, 4), cnn_rank=round(cr, 4))
    # control: the same images scored against another prompt's concept (prompts rolled by one)
    S = len(seeds)
    rolled = targets[S:] + targets[:S]
    out["rank_pct_mismatched"] = round(judge.rank_percentile(imgs.float(), rolled), 4)
    if len(seeds) > 1:
        out["diversity"] = round(diversity(features(imgs.float()), len(seeds)), 4)
    cover = (imgs[:, 3].float() > 0.5).flatten(1).float().mean(1)
    out["empty_frac"] = round((cover < 0.02).float().mean().item(), 4)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--pack", default=None)
    ap.add_argument("--per-set", type=int, default=12, help="prompts per set in the sweep")
    ap.add_argument("--final-per-set", type=int, default=24, help="0: the sweep only")
    ap.add_argument("--guidances", default="1,2,3,5,8")
    ap.add_argument("--top-ks", default="0")
    ap.add_argument("--temperatures", default="1.0")
    ap.add_argument("--extra", default="", help="more settings g:t:k;g:t:k")
    ap.add_argument("--final", default="", help="g:t:k: judge the prompt sets at this setting "
                    "(e.g. the shipped defaults) instead of the sweep's best")
    ap.add_argument("--engine")
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cnn-judge", default=None, help="a pipeline run's final.pt holding the CNN judge")
    ap.add_argument("--seed", type=int, default=0, help="each prompt is drawn with seeds SEED and SEED+1")
    a = ap.parse_args(argv)
    seeds = [a.seed, a.seed + 1]
    cnn = load_judge(a.cnn_judge) if a.cnn_judge else None
    torch.set_num_threads(int(os.environ.get("GFT_THREADS", "2")))
    log = Log(os.path.join(a.run, "local_eval.log"))
    dev = torch.device("cpu")
    if a.engine:
        gpt = vq = tok = None
        engine = (a.engine, a.model, a.run, a.threads)
    else:
        gpt, vq, tok, ck = load_models(os.path.join(a.run, "final.pt"))
        engine = None
    images, items, split = load_pack(a.pack)
    train_rows, iid_rows, held_rows = split_rows(items, split)
    judge = KNNJudge(torch.from_numpy(images), items)
    rng = random.Random(3)
    sample_rows = rng.sample(range(len(items)), 2000)
    c1, c5 = judge.ceiling(sample_rows)
    out = dict(judge="nearest real image, 24 px pixel space", judge_ceiling=dict(
        rows=len(sample_rows), top1=round(c1, 4), top5=round(c5, 4),
        chance_top1=round(1 / len(judge.index), 6)))
    log("knn judge ceiling (leave-one-out, real images):", out["judge_ceiling"])
    sets = build_prompt_sets(items, split, train_rows, n_seen=64)
    sweep_entries = [e for n in ("seen_en", "paraphrase", "other_lang") for e in sets[n][:a.per_set]]
    grid = sampling_grid([float(x) for x in a.guidances.split(",")],
                         [float(x) for x in a.temperatures.split(",")],
                         [int(x) for x in a.top_ks.split(",")])
    grid += [parse_setting(e) for e in filter(None, a.extra.split(";"))]
    rows = []
    for s in grid:
        t = time.time()
        r = dict(s, **score(judge, sweep_entries, seeds, s, gpt, vq, tok, dev, engine, cnn))
        rows.append(r)
        log("sweep %s (%.0fs)" % (json.dumps(r), time.time() - t))
        out["sweep"] = rows
        json.dump(out, open(os.path.join(a.run, "local_eval.json"), "w"), indent=1, ensure_ascii=False)
    best = pick_defaults(rows, key="rank_pct", tol=0.005)
    out["sampling_defaults"] = best
    log("defaults:", best)
    final = best
    if a.final:
        final = parse_setting(a.final)
    out["recognisability_sampling"] = final
    rec = {}
    for name, entries in sets.items() if a.final_per_set > 0 else ():
        r = score(judge, entries[:a.final_per_set], seeds, final, gpt, vq, tok, dev, engine, cnn)
        rec[name] = r
        log("recognisability", name, r)
        out["recognisability"] = rec
        json.dump(out, open(os.path.join(a.run, "local_eval.json"), "w"), indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
