"""Partial-grid reranking study (twenty-eighth session): per acceptance prompt, n images sampled
at the file's defaults (gft.batch_sample), named by both judges; the file's reranker scores each
on its full grid and on the grid cut after r rows (the rest transparent, as the engine's preview
decodes it). analyse.py then asks whether pruning best of 4 half-way keeps the pick.

  cd training && OPENBLAS_NUM_THREADS=2 PYTHONPATH=. python3 \
      eval/results/prune-2026-11-29/partial_scores.py ../models/gft-emoji.gguf 64 out.json
"""
import sys, time, json, torch
from gft import lexicon as lexicon_mod, rerank_gguf
from gft.batch_sample import generate
from gft.dataset import load_pack
from gft.gguf_import import load_gguf
from gft.sample import decode_tokens
from gft.train_gpt import null_prefix
from eval.acceptance import PROMPTS
from eval.evaluate import concept_of_emoji, emoji_concepts
from eval.judge import base_concept, load_judge
from eval.rerank_study import judge_each
from eval.knn_judge import KNNJudge
torch.set_num_threads(1)
model, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
m = load_gguf(model); cfg, s = m.gft.cfg, m.sampling
fr = rerank_gguf.load(model)
cnn, ci = load_judge("runs/judge/judge-gpu2.pt")
images, items, _ = load_pack("../.devdata/pack")
knn = KNNJudge(torch.from_numpy(images), items)
emap = emoji_concepts(items)
lex = lexicon_mod.read(model); art = lexicon_mod.read_articles(model)
null = torch.tensor(null_prefix(cfg.text_ctx), dtype=torch.long)
res = {}
t0 = time.time()
for n_p, (p, e) in enumerate(PROMPTS):
    concept = base_concept(concept_of_emoji(emap, e))
    reading = lexicon_mod.translate(p, lex, articles=art)[0]
    ids = torch.tensor([m.tokenizer.prefix(reading, cfg.text_ctx)] * n, dtype=torch.long)
    gen = torch.Generator().manual_seed(9000 + n_p)
    toks = generate(m.gft, ids, null, guidance=s["guidance"], temperature=s["temperature"], top_k=s["top_k"],
                    top_p=s["top_p"], generator=gen, background=m.vq_cfg.bg_code)
    tid = m.tokenizer.encode(reading)
    row = {}
    with torch.no_grad():
        premul = decode_tokens((m.decoder, m.codebook), toks, cfg.grid_h, cfg.grid_w)[0].permute(0, 3, 1, 2)
        fig = judge_each(cnn, ci, knn, premul, concept)
        row["fig"] = {k: v.tolist() for k, v in fig.items()}
        row["full"] = fr.score(tid, premul).tolist()
        for r in (4, 6, 8, 10, 12):
            t2 = toks.clone(); t2[:, r * cfg.grid_w:] = 0
            pm = decode_tokens((m.decoder, m.codebook), t2, cfg.grid_h, cfg.grid_w)[0].permute(0, 3, 1, 2)
            pm[:, :, r * 8:, :] = 0  # the engine makes unfilled cells transparent
            row["r%d" % r] = fr.score(tid, pm).tolist()
    res[p] = row
    print(p, "%.0fs" % (time.time() - t0), flush=True)
    json.dump(res, open(out, "w"))
