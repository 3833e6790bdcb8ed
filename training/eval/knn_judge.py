# SPDX-License-Identifier: GPL-3.0-or-later
"""A training-free judge for CPU-only evaluation: nearest real images in a small pixel space.

An image is reduced to 24 x 24 premultiplied RGBA composited over mid grey plus its alpha
(4 x 576 values, centred and l2-normalised); its nearest neighbours among all real images
vote for a concept (emoji skin tones merged, as in eval/judge.py). No generated image is ever
in the reference set. Its own accuracy on real images (leave-one-out, so a real image must be
matched by another image of its concept, usually another style) is the ceiling it reports.
"""
import torch
import torch.nn.functional as F

from gft.common import premultiply

from .judge import base_concept

SIDE = 24


def features(premul):
    """premultiplied RGBA [B, 4, H, W] float in [0, 1] -> [B, D] unit vectors."""
    x = F.adaptive_avg_pool2d(premul.float(), SIDE)
    rgb = x[:, :3] + (1 - x[:, 3:4]) * 0.5
    f = torch.cat([rgb, x[:, 3:4]], 1).flatten(1)
    f = f - f.mean(1, keepdim=True)
    return F.normalize(f, dim=1)


class KNNJudge:
    def __init__(self, images_u8, items, batch=512):
        """images_u8: uint8 [N, 128, 128, 4] tensor of real images."""
        feats = []
        for i in range(0, len(images_u8), batch):
            feats.append(features(premultiply(images_u8[i:i + batch])))
        self.feats = torch.cat(feats)
        names = sorted({base_concept(it["concept"]) for it in items})
        self.index = {n: i for i, n in enumerate(names)}
        self.cls = torch.tensor([self.index[base_concept(it["concept"])] for it in items])

    def neighbours(self, f, k=5, exclude=None):
        sim = f @ self.feats.t()
        if exclude is not None:
            sim[torch.arange(len(f)), exclude] = -2.0
        return self.cls[sim.topk(k, 1).indices]

    def score_each(self, premul, targets, k=5):
        """Per image [B] tensors: nearest real image's concept is the target / any of the k nearest is."""
        tgt = torch.tensor([self.index.get(t, -1) for t in targets])
        nb = self.neighbours(features(premul), k)
        return (nb[:, 0] == tgt).float(), (nb == tgt[:, None]).any(1).float()

    def score(self, premul, targets, k=5):
        """-> (top1 hit rate, top5 hit rate): the means of score_each."""
        top1, top5 = self.score_each(premul, targets, k)
        return top1.mean().item(), top5.mean().item()

    def rank_each(self, premul, targets):
        """Per image: the fraction of concepts that the image resembles less than its intended
        concept (each concept scored by its most similar real image): 1.0 = perfect, chance = 0.5."""
        f = features(premul)
        tgt = torch.tensor([self.index.get(t, -1) for t in targets])
        out = []
        for i in range(0, len(f), 64):
            sim = f[i:i + 64] @ self.feats.t()
            cm = torch.full((len(sim), len(self.index)), -2.0)
            cm = cm.scatter_reduce(1, self.cls.expand(len(sim), -1), sim, reduce="amax")
            t = tgt[i:i + 64]
            ts = cm.gather(1, t.clamp_min(0)[:, None])
            out.append((cm < ts).float().mean(1))
        return torch.cat(out)

    def score_any_each(self, premul, concepts):
        """Per image (top-5, rank) where any of concepts (one list for every image: the concepts a
        word names) counts as right; the rank is that of the most similar of them."""
        idx = torch.tensor([self.index[c] for c in concepts if c in self.index])
        f = features(premul)
        sim = f @ self.feats.t()
        per_concept = torch.full((len(f), len(self.index)), -2.0).scatter_reduce(
            1, self.cls.expand(len(f), -1), sim, reduce="amax")
        best = per_concept[:, idx].max(1).values
        near = self.cls[sim.topk(5, 1).indices]
        return torch.isin(near, idx).any(1).float(), (per_concept < best[:, None]).float().mean(1)

    def rank_percentile(self, premul, targets):
        """The mean of rank_each."""
        return self.rank_each(premul, targets).mean().item()

    def ceiling(self, rows):
        """Leave-one-out accuracy on real images `rows` (list of indices)."""
        r = torch.tensor(rows)
        nb = self.neighbours(self.feats[r], 5, exclude=r)
        t = self.cls[r]
        return (nb[:, 0] == t).float().mean().item(), (nb == t[:, None]).any(1).float().mean().item()
