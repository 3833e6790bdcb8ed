# SPDX-License-Identifier: GPL-3.0-or-later
"""Random multilingual captions for training images.

Every image item (see ``gft.dataset``) carries per-language labels and tags.
``sample_caption(item, rng)`` draws a *fresh* caption each call, so each epoch
sees new phrasings of the same concept (research notes models.md §3.3):

* mode "label": one language's label, e.g. ``"grinning face"``, ``"笑脸"``;
* mode "tags": 1–4 of that language's tags in random order;
* mode "label+tags": the label followed by a few tags;
* optionally wrapped in a template of that language (``"an emoji of {x}"``,
  ``"{x}的表情"``, ``"{x} icon"``, …);
* optionally with a style word for the image's style (``"twemoji"``,
  ``"fluent emoji"``, ``"clip art"``, ``"扁平图标"``, …), before or after.

Skin-tone and gender variants of emoji have their own labels in every
language (e.g. ``"waving hand: dark skin tone"``), so captions name them.

The text returned is raw (mixed case, punctuation); the trainer applies the
``gft-norm-v1`` normalisation (``gft.text``) before tokenising. The null prompt
(caption dropout) is the trainer's job; ``sample_caption`` never returns "".

``rng`` may be a ``random.Random`` or a ``numpy.random.Generator``.
"""

# Style key -> language -> phrases. The first English phrase is the canonical
# one the plug-in appends when the user picks a style (STYLE_PROMPTS).
STYLE_WORDS = {
    "noto": {
        "en": ["noto emoji style", "noto emoji", "noto", "emoji"],
        "zh": ["noto表情", "noto 风格", "表情符号"],
        "ja": ["noto絵文字", "notoスタイル", "絵文字"],
        "de": ["Noto-Emoji", "Noto-Stil", "Emoji"],
        "fr": ["emoji noto", "style noto", "émoji"],
        "es": ["emoji noto", "estilo noto", "emoji"],
    },
    "twemoji": {
        "en": ["twemoji", "twemoji style", "flat emoji"],
        "zh": ["twemoji", "扁平表情"],
        "ja": ["twemoji", "フラットな絵文字"],
        "de": ["Twemoji", "flaches Emoji"],
        "fr": ["twemoji", "emoji plat"],
        "es": ["twemoji", "emoji plano"],
    },
    "fluent": {
        "en": ["fluent emoji", "fluent style", "fluent"],
        "zh": ["fluent表情", "fluent 风格"],
        "ja": ["fluent絵文字", "fluentスタイル"],
        "de": ["Fluent-Emoji", "Fluent-Stil"],
        "fr": ["emoji fluent", "style fluent"],
        "es": ["emoji fluent", "estilo fluent"],
    },
    "icon": {
        "en": ["flat icon", "flat color icon", "icon"],
        "zh": ["扁平图标", "图标"],
        "ja": ["フラットアイコン", "アイコン"],
        "de": ["flaches Icon", "Symbol"],
        "fr": ["icône plate", "icône"],
        "es": ["icono plano", "icono"],
    },
    "clipart": {
        "en": ["clip art", "clipart", "clip art style"],
        "zh": ["剪贴画", "矢量插图"],
        "ja": ["クリップアート", "イラスト"],
        "de": ["Clipart", "ClipArt-Grafik"],
        "fr": ["clipart", "image clipart"],
        "es": ["imagen prediseñada", "clipart"],
    },
}

STYLE_PROMPTS = {k: v["en"][0] for k, v in STYLE_WORDS.items()}

# Templates by kind of picture ("emoji" for the three emoji sets) and language.
_EMOJI_TEMPLATES = {
    "en": ["an emoji of {x}", "{x} emoji", "emoji: {x}", "a {x} emoji", "{x}"],
    "zh": ["{x}的表情", "{x}表情符号", "一个{x}的表情"],
    "ja": ["{x}の絵文字", "絵文字：{x}"],
    "de": ["ein Emoji: {x}", "{x} Emoji"],
    "fr": ["un emoji {x}", "emoji : {x}"],
    "es": ["un emoji de {x}", "emoji de {x}"],
    "it": ["emoji {x}", "un'emoji di {x}"],
    "pt": ["emoji de {x}", "um emoji de {x}"],
    "nl": ["emoji van {x}", "{x} emoji"],
    "ru": ["эмодзи {x}", "смайлик {x}"],
    "ko": ["{x} 이모지", "{x} 이모티콘"],
}
_ICON_TEMPLATES = {
    "en": ["{x} icon", "an icon of {x}", "icon: {x}", "a flat icon of {x}"],
    "zh": ["{x}图标"],
    "ja": ["{x}のアイコン"],
    "de": ["{x}-Symbol", "Icon: {x}"],
    "fr": ["icône {x}"],
    "es": ["icono de {x}"],
}
_CLIPART_TEMPLATES = {
    "en": ["clip art of {x}", "a drawing of {x}", "{x} clipart",
           "a picture of {x}", "an illustration of {x}"],
    "zh": ["{x}的剪贴画", "{x}插图"],
    "ja": ["{x}のイラスト"],
    "de": ["Clipart: {x}", "eine Zeichnung von {x}"],
    "fr": ["clipart de {x}", "un dessin de {x}"],
    "es": ["un dibujo de {x}", "imagen de {x}"],
}
TEMPLATES = {
    "noto": _EMOJI_TEMPLATES,
    "twemoji": _EMOJI_TEMPLATES,
    "fluent": _EMOJI_TEMPLATES,
    "icon": _ICON_TEMPLATES,
    "clipart": _CLIPART_TEMPLATES,
}

# Languages whose words are written without spaces.
_NO_SPACE_LANGS = {"zh", "zh-hant", "ja", "th"}

P_ENGLISH = 0.35  # share of captions in English when other languages exist
# Non-English captions use one of PREFERRED_LANGS (when the item has one) with probability
# P_PREFERRED, else any language; 0 keeps every language equally likely.
PREFERRED_LANGS = ("zh", "ja", "de", "fr", "es")
P_PREFERRED = 0.0
P_TEMPLATE = 0.3
P_STYLE = 0.5
MAX_TAGS = 4


def add_language_args(ap):
    """--p-english and --p-preferred on an argparse parser: the caption language mix of a run."""
    ap.add_argument("--p-english", type=float, default=P_ENGLISH, help="share of captions in English")
    ap.add_argument("--p-preferred", type=float, default=P_PREFERRED,
                    help="share of non-English captions in %s" % ",".join(PREFERRED_LANGS))


def apply_language_args(a):
    """Set the module's language mix from add_language_args' options (before workers fork)."""
    global P_ENGLISH, P_PREFERRED
    for name, v in (("--p-english", a.p_english), ("--p-preferred", a.p_preferred)):
        if not 0.0 <= v <= 1.0:
            raise SystemExit("captions: %s must be in [0, 1], not %g" % (name, v))
    P_ENGLISH, P_PREFERRED = a.p_english, a.p_preferred


def _rand(rng):
    return float(rng.random())


def _randint(rng, n):
    """Uniform int in [0, n) for random.Random or numpy Generator."""
    if hasattr(rng, "integers"):
        return int(rng.integers(n))
    return rng.randrange(n)


def _choice(rng, seq):
    return seq[_randint(rng, len(seq))]


def _pick_language(item, rng):
    langs = sorted(item["labels"])
    if "en" in item["labels"] and (len(langs) == 1 or _rand(rng) < P_ENGLISH):
        return "en"
    return pick_other_language([lang for lang in langs if lang != "en"] or langs, rng, P_PREFERRED)


def pick_other_language(others, rng, p_preferred):
    """One of the languages others (sorted): one of PREFERRED_LANGS with probability p_preferred
    when others holds one, else any."""
    if p_preferred > 0 and _rand(rng) < p_preferred:  # no extra draw when off: same captions
        preferred = [lang for lang in others if lang in PREFERRED_LANGS]
        if preferred:
            return _choice(rng, preferred)
    return _choice(rng, others)


def _pick_tags(tags, label, rng):
    pool = [t for t in tags if t and t != label]
    if not pool:
        return []
    k = 1 + _randint(rng, min(MAX_TAGS, len(pool)))
    pool = list(pool)
    picked = []
    for _ in range(k):  # partial Fisher-Yates: random subset, random order
        picked.append(pool.pop(_randint(rng, len(pool))))
    return picked


def _join(parts, lang, rng):
    if lang in _NO_SPACE_LANGS:
        sep = _choice(rng, ["、", " ", ""])
    else:
        sep = _choice(rng, [", ", " "])
    return sep.join(parts)


def _style_arrangement(item, lang, rng):
    """(style phrase, where it goes: 'before', 'comma' or 'after') for a caption of item in lang,
    or None when its style has no words."""
    words = STYLE_WORDS.get(item["style"], {})
    choices = words.get(lang) or words.get("en")
    if not choices:
        return None
    style = _choice(rng, choices)
    if _rand(rng) < 0.5:
        return style, "before"
    return style, ("comma" if _rand(rng) < 0.5 else "after")


def _arranged(text, arrangement):
    if arrangement is None:
        return text
    style, place = arrangement
    return {"before": f"{style} {text}", "comma": f"{text}, {style}", "after": f"{text} {style}"}[place]


def _with_style(text, item, lang, rng):
    return _arranged(text, _style_arrangement(item, lang, rng))


def _caption_words(item, lang, rng):
    """A label, tags, or both, in lang."""
    label = item["labels"][lang]
    tags = item.get("tags", {}).get(lang, [])
    mode = _rand(rng)
    if tags and mode < 0.2:
        text = _join(_pick_tags(tags, label, rng), lang, rng)
    elif tags and mode < 0.4:
        text = _join([label] + _pick_tags(tags, label, rng), lang, rng)
    else:
        text = label
    return text or label


def _template(item, lang, rng, p_template):
    """One of the style's caption templates in lang, or None (no template)."""
    templates = TEMPLATES.get(item["style"], {}).get(lang)
    if templates and _rand(rng) < p_template:
        return _choice(rng, templates)
    return None


def _in_template(text, template):
    return template.format(x=text) if template else text


def sample_caption(item, rng, p_style=P_STYLE, p_template=P_TEMPLATE):
    """Draw one random caption (str, never empty) for an image item."""
    lang = _pick_language(item, rng)
    text = _caption_words(item, lang, rng)
    text = _in_template(text, _template(item, lang, rng, p_template))
    if _rand(rng) < p_style:
        text = _with_style(text, item, lang, rng)
    return text


def sample_matched_captions(item, other, rng, p_style=P_STYLE, p_template=P_TEMPLATE):
    """Captions of item and of another item of the same style, in the same language, in the same
    template (or neither in one) and with the same style phrase in the same place (or neither with
    one), so that only what they name tells them apart. For gft.cca's matched pairs: with captions
    drawn apart, a style word or the language alone tells a pair apart, and the model learnt
    styles better than things."""
    if item["style"] != other["style"]:
        raise ValueError("sample_matched_captions: the items' styles differ (%s, %s)" % (item["style"], other["style"]))
    lang = _pick_language(item, rng)
    if lang not in other["labels"]:
        lang = "en" if "en" in item["labels"] and "en" in other["labels"] else None
    if lang is None:
        return sample_caption(item, rng, p_style, p_template), sample_caption(other, rng, p_style, p_template)
    pos, neg = _caption_words(item, lang, rng), _caption_words(other, lang, rng)
    template = _template(item, lang, rng, p_template)
    pos, neg = _in_template(pos, template), _in_template(neg, template)
    if _rand(rng) < p_style:
        arrangement = _style_arrangement(item, lang, rng)
        pos, neg = _arranged(pos, arrangement), _arranged(neg, arrangement)
    return pos, neg


def all_caption_texts(items, langs=None):
    """Every caption fragment the sampler can emit, for BPE training and the
    known-word list: all labels, all tags, all style words and the fixed
    words of all templates; langs: only those languages' (None: all).
    Duplicates are removed; order is deterministic."""
    seen = set()
    out = []

    def add(text, lang):
        if text and text not in seen and (langs is None or lang in langs):
            seen.add(text)
            out.append(text)

    for item in items:
        for lang in sorted(item["labels"]):
            add(item["labels"][lang], lang)
        for lang in sorted(item.get("tags", {})):
            for tag in item["tags"][lang]:
                add(tag, lang)
    for style in sorted(STYLE_WORDS):
        for lang in sorted(STYLE_WORDS[style]):
            for phrase in STYLE_WORDS[style][lang]:
                add(phrase, lang)
    for style in sorted(TEMPLATES):
        for lang in sorted(TEMPLATES[style]):
            for template in TEMPLATES[style][lang]:
                add(template.replace("{x}", " ").strip(), lang)
    return out
