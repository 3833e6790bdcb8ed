# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the training code (training/gft/{train_vq,train_gpt,batch_sample,encode,
pipeline}.py, training/eval/) on tiny models and a synthetic pack.

Run: PYTHONPATH=training /usr/bin/python3 tests/training/test_training.py
"""
import copy
import io
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from gft import batch_sample, pipeline, train_gpt
from gft.common import Log
from gft.encode import encode_all
from gft.model import GFT, GFTConfig
from gft.text import train_bpe
from gft.train_vq import encode_images, eval_vq, train_vq
from gft.vq import VQConfig
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)


torch.set_num_threads(1)


def tiny_gpt(seed=0):
    torch.manual_seed(seed)
    cfg = GFTConfig(text_vocab=300, text_ctx=8, grid_w=4, grid_h=4, codebook_size=32, n_embd=32,
                    n_layer=2, n_head=4, n_ff=64)
    m = GFT(cfg).eval()
    with torch.no_grad():  # larger weights than the init so logits are far from uniform
        for p in m.parameters():
            p.mul_(8.0 if p.dim() >= 2 else 1.0)
    return m


def test_fast_forward():
    m = tiny_gpt()
    text = torch.randint(0, 300, (3, 8))
    img = torch.randint(0, 32, (3, 16))
    a = m(text, img)
    b = train_gpt.fast_forward(m, text, img)
    check(torch.allclose(a, b, atol=1e-4), "fast_forward matches model.forward")


def greedy_reference(m, text, null, s):
    """Argmax decoding by re-running the full reference forward at every step."""
    B, N = text.shape[0], m.cfg.n_image
    toks = torch.zeros(B, 0, dtype=torch.long)
    for j in range(N):
        inp = torch.cat([toks, torch.zeros(B, 1, dtype=torch.long)], 1)
        lc = m(text, inp)[:, j]
        if s != 1.0:
            lu = m(null.expand(B, -1), inp)[:, j]
            lc = lu + s * (lc - lu)
        toks = torch.cat([toks, lc.argmax(-1, keepdim=True)], 1)
    return toks


def test_generate_matches_reference():
    m = tiny_gpt(1)
    text = torch.randint(3, 300, (2, 8))
    null = torch.tensor([[1, 2] + [0] * 6])
    for s in (1.0, 3.0):
        got = batch_sample.generate(m, text, null, guidance=s, temperature=0.0)
        want = greedy_reference(m, text, null, s)
        check(torch.equal(got, want), "KV-cache greedy generation equals full forward (s=%g)" % s)


def test_filter_logits():
    l = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    p = batch_sample.filter_logits(l, 1.0, 0, 0.8)
    check(torch.allclose(p, torch.tensor([[0.5, 0.3, 0.0, 0.0]])), "top-p keeps the smallest set reaching p")
    p = batch_sample.filter_logits(l, 1.0, 3, 1.0)
    check(torch.allclose(p, torch.tensor([[0.5, 0.3, 0.15, 0.0]]) / 0.95), "top-k keeps k tokens")
    check(batch_sample.filter_logits(l, 0.0, 0, 1.0) is None, "temperature 0 means argmax")
    g = torch.Generator().manual_seed(0)
    m = tiny_gpt(2)
    text = torch.randint(3, 300, (4, 8))
    null = torch.tensor([[1, 2] + [0] * 6])
    t = batch_sample.generate(m, text, null, guidance=2.0, temperature=1.0, top_k=5, generator=g)
    check(t.shape == (4, 16) and int(t.min()) >= 0 and int(t.max()) < 32, "sampled tokens in range")


def fake_images(n=16, seed=0):
    rng = np.random.RandomState(seed)
    im = np.zeros((n, 128, 128, 4), np.uint8)
    for i in range(n):
        x0, y0 = rng.randint(10, 60, 2)
        im[i, y0:y0 + 50, x0:x0 + 50] = list(rng.randint(0, 256, 3)) + [255]
    return torch.from_numpy(im)


def test_vq_train_encode_eval():
    cfg = VQConfig(codebook_size=16, dec_channels=(16, 8, 8, 8), enc_channels=(8, 16, 16), n_groups=4)
    ims = fake_images()
    log = Log(None)
    dev = torch.device("cpu")
    model, stats = train_vq(ims, torch.arange(12), cfg, budget_s=1e9, batch=4, lr=1e-3, device=dev,
                            log=log, seed=0, max_steps=6)
    check(stats["steps"] == 6 and np.isfinite(stats["history"][-1]["loss"]), "VQ trains with a finite loss")
    codes, cs = encode_all(model, ims, dev, batch=5)
    check(codes.shape == (2, 16, 256) and int(codes.max()) < 16, "encode_all gives [2, N, 256] codes")
    check(0 < cs["usage"] <= 1 and 0 <= cs["background_code"] < 16, "codebook stats in range")
    ev = eval_vq(model, ims, torch.arange(12, 16), dev)
    check(ev["n_images"] == 4 and 0 <= ev["alpha_mae"] <= 1, "eval_vq reports metrics")
    # the mirrored row encodes the mirrored image
    mir = encode_images(model, torch.flip(ims, [2]), torch.arange(16), dev)
    check(torch.equal(mir.view(16, -1).long(), codes[1]), "mirror codes equal codes of mirrored images")


def test_tune_decoder_on_fixed_codes():
    from gft.tune_decoder import batch, tune
    cfg = VQConfig(codebook_size=16, dec_channels=(16, 8, 8, 8), enc_channels=(8, 16, 16), n_groups=4)
    ims = fake_images()
    dev = torch.device("cpu")
    model, _ = train_vq(ims, torch.arange(16), cfg, budget_s=1e9, batch=4, lr=1e-3, device=dev,
                        log=Log(None), seed=0, max_steps=4)
    codes, _ = encode_all(model, ims, dev, batch=8)
    codes = codes.long()
    # a batch pairs each target with its own codes, mirrored images with the mirrored codes
    tgt, idx = batch(ims, codes, torch.arange(16), torch.Generator().manual_seed(3), 16)
    check(tgt.shape == (16, 4, 128, 128) and idx.shape == (16, 16, 16), "tune_decoder batch shapes")
    own = torch.stack([codes[0][i] for i in range(16)]).view(16, 16, 16)
    mirrored = (idx != own).flatten(1).any(1)
    check(mirrored.any() and not mirrored.all(), "tune_decoder mirrors part of the batch")
    frozen = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("decoder.")}
    dec0 = {k: v.clone() for k, v in model.decoder.state_dict().items()}

    def error():
        with torch.no_grad():
            rec = model.decoder(model.quantizer.lookup(codes[0].view(16, 16, 16)))
            return (rec - premul_of(ims)).abs().mean().item()

    before = error()
    stats = tune(model, ims, codes, torch.arange(16), budget_s=1e9, batch_size=8, lr=3e-3, seed=1,
                 log=Log(None), max_steps=25)
    after = error()
    check(stats["steps"] == 25, "tune_decoder stops at max_steps")
    check(after < before, "tuning the decoder lowers its error on fixed codes (%.4f -> %.4f)" % (before, after))
    check(all(torch.equal(v, model.state_dict()[k]) for k, v in frozen.items()),
          "tune_decoder leaves the encoder and the codebook alone")
    check(any(not torch.equal(v, model.decoder.state_dict()[k]) for k, v in dec0.items()),
          "tune_decoder changes the decoder")


def test_background_code_and_reframing():
    from gft.encode import reframe
    from gft.vq import transparent_patches
    cfg = VQConfig(codebook_size=16, dec_channels=(16, 8, 8, 8), enc_channels=(8, 8, 16, 16),
                   n_groups=4, enc_input=128, bg_code=0)
    ims = fake_images()
    dev = torch.device("cpu")
    model, _ = train_vq(ims, torch.arange(12), cfg, budget_s=1e9, batch=4, lr=1e-3, device=dev,
                        log=Log(None), seed=0, max_steps=4)
    check(torch.equal(model.quantizer.codebook[0], model.quantizer.ema_sum[0]),
          "the reserved background code keeps its vector through training")
    codes, cs = encode_all(model, ims, dev, batch=5, flip_ok=torch.ones(16, dtype=torch.bool),
                           n_aug=2, seed=1)
    check(codes.shape == (4, 16, 256), "encode_all gives [2 + n_aug, N, 256] codes")
    x = premul_of(ims)
    bg = transparent_patches(x, 16).reshape(16, -1)
    check(cs["background_code"] == 0 and bool((codes[0][bg] == 0).all()), "transparent patches get code 0")
    check(not bool((codes[0][~bg] == 0).any()), "no other patch gets the background code")
    check(0 < cs["background_fraction"] < 1, "background fraction reported")
    check(not torch.equal(codes[2], codes[0]) and not torch.equal(codes[2], codes[3]),
          "re-framings differ from the stored image and from each other")
    one = torch.ones(1)
    y = reframe(x[:1], one, torch.zeros(1, 2), torch.zeros(1, dtype=torch.bool))
    check(torch.allclose(y, x[:1], atol=1e-5), "reframe at scale 1, centre 0 is the identity")
    y = reframe(x[:1], one, torch.zeros(1, 2), torch.ones(1, dtype=torch.bool))
    check(torch.allclose(y, x[:1].flip(3), atol=1e-5), "reframe with mirror flips the image")
    y = reframe(x[:1], one * 0.5, torch.tensor([[0.5, -0.5]]), torch.zeros(1, dtype=torch.bool))
    check(float(y[0, 3, 64:, :].max()) == 0 and float(y[0, 3, :, :64].max()) == 0,
          "reframe at half size in the top-right quarter leaves the rest transparent")
    check(abs(float(y[0, 3].sum()) * 4 - float(x[0, 3].sum())) < 0.05 * float(x[0, 3].sum()),
          "reframe at half size keeps a quarter of the coverage")


def test_codes_file_round_trip():
    from gft.encode import load_codes_xz, save_codes_xz
    codes = np.random.RandomState(0).randint(0, 1024, (3, 50, 256)).astype(np.int16)
    with tempfile.TemporaryDirectory() as d:
        one = save_codes_xz(codes, os.path.join(d, "a.npy.xz"))
        parts = save_codes_xz(codes, os.path.join(d, "b.npy.xz"), part_bytes=20000)
        check(len(one) == 1 and np.array_equal(load_codes_xz(one[0]), codes), "codes file round trip")
        check(len(parts) > 1 and np.array_equal(load_codes_xz(os.path.join(d, "b.npy.xz")), codes),
              "split codes file round trip")


def test_preferred_caption_languages():
    import random

    from gft import captions
    item = dict(style="noto", labels={"en": "cat", "zh": "猫", "da": "kat", "fi": "kissa", "hu": "macska"})
    old = captions.P_PREFERRED
    try:
        langs = []
        for p in (0.0, 1.0):
            captions.P_PREFERRED = p
            rng = random.Random(5)
            langs.append([captions._pick_language(item, rng) for _ in range(400)])
    finally:
        captions.P_PREFERRED = old
    share = [sum(l == "zh" for l in ls) / sum(l != "en" for l in ls) for ls in langs]
    check(0.1 < share[0] < 0.4 and share[1] == 1.0,
          "P_PREFERRED moves non-English captions to the preferred languages (%.2f -> %.2f)" % tuple(share))


def test_matched_caption_pairs():
    """A matched CCA pair names two concepts of one style in one language, with the same style
    phrase in the same place; sample_caption draws as before."""
    import random

    from gft import captions
    from gft.cca import make_pairs

    def item(i, style, en, zh):
        return dict(id="x/%d" % i, style=style, concept="emoji:%d" % (i % 3), source=style, group="objects",
                    flip_ok=False, labels={"en": en, "zh": zh}, tags={})
    items = [item(0, "noto", "cat", "猫"), item(1, "noto", "dog", "狗"), item(2, "twemoji", "sun", "太阳"),
             item(3, "twemoji", "cat", "猫"), item(4, "twemoji", "dog", "狗")]
    rng = random.Random(3)
    styled = 0
    for _ in range(300):
        pos, neg = captions.sample_matched_captions(items[0], items[1], rng)
        same = pos.replace("猫", "狗").replace("cat", "dog")
        check(same == neg, "one language, template and style phrase for both: %r %r" % (pos, neg))
        styled += any(w in pos for lang in captions.STYLE_WORDS["noto"].values() for w in lang if "noto" in w)
    check(40 < styled < 240, "about half the pairs carry a style phrase (%d of 300 name noto)" % styled)
    try:
        captions.sample_matched_captions(items[0], items[2], rng)
        refused = False
    except ValueError:
        refused = True
    check(refused, "items of two styles make no matched pair")
    tok = train_bpe(["cat dog sun noto twemoji"] * 3, 300)
    rows = list(range(5))
    r, _, pos, neg = make_pairs(items, rows, [False] * 5, 1, tok, 16, 200, random.Random(0), p_matched=1.0)
    text = lambda ids: tok.decode([t for t in ids if t > 2])  # noqa: E731
    named = {row: {text(n) for n, r_ in zip(neg, r) if r_ == row} for row in rows}
    check(named[0] and all(("dog" in t or "狗" in t) and "twemoji" not in t for t in named[0]),
          "p_matched 1: the noto cat's other caption names the noto dog: %s" % sorted(named[0])[:4])
    check(named[2] and all("noto" not in t for t in named[2] | named[3] | named[4]),
          "p_matched 1: a twemoji row's other caption never carries a noto phrase")
    _, _, pos, neg = make_pairs(items, rows, [False] * 5, 1, tok, 16, 50, random.Random(7))
    rng, old = random.Random(7), []  # the unmatched pairs as make_pairs drew them before p_matched
    for _ in range(50):
        row, other = rows[rng.randrange(5)], rows[rng.randrange(5)]
        while items[other]["concept"] == items[row]["concept"]:
            other = rows[rng.randrange(5)]
        rng.randrange(1)
        old.append((tok.prefix(captions.sample_caption(items[row], rng), 16),
                    tok.prefix(captions.sample_caption(items[other], rng), 16)))
    check([(list(p), list(n)) for p, n in zip(pos, neg)] == [(list(p), list(n)) for p, n in old],
          "p_matched 0 draws the pairs it always drew")


def test_continue_gpt_from_codes():
    from eval.fake_pack import make_pack
    from gft import continue_gpt
    from gft.encode import save_codes_xz
    from gft.text import build_known_words
    with tempfile.TemporaryDirectory() as d:
        make_pack(os.path.join(d, "pack"), 40)
        texts = ["red circle", "blue square", "green ring", "yellow triangle", "purple shape"]
        tok = train_bpe(texts * 3, 300)
        tok.save(os.path.join(d, "tok.json"), build_known_words(texts))
        cfg = GFTConfig(text_vocab=tok.vocab_size, text_ctx=8, grid_w=16, grid_h=16, codebook_size=32,
                        n_embd=32, n_layer=1, n_head=4, n_ff=64)
        torch.manual_seed(0)
        init = GFT(cfg)
        torch.save(dict(gft=init.state_dict(), gft_cfg=vars(cfg).copy()), os.path.join(d, "init.pt"))
        codes = np.random.RandomState(1).randint(0, 32, (3, 40, 256)).astype(np.int16)
        save_codes_xz(codes, os.path.join(d, "codes.npy.xz"))
        out = os.path.join(d, "run")
        rc = continue_gpt.main(["--init", os.path.join(d, "init.pt"), "--codes", os.path.join(d, "codes.npy.xz"),
                                "--meta", os.path.join(d, "pack", "meta.json.xz"), "--tokenizer",
                                os.path.join(d, "tok.json"), "--out", out, "--budget", "1e9", "--max-steps", "2",
                                "--batch", "4", "--workers", "0", "--val-every", "1e9",
                                "--lr", "1.0"])  # the warm-up scales it to 1e-3: visible in fp16
        m = json.load(open(os.path.join(out, "metrics.json")))
        back = torch.load(os.path.join(out, "final.pt"))
        check(rc == 0 and m["gpt"]["steps"] == 2 and "val_iid" in m["gpt"]["val"],
              "continue_gpt trains from codes and validates")
        moved = sum(not torch.equal(back["gft"][k], v.half()) for k, v in init.state_dict().items())
        check(moved > len(back["gft"]) // 2 and set(back) >= {"gft", "gft_cfg", "tokenizer", "known_words"},
              "continue_gpt writes the continued transformer")
        check("lila" in back["known_words"] and "red" in back["known_words"],
              "continue_gpt lists the words of the captions it trained on")


def premul_of(u8):
    from gft.common import premultiply
    return premultiply(u8)


def test_caption_feeder():
    items = [dict(id=f"x/{i}", style="noto", concept=f"emoji:{i}", flip_ok=i % 2 == 0,
                  labels={"en": f"thing {i}", "de": f"Ding {i}"}, tags={"en": ["a", "b"]}) for i in range(10)]
    tok = train_bpe([f"thing {i}" for i in range(10)] + ["ding a b"], 300)
    f0 = train_gpt.CaptionFeeder(items, range(10), tok, 12, 16, seed=3, workers=0)
    f1 = train_gpt.CaptionFeeder(items, range(10), tok, 12, 16, seed=3, workers=1)
    a, b = f0.next(), f1.next()
    f1.close()
    check(all(np.array_equal(x, y) for x, y in zip(a, b)), "caption batches are the same in-process and in workers")
    r, fl, ids = a
    check(ids.shape == (16, 12) and (ids[:, 0] == 1).all(), "caption prefixes start with <bos>")
    check(not (fl[r % 2 == 1] == 1).any(), "only flip_ok items are mirrored")
    f2 = train_gpt.CaptionFeeder(items, range(10), tok, 12, 64, seed=3, workers=0, n_var=5)
    r, var, _ = f2.next()
    check(set(var.tolist()) <= set(range(5)) and (var >= 2).any(), "feeder draws re-framed variants")
    check(not (var[r % 2 == 1] == 1).any(), "re-framing feeder mirrors only flip_ok items")


def test_family_weights():
    from gft.balance import family_weights, sampled_share, tone_family
    check(tone_family("emoji:1F44B-1F3FF") == "emoji:1F44B" and tone_family("emoji:1F34E") == "emoji:1F34E"
          and tone_family("emoji:1F9D1-1F3FB-200D-1F91D-200D-1F9D1-1F3FF") == "emoji:1F9D1-200D-1F91D-200D-1F9D1"
          and tone_family("clipart:1f3fb") == "clipart:1f3fb", "skin-tone modifiers are dropped from emoji ids only")
    hand = ["emoji:1F44B"] + ["emoji:1F44B-%s" % t for t in ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")]
    items = [dict(concept=c) for c in hand for _ in range(3)] + [dict(concept="emoji:1F34E")] * 3
    rows = list(range(len(items)))
    w = family_weights(items, rows)
    apple = sampled_share(items, rows, w, lambda it: it["concept"] == "emoji:1F34E")
    check(abs(apple - 0.5) < 1e-9 and abs(sum(w[:18]) - 3.0) < 1e-9,
          "a skin-tone family gets the share of one concept (apple %.2f)" % apple)
    tok = train_bpe(["waving hand", "red apple"], 300)
    for it in items:
        it.update(style="noto", labels={"en": "x"}, tags={})
    f = train_gpt.CaptionFeeder(items, rows, tok, 8, 4000, seed=1, workers=0, weights=w)
    r, _, _ = f.next()
    seen = float(np.isin(r, rows[18:]).mean())
    check(0.45 < seen < 0.55, "the feeder samples by the weights (apple rows %.3f of 4000)" % seen)
    try:
        train_gpt.CaptionFeeder(items, rows, tok, 8, 4, seed=1, workers=0, weights=w[:-1])
        check(False, "a weight list of the wrong length is refused")
    except ValueError:
        check(True, "a weight list of the wrong length is refused")


def test_cca_raises_the_caption_margin():
    from gft import cca
    from gft.common import Log
    check(abs(cca.cca_loss(torch.zeros(3), torch.zeros(3), torch.zeros(3), torch.zeros(3), 0.1, 1.0).item()
              - 2 * np.log(2)) < 1e-6, "the CCA loss is 2 log 2 where the model equals its reference")
    colours = ["red", "blue", "green", "yellow"]
    items = [dict(id="x/%d" % i, style="noto", concept="emoji:%d" % (i % 4), source="noto", group="objects",
                  flip_ok=False, labels={"en": colours[i % 4] + " thing"}, tags={}) for i in range(16)]
    tok = train_bpe([c + " thing" for c in colours] * 3, 300)
    cfg = GFTConfig(text_vocab=tok.vocab_size, text_ctx=8, grid_w=4, grid_h=4, codebook_size=16, n_embd=32,
                    n_layer=2, n_head=4, n_ff=64, dropout=0.0)
    torch.manual_seed(0)
    model = GFT(cfg)
    g = torch.Generator().manual_seed(1)
    per_concept = torch.randint(0, 16, (4, 16), generator=g)
    codes = per_concept[torch.arange(16) % 4].unsqueeze(0)  # [1, 16, 16]: one picture per concept
    rows = list(range(16))
    before = cca.caption_margin(model, codes, items, rows, tok, 16, n=32)
    model, stats = cca.finetune(model, codes, items, rows, tok, n_image=16, batch=8, lr=3e-3, beta=0.1, lam=1.0,
                                budget_s=1e9, seed=0, log=Log(None), max_steps=30)
    after = cca.caption_margin(model, codes, items, rows, tok, 16, n=32)
    check(stats["steps"] == 30 and after > before + 5,
          "CCA makes the own caption more likely than another concept's (%.1f -> %.1f bits)" % (before, after))
    # the NLL term: exactly -nll * mean log p per token on top, and with it the own caption's
    # likelihood rises further than with the contrast alone
    lp = torch.tensor([-8.0, -4.0])
    check(abs(cca.cca_loss(lp, lp, lp, lp, 0.1, 1.0, nll=0.5, n_tokens=4).item()
              - (2 * np.log(2) + 0.5 * 6.0 / 4)) < 1e-6, "the NLL term is nll * mean NLL per token")
    lp_own = []
    for nll in (0.0, 1.0):
        torch.manual_seed(0)
        m = GFT(cfg)
        ref_lp = cca.sequence_logp(m, torch.tensor([tok.prefix("red thing", 8)]), codes[0, :1]).item()
        m, _ = cca.finetune(m, codes, items, rows, tok, n_image=16, batch=8, lr=3e-3, beta=0.1, lam=1.0,
                            budget_s=1e9, seed=0, log=Log(None), max_steps=30, nll=nll)
        lp_own.append(cca.sequence_logp(m, torch.tensor([tok.prefix("red thing", 8)]), codes[0, :1]).item()
                      - ref_lp)
    check(lp_own[1] > lp_own[0] + 1, "with --nll the own caption's picture gets likelier (%+.1f vs %+.1f nats)"
          % (lp_own[1], lp_own[0]))
    # --train text: only the caption word embeddings move; the picture weights and the null
    # prompt's ids stay bit-identical. The test model first learns its captions (plain NLL), then
    # its colour words are swapped around, so the pictures are still there but each word now
    # names the wrong one: tuning the word embeddings alone must point them back.
    torch.manual_seed(0)
    learned, _ = cca.finetune(GFT(cfg), codes, items, rows, tok, n_image=16, batch=8, lr=3e-3, beta=0.1, lam=1.0,
                              budget_s=1e9, seed=0, log=Log(None), max_steps=60, nll=1.0, contrast=0.0)
    word_ids = [tok.prefix(c, 8)[1] for c in colours]
    with torch.no_grad():
        w = learned.text_emb.weight
        w[word_ids] = w[word_ids[1:] + word_ids[:1]].clone()
    swapped = cca.caption_margin(learned, codes, items, rows, tok, 16, n=32)
    for contrast, nll in ((1.0, 0.0), (0.0, 1.0)):
        m = copy.deepcopy(learned)
        start = {k: v.clone() for k, v in m.state_dict().items()}
        m, st = cca.finetune(m, codes, items, rows, tok, n_image=16, batch=8, lr=1e-2, beta=0.1, lam=1.0,
                             budget_s=1e9, seed=0, log=Log(None), max_steps=30, nll=nll, contrast=contrast,
                             train="text")
        after = cca.caption_margin(m, codes, items, rows, tok, 16, n=32)
        moved = [k for k, v in m.state_dict().items() if not torch.equal(v, start[k])]
        emb, emb0 = m.text_emb.weight.detach(), start["text_emb.weight"]
        check(moved == ["text_emb.weight"] and torch.equal(emb[:3], emb0[:3]) and st["train"] == "text",
              "--train text (contrast %g, nll %g) changes only the caption words' embeddings, not the null "
              "prompt's: moved %s" % (contrast, nll, moved))
        check(after > swapped + 2.5, "--train text (contrast %g, nll %g) points swapped words back at their "
              "pictures (margin %.1f -> %.1f bits)" % (contrast, nll, swapped, after))
        check(all(p.requires_grad for p in m.parameters()), "the model is left fully trainable afterwards")
    people = dict(items[0], concept="emoji:1F44B-1F3FB", group="people-body")
    clip = dict(items[0], source="openclipart", concept="clipart:x")
    picked = cca.pick_rows([items[0], people, clip], [0, 1, 2], "emoji")
    check(picked == [0] and cca.pick_rows([items[0], people, clip], [0, 1, 2], "all") == [0, 1, 2],
          "CCA's default rows leave out people, skin tones and clip art")


def test_checkpoint_shards():
    ck = dict(x=torch.randn(1000), y="z")
    with tempfile.TemporaryDirectory() as d:
        old = pipeline.SHARD_BYTES
        pipeline.SHARD_BYTES = 1500
        try:
            parts, digest = pipeline.write_checkpoint(ck, d, True)
        finally:
            pipeline.SHARD_BYTES = old
        data = b"".join(open(os.path.join(d, n), "rb").read() for n, _ in parts)
        back = torch.load(io.BytesIO(data))
        check(len(parts) > 1 and torch.equal(back["x"], ck["x"]), "sharded checkpoint reassembles")


def test_diversity_and_defaults():
    from eval.evaluate import diversity, pick_defaults
    same = torch.ones(6, 5)
    check(abs(diversity(same, 3)) < 1e-6, "identical seeds have zero diversity")
    orth = torch.eye(4).repeat(2, 1)  # 2 prompts x 4 seeds, orthogonal features
    check(abs(diversity(orth, 4) - 1.0) < 1e-6, "orthogonal seeds have diversity 1")
    rows = [dict(guidance=g, temperature=1.0, top_k=0, top_p=1.0, top1=t, diversity=d, empty_frac=0.0)
            for g, t, d in ((1.0, 0.2, 0.5), (3.0, 0.5, 0.4), (8.0, 0.51, 0.1))]
    best = pick_defaults(rows)
    check(best["guidance"] == 3.0, "defaults skip settings whose diversity collapsed")


def test_judge_trains():
    from eval.judge import judge_split, train_judge
    items = [dict(concept="emoji:%d" % (i % 4), style="noto") for i in range(16)]
    x = torch.rand(16, 4, 64, 64).half()
    model, names, stats = train_judge(x, x, items, budget_s=1e9, device=torch.device("cpu"),
                                      log=Log(None), batch=8, width=(4, 4, 8, 8), max_steps=3)
    check(stats["steps"] == 3 and len(names) == 4, "judge trains on real images")
    tr, held = judge_split(items)
    check(len(held) == 4 and not set(tr) & set(held), "judge holds out one image per concept")


def test_judge_train_from_code_grids():
    """eval.judge_train: the judge learns from the model file's own reconstructions of every
    grid (each variant drawn), is stored as eval.judge.load_judge reads it, and knows every
    concept of the pack."""
    from eval import judge_train
    from eval.fake_pack import make_pack
    from eval.judge import judge_labels, load_judge
    from gft.common import judge_input
    from gft.dataset import load_meta
    from gft.encode import save_codes_xz
    from gft.export_gguf import export_model, random_model
    from gft.gguf_import import load_gguf
    from gft.sample import decode_tokens
    x128 = torch.rand(2, 4, 128, 128)
    check(torch.equal(judge_train.to_64(x128), judge_input(x128)), "a 128 px decoder's image is box-filtered as before")
    with tempfile.TemporaryDirectory() as d:
        make_pack(os.path.join(d, "pack"), 40)
        meta = os.path.join(d, "pack", "meta.json.xz")
        items, _ = load_meta(meta)
        gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 5)
        path = os.path.join(d, "m.gguf")
        export_model(gft, dec, cb, tok, known, sampling, path, "f32", False, vcfg)
        codes = np.random.RandomState(1).randint(0, 32, (3, len(items), 16)).astype(np.int16)
        save_codes_xz(codes, os.path.join(d, "codes.npy.xz"))
        m = load_gguf(path)
        x = judge_train.reconstructions(m, codes, torch.device("cpu"), batch=7, limit=30)
        g = m.gft.cfg.grid_h
        want, _ = decode_tokens((m.decoder.float(), m.codebook.float()), torch.from_numpy(codes[2, 29:30].astype("int64")), g, g)
        got = x[2, 29].float()
        check(tuple(x.shape) == (3, len(items), 4, 64, 64) and
              (got - judge_train.to_64(want.permute(0, 3, 1, 2))[0]).abs().max().item() < 2e-3,
              "variant 2 of image 29 is its grid as the file's decoder draws it, at the judge's 64 px")
        check(x[:, 30:].abs().max().item() == 0, "with a limit the later images stay blank")
        out = os.path.join(d, "j", "judge.pt")
        judge_train.main(["--model", path, "--codes", os.path.join(d, "codes.npy.xz"), "--meta", meta,
                          "-o", out, "--budget", "1e9", "--max-steps", "3", "--batch", "4"])
        judge, index = load_judge(out)
        _, names, _ = judge_labels(items)
        stats = torch.load(out)["judge_stats"]
        check(sorted(index) == sorted(names) and stats["steps"] == 3 and "recon" in stats["held_out_accuracy"]
              and "3 grids per image" in stats["source"], "the judge file loads, with every concept: %s" % stats)


def test_cnn_judge_naming():
    """The CNN judge as eval.acceptance and eval.local_eval use it: it loads from a pipeline
    checkpoint and names the concept it was built to prefer (skin tones folded), and nothing else."""
    from eval.judge import Judge, load_judge, most_named, naming_scores, predict, to_judge_input
    names = ["emoji:1F34E", "emoji:1F431", "emoji:1F44B"]
    judge = Judge(len(names), (4, 4, 8, 8))
    with torch.no_grad():  # a judge that always says "cat" (class 1)
        judge.concept.weight.zero_()
        judge.concept.bias.copy_(torch.tensor([0.0, 5.0, 1.0]))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "final.pt")
        torch.save(dict(judge={k: v.half() for k, v in judge.state_dict().items()}, judge_classes=names,
                        judge_width=[4, 4, 8, 8]), path)
        loaded, index = load_judge(path)
        torch.save(dict(gft={}), os.path.join(d, "nojudge.pt"))
        try:
            load_judge(os.path.join(d, "nojudge.pt"))
            refused = False
        except SystemExit as e:
            refused = "holds no judge" in str(e)
    imgs = torch.rand(3, 4, 128, 128)
    check(naming_scores(loaded, index, imgs, ["emoji:1F431"] * 3) == (1.0, 1.0, 1.0),
          "CNN judge names its top concept, ranked above every other class")
    check(naming_scores(loaded, index, imgs, ["emoji:1F34E"] * 3) == (0.0, 1.0, 0.0),
          "the lowest-ranked concept is top-5 (of 3) but not top-1, rank 0")
    mixed = naming_scores(loaded, index, imgs, ["emoji:1F431", "emoji:1F44B-1F3FD", "emoji:1F34E"])
    check(abs(mixed[0] - 1 / 3) < 1e-6 and mixed[1] == 1.0 and abs(mixed[2] - 0.5) < 1e-6,
          "one target per image, skin tones folded (mean rank (1 + 0.5 + 0) / 3)")
    check(refused, "a checkpoint without a judge is refused with a message")
    check(most_named(loaded, index, imgs) == [("emoji:1F431", 3)], "most_named: the always-cat judge names 3 cats")
    torch.manual_seed(5)
    with torch.no_grad():  # names that depend on the picture
        loaded.concept.weight.normal_(0, 1)
        loaded.concept.bias.zero_()
    many = torch.rand(40, 4, 1, 1).expand(40, 4, 128, 128) * (torch.rand(40, 1, 128, 128) < 0.5)
    first = predict(loaded, to_judge_input(many))[0].argmax(1).tolist()
    want = sorted(((names[c], first.count(c)) for c in set(first)), key=lambda nc: -nc[1])
    got = most_named(loaded, index, many, n=3)
    check(len(set(first)) > 1 and [c for _, c in got] == [c for _, c in want][:3] and sum(c for _, c in got) <= 40
          and {n for n, _ in got} <= set(names), "most_named counts the judge's first names, most often first: %s" % got)


def gft_cli():
    """The gft command the engine-judging tests run (meson test sets GFT_CLI); a failed check
    and None when it is not set."""
    engine = os.environ.get("GFT_CLI")
    check(bool(engine), "GFT_CLI names the gft command (meson test sets it)")
    return engine


def tiny_file_pack_and_judge(d, model_name, sampling_override=None, **export_kw):
    """A synthetic pack of 48 images in d/pack, a tiny Q8_0 model file with background code 0 and
    a random CNN judge that knows every concept of the pack (gft.cca_file's and
    eval.sweep_file's inputs). -> (model path, meta path, judge path, items, tokenizer)."""
    from eval.fake_pack import make_pack
    from eval.judge import Judge, judge_labels
    from gft.dataset import load_meta
    from gft.export_gguf import export_model, random_model
    make_pack(os.path.join(d, "pack"), 48)
    meta = os.path.join(d, "pack", "meta.json.xz")
    items, _ = load_meta(meta)
    gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", 3)
    vcfg.bg_code = 0
    path = os.path.join(d, model_name)
    export_model(gft, dec, cb, tok, known, dict(sampling, **(sampling_override or {})), path, "q8_0", False, vcfg,
                 **export_kw)
    _, names, _ = judge_labels(items)
    torch.manual_seed(0)
    judge = os.path.join(d, "judge.pt")
    torch.save(dict(judge=Judge(len(names), (4,)).state_dict(), judge_classes=names, judge_width=[4]), judge)
    return path, meta, judge, items, tok


def test_cca_file_keeps_the_judged_best():
    """gft.cca_file on a tiny model file and a synthetic pack: zero steps give back the very
    same file, and a short run judges the start and every checkpoint and exports the best one."""
    from gft import cca_file
    from gft.dataset import load_meta
    from gft.encode import save_codes_xz
    from gft.gguf_import import load_gguf
    with tempfile.TemporaryDirectory() as d:
        start, meta, _, items, _ = tiny_file_pack_and_judge(d, "start.gguf", dict(guidance=2.0), name="tiny",
                                                            description="test", license_id="CC0-1.0")
        rng = np.random.RandomState(0)
        save_codes_xz(rng.randint(0, 32, (2, len(items), 16)).astype(np.int16), os.path.join(d, "codes.npy.xz"))
        common = ["--model", start, "--codes", os.path.join(d, "codes.npy.xz"), "--meta", meta,
                  "--judge", os.path.join(d, "judge.pt"), "--select-prompts", "2", "--seeds", "2",
                  "--batch", "4", "--lr", "1e-2"]
        cca_file.main(common + ["--out", os.path.join(d, "zero"), "--max-steps", "0"])
        with open(start, "rb") as f, open(os.path.join(d, "zero", "cand.gguf"), "rb") as g:
            check(f.read() == g.read(), "cca_file with no steps writes the start file back byte for byte")
        cca_file.main(common + ["--out", os.path.join(d, "run"), "--max-steps", "4", "--every", "1", "--shard"])
        with open(os.path.join(d, "run", "metrics.json")) as f:
            m = json.load(f)
        steps = [r["step"] for r in m["judged"]]
        best = max(m["judged"], key=lambda r: (r["score"], r["rank"]))
        check(steps == [0, 1, 2, 3, 4], "the start and every step were judged: %s" % steps)
        from gft.pipeline import split_rows
        split = load_meta(meta)[1]
        chosen = cca_file.selection_prompts(items, split, split_rows(items, split)[0], 2)
        count = {name: sum(1 for _, _, s in chosen if s == name) for name in cca_file.SETS}
        first = m["judged"][0]
        weighted = sum(count[name] * v[2] for name, v in first["sets"].items()) / len(chosen)
        check(set(first["sets"]) == {k for k, c in count.items() if c} and abs(weighted - first["rank"]) < 1e-3
              and set(m["report"]["best"]["sets"]) <= set(cca_file.SETS),
              "every judging and the report give figures per prompt set (they average to the whole): %s" % first["sets"])
        check(m["best_step"] == best["step"] and m["cca"]["steps"] == 4, "the best judged step is kept")
        with open(os.path.join(d, "run", "cand.gguf"), "wb") as out:
            for part in m["parts"]:
                with open(os.path.join(d, "run", part), "rb") as f:
                    out.write(f.read())
        with open(start, "rb") as f, open(os.path.join(d, "run", "cand.gguf"), "rb") as g:
            same_as_start = f.read() == g.read()
        # 4 steps at lr 1e-2 move the weights, so only the start's own weights give its bytes back
        check(same_as_start == (m["best_step"] == 0), "the exported weights are the best step's, not the last")
        # the same run stopped at the best step exports the same bytes (training is deterministic)
        cca_file.main(common + ["--out", os.path.join(d, "upto"), "--max-steps", str(m["best_step"]),
                                "--every", "1"])
        with open(os.path.join(d, "upto", "cand.gguf"), "rb") as f, \
                open(os.path.join(d, "run", "cand.gguf"), "rb") as g:
            check(f.read() == g.read(), "the export is the best step's weights (step %d of 4)" % m["best_step"])
        # a wall limit with no room for more than the judgings stops training before step 1
        cca_file.main(common + ["--out", os.path.join(d, "wall"), "--max-steps", "4", "--every", "1",
                                "--wall", "1e-3"])
        with open(os.path.join(d, "wall", "metrics.json")) as f:
            w = json.load(f)
        check(w["cca"]["steps"] == 0 and [r["step"] for r in w["judged"]] == [0],
              "--wall stops training early: %d steps" % w["cca"]["steps"])
        back = load_gguf(os.path.join(d, "run", "cand.gguf"))
        check(back.vq_cfg.bg_code == 0 and back.sampling["guidance"] == 2.0 and m["parts"] == ["cand.gguf.part00"],
              "the shards join into a model file with the start's defaults and background code")


def test_cca_file_guard_languages_and_engine_judging():
    """gft.cca_file --guard keeps no checkpoint with a prompt set below the start, --p-english and
    --p-preferred set the caption mix (out-of-range values are refused), and --engine judges the
    pictures `gft generate` draws: at step 0 the very figures the judge gives the start file's
    own `gft generate` pictures."""
    from eval.judge import load_judge, naming_each
    from eval.local_eval import engine_images
    from gft import captions, cca_file
    from gft.dataset import load_meta
    from gft.encode import save_codes_xz
    from gft.gguf_import import sampling_defaults
    from gft.gguf_writer import GGUFFile
    from gft.pipeline import split_rows
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        start, meta, judge, items, _ = tiny_file_pack_and_judge(d, "start.gguf", name="tiny")
        save_codes_xz(np.random.RandomState(1).randint(0, 32, (2, len(items), 16)).astype(np.int16),
                      os.path.join(d, "codes.npy.xz"))
        common = ["--model", start, "--codes", os.path.join(d, "codes.npy.xz"), "--meta", meta, "--judge", judge,
                  "--select-prompts", "2", "--seeds", "3", "--batch", "4", "--lr", "3e-2"]
        old = captions.P_ENGLISH, captions.P_PREFERRED
        try:
            cca_file.main(common + ["--out", os.path.join(d, "run"), "--max-steps", "4", "--every", "1", "--guard",
                                    "--engine", engine, "--p-english", "0.1", "--p-preferred", "1"])
            refused = False
            try:
                cca_file.main(common + ["--out", os.path.join(d, "bad"), "--p-preferred", "1.5"])
            except SystemExit as e:
                refused = "--p-preferred" in str(e)
        finally:
            captions.P_ENGLISH, captions.P_PREFERRED = old
        check(refused, "a caption share outside [0, 1] is refused with a message")
        with open(os.path.join(d, "run", "metrics.json")) as f:
            m = json.load(f)
        check(m["judged_by"] == "gft engine" and m["guard"] and (m["p_english"], m["p_preferred"]) == (0.1, 1.0),
              "the run records its judge, guard and caption mix")
        start_sets = m["judged"][0]["sets"]
        for rec in m["judged"]:
            lost = sorted(n for n, v in rec["sets"].items() if v[2] < start_sets[n][2])
            check(sorted(rec["lost_sets"]) == lost, "step %d: the sets below the start are named: %s" % (rec["step"], lost))
        eligible = [r for r in m["judged"] if not r["lost_sets"]]
        best = max(eligible, key=lambda r: (r["score"], r["rank"]))
        check(m["best_step"] == best["step"] and not m["judged"][0]["lost_sets"],
              "the best checkpoint is the best of those with no set below the start (step %d)" % m["best_step"])
        # step 0's figures are those of the start file's own pictures, drawn by gft generate
        split = load_meta(meta)[1]
        prompts = cca_file.selection_prompts(items, split, split_rows(items, split)[0], 2)
        imgs = engine_images(engine, start, d, 1, [p for p, _, _ in prompts], [0, 1, 2],
                             sampling_defaults(GGUFFile(start).kv), candidates=1)
        model, index = load_judge(judge)
        t1, t5, r = naming_each(model, index, imgs, [c for _, c, _ in prompts for _ in range(3)])
        first = m["judged"][0]
        check(abs(first["top5"] - t5.mean().item()) < 1e-4 and abs(first["rank"] - r.mean().item()) < 1e-4,
              "the engine judging of the start is the judge's naming of gft generate's pictures (%.4f, %.4f)"
              % (first["rank"], r.mean().item()))


def test_style_check_names_the_concept_and_the_style():
    """eval.style_check draws each prompt with gft generate at the file's defaults and reports the
    judge's naming of the concept and its style head's share in the asked style; a prompt that
    asks for no style has no style share."""
    from eval import style_check
    from eval.evaluate import emoji_concepts
    from eval.judge import STYLES, load_judge, naming_each, predict, to_judge_input
    from eval.local_eval import engine_images
    from gft.gguf_import import sampling_defaults
    from gft.gguf_writer import GGUFFile
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        path, meta, judge, items, _ = tiny_file_pack_and_judge(d, "m.gguf")
        emap = emoji_concepts(items)
        emoji = sorted(emap)[0]
        tsv, out = os.path.join(d, "p.tsv"), os.path.join(d, "out.json")
        with open(tsv, "w", encoding="utf-8") as f:
            f.write("thing\t%s\t-\nthing, twemoji\t%s\ttwemoji\n" % (emoji, emoji))
        check(style_check.main(["--engine", engine, "--model", "m=" + path, "--prompts", tsv, "--judge", judge,
                                "--pack", os.path.dirname(meta), "--seeds", "3", "--threads", "1", "-o", out]) == 0,
              "style_check runs")
        with open(out) as f:
            got = json.load(f)["m"]
        model, index = load_judge(judge)
        imgs = engine_images(engine, path, d, 1, ["thing, twemoji"], [100, 101, 102],
                             sampling_defaults(GGUFFile(path).kv)).float()
        top1, top5, rank = naming_each(model, index, imgs, [emap[emoji]] * 3)
        _, ls, _ = predict(model, to_judge_input(imgs))
        share = float((ls.argmax(1) == STYLES.index("twemoji")).float().mean())
        styled = got["prompts"]["thing, twemoji"]
        check(abs(styled["rank"] - float(rank.mean())) < 1e-3 and abs(styled["in_style"] - share) < 1e-3,
              "the judge's figures of the engine's pictures: %s vs rank %.3f style %.3f"
              % (styled, float(rank.mean()), share))
        check(got["prompts"]["thing"]["in_style"] is None and got["groups"]["no style"]["in_style"] is None
              and set(got["groups"]) == {"no style", "styled", "twemoji"}, "no style asked, no style share: %s"
              % sorted(got["groups"]))
        bad = os.path.join(d, "bad.tsv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("thing\t%s\tpainting\n" % emoji)
        try:
            style_check.main(["--engine", engine, "--model", "m=" + path, "--prompts", bad, "--judge", judge,
                              "--pack", os.path.dirname(meta)])
            refused = ""
        except SystemExit as e:
            refused = str(e)
        check("want PROMPT" in refused, "an unknown style is refused: %r" % refused)


def test_best_of_sets_judges_the_files_own_best_of_k():
    """eval.best_of_sets draws the judged prompt sets with gft generate at the file's own defaults,
    best of K included: its figures are the judge's naming of those very pictures, per set and
    over all, and they are not the one-sample pictures'."""
    from eval import best_of_sets
    from eval.judge import load_judge, naming_each
    from eval.local_eval import engine_images
    from gft import cca_file, rerank_gguf
    from gft.dataset import load_meta
    from gft.gguf_import import load_gguf, sampling_defaults
    from gft.gguf_writer import GGUFFile
    from gft.pipeline import split_rows
    engine = gft_cli()
    if not engine:
        return
    with tempfile.TemporaryDirectory() as d:
        start, meta, judge, items, _ = tiny_file_pack_and_judge(d, "start.gguf", name="tiny")
        best = os.path.join(d, "best.gguf")
        rerank_gguf.embed(start, rerank_gguf.random_reranker(load_gguf(start).tokenizer.vocab_size, 5), 3, best)
        out = os.path.join(d, "sets.json")
        check(best_of_sets.main(["--engine", engine, "--model", "best=" + best, "--meta", meta, "--judge", judge,
                                 "--select-prompts", "2", "--seeds", "3", "--threads", "1", "-o", out]) == 0,
              "best_of_sets runs")
        with open(out) as f:
            got = json.load(f)["best"]["sets"]
        split = load_meta(meta)[1]
        prompts = cca_file.selection_prompts(items, split, split_rows(items, split)[0], 2)
        targets = [c for _, c, _ in prompts for _ in range(3)]
        model, index = load_judge(judge)
        figures, pictures = {}, {}
        for k in (None, 1):
            imgs = engine_images(engine, best, d, 1, [p for p, _, _ in prompts], [0, 1, 2],
                                 sampling_defaults(GGUFFile(best).kv), candidates=k)
            pictures[k] = imgs
            figures[k] = [float(v.mean()) for v in naming_each(model, index, imgs, targets)]
        check(set(got) == {n for _, _, n in prompts} | {"all"}, "every set and the mean: %s" % sorted(got))
        check(all(abs(a - b) < 1e-4 for a, b in zip(got["all"], figures[None])),
              "the figures are those of the file's best of 3 (%s vs %s)" % (got["all"], figures[None]))
        check(not torch.equal(pictures[None], pictures[1]), "best of 3 draws other pictures than one sample")


def test_guard_keeps_no_checkpoint_with_a_set_below_the_start():
    """JudgedCheckpoints' selection rule with the guard on: a judging with a higher sum but one
    prompt set's mean rank below the start's is never kept; without the guard it is."""
    from gft.cca_file import JudgedCheckpoints
    judgings = [  # (top-1, top-5, rank, per-set [top-1, top-5, rank]) at steps 0, 1, 2
        (0.1, 0.2, 0.60, {"seen_en": [0.1, 0.2, 0.6], "other_lang": [0.1, 0.2, 0.6]}),
        (0.3, 0.5, 0.70, {"seen_en": [0.5, 0.9, 0.9], "other_lang": [0.1, 0.1, 0.5]}),
        (0.2, 0.3, 0.62, {"seen_en": [0.2, 0.3, 0.61], "other_lang": [0.2, 0.3, 0.63]}),
    ]
    for guard, want in ((True, 2), (False, 1)):
        picker = JudgedCheckpoints(None, None, None, {}, 0, None, {}, [], [0], lambda *a: None, guard=guard)

        def score(model, prompts, seeds, it=iter(judgings), p=picker):
            top1, top5, rank, sets = next(it)
            p.last_sets = sets
            return top1, top5, rank
        picker.score = score
        weights = torch.nn.Linear(1, 1)
        for step in range(3):
            with torch.no_grad():
                weights.weight.fill_(step)
            picker(weights, step)
        check(picker.best_step == want and picker.best_state["weight"].item() == want
              and picker.history[1]["lost_sets"] == (["other_lang"] if guard else []),
              "guard %s: step %d is kept (its own weights), lost sets %s"
              % (guard, picker.best_step, picker.history[1]["lost_sets"]))


def test_lang_distill():
    """gft.lang_distill: pairs put the English label beside the same concept's label in another
    language; anchors give the teacher's own caption (zero KL, so a run of only anchors leaves
    every weight as it was); the KL of a fixed batch falls with training; gft.cca_file runs it."""
    import random

    from gft import cca_file, lang_distill
    from gft.encode import save_codes_xz
    from gft.gguf_import import load_gguf
    with tempfile.TemporaryDirectory() as d:
        start, meta, judge, items, tok = tiny_file_pack_and_judge(d, "start.gguf")
        rows = lang_distill.usable_rows(items, list(range(len(items))))
        T = 64  # room for a style word and the label (the tiny model reads 16)
        r, _, teach, stud = lang_distill.make_distill_batch(items, rows, [False] * len(items), 1, tok, T, 64,
                                                            random.Random(3), p_preferred=0.0, anchor=0.0)
        from gft.text import normalize
        ok = all(normalize(items[i]["labels"]["en"]) in tok.decode(t) for i, t in zip(r, teach))
        langs = set()
        for i, s_ids in zip(r, stud):
            found = [lang for lang, lab in items[i]["labels"].items() if lang != "en" and normalize(lab) in tok.decode(s_ids)]
            ok = ok and bool(found)
            langs.update(found)
        want = {lang for i in r for lang in items[i]["labels"] if lang != "en"}
        check(ok and langs == want, "teacher: the English label; student: the same concept's label in %s" % sorted(langs))
        _, _, teach1, stud1 = lang_distill.make_distill_batch(items, rows, [False] * len(items), 1, tok, T, 32,
                                                              random.Random(4), p_preferred=0.0, anchor=1.0)
        null = tok.prefix("", T)
        check((teach1 == stud1).all() and any(list(t) == null for t in teach1) and any(list(t) != null for t in teach1),
              "anchors: the student gets the teacher's caption, English or the null prompt")
        a = torch.randn(2, 5, 7)
        kl = lang_distill.distill_loss(a + 0.3 * torch.randn(2, 5, 7), a)
        by_torch = F.kl_div(F.log_softmax(a + 0.0, -1), F.log_softmax(a, -1), log_target=True, reduction="none")
        check(lang_distill.distill_loss(a, a).abs().item() < 1e-6 and kl.item() > 0
              and abs(lang_distill.distill_loss(a, a + 0.0).item() - by_torch.sum(-1).mean().item()) < 1e-6,
              "the KL is 0 for the same logits only")
        m = load_gguf(start)
        codes = torch.from_numpy(np.random.RandomState(2).randint(0, 32, (1, len(items), 16)))
        from gft.train_gpt import fast_forward

        def fixed_kl(net, teacher, anchor):
            """The KL of a fixed batch: other-language pairs (anchor 0) or anchors (anchor 1)."""
            r, _, t, s = lang_distill.make_distill_batch(items, rows, [False] * len(items), 1, tok, net.cfg.text_ctx, 16,
                                                         random.Random(9), p_preferred=0.0, anchor=anchor)
            x = codes[0, torch.from_numpy(r)]
            with torch.no_grad():
                return lang_distill.distill_loss(fast_forward(net, torch.from_numpy(s), x),
                                                 fast_forward(teacher, torch.from_numpy(t), x)).item()
        teacher = m.gft.float()
        start_kl = fixed_kl(teacher, teacher, 0.0)
        after = {}
        for anchor in (0.0, 0.5):
            model = copy.deepcopy(teacher)
            lang_distill.finetune(model, codes, items, rows, tok, n_image=16, batch=16, lr=3e-3, budget_s=1e9,
                                  seed=1, log=lambda *a: None, max_steps=40, anchor=anchor)
            after[anchor] = fixed_kl(model, teacher, 0.0), fixed_kl(model, teacher, 1.0)
        check(fixed_kl(teacher, teacher, 1.0) == 0.0 and max(after[0.0][0], after[0.5][0]) < 0.6 * start_kl,
              "distillation lowers the KL of other-language pairs (%.4f -> %.4f, %.4f with anchors)"
              % (start_kl, after[0.0][0], after[0.5][0]))
        check(after[0.5][1] < 0.7 * after[0.0][1], "anchors hold the English captions and the null prompt: "
              "their KL from the start %.4f with anchors, %.4f without" % (after[0.5][1], after[0.0][1]))
        model = copy.deepcopy(teacher)
        lang_distill.finetune(model, codes, items, rows, tok, n_image=16, batch=16, lr=3e-2, budget_s=1e9,
                              seed=2, log=lambda *a: None, max_steps=10, anchor=0.0, train="text-other")
        english = sorted(lang_distill.english_token_ids(items, tok))
        emb, emb0 = model.text_emb.weight, teacher.text_emb.weight
        moved = (emb != emb0).any(1)
        others_same = all(torch.equal(p, q) for (n, p), (_, q) in zip(model.named_parameters(), teacher.named_parameters())
                          if n != "text_emb.weight")
        check(others_same and not moved[english].any() and not moved[:3].any() and moved.sum() > 0
              and fixed_kl(model, teacher, 1.0) == 0.0 and fixed_kl(model, teacher, 0.0) < start_kl,
              "train='text-other' moves only the embeddings of tokens no English caption uses (%d rows): English "
              "captions and the null prompt draw exactly as before, the other-language pairs come closer"
              % int(moved.sum()))
        save_codes_xz(codes.numpy().astype(np.int16), os.path.join(d, "codes.npy.xz"))
        cca_file.main(["--objective", "lang-distill", "--model", start, "--codes", os.path.join(d, "codes.npy.xz"),
                       "--meta", meta, "--judge", judge, "--select-prompts", "1", "--seeds", "1", "--batch", "4",
                       "--out", os.path.join(d, "run"), "--max-steps", "2", "--every", "1", "--save-judged"])
        with open(os.path.join(d, "run", "metrics.json")) as f:
            met = json.load(f)
        check(met["cca"]["objective"] == "lang-distill" and met["cca"]["steps"] == 2
              and sorted(os.listdir(os.path.join(d, "run", "judged"))) == ["step-0.gguf", "step-1.gguf", "step-2.gguf"],
              "gft.cca_file --objective lang-distill runs and --save-judged writes every judged checkpoint")
        with open(start, "rb") as f, open(os.path.join(d, "run", "judged", "step-0.gguf"), "rb") as g:
            check(f.read() == g.read(), "the judged step 0 is the start file, byte for byte")


def test_self_train():
    """gft.self_train: of each group of pictures the best-ranked one the judge names in its top 5
    is kept, and only for such concepts; the pool keeps the newest; training on the pool makes
    the kept grids likelier; gft.cca_file --objective self-train runs."""
    import random

    from eval.judge import Judge, base_concept, judge_labels
    from gft import cca_file, self_train
    from gft.encode import save_codes_xz
    from gft.gguf_import import load_gguf
    t5 = torch.tensor([0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1], dtype=torch.float)
    rank = torch.tensor([.9, .2, .5, .1, .9, .8, .7, .6, .3, .1, .2, .4])
    check(self_train.pick_kept(t5, rank, 4) == [2, 11], "one kept per group: the best-ranked named picture, "
          "none where nothing is named (%s)" % self_train.pick_kept(t5, rank, 4))
    pool = self_train.KeptPool(5)
    for k in range(3):
        pool.add(torch.full((3, 2), k), torch.full((3, 1), k))
    pool.add(torch.zeros(0, 2, dtype=torch.long), torch.zeros(0, 1, dtype=torch.long))
    check(len(pool) == 5 and pool.toks[:, 0].tolist() == [1, 1, 2, 2, 2] and torch.equal(pool.toks[:, :1], pool.text),
          "the pool keeps the newest %d pairs, grids beside their captions" % len(pool))
    with tempfile.TemporaryDirectory() as d:
        start, meta, _, items, tok = tiny_file_pack_and_judge(d, "start.gguf", dict(guidance=2.0))
        _, names, _ = judge_labels(items)
        judge = Judge(len(names), (4,)).eval()
        favoured = sorted({base_concept(items[r]["concept"]) for r in range(0, len(items), 7)})[:5]
        with torch.no_grad():  # a judge that names the same five concepts, whatever it sees
            judge.concept.weight.zero_()
            judge.concept.bias.fill_(-1.0)
            for c in favoured:
                judge.concept.bias[names.index(c)] = 1.0
        class_index = {n: i for i, n in enumerate(names)}
        m = load_gguf(start)
        model, vq = m.gft.float(), (m.decoder.float(), m.codebook.float())
        rows = list(range(len(items)))
        gen = torch.Generator().manual_seed(0)
        toks, text, kept_rows, drawn = self_train.draw_and_keep(model, vq, judge, class_index, items, rows, tok,
                                                                m.sampling, m.vq_cfg.bg_code, 40, 3, random.Random(1),
                                                                gen, batch=32)
        kept_concepts = {base_concept(items[r]["concept"]) for r in kept_rows}
        check(drawn == 120 and 0 < toks.shape[0] == len(kept_rows) <= 40 and text.shape[0] == toks.shape[0]
              and toks.shape[1] == model.cfg.n_image and kept_concepts <= set(favoured),
              "drew 120 pictures, kept %d (at most one per caption), all of concepts the judge names"
              % toks.shape[0])
        codes = torch.from_numpy(np.random.RandomState(2).randint(0, 32, (1, len(items), 16)))
        _, stats = self_train.finetune(model, codes, items, rows, tok, vq=vq, judge=judge, class_index=class_index,
                                       sampling=m.sampling, background=m.vq_cfg.bg_code, batch=16, lr=3e-3,
                                       budget_s=1e9, seed=1, log=lambda *a: None, max_steps=30, anchor=0.25, group=3,
                                       captions_per_draw=20, refresh=100, draw_batch=30)
        kept_nll = [h["nll_kept"] for h in stats["history"]]
        check(stats["draws"] == 1 and stats["kept"] > 0 and kept_nll[-1] < 0.7 * kept_nll[0],
              "training on the pool makes its grids likelier (NLL per token %.3f -> %.3f)" % (kept_nll[0], kept_nll[-1]))
        save_codes_xz(codes.numpy().astype(np.int16), os.path.join(d, "codes.npy.xz"))
        cca_file.main(["--objective", "self-train", "--model", start, "--codes", os.path.join(d, "codes.npy.xz"),
                       "--meta", meta, "--judge", os.path.join(d, "judge.pt"), "--select-prompts", "1",
                       "--seeds", "1", "--batch", "4", "--group", "2", "--captions-per-draw", "4", "--draw-sampling", "1:1:0",
                       "--out", os.path.join(d, "run"), "--max-steps", "2", "--every", "1"])
        with open(os.path.join(d, "run", "metrics.json")) as f:
            met = json.load(f)
        check(met["cca"]["objective"] == "self-train" and met["cca"]["steps"] == 2 and met["cca"]["drawn"] == 8
              and met["cca"]["draw_sampling"] == dict(guidance=1.0, temperature=1.0, top_k=0, top_p=1.0),
              "gft.cca_file --objective self-train runs, drawing as --draw-sampling says (%s)" % {k: met["cca"][k] for k in ("steps", "drawn", "kept")})


def test_blend():
    """gft.blend: alpha 1 gives file A back byte for byte, alpha 0 gives B's transformer with A's
    everything else, 0.5 the midpoint (within Q8_0 rounding); other files and alphas are refused."""
    from gft import blend
    from gft.export_gguf import export_model, random_model
    from gft.gguf_writer import GGUFFile
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for seed in (3, 4):
            gft, dec, cb, tok, known, sampling, vcfg = random_model("tiny", seed)
            paths.append(os.path.join(d, "m%d.gguf" % seed))
            export_model(gft, dec, cb, tok, known, sampling, paths[-1], "q8_0", False, vcfg)
        a, b = paths
        out = os.path.join(d, "out.gguf")
        check(blend.main(["--a", a, "--b", b, "--alpha", "1", "-o", out]) == 0, "blend runs")
        with open(a, "rb") as f, open(out, "rb") as g:
            check(f.read() == g.read(), "alpha 1 writes A back byte for byte")
        blend.main(["--a", a, "--b", b, "--alpha", "0", "-o", out])
        fa, fb, fo = GGUFFile(a), GGUFFile(b), GGUFFile(out)
        check(all(fo.tensor_raw(n) == (fb if blend.is_transformer_tensor(n) else fa).tensor_raw(n) for n in fa.tensor_info)
              and fo.kv == fa.kv, "alpha 0: B's transformer tensors, A's decoder, codebook and keys")
        blend.main(["--a", a, "--b", b, "--alpha", "0.5", "-o", out])
        fo = GGUFFile(out)
        n = "blk.0.ffn_up.weight"
        mid = 0.5 * (fa.tensor(n) + fb.tensor(n))
        check(fo.tensor_info[n][1] == fa.tensor_info[n][1] and np.abs(fo.tensor(n) - mid).max() < 0.01 * np.abs(mid).max() + 1e-6,
              "alpha 0.5: the midpoint, in A's tensor type")
        from gft.gguf_writer import copy_of
        other = os.path.join(d, "missing.gguf")
        copy_of(b, keep_tensor=lambda name: name != "blk.1.ffn_up.weight").write(other)
        check(blend.main(["--a", a, "--b", other, "--alpha", "0.5", "-o", out]) == 1
              and blend.main(["--a", a, "--b", b, "--alpha", "1.5", "-o", out]) == 1,
              "a file without one of A's transformer tensors, or an alpha outside [0, 1], is refused")


def test_sweep_file_and_likelihood_read_a_model_file():
    """eval.sweep_file writes one JSON line per setting (the whole and each prompt set, the
    setting as given); eval.likelihood --model measures a model file's bits per token and its
    caption margin."""
    from eval import likelihood, sweep_file
    from gft.encode import save_codes_xz
    with tempfile.TemporaryDirectory() as d:
        path, meta, _, items, tok = tiny_file_pack_and_judge(d, "m.gguf")
        out = os.path.join(d, "sweep")
        check(sweep_file.main(["--model", path, "--meta", meta, "--judge", os.path.join(d, "judge.pt"), "--out", out,
                               "--setting", "3:0.7:40", "--setting", "1.5:1:0", "--prompts", "1", "--seeds", "2"]) == 0,
              "sweep_file runs")
        with open(os.path.join(out, "sweep.jsonl")) as f:
            rows = [json.loads(line) for line in f]
        check([r["setting"]["guidance"] for r in rows] == [3.0, 1.5] and rows[1]["setting"]["top_k"] == 0
              and all(r["sets"] and 0 <= r["top5"] <= 1 and 0 <= r["rank"] <= 1 for r in rows),
              "one line per setting, in order, with per-set figures: %s" % rows[0])
        save_codes_xz(np.random.RandomState(0).randint(0, 32, (2, len(items), 16)).astype(np.int16),
                      os.path.join(d, "codes.npy.xz"))
        buf = io.StringIO()
        old, sys.stdout = sys.stdout, buf
        try:
            rc = likelihood.main(["--model", path, "--codes", os.path.join(d, "codes.npy.xz"), "--meta", meta,
                                  "--threads", "1"])
        finally:
            sys.stdout = old
        res = json.loads(buf.getvalue())
        check(rc == 0 and res["val_iid"]["bits_cond"] > 0 and "caption_margin_iid_bits" in res,
              "likelihood reads a model file: %s" % sorted(res))
        from gft.cca import make_pairs
        one = [i for i, it in enumerate(items) if it["concept"] == items[0]["concept"]]
        try:
            make_pairs(items, one, [False] * len(items), 1, tok, 8, 2, __import__("random").Random(0))
            refused = False
        except ValueError as e:
            refused = "two concepts" in str(e)
        check(refused, "CCA pairs from rows of one concept are refused instead of looping for ever")


def test_cca_wall_stop_leaves_room_for_the_judgings():
    from gft.cca_file import wall_stop

    class Picker:
        judge_seconds = 10.0
    now = time.time()
    check(wall_stop(0, now, Picker()) is None, "no wall limit: no stop")
    check(not wall_stop(100, now, Picker())(), "100 s left, 3 judgings of 10 s + export 30 s: go on")
    check(wall_stop(59, now, Picker())(), "59 s: too little for 3 judgings of 10 s and the export")


def test_all_cores_restores_threads():
    from gft.common import all_cores
    torch.set_num_threads(1)
    with all_cores("cpu"):
        inside = torch.get_num_threads()
    with all_cores("cuda"):
        on_gpu = torch.get_num_threads()
    check(inside == (os.cpu_count() or 1) and on_gpu == 1 and torch.get_num_threads() == 1,
          "all_cores uses every core for CPU inference and gives the thread count back")


def _colour_wins(rerank, model, tok, items, real):
    """How many of the images score their own caption above one with another colour."""
    other = {"red": "blue", "green": "red", "blue": "yellow", "yellow": "purple", "purple": "green"}
    wins = 0
    for i, it in enumerate(items):
        colour, shape = it["labels"]["en"].split()
        x = F.interpolate(real[i:i + 1].float(), 128)
        wins += int(model.score(tok, it["labels"]["en"], x).item() > model.score(tok, other[colour] + " " + shape, x).item())
    return wins


def test_rerank_learns_colours():
    """gft.rerank on the synthetic pack: after a short training the right caption outscores a
    caption of another colour for most images, and reconstructions come from the decoder. The
    input size is the model's own (here 16 px), and save / load keep it. Trained on captions
    read through a lexicon that reads every colour word as "colour", it cannot tell them apart;
    with p_reading 0 the same lexicon is never applied."""
    from eval.fake_pack import COLOURS, make_pack
    from gft import rerank
    from gft.dataset import load_pack
    from gft.vq import VQConfig, Decoder
    with tempfile.TemporaryDirectory() as d:
        make_pack(os.path.join(d, "pack"), 60)
        images, items, _ = load_pack(os.path.join(d, "pack"))
        texts = [t for it in items for t in it["labels"].values()]
        tok = train_bpe(texts * 3, 300)
        torch.manual_seed(0)
        cfg = VQConfig(codebook_size=16, dec_channels=(16, 8, 8, 8), enc_channels=(8, 16, 16), n_groups=4)
        dec, codebook = Decoder(cfg).eval(), torch.randn(16, cfg.code_dim)
        codes = np.random.RandomState(2).randint(0, 16, (len(items), 64))
        real, recon, has = rerank.prepare_images(images, codes, dec, codebook, 10, log=lambda *a: None, side=16)
        check(real.shape == (60, 4, 16, 16) and int(has.sum()) == 10
              and not torch.equal(recon[has], real[has]) and torch.equal(recon[~has], real[~has]),
              "rerank.prepare_images: 16 px real images, and the chosen rows decoded")
        model = rerank.Reranker(tok.vocab_size, width=(8, 16), side=16)
        steps = rerank.train(model, tok, real, real, torch.zeros(60, dtype=torch.bool), items, budget_s=1e9,
                             seed=3, log=lambda *a: None, batch=32, lr=1e-2, max_steps=150)
        wins = _colour_wins(rerank, model, tok, items, real)
        check(steps == 150 and wins >= 48, "rerank learns the colour words (%d of 60 images)" % wins)
        path = os.path.join(d, "rr.pt")
        rerank.save(model, path)
        back = rerank.load(path)
        x = F.interpolate(real[:4].float(), 128)
        check(back.side == 16 and torch.allclose(back.score(tok, "red circle", x), model.score(tok, "red circle", x)),
              "rerank.save / load keep the input size and the scores")
        erase = {w.lower(): "colour" for name, (_, *words) in COLOURS.items() for w in [name] + words}
        blind = rerank.Reranker(tok.vocab_size, width=(8, 16), side=16)
        rerank.train(blind, tok, real, real, torch.zeros(60, dtype=torch.bool), items, budget_s=1e9,
                     seed=3, log=lambda *a: None, batch=32, lr=1e-2, max_steps=150, lexicon=erase)
        wins = _colour_wins(rerank, blind, tok, items, real)
        check(wins <= 40, "captions read through a colour-erasing lexicon teach no colours (%d of 60)" % wins)
        typed = rerank.Reranker(tok.vocab_size, width=(8, 16), side=16)
        rerank.train(typed, tok, real, real, torch.zeros(60, dtype=torch.bool), items, budget_s=1e9,
                     seed=3, log=lambda *a: None, batch=32, lr=1e-2, max_steps=150, lexicon=erase, p_reading=0.0)
        wins = _colour_wins(rerank, typed, tok, items, real)
        check(wins >= 48, "with p_reading 0 the captions stay as typed and teach the colours (%d of 60)" % wins)


def test_rerank_gguf_embed():
    """gft.rerank_gguf.embed copies a model file byte for byte and adds the reranker; the
    file's folded reranker scores as the trained module does (F32: to float rounding; Q8_0:
    close), and embedding again replaces the reranker instead of adding a second one."""
    from gft import rerank_gguf
    from gft.export_gguf import main as export_main
    from gft.gguf_writer import T_F32, GGUFFile
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "tiny.gguf")
        check(export_main(["--random", "tiny", "--seed", "4", "-o", src]) == 0, "tiny export")
        a = GGUFFile(src)
        model = rerank_gguf.random_reranker(512, 5)
        x = torch.rand(3, 4, 8, 8, generator=torch.Generator().manual_seed(1))
        x[:, :3] *= x[:, 3:]
        ids = rerank_gguf_ids(src, "red cat")
        with torch.no_grad():
            t = F.normalize(model.text.proj(model.text.emb.weight[torch.tensor(ids)].mean(0)), dim=-1)
            want = model.image(F.adaptive_avg_pool2d(x, 4)) @ t
        for mat_type, tol in ((T_F32, 1e-5), (None, 2e-2)):
            out = os.path.join(d, "out.gguf")
            rerank_gguf.embed(src, model, 3, out, **({"mat_type": mat_type} if mat_type is not None else {}))
            rerank_gguf.embed(out, model, 3, out, **({"mat_type": mat_type} if mat_type is not None else {}))
            b = GGUFFile(out)
            check(all(a.tensor_raw(n) == b.tensor_raw(n) for n in a.tensor_info)
                  and all(a.kv[k] == b.kv[k] for k in a.kv), "embed keeps every key and tensor")
            check(sum(n.startswith("rr.") for n in b.tensor_info) == 4 * 2 + 5 and b.kv["gft.sampling.candidates"] == 3,
                  "one reranker (4 convs, 2 projections, a table) and the default candidates")
            got = rerank_gguf.load(out).score(ids, x)
            check(float((got - want).abs().max()) <= tol, "file reranker scores %s vs %s" % (got, want))


def test_rerank_gguf_embed_from_file():
    """gft.rerank_gguf.embed_from_file: a new transformer file gets another file's reranker byte for
    byte (keys and rr.* tensors), keeps its own tensors, and --candidates overrides the default."""
    from gft import rerank_gguf
    from gft.export_gguf import main as export_main
    from gft.gguf_writer import GGUFFile
    with tempfile.TemporaryDirectory() as d:
        old, new = os.path.join(d, "old.gguf"), os.path.join(d, "new.gguf")
        check(export_main(["--random", "tiny", "--seed", "4", "-o", old]) == 0 and
              export_main(["--random", "tiny", "--seed", "5", "-o", new]) == 0, "two tiny exports")
        rerank_gguf.embed(old, rerank_gguf.random_reranker(512, 5), 3, old)
        out = os.path.join(d, "out.gguf")
        check(rerank_gguf.main(["--model", new, "--rerank", old, "-o", out]) == 0, "the CLI takes a .gguf reranker")
        a, b, c = GGUFFile(old), GGUFFile(new), GGUFFile(out)
        rr = [n for n in a.tensor_info if n.startswith("rr.")]
        check(len(rr) == 13 and all(a.tensor_raw(n) == c.tensor_raw(n) for n in rr)
              and all(b.tensor_raw(n) == c.tensor_raw(n) for n in b.tensor_info)
              and all(c.kv[k] == a.kv[k] for k in a.kv if k.startswith("gft.rerank.") or k == "gft.sampling.candidates"),
              "the reranker is the old file's, every other tensor the new file's")
        check(rerank_gguf.main(["--model", out, "--rerank", old, "--candidates", "2", "-o", out]) == 0
              and GGUFFile(out).kv["gft.sampling.candidates"] == 2
              and sum(n.startswith("rr.") for n in GGUFFile(out).tensor_info) == 13,
              "embedding again replaces the reranker; --candidates sets the default")
        check(rerank_gguf.main(["--model", out, "--rerank", new, "-o", out]) == 1, "a file with no reranker is refused")


def test_set_sampling():
    """gft.set_sampling changes only the four sampling keys: tensors and other keys stay byte for
    byte, the file loads with the new defaults, and bad settings are refused."""
    from gft import set_sampling
    from gft.export_gguf import main as export_main
    from gft.gguf_import import load_gguf
    from gft.gguf_writer import GGUFFile
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "a.gguf"), os.path.join(d, "b.gguf")
        check(export_main(["--random", "tiny", "--seed", "4", "-o", src]) == 0, "tiny export")
        check(set_sampling.main(["--model", src, "--sampling", "2:0.8:50:0.9", "-o", out]) == 0, "set_sampling runs")
        a, b = GGUFFile(src), GGUFFile(out)
        same = all(a.tensor_raw(n) == b.tensor_raw(n) for n in a.tensor_info) and list(a.kv) == list(b.kv) \
            and all(a.kv_raw[k] == b.kv_raw[k] for k in a.kv if not k.startswith("gft.sampling."))
        s = load_gguf(out).sampling
        check(same and s["guidance"] == 2.0 and abs(s["temperature"] - 0.8) < 1e-6 and s["top_k"] == 50
              and abs(s["top_p"] - 0.9) < 1e-6, "only the sampling defaults change: %s" % s)
        check(set_sampling.main(["--model", src, "--sampling", "0.5:0.7:40", "-o", out]) == 1
              and set_sampling.main(["--model", src, "--sampling", "2:0.7", "-o", out]) == 1,
              "guidance below 1 and a malformed setting are refused")
        check(s["guidance_ramp"] == 0 and "gft.sampling.guidance_ramp" not in b.kv, "no ramp unless asked")
        ramp = os.path.join(d, "r.gguf")
        check(set_sampling.main(["--model", src, "--sampling", "3:0.7:40", "--guidance-ramp", "1", "-o", ramp]) == 0
              and set_sampling.main(["--model", ramp, "--sampling", "3:0.7:40", "-o", out]) == 0,
              "set_sampling with a ramp, and again without saying")
        r, kept = GGUFFile(ramp), load_gguf(out).sampling
        keys = list(r.kv)
        check(r.kv["gft.sampling.guidance_ramp"] == 1 and kept["guidance_ramp"] == 1
              and keys.index("gft.sampling.guidance_ramp") == keys.index("gft.sampling.guidance") + 1
              and [k for k in keys if k != "gft.sampling.guidance_ramp"] == list(a.kv),
              "the ramp key follows the guidance and stays when not said")
        check(set_sampling.main(["--model", ramp, "--sampling", "3:0.7:40", "--guidance-ramp", "0", "-o", out]) == 0
              and list(GGUFFile(out).kv) == list(a.kv), "--guidance-ramp 0 takes the key out")


def rerank_gguf_ids(path, text):
    from gft.gguf_import import load_gguf
    return load_gguf(path).tokenizer.encode(text)


def test_rerank_study_best_of():
    """eval.rerank_study.best_of keeps, per group of K, the image with the highest score."""
    from eval.rerank_study import METRICS, best_of
    fig = {m: torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0]) for m in METRICS}
    score = torch.tensor([0.1, 0.9, 0.2, 0.3, 0.8, 0.1, 0.2, 0.0, 5.0])  # the 9th is outside any group
    picked = best_of(fig, score, 4)
    first = best_of(fig, torch.zeros(9).index_fill(0, torch.arange(0, 9, 4), 1.0), 4)
    check(picked["cnn5"] == 0.5 and first["cnn5"] == 0.0 and abs(best_of(fig, score, 1)["cnn5"] - 3 / 9) < 1e-6,
          "rerank_study.best_of picks the best-scored image of each group")


if __name__ == "__main__":
    run_tests(globals())
