# SPDX-License-Identifier: GPL-3.0-or-later
"""Train the text BPE and the known-word list on the training split's captions (CPU, once,
before the GPU run so no device time is spent on it).

  cd training && python3 -m gft.prep -o runs/prep/tokenizer.json [--pack DIR] [--vocab 4096]
"""
import argparse
import os
import sys
import time

from .captions import all_caption_texts
from .dataset import load_cache, load_pack
from .text import build_known_words, train_bpe


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default=None)
    ap.add_argument("--cache", default=None, help="use the render cache dir instead of a pack")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    t = time.time()
    _, items, split = load_cache(a.cache) if a.cache else load_pack(a.pack)
    train_items = [it for it, s in zip(items, split) if s == 0]
    texts = all_caption_texts(train_items)
    tok = train_bpe(texts, a.vocab)
    known = build_known_words(texts)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tok.save(a.output, known)
    print("prep: %d caption texts -> vocab %d, %d known words (%.0fs) -> %s"
          % (len(texts), tok.vocab_size, len(known), time.time() - t, a.output), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
