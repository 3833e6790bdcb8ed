# SPDX-License-Identifier: GPL-3.0-or-later
"""Does an adjective that says how nice, how big or how tasty cost the named thing? Each adjective A
is typed before 16 everyday names X ("cute red apple", ...) and drawn by the C engine at the file's
defaults with best of K (default 1), seeds SEED..SEED+N-1; the CNN judge names the pictures. Prints
the mean top-1 / top-5 / rank of "A X" beside that of "X" alone (gft.filler_words' FILLERS).

  cd training && python3 eval/results/filler-2026-11-28/filler_study.py cute,little,ripe 0 8 [K]
"""
import json
import sys

sys.path.insert(0, ".")
from eval.local_eval import engine_images, pack_emoji_concepts
from eval.judge import load_judge, naming_each
from gft.gguf_import import sampling_defaults
from gft.gguf_writer import GGUFFile
M = "../models/gft-emoji.gguf"
X = [("red apple", "🍎"), ("cat", "🐱"), ("dog", "🐶"), ("pizza", "🍕"), ("banana", "🍌"), ("sun", "☀️"),
     ("rocket", "🚀"), ("red heart", "❤️"), ("tree", "🌳"), ("star", "⭐"), ("house", "🏠"), ("car", "🚗"),
     ("flower", "🌸"), ("fish", "🐟"), ("bird", "🐦"), ("cake", "🍰")]
A = sys.argv[1].split(",")
seed0, n = int(sys.argv[2]), int(sys.argv[3])
k = int(sys.argv[4]) if len(sys.argv) > 4 else 1
emap = pack_emoji_concepts(None)
judge, index = load_judge("runs/judge/judge-gpu2.pt")
s = sampling_defaults(GGUFFile(M).kv)
seeds = list(range(seed0, seed0 + n))
def fig(prompt, emo):
    c = emap.get(emo) or emap.get(emo.replace("\ufe0f", ""))
    imgs = engine_images("../build/cli/gft", M, "runs/filler-study", 2, [prompt], seeds, s, candidates=k).float()
    t1, t5, r = naming_each(judge, index, imgs, [c] * len(seeds))
    return [t1.mean().item(), t5.mean().item(), r.mean().item()]
base = {x: fig(x, e) for x, e in X}
b = [sum(v[i] for v in base.values()) / len(X) for i in range(3)]
print("plain      %5.1f %% / %5.1f %% / %.3f" % (100 * b[0], 100 * b[1], b[2]), flush=True)
out = {"plain": b}
for a in A:
    f = [fig("%s %s" % (a, x), e) for x, e in X]
    m = [sum(v[i] for v in f) / len(X) for i in range(3)]
    out[a] = m
    print("%-10s %5.1f %% / %5.1f %% / %.3f   d top-5 %+5.1f  d rank %+.3f" % (a, 100 * m[0], 100 * m[1], m[2], 100 * (m[1] - b[1]), m[2] - b[2]), flush=True)
with open("eval/results/filler-2026-11-28/study-%d-%d-k%d.json" % (seed0, n, k), "w") as f:
    json.dump(out, f, indent=1)
