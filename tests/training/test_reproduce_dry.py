# SPDX-License-Identifier: GPL-3.0-or-later
"""The one command that made the shipped model, run as committed: `training/reproduce.sh
--dry-run` goes through every stage (data pack, BPE, VQ + transformer, codes, continuation, three
CCA rounds, export, judge, lexicon, reranker, judged readings, word forms, upscaler) on a small
synthetic pack with a few steps each. The file it writes must carry what each stage adds and be
a model the C engine loads and draws with at its stored defaults.

Run: GFT_CLI=build/cli/gft PYTHONPATH=training /usr/bin/python3 tests/training/test_reproduce_dry.py
"""
import os
import subprocess
import tempfile

from PIL import Image

from eval.local_eval import decoder_size
from gft import lexicon
from gft.gguf_writer import GGUFFile
from checks import check, run_tests  # noqa: E402 (tests/training/checks.py)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("GFT_CLI", os.path.join(ROOT, "build", "cli", "gft"))


def test_reproduce_dry_run():
    with tempfile.TemporaryDirectory() as d:
        run = os.path.join(d, "run")
        env = dict(os.environ, GFT_CLI=CLI)
        r = subprocess.run(["bash", os.path.join(ROOT, "training", "reproduce.sh"), "--dry-run", "--out", run],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        steps = [line for line in r.stdout.splitlines() if line.startswith("== reproduce:")]
        print("\n".join(steps))
        check(r.returncode == 0, "reproduce.sh --dry-run exits 0 (rc %d)" % r.returncode)
        if r.returncode != 0:
            print(r.stdout[-6000:])
            return
        check(steps[-1].startswith("== reproduce: done"), "the last step says done")
        model = os.path.join(run, "model.gguf")
        kv = GGUFFile(model).kv
        check(kv.get("general.architecture") == "gft", "the file is a gft model")
        s = (kv.get("gft.sampling.guidance"), kv.get("gft.sampling.temperature"), kv.get("gft.sampling.top_k"))
        check(s[0] == 2.0 and abs(s[1] - 0.7) < 1e-6 and s[2] == 40,
              "the shipped sampling defaults 2:0.7:40 (gft.set_sampling after CCA round 3): %s" % (s,))
        check(kv.get("gft.sampling.candidates") == 4 and "gft.rerank.dim" in kv,
              "a reranker and best of 4 (gft.rerank_gguf)")
        check("gft.upscale.channels" in kv, "an upscaler (gft.upscale_gguf)")
        lex = lexicon.read(model)
        check(len(lex) > 0, "a prompt lexicon (gft.lexicon): %d phrases" % len(lex))
        articles = lexicon.read_articles(model)
        check("the" in articles and "cute" in articles,
              "articles and filler words a reading drops (gft.lexicon, gft.filler_words)")
        for report in ("readings.json", "word-readings.json", "named-forms.json", "lexicon-prune.json"):
            check(os.path.isfile(os.path.join(run, report)), "the judged step wrote %s" % report)

        info = subprocess.run([CLI, "info", model], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        check(info.returncode == 0 and "candidates 4" in info.stdout and "reranker:          yes" in info.stdout,
              "gft info loads it: a reranker, best of 4 by default")
        png = os.path.join(d, "x.png")
        g = subprocess.run([CLI, "generate", "-m", model, "-p", "red apple", "--seed", "1", "-q", "-o", png],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        h, w = decoder_size(model)
        size = Image.open(png).size if g.returncode == 0 and os.path.isfile(png) else None
        check(size == (2 * w, 2 * h),
              "gft generate draws with it at twice the decoder's %dx%d px: %s (rc %d)" % (w, h, size, g.returncode))


if __name__ == "__main__":
    run_tests(globals())
