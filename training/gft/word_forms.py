# SPDX-License-Identifier: GPL-3.0-or-later
"""Word forms: plurals and diminutives of the names of emoji concepts, each read as its base is
read, and the names that are English words after an article of their own language. "apples" and
"Äpfel" read as "red apple" (as "apple" does), "Katzen", "gatos", "gatito" and "Kätzchen" as
"katze" (as "Katze" and "gato" do), "小狗" as "dog", "un chat" as "katze".

Why: emoji names are singular, so the captions hardly hold a plural or a diminutive. Typed as a
prompt such a form is read as typed and the model draws whatever its sub-word pieces pull
toward: before these entries "Hündchen" and "小狗" drew no dog (CNN judge mean rank of 🐶 0.07
and 0.18), while "Hund" and "狗" read as "dog". The study is
training/eval/results/forms-2026-11-28/.

Forms, by each language's regular rules (FORMS); each form is a lexicon source of its own:
  en  the plural of a label's or tag's last word ("apples", "cherries", "mice", "red apples");
  de  plurals (-e, -en, -n, -er, -s, with or without umlaut; "Äpfel") and diminutives (-chen,
      -lein, with umlaut, a final -e dropped: "Kätzchen", "Hündchen") of one-word names;
  fr  plurals (-s, -x, -al -> -aux) of one-word names;
  es  plurals (-s, -es, -z -> -ces, an accented last syllable loses its accent: "ratones") of
      one-word names, and diminutives (-ito/-ita, -cito: "gatito", "perrito", "ratoncito") of
      one-word labels;
  zh  小 + the label of an animal ("小猫", "小狗");
  ja  子 + the label of an animal ("子犬"), and a name written all in one kana script in the
      other ("ねこ" for "ネコ", "ブドウ" for "ぶどう": people write animals and fruit in both).
en, de and fr forms are kept only when that language's word list (Debian's wamerican, wngerman,
wfrench) holds them, so the rules make no words nobody types; Debian's wspanish holds no plurals,
so Spanish forms rest on the rules alone (they are regular).

Article phrases. A French, German or Spanish label of one word that is also an English word and
not the thing's English name ("chat", "pain", "Hut", "Mantel", "mono") stays English alone, but
after an article of its language ("un chat", "le pain", "der Mantel", "el mono"; ARTICLES_OF) it
reads as the thing's English label does ("un chat" -> "katze"), and so do its plurals ("les chats").
Only labels of the groups gft.readings judges (no "lion" of the zodiac's Leo).

Names of under three letters make no forms (country codes and particles would make "des" of
"de", "aus" of "au", "ein" of "Ei"), nor do French, German and Spanish tags of under four ("sous"
of "sou", "mois" of "moi"). German names and forms are nouns: wngerman's capitalised
lines hold both ("Katze", "Katzen"; not "rot" -> "rote", "all" -> "alle"). No form is one of the
file's articles.

A name that is itself a form of another name of its language makes none ("Hunde", a tag, is Hund's
plural). A form is left out when it is already a lexicon source, a label or tag of any language (it has a
meaning of its own: "glasses", "小鸡"), an English word and not English ("chats", "pies"), or a
form of two names that read otherwise. Its reading is its base's (gft.lexicon.translate); a base
read as itself gives itself ("flowers" -> "flower"). Every label and tag keeps its reading
(gft.word_readings.with_word_readings' guard).

  cd training && python3 -m gft.word_forms --model ../models/gft-emoji.gguf \\
      --meta ../.devdata/pack/meta.json.xz -o ../models/gft-emoji.gguf
"""
import argparse
import sys

from . import lexicon as lexicon_mod
from .gguf_writer import run_file_tool
from .readings import GROUPS

WORD_LISTS = {"en": lexicon_mod.ENGLISH_WORD_LIST, "de": "/usr/share/dict/ngerman", "fr": "/usr/share/dict/french"}
ANIMALS = "animals-nature"  # the group whose zh / ja labels take 小 / 子
ZH_SMALL, JA_YOUNG = "小", "子"
MIN_BASE_CHARS = 3  # shorter names make no forms (but "ox" -> "oxen")
MIN_TAG_CHARS = 4  # shorter French, German and Spanish tags make none (labels are things: "lit", "feu")

# articles (and possessives) before a noun; the engine drops them when no source starts there
ARTICLES_OF = {"fr": ("un", "une", "le", "la", "l", "les", "des", "du", "mon", "ma", "mes"),
               "de": ("der", "die", "das", "ein", "eine", "einen", "den", "dem", "des"),
               "es": ("el", "la", "los", "las", "un", "una", "unos", "unas")}
_EN_IRREGULAR = {"mouse": "mice", "goose": "geese", "man": "men", "woman": "women", "child": "children",
                 "foot": "feet", "tooth": "teeth", "person": "people", "ox": "oxen", "louse": "lice"}
_EN_VES = {"calf", "elf", "half", "knife", "leaf", "life", "loaf", "self", "sheaf", "shelf", "thief", "wife", "wolf"}
_UMLAUT = {"a": "ä", "o": "ö", "u": "ü"}
_ES_UNACCENT = str.maketrans("áéíóú", "aeiou")


def english_plurals(word):
    """Candidate plurals of an English noun (the word list picks the real ones)."""
    if word in _EN_IRREGULAR:
        return [_EN_IRREGULAR[word]]
    out = [word + "s"]
    if word.endswith(("s", "x", "z", "ch", "sh", "o")):
        out.append(word + "es")
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        out.append(word[:-1] + "ies")
    if word in _EN_VES:  # "leaves", "knives"; not "reeves" of "reef", "caves" of "cafe", "deaves" of "deaf"
        out.append(word[:-2 if word.endswith("fe") else -1] + "ves")
    if word.endswith("man"):
        out.append(word[:-3] + "men")
    return out


def _umlauted(word):
    """word with the umlaut on its last a, o, u or au ("apfel" -> "äpfel", "baum" -> "bäum"), or None."""
    for i in range(len(word) - 1, -1, -1):
        if word[i] in _UMLAUT:
            if word[i] == "u" and i > 0 and word[i - 1] == "a":
                i -= 1  # au -> äu
            return word[:i] + _UMLAUT[word[i]] + word[i + 1:]
    return None


def german_forms(word):
    """Candidate plurals and diminutives of a German noun."""
    stems = [word] + ([_umlauted(word)] if _umlauted(word) else [])
    out = [s + end for s in stems for end in ("e", "er")] + [word + "en", word + "n", word + "s"]
    if stems[1:]:
        out.append(stems[1])  # "apfel" -> "äpfel"
    if word.endswith("in"):
        out.append(word + "nen")
    small = [s[:-1] if s.endswith("e") else s for s in stems]
    out += [s + end for s in small for end in ("chen", "lein")]
    return out


def french_forms(word):
    """Candidate plurals of a French noun."""
    out = [word + "s", word + "x"]
    if word.endswith("al"):
        out.append(word[:-2] + "aux")
    if word.endswith("ail") and len(word) > 3:  # "corail" -> "coraux", but "aux" is no plural of "ail"
        out.append(word[:-3] + "aux")
    return out


def spanish_forms(word, diminutives=True):
    """Plurals and (with diminutives) diminutives of a Spanish noun, by the regular rules."""
    if not word.isalpha():
        return []
    last = word[-1]
    # an accent on the last syllable goes when a syllable is added ("ratón" -> "ratones")
    unaccented = word.translate(_ES_UNACCENT) if any(c in "áéíóú" for c in word[-3:]) else word
    if last in "aeiouáéíóú":
        plurals = [word + "s"]
    elif last == "z":
        plurals = [word[:-1] + "ces"]
    elif last in "sx" and unaccented == word:
        plurals = []  # "lunes", "tórax": the plural is the word
    else:
        plurals = [unaccented + "es"]
    if not diminutives:
        small = []
    elif last in "oa" and len(word) > 3:
        # the stem keeps its sound: "barco" -> "barquito", "lago" -> "laguito"
        stem = word[:-1].translate(_ES_UNACCENT)
        stem = stem[:-1] + "qu" if stem.endswith("c") else stem + "u" if stem.endswith("g") else stem
        small = [stem + "it" + last]
    elif last in "enr" and len(word) > 3:
        small = [unaccented + "cito"]
    else:
        small = []
    return plurals + [s + "s" for s in small] + small


def other_kana(name):
    """A Japanese name written all in hiragana in katakana, or all in katakana in hiragana
    ("ネ コ" -> "ね こ", "ぶ ど う" -> "ブ ド ウ"), or None. The two scripts map one to one (0x60 apart);
    a name with the long-vowel mark ("ケ ー キ") is a loanword, written in katakana only."""
    chars = name.replace(" ", "")
    if chars and all(0x3041 <= ord(c) <= 0x3096 for c in chars):
        return "".join(chr(ord(c) + 0x60) if c != " " else c for c in name)
    if chars and all(0x30A1 <= ord(c) <= 0x30F6 for c in chars):
        return "".join(chr(ord(c) - 0x60) if c != " " else c for c in name)
    return None


FORMS = {"en": english_plurals, "de": german_forms, "fr": french_forms, "es": spanish_forms}


def _written(c, lang):
    """(canonical, as written) of a concept's label and tags in lang."""
    for t in [c["labels"].get(lang, "")] + list(c.get("tags", {}).get(lang, [])):
        if lexicon_mod.canonical(t):
            yield lexicon_mod.canonical(t), t


def base_names(concepts, lang):
    """{(name, concept group): the name as written}: the labels and tags of lang, canonical form
    ("ネ コ") beside a normalised spelling ("ネコ"; CJK words are read unspaced)."""
    out = {}
    for c in concepts.values():
        for name, t in _written(c, lang):
            out.setdefault((name, c.get("group")), t)
    return out


def forms_of(name, lang, group, listed, label=False):
    """The forms of one base name of lang that the rules make and the word list (if any) holds.
    For German the list is of nouns (capitalised lines), and the name must be one too."""
    words = name.split(" ")
    if lang in ("zh", "ja"):
        prefix = ZH_SMALL if lang == "zh" else JA_YOUNG
        out = ["%s %s" % (prefix, name)] if label and group == ANIMALS and len(words) <= 2 else []
        return out + ([other_kana(name)] if lang == "ja" and other_kana(name) else [])
    if len(words[-1]) < MIN_BASE_CHARS and words[-1] not in _EN_IRREGULAR:
        return []  # country codes and particles ("de", "au", "ei") make words of their own: "des", "aus", "ein"
    if lang == "en":
        if not words[-1].isalpha():
            return []
        return [" ".join(words[:-1] + [p]) for p in english_plurals(words[-1]) if p in listed]
    if len(words) != 1 or not name.isalpha() or (lang == "de" and listed is not None and name not in listed):
        return []  # German: the noun list holds the name ("Katze", not "rot", "was" or "alle")
    if not label and len(name) < MIN_TAG_CHARS:
        return []  # short French and Spanish tags are often particles: "sous" of "sou", "mois" of "moi"
    # Spanish forms rest on the rules alone, so only labels (things) take a diminutive
    made = spanish_forms(name, diminutives=label) if lang == "es" else FORMS[lang](name)
    return [f for f in made if f != name and (listed is None or f in listed)]


def _named(concepts, lang):
    """{name of lang: the concept ids it names}."""
    out = {}
    for cid, c in concepts.items():
        for name, _ in _written(c, lang):
            out.setdefault(name, set()).add(cid)
    return out


def every_name(concepts):
    """{label or tag of any language (canonical): the concept ids it names}."""
    out = {}
    for lang in {l for c in concepts.values() for l in c["labels"]}:
        for name, ids in _named(concepts, lang).items():
            out.setdefault(name, set()).update(ids)
    return out


def form_entries(items, lexicon, articles, word_lists, english_words, langs=("en", "de", "fr", "es", "zh", "ja"),
                 named_forms=False):
    """{form: reading}: the new lexicon entries. word_lists: {lang: set of normalised words}
    (a language absent from it needs none). named_forms: a form that is a name too ("cats", a
    tag of 🐈) gets an entry when it is no label and names no concept its base does not."""
    concepts = lexicon_mod.multilingual_concepts(items)
    names = every_name(concepts)
    every_label = {lexicon_mod.canonical(label) for c in concepts.values() for label in c["labels"].values()}
    most = max((s.count(" ") + 1 for s in lexicon), default=0)
    article_set = set(articles)
    readings = {}
    for lang in langs:
        labels = {lexicon_mod.canonical(c["labels"].get(lang, "")) for c in concepts.values()}
        named = _named(concepts, lang)
        written = base_names(concepts, lang)
        made = {(name, group): forms_of(name, lang, group, word_lists.get(lang), name in labels)
                for name, group in sorted(written)}
        # a name that is a form of another ("Hunde" of "Hund") makes no forms: "Hündchen" is Hund's
        # (the other kana script writes the same word, so "カメ" of "かめ" still makes "子カメ")
        of_others = {f for (name, _), forms in made.items() for f in forms if f != other_kana(name)}
        for (name, group), forms in made.items():
            reading = None  # the base's, read once
            for form in forms if name not in of_others else ():
                if form in names and not (named_forms and form not in every_label and names[form] <= named[name]):
                    continue
                if form in lexicon or form in article_set or (lang != "en" and form in english_words):
                    continue  # an article stays an article: "ein" is no form of "Ei"
                reading = reading or lexicon_mod.translate(written[name, group], lexicon, most, articles)[0]
                readings.setdefault(form, set()).add(reading)
    return {f: r.pop() for f, r in readings.items() if len(r) == 1 and f != next(iter(r))}


def article_entries(items, lexicon, articles, word_lists, english_words, groups=GROUPS):
    """{article phrase: reading}: ARTICLES_OF before the one-word labels that are English words
    (and their plurals), read as the thing's English label."""
    most = max((s.count(" ") + 1 for s in lexicon), default=0)
    concepts = lexicon_mod.multilingual_concepts(items).values()
    readings = {}
    for lang, arts in ARTICLES_OF.items():
        for c in concepts:
            label, english = lexicon_mod.canonical(c["labels"].get(lang, "")), lexicon_mod.canonical(c["labels"]["en"])
            if (c.get("group") not in groups or not label or " " in label or label not in english_words
                    or label in english.split(" ")):
                continue
            reading = lexicon_mod.translate(english, lexicon, most, articles)[0]
            for noun in [label] + forms_of(label, lang, c.get("group"), word_lists.get(lang), True):
                for art in arts:
                    readings.setdefault("%s %s" % (art, noun), set()).add(reading)
    return {p: r.pop() for p, r in readings.items() if len(r) == 1 and p not in lexicon}


def add_word_list_args(ap):
    """--en-words, --de-words, --fr-words: the word lists that keep the real forms."""
    for lang, path in WORD_LISTS.items():
        ap.add_argument("--%s-words" % lang, default=path, help="the %s word list (default %s)" % (lang, path))


def read_nouns(path):
    """The normalised words of a German word list's capitalised lines: its nouns ("Katze",
    "Katzen", "Kätzchen"), so that no adjective ("rote") or function word ("alle", "aus") is a form."""
    with open(path, encoding="utf-8") as f:
        return {lexicon_mod.canonical(line) for line in f if line[:1].isupper() and " " not in line.strip()}


def word_lists_of(args, items):
    """({lang: normalised words of its list}, English words) from add_word_list_args' arguments.
    Every line counts for the forms (German: every capitalised line); the English words, which no
    other language's form may be, are the list's common (lower-case) words and the captions'."""
    lists = {lang: lexicon_mod.read_word_list(getattr(args, "%s_words" % lang)) for lang in WORD_LISTS}
    lists["de"] = read_nouns(args.de_words)
    english = lexicon_mod.read_word_list(args.en_words, common_only=True) | lexicon_mod.english_caption_words(items)
    return lists, english


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--meta", required=True, help="the pack's meta.json.xz (the names whose forms are made)")
    add_word_list_args(ap)
    ap.add_argument("--named-forms", action="store_true",
                    help="a form that is a name too gets an entry when it names nothing its base does not")
    ap.add_argument("--list", action="store_true", help="print the new entries, tab-separated")
    ap.add_argument("-o", "--output", help="the new model file (may be --model)")
    a = ap.parse_args(argv)
    if not a.list and not a.output:
        ap.error("-o is required unless --list")

    def work():
        from .word_readings import phrases_of, with_word_readings
        items = lexicon_mod.meta_items(a.meta)
        lists, english = word_lists_of(a, items)
        lexicon, articles = lexicon_mod.read(a.model), lexicon_mod.read_articles(a.model)
        entries = form_entries(items, lexicon, articles, lists, english, named_forms=a.named_forms)
        entries.update(article_entries(items, lexicon, articles, lists, english))
        if a.list:
            for form in sorted(entries, key=lambda f: f.encode()):
                print("%s\t%s" % (form, entries[form]))
        if not a.output:
            return "word_forms: %d forms and article phrases" % len(entries)
        langs = sorted({l for c in lexicon_mod.multilingual_concepts(items).values() for l in c["labels"]})
        out = with_word_readings(lexicon, entries, phrases_of(items, langs), articles)
        lexicon_mod.with_lexicon(a.model, out, a.output)
        return "wrote %s: %d word forms and article phrases, lexicon of %d phrases" % (a.output, len(entries), len(out))
    return run_file_tool("word_forms", work)


if __name__ == "__main__":
    sys.exit(main())
