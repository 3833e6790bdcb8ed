# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths and small helpers shared by the data pipeline scripts."""

import json
import os
import re
import unicodedata

DATA_DIR = os.path.dirname(os.path.abspath(__file__))
TRAINING_DIR = os.path.dirname(DATA_DIR)
REPO_ROOT = os.path.dirname(TRAINING_DIR)
NODE_MODULES = os.path.join(TRAINING_DIR, "node_modules")
CACHE_DIR = os.path.join(DATA_DIR, "cache")
SVG_DIR = os.path.join(CACHE_DIR, "svg")
PNG_DIR = os.path.join(CACHE_DIR, "png128")
PACK_DIR = os.path.join(REPO_ROOT, ".devdata", "pack")
OPENCLIPART_DIR = "/usr/share/openclipart/svg"

IMAGE_SIZE = 128
SEED = 20261126

# iconify package -> (source name, style key, SPDX licence of the artwork)
ICONIFY_SETS = {
    "noto": ("noto", "noto", "Apache-2.0"),
    "twemoji": ("twemoji", "twemoji", "CC-BY-4.0"),
    "fluent-emoji-flat": ("fluent", "fluent", "MIT"),
    "flat-color-icons": ("flat-color-icons", "icon", "MIT"),
}


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, obj):
    """Write atomically so an interrupted build never leaves half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def slug(text):
    """'Flag: Côte d’Ivoire' -> 'flag-cote-d-ivoire' (iconify-style name)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def slug_joined(text):
    """Like slug() but apostrophes join words: 'd’Ivoire' -> 'divoire'."""
    return slug(re.sub(r"['’]", "", text))
