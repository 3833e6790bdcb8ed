# SPDX-License-Identifier: GPL-3.0-or-later
"""Cross-lingual caption distillation: teach the transformer to draw for a caption in another
language what it draws for the same concept's English caption.

Why: the English prompts follow the caption far better than the others ("red apple" is named in
56 % of seeds, "红苹果" in none), because a non-English caption is one of ~25 languages in
training, so Chinese got under 3 % of the CCA pairs. The model already knows what "red apple"
should look like; for every emoji concept with a label in another language, the frozen start
model conditioned on the English label is the teacher and the model conditioned on the other
label is the student, on the concept's real code grid (teacher forcing):

    loss = mean over image positions j of KL( p_teacher(. | en label, x_<j) || p(. | label_L, x_<j) )

A dense target (a whole distribution per position, not CCA's one number per picture) and no
reference or negative rows, so a pair costs half a CCA pair. A share --anchor of the pairs are
anchors: the student sees the teacher's own caption, an English one or the null prompt, so
their KL is 0 at the start and any drift of the English path or of the unconditional row that
guidance subtracts is pulled back.
"""
import copy
import random

import numpy as np
import torch
import torch.nn.functional as F

from . import captions
from .cca import trainable_parameters, tuning_loop
from .common import autocast
from .train_gpt import stored_variant


def caption_pair(item, lang, rng, p_style=0.5):
    """(English caption, caption in lang) of one item: its two labels, both with a style word of
    the item's style in their own language, or neither."""
    en, other = item["labels"]["en"], item["labels"][lang]
    if rng.random() < p_style:
        seed = rng.randrange(1 << 30)  # the same draws place both style words alike
        en = captions._with_style(en, item, "en", random.Random(seed))
        other = captions._with_style(other, item, lang, random.Random(seed))
    return en, other


def usable_rows(items, rows):
    """The rows with an English label and a label in at least one other language."""
    return [r for r in rows if items[r]["labels"].get("en") and any(
        lang != "en" and text for lang, text in items[r]["labels"].items())]


def make_distill_batch(items, rows, flip_ok, n_var, tok, T, B, rng, p_preferred, anchor):
    """B rows, code-grid variants and (teacher, student) caption ids [B, T]. A share `anchor` of
    rows are anchors (teacher caption = student caption: half an English caption, half the
    null prompt)."""
    r = np.empty(B, np.int64)
    var = np.zeros(B, np.int64)
    teach = np.empty((B, T), np.int64)
    stud = np.empty((B, T), np.int64)
    for i in range(B):
        row = rows[rng.randrange(len(rows))]
        v = rng.randrange(n_var)
        r[i], var[i] = row, stored_variant(v, flip_ok[row])
        item = items[row]
        if rng.random() < anchor:
            text = item["labels"]["en"] if rng.random() < 0.5 else ""
            if text and rng.random() < 0.5:
                text = caption_pair(item, "en", rng, p_style=1.0)[0]
            teach[i] = stud[i] = tok.prefix(text, T)
        else:
            others = sorted(lang for lang, text in item["labels"].items() if lang != "en" and text)
            en, other = caption_pair(item, captions.pick_other_language(others, rng, p_preferred), rng)
            teach[i], stud[i] = tok.prefix(en, T), tok.prefix(other, T)
    return r, var, teach, stud


def english_token_ids(items, tok):
    """The ids of every token of every English caption fragment the sampler draws (labels, tags,
    style words, template words): with train='text-other' their embeddings stay fixed, so an
    English prompt of words the model knows gives the very same pictures as before."""
    return {i for t in captions.all_caption_texts(items, langs={"en"}) for i in tok.encode(t)}


def distill_loss(student_logits, teacher_logits):
    """KL(teacher || student) per image position, summed over the codebook, mean over positions."""
    t = F.log_softmax(teacher_logits.float(), -1)
    s = F.log_softmax(student_logits.float(), -1)
    return (t.exp() * (t - s)).sum(-1).mean()


def finetune(model, codes, items, rows, tok, *, n_image, batch, lr, budget_s, seed, log, max_steps=None,
             p_preferred=0.8, anchor=0.25, train="all", checkpoint=None, checkpoint_every=None, stop=None):
    """Distillation on CPU or GPU (model and codes on the same device); returns (model, stats).
    train: 'all' weights, or 'text-other': only the embeddings of the tokens no English caption
    uses (every English caption and the null prompt then draw exactly as before, so anchors are
    moot). checkpoint and stop as in gft.cca.finetune."""
    from .train_gpt import fast_forward
    rows = usable_rows(items, rows)
    if not rows:
        raise ValueError("lang_distill: no row has an English label and one in another language")
    teacher = copy.deepcopy(model).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    model.eval()  # no dropout: the anchors' KL starts at exactly 0
    if train == "text-other":
        params = trainable_parameters(model, "text", english_token_ids(items, tok))
    else:
        params = trainable_parameters(model, train)
    flip_ok = [bool(it.get("flip_ok", False)) for it in items]
    rng = random.Random(seed)
    T, dev = model.cfg.text_ctx, codes.device

    def batch_loss():
        r, var, teach, stud = make_distill_batch(items, rows, flip_ok, codes.shape[0], tok, T, batch, rng,
                                                 p_preferred, anchor)
        x = codes[torch.from_numpy(var).to(dev), torch.from_numpy(r).to(dev)][:, :n_image]
        with torch.no_grad(), autocast(dev):
            target = fast_forward(teacher, torch.from_numpy(teach).to(dev), x)
        with autocast(dev):
            out = fast_forward(model, torch.from_numpy(stud).to(dev), x)
        return distill_loss(out, target), lambda: {}

    steps, seconds, hist = tuning_loop(model, params, lr, batch_loss, "distill", budget_s=budget_s,
                                       max_steps=max_steps, checkpoint=checkpoint,
                                       checkpoint_every=checkpoint_every, stop=stop, log=log)
    return model, dict(objective="lang-distill", steps=steps, seconds=seconds, batch=batch, lr=lr,
                       p_preferred=p_preferred, anchor=anchor, train=train, image_tokens=n_image,
                       rows=len(rows), history=hist)
