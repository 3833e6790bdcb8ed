# SPDX-License-Identifier: GPL-3.0-or-later
"""Judged readings of the word forms that are names too: "cats" is an English tag of the cat, so
gft.word_forms leaves it as typed, though the model draws "katze" (the reading of "cat") far
better. Each such form whose emoji its base names too (gft.word_forms.form_entries' named_forms)
is searched as gft.word_readings searches a word: the form as typed against its base's reading,
4 pictures each (one sample, `gft generate --literal -k 1`), then 12 fresh seeds for the
challenger and the form when the challenger led; it wins on the same bars (gft.word_readings.decide).

Why a search and not a rule: read as their base all at once, six such prompts gained on the CNN
judge's mean rank (0.538 -> 0.567 on seeds 100-115, 0.533 -> 0.555 on 200-231) but nearly all of
it came from "cats"; "stars", "fleurs" and "小猫" lost on both seed sets
(training/eval/results/forms-2026-11-28/named-*.txt).

Run it on a file that gft.word_forms has written (its forms are then lexicon sources, so only
the names are left). Seeds 5000 on, which no other search uses. The report is written after every
form and a rerun resumes.

  cd training && python3 -m gft.named_forms --engine ../build/cli/gft --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \\
      --report runs/named-forms/report.json -o ../models/gft-emoji.gguf
"""
import argparse
import sys

from . import lexicon as lexicon_mod
from . import word_forms, word_readings
from .gguf_writer import run_file_tool


def named_keys(items, lexicon, articles, word_lists, english_words, class_index):
    """[{key, lang, label, concepts, primary, candidates}] (gft.word_readings' key records) of the
    forms that are names too: candidates are the form as typed, then its base's reading."""
    from eval.judge import base_concept
    entries = word_forms.form_entries(items, lexicon, articles, word_lists, english_words, named_forms=True)
    names = word_forms.every_name(lexicon_mod.multilingual_concepts(items))
    out = []
    for form in sorted((f for f in entries if f in names), key=lambda f: f.encode()):
        classes = sorted({base_concept(c) for c in names[form]} & set(class_index))
        incumbent = lexicon_mod.translate(form, lexicon, articles=articles)[0]
        if classes and len(form.encode()) <= lexicon_mod.MAX_SOURCE_BYTES and entries[form] != incumbent:
            out.append(dict(key=form, lang="", label=False, concepts=classes, primary=classes[0],
                            candidates=[incumbent, entries[form]]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True, help="the gft command")
    ap.add_argument("--model", required=True, help="a file gft.word_forms wrote")
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz")
    ap.add_argument("--judge", required=True, help="the CNN judge")
    ap.add_argument("--report", required=True, help="the search's JSON report (read back to resume)")
    word_forms.add_word_list_args(ap)
    word_readings.add_search_args(ap, 5000)
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        from .readings import Drawer
        items = lexicon_mod.meta_items(a.meta)
        lists, english = word_forms.word_lists_of(a, items)
        lexicon, articles = lexicon_mod.read(a.model), lexicon_mod.read_articles(a.model)
        drawer = Drawer(a.engine, a.model, a.judge, a.threads)
        keys = named_keys(items, lexicon, articles, lists, english, drawer.class_index)
        _, won = word_readings.run_search(drawer, keys, a, "named_forms")
        langs = sorted({l for c in lexicon_mod.multilingual_concepts(items).values() for l in c["labels"]})
        out = word_readings.with_word_readings(lexicon, won, word_readings.phrases_of(items, langs), articles)
        lexicon_mod.with_lexicon(a.model, out, a.output)
        return "wrote %s: %d of %d named forms read as their base, lexicon of %d phrases" % (
            a.output, len(won), len(keys), len(out))
    return run_file_tool("named_forms", work)


if __name__ == "__main__":
    sys.exit(main())
