"""The article files of a corpus folder, and each one read with the reader for its format."""

from __future__ import annotations

import os
from pathlib import Path

from qa.errors import CorpusError, UnreadableFileError
from qa.ingest.analyse import analyse
from qa.ingest.decode import declared_charset, decode, sha256_bytes
from qa.ingest.document import HTML_SUFFIXES, PDF_SUFFIXES, SUFFIXES, Document, Skipped


def relative_source(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _utf8_name(name: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def list_files(root: Path, max_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """The article files under `root` (SUFFIXES), sorted; hidden files, symlinks that leave the folder,
    files over `max_bytes` and names that are not UTF-8 are skipped with a reason."""
    if not root.exists():
        raise CorpusError(f"Corpus folder {root} does not exist; create it or pass --seeds DIR.")
    if not root.is_dir():
        raise CorpusError(f"{root} is not a folder; pass the folder that holds the articles.")
    real_root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUFFIXES or path.is_dir():
            continue
        if not _utf8_name(rel.as_posix()):
            # Its name cannot be written into the index, a JSON answer or the chat; name it readably.
            shown = os.fsencode(rel.as_posix()).decode("utf-8", "backslashreplace")
            skipped.append(Skipped(shown, "has a file name that is not UTF-8; rename it to index it"))
            continue
        if path.is_symlink() and not path.exists():
            skipped.append(Skipped(rel.as_posix(), "is a broken link (what it points to does not exist)"))
            continue
        try:
            resolved = path.resolve()
            resolved.relative_to(real_root)
        except (ValueError, OSError):
            skipped.append(Skipped(rel.as_posix(), "is a link to a file outside the corpus folder"))
            continue
        if not path.is_file():
            skipped.append(Skipped(rel.as_posix(), "is not a regular file"))
            continue
        size = path.stat().st_size
        if size > max_bytes:
            reason = f"is {size:,} bytes, over the {max_bytes:,} limit (QA_MAX_FILE_BYTES raises it)"
            skipped.append(Skipped(rel.as_posix(), reason))
            continue
        files.append(path)
    return files, skipped


def read_document(path: Path, root: Path, raw: bytes | None = None) -> Document:
    """Read and analyse one file. Raises `UnreadableFileError` (the file and the reason) if it cannot
    be used: unreadable, empty, or without a line of article text (a menu, a list of links). A build
    and an upload read a file with this, so an upload is refused for what a build would skip."""
    source = relative_source(path, root)
    document = document_of(path, source, path.read_bytes() if raw is None else raw)
    if not document.regions:
        raise UnreadableFileError(source, "has no article text")
    return document


def document_of(path: Path, source: str, raw: bytes) -> Document:
    """The `Document` of a file's bytes, article text or not (`read_document` asks for some)."""
    if not raw.strip():
        raise UnreadableFileError(source, "the file is empty")
    if path.suffix.lower() in PDF_SUFFIXES:
        from qa.ingest.pdf_reader import read_pdf

        pdf: Document = read_pdf(source, raw, sha256_bytes(raw))
        return pdf
    try:
        html = path.suffix.lower() in HTML_SUFFIXES
        text, encoding = decode(raw, declared_charset(raw) if html else None)
    except CorpusError as err:
        raise UnreadableFileError(source, f"{err}") from None
    if not text.strip():  # a byte-order mark or UTF-16 white space only
        raise UnreadableFileError(source, "the file is empty")
    if path.suffix.lower() in HTML_SUFFIXES:
        from qa.ingest.html_reader import read_html

        document: Document = read_html(source, text, sha256_bytes(raw), encoding)
        return document
    return analyse(source, text, sha256_bytes(raw), encoding)
