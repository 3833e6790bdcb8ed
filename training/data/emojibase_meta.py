# SPDX-License-Identifier: GPL-3.0-or-later
"""Multilingual labels and tags for every emoji (including skin-tone
variants) from emojibase-data, keyed by normalised hexcode."""

import os

from common import NODE_MODULES, read_json, slug, slug_joined

EMOJIBASE_DIR = os.path.join(NODE_MODULES, "emojibase-data")
# Regional duplicates of another locale add little but noise.
SKIP_LOCALES = {"en-gb", "es-mx"}


def norm_hex(hexcode):
    """'1F44B-FE0F' -> '1f44b' : lower case, no variation selectors."""
    parts = [p for p in hexcode.lower().split("-") if p not in ("fe0f", "fe0e")]
    return "-".join(parts)


def locales():
    out = []
    for name in sorted(os.listdir(EMOJIBASE_DIR)):
        if name in SKIP_LOCALES:
            continue
        if os.path.isfile(os.path.join(EMOJIBASE_DIR, name, "data.json")):
            out.append(name)
    return out


def _flatten(entries):
    """Yield (entry, parent) for every emoji and every skin variant."""
    for e in entries:
        yield e, None
        for s in e.get("skins", []) or []:
            yield s, e


def _group_keys():
    meta = read_json(os.path.join(EMOJIBASE_DIR, "meta", "groups.json"))
    return {int(k): v for k, v in meta["groups"].items()}


def load_emojis():
    """Return {norm_hex: record}; record = {hexcode, emoji, group,
    labels{lang}, tags{lang}, en_label}."""
    groups = _group_keys()
    emojis = {}
    for lang in locales():
        data = read_json(os.path.join(EMOJIBASE_DIR, lang, "data.json"))
        for e, parent in _flatten(data):
            key = norm_hex(e["hexcode"])
            rec = emojis.setdefault(key, {
                "hexcode": e["hexcode"], "emoji": e.get("emoji", ""),
                "group": "", "labels": {}, "tags": {}})
            base = parent or e
            if "group" in base and not rec["group"]:
                rec["group"] = groups.get(base["group"], "")
            label = (e.get("label") or "").strip()
            if label:
                rec["labels"][lang] = label
            tags = [t.strip() for t in (base.get("tags") or []) if t and t.strip()]
            if tags:
                rec["tags"][lang] = tags
    return {k: v for k, v in emojis.items() if "en" in v["labels"]}


def shortcodes():
    """{norm_hex: [shortcodes]} from the English shortcode sets."""
    out = {}
    sc_dir = os.path.join(EMOJIBASE_DIR, "en", "shortcodes")
    for name in ("cldr.json", "emojibase.json", "github.json", "iamcal.json", "joypixels.json"):
        path = os.path.join(sc_dir, name)
        if not os.path.isfile(path):
            continue
        for hexcode, codes in read_json(path).items():
            codes = codes if isinstance(codes, list) else [codes]
            out.setdefault(norm_hex(hexcode), []).extend(codes)
    return out


def name_index(emojis):
    """{iconify-style name: norm_hex} from English labels and shortcodes."""
    index = {}
    for key, rec in emojis.items():
        for name in (slug(rec["labels"]["en"]), slug_joined(rec["labels"]["en"])):
            index.setdefault(name, key)
    for key, codes in shortcodes().items():
        if key in emojis:
            for code in codes:
                index.setdefault(slug(code), key)
    return index
