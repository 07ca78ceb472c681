"""Which writing system a text is in: a line in another script than its page's is chrome
(qa/ingest/boilerplate.py) or, as a headline, not the page's (qa/ingest/lines.py)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

# Japanese is written in three scripts at once: one writing system, not three.
_WRITING_SYSTEM = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK"}


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    """A coarse script name for a letter: the first word of its Unicode name (LATIN, HANGUL, ...),
    with Japanese kana counted with the CJK ideographs they are written among."""
    try:
        name = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"
    return _WRITING_SYSTEM.get(name, name)


def dominant_script(text: str) -> str:
    counts: dict[str, int] = {}
    for ch, n in Counter(text).items():  # each distinct character once, not every character
        if ch.isalpha():
            s = _script(ch)
            counts[s] = counts.get(s, 0) + n
    return max(counts, key=lambda s: counts[s]) if counts else "LATIN"


def foreign_script(line: str, dominant: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for ch in letters if _script(ch) != dominant)
    return foreign / len(letters) > 0.5
