# SPDX-License-Identifier: GPL-3.0-or-later
"""Which evaluation prompts read otherwise under two model files' lexicons (and articles): the acceptance
prompts, the hand-written sets of eval/prompts.py (contact sheet included) and the judged prompt
sets of gft.cca_file in full. Prints each changed prompt with both readings.

  cd training && python3 eval/results/stil-2026-11-28/readings_diff.py OLD.gguf NEW.gguf \\
      ../.devdata/pack/meta.json.xz
"""
import sys

sys.path.insert(0, ".")
from eval import acceptance, prompts  # noqa: E402
from eval.evaluate import build_prompt_sets  # noqa: E402
from gft import lexicon  # noqa: E402
from gft.dataset import load_meta  # noqa: E402
from gft.pipeline import split_rows  # noqa: E402


def main(old, new, meta):
    items, split = load_meta(meta)
    train_rows = split_rows(items, split)[0]
    texts = [p for p, _ in acceptance.PROMPTS]
    texts += [p for s in (prompts.PARAPHRASES, prompts.OTHER_LANGUAGES, prompts.STYLE_REQUESTS) for p, _, _ in s]
    texts += prompts.CONTACT_SHEET
    sets = build_prompt_sets(items, split, train_rows, n_seen=10 ** 6)
    texts += [p for rows in sets.values() for p, _, _ in rows]
    texts = sorted(set(texts))
    a, b = lexicon.read(old), lexicon.read(new)
    la, lb = lexicon.read_articles(old), lexicon.read_articles(new)
    changed = [(t, lexicon.translate(t, a, articles=la)[0], lexicon.translate(t, b, articles=lb)[0]) for t in texts]
    changed = [c for c in changed if c[1] != c[2]]
    print("%d evaluation prompts, %d read otherwise" % (len(texts), len(changed)))
    for t, x, y in changed:
        print("  %r: %r -> %r" % (t, x, y))


if __name__ == "__main__":
    main(*sys.argv[1:4])
