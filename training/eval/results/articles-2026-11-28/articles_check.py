# SPDX-License-Identifier: GPL-3.0-or-later
"""Does a leading article cost the concept? Each prompt is read through the shipped file's
lexicon (gft.lexicon.translate, as the engine reads it), then drawn twice by `gft generate
--literal` at the file's defaults (best of 4): the reading as it is, and the reading without its
first word when that word is an article or a Chinese "one + measure word". The CNN judge names
the pictures (top-1 / top-5 / rank of the intended concept), seeds 100-115 (or FIRST_SEED on).

  cd training && python3 eval/results/articles-2026-11-28/articles_check.py ../build/cli/gft \\
      ../models/gft-emoji.gguf runs/judge/judge-gpu2.pt ../.devdata/pack/meta.json.xz [FIRST_SEED]
"""
import json
import sys
import tempfile

sys.path.insert(0, ".")
from eval.evaluate import emoji_concepts  # noqa: E402
from eval.judge import load_judge, naming_each  # noqa: E402
from eval.local_eval import engine_images  # noqa: E402
from eval.prompts import PARAPHRASES  # noqa: E402
from gft import lexicon  # noqa: E402
from gft.dataset import load_meta  # noqa: E402
from gft.gguf_import import sampling_defaults  # noqa: E402
from gft.gguf_writer import GGUFFile  # noqa: E402

ARTICLES = {"a", "an", "the", "ein", "eine", "der", "die", "das", "un", "une", "le", "la", "les",
            "l", "una", "el", "los", "las", "一 个", "一 只", "一 颗", "一 块"}
EXTRA = [
    ("a cat", "🐱"), ("a dog", "🐶"), ("a banana", "🍌"), ("a pizza", "🍕"), ("a rocket", "🚀"),
    ("an apple", "🍎"), ("a star", "⭐"), ("a car", "🚗"), ("a house", "🏠"), ("a fish", "🐟"),
    ("a red heart", "❤️"), ("the red heart", "❤️"),
    ("ein roter Apfel", "🍎"), ("une pomme rouge", "🍎"), ("una manzana roja", "🍎"), ("一个红苹果", "🍎"),
    ("eine Sonne", "☀️"), ("le soleil", "☀️"), ("el sol", "☀️"), ("un chat", "🐱"), ("un gato", "🐱"),
    ("eine Katze", "🐱"), ("ein Hund", "🐶"), ("un perro", "🐶"), ("une banane", "🍌"), ("una pizza", "🍕"),
    ("一只猫", "🐱"), ("一只狗", "🐶"), ("eine Rakete", "🚀"), ("une fusée", "🚀"),
]


def without_article(text):
    words = text.split(" ")
    for n in (2, 1):
        if len(words) > n and " ".join(words[:n]) in ARTICLES:
            return " ".join(words[n:])
    return text


def main(engine, model, judge_path, meta, first_seed="100"):
    judge, index = load_judge(judge_path)
    emap = emoji_concepts(load_meta(meta)[0])
    lex = lexicon.read(model)
    sampling = sampling_defaults(GGUFFile(model).kv)
    seeds = list(range(int(first_seed), int(first_seed) + 16))
    prompts = [(p, e) for p, e, _ in PARAPHRASES] + EXTRA
    rows, sums = [], {"as read": [0.0] * 3, "no article": [0.0] * 3}
    with tempfile.TemporaryDirectory() as tmp:
        for prompt, emo in prompts:
            concept = emap.get(emo) or emap.get(emo.replace("\ufe0f", ""))
            read = lexicon.translate(prompt, lex)[0]
            bare = without_article(read)
            if bare == read or concept is None:
                continue
            row = {"prompt": prompt, "read": read, "bare": bare}
            for label, text in (("as read", read), ("no article", bare)):
                imgs = engine_images(engine, model, tmp, 2, [text], seeds, sampling, literal=True).float()
                t1, t5, rank = naming_each(judge, index, imgs, [concept] * len(seeds))
                fig = [t1.mean().item(), t5.mean().item(), rank.mean().item()]
                row[label] = [round(x, 3) for x in fig]
                for k in range(3):
                    sums[label][k] += fig[k]
            rows.append(row)
            print("%-28s %-24s %3.0f %% / %3.0f %% / %.3f   %-20s %3.0f %% / %3.0f %% / %.3f"
                  % (prompt, read, 100 * row["as read"][0], 100 * row["as read"][1], row["as read"][2],
                     bare, 100 * row["no article"][0], 100 * row["no article"][1], row["no article"][2]),
                  flush=True)
    n = len(rows)
    mean = {k: [round(v / n, 4) for v in s] for k, s in sums.items()}
    print("mean of %d prompts: as read %s, no article %s" % (n, mean["as read"], mean["no article"]))
    name = "articles_check.json" if seeds[0] == 100 else "articles_check-%d.json" % seeds[0]
    json.dump(dict(rows=rows, mean=mean, seeds=[seeds[0], seeds[-1]]), open(
        "eval/results/articles-2026-11-28/" + name, "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:6])
