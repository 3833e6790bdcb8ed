"""Reads partial_scores.py's JSON: judge figures of the first sample, best of 4 by the full
score, best of 4 pruned to 2 after r rows (then the full score), and best by the partial score
alone; how often the pick equals best of 4's; the partial score's correlation with the full one.
  python3 analyse.py partial-scores-64.json"""
import json, sys, numpy as np
res = json.load(open(sys.argv[1]))
K = 4
M = ("cnn1", "cnn5", "cnnrank", "knn5")
def pick(full, part, keep):
    full, part = np.array(full), np.array(part)
    g = len(full) // K
    sel = []
    for i in range(g):
        idx = np.arange(i * K, i * K + K)
        if part is None or keep >= K: surv = idx
        else: surv = idx[np.argsort(-part[idx], kind="stable")[:keep]]
        sel.append(surv[np.argmax(full[surv])])
    return np.array(sel)
rows = {}
for name, r in [("first", None), ("best4", "full")] + [("r%d keep2" % x, "r%d" % x) for x in (4, 6, 8, 10, 12)] + [("r%d keep1" % x, "r%d" % x) for x in (4, 8, 12)]:
    acc = {m: [] for m in M}; same = []
    for p, d in res.items():
        n = len(d["full"])
        if r is None: sel = np.arange(0, n, K)
        elif r == "full": sel = pick(d["full"], None, K)
        else:
            keep = 1 if "keep1" in name else 2
            sel = pick(d["full"], d[r], keep) if keep == 2 else pick(d[r], None, K)
        best = pick(d["full"], None, K)
        same.append(np.mean(sel == best))
        for m in M: acc[m].append(np.mean(np.array(d["fig"][m])[sel]))
    print("%-12s" % name, "  ".join("%s %.3f" % (m, np.mean(acc[m])) for m in M), " same-as-best4 %.2f" % np.mean(same))
# correlation of partial score with full
for x in (4, 6, 8, 10, 12):
    cs = [np.corrcoef(d["full"], d["r%d" % x])[0, 1] for d in res.values()]
    print("r%d corr with full %.2f" % (x, np.mean(cs)))
print(len(res), "prompts")
