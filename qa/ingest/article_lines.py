"""Which lines of a whole page of plain text are the article: a learned line model plus one span.

Text copied or saved from a web page holds the article between menus, teasers of other stories,
captions, comment threads and footers. The rules of `sources.classify_lines` recognise chrome that
looks like chrome wherever it stands; what they cannot tell is a well-formed sentence that belongs to
*another* text on the page (a related-story teaser, a comment, the next article). That takes
context, so this module does what boilerpipe and jusText do for HTML, on lines:

1. Each non-blank line gets shallow features of itself and of its neighbourhood (length, sentence
   end, list marker, capitalised and short-word shares, digits, how much of the text around it is
   prose, where it stands in the page's prose, the size of the run of prose it belongs to), and a
   logistic model turns them into the probability that the line is article text. The weights are
   fitted by `bench/lines.py` on the shared news pages' text renders against their gold article
   bodies (folds split by page; its held-out figures are in the README) and stored in
   `line_model.json` beside this file: a plain table, no pickle.
2. The article is the one span of lines that collects the most evidence: the maximum-sum run of
   (probability - 1/2) weighted by the line's length (Finn's body-text extraction, on lines),
   grown over a block of content lines next to it that is plausible on average. Inside it, the
   rules still drop what they recognise as chrome ("Share this", a photo credit). The headline is
   the document's title (metadata), not a region, as for a saved HTML page.

A page on which no line is more likely article than not keeps the rules' regions unchanged, so a
file is never emptied by the model.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.ingest.boilerplate import WORD as _WORD
from qa.ingest.boilerplate import english_stop_words
from qa.stories import char_pairs

if TYPE_CHECKING:
    import numpy as np

    from qa.ingest.lines import Line

MODEL_FILE = Path(__file__).with_name("line_model.json")

_TERMINAL = re.compile(r"(?:[.!?…。！？][\"”’')\]」』]*|[\"”])\s*$")
_BULLET = re.compile(r"^(?:[*+•·◦▪‣–—»›>-]|o(?=\s)|\d{1,3}[.)])\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_SCRIPT_RUN = re.compile(rf"{_CJK.pattern}+|(?:(?!{_CJK.pattern}).)+")  # a word cut where CJK starts or ends

FEATURES = (
    "bias",
    "prose",
    "log_words",
    "sentence_end",
    "rule_chrome",
    "rule_meta",
    "rule_title",
    "list_marker",
    "capitalised_share",
    "digit_share",
    "short_word_share",
    "pipe",
    "prose_share_2",
    "prose_share_5",
    "prose_share_15",
    "prose_before",
    "in_largest_run",
    "log_run_words",
    "run_share",
)


def word_units(line: str) -> int:
    """Words in a line, a run of CJK characters counting one word per two characters (those
    scripts put no spaces between words)."""
    n = 0
    for w in _WORD.findall(line):
        cjk = len(_CJK.findall(w))
        n += max(1, cjk // 2) if cjk else 1
    return n


def _prose(line: str, n: int) -> bool:
    return n >= 15 or (n >= 8 and bool(_TERMINAL.search(line)))


def features(lines: list[Line]) -> np.ndarray:
    """One row of `FEATURES` per line of `lines` (non-blank lines of one document, in order)."""
    import numpy as np

    m = len(lines)
    if m == 0:
        return np.zeros((0, len(FEATURES)))
    words = [_WORD.findall(ln.text) for ln in lines]
    nw = np.array([word_units(ln.text) for ln in lines], dtype=float)
    prose = np.array([_prose(ln.text, int(n)) for ln, n in zip(lines, nw, strict=True)], dtype=float)
    pw = nw * prose
    total_prose = max(float(pw.sum()), 1.0)
    cum_pw = np.concatenate([[0.0], np.cumsum(pw)])
    cum_nw = np.concatenate([[0.0], np.cumsum(nw)])

    # Runs of consecutive prose lines, and the words each holds.
    run = np.full(m, -1)
    run_words: list[float] = []
    for i in range(m):
        if prose[i]:
            if i == 0 or not prose[i - 1]:
                run_words.append(0.0)
            run[i] = len(run_words) - 1
            run_words[-1] += nw[i]
    largest = int(np.argmax(run_words)) if run_words else -1

    def share(i: int, k: int) -> float:
        a, b = max(0, i - k), min(m, i + k + 1)
        return float((cum_pw[b] - cum_pw[a]) / max(cum_nw[b] - cum_nw[a], 1.0))

    rows = np.zeros((m, len(FEATURES)))
    for i, ln in enumerate(lines):
        t, ws, n = ln.text, words[i], max(len(words[i]), 1)
        r = int(run[i])
        rows[i] = (
            1.0,
            prose[i],
            math.log1p(nw[i]),
            float(bool(_TERMINAL.search(t))),
            float(ln.kind in ("boilerplate", "duplicate")),
            float(ln.kind == "meta"),
            float(ln.kind == "title"),
            float(bool(_BULLET.match(t))),
            sum(1 for w in ws if w[0].isupper()) / n,
            sum(1 for c in t if c.isdigit()) / max(len(t), 1),
            sum(1 for w in ws if len(w) <= 3) / n,
            float("|" in t),
            share(i, 2),
            share(i, 5),
            share(i, 15),
            float(cum_pw[i] / total_prose),
            float(r >= 0 and r == largest),
            math.log1p(run_words[r]) if r >= 0 else 0.0,
            run_words[r] / total_prose if r >= 0 else 0.0,
        )
    return rows


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> tuple[np.ndarray, dict[str, Any]]:
    """The weights in `FEATURES` order, and the file's description of how they were fitted."""
    import numpy as np

    data = json.loads(path.read_text(encoding="utf-8"))
    weights = data["weights"]
    if sorted(weights) != sorted(FEATURES):
        raise ValueError(f"{path.name} does not match qa's line features; run bench/lines.py --write")
    return np.array([weights[f] for f in FEATURES]), data


def fingerprint() -> str:
    """A short hash of the shipped weights: an index built with other weights is rebuilt."""
    import hashlib

    return hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest()[:16]


def probabilities(lines: list[Line], weights: np.ndarray | None = None) -> np.ndarray:
    import numpy as np

    w = load_model()[0] if weights is None else weights
    z = np.clip(features(lines) @ w, -30.0, 30.0)
    p: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return p


def best_span(p: np.ndarray, weight: np.ndarray) -> tuple[int, int] | None:
    """(first, last) line of the run with the largest sum of (p - 1/2) x weight, or None when no
    line is more likely article than not."""
    best, cur, start, span = 0.0, 0.0, 0, None
    for i, v in enumerate((p - 0.5) * weight):
        if cur <= 0.0:
            cur, start = float(v), i
        else:
            cur += float(v)
        if cur > best:
            best, span = cur, (start, i)
    return span


EXTEND_BELOW = 0.25  # bench/lines.py: held-out F1 .894 without; .902 / .904 / .899 at 0.15 / 0.25 / 0.35


def _extend(span: tuple[int, int], body: list[Line], p: np.ndarray) -> tuple[int, int]:
    """The span grown over the block of content lines right next to it on either side (up to the
    next line the rules call chrome or metadata) when that block's mean probability is at least
    `EXTEND_BELOW`: a reporter's sign-off, a standfirst, a quotation set apart from the paragraphs."""
    import numpy as np

    a, b = span
    i = a
    while i > 0 and body[i - 1].kind == "content":
        i -= 1
    if i < a and float(np.mean(p[i:a])) >= EXTEND_BELOW:
        a = i
    j = b
    while j + 1 < len(body) and body[j + 1].kind == "content":
        j += 1
    if j > b and float(np.mean(p[b + 1 : j + 1])) >= EXTEND_BELOW:
        b = j
    return a, b


def select(lines: list[Line], weights: np.ndarray | None = None) -> list[Line]:
    """`lines` (every line of a document, blank ones included) with the lines outside the article
    span marked boilerplate ("outside the article"). Unchanged when the model finds no article, or
    when the rules found no line of chrome (a clean article: its lists and tables ended the span
    and the sections after them were dropped)."""
    import numpy as np

    idx = [i for i, ln in enumerate(lines) if ln.kind != "blank"]
    body = [lines[i] for i in idx]
    if not body or not any(ln.kind == "boilerplate" for ln in body):
        return lines  # the rules saw no chrome at all: a clean article (its lists are no menu)
    p = probabilities(body, weights)
    # A table's rows (lines.table_rows) are article text whatever the model reads: they neither
    # lengthen the span nor break it (its lists of short cells read as a menu, and cut off what followed).
    weight = np.array([0.0 if ln.reason == "table" else math.log1p(max(word_units(ln.text) - 3, 1)) for ln in body])
    span = best_span(p, weight)
    if span is None:
        return lines
    span = _extend(span, body, p)
    out = list(lines)
    for j, i in enumerate(idx):
        # (A table's rows, lines.table_rows, stay: the model, fitted on web pages, reads rows of
        # short cells as a menu.)
        if not span[0] <= j <= span[1] and lines[i].kind in ("content", "title") and lines[i].reason != "table":
            out[i] = replace(lines[i], kind="boilerplate", reason="outside the article")
    return out


# The headline of a whole page: searched among this many non-blank lines above the article, it is a
# heading-like line sharing at least TITLE_SHARED words and TITLE_OVERLAP of its words with the
# article's first LEDE_LINES lines (a headline names what the lede tells); one above the byline or date
# line if any is; of those, the most shared words times their share. None: no title, not a guess.
TITLE_WINDOW = 40
LEDE_LINES = 5
TITLE_OVERLAP = 0.3
TITLE_SHARED = 2  # words at least that a headline shares with the lede
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\s*(?:[ap]\.?m\b|[AP]M)", re.IGNORECASE)
NEAR_TITLE = 2  # lines (a section label, a standfirst) that may stand between a file's own title and its text


def _title_words(text: str) -> set[str]:
    """The words that name things: four letters or more, not English function words; of a run of
    Chinese, Japanese or Korean letters (no one word), its overlapping pairs of characters, which a
    headline and its lede share wherever the run starts ("ショートカットキー")."""
    stop = english_stop_words()
    out: set[str] = set()
    for word in _WORD.findall(text.casefold()):
        for part in _SCRIPT_RUN.findall(word):
            if _CJK.match(part):
                out.update(char_pairs(part))
            elif len(part) >= 4 and part not in stop:
                out.add(part)
    return out


def headline(lines: list[Line], article: list[Line]) -> tuple[bool, str | None]:
    """(whether the article span moved the page's start, the headline above its lede). `lines` as
    the rules labelled them, `article` after `select`. The lede is the span's first LEDE_LINES lines
    that end like sentences; the headline is looked for among the lines before it (inside the span's
    head too: a headline the span took in). When the rules' title line lies right above the span, up
    to NEAR_TITLE lines between (a clean file: title, a label, then the text), the span moved nothing:
    (False, None)."""
    inside = [i for i, ln in enumerate(article) if ln.kind == "content"]
    if not inside or article == lines:
        return False, None
    above = [i for i in range(inside[0]) if lines[i].kind not in ("blank", "meta")]
    if any(lines[i].kind == "title" for i in above[-1 - NEAR_TITLE :]):
        return False, None
    lede_lines = [i for i in inside if _TERMINAL.search(article[i].text)][:LEDE_LINES]
    if not lede_lines:
        return True, None
    lede: set[str] = set().union(*(_title_words(article[i].text) for i in lede_lines))
    window = [i for i in range(lede_lines[0]) if lines[i].kind != "blank"][-TITLE_WINDOW:]
    found: list[tuple[int, str, float, int]] = []
    for i in reversed(window):
        text = lines[i].text.strip()
        n = word_units(text)
        if _BULLET.match(text) or not 3 <= n <= 30 or len(text) > 250 or text.endswith((".", ",", ";", ":")):
            continue
        words = _title_words(text)
        shared = len(words & lede)
        # One shared word is chance ("Monday 6:30PM" over a lede that says Monday); a time of day is
        # a byline's stamp, not a headline.
        if shared >= TITLE_SHARED and shared / len(words) >= TITLE_OVERLAP and not _CLOCK.search(text):
            found.append((i, text, shared / len(words), shared))
    # A news page sets its headline above the byline or the date; what stands between them and the lede
    # is a video's or a picture's title ("Video shows dramatic rescue of kidnapped girl").
    stamp = max((i for i in window if lines[i].kind == "meta"), default=None)
    if stamp is not None and any(c[0] < stamp for c in found):
        found = [c for c in found if c[0] < stamp]
    # The headline says most of what the lede says, in few other words: shared words x their share
    # (a tag "Dancing With the Stars" shares two words, all of its own; the headline eight of nine).
    best = max(found, key=lambda c: c[3] * c[2], default=None)  # a tie: the first, nearest the lede
    return True, best[1] if best else None
