# SPDX-License-Identifier: GPL-3.0-or-later
"""Filler words: English adjectives that say how nice, how big or how tasty a thing is, which a
reading drops as it drops articles ("a cute little dog" -> "dog").

Why: an emoji fills its picture whatever size is asked, and the captions hardly ever hold such
words, so the model reads them as a pull toward whatever few emoji they tag. Typed before a name
they cost it: on 16 everyday names ("red apple", "cat", "pizza", ...) the CNN judge's mean rank
of the named thing fell by 0.06-0.14 with "cute", "little", "big", "tiny", "delicious" and the
others in FILLERS (models/MODEL_CARD.md, "Filler words"; the study is
training/eval/results/filler-2026-11-28/filler_study.py). Words that change the picture stay:
colours, "happy", "hot", "old", and "ripe", which cost nothing.

The words go into the file's article list (gft.lexicon.articles; docs/model-format.md, "Prompt
lexicon", step 1b), so the engine drops them wherever no lexicon source starts and a word of the
reading is left: "cute" alone stays "cute". English emoji labels that hold one ("grinning face
with big eyes", "large blue diamond") become sources read as themselves and keep it.

  cd training && python3 -m gft.filler_words --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz -o ../models/gft-emoji.gguf
"""
import argparse
import sys

from . import lexicon as lexicon_mod
from .gguf_writer import run_file_tool

# each cost the 16 names of the study 0.03 or more of mean rank and no top-5; "small" (no rank lost),
# "nice", "shiny" and "fluffy" (under 0.03) stay, and so do "funny" and "cool" (expressions, and 😎's
# tags) and "colorful" (asks for colour)
FILLERS = ("adorable", "beautiful", "big", "cute", "delicious", "fresh", "giant", "huge", "large", "little",
           "lovely", "pretty", "simple", "tasty", "tiny", "yummy")


def with_fillers(model, items, words, output):
    """model's lexicon and articles plus the filler words and their guards, written to output.
    -> (the new article list, the guard entries added)."""
    lexicon = lexicon_mod.read(model)
    articles = lexicon_mod.read_articles(model) + list(words)  # with_lexicon sorts them, once each
    guards = {k: v for k, v in lexicon_mod.article_guards(items, words).items() if k not in lexicon}
    lexicon_mod.with_lexicon(model, dict(lexicon, **guards), output, articles=articles)
    return lexicon_mod.read_articles(output), guards


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz (English labels that keep a filler)")
    ap.add_argument("--words", default=",".join(FILLERS), help="comma-separated filler words (default: FILLERS)")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        words = [w for w in a.words.split(",") if w]
        articles, guards = with_fillers(a.model, lexicon_mod.meta_items(a.meta), words, a.output)
        return "wrote %s: %d articles and filler words, %d labels kept whole" % (a.output, len(articles), len(guards))
    return run_file_tool("filler_words", work)


if __name__ == "__main__":
    sys.exit(main())
