"""Every line of a text labelled: article content, the title, metadata or boilerplate; and the
regions (runs of article lines) that chunks never cross."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from qa.ingest.boilerplate import (
    MD_HEADING,
    STRONG_REASONS,
    TERMINAL,
    TRAILING_SYMBOLS,
    chrome_reason,
    is_prose,
    word_list,
)
from qa.ingest.bylines import byline, named_pair
from qa.ingest.metadata import SOURCE_LINE, is_date_line, is_dateline, is_url_line, maybe_dateline
from qa.ingest.scripts import dominant_script


@dataclass(frozen=True)
class Line:
    start: int  # offset of the first non-space character
    end: int  # offset after the last non-space character
    text: str
    kind: str  # "blank", "title", "content", "meta", "boilerplate", "duplicate"
    reason: str = ""


def split_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line's stripped text; blank lines give start == end."""
    pos = 0
    for raw in text.split("\n"):
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        yield pos + lead, pos + lead + len(body)
        pos += len(raw) + 1


def line_key(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip().lower()


DATELINE_PARSES = 12  # lines of a text dateparser may read (beyond the patterns of is_date_line)
# A table cell that is a figure: a short cell that opens with an amount, a share, a score or a date
# ("63", "4.5%", "$1,200", "72 (up 3)"); "© 2024 Gazette" and "Call 555-1234" do not.
_FIGURE_CELL = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? )?[-+−~≈]?[$€£¥]?\d.{0,15}$", re.IGNORECASE
)  # ("June 12", "Sept. 3" too)
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?$")  # |---|:---:|


def table_rows(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """The lines that are rows of a table drawn with pipes ("| Pine Grove | 63 | 62 |"): three or
    more lines in a row with the same number (two or more) of pipes, with a rule line (|---|) or a
    cell that is a figure ("63", "4.5%", "$1,200", "2024-06-12") in at least half of them. A
    breadcrumb or a footer menu ("Home | News | Sports", "© 2024 Gazette | Privacy | Terms") has one
    line, or no cell that is a figure."""
    rows: set[int] = set()
    i = 0
    while i < len(spans):
        pipes = text.count("|", *spans[i])
        j = i
        while pipes >= 2 and j + 1 < len(spans) and text.count("|", *spans[j + 1]) == pipes:
            j += 1
        run = [text[a:b] for a, b in spans[i : j + 1]]
        figures = sum(any(_FIGURE_CELL.match(cell.strip()) for cell in line.split("|")) for line in run)
        if len(run) >= 3 and (any(TABLE_RULE.match(line) for line in run) or 2 * figures >= len(run)):
            rows.update(range(i, j + 1))
        i = j + 1
    return rows


_OPENING_WORDS = 6  # of the first sentence, where an encyclopaedia's text names its subject
# The most words a headline has: the 95 saved news pages' titles run to 20 (26 with the site's name);
# a longer first line without a full stop is a lede (two of the 91 gold bodies open on one).
TITLE_WORDS = 24


def _own_title(
    line: str, i: int, spans: list[tuple[int, int]], kinds: list[str], prose: list[int], text_of: Callable[[int], str]
) -> bool:
    """A file's first line, set apart by a blank line, is its title when it is a name ("Kraków",
    "Antonín Dvořák": one or two words, the next line but a date line a sentence of prose) or a headline that asks
    ("... but how did he fall into obscurity?"); a page's text opens with a menu's words instead."""
    if i + 2 >= len(spans) or spans[i + 1][0] != spans[i + 1][1]:
        return False  # no blank line below
    named = word_list(re.sub(r"\([^)]*\)", "", line))  # "Victoria (Australia)": its name
    if line.rstrip("\"'”’").endswith("?") and len(named) <= 40 and len(line) <= 300:
        return True
    nxt = next((j for j in range(i + 1, len(spans)) if kinds[j] not in ("blank", "meta")), None)
    if nxt is None or not (1 <= len(named) <= 2 and len(line) <= 60 and nxt in prose and line[:1].isupper()):
        return False
    if line.isupper():
        return False  # a dateline in capitals ("WASHINGTON", above "WASHINGTON (AP) — The Senate ...")
    # The text opens on its subject ("Kraków is a city ...", "The axolotl (Ambystoma mexicanum) is"):
    # a dateline ("Pittsburgh", "BAAR, SWITZERLAND") or a credit ("Staff Reports") is not named there.
    opening = {w.casefold() for w in word_list(text_of(nxt))[:_OPENING_WORDS]}
    return all(w.casefold() in opening for w in named)


def classify_lines(text: str, markdown: bool = False) -> list[Line]:
    """Label every line of `text`: article content, the title, metadata, or boilerplate."""
    dominant = dominant_script(text)
    spans = list(split_lines(text))
    table = table_rows(text, spans)
    # A byline never opens a text (its first line is the title: "Von Der Leyen Visits Kyiv").
    first_line = next((i for i, (a, b) in enumerate(spans) if a < b), 0)
    budget = [DATELINE_PARSES]

    def dated(line: str) -> bool:
        # dateparser (~15 ms a line) for the first few short lines with a year only: a long list of
        # seasons ("- 1923 season: ...") took seconds.
        if is_date_line(line):
            return True
        if budget[0] <= 0 or not maybe_dateline(line):
            return False
        budget[0] -= 1
        return is_dateline(line)

    kinds: list[str] = []
    reasons: list[str] = []
    for i, (start, end) in enumerate(spans):
        line = text[start:end]
        if start == end:
            kinds.append("blank")
            reasons.append("")
            continue
        if i in table:  # a table of the article: content, however little it reads as prose
            kinds.append("content")
            reasons.append("table")
            continue
        if dated(line) or is_url_line(line) or SOURCE_LINE.match(line) or (i > first_line and byline(line)):
            kinds.append("meta")
            reasons.append("metadata")
            continue
        reason = chrome_reason(line, dominant)
        if reason and (reason in STRONG_REASONS or not is_prose(line)):
            kinds.append("boilerplate")
            reasons.append(reason)
            continue
        kinds.append("content")
        reasons.append("")

    def text_of(j: int) -> str:
        return text[spans[j][0] : spans[j][1]]

    content_idx = [i for i, k in enumerate(kinds) if k == "content"]
    prose_idx = [i for i in content_idx if is_prose(text_of(i))]
    first_prose = prose_idx[0] if prose_idx else len(spans)
    last_prose = prose_idx[-1] if prose_idx else -1

    # The title: the first heading-like content line above the first sentence of prose (a headline
    # can be long, but it does not end like a sentence).
    title_idx: int | None = None
    for i in content_idx:
        line = text_of(i)
        if i in table:
            continue  # a table's row is no title
        if i == first_line and _own_title(line, i, spans, kinds, prose_idx, text_of):
            title_idx = i
            break
        ending = TRAILING_SYMBOLS.sub("", line[-300:])  # "... on KLOOK! 🙂" ends a sentence (the end only:
        # the pattern is quadratic on a run of tags or spaces; a 71 KB line of tags took 20 s)
        if is_prose(line) and ending.endswith((".", "!", "?", "”", '"')):
            break
        if markdown and MD_HEADING.match(line):
            title_idx = i
            break
        n = len(word_list(line))
        if n > TITLE_WORDS and is_prose(line):
            break  # a lede without its full stop, not a headline
        if 3 <= n <= TITLE_WORDS and len(line) <= 300 and not ending.endswith((".", ",", ";")):
            title_idx = i
            break
    if markdown and title_idx is None:
        for i in content_idx:
            if MD_HEADING.match(text_of(i)):
                title_idx = i
                break

    # The article starts at its first sentence of prose below the title (a repeat of the headline
    # is not the article starting).
    title_key = line_key(text_of(title_idx)) if title_idx is not None else ""
    body_prose = [i for i in prose_idx if line_key(text_of(i)) != title_key]
    first_prose = body_prose[0] if body_prose else len(spans)

    filled = [i for i, k in enumerate(kinds) if k != "blank"]
    at = {i: n for n, i in enumerate(filled)}
    signed = any(kinds[j] == "meta" and byline(text_of(j)) for j in range(min(first_prose, len(spans))))

    def names_above_date(i: int) -> bool:
        """The line is the first below the title and right above a date line (no blank between), on
        a page with no "By" line above its text: "Hannah Okafor and Tom Lindqvist" / "Published: ..."."""
        below = i + 1
        return (
            not signed
            and title_idx is not None
            and at[i] > 0
            and filled[at[i] - 1] == title_idx
            and below < len(spans)
            and kinds[below] == "meta"
            and is_date_line(text_of(below))
        )

    seen: set[str] = set()
    lines: list[Line] = []
    for i, (start, end) in enumerate(spans):
        line = text[start:end]
        kind, reason = kinds[i], reasons[i]
        if kind == "content":
            key = line_key(line)
            n = len(word_list(line))
            has_end = bool(TERMINAL.search(line))
            if i == title_idx:
                kind = "title"
            elif i in table:
                pass  # a table's rows stay the article's, at its end too
            elif i < first_prose and names_above_date(i) and named_pair(line):
                kind, reason = "meta", "byline"  # "Hannah Okafor and Tom Lindqvist" above "Published: ..."
            elif len(key) >= 20 and key in seen:
                kind, reason = "duplicate", "repeats an earlier line"
            elif i < first_prose and n < 5 and not has_end:
                # Above the article: short labels, toggles and menus of the page around it.
                kind, reason = "boilerplate", "page header"
            elif i > last_prose and not has_end and n < 8:
                # Below the article: footer links, section names, "Top".
                kind, reason = "boilerplate", "page footer"
            seen.add(key)
        lines.append(Line(start, end, line, kind, reason))
    return lines


def link_text(lines: list[Line], starts: frozenset[int]) -> list[Line]:
    """`lines` with the content lines that start at `starts` (lines that are mostly link text: a
    menu, related stories) labelled boilerplate, as the rules label chrome."""
    if not starts:
        return lines
    marked = [x.kind == "content" and x.start in starts for x in lines]
    return [replace(x, kind="boilerplate", reason="link text") if m else x for x, m in zip(lines, marked, strict=True)]


def article_regions(lines: list[Line]) -> tuple[tuple[int, int], ...]:
    """Maximal runs of content lines (blank lines allowed inside, nothing dropped inside). The title
    is not among them: it is the citation's metadata, shown with every excerpt; as article text it
    was cited alone (a headline separated from the text by its date line) and highlighted as the
    answer ("Browns player on Rudolph's role in fight: He asked for it")."""
    regions: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for line in lines:
        if line.kind == "blank":
            continue
        if line.kind == "content":
            cur = (cur[0], line.end) if cur else (line.start, line.end)
        else:
            if cur:
                regions.append(cur)
            cur = None
    if cur:
        regions.append(cur)
    return tuple(regions)
