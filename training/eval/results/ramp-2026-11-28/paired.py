# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-prompt comparison of two eval.best_of_sets results (LABEL from FILE each): prompts whose
top-1 / top-5 count over the seeds rose, fell or stayed, and a two-sided sign test.

  python3 paired.py base=sets-base.json:m ramp3=sets-tok_1_3.json:m
"""
import json
import math
import sys


def load(arg):
    label, rest = arg.split("=", 1)
    path, key = rest.rsplit(":", 1)
    return label, json.load(open(path))[key]["per_prompt"]


def sign_p(wins, losses):
    n, k = wins + losses, min(wins, losses)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0


(la, a), (lb, b) = load(sys.argv[1]), load(sys.argv[2])
for i, name in enumerate(("top-1", "top-5")):
    up = sum(b[p][i] > a[p][i] for p in a)
    down = sum(b[p][i] < a[p][i] for p in a)
    tot_a, tot_b = sum(a[p][i] for p in a), sum(b[p][i] for p in a)
    print("%s: %s %d -> %s %d hits; %d prompts up, %d down, %d level; sign test p = %.3f"
          % (name, la, tot_a, lb, tot_b, up, down, len(a) - up - down, sign_p(up, down)))
