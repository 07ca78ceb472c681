"""A `Document` from decoded text: its metadata and the regions that hold the article."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.ingest import article_lines
from qa.ingest.boilerplate import MD_HEADING, URL, word_list
from qa.ingest.bylines import byline, named_pair
from qa.ingest.document import Document
from qa.ingest.lines import Line, article_regions, classify_lines, link_text
from qa.ingest.metadata import (
    SOURCE_LINE,
    dateline_date,
    is_dated_copyright,
    is_revision_date,
    is_url_line,
    labelled,
    outlet_from_line,
    stamp_date,
)

# Where a page's date stamp stands when no date line says it: among the lines just above the
# article's first paragraph (the headline, the byline) and its first lines.
STAMP_ABOVE, STAMP_INSIDE = 8, 3
# The lines below the article's last that may still state its date (its foot: a source line, a dateline).
FOOT_LINES = 3


def _capitalised_words(name: str) -> int:
    return sum(1 for w in word_list(name) if w[0].isupper())


def _preferred_spelling(name: str, text: str) -> str:
    """The document's own capitalised spelling of an outlet name found in a lower-cased label
    ("Arirang news https://..." when the article signs off "Arirang News.")."""
    best = name
    for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE):
        variant = m.group(0)
        if not variant.isupper() and _capitalised_words(variant) > _capitalised_words(best):
            best = variant
    return best


def _article_end(article: list[Line]) -> int:
    """Where the article's last line of text ends (`article` as `article_lines.select` labels it)."""
    return max((ln.end for ln in article if ln.kind == "content"), default=0)


def _stamped(lines: list[Line], article: list[Line], end: int) -> str | None:
    """The article's date as stated next to its start: the nearest date line or date stamp
    (`stamp_date`: "Chris Davies - Nov 19, 2019, 10:31 pm CST") above its first paragraph, else among
    its first lines. Before any other date line of the page: a site header's date or clock, a footer's,
    an embedded post's stamp or an event's dates lie further away. A stamp of when the page changed
    ("Updated 1:39 am EST, Wednesday, November 20, 2019") is not when it was published. `end`: where
    the article's text ends (`_article_end`)."""
    first = next((i for i, ln in enumerate(article) if ln.kind == "content"), None)
    if first is None:
        return None
    above = [ln for ln in lines[:first] if ln.kind != "blank"][-STAMP_ABOVE:]
    inside = [ln for ln in article[first:] if ln.kind != "blank" and ln.start < end][:STAMP_INSIDE]
    for ln in [*reversed(above), *inside]:
        # (a date line in another language is read by dateparser only where the lines' classifier did)
        said = dateline_date(ln.text) if ln.kind == "meta" else None
        if not is_revision_date(ln.text) and (date := said or stamp_date(ln.text)):
            return date
    return None


def analyse(
    source: str, text: str, sha256: str, encoding: str = "utf-8", links: frozenset[int] = frozenset()
) -> Document:
    """Build a `Document` from decoded text: metadata, and the regions that hold the article.
    `links`: where lines that are mostly link text start (a PDF knows; qa/ingest/pdf_reader.py):
    chrome, as the rules' own, before the line model reads the page."""
    markdown = source.lower().endswith(".md")
    lines = link_text(classify_lines(text, markdown=markdown), links)
    article = article_lines.select(lines)  # the span of the page that is the article
    title = None
    for line in lines:
        if line.kind == "title":
            title = MD_HEADING.sub("", line.text).strip() if markdown else line.text.strip()
            break
    moved, heading = article_lines.headline(lines, article)
    if moved and not markdown:  # a whole page: the headline next to the article, not the page's first heading
        title = heading

    end = _article_end(article)
    published = _stamped(lines, article, end)
    # Below the article a date line dates it at its foot ("Source: Aboluo, August 13, 2024") or when it
    # says what its date is ("Published: Monday, November 18th, 2019"); a bare one further down is a
    # teaser's, a comment's stamp or a footer's clock ("20/11/2019 / 11:54 am").
    foot = [ln.start for ln in lines if ln.kind != "blank" and ln.start >= end][:FOOT_LINES]
    end = foot[-1] + 1 if foot else end
    url = None
    outlet = None
    author = None
    candidates: list[tuple[float, str]] = []
    for line in lines:
        if line.kind != "meta":
            continue
        by = byline(line.text) if author is None else None
        if author is None and line.reason == "byline" and (pair := named_pair(line.text)):
            by = (pair, None)
        if by:
            author = by[0]
            if by[1]:
                candidates.append((0.5, by[1]))  # after a "Source:" line, before a copyright line
        if published is None and not is_revision_date(line.text) and (line.start < end or labelled(line.text)):
            published = dateline_date(line.text)
        if url is None:
            m = URL.search(line.text)
            if m:
                url = m.group(0).rstrip(".,;")
    # Outlet: a "Source:" line first, then a byline's, then a copyright line (one with a year or "all
    # rights reserved" before a bare one), then a labelled link, then a footer.
    for line in lines:
        if line.kind not in ("meta", "boilerplate"):
            continue
        name = outlet_from_line(line.text)
        if not name:
            continue
        if SOURCE_LINE.match(line.text):
            rank = 0
        elif "©" in line.text or "copyright" in line.text.lower():
            rank = 1 if is_dated_copyright(line.text) else 2
        elif is_url_line(line.text):
            rank = 3
        else:
            rank = 4
        candidates.append((rank, name))
    if candidates:
        outlet = _preferred_spelling(min(candidates, key=lambda c: c[0])[1], text)

    return Document(
        source=source,
        text=text,
        sha256=sha256,
        title=title,
        published=published,
        outlet=outlet,
        url=url,
        author=author,
        encoding=encoding,
        regions=article_regions(_headline_out(article, heading if moved and not markdown else None)),
    )


def _headline_out(article: list[Line], headline: str | None) -> list[Line]:
    """The article's lines with its headline (found beside it, `article_lines.headline`) as the title it
    is, not article text: cited alone, a printed page's headline was highlighted as the answer ("South
    Dakota governor doubles down on 'meth, we're on it' anti-drug campaign", a new user's)."""
    if not headline:
        return article
    return [replace(ln, kind="title") if ln.kind == "content" and ln.text.strip() == headline else ln for ln in article]
