# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe (twentieth session, not kept): can any of a concept's 26 emojibase labels make the
shipped weights draw dog, pizza, banana, rocket or sun? Each label draws seeds 3000-3007 (one
sample each, C engine, file defaults, --literal) and the CNN judge names them; prints the best 8
wordings per concept by (top-5 share, mean rank). Run in training/ with Debian's python3."""
import sys, time
sys.path.insert(0, '.')
from gft.readings import Drawer
from gft.dataset import load_meta
from gft.text import normalize
from gft import lexicon as lexicon_mod
items = load_meta('../.devdata/pack/meta.json.xz')[0]
concepts = lexicon_mod.multilingual_concepts(items)
d = Drawer('../build/cli/gft', '../models/gft-emoji.gguf', 'runs/judge/judge-gpu2.pt', 2)
targets = {'dog': ['emoji:1F436', 'emoji:1F415'], 'pizza': ['emoji:1F355'], 'banana': ['emoji:1F34C'],
           'rocket': ['emoji:1F680'], 'sun': ['emoji:2600', 'emoji:1F31E']}
seeds = list(range(3000, 3008))
for key, cids in targets.items():
    cands = set([key])
    for cid in cids:
        c = concepts.get(cid)
        if not c:
            print('missing', cid); continue
        for lang, lab in c['labels'].items():
            cands.add(normalize(lab))
    res = []
    t0 = time.time()
    for t in sorted(cands):
        try:
            res.append((d.judged(t, cids, seeds), t))
        except Exception as e:
            print('fail', t, e)
    res.sort(reverse=True)
    print(key, '%.0fs' % (time.time() - t0), [(t, r) for r, t in res[:8]], 'typed', [r for r, t in res if t == key])
    sys.stdout.flush()
