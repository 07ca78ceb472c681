"""PDFs: the text layer, page by page, by PDFium (pypdfium2), without running headers and footers.

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
import threading
import unicodedata
from collections import Counter
from dataclasses import replace
from typing import Any

from qa.errors import UnreadableFileError

FORMAT = "pdf"
EDGE_LINES = 3  # lines at each end of a page that may be running headers or footers
_DIGITS = re.compile(r"\d+")
_BREAK_HYPHEN = {0xFFFE: "-", 0x02: "-"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\uffff]")


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


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def paragraphs(lines: list[str]) -> list[str]:
    """A page's visual lines joined back into paragraphs: a PDF wraps each paragraph at the margin,
    so a line that runs (nearly) to the margin continues on the next one. The margin is the page's
    usual full line width (the 90th percentile of its lines' widths, a wide CJK character counting
    two), and a line of fewer than six words (two wide characters making one) is not wrapped prose."""
    if not lines:
        return []
    wide = [sum(1 for ch in line if _wide(ch)) for line in lines]
    widths = [len(line) + n for line, n in zip(lines, wide, strict=True)]
    lengths = sorted(widths)
    full = FULL_LINE * lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    out: list[str] = []
    joining = False
    for line, width, n in zip(lines, widths, wide, strict=True):
        if joining and out:
            # Japanese and Chinese wrap without a space between the halves; other scripts at a space.
            out[-1] += ("" if _wide(out[-1][-1]) and _wide(line[0]) else " ") + line
        else:
            out.append(line)
        joining = width >= full and len(line.split()) + n // 2 >= 6
    return out


# PDFium keeps global state and is not safe to call from two threads at once (pypdfium2's docs): a
# build in one process reads its PDFs one at a time.
_PDFIUM = threading.Lock()


def page_texts(source: str, raw: bytes) -> tuple[list[str], str | None]:
    """Each page's text layer by PDFium (Chromium's PDF engine, through pypdfium2), and the file's
    title. Raises UnreadableFileError with a one-line reason."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(raw)
        except Exception as err:  # PDFium's errors on a malformed file; none must stop a build
            if "password" in str(err).lower():
                raise UnreadableFileError(source, "is an encrypted PDF; save a copy without a password") from None
            raise UnreadableFileError(source, "the PDF cannot be read (it is malformed or truncated)") from None
        try:
            pages = []
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
                textpage.close()
                page.close()
            title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
        except Exception:
            raise UnreadableFileError(source, "the PDF cannot be read (a page is malformed)") from None
        finally:
            pdf.close()
    return pages, title


def read_pdf(source: str, raw: bytes, sha256: str) -> Any:
    """The `Document` of a PDF file. Raises UnreadableFileError with a one-line reason."""
    from qa.ingest.analyse import analyse

    if not raw.lstrip()[:5] == b"%PDF-":
        raise UnreadableFileError(source, "is not a PDF (it does not start with %PDF-)")
    pages, pdf_title = page_texts(source, raw)
    # PDFium gives a hyphen drawn where a line breaks inside a word as U+FFFE (U+0002 in older
    # builds), with the two halves already joined ("coast\ufffeguard"): it is the hyphen. Other
    # control characters are not text.
    lines = [
        [" ".join(_CONTROL.sub(" ", x.translate(_BREAK_HYPHEN)).split()) for x in page.split("\n")] for page in pages
    ]
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
