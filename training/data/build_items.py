# SPDX-License-Identifier: GPL-3.0-or-later
"""Build cache/items.json: one item per rendered image, concept metadata
(multilingual labels and tags), and the concept-level train/val split.

items.json = {"format", "size", "concepts": {id: {labels, tags, emoji,
group}}, "items": [{id, source, style, concept, license, flip_ok}],
"split": [0|1 per item]} -- the layout gft.dataset reads.
"""

import random
import re

from common import IMAGE_SIZE, SEED, slug

VAL_FRACTION = 0.03
MAX_CLIPART_PER_CONCEPT = 6
_TONE_CPS = {"1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"}
# Emoji groups and clip-art folders full of text, maps, logos and signs.
_NO_FLIP_GROUPS = {"flags", "symbols", "signs_and_symbols", "geography", "logos", "buttons",
                   "computer", "education", "office"}
_NO_FLIP_WORDS = re.compile(
    r"\b(left|right|leftwards|rightwards|east|west|clockwise|counterclockwise|anticlockwise|"
    r"arrow|arrows|letter|letters|text|number|digit|keycap|clock|o’clock|o'clock|button|"
    r"sign|flag|flags|map|abc|abcd|sos|ok|cool|new|free|up|top|soon|back|end|on|id|vs|atm|"
    r"wc|ng|tm|copyright|registered|bold|italic|font|alphabet|write|writing|calendar)\b")
_TITLE_FIXES = {"star step": "star"}


def _flip_ok(labels_en, tags_en, group):
    if group in _NO_FLIP_GROUPS:
        return False
    text = " ".join([labels_en] + list(tags_en)).lower()
    if re.search(r"\d", labels_en):
        return False
    return _NO_FLIP_WORDS.search(text) is None


def _split_unit(concept):
    """Skin-tone variants share their base emoji's split unit, so a held-out
    emoji is not seen in training in another skin tone."""
    if concept.startswith("emoji:"):
        parts = [p for p in concept[6:].split("-") if p not in _TONE_CPS]
        return "emoji:" + "-".join(parts)
    return concept


def _emoji_concepts(records, emojis):
    concepts = {}
    for r in records:
        if r["style"] == "icon":
            cid = "icon:" + r["name"]
            concepts.setdefault(cid, {"labels": {"en": r["name"].replace("-", " ")},
                                      "tags": {"en": []}, "emoji": "", "group": "icons"})
        elif r["hex"]:
            e = emojis[r["hex"]]
            cid = "emoji:" + e["hexcode"]
            concepts.setdefault(cid, {"labels": e["labels"], "tags": e["tags"],
                                      "emoji": e["emoji"], "group": e["group"]})
        else:
            cid = "emoji-name:" + r["name"]
            concepts.setdefault(cid, {"labels": {"en": r["name"].replace("-", " ")},
                                      "tags": {"en": []}, "emoji": "", "group": ""})
        r["concept"] = cid
    return concepts


def _clipart_concepts(records, rng):
    by_concept = {}
    for r in records:
        title = _TITLE_FIXES.get(r["title"], r["title"])
        r["concept"] = "clipart:" + slug(title)
        by_concept.setdefault(r["concept"], []).append((r, title))
    concepts = {}
    kept = []
    for cid in sorted(by_concept):
        members = by_concept[cid]
        if len(members) > MAX_CLIPART_PER_CONCEPT:
            members = rng.sample(members, MAX_CLIPART_PER_CONCEPT)
        tags = []
        for r, _title in members:
            for t in r["tags"]:
                if t not in tags:
                    tags.append(t)
        concepts[cid] = {"labels": {"en": members[0][1]}, "tags": {"en": tags[:12]},
                         "emoji": "", "group": members[0][0]["group"]}
        kept.extend(r for r, _title in members)
    return concepts, kept


def build(iconify_records, clipart_records, emojis, status):
    """Return the items.json dict for every successfully rendered image."""
    rng = random.Random(SEED)
    ok = lambda r: status.get(r["id"]) == "ok"  # noqa: E731
    icon_recs = [r for r in iconify_records if ok(r)]
    clip_recs = [r for r in clipart_records if ok(r)]
    concepts = _emoji_concepts(icon_recs, emojis)
    clip_concepts, clip_recs = _clipart_concepts(clip_recs, rng)
    concepts.update(clip_concepts)
    records = sorted(icon_recs + clip_recs, key=lambda r: r["id"])
    items = []
    for r in records:
        c = concepts[r["concept"]]
        items.append({"id": r["id"], "source": r["source"], "style": r["style"],
                      "concept": r["concept"], "license": r["license"],
                      "flip_ok": _flip_ok(c["labels"]["en"], c["tags"].get("en", []),
                                          c["group"])})
    units = sorted({_split_unit(it["concept"]) for it in items})
    held = set(rng.sample(units, max(1, round(VAL_FRACTION * len(units)))))
    split = [1 if _split_unit(it["concept"]) in held else 0 for it in items]
    used = {it["concept"] for it in items}
    return {"format": "gft-items-v1", "size": IMAGE_SIZE,
            "concepts": {k: concepts[k] for k in sorted(used)},
            "items": items, "split": split}
