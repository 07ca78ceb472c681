"""The names a question brings, and whether an article holds one in a near form (for the abstention's
unknown-name factor, qa/query/word_evidence.py).

A name is a run of capitalised words after the question's first ("What did Mayor Helen Müller say?":
"Mayor Helen Müller"), judged by its last word that is no stop word, the surname or head
("Timothy Cook" where the article says "Tim Cook"). Titles and company
forms ("Mr", "Jr.", "Ltd", "FC") are no part of a name. A question in Title Case or capitals ("How
Much Did The New Laptop Cost?") names nothing by its capitals.

An article holds a name in a near form when, both folded (case, accents, "ø", "ł", apostrophes:
"Caglar Soyuncu" / "Çağlar Söyüncü", "OBrien" / "O'Brien") and each part of a hyphenated name on its
own ("Sánchez-Galán"), it holds it as a word or glued into another script's run ("のKindleデスクトップ");
or a word that is it with a demonym's or plural's ending added or taken away ("Victorians" /
"Victoria", "Koreans" / "Korea", "Vietnamese", "Iraqi"); or, for a name of five letters or more, a
misspelling of one, within one edit (two for names over seven letters; same first letter: "Primier" /
"Premier", "Muller" / "Mueller", "Путин" / "Путина"). "Modi" is not held by "modify", "Iran" not by
"iron".
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from functools import cached_property

from qa.ingest.boilerplate import english_stop_words

# Endings a demonym or a plural adds to a place's or a name's word ("Victoria" + "ns").
DEMONYM_ENDINGS = ("s", "es", "n", "an", "ns", "ans", "ian", "ians", "ese", "i", "is")
# Titles before or after a name and companies' legal forms: never the name itself.
_TITLE_WORDS = """mr mrs ms miss mx dr prof sir dame lord lady rev fr sr jr st gen col capt lt sgt gov sen rep pres
ltd inc plc llc llp lp corp co fc afc sc ag gmbh sa nv bv ab asa oy spa srl pty"""
TITLES = frozenset(_TITLE_WORDS.split())
_EDGE = "¿¡\"'“”‘’«»()[]{},;:!?…"
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_FOLDED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_APOSTROPHES = re.compile(r"['’]")
# Words of the folded text: runs of Latin letters (so a name glued into another script's run is one),
# and runs of other letters (Cyrillic, Greek, ...).
_FOLDED_WORD = re.compile(r"[a-z]+|[^\W\da-z_]+")


def fold(text: str) -> str:
    """`text` casefolded, without accents or apostrophes ("Çağlar Söyüncü" -> "caglar soyuncu")."""
    text = _APOSTROPHES.sub("", text.casefold().translate(_FOLDED))
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_runs(question: str) -> list[list[str]]:
    """The names a question brings: runs of capitalised words after its first word (and after a
    sentence's end inside it), possessive dropped, honorifics left out; none in a Title Case or
    capitals question (module docstring)."""
    words = question.split()
    capitalised = [False] * len(words)
    starts = True  # the question's first word, or a word after a sentence's end
    for i, raw in enumerate(words):
        word = raw.strip(_EDGE)
        capitalised[i] = not starts and word[:1].isupper() and any(c.isalpha() for c in word)
        starts = _ends_sentence(raw, word) or not word  # "¿" alone: the next word starts
    if _title_case(words[1:]):
        return []  # the capitals say nothing
    runs: list[list[str]] = []
    run: list[str] = []
    for i, raw in enumerate([*words, ""]):
        word = raw.strip(_EDGE)
        if i < len(words) and capitalised[i] and word.rstrip(".").casefold() not in TITLES:
            name = re.sub(r"(?:['’]s?)$", "", word).rstrip(".")
            if len(name) > 1:
                run.append(name)
            if not raw.endswith((",", ";", ":")):
                continue
        if run:
            runs.append(run)
        run = []
    return runs


def name_heads(question: str, counts: Callable[[str], bool] | None = None) -> list[str]:
    """The last word of each name the question brings that counts (by default: that is no English
    stop word): a surname, a compound's head ("Smith" of "Smith And Will", "will" being one)."""
    if counts is None:

        def counts(word: str) -> bool:
            return word.casefold() not in english_stop_words()

    heads = []
    for run in name_runs(question):
        words = [w for w in run if counts(w)]
        if words:
            heads.append(words[-1])
    return heads


def _title_case(words: list[str]) -> bool:
    """Whether a question's words after the first are in Title Case or capitals: every one is
    capitalised, function words too ("How Much Did The New Laptop Cost?"; "And South Korea's Kospi?"
    is names)."""
    words = [w.strip(_EDGE) for w in words if any(c.isalpha() for c in w)]
    return (
        len(words) >= 3
        and all(w[:1].isupper() for w in words)
        and any(w.casefold() in english_stop_words() for w in words)
    )


def _ends_sentence(raw: str, word: str) -> bool:
    """Whether `raw` ends a sentence: "?", "!", or a full stop that is no abbreviation's ("Mr.",
    "J.", "U.S.")."""
    if not _ENDS_SENTENCE.search(raw):
        return False
    if not raw.rstrip("\"'”’)]").endswith("."):
        return True
    bare = word.rstrip(".")
    return len(bare) > 1 and "." not in bare and bare.casefold() not in TITLES


class ArticleForms:
    """An article's folded text and words, for `near`."""

    def __init__(self, text: str) -> None:
        self.text = fold(text)

    @cached_property
    def _words(self) -> list[str]:
        return sorted(set(_FOLDED_WORD.findall(self.text)))

    @cached_property
    def _by_start(self) -> dict[tuple[str, int], list[str]]:
        out: dict[tuple[str, int], list[str]] = {}
        for w in self._words:
            out.setdefault((w[0], len(w)), []).append(w)
        return out

    def near(self, name: str) -> bool:
        """Whether the article holds `name` in a near form (module docstring): each part of it."""
        parts = _FOLDED_WORD.findall(fold(name))
        return bool(parts) and all(self._near_word(part) for part in parts)

    def _near_word(self, word: str) -> bool:
        words = self._words
        if _has(words, word):
            return True  # as a word, or glued into another script's run
        if len(word) < 4:
            return False
        if any(word.endswith(e) and len(word) - len(e) >= 4 and _has(words, word[: -len(e)]) for e in DEMONYM_ENDINGS):
            return True  # a word held with a demonym's ending added ("Victorians")
        if any(_has(words, word + e) for e in DEMONYM_ENDINGS):
            return True  # a word held is it with one added ("Koreans" for "Korea")
        if len(word) < 5:
            return False
        edits = 1 if len(word) <= 7 else 2
        for n in range(len(word) - edits, len(word) + edits + 1):
            if any(within_edits(word, held, edits) for held in self._by_start.get((word[0], n), ())):
                return True
        return False


def _has(words: list[str], word: str) -> bool:
    i = bisect.bisect_left(words, word)
    return i < len(words) and words[i] == word


def within_edits(a: str, b: str, k: int) -> bool:
    """Whether `a` becomes `b` by at most `k` insertions, deletions or substitutions (Levenshtein)."""
    if abs(len(a) - len(b)) > k:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > k:
            return False
        previous = current
    return previous[-1] <= k


# Pieces of contractions in the English stop list ("won" of "won't", "don" of "don't") that are also
# words a question asks with ("Who won?").
_CONTRACTION_PIECES = frozenset((
    "ain", "aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "ma", "mightn", "mustn",
    "needn", "shan", "shouldn", "wasn", "weren", "won", "wouldn", "ll", "ve", "re", "o", "y", "s", "t", "d", "m",
))  # fmt: skip


# Contractions typed without their apostrophe ("whats the name of that lander"): function words as
# "what's" is, not names. A new user's question was refused, "whats" being a word English does not
# know, so a name the corpus never uses; and, a name of its own, it kept the question from its
# conversation. (Only those that are no English word themselves: "cant", "wont", "hell" are.)
_UNAPOSTROPHED = frozenset((
    "whats", "whos", "whens", "whys", "thats", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "hasnt",
    "havent", "hadnt", "couldnt", "shouldnt", "wouldnt", "mustnt", "youre", "youve", "youll", "theyre", "theyve",
    "theyll", "whatre", "whove", "aint",
))  # fmt: skip


def function_word(word: str) -> bool:
    """Whether `word` is an English function word ("when", "did", "whats"); not a word in capitals
    ("IT", "US": a name), nor a contraction's piece that is also a word ("won")."""
    key = word.casefold()
    if len(word) > 1 and word.isupper():
        return False
    return (key in english_stop_words() and key not in _CONTRACTION_PIECES) or key in _UNAPOSTROPHED
