# SPDX-License-Identifier: GPL-3.0-or-later
"""Condition Contrastive Alignment (CCA, Chen et al., arXiv 2410.09347): a short fine-tuning of a
trained transformer that makes it follow the caption, on the CPU.

Why: the GPU runs' transformers learned the pictures but hardly the captions. On the shipped
model's own training images of "red apple" the caption saves 0 bits against the null prompt;
the first foreground token costs 11-17 bits with or without it, so sampling starts any red
shape and finishes it as a heart. CCA trains exactly the missing link. For an image x with its
caption c and the caption c' of another concept, with the frozen starting model as reference:

    loss = -log sigmoid(beta * (log p(x|c) - log p_ref(x|c)))
           - lam * log sigmoid(-beta * (log p(x|c') - log p_ref(x|c')))

so p(x|c) rises and p(x|c') falls, relative to where they started. Captions are drawn fresh
(every language, tags, style words; gft.captions), so the contrast is taught across languages.
Only the first --image-tokens tokens (default 8 of 16 rows) are scored: that is where the
caption decides what gets drawn, and it halves the cost on 2 cores.

  cd training && python3 -m gft.cca --init runs/init/gft.pt --codes runs/codes/codes.npy.xz \
      --meta ../.devdata/pack/meta.json.xz --tokenizer runs/prep/tokenizer.json --out runs/cca
  python3 -m eval.finalize --run runs/cca --vq-from checkpoints/vq-gpu2.pt --model ../models/gft-emoji.gguf
"""
import argparse
import copy
import dataclasses
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import captions
from .common import autocast, pick_device, save_json, start_run
from .model import EOS_ID, GFT, GFTConfig
from .train_gpt import stored_variant

# emojibase groups with few everyday things in them, left out of the default row set
_SKIP_GROUPS = {"people-body", "flags", "component"}


def pick_rows(items, rows, which):
    """'emoji': the three emoji sets and the icons, without people, flags and skin tones;
    'all': every row given."""
    from .balance import tone_family
    if which == "all":
        return list(rows)
    return [r for r in rows if items[r]["source"] != "openclipart"
            and items[r].get("group") not in _SKIP_GROUPS
            and tone_family(items[r]["concept"]) == items[r]["concept"]]


def sequence_logp(model, text, codes):
    """Sum of log p(code_j | text, codes_<j) over the given codes [B, n] -> [B]."""
    from .train_gpt import fast_forward
    with autocast(codes.device):
        logits = fast_forward(model, text, codes).float()
    return -F.cross_entropy(logits.transpose(1, 2), codes, reduction="none").sum(1)


def cca_loss(lp_pos, ref_pos, lp_neg, ref_neg, beta, lam, nll=0.0, n_tokens=1, contrast=1.0):
    """The CCA objective (mean over the batch); all inputs are [B] sequence log-likelihoods.
    nll > 0 adds nll * the own caption's negative log-likelihood per token (nats): it keeps
    the images likely while the other captions are pushed down (rounds without it kept raising
    the margin while the pictures got worse). contrast scales the CCA term (0: plain NLL, and
    the reference and negative terms may be None)."""
    loss = lp_pos.new_zeros(())
    if contrast:
        loss = contrast * (-F.logsigmoid(beta * (lp_pos - ref_pos))
                           - lam * F.logsigmoid(-beta * (lp_neg - ref_neg))).mean()
    if nll:
        loss = loss - nll * lp_pos.mean() / n_tokens
    return loss


def make_pairs(items, rows, flip_ok, n_var, tok, T, B, rng, p_matched=0.0):
    """B training rows with a code-grid variant, their caption, and another concept's caption.
    With probability p_matched a pair is matched: the other concept is one of the same style,
    captioned in the same language with the same style phrase (captions.sample_matched_captions),
    so the pair differs only in what it names."""
    if len({items[row]["concept"] for row in rows}) < 2:
        raise ValueError("make_pairs: the rows hold fewer than two concepts, so no row has another concept's caption")
    by_style = {}
    if p_matched > 0:
        for row in rows:
            by_style.setdefault(items[row]["style"], []).append(row)
        # a style of one concept has no matched other
        by_style = {s: rs for s, rs in by_style.items() if len({items[o]["concept"] for o in rs}) > 1}
    r = np.empty(B, np.int64)
    var = np.zeros(B, np.int64)
    pos = np.empty((B, T), np.int64)
    neg = np.empty((B, T), np.int64)
    for i in range(B):
        row = rows[rng.randrange(len(rows))]
        # no extra draw when off: the pairs of earlier runs stay the same
        matched = p_matched > 0 and rng.random() < p_matched and items[row]["style"] in by_style
        pool = by_style[items[row]["style"]] if matched else rows
        other = pool[rng.randrange(len(pool))]
        while items[other]["concept"] == items[row]["concept"]:
            other = pool[rng.randrange(len(pool))]
        v = rng.randrange(n_var)
        r[i], var[i] = row, stored_variant(v, flip_ok[row])
        if matched:
            cap_pos, cap_neg = captions.sample_matched_captions(items[row], items[other], rng)
        else:
            cap_pos, cap_neg = captions.sample_caption(items[row], rng), captions.sample_caption(items[other], rng)
        pos[i] = tok.prefix(cap_pos, T)
        neg[i] = tok.prefix(cap_neg, T)
    return r, var, pos, neg


def trainable_parameters(model, which, frozen_ids=()):
    """'all': every weight. 'text': only the text token embeddings, without the ids of the null
    prompt (<pad>, <bos>, <eos>) and frozen_ids, so the picture-drawing weights and the
    unconditional row that guidance subtracts stay exactly as they were; only what each caption
    word means can move. (Full-model rounds past the shipped one made the pictures worse while
    the margin rose.) A frozen row gets no gradient, so AdamW (no weight decay) never moves it."""
    if which == "all":
        return list(model.parameters())
    if which != "text":
        raise ValueError("trainable_parameters: %r is not 'all' or 'text'" % which)
    for p in model.parameters():
        p.requires_grad_(False)
    w = model.text_emb.weight
    w.requires_grad_(True)
    keep = torch.ones(w.shape[0], 1, device=w.device)
    keep[: EOS_ID + 1] = 0
    keep[torch.tensor(sorted(frozen_ids), dtype=torch.long, device=w.device)] = 0
    w.register_hook(lambda g: g * keep)
    return [w]


def finetune(model, codes, items, rows, tok, *, n_image, batch, lr, beta, lam, budget_s, seed, log,
             max_steps=None, nll=0.0, contrast=1.0, train="all", checkpoint=None, checkpoint_every=None,
             stop=None, p_matched=0.0):
    """CCA on CPU or GPU (model and codes on the same device); returns (model, stats).
    codes: int64 tensor [V, N, H*W]. contrast 0 with nll > 0 is plain likelihood training of
    the trainable parameters (no reference model, no other captions).
    checkpoint(model, step) is called before the first step, every checkpoint_every steps and
    after the last step (its own time does not count against budget_s), e.g. to judge samples and
    keep the best. stop() returning True ends training before the next step (a wall-clock limit
    that counts the judging too)."""
    ref = copy.deepcopy(model).eval() if contrast else None
    for p in ref.parameters() if ref is not None else ():
        p.requires_grad_(False)
    model.eval()  # no dropout: the policy/reference log-ratios must start at exactly 0
    flip_ok = [bool(it.get("flip_ok", False)) for it in items]
    rng = random.Random(seed)
    T = model.cfg.text_ctx

    def batch_loss():
        r, var, pos, neg = make_pairs(items, rows, flip_ok, codes.shape[0], tok, T, batch, rng, p_matched)
        dev = codes.device
        x = codes[torch.from_numpy(var).to(dev), torch.from_numpy(r).to(dev)][:, :n_image]
        pos_t, neg_t = torch.from_numpy(pos).to(dev), torch.from_numpy(neg).to(dev)
        lp_pos = sequence_logp(model, pos_t, x)
        if contrast:
            with torch.no_grad():
                ref_pos, ref_neg = sequence_logp(ref, pos_t, x), sequence_logp(ref, neg_t, x)
            lp_neg = sequence_logp(model, neg_t, x)
        else:
            ref_pos = ref_neg = lp_neg = None
        loss = cca_loss(lp_pos, ref_pos, lp_neg, ref_neg, beta, lam, nll, x.shape[1], contrast)

        def figures():
            if contrast:
                return dict(margin_gain_nats=round(((lp_pos - lp_neg) - (ref_pos - ref_neg)).mean().item(), 2))
            return dict(nll_per_token=round(-lp_pos.mean().item() / x.shape[1], 4))
        return loss, figures

    steps, seconds, hist = tuning_loop(model, trainable_parameters(model, train), lr, batch_loss, "cca",
                                       budget_s=budget_s, max_steps=max_steps, checkpoint=checkpoint,
                                       checkpoint_every=checkpoint_every, stop=stop, log=log)
    return model, dict(steps=steps, seconds=seconds, batch=batch, lr=lr, beta=beta,
                       lam=lam, nll=nll, contrast=contrast, train=train, image_tokens=n_image, p_matched=p_matched,
                       rows=len(rows), history=hist)


def tuning_loop(model, params, lr, batch_loss, name, *, budget_s, max_steps, checkpoint, checkpoint_every,
                stop, log):
    """The optimisation loop of CCA and gft.lang_distill: AdamW (no weight decay) on params,
    gradients clipped to norm 1, a log line every 10 steps, checkpoint(model, step) before the
    first step, every checkpoint_every steps and after the last (its time not counted), stop()
    checked before each step. batch_loss() -> (loss of one batch, figures() -> {name: value} for
    the log). Leaves the model in eval mode with every parameter trainable again. Returns
    (steps, training seconds, logged history)."""
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0, betas=(0.9, 0.95))
    if checkpoint:
        checkpoint(model, 0)  # the start may stay the best
    t0, step, hist = time.time(), 0, []
    while time.time() - t0 < budget_s and (max_steps is None or step < max_steps) and not (stop and stop()):
        loss, figures = batch_loss()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 10 == 0 or step == 1:
            rec = dict(step=step, t=round(time.time() - t0, 1), loss=round(loss.item(), 4), **figures())
            hist.append(rec)
            log("%s step %d  %.0f/%.0fs  %s" % (name, step, time.time() - t0, budget_s,
                                              "  ".join("%s %s" % kv for kv in list(rec.items())[2:])))
        if checkpoint and checkpoint_every and step % checkpoint_every == 0:
            t_pause = time.time()
            checkpoint(model, step)
            t0 += time.time() - t_pause  # judging is not training time
    if checkpoint:
        checkpoint(model, step)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(True)
    return step, round(time.time() - t0, 1), hist


@torch.no_grad()
def caption_margin(model, codes, items, rows, tok, n_image, seed=7, n=96):
    """Mean log p(x|own caption) - log p(x|other concept's caption), in bits per image, over
    n fixed pairs (the quantity CCA raises; also reported before and after)."""
    rng = random.Random(seed)
    flip_ok = [False] * len(items)  # variant 0 only: the images as stored
    r, _, pos, neg = make_pairs(items, rows, flip_ok, 1, tok, model.cfg.text_ctx, n, rng)
    dev = codes.device
    x = codes[0, torch.from_numpy(r).to(dev)][:, :n_image]
    d = sequence_logp(model, torch.from_numpy(pos).to(dev), x) - sequence_logp(model, torch.from_numpy(neg).to(dev), x)
    return round(d.mean().item() / np.log(2), 2)


def main(argv=None):
    from .continue_gpt import known_words
    from .dataset import load_meta
    from .encode import load_codes_xz
    from .pipeline import half_state, split_rows, write_checkpoint
    from .text import BPETokenizer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--init", required=True, help="transformer to start from (continue_gpt --export-init's file)")
    ap.add_argument("--codes", required=True, help="codes.npy.xz from gft.encode (same pack order)")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", choices=("emoji", "all"), default="emoji")
    ap.add_argument("--image-tokens", type=int, default=128, help="first n image tokens scored")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--beta", type=float, default=0.05)
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--nll", type=float, default=0.0, help="weight of the own caption's NLL per token")
    ap.add_argument("--contrast", type=float, default=1.0,
                    help="weight of the CCA term (0 with --nll 1: plain likelihood training)")
    ap.add_argument("--train", choices=("all", "text"), default="all",
                    help="'text': tune only the caption word embeddings (the null prompt stays fixed)")
    ap.add_argument("--budget", type=float, default=1800, help="training seconds")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--max-steps", type=int, default=None, help="tests")
    a = ap.parse_args(argv)
    T0 = time.time()
    log = start_run(a.out, a.seed)
    items, split = load_meta(a.meta)
    codes_np = load_codes_xz(a.codes)
    if codes_np.shape[1] != len(items):
        raise SystemExit("cca: %d code grids for %d items: not the same pack" % (codes_np.shape[1], len(items)))
    train_rows, iid_rows, held_rows = split_rows(items, split)
    rows = pick_rows(items, train_rows + held_rows, a.rows)
    eval_rows = pick_rows(items, iid_rows, a.rows) or iid_rows
    tok = BPETokenizer.load(a.tokenizer)
    init = torch.load(a.init, map_location="cpu")
    cfg = GFTConfig(**init["gft_cfg"])
    if cfg.text_vocab != tok.vocab_size:
        raise SystemExit("cca: the tokenizer has %d ids, the model %d" % (tok.vocab_size, cfg.text_vocab))
    if not 1 <= a.image_tokens <= cfg.n_image:
        raise SystemExit("cca: --image-tokens must be 1..%d" % cfg.n_image)
    device = pick_device()
    model = GFT(cfg)
    model.load_state_dict({k: v.float() for k, v in init["gft"].items()})
    model = model.to(device)
    codes = torch.from_numpy(codes_np.astype("int64")).to(device)
    log("cca: %d training rows (%s), %d i.i.d. check rows, %d image tokens"
        % (len(rows), a.rows, len(eval_rows), a.image_tokens))
    before = dict(train=caption_margin(model.eval(), codes, items, rows, tok, a.image_tokens),
                  val_iid=caption_margin(model, codes, items, eval_rows, tok, a.image_tokens))
    log("caption margin before (bits/image, own vs other caption):", before)
    model, stats = finetune(model, codes, items, rows, tok, n_image=a.image_tokens, batch=a.batch, lr=a.lr,
                            beta=a.beta, lam=a.lam, budget_s=a.budget, seed=a.seed, log=log,
                            max_steps=a.max_steps, nll=a.nll, contrast=a.contrast, train=a.train)
    after = dict(train=caption_margin(model, codes, items, rows, tok, a.image_tokens),
                 val_iid=caption_margin(model, codes, items, eval_rows, tok, a.image_tokens))
    log("caption margin after:", after)
    stats.update(margin_before=before, margin_after=after, config=dataclasses.asdict(cfg))
    ck = dict(gft=half_state({k: v.cpu() for k, v in model.state_dict().items()}), gft_cfg=dataclasses.asdict(cfg), tokenizer=tok.to_dict(),
              known_words=known_words(items, rows, tok.known_words), sampling=init.get("sampling"),
              name=init.get("name", ""), license=init.get("license", ""),
              description=init.get("description", ""))
    parts, digest = write_checkpoint(ck, a.out, False)
    where = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu (%d threads)" % torch.get_num_threads()
    metrics = dict(mode="cca", tier=device.type, device=where,
                   init=os.path.basename(a.init), seed=a.seed, torch=torch.__version__, cca=stats,
                   checkpoint=dict(parts=parts, sha256=digest), total_seconds=round(time.time() - T0, 1))
    save_json(os.path.join(a.out, "metrics.json"), metrics)
    log("done in %.0fs" % (time.time() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
