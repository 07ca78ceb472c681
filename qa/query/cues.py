"""Answer-type cues: what kind of phrase a question asks for, and whether a sentence offers one.

A reader's question usually restates its context ("Keck astronomers watched Europa on 17 nights; on
which date did they catch the water signal?"), so the sentence that shares most words with it is
often the context, and the answer is in the sentence next to it. Classic question answering uses the
expected answer type to tell them apart: a "when" question wants a date, "how many" a number, "who"
a name, "why" a reason. A sentence *offers* that type when it holds such a phrase that the question
does not already contain. English question words only; any other question has no cue (0 for all).
"""

from __future__ import annotations

import re

# Month names count only capitalised: "may" and "march" are more often a verb ("it may open soon").
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:1[5-9]\d\d|20\d\d|\d{{1,2}}(?:st|nd|rd|th)|(?-i:{_MONTHS})\.?|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|yesterday|today|tomorrow|tonight|ago|decades?|centur(?:y|ies)|"
    r"(?:last|next|this|that) (?:week|month|year|spring|summer|autumn|fall|winter))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?:\d+(?:[.,]\d+)*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|"
    r"eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|"
    r"million|millions|billion|billions|trillion|dozen|dozens|"
    r"half|twice|double|triple)\b|%|\$|€|£|¥)",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
_REASON = re.compile(
    r"\b(?:because|due to|since|as a result|so that|in order to|owing to|reasons?|thanks to|citing|amid|"
    r"to avoid|to limit|to prevent|to reduce|to protect|to help|to ensure|concerns?|concerned|fears?|worried|"
    r"aims?|aimed|meant to|so as to|therefore|thus|led to|driven by|blamed)\b",
    re.IGNORECASE,
)
_MANNER = re.compile(r"\b(?:by|through|using|via|with|after|thanks to)\b", re.IGNORECASE)

_TYPES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^\s*(?:since when|until when|when|what (?:year|date|day|month|time)|which (?:year|date|day|month))\b",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            r"\b(?:how (?:many|much|far|long|old|big|large|fast|often|high|tall)|"
            r"what (?:percentage|share|proportion|fraction|price|amount|number)|what did .{0,40} cost)\b",
            re.I,
        ),
        "number",
    ),
    (
        re.compile(
            r"^\s*(?:who|whom|whose)\b|\bwhich (?:person|man|woman|player|company|firm|official|team|group|"
            r"country|agency|organi[sz]ation|newspaper|paper|outlet)\b",
            re.I,
        ),
        "name",
    ),
    (re.compile(r"^\s*where\b|\bin which (?:city|country|province|state|town|region|place)\b", re.I), "place"),
    (re.compile(r"^\s*why\b|\bfor what reason\b|\bwhat (?:prompted|caused|led|triggered|drove)\b", re.I), "reason"),
    (re.compile(r"^\s*how\b", re.I), "manner"),
]
_PATTERNS = {"date": _DATE, "number": _NUMBER, "name": _NAME, "place": _NAME, "reason": _REASON, "manner": _MANNER}


def answer_type(question: str) -> str | None:
    """The kind of phrase `question` asks for: date, number, name, place, reason, manner, or None."""
    for pattern, kind in _TYPES:
        if pattern.search(question):
            return kind
    return None


class Cue:
    """A question's answer type (`kind`, or the one its words ask for), ready to test sentences with
    (the question's own phrases of that type read once)."""

    def __init__(self, question: str, kind: str | None = None) -> None:
        self.kind = kind or answer_type(question)
        self._pattern = _PATTERNS[self.kind] if self.kind else None
        self._asked = {m.group(0).casefold() for m in self._pattern.finditer(question)} if self._pattern else set()

    def offers(self, sentence: str) -> bool:
        """Whether `sentence` holds a phrase of the type asked for that the question does not contain."""
        if self._pattern is None:
            return False
        return any(m.group(0).casefold() not in self._asked for m in self._pattern.finditer(sentence))
