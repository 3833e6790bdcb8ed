# SPDX-License-Identifier: GPL-3.0-or-later
"""Best of K by the reranker (gft.rerank): does picking one of K samples raise the judges' figures?

For each acceptance prompt, read through the model file's prompt lexicon as the engine reads it,
--n images are sampled at the model file's defaults (PyTorch, gft.batch_sample) and named by both
judges, each trained on real images only: the CNN judge (top-1 / top-5 / mean rank) and the
nearest-real-image judge (top-5 / mean rank). The rerankers score them against the reading. The images are
then cut into groups of K, and one image per group is kept:
  first     the group's first image (what plain sampling gives),
  rerank    the image the reranker scores highest for the prompt,
  oracle    the image the CNN judge ranks best (an upper bound, not a method).

  cd training && python3 -m eval.rerank_study --model ../models/gft-emoji.gguf \\
      --rerank runs/rerank/rerank.pt --cnn-judge runs/gpu2/final.pt --n 64 -o study.json
"""
import argparse
import json
import sys
import time

import torch

from gft import lexicon as lexicon_mod
from gft import rerank as rr
from gft import rerank_gguf
from gft.batch_sample import generate
from gft.dataset import load_pack
from gft.gguf_import import load_gguf
from gft.sample import decode_tokens
from gft.train_gpt import null_prefix

from .acceptance import PROMPTS
from .evaluate import concept_of_emoji, emoji_concepts
from .judge import base_concept, load_judge, naming_each
from .knn_judge import KNNJudge

METRICS = ("cnn1", "cnn5", "cnnrank", "knn5", "knnrank")


def judge_each(cnn, class_index, knn, premul, concept):
    """Per-image figures {metric: [B] floats} for images [B, 4, 128, 128] meant to show concept."""
    targets = [concept] * len(premul)
    cnn1, cnn5, cnnrank = naming_each(cnn, class_index, premul, targets)
    return dict(cnn1=cnn1, cnn5=cnn5, cnnrank=cnnrank, knn5=knn.score_each(premul, targets)[1],
                knnrank=knn.rank_each(premul, targets))

def load_scorer(path, tok):
    """score(prompt, premul [B, 4, H, W]) -> [B] from gft.rerank's .pt, or from a model file's
    reranker exactly as the engine holds it (folded, quantised weights)."""
    if path.endswith(".gguf"):
        fr = rerank_gguf.load(path)
        if fr is None:
            raise SystemExit("rerank_study: %s has no reranker" % path)
        return lambda prompt, premul: fr.score(tok.encode(prompt), premul)
    model = rr.load(path)
    return lambda prompt, premul: model.score(tok, prompt, premul)


def best_of(figures, score, K):
    """Mean figures over groups of K, keeping per group the image with the highest score."""
    n = len(score) // K * K
    keep = score[:n].view(-1, K).argmax(1) + torch.arange(0, n, K)
    return {m: figures[m][keep].mean().item() for m in METRICS}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--rerank", required=True, action="append",
                    help="gft.rerank's output (.pt) or a model file with a reranker (.gguf); "
                         "repeat to compare (rows rerank@K, rerank2@K, ...)")
    ap.add_argument("--cnn-judge", required=True, help="a pipeline run's final.pt holding the CNN judge")
    ap.add_argument("--pack", default=None)
    ap.add_argument("--n", type=int, default=64, help="images per prompt")
    ap.add_argument("--k", default="2,4,8")
    ap.add_argument("--seed", type=int, default=7777)
    ap.add_argument("--prompts", default=None, help="comma-separated subset of the acceptance prompts")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (batched sampling on 2 cores ran faster with 1)")
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    m = load_gguf(a.model)
    cfg, s = m.gft.cfg, m.sampling
    scorers = [load_scorer(path, m.tokenizer) for path in a.rerank]
    cnn, class_index = load_judge(a.cnn_judge)
    images, items, _ = load_pack(a.pack)
    knn = KNNJudge(torch.from_numpy(images), items)
    emap = emoji_concepts(items)
    wanted = a.prompts.split(",") if a.prompts else None
    prompts = [(p, base_concept(concept_of_emoji(emap, e)))
               for p, e in PROMPTS if wanted is None or p in wanted]
    null = torch.tensor(null_prefix(cfg.text_ctx), dtype=torch.long)
    Ks = [int(k) for k in a.k.split(",")]
    lexicon = lexicon_mod.read(a.model)  # prompts are read through it, as the engine reads them
    articles = lexicon_mod.read_articles(a.model)
    per_prompt, t0 = {}, time.time()
    for n_p, (prompt, concept) in enumerate(prompts):
        reading = lexicon_mod.translate(prompt, lexicon, articles=articles)[0] if lexicon else prompt
        ids = torch.tensor([m.tokenizer.prefix(reading, cfg.text_ctx)] * a.n, dtype=torch.long)
        gen = torch.Generator().manual_seed(a.seed + n_p)
        toks = generate(m.gft, ids, null, guidance=s["guidance"], temperature=s["temperature"], top_k=s["top_k"],
                        top_p=s["top_p"], generator=gen, background=m.vq_cfg.bg_code)
        with torch.no_grad():
            premul = decode_tokens((m.decoder, m.codebook), toks, cfg.grid_h, cfg.grid_w)[0].permute(0, 3, 1, 2)
        fig = judge_each(cnn, class_index, knn, premul, concept)
        scores = [score(reading, premul) for score in scorers]
        row = {"all": {k: v.mean().item() for k, v in fig.items()}}
        for K in Ks:
            row["first@%d" % K] = best_of(fig, (torch.arange(a.n) % K == 0).float(), K)
            for i, score in enumerate(scores):
                row["rerank%s@%d" % (i + 1 if i else "", K)] = best_of(fig, score, K)
            row["oracle@%d" % K] = best_of(fig, fig["cnnrank"], K)
        per_prompt[prompt] = row
        print("%-18s %4.0fs  all cnn-5 %.2f  rerank@4 cnn-5 %.2f" % (prompt, time.time() - t0, row["all"]["cnn5"],
                                                                 row.get("rerank@4", row["all"])["cnn5"]), flush=True)
    keys = list(next(iter(per_prompt.values())))
    mean = {k: {m_: sum(r[k][m_] for r in per_prompt.values()) / len(per_prompt) for m_ in METRICS} for k in keys}
    print("\nmean over %d prompts x %d images: CNN judge top-1 / top-5 / rank, nearest-real top-5 / rank"
          % (len(per_prompt), a.n))
    for k in keys:
        r = mean[k]
        print("  %-10s %5.1f %% %5.1f %%  %.3f   %5.1f %%  %.3f" % (k, 100 * r["cnn1"], 100 * r["cnn5"], r["cnnrank"],
                                                               100 * r["knn5"], r["knnrank"]))
    if a.output:
        with open(a.output, "w") as f:
            json.dump(dict(model=a.model, rerank=a.rerank, n=a.n, seed=a.seed, sampling=s, mean=mean,
                           prompts=per_prompt), f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
