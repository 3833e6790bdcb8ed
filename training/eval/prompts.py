# SPDX-License-Identifier: GPL-3.0-or-later
"""Hand-written evaluation prompts: paraphrases, other languages and style requests.

Each entry is (prompt, emoji character of the intended concept, style key or None). None of
these strings is a training caption on purpose: they test generalisation, not recall.
"""

# Paraphrases and everyday words for well-known concepts.
PARAPHRASES = [
    ("a ripe red apple", "🍎", None),
    ("red apple", "🍎", None),
    ("kitty", "🐱", None),
    ("a cute cat face", "🐱", None),
    ("puppy face", "🐶", None),
    ("a slice of pizza", "🍕", None),
    ("yellow banana", "🍌", None),
    ("a big red heart", "❤️", None),
    ("laughing so hard I cry", "😂", None),
    ("smiling face with sunglasses", "😎", None),
    ("birthday cake with candles", "🎂", None),
    ("a space rocket", "🚀", None),
    ("blazing fire", "🔥", None),
    ("a green tree", "🌳", None),
    ("hot cup of coffee", "☕", None),
    ("thumbs up", "👍", None),
    ("a pile of poo", "💩", None),
    ("ghost", "👻", None),
    ("strawberry fruit", "🍓", None),
    ("panda bear", "🐼", None),
    ("an owl", "🦉", None),
    ("a red rose", "🌹", None),
    ("the sun", "☀️", None),
    ("snowman", "⛄", None),
    ("crying face", "😢", None),
    ("police car", "🚓", None),
    ("soccer ball", "⚽", None),
    ("a musical note", "🎵", None),
    ("light bulb idea", "💡", None),
    ("a frog", "🐸", None),
]

# The same kind of prompts in other languages.
OTHER_LANGUAGES = [
    ("红苹果", "🍎", None),
    ("苹果", "🍎", None),
    ("猫", "🐱", None),
    ("小狗", "🐶", None),
    ("披萨", "🍕", None),
    ("香蕉", "🍌", None),
    ("红心", "❤️", None),
    ("火箭", "🚀", None),
    ("りんご", "🍎", None),
    ("ねこ", "🐱", None),
    ("寿司", "🍣", None),
    ("Apfel", "🍎", None),
    ("roter Apfel", "🍎", None),
    ("Katze", "🐱", None),
    ("Hund", "🐶", None),
    ("pomme rouge", "🍎", None),
    ("chat", "🐱", None),
    ("manzana roja", "🍎", None),
    ("gato", "🐱", None),
    ("pizza italiana", "🍕", None),
    ("яблоко", "🍎", None),
    ("кошка", "🐱", None),
    ("사과", "🍎", None),
    ("mela rossa", "🍎", None),
]

# Style requests: the concept and the style the user asked for.
STYLE_REQUESTS = [
    ("red apple, twemoji", "🍎", "twemoji"),
    ("red apple noto emoji style", "🍎", "noto"),
    ("fluent emoji red apple", "🍎", "fluent"),
    ("cat face twemoji", "🐱", "twemoji"),
    ("cat face, fluent style", "🐱", "fluent"),
    ("noto emoji dog face", "🐶", "noto"),
    ("pizza, fluent emoji", "🍕", "fluent"),
    ("rocket twemoji style", "🚀", "twemoji"),
    ("grinning face noto emoji", "😀", "noto"),
    ("grinning face fluent emoji", "😀", "fluent"),
]

# The contact sheet: 48 prompts (seen names, paraphrases, languages, styles, compositions).
CONTACT_SHEET = [
    "red apple", "红苹果", "a ripe red apple", "kitty",
    "grinning face", "face with tears of joy", "smiling face with heart-eyes", "thinking face",
    "red heart", "blue heart", "fire", "sparkles",
    "dog face", "cat face", "panda", "unicorn",
    "pizza", "hamburger", "birthday cake", "hot beverage",
    "rocket", "automobile", "airplane", "bicycle",
    "sun", "rainbow", "snowflake", "crescent moon",
    "thumbs up", "waving hand", "clapping hands", "flexed biceps",
    "soccer ball", "guitar", "light bulb", "gift",
    "りんご", "Katze", "pomme rouge", "猫",
    "red apple, twemoji", "fluent emoji red apple", "cat face twemoji", "noto emoji dog face",
    "camera icon", "clip art of a house", "cat astronaut", "a blue apple",
]
