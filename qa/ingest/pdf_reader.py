"""PDFs: the text layer, page by page, by PDFium (pypdfium2), without running headers and footers.

A news article printed to PDF from a browser carries the browser's header and footer on every page
(date and time, the page title, the URL, "1/3"). A line that recurs at the top or the bottom of most
pages, digits aside, is such a running line and is dropped. A PDF wraps each paragraph at the
margin, so lines that run to the page's usual full width are joined to the next one with a space
(`paragraphs`). The pages' paragraphs, a blank line between pages, are the document text citations
slice (`qa text SOURCE`); the line rules of plain text (qa/ingest/lines.py) find its article regions
and metadata. `page_starts`: where each page begins in it, for a citation's `pages`.

A paragraph whose characters lie mostly under the page's link annotations (a browser prints each
link as one) is a menu, a list of related stories or a teaser: link density, the oldest signal of
boilerplate on the web (boilerpipe, jusText), which a PDF keeps and text copied from a page loses. Such
paragraphs stay in the text but are not article regions (`analyse(..., links=...)`).

Refused with a one-line reason: a file that does not start like a PDF, an encrypted PDF that opens
only with a password, a malformed one, one with no pages, and a scanned one with no text layer.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import replace
from typing import Any

from qa.errors import UnreadableFileError
from qa.ingest.pdf_layout import CONTROL, Shape, continues, drop_caps, pushed_down, shape_of, usual

FORMAT = "pdf"
EDGE_LINES = 3  # lines at each end of a page that may be running headers or footers
_DIGITS = re.compile(r"\d+")
_BREAK_HYPHEN = {0xFFFE: "-", 0x02: "-"}
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]」』）】]*\s*$")
# A title that is a file's name or address, not the document's ("Microsoft Word - report.docx",
# "untitled", "file:///tmp/page.html?i10c...": a browser titles a page without <title> by its URL).
_FILE_NAME = re.compile(
    r"^(?:microsoft \w+ - |untitled\b|[a-z][a-z0-9+.-]*://)|\.(?:docx?|odt|rtf|pdf|txt|html?|pages|indd|pptx?|xlsx?)$",
    re.IGNORECASE,
)


def _key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split())).casefold()


# A browser's print header (Chromium: "12/6/26, 12:40 PM <the page's title>") and footer ("<URL>
# 1/3"), known by their form: a one-page print has nothing for them to recur on.
_PRINT_HEADER = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?: ?[AP]M)?(?: \S.*)?$", re.IGNORECASE)
_PRINT_FOOTER = re.compile(r"^(?:https?|file)://\S+ \d+/\d+$")


def running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines that recur near the top or bottom of at least half the pages (of two or more),
    and of a browser's print header and footer at a page's top or bottom, on any number of pages."""
    seen: Counter[str] = Counter()
    printed: set[str] = set()
    for lines in pages:
        edge = [x for x in lines[:EDGE_LINES] + lines[-EDGE_LINES:] if x.strip()]
        seen.update({_key(x) for x in edge})
        printed |= {_key(x) for x in edge if _PRINT_HEADER.match(x.strip()) or _PRINT_FOOTER.match(x.strip())}
    if len(pages) < 2:
        return printed
    return printed | {k for k, n in seen.items() if n >= max(2, (len(pages) + 1) // 2)}


FULL_LINE = 0.8  # a line at least this share of the page's usual full width was wrapped, not ended
# A paragraph with more than this share of its (non-space) characters under link annotations is link
# text, not article (shared news pages printed by Chromium, README: F1 flat from 0.5 to 0.9).
LINK_SHARE = 0.5


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def paragraphs(lines: list[str]) -> list[str]:
    """A page's visual lines joined back into paragraphs: a line that runs (nearly) to the margin, the
    page's usual full line width (the 90th percentile of its lines' widths, a wide CJK character
    counting two), goes on on the next; a line of under six words (two wide characters one) is no prose."""
    return [_join([lines[i] for i in group]) for group in _groups(lines)[0]]


def _unspaced(ch: str) -> bool:
    """A wide character of a script written without spaces (Chinese, Japanese); Korean is wide but
    spaces its words."""
    return _wide(ch) and not ("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f")


def _between(before: str, after: str) -> str:
    """What joins two halves of a wrapped line: nothing between Chinese or Japanese, else a space."""
    return "" if _unspaced(before[-1]) and _unspaced(after[0]) else " "


def _join(lines: list[str]) -> str:
    """Wrapped lines as one paragraph: Japanese and Chinese wrap without a space between the halves,
    other scripts at a space."""
    text = lines[0]
    for line in lines[1:]:
        text += _between(text, line) + line
    return text


def _groups(lines: list[str], shapes: list[Shape] | None = None) -> tuple[list[list[int]], bool]:
    """The line numbers of each of `paragraphs`, and whether the last line runs to the margin (its paragraph goes on).
    `shapes`: each line's `Shape` on the page, when its characters' boxes are known: a line also
    wraps when the next line's first word would not have fitted in the room left at its end (a long
    word pushed down: 'began dating. "My' | 'partner to whom I am married')."""
    if not lines:
        return [], False
    wide = [sum(1 for ch in line if _wide(ch)) for line in lines]
    widths = [len(line) + n for line, n in zip(lines, wide, strict=True)]
    full = FULL_LINE * usual(widths)
    pushed = pushed_down(shapes) if shapes is not None else [False] * len(lines)
    out: list[list[int]] = []
    joining = False
    for i, (line, width, n) in enumerate(zip(lines, widths, wide, strict=True)):
        if joining and out:
            out[-1].append(i)
        else:
            out.append([i])
        # (pushed: not after a sentence's end, where a new paragraph may start)
        pushed_here = pushed[i] and not _SENTENCE_END.search(line)
        joining = (width >= full or pushed_here) and len(line.split()) + n // 2 >= 6
        if joining and shapes is not None and i + 1 < len(lines):
            joining = continues(shapes[i], shapes[i + 1])
    return out, joining


# PDFium keeps global state and is not safe to call from two threads at once (pypdfium2's docs): a
# build in one process reads its PDFs one at a time.
_PDFIUM = threading.Lock()


def _link_rects(page: Any) -> list[tuple[float, float, float, float]]:
    """The (left, bottom, right, top) of each link annotation of a PDFium page."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    rects = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        try:
            rect = pdfium_c.FS_RECTF()
            if pdfium_c.FPDFAnnot_GetSubtype(annot) == pdfium_c.FPDF_ANNOT_LINK and pdfium_c.FPDFAnnot_GetRect(
                annot, ctypes.byref(rect)
            ):
                xs, ys = sorted((rect.left, rect.right)), sorted((rect.bottom, rect.top))
                rects.append((xs[0], ys[0], xs[1], ys[1]))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return rects


def _boxes(textpage: Any, text: str) -> Any:
    """Each character of `text` (the page's text range) as (left, right, bottom, top, baseline, font
    size), NaN where it has no box. PDFium's character indices include NULs that its text range leaves out; when the two
    still do not line up, every row is NaN (no geometry: the line rules fall back to counting
    characters)."""
    import ctypes

    import numpy as np
    import pypdfium2.raw as pdfium_c

    n = textpage.count_chars()
    box = [ctypes.c_double() for _ in range(4)]
    refs = [ctypes.byref(b) for b in box]
    x, y = ctypes.c_double(), ctypes.c_double()
    shown, boxes = [], np.full((n, 6), np.nan)
    for j in range(n):
        if pdfium_c.FPDFText_GetUnicode(textpage.raw, j) == 0:
            continue
        shown.append(j)
        if pdfium_c.FPDFText_GetCharBox(textpage.raw, j, *refs) and pdfium_c.FPDFText_GetCharOrigin(
            textpage.raw, j, ctypes.byref(x), ctypes.byref(y)
        ):
            boxes[j] = [*(b.value for b in box), y.value, pdfium_c.FPDFText_GetFontSize(textpage.raw, j)]
    if len(shown) != len(text):
        return np.full((len(text), 6), np.nan)
    return boxes[shown]


def _linked(boxes: Any, rects: list[tuple[float, float, float, float]]) -> list[bool]:
    """For each character (its box from `_boxes`), whether its box's centre lies under a link
    annotation; a character without a box is under none."""
    import numpy as np

    if not rects:
        return [False] * len(boxes)
    r = np.asarray(rects)
    x = (boxes[:, :1] + boxes[:, 1:2]) / 2
    y = (boxes[:, 2:3] + boxes[:, 3:4]) / 2
    under: np.ndarray = np.any((x >= r[:, 0]) & (x <= r[:, 2]) & (y >= r[:, 1]) & (y <= r[:, 3]), axis=1)
    return [bool(v) for v in under]


# No pages, no page object (PDFium's error is the last failed file's: "password" after an encrypted one)
_NO_PAGES = re.compile(rb"/Type\s*/Pages\b[^>]*/Count\s+0\b|/Count\s+0\b[^>]*/Type\s*/Pages\b")
_A_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def page_layers(source: str, raw: bytes) -> tuple[list[str], list[list[bool]], list[Any], str | None]:
    """Each page's text layer, whether each of its characters lies under a link (`_linked`), each
    character's box (`_boxes`), and the file's title; an UnreadableFileError (one line) if unread."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(raw)
        except Exception as err:  # PDFium's errors on a malformed file; none must stop a build
            if _NO_PAGES.search(raw) and not _A_PAGE.search(raw):  # PDFium loads no document without pages
                raise UnreadableFileError(source, "has no pages; export or print the article to PDF again") from None
            if "password" in str(err).lower() and b"/Encrypt" in raw:  # (the error may be an earlier file's)
                raise UnreadableFileError(source, "is an encrypted PDF; save a copy without a password") from None
            raise UnreadableFileError(source, "the PDF cannot be read (it is malformed or truncated)") from None
        try:
            pages, links, boxes = [], [], []
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                page_boxes = _boxes(textpage, text)
                linked = _linked(page_boxes, _link_rects(page))
                # one "\n" for each "\r\n" or "\r", its character's link flag and box kept with it
                keep = [not (ch == "\r" and text[k + 1 : k + 2] == "\n") for k, ch in enumerate(text)]
                pages.append("".join(ch for ch, ok in zip(text, keep, strict=True) if ok).replace("\r", "\n"))
                links.append([flag for flag, ok in zip(linked, keep, strict=True) if ok])
                boxes.append(page_boxes[keep])
                textpage.close()
                page.close()
            title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
        except Exception:
            raise UnreadableFileError(source, "the PDF cannot be read (a page is malformed)") from None
        finally:
            pdf.close()
    return pages, links, boxes, title


_OPENING = re.compile(r"^[\W_]*")  # quotes, brackets and dashes before a line's first letter


def _goes_on(text: str, line: str) -> bool:
    """Whether `line`, the first of a page, goes on with the sentence `text` (the pages before) left
    open at the margin: its first letter is lower case or of a script without case (after any opening
    quote or bracket), the sentence stopped at a comma, semicolon or dash, or the two meet inside
    Chinese or Japanese text (`_between`: nothing between them).
    (On the 90 shared pages printed by Chromium, 95 of 1,115 page breaks end a full line without a
    sentence end; those going on in upper case after no such mark are nearly all menus and headline
    lists.)"""
    first = _OPENING.sub("", line)[:1]
    caseless = first.isalpha() and not first.isupper()  # lower case, or a script without case (Korean)
    return bool(caseless or re.search(r"[,;–—-]\s*$", text[-8:]) or not _between(text, line))


def _link_share(line: str, linked: list[bool]) -> tuple[int, int]:
    """(characters under a link, characters) of one line, spaces and controls not counted."""
    shown = [flag for ch, flag in zip(line, linked, strict=True) if not ch.isspace() and not CONTROL.match(ch)]
    return sum(shown), len(shown)


def read_pdf(source: str, raw: bytes, sha256: str) -> Any:
    """The `Document` of a PDF file. Raises UnreadableFileError with a one-line reason."""
    from qa.ingest.analyse import analyse
    from qa.ingest.metadata import headline_and_site

    text, starts, links, pdf_title = pdf_text(source, raw)
    doc = analyse(source, text, sha256, links=links)
    # The file's own title first (a browser sets it to the page's <title>: it names the article on 66
    # of the 90 shared pages, the headline rules on 16), unless a word processor left a file name.
    title = pdf_title if pdf_title and not _FILE_NAME.search(pdf_title) else doc.title or pdf_title
    title, outlet = headline_and_site(title, doc.title, doc.outlet, text)
    return replace(doc, format=FORMAT, title=title, outlet=outlet, page_starts=tuple(starts))


def pdf_text(source: str, raw: bytes) -> tuple[str, list[int], frozenset[int], str | None]:
    """A PDF's document text, where each page starts in it, where its link-text paragraphs start,
    and the file's title. Raises UnreadableFileError with a one-line reason."""
    if not raw.lstrip()[:5] == b"%PDF-":
        raise UnreadableFileError(source, "is not a PDF (it does not start with %PDF-)")
    pages, links, boxes, pdf_title = page_layers(source, raw)
    # PDFium gives a hyphen drawn where a line breaks inside a word as U+FFFE (U+0002 in older
    # builds), with the two halves already joined ("coast\ufffeguard"): it is the hyphen. Other
    # control characters are not text.
    raw_lines, shares, shapes = [], [], []
    for page, flags, page_boxes in zip(pages, links, boxes, strict=True):
        at, page_lines, page_shares, page_shapes, line_boxes = 0, [], [], [], []
        xs = page.split("\n")
        for x in xs:
            page_lines.append(" ".join(CONTROL.sub(" ", x.translate(_BREAK_HYPHEN)).split()))
            page_shares.append(_link_share(x, flags[at : at + len(x)]))
            line_boxes.append(page_boxes[at : at + len(x)])
            page_shapes.append(shape_of(x, line_boxes[-1]))
            at += len(x) + 1
        raw_lines.append(drop_caps(page_lines, xs, line_boxes, pages))
        shares.append(page_shares)
        shapes.append(page_shapes)
    running = running_lines(raw_lines)
    text, goes_on = "", False
    starts: list[int] = []
    link_starts: list[int] = []
    for page_lines, page_shares, page_shapes in zip(raw_lines, shares, shapes, strict=True):
        kept = [i for i, x in enumerate(page_lines) if x and _key(x) not in running]
        groups, wrapped = _groups([page_lines[i] for i in kept], [page_shapes[i] for i in kept])
        if starts:
            # A paragraph the page break cut (its last line at the margin, no sentence end, and see
            # `_goes_on`) goes on with a space, so that its sentence is one; pages are otherwise a
            # blank line apart.
            first = page_lines[kept[groups[0][0]]] if groups else ""
            if goes_on and first and _goes_on(text, first):
                text += _between(text, first)
            else:
                text += "\n\n"
        starts.append(len(text))
        for j, group in enumerate(groups):
            text += "\n" if j else ""
            linked = sum(page_shares[kept[i]][0] for i in group)
            shown = sum(page_shares[kept[i]][1] for i in group)
            if shown and linked > LINK_SHARE * shown:
                link_starts.append(len(text))
            text += _join([page_lines[kept[i]] for i in group])
        goes_on = wrapped and not _SENTENCE_END.search(text[-16:])  # the tail: text grows page by page
    if not text.strip():
        # A page printed before it had loaded has a text layer, repeated on every page (a new user's
        # was told only to run OCR on it).
        if any(line.strip() for page in raw_lines for line in page):
            what = "has no text besides what every page repeats (a header, a footer); if scanned,"
        else:
            what = "has no text layer (a scanned PDF?);"
        raise UnreadableFileError(source, f"{what} run OCR on it first")
    return text + "\n", starts, frozenset(link_starts), pdf_title
