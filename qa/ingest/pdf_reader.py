"""PDFs: the text layer, page by page, by pypdf (BSD-3-Clause), without running headers and footers.

A news article printed to PDF from a browser carries the browser's header and footer on every page
(date and time, the page title, the URL, "1/3"). A line that recurs at the top or the bottom of most
pages, digits aside, is such a running line and is dropped. A PDF wraps each paragraph at the
margin, so lines that run to the page's usual full width are joined to the next one with a space
(`paragraphs`). The pages' paragraphs, joined with a blank line between pages, are the document text
that citations slice (the same for the same
bytes; `qa text SOURCE` prints it); the line rules of plain text (qa/ingest/lines.py) then find the
article regions and the metadata in it, as they do in text copied from a whole page.
`page_starts` gives where each page begins in that text, for the `pages` of a citation.

Refused with a one-line reason: a file that does not start like a PDF, an encrypted PDF that opens
only with a password, a malformed one, and a scanned one with no text layer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

from qa.errors import UnreadableFileError

FORMAT = "pdf"
EDGE_LINES = 3  # lines at each end of a page that may be running headers or footers
_DIGITS = re.compile(r"\d+")


def _key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split())).casefold()


def running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines that recur near the top or bottom of at least half the pages (of two or more)."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        edge = {_key(x) for x in lines[:EDGE_LINES] + lines[-EDGE_LINES:] if x.strip()}
        seen.update(edge)
    return {k for k, n in seen.items() if n >= max(2, (len(pages) + 1) // 2)}


FULL_LINE = 0.8  # a line at least this share of the page's usual full width was wrapped, not ended


def paragraphs(lines: list[str]) -> list[str]:
    """A page's visual lines joined back into paragraphs: a PDF wraps each paragraph at the margin,
    so a line that runs (nearly) to the margin continues on the next one. The margin is the page's
    usual full line length (the 90th percentile of its line lengths)."""
    if not lines:
        return []
    lengths = sorted(len(x) for x in lines)
    full = FULL_LINE * lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joining = len(line) >= full and len(line.split()) >= 6
    return out


def read_pdf(source: str, raw: bytes, sha256: str) -> Any:
    """The `Document` of a PDF file. Raises UnreadableFileError with a one-line reason."""
    import io
    import logging

    import pypdf

    from qa.ingest.analyse import analyse

    if not raw.lstrip()[:5] == b"%PDF-":
        raise UnreadableFileError(source, "is not a PDF (it does not start with %PDF-)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on odd files are not the reader's
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(source, "is an encrypted PDF; save a copy without a password")
        pages = [(page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n") for page in reader.pages]
        info = reader.metadata
        pdf_title = str(info.title).strip() if info is not None and info.title else None
    except UnreadableFileError:
        raise
    except Exception as err:  # pypdf raises many kinds on malformed files; none must stop a build
        raise UnreadableFileError(source, f"the PDF cannot be read ({type(err).__name__})") from None
    lines = [[" ".join(x.split()) for x in page.split("\n")] for page in pages]
    running = running_lines(lines)
    kept_pages = ["\n".join(paragraphs([x for x in page if x and _key(x) not in running])) for page in lines]
    if not any(p.strip() for p in kept_pages):
        raise UnreadableFileError(source, "has no text layer (a scanned PDF?); run OCR on it first")
    starts, parts, at = [], [], 0
    for page in kept_pages:
        starts.append(at)
        parts.append(page)
        at += len(page) + 2
    text = "\n\n".join(parts) + "\n"
    doc = analyse(source, text, sha256)
    return replace(doc, format=FORMAT, title=doc.title or pdf_title, page_starts=tuple(starts))
