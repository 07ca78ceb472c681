"""The years a question names, and whether an article mentions them (the abstention's year factor,
qa/query/word_evidence.py).

A question about a year is about that year ("Who won the Tour de France in 2021?"), and an article
that answers it says it: in its text, as its date's year, or in another common form ("2019-20" for
2020, "FY24" and "'24" for 2024, "the '90s" for the 1990s, "2,000" or "2 000" for a count of 2000,
full-width digits). A decade ("the 1990s") is any year of it, a century written so ("the 1900s") any
of its years. When the first citation's article gives no year at all and has no date, it cannot say
which year it is about, so nothing counts as lacking (a plain-text article saved without its
dateline: "How many WeWork employees will be laid off in 2019?" abstained with the answer first).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

# A year 1500-2099 as a question writes it, or a decade or century ("the 1990s", "the 1600s"); not a
# decimal ("1.2019"; "18.11.2019" is a date), a count's part ("12,019") or a longer number.
_YEAR = re.compile(r"(?<![\d,])(?<!(?<!\d)\d\.)(1[5-9]\d\d|20\d\d)(s\b)?(?!\d|[.,]\d)")
_ANY_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)")
_FULL_WIDTH_DIGITS = {0xFF10 + i: str(i) for i in range(10)}
_SEPARATOR = "[,.\u00a0\u2009\u202f ]"  # of thousands: "2,000", "2.000", "2 000"
_DASH = r"\s?[-–—/]\s?"  # of a range of years


def asked(question: str) -> list[str]:
    """For each year (or decade) `question` names, a pattern of the forms an article may give it in."""
    out = []
    for digits, decade in _YEAR.findall(question.translate(_FULL_WIDTH_DIGITS)):
        if decade:
            prefix = digits[:2] if digits.endswith("00") else digits[:3]
            forms = [prefix + r"\d" * (4 - len(prefix))]
            if not digits.endswith("00"):
                forms.append(f"['’‘]{digits[2]}0s")  # the '90s
        else:
            century, yy = digits[:2], digits[2:]
            forms = [
                digits,
                f"{digits[0]}{_SEPARATOR}{digits[1:]}",  # a count: "2,000"
                f"{century}\\d\\d{_DASH}{yy}",  # the end of a range: "2019-20", "2019/20"
                f"(?i:fy)\\s?{yy}",  # a fiscal year: "FY24"
                f"['’‘]{yy}",  # '24
            ]
        out.append("|".join(forms))
    return out


class Years:
    """Which years articles mention, their texts read once (`text_of`, `published_of`: an article's
    text and ISO date by source)."""

    def __init__(self, text_of: Callable[[str], str], published_of: Callable[[str], str | None]) -> None:
        self._published_of = published_of
        self._text = functools.lru_cache(maxsize=256)(lambda source: text_of(source).translate(_FULL_WIDTH_DIGITS))

    def missing(self, question: str, sources: Sequence[str]) -> bool:
        """Whether `question` names a year none of the articles `sources` (the answer's citations,
        first first) mentions, the first giving some year or a date (module docstring)."""
        wanted = asked(question)  # most questions name no year: no article is read for them
        if not wanted or not sources or self.silent(sources[0]):
            return False
        return any(not any(self.mentions(pattern, source) for source in sources) for pattern in wanted)

    def mentions(self, pattern: str, source: str) -> bool:
        """Whether article `source` gives the year `pattern` (one of `asked`'s) in its text or date."""
        published, text = self._published_of(source) or "", self._text(source)
        return bool(re.match(pattern, published) or re.search(rf"(?<!\d)(?:{pattern})(?!\d)", text))

    def silent(self, source: str) -> bool:
        """Whether article `source` gives no year at all and has no date: it cannot say which year."""
        return not self._published_of(source) and not _ANY_YEAR.search(self._text(source))
