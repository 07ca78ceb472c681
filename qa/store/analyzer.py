"""What BM25 reads (qa/store/lexical.py): its token pattern, and the text and words before it counts
them. Accents over Latin and Greek letters are folded, Chinese, Japanese and Korean runs become
overlapping character pairs, full-width forms their usual ones, and a British spelling is read as
the American one before Snowball stems it. `TOKENS_VERSION` names what the tokens are: an index
tokenised otherwise is rebuilt (qa/indexing/plan.py)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from qa.stories import CJK, HANGUL, char_pairs

# bm25s's own default pattern (runs of two or more letters or digits, and a lone digit, so "20x10" and
# "98.3" stay tokens), with the underscore of "\w" a separator: "Who is _Prince Andrew_?" (Markdown
# emphasis) asked for "_princ" and "andrew_" and was refused; "Director_Oh" is "director" and "oh".
TOKEN_PATTERN = r"(?u)(?<![^\W_])[^\W_]{2,}(?![^\W_])|(?<![^\W_])\d(?![^\W_])"
# Chinese and Japanese put no spaces between words, so to the pattern above a run of their letters is
# one word: a whole clause, which no question repeats. As Lucene's CJK analyzer does, each such run
# is indexed and asked as its overlapping pairs of characters ("東京都庁" -> 東京 京都 都庁), and a
# single character beside other letters stands apart (then too short to be a token). Korean too: its
# words carry their particles ("이도현의", "이도현이"), which pairs see past (bench/cjk-questions.jsonl).
_PAIRED = f"[{CJK}{HANGUL}]"
_CJK_RUN = re.compile(f"{_PAIRED}+(?:\n{_PAIRED}+)*")  # a run goes on past a hard line wrap
# What the tokens are (in each index's manifest: an index tokenised otherwise is rebuilt). 2: CJK pairs;
# 3: full-width forms folded; 4: a run's pairs go on past a line break; 5: accents folded; 6: British
# spellings read as American; 7: less those that mean something else, accents of Latin and Greek only;
# 8: the underscore separates words.
TOKENS_VERSION = 8


# Full-width Latin letters and digits ("２０２４", "ＡＩ", common in Japanese news) and half-width
# katakana read as their usual forms, as Lucene's CJK width filter does: otherwise "2024年" never
# meets "２０２４年".
_WIDTHS = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFFA0)}


# Accents and other marks over Latin and Greek letters are dropped, as Lucene's ASCII folding filter
# does, and a few letters that do not decompose are spelt out: a reader types "Weizsacker", "Muller"
# or "Sao Paulo" for "Weizsäcker", "Müller" and "São Paulo" (the model's own tokenizer already drops
# accents). Only Latin and Greek letters are decomposed: other scripts' marks are letters' parts
# (Russian "й" is not "и", Japanese "が" not "か", Hindi "क़" not "क").
_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u1f00-\u1fff]")
_MARK = re.compile("[\u0300-\u036f]+")
_MARKS = re.compile("(?<=[A-Za-z\u0370-\u03ff])[\u0300-\u036f]+")  # typed apart after such a letter
_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss",
                          "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH"})  # fmt: skip


def fold_marks(text: str) -> str:
    """`text` without accents and other marks over its Latin and Greek letters ("São Paulo" -> "Sao Paulo")."""
    if text.isascii():
        return text
    text = _ACCENTED.sub(lambda m: _MARK.sub("", unicodedata.normalize("NFD", m.group(0))), text)
    return _MARKS.sub("", text).translate(_LETTERS)


def cjk_pairs(text: str) -> str:
    """`text` as BM25 reads it: accents folded (`fold_marks`), and every run of Chinese, Japanese or
    Korean letters written as its overlapping character pairs, space-separated, full-width and
    half-width forms folded (other text as it is)."""

    def pairs(m: re.Match[str]) -> str:
        run = m.group(0).replace("\n", "")
        return f" {' '.join(char_pairs(run))} "

    return _CJK_RUN.sub(pairs, fold_marks(text.translate(_WIDTHS)))


# breame's pairs whose American word means something else, or whose British one is also a name (a
# review): "tyre" is the city of Tyre too, "Labour" a party, "the Louvre" a museum; "philtre" is no
# "filter", "buses" no "busses", "metre" no meter; "pummelled" and "tranquilly" are listed wrongly.
_NOT_THE_SAME = frozenset((
    "tyre", "tyres", "tonne", "tonnes", "philtre", "philtres", "groyne", "groynes", "gauge", "gauged", "gauges",
    "gauging", "bevvy", "bevvies", "gryphon", "gryphons", "buses", "minibuses", "busing", "gases", "pummelled",
    "pummelling", "tranquilly", "sheikh", "labour", "labours", "laboured", "labouring", "louvre", "louvres",
    "louvred", "metre", "metres", "draught",
))  # fmt: skip


class _Stemmer:
    """The Snowball English stemmer, a British spelling first read as the American one ("criticised",
    "vapour", "centre" as "criticized", "vapor", "center"; breame's list of 1,730, less `_NOT_THE_SAME`):
    a reader writes either, an article the other (a new user's "Who criticized Scooter Braun's company?")."""

    def __init__(self, stemmer: Any) -> None:
        from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

        self._stem = stemmer.stemWords
        self._american = {b: a for b, a in BRITISH_ENGLISH_SPELLINGS.items() if b not in _NOT_THE_SAME}

    def stemWords(self, words: list[str]) -> list[str]:  # bm25s calls it by PyStemmer's name
        american = self._american
        return list(self._stem([american.get(w, w) for w in words]))


def stemmer_for(stem: bool) -> Any:
    """The stemmer BM25 reads with (None: no stemming, or PyStemmer missing)."""
    if not stem:
        return None
    try:
        import Stemmer
    except ImportError:
        return None
    return _Stemmer(Stemmer.Stemmer("english"))
