# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn iconify JSON icon sets into standalone SVG files and match each
emoji icon to its emojibase entry.

Icon names map to emojibase by: the set's chars.json (codepoint -> name),
then the English label/shortcode slug, then fluent's short skin-tone
suffixes ("-dark" -> "-dark-skin-tone"). Aliases that only rename a parent
are skipped; aliases with a transform (hFlip, rotate, …) become images.
"""

import os

from common import ICONIFY_SETS, NODE_MODULES, SVG_DIR, read_json, slug
from emojibase_meta import name_index, norm_hex

_TONES = ["medium-light", "medium-dark", "light", "medium", "dark"]


def _icon_svg(icon, defaults):
    left = icon.get("left", defaults.get("left", 0))
    top = icon.get("top", defaults.get("top", 0))
    width = icon.get("width", defaults.get("width", 16))
    height = icon.get("height", defaults.get("height", 16))
    body = icon["body"]
    transforms = []
    if icon.get("hFlip"):
        transforms.append(f"translate({2 * left + width} 0) scale(-1 1)")
    if icon.get("vFlip"):
        transforms.append(f"translate(0 {2 * top + height}) scale(1 -1)")
    rotate = icon.get("rotate", 0) % 4
    if rotate:
        cx, cy = left + width / 2, top + height / 2
        transforms.append(f"rotate({90 * rotate} {cx} {cy})")
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    return ('<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="{left} {top} {width} {height}" '
            f'width="{width}" height="{height}">{body}</svg>\n')


def _resolve_alias(name, icons, aliases):
    """Merge an alias chain into one icon dict (transforms accumulate by
    xor for flips and sum for rotation)."""
    merged = {}
    flips = {"hFlip": False, "vFlip": False}
    rotate = 0
    seen = set()
    while name in aliases and name not in seen:
        seen.add(name)
        a = aliases[name]
        for k in ("left", "top", "width", "height"):
            if k in a and k not in merged:
                merged[k] = a[k]
        flips["hFlip"] ^= bool(a.get("hFlip"))
        flips["vFlip"] ^= bool(a.get("vFlip"))
        rotate += a.get("rotate", 0)
        name = a["parent"]
    if name not in icons:
        return None
    icon = dict(icons[name])
    icon.update(merged)
    icon["hFlip"] = flips["hFlip"] ^ bool(icon.get("hFlip"))
    icon["vFlip"] = flips["vFlip"] ^ bool(icon.get("vFlip"))
    icon["rotate"] = rotate + icon.get("rotate", 0)
    return icon


def _has_transform(alias):
    return any(k in alias for k in ("hFlip", "vFlip", "rotate", "left", "top", "width", "height"))


def _match(name, chars_by_name, names, emojis):
    if name in chars_by_name and chars_by_name[name] in emojis:
        return chars_by_name[name], "chars"
    if name in names:
        return names[name], "label"
    for tone in _TONES:
        suffix = "-" + tone
        if name.endswith(suffix):
            alt = name[: -len(suffix)] + suffix + "-skin-tone"
            if alt in names:
                return names[alt], "tone"
            base = name[: -len(suffix)]
            key = chars_by_name.get(base) or names.get(base)
            if key:
                tone_cp = {"light": "1f3fb", "medium-light": "1f3fc", "medium": "1f3fd",
                           "medium-dark": "1f3fe", "dark": "1f3ff"}[tone]
                cand = key.split("-")[0] + "-" + tone_cp + ("-" + "-".join(key.split("-")[1:]) if "-" in key else "")
                if cand in emojis:
                    return cand, "tone"
    if name.startswith("flag-"):
        for key, rec in emojis.items():
            if rec["group"] == "flags" and slug(rec["labels"]["en"]).replace("flag-", "") == name[5:]:
                return key, "flag"
    return None, None


def extract(emojis):
    """Write SVGs under SVG_DIR and return a list of image records
    {id, source, style, license, svg, name, hex|None, match}."""
    names = name_index(emojis)
    records = []
    for package, (source, style, license_id) in ICONIFY_SETS.items():
        data = read_json(os.path.join(NODE_MODULES, "@iconify-json", package, "icons.json"))
        chars_path = os.path.join(NODE_MODULES, "@iconify-json", package, "chars.json")
        chars = read_json(chars_path) if os.path.isfile(chars_path) else {}
        chars_by_name = {}
        for cp, name in chars.items():
            chars_by_name.setdefault(name, norm_hex(cp))
        icons = data["icons"]
        aliases = data.get("aliases", {})
        todo = [(n, icons[n]) for n in sorted(icons) if not icons[n].get("hidden")]
        for n in sorted(aliases):
            if _has_transform(aliases[n]) and not aliases[n].get("hidden"):
                icon = _resolve_alias(n, icons, aliases)
                if icon is not None:
                    todo.append((n, icon))
        out_dir = os.path.join(SVG_DIR, source)
        os.makedirs(out_dir, exist_ok=True)
        for name, icon in todo:
            path = os.path.join(out_dir, name + ".svg")
            svg = _icon_svg(icon, data)
            if not os.path.isfile(path) or open(path, encoding="utf-8").read() != svg:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(svg)
            key, how = (None, None)
            if style != "icon":
                key, how = _match(name, chars_by_name, names, emojis)
            records.append({"id": f"{source}/{name}", "source": source, "style": style,
                            "license": license_id, "svg": path, "name": name,
                            "hex": key, "match": how})
    return records
