# SPDX-License-Identifier: GPL-3.0-or-later
"""Prunes the prompt lexicon with the model itself: a frequent word of another language stays
out of the lexicon when the model already reads it better than its English.

Why: the lexicon helps where the model barely learnt a language's word ("红苹果" draws no apple,
"red apple" does), but the model learnt some words of other languages *better* than their
English: "Katze" draws cat faces, while "cat", which clip-art titles share, draws scraps
(models/MODEL_CARD.md, "Prompt lexicon"). A word seen in the captions of many concepts is the
kind the model may know well, so each one-word source used by at least `min_concepts` concepts
is tested: on the code grids of up to `max_concepts` of those concepts (their first image, as
stored), the model's negative log-likelihood of the first `n_tokens` image tokens given the
source is compared with that given its English target. The entry stays only when the English
is at least as likely on at least half of them: a vote, since one concept whose own label is
the target ("cat" for 🐈) can outweigh many others in a mean. Rarer words and phrases stay
untested: the model saw them too seldom to know them well.
"""
import torch
import torch.nn.functional as F

from . import lexicon as lexicon_mod


def first_rows(items):
    """{concept: the index of its first item} (the row of its code grids)."""
    rows = {}
    for i, it in enumerate(items):
        rows.setdefault(it["concept"], i)
    return rows


def pick(ids, k):
    """Up to k of the sorted ids, evenly spread (deterministic)."""
    ids = sorted(ids)
    if len(ids) <= k:
        return ids
    return [ids[round(j * (len(ids) - 1) / (k - 1))] for j in range(k)] if k > 1 else ids[:1]


@torch.no_grad()
def nll(model, tok, pairs, grids, n_tokens, batch=64):
    """Mean negative log-likelihood (nats per token) of the first n_tokens tokens of grids[row]
    given the prompt text, for each (text, row) in pairs."""
    T = model.cfg.text_ctx
    out = []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i:i + batch]
        ids = torch.tensor([tok.prefix(text, T) for text, _ in chunk], dtype=torch.long)
        toks = torch.stack([grids[row, :n_tokens] for _, row in chunk])
        logits = model(ids, toks)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), toks.reshape(-1), reduction="none")
        out.append(loss.view(len(chunk), -1).mean(1))
    return torch.cat(out) if out else torch.zeros(0)


def prune(lexicon, items, grids, model, tok, min_concepts=3, max_concepts=6, n_tokens=64, batch=64,
          log=lambda msg: None):
    """-> (the lexicon without the entries the model reads better as typed, report). grids:
    LongTensor [n_items, n_image] (the code grids of items, as stored)."""
    concepts = lexicon_mod.multilingual_concepts(items)
    where, _ = lexicon_mod.word_concepts(concepts)
    rows = first_rows(items)
    tested = {}
    for src in sorted(lexicon, key=lambda s: s.encode()):
        users = [c for c in where.get(src, ()) if c in rows] if " " not in src else []
        if len(users) >= min_concepts:
            tested[src] = [rows[c] for c in pick(users, max_concepts)]
    pairs = sorted({(text, row) for src, rs in tested.items() for row in rs for text in (src, lexicon[src])})
    log("lexicon_prune: %d of %d entries tested on %d (text, grid) pairs, %d image tokens each"
        % (len(tested), len(lexicon), len(pairs), n_tokens))
    index = {p: i for i, p in enumerate(pairs)}
    losses = []
    for i in range(0, len(pairs), 20 * batch):
        losses.append(nll(model, tok, pairs[i:i + 20 * batch], grids, n_tokens, batch))
        log("lexicon_prune: %d / %d pairs" % (min(i + 20 * batch, len(pairs)), len(pairs)))
    losses = torch.cat(losses) if losses else torch.zeros(0)
    kept, dropped = dict(lexicon), {}
    for src, rs in tested.items():
        typed = [float(losses[index[(src, r)]]) for r in rs]
        english = [float(losses[index[(lexicon[src], r)]]) for r in rs]
        wins = sum(e <= t for e, t in zip(english, typed))
        if 2 * wins < len(rs):
            dropped[src] = dict(target=lexicon[src], english_wins=wins, of=len(rs),
                                nll_typed=round(sum(typed) / len(rs), 4), nll_english=round(sum(english) / len(rs), 4))
            del kept[src]
    report = dict(tested=len(tested), dropped=len(dropped), n_tokens=n_tokens, max_concepts=max_concepts,
                  min_concepts=min_concepts, dropped_entries=dropped)
    log("lexicon_prune: %d of %d tested entries dropped (the model reads them better as typed)"
        % (len(dropped), len(tested)))
    return kept, report
