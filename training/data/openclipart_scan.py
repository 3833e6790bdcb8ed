# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the Debian openclipart-svg drawings, their titles and keywords.

The package stores each drawing once and links it into further folders;
every folder a drawing appears in becomes a tag. The title comes from the
SVG metadata (<dc:title> of the work, or <title>), else the file name.
"""

import html
import os
import re

from common import OPENCLIPART_DIR, slug

_DC_TITLE = re.compile(r"<dc:title>\s*([^<]*?)\s*</dc:title>", re.S)
_TITLE = re.compile(r"<title[^>]*>\s*([^<]*?)\s*</title>", re.S)
_CREATOR = re.compile(r"<dc:creator>.*?<dc:title>\s*([^<]*?)\s*</dc:title>", re.S)
_SUBJECT = re.compile(r"<dc:subject>(.*?)</dc:subject>", re.S)
_LI = re.compile(r"<rdf:li>\s*([^<]*?)\s*</rdf:li>", re.S)
_BORING = {"open clip art library", "openclipart", "untitled", "layer 1", "image",
           "svg", "drawing", "clipart", "clip art", "none", "title"}


def _clean(text):
    text = html.unescape(text).replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def _usable(title):
    t = title.lower()
    return (len(t) >= 3 and t not in _BORING and re.search(r"[a-z]{3}", t) is not None
            and not t.endswith(".svg") and len(t) <= 60)


def _title_from_filename(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = re.sub(r"_\d+$", "", stem)
    return _clean(stem.replace("-", " "))


def _metadata(path):
    with open(path, "rb") as f:
        head = f.read(200_000).decode("utf-8", "replace")
    creator = _CREATOR.search(head)
    creator = _clean(creator.group(1)).lower() if creator else ""
    title = ""
    for m in _DC_TITLE.finditer(head):
        cand = _clean(m.group(1))
        if _usable(cand) and cand.lower() != creator:
            title = cand
            break
    if not title:
        m = _TITLE.search(head)
        if m and _usable(_clean(m.group(1))):
            title = _clean(m.group(1))
    keywords = []
    m = _SUBJECT.search(head)
    if m:
        for kw in _LI.findall(m.group(1)):
            kw = _clean(kw).lower()
            if kw and kw != creator and _usable(kw) and kw not in keywords:
                keywords.append(kw)
    return title, keywords, creator


_CLIPART_BY = re.compile(r"^clipart by [^-]+ - (.+)$", re.I)
COLLECTION_MIN = 12  # a dc:title shared by this many files names a collection
SKIP_GROUPS = {"special"}  # patterns and gradients: not pictures of things


def _words_title(text):
    """Letters-only words of 3+ letters (digits, counters and codes dropped)."""
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 3]
    return " ".join(words).lower()


def _final_title(meta_title, path, title_counts):
    m = _CLIPART_BY.match(meta_title)
    if m:
        return _words_title(m.group(1))
    if meta_title and title_counts[meta_title] < COLLECTION_MIN:
        return _words_title(meta_title) if re.search(r"\d", meta_title) else meta_title.lower()
    return _words_title(_title_from_filename(path))


def scan():
    """Return image records {id, source, style, license, svg, title,
    keywords, folders, concept}."""
    folders = {}
    for dirpath, _dirs, files in os.walk(OPENCLIPART_DIR):
        rel_dir = os.path.relpath(dirpath, OPENCLIPART_DIR)
        for name in files:
            if not name.endswith(".svg"):
                continue
            real = os.path.realpath(os.path.join(dirpath, name))
            folders.setdefault(real, set()).update(rel_dir.split(os.sep))
    metas = {real: _metadata(real) for real in sorted(folders)}
    title_counts = {}
    for title, _kw, _creator in metas.values():
        title_counts[title] = title_counts.get(title, 0) + 1
    records = []
    for real in sorted(folders):
        rel = os.path.relpath(real, OPENCLIPART_DIR)
        if rel.split(os.sep)[0] in SKIP_GROUPS:
            continue
        meta_title, keywords, _creator = metas[real]
        title = _final_title(meta_title, real, title_counts)
        if not _usable(title):
            continue
        tags = sorted(f.replace("_", " ") for f in folders[real] if f not in (".", "unsorted", "special"))
        for kw in keywords:
            if kw not in tags and kw != title.lower():
                tags.append(kw)
        records.append({
            "id": "openclipart/" + os.path.splitext(rel)[0],
            "source": "openclipart", "style": "clipart", "license": "CC-PDDC",
            "svg": real, "title": title, "tags": tags[:12],
            "group": rel.split(os.sep)[0], "concept": "clipart:" + slug(title)})
    return records
