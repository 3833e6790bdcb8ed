# SPDX-License-Identifier: GPL-3.0-or-later
"""Does a style word in the prompt cost the concept, and does guiding by the style on its own
row give the style without that cost? PyTorch sampling (gft.batch_sample's maths, one sample
per seed, no reranker) of the shipped file, named by the CNN judge (concept top-1 / top-5 /
rank, and its style head: share of pictures judged in the asked style).

Settings, each at the file's temperature / top-k / background rule:
  concept   "red apple", guidance g                          (no style asked)
  joined    "red apple, twemoji", guidance g                 (what the prompt gives today)
  split     u + g (c_concept - u) + 1 (c_style - u)          (the style on a row of its own)
The concept's pictures are drawn once and judged against each style.

  cd training && python3 eval/results/style-2026-11-28/style_guidance.py \\
      ../models/gft-emoji.gguf runs/judge/judge-gpu2.pt ../.devdata/pack/meta.json.xz 32
"""
import sys

import torch

sys.path.insert(0, ".")
from eval.evaluate import emoji_concepts  # noqa: E402
from eval.judge import STYLES, load_judge, naming_each, predict, to_judge_input  # noqa: E402
from gft.batch_sample import _prefill, _step, filter_logits  # noqa: E402
from gft.dataset import load_meta  # noqa: E402
from gft.gguf_import import load_gguf  # noqa: E402
from gft.sample import decode_tokens  # noqa: E402
from gft.train_gpt import null_prefix  # noqa: E402

CONCEPTS = [("red apple", "🍎"), ("sun", "☀️"), ("red heart", "❤️"), ("katze", "🐱"), ("pizza", "🍕")]
STYLE_PHRASES = {"twemoji": "twemoji", "noto": "noto emoji style", "fluent": "fluent emoji",
                 "icon": "flat icon", "clipart": "clip art"}


@torch.no_grad()
def sample(m, prompts, weights, seeds, s):
    """Each seed: rows = the prompts and the null prompt; logits u + sum w_i (c_i - u)."""
    cfg, tok = m.gft.cfg, m.tokenizer
    P, B = len(prompts), len(seeds)
    ids = [tok.prefix(p, cfg.text_ctx) for p in prompts] + [null_prefix(cfg.text_ctx)]
    rows = torch.tensor([ids[r] for r in range(P + 1) for _ in range(B)], dtype=torch.long)
    pos = (m.gft.img_row[:, None, :] + m.gft.img_col[None, :, :]).reshape(cfg.n_image, -1)
    caches = _prefill(m.gft, rows, cfg.text_ctx + cfg.n_image)
    prev = torch.full((rows.shape[0],), cfg.codebook_size, dtype=torch.long)
    out = torch.empty(B, cfg.n_image, dtype=torch.long)
    gen = torch.Generator().manual_seed(seeds[0])
    for j in range(cfg.n_image):
        lg = _step(m.gft, (m.gft.img_emb(prev) + pos[j]).unsqueeze(1), caches, cfg.text_ctx + j).float()
        lg = lg.view(P + 1, B, -1)
        u = lg[P]
        mix = u + sum(w * (lg[i] - u) for i, w in enumerate(weights))
        p = filter_logits(mix, s["temperature"], s["top_k"], s["top_p"], m.vq_cfg.bg_code)
        t = torch.multinomial(p, 1, generator=gen)[:, 0]
        out[:, j] = t
        prev = t.repeat(P + 1)
    return decode_tokens((m.decoder, m.codebook), out, cfg.grid_h, cfg.grid_w)[0].permute(0, 3, 1, 2)


def main(model, judge_path, meta, n_seeds):
    torch.set_num_threads(2)
    m = load_gguf(model)
    s = m.sampling
    g = s["guidance"]
    judge, index = load_judge(judge_path)
    emap = emoji_concepts(load_meta(meta)[0])
    seeds = list(range(1000, 1000 + int(n_seeds)))
    print("guidance %.1f, temperature %.2f, top-k %d, %d seeds; CNN top-1 / top-5 / rank, style share"
          % (g, s["temperature"], s["top_k"], len(seeds)))
    totals, plain = {}, {}
    for style, phrase in STYLE_PHRASES.items():
        for name, emo in CONCEPTS:
            concept = emap.get(emo) or emap.get(emo.replace("\ufe0f", ""))
            runs = {"concept": ([name], [g]), "joined": (["%s, %s" % (name, phrase)], [g]),
                    "split": ([name, phrase], [g, 1.0])}
            for label, (prompts, weights) in runs.items():
                if label == "concept" and name in plain:
                    imgs = plain[name]
                else:
                    imgs = sample(m, prompts, weights, seeds, s)
                    if label == "concept":
                        plain[name] = imgs
                t1, t5, rank = naming_each(judge, index, imgs, [concept] * len(seeds))
                _, ls, _ = predict(judge, to_judge_input(imgs))
                st = (ls.argmax(1) == STYLES.index(style)).float()
                fig = [t1.mean().item(), t5.mean().item(), rank.mean().item(), st.mean().item()]
                acc = totals.setdefault(label, [0.0] * 4)
                for k in range(4):
                    acc[k] += fig[k] / (len(CONCEPTS) * len(STYLE_PHRASES))
                print("%-8s %-10s %-8s %3.0f %% / %3.0f %% / %.3f  style %3.0f %%"
                      % (style, name, label, 100 * fig[0], 100 * fig[1], fig[2], 100 * fig[3]), flush=True)
    print("mean over %d concepts x %d styles" % (len(CONCEPTS), len(STYLE_PHRASES)))
    for label, f in totals.items():
        print("  %-8s %3.1f %% / %4.1f %% / %.3f  style %4.1f %%" % (label, 100 * f[0], 100 * f[1], f[2], 100 * f[3]))


if __name__ == "__main__":
    main(*sys.argv[1:5])
