# SPDX-License-Identifier: GPL-3.0-or-later
"""English synonyms and kinds of the readings' keys, from WordNet, as keys of their own.

Why: people write "kitty" or "pussycat" for a cat and "puppy" for a dog, and the pack's
captions hold few such words, so the model draws little from them. gft.readings can read such
a word as its key's best wording ("kitty" -> "katze") when the judge says the pictures gain.

For each key of gft.readings (in its order), the WordNet noun sense that its concept means is
the one whose words, gloss and hypernyms (ten levels up) share the most words with the concept's
English tags and label, other than the key's own ("pick" of ⛏ is the tool: its tags say
"tool"; the sense "choice" shares nothing); a key whose senses share none is left out. It
gives:
* its **synonyms** (the words of that sense: "pussycat" is not one, "true cat" is);
* its **kinds** (hyponyms; WordNet's "instances", like named places, are left out), and the
  kinds of a kind that holds the key's word ("domestic cat" is a cat, so "kitty", "tabby",
  "persian cat" are too), at most per_key of them, the most often tagged first; only for a key
  that is its concept's label (the kinds of "food" of "canned food" are not canned food), and
  only kinds whose definition names the key ("puppy": "a young dog"; not "terrier").

A word becomes a key only when WordNet says that this is what it most often means (its sense is
tagged no less often than its others, and it is a noun at least as often as another part of
speech, and more often than an adjective: "kitty" yes, "bass" as a fish no, nor "queen" as a
cat, nor "teal" as a duck), it is not a key or an English
label already, it is made of letters (one to three words), it does not hold its source key's
word ("house cat" reads through "cat" already) nor is a plural or singular of a key or label
("grape" of "grapes"), WordNet does not write it with capitals (names: "Persian cat", "Felis
catus"), and the pack's English labels do not use it mostly as a modifier. A synonym key is judged on its source key's concepts and may take the
same readings as it (the source concept's English label, and its other-language labels when
the source key is that label)."""
import re

from .text import normalize

STOP_WORDS = frozenset("a an and as at by for from in into is it of on or the to with".split())


def content_words(text):
    """The words of text for comparing senses: lower case, letters only, a plural's "s" cut."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if w not in STOP_WORDS and len(w) > 1:
            out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def concept_sense(wordnet, word, concept):
    """The noun sense of word that concept (a pack concept: English label and tags) means, or
    None: the sense sharing the most content words with the concept, the earlier on ties."""
    wanted = content_words(" ".join([concept["labels"]["en"]] + list(concept.get("tags", {}).get("en", []))))
    wanted -= content_words(word)
    best, best_n = None, 0
    for sense in wordnet.senses(word):
        text = [wordnet.gloss(sense)] + wordnet.words(sense)
        text += [w for up in wordnet.ancestors(sense) for w in wordnet.words(up)]
        n = len(wanted & content_words(" ".join(text)))
        if n > best_n:
            best, best_n = sense, n
    return best


def plural_of_taken(text, taken):
    """Whether text is a plural or singular of a word in taken ("grape" of "grapes")."""
    forms = {text + "s", text + "es"}
    if text.endswith("s"):
        forms.add(text[:-1])
    if text.endswith("es"):
        forms.add(text[:-2])
    return bool(forms & taken)


def synonym_keys(keys, labels, wordnet, modifiers, concepts, per_key=6):
    """Keys of gft.readings' form ({key, concepts, primary, via}) in search order: one-word keys
    first, then by their source key's place in keys. labels: every English label (normalised);
    modifiers: words the pack's English labels use mostly as modifiers; concepts: {concept: its
    pack item} (reading_keys' second result)."""
    taken = {k["key"] for k in keys} | set(labels)
    out = []
    for rank, source in enumerate(keys):
        word = source["key"]
        concept = concepts[source["primary"]]
        top = concept_sense(wordnet, word, concept)
        if top is None:
            continue
        found = [(w, top, 0) for w in wordnet.words(top)]
        kinds = []
        for kind in wordnet.hyponyms(top) if normalize(concept["labels"]["en"]) == word else []:
            kinds += [(w, kind, 1) for w in wordnet.words(kind)]
            if any(word in w.lower().split(" ") for w in wordnet.words(kind)):
                for deeper in wordnet.hyponyms(kind):
                    kinds += [(w, deeper, 2) for w in wordnet.words(deeper)]
        # most often tagged first, then nearer; stable, so WordNet's own order breaks ties
        kinds.sort(key=lambda f: (-sum(wordnet.counts(f[0].lower())), f[2]))
        picked, n_kinds = [], 0
        for w, synset, depth in found + kinds:
            text = normalize(w)
            parts = text.split(" ")
            if (text in taken or not text or len(parts) > 3 or not all(p.isalpha() for p in parts)
                    or len(text) < 3 or word in parts or text in modifiers
                    or plural_of_taken(text, taken) or w != w.lower()
                    or not wordnet.means_mostly(w.lower(), synset)):
                continue
            if depth:
                # a kind whose definition does not name the key is a thing of its own: "chips" are
                # "strips of potato fried in deep fat", "mill" is "a plant consisting of buildings"
                if n_kinds >= per_key or word not in content_words(wordnet.gloss(synset)):
                    continue
                n_kinds += 1
            taken.add(text)
            picked.append(dict(key=text, concepts=source["concepts"], primary=source["primary"], via=word,
                               order=rank))
        out += picked
    out.sort(key=lambda k: (k["key"].count(" "), k.pop("order")))
    return out
