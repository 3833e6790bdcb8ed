# SPDX-License-Identifier: GPL-3.0-or-later
"""Sampling weights that give every distinct thing one share of the training samples.

Emoji of people and hands come in a default and five skin tones (and two-person emoji in up to
25 tone pairs). emojibase lists each as its own concept, so with uniform sampling almost 40 %
of all samples in our pack went to skin-tone variants of ~250 gestures and people, and an
apple or a cat was seen rarely. ``family_weights`` puts each tone family on the footing of one
concept: an image's weight is 1 / (number of concepts in its family among the sampled rows).
Everything else (icons, clip art, emoji without tones) keeps weight 1.
"""
from collections import defaultdict

SKIN_TONE_CODES = frozenset(("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"))


def tone_family(concept):
    """Concept id with the skin-tone modifiers removed: "emoji:1F44B-1F3FF" -> "emoji:1F44B"."""
    if not concept.startswith("emoji:"):
        return concept
    parts = [p for p in concept[len("emoji:"):].split("-") if p.upper() not in SKIN_TONE_CODES]
    return "emoji:" + "-".join(parts)


def family_weights(items, rows):
    """One float weight per entry of rows (indices into items), see the module doc."""
    concepts = defaultdict(set)
    for r in rows:
        c = items[r]["concept"]
        concepts[tone_family(c)].add(c)
    return [1.0 / len(concepts[tone_family(items[r]["concept"])]) for r in rows]


def sampled_share(items, rows, weights, pred):
    """Expected share of samples whose item satisfies pred (for the log and the tests)."""
    tot = sum(weights)
    return sum(w for r, w in zip(rows, weights) if pred(items[r])) / tot if tot else 0.0
