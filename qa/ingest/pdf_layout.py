"""Where a PDF's lines lie on their page, for joining them back into paragraphs (qa/ingest/pdf_reader.py):
each line's `Shape` from its characters' boxes, and whether the next line goes on its paragraph (just
below it, in the same type) or was pushed down by the margin."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\uffff]")


def usual(values: Sequence[float]) -> float:
    """A page's usual full extent of its lines: the 90th percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


@dataclass(frozen=True)
class Shape:
    """Where a line's inked characters lie on its page (PDF units): its right edge, the width of its
    first word and of an average character; NaN where PDFium gave no boxes."""

    right: float
    first_word: float
    char: float
    baseline: float = math.nan  # the baseline where the line ends, and its usual font size
    size: float = math.nan
    top: float = math.nan  # the baseline where it starts: PDFium gives a line broken at a hyphen and
    # the printed line after it as one ("black\ufffetailed godwit ... when a pair of"), two baselines


NO_SHAPE = Shape(math.nan, math.nan, math.nan)


def shape_of(line: str, boxes: Any) -> Shape:
    """The `Shape` of one line of a page's text from its characters' boxes (`_boxes`)."""
    inked = [k for k, ch in enumerate(line) if not ch.isspace() and not CONTROL.match(ch)]
    if not inked or len(boxes) != len(line):
        return NO_SHAPE
    ink = boxes[inked, :2]
    if bool((ink != ink).any()):  # a character without a box (NaN)
        return NO_SHAPE
    left, right = float(ink[:, 0].min()), float(ink[:, 1].max())
    end = next((k for k in range(inked[0], len(line)) if line[k].isspace()), len(line))
    word = boxes[inked[0] : end]
    size = sorted(boxes[inked, 5])
    head, tail = sorted(boxes[inked[:8], 4]), sorted(boxes[inked[-8:], 4])  # its first and last characters
    return Shape(
        right,
        float(word[:, 1].max() - word[:, 0].min()),
        (right - left) / len(inked),
        float(tail[len(tail) // 2]),
        float(size[len(size) // 2]),
        float(head[len(head) // 2]),
    )


# A wrapped line's next line has its baseline below this one's by at most this many font sizes, in
# type of the same size: otherwise the next line is another block (a related-stories box printed
# below the article's last line, a column, a caption).
LINE_PITCH = 2.0
SAME_SIZE = 0.05  # share of the font size two lines of one paragraph may differ by (rounding)


def continues(this: Shape, nxt: Shape) -> bool:
    """Whether `nxt` can be the next line of `this` one's paragraph on the page: just below it, in
    type of the same size. True when either has no boxes (the rules then count characters alone)."""
    if not (this.size > 0 and nxt.size > 0):
        return True
    pitch = this.baseline - (nxt.top if nxt.top == nxt.top else nxt.baseline)  # PDF y grows upwards
    return abs(this.size - nxt.size) <= SAME_SIZE * this.size and 0 < pitch <= LINE_PITCH * this.size


def pushed_down(shapes: list[Shape]) -> list[bool]:
    """For each line, whether the next line's first word would not have fitted in the room its
    right margin left (the page's usual right edge, the 90th percentile of its lines'), a space
    included: the layout pushed the word down, so the line was wrapped, not ended."""
    known = [s.right for s in shapes if s.right == s.right]
    if len(known) < 2:
        return [False] * len(shapes)
    margin = usual(known)
    out = []
    for this, nxt in zip(shapes, [*shapes[1:], NO_SHAPE], strict=True):
        room = margin - this.right
        out.append(bool(nxt.first_word == nxt.first_word and room < nxt.first_word + this.char))
    return out


# A drop cap (the large first letter of an article, "A" beside "dam Schiff's impeachment inquiry ...")
# is at least this many times the size of the type of the line it opens; that line is looked for
# among the next DROP_CAP_LINES (a caption or a standfirst may come between them in the text layer).
DROP_CAP = 2.0
DROP_CAP_LINES = 8


def _first_inked(line: str, boxes: Any) -> Any:
    """The box of `line`'s first inked character (None without one or without boxes)."""
    if len(boxes) != len(line):
        return None
    k = next((k for k, ch in enumerate(line) if not ch.isspace() and not CONTROL.match(ch)), None)
    if k is None or any(math.isnan(float(v)) for v in boxes[k]):
        return None
    return boxes[k]


def _opened(cap: str, line: str, pages: Sequence[str]) -> str:
    """`line` opened by its drop cap `cap`: glued to its first word ("A" + "dam" -> "Adam"), unless the
    cap is a word of its own ("A", "I") and the document (its `pages`) says the two are apart: it uses them
    apart more often than glued ("a federal" over "afederal"), or as often and the glued form is no
    English word while the first word is (simplemma's dictionary). A review's "A federal judge ..."
    had read "Afederal judge"."""
    first = re.match(r"[^\W\d_]+", line)
    if cap not in ("A", "I") or not first:
        return cap + line
    word = first.group(0)

    def used(form: str) -> int:
        return sum(len(re.findall(rf"(?<!\w){re.escape(form)}(?!\w)", page, re.IGNORECASE)) for page in pages)

    glued, apart = used(cap + word), used(f"{cap} {word}")
    if glued != apart:
        return cap + line if glued > apart else f"{cap} {line}"
    import simplemma

    english = [simplemma.is_known(w.casefold(), lang="en") for w in (cap + word, word)]
    return f"{cap} {line}" if english == [False, True] and len(word) > 1 else cap + line


def drop_caps(lines: list[str], raw: Sequence[str], boxes: Sequence[Any], pages: Sequence[str] = ()) -> list[str]:
    """A page's `lines` (as read from its text layer `raw`, each with its characters' `boxes`) with each
    drop cap put back at the start of the line it opens: a line of one capital letter, in type at
    least `DROP_CAP` times that line's, whose first letter is lower case and stands right of the cap
    with its baseline within the cap's height (`_opened`; `pages`: the whole document's). A new user's
    quote read "dam Schiff's impeachment inquiry is incoherent."."""
    out = list(lines)
    for i, line in enumerate(lines):
        if len(line) != 1 or not line.isupper() or (cap := _first_inked(raw[i], boxes[i])) is None:
            continue
        _left, right, bottom, top, _baseline, size = (float(v) for v in cap)
        for j in range(i + 1, min(len(lines), i + 1 + DROP_CAP_LINES)):
            first = _first_inked(raw[j], boxes[j])
            if not lines[j][:1].islower() or first is None:
                continue
            if first[0] >= right - 1 and bottom - 1 <= first[4] <= top + 1 and size >= DROP_CAP * first[5]:
                out[j], out[i] = _opened(line, lines[j], pages), ""
                break
    return out
