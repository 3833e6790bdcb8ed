# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent judge for generated images: a small CNN that names the concept and the
style of a 64 px premultiplied RGBA image.

It is trained on real images only (the rendered art, plus the same art passed through the VQ
tokenizer so that decoder artefacts alone do not confuse it), never on generated samples.
Concepts are the dataset's concept ids with emoji skin-tone modifiers removed (a "waving hand"
in any skin tone is the same thing to recognise). One image of every concept that has two or
more is held out to measure the judge itself (its accuracy is the ceiling for the generator).

The judge is stored in a pipeline run's final.pt; `-o` copies it alone into a small file (for a
GPU call, where the run's file is too large to travel):
  cd training && python3 -m eval.judge runs/gpu2/final.pt -o runs/judge/judge-gpu2.pt
"""
import argparse
import math
import os
import random
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from gft.common import autocast, cosine_lr, make_adamw

STYLES = ("noto", "twemoji", "fluent", "icon", "clipart")
_SKIN = re.compile(r"-1F3F[B-F]")


def base_concept(concept):
    return _SKIN.sub("", concept)


class Judge(nn.Module):
    def __init__(self, n_classes, width=(64, 128, 256, 384)):
        super().__init__()
        layers, c_in = [], 4
        for i, c in enumerate(width):
            layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.SiLU(),
                       nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.SiLU()]
            if i + 1 < len(width):
                layers.append(nn.MaxPool2d(2))
            c_in = c
        self.body = nn.Sequential(*layers)
        self.feat_dim = c_in
        self.concept = nn.Linear(c_in, n_classes)
        self.style = nn.Linear(c_in, len(STYLES))

    def features(self, x):
        """x: premultiplied RGBA [B, 4, 64, 64] in [0, 1] -> pooled features [B, D]."""
        h = self.body(x * 2 - 1)
        return torch.cat([h.mean((2, 3))], 1)

    def forward(self, x):
        f = self.features(x)
        return self.concept(f), self.style(f), f


def _augment(x, gen):
    """Random scale (0.8-1.05) and shift (+-8 %) with the art kept transparent outside."""
    B = x.shape[0]
    s = 0.8 + 0.25 * torch.rand(B, generator=gen)
    t = (torch.rand(B, 2, generator=gen) - 0.5) * 0.16
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = 1 / s
    theta[:, 1, 1] = 1 / s
    theta[:, :, 2] = t
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def judge_labels(items):
    """-> (class index per item, class names, style index per item)."""
    names = sorted({base_concept(it["concept"]) for it in items})
    index = {n: i for i, n in enumerate(names)}
    cls = [index[base_concept(it["concept"])] for it in items]
    sty = [STYLES.index(it["style"]) if it["style"] in STYLES else 0 for it in items]
    return cls, names, sty


def judge_split(items, seed=7):
    """Hold out one image of every class with >= 2 images. -> (train rows, held-out rows)."""
    cls, _, _ = judge_labels(items)
    by = {}
    for i, c in enumerate(cls):
        by.setdefault(c, []).append(i)
    rng = random.Random(seed)
    train, held = [], []
    for c in sorted(by):
        rows = by[c]
        if len(rows) >= 2:
            h = rng.choice(rows)
            held.append(h)
            train += [r for r in rows if r != h]
        else:
            train += rows
    return sorted(train), sorted(held)


def train_judge(x64_real, x64_recon, items, *, budget_s, device, log, seed=11, batch=512, lr=2e-3,
                width=(64, 128, 256, 384), max_steps=None):
    """x64_real / x64_recon: premultiplied float16 [N, 4, 64, 64] (recon may be None).
    x64_real may instead be [V, N, 4, 64, 64], variants of every image (eval.judge_train's VQ
    reconstructions as stored, mirrored and re-framed): each draw takes a random variant, and
    the held-out figures use variant 0."""
    cls, names, sty = judge_labels(items)
    train_rows, held_rows = judge_split(items)
    cls_t = torch.tensor(cls, device=device)
    sty_t = torch.tensor(sty, device=device)
    tr = torch.tensor(train_rows)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = Judge(len(names), width).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    opt = make_adamw(model.parameters(), lr, 0.05, (0.9, 0.99), device)
    model.train()
    spent, step, t_last = 0.0, 0, time.time()
    while spent < budget_s and (max_steps is None or step < max_steps):
        for g in opt.param_groups:
            g["lr"] = cosine_lr(spent / budget_s, lr, 0.05, 0.02)
        rows = tr[torch.randint(0, len(tr), (batch,), generator=gen)]
        if x64_real.dim() == 5:
            var = torch.randint(0, x64_real.shape[0], (batch,), generator=gen).to(x64_real.device)
            x = x64_real[var, rows.to(x64_real.device)].to(device).float()
        else:
            x = x64_real[rows.to(x64_real.device)].to(device).float()
        if x64_recon is not None:
            use_rec = (torch.rand(batch, generator=gen) < 0.5).to(device).view(-1, 1, 1, 1)
            x = torch.where(use_rec, x64_recon[rows.to(x64_recon.device)].to(device).float(), x)
        x = _augment(x, gen)
        rd = rows.to(device)
        with autocast(device):
            lc, ls, _ = model(x)
        loss = F.cross_entropy(lc.float(), cls_t[rd], label_smoothing=0.1) + \
            0.3 * F.cross_entropy(ls.float(), sty_t[rd])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        now = time.time()
        spent += now - t_last
        t_last = now
        if step % 100 == 0 or step == 1:
            log("judge step %d  %.0f/%.0fs  loss %.4f" % (step, spent, budget_s, loss.item()))
    model.eval()
    held = torch.tensor(held_rows)
    acc = {}
    for name, src in (("real" if x64_real.dim() == 4 else "recon", x64_real), ("recon", x64_recon)):
        if src is None or len(held) == 0:
            continue
        src = src[0] if src.dim() == 5 else src
        top1, top5, st = predict_accuracy(model, src[held.to(src.device)].to(device).float(),
                                          cls_t[held.to(device)], sty_t[held.to(device)])
        acc[name] = dict(top1=round(top1, 4), top5=round(top5, 4), style=round(st, 4))
    stats = dict(classes=len(names), train_images=len(train_rows), held_out_images=len(held_rows),
                 steps=step, train_seconds=round(spent, 1), held_out_accuracy=acc,
                 params=sum(p.numel() for p in model.parameters()))
    log("judge:", stats)
    return model, names, stats


@torch.no_grad()
def predict(model, x, batch=512):
    """x premultiplied [n, 4, 64, 64] -> (concept logits, style logits, features), float32."""
    outs = []
    for i in range(0, len(x), batch):
        with autocast(x.device):
            lc, ls, f = model(x[i:i + batch].float())
        outs.append((lc.float(), ls.float(), f.float()))
    if not outs:
        return None
    return tuple(torch.cat([o[k] for o in outs]) for k in range(3))


@torch.no_grad()
def predict_accuracy(model, x, cls, sty):
    lc, ls, _ = predict(model, x)
    top5 = lc.topk(min(5, lc.shape[1]), 1).indices
    top1 = (top5[:, 0] == cls).float().mean().item()
    t5 = (top5 == cls[:, None]).any(1).float().mean().item()
    st = (ls.argmax(1) == sty).float().mean().item()
    return top1, t5, st


def to_judge_input(premul128):
    """Decoder output / real image at 128 px premultiplied -> the judge's 64 px input."""
    return F.avg_pool2d(premul128.float(), 2)


def stored_judge(path):
    """The judge's part of a pipeline checkpoint (final.pt, or the small file -o writes)."""
    ck = torch.load(path, map_location="cpu")
    if "judge" not in ck:
        raise SystemExit("judge: %s holds no judge (a pipeline run's final.pt does)" % path)
    return {k: ck[k] for k in ("judge", "judge_classes", "judge_width")}


def load_judge(path):
    """The judge stored in a pipeline checkpoint (final.pt) -> (model, {concept: class index})."""
    ck = stored_judge(path)
    names = ck["judge_classes"]
    model = Judge(len(names), tuple(ck["judge_width"]))
    model.load_state_dict({k: v.float() for k, v in ck["judge"].items()})
    return model.eval(), {n: i for i, n in enumerate(names)}


def naming_each(model, class_index, premul128, concepts):
    """Per image [B] tensors (named top-1, named top-5, rank) over 128 px premultiplied images:
    whether the judged concept is the intended one, and the share of all classes the judge scores
    below the intended one (chance 0.5). concepts: one per image; skin tones are folded into the
    base concept."""
    idx = [class_index.get(base_concept(c)) for c in concepts]
    if None in idx:
        raise SystemExit("judge: concept %s is not among the judge's classes" % concepts[idx.index(None)])
    logits, _, _ = predict(model, to_judge_input(premul128))
    top5 = logits.topk(min(5, logits.shape[1]), 1).indices
    target = torch.tensor(idx, device=logits.device)
    below = (logits < logits.gather(1, target[:, None])).float().sum(1) / max(logits.shape[1] - 1, 1)
    return (top5[:, 0] == target).float(), (top5 == target[:, None]).any(1).float(), below


def naming_any_each(model, class_index, premul128, concepts):
    """Per image [B] tensors (top-1, top-5, rank) like naming_each, where any of concepts (one
    list for every image: the concepts a word names) counts as right; the rank is that of the
    best-scored of them."""
    idx = torch.tensor([class_index[c] for c in concepts])
    with torch.no_grad():
        logits, _, _ = predict(model, to_judge_input(premul128))
    best = logits[:, idx].max(1).values
    top5 = logits.topk(min(5, logits.shape[1]), 1).indices
    rank = (logits < best[:, None]).float().sum(1) / max(logits.shape[1] - 1, 1)
    return torch.isin(top5[:, 0], idx).float(), torch.isin(top5, idx).any(1).float(), rank


def most_named(model, class_index, premul128, n=4):
    """[(concept, count)]: the n concepts the judge names first (top-1) most often over the images,
    most often first (what a prompt draws instead, when it misses)."""
    import collections
    names = {i: c for c, i in class_index.items()}
    logits, _, _ = predict(model, to_judge_input(premul128))
    return collections.Counter(names[int(i)] for i in logits.argmax(1)).most_common(n)


def naming_scores(model, class_index, premul128, concepts):
    """(top-1 share, top-5 share, mean rank): the means of naming_each (a smooth figure where the
    shares are a few hits)."""
    return tuple(v.mean().item() for v in naming_each(model, class_index, premul128, concepts))

def main(argv=None):
    ap = argparse.ArgumentParser(description="copy the CNN judge out of a pipeline run's final.pt")
    ap.add_argument("checkpoint")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    judge = stored_judge(a.checkpoint)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    torch.save(judge, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
