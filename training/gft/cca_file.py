# SPDX-License-Identifier: GPL-3.0-or-later
"""CCA (gft.cca) that starts from a model file and keeps the checkpoint the independent judge
likes best: the GPU recipe of models/MODEL_CARD.md, "How to get a better model".

Why: on the CPU, CCA rounds past the shipped one kept raising the caption margin while the
pictures got worse, and nobody could tell when to stop except by eye. Here every
--every steps the current weights draw the evaluation prompt sets (seen names,
their other-language names, hand-written paraphrases and other-language prompts; the first
--select-prompts of each) at the file's own sampling defaults, background rule included, and the
CNN judge (eval/judge.py, trained on real images only) names each picture. The score is the
share named right, top-1 + top-5; ties go to the higher mean rank of the intended concept. The start is judged too, so the best can be the start.
With --guard a checkpoint is kept only if no prompt set's mean rank fell below the start's (the
GPU round picked by the sum lost "红苹果" while the English prompts gained).
At the end the start and the best are judged again on other prompts (the next
--select-prompts of each set) and other seeds, to report a figure the choice did not see.

--p-english and --p-preferred set the caption languages of the training pairs as in
gft.continue_gpt (by default a non-English caption is in any of emojibase's ~25 languages, so
Chinese gets under 3 % of the pairs). --engine draws the judged pictures with the C engine (one
sample each, the file's sampling defaults) from the weights exported to a temporary file: on
2 CPU cores that is 4-5 times as fast as the PyTorch sampler.

--objective picks what trains: CCA (default), gft.lang_distill, or gft.self_train (the model
learns its own pictures that the judge names right; it lowered the judge's figures on the GPU).

Everything comes from the model file (transformer, VQ decoder, tokenizer, known words,
sampling defaults), plus the pack's meta and code grids for the training pairs and the judge
(eval.judge.save_judge's small file). Writes <out>/cand.gguf (Q8_0, like the shipped file;
with --shard as cand.gguf.partNN of <= 15 MiB), metrics.json and train.log.

  cd training && python3 -m gft.cca_file --model ../models/gft-emoji.gguf \\
      --codes runs/codes-gpu2/codes-gpu2.npy.xz --meta ../.devdata/pack/meta.json.xz \\
      --judge runs/judge/judge-gpu2.pt --out runs/cca-file --budget 300 --every 50
"""
import argparse
import copy
import os
import sys
import time

import torch

from . import captions, lexicon
from .common import all_cores, pick_device, save_json, start_run

SETS = ("seen_en", "seen_lang", "paraphrase", "other_lang")


class JudgedCheckpoints:
    """checkpoint(model, step) callback for gft.cca.finetune: judges samples, keeps the best."""

    def __init__(self, decoder, codebook, tok, sampling, background, judge, class_index, prompts, seeds,
                 log, batch=512, guard=False, engine=None, export=None, save_dir=None):
        self.decoder, self.codebook, self.tok = decoder, codebook, tok
        self.sampling, self.background = sampling, background
        self.judge, self.class_index = judge, class_index
        self.prompts, self.seeds, self.log, self.batch = prompts, seeds, log, batch
        self.guard = guard
        # with an engine, pictures come from `gft generate` on the exported weights (export(model,
        # path) writes a model file): on 2 CPU cores it draws them 4-5 times as fast as PyTorch
        self.engine, self.export = engine, export
        self.save_dir = save_dir  # every judged checkpoint's model file goes here (export needed)
        if save_dir:
            os.makedirs(save_dir, exist_ok=True)
        self.history, self.best, self.best_state, self.best_step = [], None, None, None
        self.judge_seconds, self.last_sets = 0.0, {}

    def score(self, model, prompts, seeds):
        """(top-1 share, top-5 share, mean rank) of the judge's naming, over prompts x seeds.
        prompts: (prompt, concept, set name) triples; the same three figures per set are left in
        self.last_sets. Sampling and judging are inference: on the CPU they use every core."""
        with torch.no_grad(), all_cores(self.codebook.device):
            each = self._engine_each(model, prompts, seeds) if self.engine else self._torch_each(model, prompts, seeds)
        each = each.double()  # [prompts x seeds, 3]
        sets = [name for _, _, name in prompts for _ in seeds]
        self.last_sets = {name: [round(v, 4) for v in each[[k for k, n in enumerate(sets) if n == name]].mean(0).tolist()]
                          for name in dict.fromkeys(sets)}
        return tuple(each.mean(0).tolist())

    def _engine_each(self, model, prompts, seeds):
        """Per picture (top-1, top-5, rank) [prompts x seeds, 3], drawn by the C engine, one sample each."""
        import tempfile

        from eval.judge import naming_each
        from eval.local_eval import engine_images
        targets = [c for _, c, _ in prompts for _ in seeds]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "judged.gguf")
            self.export(model, path)
            imgs = engine_images(self.engine, path, tmp, os.cpu_count() or 1, [p for p, _, _ in prompts], seeds,
                                 self.sampling, candidates=1)
        each = []
        for i in range(0, len(imgs), self.batch):
            t1, t5, r = naming_each(self.judge, self.class_index, imgs[i:i + self.batch].to(self.codebook.device),
                                    targets[i:i + self.batch])
            each.append(torch.stack([t1, t5, r], 1).cpu())
        return torch.cat(each)

    def _torch_each(self, model, prompts, seeds):
        """Per picture (top-1, top-5, rank) [prompts x seeds, 3], drawn by the PyTorch reference."""
        from eval.judge import naming_each

        from .batch_sample import generate
        from .sample import decode_tokens
        from .train_gpt import null_prefix
        dev = self.codebook.device
        T, cfg = model.cfg.text_ctx, model.cfg
        ids = torch.tensor([self.tok.prefix(p, T) for p, _, _ in prompts for _ in seeds], dtype=torch.long)
        targets = [c for _, c, _ in prompts for _ in seeds]
        null = torch.tensor(null_prefix(T), dtype=torch.long, device=dev)
        gen = torch.Generator(device=dev)
        each = []
        for i in range(0, len(ids), self.batch):
            gen.manual_seed(1000 * (seeds[0] + 1) + i)
            s = self.sampling
            toks = generate(model, ids[i:i + self.batch].to(dev), null, guidance=s["guidance"],
                            temperature=s["temperature"], top_k=s["top_k"], top_p=s["top_p"], generator=gen,
                            background=self.background)
            premul, _ = decode_tokens((self.decoder, self.codebook), toks, cfg.grid_h, cfg.grid_w)
            t1, t5, r = naming_each(self.judge, self.class_index, premul.permute(0, 3, 1, 2).float(),
                                    targets[i:i + self.batch])
            each.append(torch.stack([t1, t5, r], 1).cpu())
        return torch.cat(each)

    def __call__(self, model, step):
        if self.history and self.history[-1]["step"] == step:
            return
        t = time.time()
        top1, top5, rank = self.score(model, self.prompts, self.seeds)
        self.judge_seconds = time.time() - t
        rec = dict(step=step, top1=round(top1, 4), top5=round(top5, 4), rank=round(rank, 4),
                   score=round(top1 + top5, 4), judge_seconds=round(self.judge_seconds, 1),
                   sets=self.last_sets)
        if self.save_dir:
            self.export(model, os.path.join(self.save_dir, "step-%d.gguf" % step))
        lost = self.lost_sets(rec["sets"])
        rec["lost_sets"] = lost
        self.history.append(rec)
        # the named shares decide; with a few hits they often tie, and then the mean rank does
        better = self.best is None or (rec["score"], rec["rank"]) > (self.best["score"], self.best["rank"])
        better = better and not lost
        if better:
            self.best, self.best_step = rec, step
            self.best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        self.log("judged step %d: top-1 %.3f top-5 %.3f rank %.3f%s%s  [%s]"
                 % (step, top1, top5, rank, "  (best so far)" if better else "",
                    "  (guard: %s below the start)" % ", ".join(lost) if lost else "", per_set(self.last_sets)))

    def lost_sets(self, sets):
        """With the guard on: the prompt sets whose mean rank fell below the first judging's (the
        start's). A checkpoint with any such set is never kept, so a gain on the sum cannot hide a
        loss in one language (the GPU round's "红苹果"). The rank, not the named share, because a
        set's share moves by whole hits of a few dozen pictures."""
        if not self.guard or not self.history:
            return []
        start = self.history[0]["sets"]
        return [name for name, v in sets.items() if name in start and v[2] < start[name][2]]


def wall_stop(wall, t_start, picker, export_seconds=30.0):
    """stop() for cca.finetune: True once the time left under `wall` is only enough for what
    still follows training: the last judging and the report's two (each as long as the latest
    judging) and the export. None without a limit."""
    if not wall:
        return None
    return lambda: time.time() - t_start > wall - 3 * picker.judge_seconds - export_seconds


def per_set(sets):
    """{set: [top-1, top-5, rank]} -> one log line: each set's top-5 share and mean rank."""
    return ", ".join("%s %.3f/%.3f" % (name, v[1], v[2]) for name, v in sets.items())


def selection_prompts(items, split, rows, n, offset=0):
    """n (prompt, base concept, set name) triples from each evaluation set, starting at offset."""
    from eval.evaluate import build_prompt_sets
    sets = build_prompt_sets(items, split, rows, n_seen=2 * n)
    return [(p, c, name) for name in SETS for p, c, _ in sets[name][offset:offset + n]]


def main(argv=None):
    from eval.judge import load_judge

    from . import cca, lang_distill, self_train, set_sampling
    from .dataset import load_meta
    from .encode import load_codes_xz
    from .export_gguf import export_model
    from .gguf_import import load_gguf
    from .gguf_writer import GGUFFile
    from .pipeline import split_rows, write_shards

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the model file to start from (GGUF)")
    ap.add_argument("--codes", required=True, help="the pack's code grids (gft.encode) for this model's tokenizer")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--judge", required=True, help="the CNN judge (eval.judge.save_judge, or a run's final.pt)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", choices=("emoji", "all"), default="emoji")
    ap.add_argument("--image-tokens", type=int, default=128)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--beta", type=float, default=0.05)
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--budget", type=float, default=300, help="training seconds (judging not counted)")
    ap.add_argument("--every", type=int, default=50, help="judge the weights every this many steps")
    ap.add_argument("--wall", type=float, default=0,
                    help="seconds for the whole run, judging and export included: training stops early "
                         "enough for the last judging, the report and the export (0: no limit)")
    ap.add_argument("--select-prompts", type=int, default=24, help="prompts per evaluation set")
    ap.add_argument("--seeds", type=int, default=4, help="seeds per prompt")
    ap.add_argument("--seed", type=int, default=2040)
    ap.add_argument("--shard", action="store_true", help="write cand.gguf in parts of <= 15 MiB")
    ap.add_argument("--max-steps", type=int, default=None, help="dry runs and tests")
    ap.add_argument("--objective", choices=("cca", "lang-distill", "self-train"), default="cca",
                    help="lang-distill: the other-language captions learn to draw what the English "
                         "one does (gft.lang_distill) instead of CCA; self-train: the model learns "
                         "from its own pictures that the judge names right (gft.self_train)")
    ap.add_argument("--train", choices=("all", "text-other"), default="all",
                    help="lang-distill: 'text-other' moves only the embeddings of tokens no English caption uses")
    ap.add_argument("--anchor", type=float, default=0.25,
                    help="lang-distill: share of pairs that keep English captions and the null prompt fixed; "
                         "self-train: share of each batch that is real code grids")
    ap.add_argument("--group", type=int, default=8, help="self-train: pictures drawn per caption")
    ap.add_argument("--captions-per-draw", type=int, default=256, help="self-train: captions per pool refresh")
    ap.add_argument("--refresh", type=int, default=20, help="self-train: steps between pool refreshes")
    ap.add_argument("--draw-sampling", metavar="G:T:K[:P]", default=None,
                    help="self-train: how the pool is drawn (default: the file's sampling), e.g. 1:1:0 for "
                         "the model's own distribution")
    ap.add_argument("--engine", default=None,
                    help="draw the judged pictures with this `gft` (CPU runs: 4-5x as fast as PyTorch there)")
    ap.add_argument("--save-judged", action="store_true",
                    help="also write every judged checkpoint as <out>/judged/step-N.gguf (without reranker)")
    ap.add_argument("--p-matched", type=float, default=0.0,
                    help="cca: share of pairs whose other caption names a concept of the same style, in the "
                         "same language with the same style phrase (gft.cca.make_pairs)")
    ap.add_argument("--guard", action="store_true",
                    help="keep no checkpoint whose mean rank on any prompt set fell below the start's")
    captions.add_language_args(ap)
    a = ap.parse_args(argv)
    captions.apply_language_args(a)
    try:
        draw_sampling = set_sampling.parse(a.draw_sampling) if a.draw_sampling else None
    except ValueError as e:
        raise SystemExit("cca_file: --draw-sampling: %s" % e)
    T0 = time.time()
    log = start_run(a.out, a.seed)
    device = pick_device()
    m = load_gguf(a.model)
    start_file = GGUFFile(a.model)
    items, split = load_meta(a.meta)
    codes_np = load_codes_xz(a.codes)
    if codes_np.shape[1] != len(items):
        raise SystemExit("cca_file: %d code grids for %d items: not the same pack" % (codes_np.shape[1], len(items)))
    if codes_np.max() >= m.gft.cfg.codebook_size:
        raise SystemExit("cca_file: the codes do not fit this model's codebook of %d" % m.gft.cfg.codebook_size)
    train_rows, iid_rows, held_rows = split_rows(items, split)
    rows = cca.pick_rows(items, train_rows + held_rows, a.rows)
    judge, class_index = load_judge(a.judge)
    model = m.gft.float().to(device)
    decoder, codebook = m.decoder.float().to(device), m.codebook.float().to(device)
    codes = torch.from_numpy(codes_np.astype("int64")).to(device)
    background = m.vq_cfg.bg_code

    def write_file(weights, path):
        """The model file of these transformer weights, everything else as in the start file."""
        export_model(weights, m.decoder.cpu(), m.codebook.cpu(), m.tokenizer, m.known_words, m.sampling, path,
                     "q8_0", False, m.vq_cfg, name=m.kv.get("general.name", ""),
                     description=m.kv.get("general.description", ""), license_id=m.kv.get("general.license", ""))
        lexicon.carry_over(start_file, path)  # users' prompts read as the start file reads them

    picker = JudgedCheckpoints(decoder, codebook, m.tokenizer, m.sampling, background, judge.to(device),
                               class_index, selection_prompts(items, split, train_rows, a.select_prompts),
                               list(range(a.seeds)), log, guard=a.guard, engine=a.engine, export=write_file,
                               save_dir=os.path.join(a.out, "judged") if a.save_judged else None)
    if not picker.prompts:
        raise SystemExit("cca_file: the pack gives no evaluation prompts to judge the weights on")
    log("cca_file: %s, %d training rows (%s), sampling %s, background code %d, judged on %d prompts x %d seeds%s; "
        "captions %.2f English, %.2f of the rest in %s"
        % (os.path.basename(a.model), len(rows), a.rows, m.sampling, background, len(picker.prompts), a.seeds,
           ", guarded per set" if a.guard else "", captions.P_ENGLISH, captions.P_PREFERRED,
           "/".join(captions.PREFERRED_LANGS)))
    start_state = copy.deepcopy(model.state_dict())
    common = dict(n_image=a.image_tokens, batch=a.batch, lr=a.lr, budget_s=a.budget, seed=a.seed, log=log,
                  max_steps=a.max_steps, checkpoint=picker, checkpoint_every=a.every, stop=wall_stop(a.wall, T0, picker))
    if a.objective == "lang-distill":
        model, stats = lang_distill.finetune(model, codes, items, rows, m.tokenizer, p_preferred=captions.P_PREFERRED,
                                             anchor=a.anchor, train=a.train, **common)
    elif a.objective == "self-train":
        model, stats = self_train.finetune(model, codes, items, rows, m.tokenizer, vq=(decoder, codebook),
                                           judge=picker.judge, class_index=class_index,
                                           sampling=draw_sampling or m.sampling,
                                           background=background, anchor=a.anchor, group=a.group,
                                           captions_per_draw=a.captions_per_draw, refresh=a.refresh,
                                           **{k: v for k, v in common.items() if k != "n_image"})
    else:
        model, stats = cca.finetune(model, codes, items, rows, m.tokenizer, beta=a.beta, lam=a.lam,
                                    p_matched=a.p_matched, **common)
    # a figure the choice did not see: other prompts, other seeds
    report_prompts = selection_prompts(items, split, train_rows, a.select_prompts, offset=a.select_prompts)
    report_seeds = list(range(100, 100 + a.seeds))
    model.load_state_dict(start_state)
    start_report = picker.score(model, report_prompts, report_seeds)
    start_sets = picker.last_sets
    model.load_state_dict(picker.best_state)
    best_report = picker.score(model, report_prompts, report_seeds)
    best_sets = picker.last_sets
    log("best step %d; unseen prompts: start top-1 %.3f top-5 %.3f rank %.3f, best top-1 %.3f top-5 %.3f rank %.3f"
        % ((picker.best_step,) + start_report + best_report))
    log("unseen prompts per set (top-5/rank): start [%s], best [%s]" % (per_set(start_sets), per_set(best_sets)))
    cand = os.path.join(a.out, "cand.gguf")
    write_file(model.cpu(), cand)
    parts = []
    if a.shard:
        with open(cand, "rb") as f:
            data = f.read()
        parts = [name for name, _ in write_shards(data, a.out, "cand.gguf")]
        os.remove(cand)
    where = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu (%d threads)" % torch.get_num_threads()
    stats.pop("history", None)
    save_json(os.path.join(a.out, "metrics.json"), dict(
        mode="cca_file", device=where, start=os.path.basename(a.model), seed=a.seed, torch=torch.__version__,
        judged_by="gft engine" if a.engine else "pytorch", guard=a.guard, p_english=captions.P_ENGLISH, p_preferred=captions.P_PREFERRED,
        cca=stats, judged=picker.history, best_step=picker.best_step,
        report=dict(prompts=len(report_prompts), seeds=report_seeds,
                    start=dict(zip(("top1", "top5", "rank"), (round(x, 4) for x in start_report)), sets=start_sets),
                    best=dict(zip(("top1", "top5", "rank"), (round(x, 4) for x in best_report)), sets=best_sets)),
        parts=parts, total_seconds=round(time.time() - T0, 1)))
    log("done in %.0fs" % (time.time() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
