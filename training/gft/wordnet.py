# SPDX-License-Identifier: GPL-3.0-or-later
"""A small reader of the WordNet 3.0 noun database as Debian's wordnet-base installs it
(/usr/share/wordnet: index.noun, data.noun, cntlist.rev, index.adj). It answers what gft.synonyms asks: a
noun's senses in WordNet's order, a sense's words, its hyponyms (kinds of it), and how often
each sense of a word was tagged in WordNet's semantic concordance (how common that meaning is).

Formats: WordNet's wndb(5) and cntlist(5) manual pages. Words are looked up in lower case with
spaces ("domestic cat"); a synset's words keep WordNet's capitals ("Persian cat")."""
import os

DEFAULT_ROOT = "/usr/share/wordnet"
POS_OF_SS_TYPE = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}


class WordNetError(ValueError):
    pass


def _word(text):
    return text.replace("_", " ").lower()


def _written(text):
    """A synset's word as WordNet writes it, capitals kept ("Persian cat")."""
    return text.replace("_", " ")


class WordNet:
    def __init__(self, root=DEFAULT_ROOT):
        paths = {name: os.path.join(root, name) for name in ("index.noun", "data.noun", "cntlist.rev", "index.adj")}
        for path in paths.values():
            if not os.path.isfile(path):
                raise WordNetError("%s: no WordNet file here (Debian: apt-get install wordnet-base)" % path)
        self.senses_of = {}  # word -> [synset offset] in WordNet's sense order
        with open(paths["index.noun"], encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue  # the licence at the top
                parts = line.split()
                n_synsets, n_pointers = int(parts[2]), int(parts[3])
                self.senses_of[_word(parts[0])] = [int(o) for o in parts[4 + n_pointers + 2:][:n_synsets]]
        self.words_of, self.hyponyms_of, self.hypernyms_of, self.gloss_of = {}, {}, {}, {}
        with open(paths["data.noun"], encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split(" | ")[0].split()
                offset, n_words = int(parts[0]), int(parts[3], 16)
                words = [_written(parts[4 + 2 * i]) for i in range(n_words)]
                at = 4 + 2 * n_words
                n_pointers = int(parts[at])
                hypo, hyper = [], []
                for i in range(n_pointers):
                    symbol, target, pos = parts[at + 1 + 4 * i:at + 4 + 4 * i]
                    if symbol == "~" and pos == "n":  # "~i" (instances: "Garfield") left out
                        hypo.append(int(target))
                    elif symbol in ("@", "@i") and pos == "n":
                        hyper.append(int(target))
                self.words_of[offset] = words
                self.hyponyms_of[offset] = hypo
                self.hypernyms_of[offset] = hyper
                self.gloss_of[offset] = line.split(" | ", 1)[1].strip() if " | " in line else ""
        self.adjectives = set()
        with open(paths["index.adj"], encoding="utf-8") as f:
            for line in f:
                if not line.startswith(" "):
                    self.adjectives.add(_word(line.split()[0]))
        self.tag_counts = {}  # (word, pos) -> [tag count of sense 1, 2, ...]
        with open(paths["cntlist.rev"], encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) != 3 or "%" not in parts[0]:
                    continue
                lemma, rest = parts[0].split("%", 1)
                pos = POS_OF_SS_TYPE.get(rest[:1])
                if pos is None:
                    continue
                counts = self.tag_counts.setdefault((_word(lemma), pos), [])
                number = int(parts[1])
                counts.extend([0] * (number - len(counts)))
                counts[number - 1] += int(parts[2])

    def senses(self, word):
        """The noun synsets of word, most common first."""
        return self.senses_of.get(word, [])

    def words(self, synset):
        """The synset's words as WordNet writes them (spaces, capitals kept)."""
        return self.words_of.get(synset, [])

    def hyponyms(self, synset):
        return self.hyponyms_of.get(synset, [])

    def gloss(self, synset):
        return self.gloss_of.get(synset, "")

    def ancestors(self, synset, depth=10):
        """The synsets above synset (its hypernyms, theirs, ...), up to depth steps, nearest first."""
        out, level = [], [synset]
        for _ in range(depth):
            level = [h for s in level for h in self.hypernyms_of.get(s, []) if h not in out]
            out += level
        return out

    def counts(self, word, pos="n"):
        """Tag counts of word's senses as pos (n, v, a, r), in sense order ([] when none)."""
        return self.tag_counts.get((word, pos), [])

    def means_mostly(self, word, synset):
        """Whether synset is what word most often means: a noun sense no other of its senses is
        tagged more often than, and the word is a noun at least as often as a verb or adverb, and
        more often than an adjective when it is one ("kitty" as a cat yes, with no sense tagged;
        "bass" as a fish no, it is mostly a voice; "teal" as a duck no, nor "roan" as a horse:
        both are colours too)."""
        senses = self.senses(word)
        if synset not in senses:
            return False
        noun, at = self.counts(word, "n"), senses.index(synset)
        if noun and (noun[at] if at < len(noun) else 0) < max(noun):
            return False
        if word in self.adjectives and sum(noun) <= sum(self.counts(word, "a")):
            return False
        return sum(noun) >= max(sum(self.counts(word, pos)) for pos in ("v", "r"))
