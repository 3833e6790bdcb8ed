# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the 2x upscaler's training code: gft.sr_data (targets rendered from SVGs by
rsvg-convert), gft.train_upscaler (on synthetic flat-colour pictures) and gft.upscale_gguf (the
file's reference against the trained module), and that the evaluation judges the decoder's
pictures of a file with an upscaler.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_upscaler.py
"""
import os
import sys
import tempfile

import numpy as np
import torch

from gft import sr_data, train_upscaler, upscale_gguf, upscaler
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)

torch.set_num_threads(1)

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 36 36">
<circle cx="18" cy="18" r="15" fill="#dd2e44"/><rect x="10" y="4" width="4" height="9" fill="#3e721d"/>
</svg>"""


def test_sr_data_renders_aligned_targets():
    """A 256 px render box-filtered to 128 px matches the pack's 128 px render of the same SVG,
    and a pack picture that does not match its SVG is dropped."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "noto"))
        for name in ("apple", "other"):
            with open(os.path.join(d, "noto", name + ".svg"), "w") as f:
                f.write(SVG)
        small = sr_data.render(os.path.join(d, "noto", "apple.svg"), side=128, box=120)
        big = sr_data.render(os.path.join(d, "noto", "apple.svg"))
        check(big.shape == (256, 256, 4) and big[..., 3].max() == 255 and big[0, 0, 3] == 0,
              "a 256 px render with the art inside a transparent margin")
        db = sr_data.match_db(big, small)
        check(db > 35, "the 2x render box-filtered matches the 128 px render (%.1f dB)" % db)
        images = np.stack([small, np.zeros_like(small), small])
        items = [{"id": "noto/apple", "source": "noto"}, {"id": "noto/other", "source": "noto"},
                 {"id": "openclipart/x", "source": "openclipart"}]
        rows, targets = sr_data.build(images, items, d, workers=1, log=lambda *a: None)
        check(rows.tolist() == [0] and targets.shape == (1, 256, 256, 4),
              "the matching emoji is kept, the mismatched one and the clip art are not")


def discs(n, side, seed):
    """n flat-colour discs with hard edges on transparency, straight RGBA uint8 [n, side, side, 4],
    drawn at 4x and box-filtered (anti-aliased edges, as rsvg-convert draws them)."""
    rng = np.random.RandomState(seed)
    s4 = side * 4
    yy, xx = np.mgrid[0:s4, 0:s4] + 0.5
    out = np.zeros((n, side, side, 4), np.uint8)
    for i in range(n):
        cy, cx = rng.uniform(0.3, 0.7, 2) * s4
        r = rng.uniform(0.15, 0.35) * s4
        inside = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(np.float32)
        colour = rng.uniform(0, 1, 3).astype(np.float32)
        premul = np.concatenate([inside[..., None] * colour, inside[..., None]], -1)
        premul = premul.reshape(side, 4, side, 4, 4).mean(axis=(1, 3))
        a = premul[..., 3:4]
        rgb = np.where(a > 0, premul[..., :3] / np.maximum(a, 1e-6), 0)
        out[i] = np.floor(np.concatenate([rgb, a], -1) * 255 + 0.5).astype(np.uint8)
    return out


def test_train_upscaler_beats_bilinear():
    """On anti-aliased discs the trained upscaler is sharper than bilinear and bicubic 2x of
    the same 2x box-filtered picture, on pictures it did not train on."""
    big = discs(48, 32, 1)
    small = torch.nn.functional.avg_pool2d(train_upscaler.premul_nchw(big), 2).half()
    torch.manual_seed(2)
    model = upscaler.Upscaler(channels=8, n_mid=1)
    before = train_upscaler.evaluate(model, small, small, big, np.arange(40, 48))
    check(abs(before["real/upscaler"] - before["real/bilinear"]) < 1e-6,
          "an untrained upscaler is plain bilinear (its last conv starts at zero)")
    steps = train_upscaler.train(model, small, small, big, np.arange(40), budget_s=120, max_steps=1000,
                                 batch=16, side=12, p_real=0.5, lr=3e-3, seed=3, log=lambda *a: None)
    after = train_upscaler.evaluate(model, small, small, big, np.arange(40, 48))
    check(steps == 1000, "ran the asked steps")
    check(after["real/upscaler"] > after["real/bilinear"] + 0.5 and after["real/upscaler"] > after["real/bicubic"],
          "the upscaler beats bilinear and bicubic on held-out discs: %s" % after)


def test_upscale_gguf_matches_the_module():
    """The file's upscaler (F16 weights) computes what the module does, and embedding again
    replaces it; a copy without one keeps every other key and tensor byte for byte."""
    from gft.export_gguf import main as export_main
    from gft.gguf_writer import GGUFFile
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "tiny.gguf"), os.path.join(d, "up.gguf")
        check(export_main(["--random", "tiny", "--seed", "4", "-o", src]) == 0, "tiny export")
        model = upscale_gguf.random_upscaler(5, channels=8, n_mid=2)
        upscale_gguf.embed(src, model, out)
        upscale_gguf.embed(out, model, out)
        a, b = GGUFFile(src), GGUFFile(out)
        check(all(a.tensor_raw(n) == b.tensor_raw(n) for n in a.tensor_info)
              and sum(n.startswith("up.") for n in b.tensor_info) == 2 * 4,
              "embed keeps every tensor and adds one upscaler of 4 convs")
        x = torch.rand(2, 8, 8, 4, generator=torch.Generator().manual_seed(1))
        x[..., :3] *= x[..., 3:]
        want = upscaler.upscale(model, x)
        got = upscale_gguf.load(out)(x)
        check(got.shape == (2, 16, 16, 4) and float((got - want).abs().max()) < 2e-2,
              "the file's upscaler matches the module within F16 rounding")
        check(bool((got[..., :3] <= got[..., 3:] + 1e-7).all() and (got >= 0).all()), "a premultiplied range")
        upscale_gguf.embed(out, None, out)
        check(upscale_gguf.load(out) is None and GGUFFile(out).kv.keys() == a.kv.keys(),
              "embedding none takes the upscaler out again")


def test_judged_pictures_keep_the_decoders_size():
    """The evaluation draws what the judges look at: the decoder's pictures, also from a file
    with an upscaler (whose gft generate doubles them by default)."""
    from eval.local_eval import decoder_size, engine_images
    from gft.export_gguf import main as export_main
    engine = os.environ.get("GFT_CLI")
    check(bool(engine), "GFT_CLI names the gft command (meson test sets it)")
    with tempfile.TemporaryDirectory() as d:
        src, up = os.path.join(d, "tiny.gguf"), os.path.join(d, "up.gguf")
        check(export_main(["--random", "tiny", "--seed", "4", "-o", src]) == 0, "tiny export")
        upscale_gguf.embed(src, upscale_gguf.random_upscaler(5), up)
        sampling = {"guidance": 2.0, "temperature": 1.0, "top_k": 0, "top_p": 1.0}
        h, w = decoder_size(up)
        imgs = engine_images(engine, up, d, 1, ["red heart"], [1, 2], sampling)
        check(tuple(imgs.shape) == (2, 4, h, w), "judged pictures %s, the decoder paints %dx%d"
              % (tuple(imgs.shape), h, w))
        plain = engine_images(engine, src, d, 1, ["red heart"], [1, 2], sampling)
        check(torch.equal(imgs, plain), "the same drawing as the file without an upscaler")


if __name__ == "__main__":
    run_tests(globals())
    sys.exit(0)
