"""The names a question brings, and whether an article holds one in a near form (for the abstention's
unknown-name factor, qa/query/word_evidence.py).

A name is a run of capitalised words after the question's first ("What did Mayor Helen Müller say?":
"Mayor Helen Müller"), judged by its last word, the surname or head ("Timothy Cook" where the article
says "Tim Cook", "Kwame Mensah Jr.": an honorific is no part of it). A question in Title Case or
capitals ("How Much Did The New Laptop Cost?") names nothing by its capitals.

An article holds a name in a near form when, both folded (case, accents, "ø", "ł", apostrophes:
"Caglar Soyuncu" / "Çağlar Söyüncü", "OBrien" / "O'Brien"), it holds it as a word or glued into
another script's run ("のKindleデスクトップ"), or a word that is it with up to `NEAR_SUFFIX` letters
more or fewer at the end (a demonym or plural: "Victorians" / "Victoria", "Koreans" / "Korea"), or
a misspelling of one, within one edit (two for names over seven letters; same first letter:
"Primier" / "Premier", "Muller" / "Mueller").
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import cached_property

NEAR_SUFFIX = 3  # letters a near form may add to or lack at the end ("Victoria" / "Victorians")
# Titles before or after a name, never the name itself.
HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "fr",
        "sr",
        "jr",
        "st",
        "gen",
        "col",
        "capt",
        "lt",
        "sgt",
        "gov",
        "sen",
        "rep",
        "pres",
    ]
)
_EDGE = "¿¡\"'“”‘’«»()[]{},;:!?…"
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_FOLDED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_APOSTROPHES = re.compile(r"['’]")
_FOLDED_WORD = re.compile(r"[a-z]+")


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
        if i < len(words) and capitalised[i] and word.rstrip(".").casefold() not in HONORIFICS:
            name = re.sub(r"(?:['’]s?)$", "", word).rstrip(".")
            if len(name) > 1:
                run.append(name)
            if not raw.endswith((",", ";", ":")):
                continue
        if run:
            runs.append(run)
        run = []
    return runs


def name_heads(question: str) -> list[str]:
    """The last word of each name the question brings: a surname, a compound's head."""
    return [run[-1] for run in name_runs(question)]


def _title_case(words: list[str]) -> bool:
    """Whether a question's words after the first are in Title Case or capitals: every one is
    capitalised, function words too ("How Much Did The New Laptop Cost?"; "And South Korea's Kospi?"
    is names)."""
    from qa.ingest.boilerplate import english_stop_words

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
    return len(bare) > 1 and "." not in bare and bare.casefold() not in HONORIFICS


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
        """Whether the article holds `name` in a near form (module docstring)."""
        word = fold(name)
        if len(word) < 4 or not word.isalpha():
            return False
        words = self._words
        if _has(words, word):
            return True  # as a word, or glued into another script's run (a run of Latin letters there)
        if any(len(word) - k >= 4 and _has(words, word[:-k]) for k in range(1, NEAR_SUFFIX + 1)):
            return True  # it is a word held with letters added ("Victorians")
        i = bisect.bisect_left(words, word)
        if i < len(words) and words[i].startswith(word) and len(words[i]) - len(word) <= NEAR_SUFFIX:
            return True  # a word held is it with letters added ("Koreans" for "Korea")
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
