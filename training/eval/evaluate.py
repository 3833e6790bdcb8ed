# SPDX-License-Identifier: GPL-3.0-or-later
"""Generation metrics: recognisability by the independent judge (eval/judge.py) on prompt sets,
diversity, and the guidance / temperature / top-k sweep that sets the sampling defaults.

Prompt sets (each prompt names one concept; the judge must name that concept):
  seen_en       English names of concepts the generator was trained on
  seen_lang     the same concepts named in another language (zh, ja, de, fr, es, ru, ...)
  heldout_en    English names of concepts held out of generator training (judge knows them)
  paraphrase    hand-written paraphrases (eval/prompts.py), e.g. "a ripe red apple", "kitty"
  other_lang    hand-written prompts in other languages, e.g. "红苹果", "Katze"
  style         style requests ("red apple, twemoji"): concept and style both judged
"""
import random

import torch

from gft.batch_sample import generate
from gft.train_gpt import null_prefix

from .judge import STYLES, base_concept, predict, to_judge_input
from .prompts import OTHER_LANGUAGES, PARAPHRASES, STYLE_REQUESTS

LANGS = ("zh", "ja", "de", "fr", "es", "ru", "ko", "it", "pt", "nl")


def emoji_concepts(items):
    """emoji character (with and without U+FE0F) -> base concept id."""
    out = {}
    for it in items:
        e = it.get("emoji") or ""
        if e:
            c = base_concept(it["concept"])
            out.setdefault(e, c)
            out.setdefault(e.replace("\ufe0f", ""), c)
    return out


def concept_of_emoji(emap, e):
    """The concept of emoji e in an emoji_concepts map, typed with or without U+FE0F; None if none."""
    return emap.get(e) or emap.get(e.replace("\ufe0f", ""))


def build_prompt_sets(items, split, gpt_rows, n_seen=64, seed=5):
    """-> {set name: [(prompt, base concept, style or None), ...]}."""
    rng = random.Random(seed)
    trained = {base_concept(items[r]["concept"]) for r in gpt_rows}
    by_concept = {}
    for i, it in enumerate(items):
        by_concept.setdefault(base_concept(it["concept"]), it)
    seen = sorted(c for c in trained if c.startswith("emoji:") and len(by_concept[c]["labels"]) > 3)
    seen = rng.sample(seen, min(n_seen, len(seen)))
    sets = {"seen_en": [(by_concept[c]["labels"]["en"], c, None) for c in seen]}
    lang = []
    for c in seen:
        langs = [l for l in LANGS if l in by_concept[c]["labels"]]
        if langs:
            l = rng.choice(langs)
            lang.append((by_concept[c]["labels"][l], c, None))
    sets["seen_lang"] = lang
    held = sorted(c for c in by_concept if c not in trained)
    held = rng.sample(held, min(n_seen, len(held)))
    sets["heldout_en"] = [(by_concept[c]["labels"]["en"], c, None) for c in held]
    emap = emoji_concepts(items)
    for name, src in (("paraphrase", PARAPHRASES), ("other_lang", OTHER_LANGUAGES),
                      ("style", STYLE_REQUESTS)):
        found = [(p, concept_of_emoji(emap, e), s) for p, e, s in src]
        sets[name] = [f for f in found if f[1]]
    return sets


@torch.no_grad()
def sample_images(gpt, vq, tok, prompts, seeds, sampling, device, batch=None):
    """prompts [P] x seeds [S] -> (tokens [P*S, N] long, premultiplied 128 px images, CPU fp16).
    Row order: prompt-major (prompt 0 seed 0, prompt 0 seed 1, ...)."""
    T = gpt.cfg.text_ctx
    batch = batch or (512 if device.type == "cuda" else 64)
    ids = torch.tensor([tok.prefix(p, T) for p in prompts for _ in seeds], dtype=torch.long)
    null = torch.tensor(null_prefix(T), dtype=torch.long, device=device)
    toks, imgs = [], []
    gen = torch.Generator(device=device)
    for i in range(0, len(ids), batch):
        gen.manual_seed(1000 * (seeds[0] + 1) + i)
        t = generate(gpt, ids[i:i + batch].to(device), null, guidance=sampling["guidance"],
                     temperature=sampling["temperature"], top_k=sampling["top_k"],
                     top_p=sampling["top_p"], generator=gen)
        toks.append(t.cpu())
        g = gpt.cfg.grid_h
        for j in range(0, len(t), 64):
            imgs.append(vq.decode_indices(t[j:j + 64].view(-1, g, g)).half().cpu())
    return torch.cat(toks), torch.cat(imgs)


@torch.no_grad()
def judge_images(judge, class_index, imgs, targets, styles, n_seeds, device):
    """Scores images against their intended concept (and style where one was asked for)."""
    x = to_judge_input(imgs.to(device))
    lc, ls, f = predict(judge, x)
    tgt = torch.tensor([class_index.get(c, -1) for c in targets], device=device)
    top5 = lc.topk(5, 1).indices
    top1 = (top5[:, 0] == tgt).float()
    t5 = (top5 == tgt[:, None]).any(1).float()
    out = dict(n=len(targets), top1=round(top1.mean().item(), 4), top5=round(t5.mean().item(), 4))
    want = [(i, STYLES.index(s)) for i, s in enumerate(styles) if s]
    if want:
        idx = torch.tensor([i for i, _ in want], device=device)
        sv = torch.tensor([s for _, s in want], device=device)
        out["style_acc"] = round((ls[idx].argmax(1) == sv).float().mean().item(), 4)
    # diversity: mean pairwise cosine distance of judge features among one prompt's seeds
    if n_seeds > 1:
        out["diversity"] = round(diversity(f, n_seeds), 4)
    # empty-image failure (almost nothing drawn)
    cover = (imgs[:, 3].float() > 0.5).flatten(1).float().mean(1)
    out["empty_frac"] = round((cover < 0.02).float().mean().item(), 4)
    return out


def diversity(features, n_seeds):
    """Mean pairwise cosine distance between the seeds of each prompt (rows prompt-major)."""
    fz = torch.nn.functional.normalize(features.float(), dim=1).view(-1, n_seeds, features.shape[1])
    sim = fz @ fz.transpose(1, 2)
    off = sim.sum((1, 2)) - sim.diagonal(dim1=1, dim2=2).sum(1)
    return (1 - off / (n_seeds * (n_seeds - 1))).mean().item()


def run_set(gpt, vq, judge, class_index, tok, entries, seeds, sampling, device):
    prompts = [e[0] for e in entries]
    targets = [e[1] for e in entries for _ in seeds]
    styles = [e[2] for e in entries for _ in seeds]
    toks, imgs = sample_images(gpt, vq, tok, prompts, seeds, sampling, device)
    return judge_images(judge, class_index, imgs, targets, styles, len(seeds), device), toks


def sweep(gpt, vq, judge, class_index, tok, sets, grid, seeds, device, log, set_names):
    """Scores every sampling setting in grid on the union of set_names. -> list of rows."""
    entries = [e for n in set_names for e in sets.get(n, [])]
    rows = []
    for s in grid:
        r, _ = run_set(gpt, vq, judge, class_index, tok, entries, seeds, s, device)
        row = dict(s, **r)
        rows.append(row)
        log("sweep", row)
    return rows


def sweep_score(r):
    """A sweep row's judge score: top-1 + top-5 (each alone is noisy at a few per cent)."""
    return r["top1"] + r.get("top5", 0.0)


def pick_defaults(rows, min_diversity_frac=0.5, key=None, tol=1e-9):
    """The setting with the best judge score (rows[key], or sweep_score by default); settings
    within tol of it go to the more diverse. Settings whose diversity fell below half of the most
    diverse are ignored (guidance collapse), as are those with many empty images."""
    if not rows:
        return None

    def score(r):
        return r[key] if key else sweep_score(r)

    dmax = max(r.get("diversity", 0) for r in rows)
    ok = [r for r in rows if r.get("diversity", 0) >= min_diversity_frac * dmax and
          r.get("empty_frac", 0) < 0.2] or rows
    best = max(score(r) for r in ok)
    near = [r for r in ok if score(r) >= best - tol]
    r = max(near, key=lambda r: (r.get("diversity", 0), -r["guidance"]))
    return {k: r[k] for k in ("guidance", "temperature", "top_k", "top_p")}


def parse_setting(text):
    """"G:T:K" (guidance, temperature, top-k; as the command-line options write a setting) ->
    a sampling dict with top-p off."""
    try:
        g, t, k = text.split(":")
        return sampling_grid([float(g)], [float(t)], [int(k)])[0]
    except ValueError:
        raise SystemExit("%r is not a setting GUIDANCE:TEMPERATURE:TOP_K such as 3:0.7:40" % text)


def sampling_grid(guidances, temperatures, top_ks, top_p=1.0):
    return [dict(guidance=float(g), temperature=float(t), top_k=int(k), top_p=float(top_p))
            for g in guidances for t in temperatures for k in top_ks]
