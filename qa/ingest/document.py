"""What ingestion produces: a `Document` per usable file, a `Skipped` per file left out, and the file
types read."""

from __future__ import annotations

from dataclasses import dataclass, field

# Plain text (the file is the document text) and saved web pages (qa/ingest/html_reader.py: the article
# text trafilatura extracts is the document text).
TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)  # qa/ingest/pdf_reader.py: the text layer without running headers and footers
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES


def suffix_list(last: str = "or") -> str:
    """The suffixes read, for messages: ".txt, .md, .html, .htm or .pdf"."""
    return f"{', '.join(SUFFIXES[:-1])} {last} {SUFFIXES[-1]}"


@dataclass(frozen=True)
class Document:
    """One source file, decoded, with its metadata and the character spans of its article text."""

    source: str  # path relative to the corpus folder, "/"-separated
    text: str
    sha256: str  # of the raw bytes on disk
    title: str | None = None
    published: str | None = None  # ISO YYYY-MM-DD
    outlet: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    # Maximal runs of article lines with no dropped line inside: chunks never cross them.
    regions: tuple[tuple[int, int], ...] = field(default=())
    author: str | None = None
    format: str = "text"  # "text" (.txt/.md: the file itself), "html" or "pdf" (the extracted text)
    page_starts: tuple[int, ...] = ()  # a PDF's pages: where each begins in `text`


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (shown to the user as a warning)."""

    source: str
    reason: str
