"""The documents of a generation: their metadata (documents.jsonl) and texts (texts.utf8)."""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import IndexInvalidError, UsageError
from qa.store.generation import read_jsonl
from qa.store.layout import DOCUMENTS_FILE, REBUILD_HINT, TEXTS_FILE


class TextStore:
    """The documents' texts as one UTF-8 file, read with `pread` a document at a time when a citation
    needs it (the last few stay decoded). The process holds no copy of the corpus's text, only the
    file's descriptor: as Python strings it would cost up to 2 bytes a character (one character beyond
    Latin-1 makes a whole `str` 2 bytes a character). Not memory-mapped: on Linux 6.x a read of 3 KB
    from a cached file mapped its whole 2 MB folio, so mapping cost about the whole file after a
    thousand questions."""

    CACHED = 32

    def __init__(self, read_bytes: Callable[[int, int], bytes], size: int) -> None:
        self._size = size
        # The cache holds the reader, not the store: no reference cycle, so the store (and with it
        # the file descriptor) goes as soon as its index does.
        self.read: Callable[[int, int], str] = functools.lru_cache(maxsize=self.CACHED)(
            functools.partial(_decode, read_bytes)
        )

    @classmethod
    def open(cls, path: Path) -> TextStore:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            size = os.fstat(fd).st_size
        except OSError:
            os.close(fd)
            raise
        store = cls(functools.partial(_pread, fd), size)
        weakref.finalize(store, os.close, fd)  # the descriptor lives as long as the store
        return store

    @classmethod
    def of(cls, texts: Sequence[str]) -> tuple[TextStore, list[tuple[int, int]]]:
        """A store holding `texts` in memory, and each one's byte range (for tests and tools)."""
        blob, ranges = encode_texts(texts)
        return cls(lambda a, b: blob[a:b], len(blob)), ranges

    def __len__(self) -> int:
        return self._size


def _decode(read_bytes: Callable[[int, int], bytes], start: int, end: int) -> str:
    return read_bytes(start, end).decode("utf-8")


def _pread(fd: int, start: int, end: int) -> bytes:
    parts, at = [], start
    while at < end:
        block = os.pread(fd, end - at, at)
        if not block:
            raise IndexInvalidError(f"The index's text file ends at byte {at}, before {end}; {REBUILD_HINT}.")
        parts.append(block)
        at += len(block)
    return b"".join(parts)


def byte_ranges(sizes: Iterable[int]) -> list[tuple[int, int]]:
    ranges, at = [], 0
    for n in sizes:
        ranges.append((at, at + n))
        at += n
    return ranges


def write_texts(path: Path, texts: Sequence[str]) -> None:
    """`texts` one after the other in UTF-8, written one at a time (never the corpus in one string)."""
    with open(path, "wb") as f:
        for t in texts:
            f.write(t.encode("utf-8"))


def encode_texts(texts: Sequence[str]) -> tuple[bytes, list[tuple[int, int]]]:
    """`texts` as one UTF-8 byte string, and the byte range of each."""
    encoded = [t.encode("utf-8") for t in texts]
    return b"".join(encoded), byte_ranges(len(e) for e in encoded)


@dataclass(frozen=True, slots=True)
class DocRecord:
    """One indexed file: its metadata, and its text read from the generation's text store."""

    source: str
    sha256: str
    title: str | None
    published: str | None
    outlet: str | None
    url: str | None
    encoding: str
    chunks: int
    author: str | None
    format: str  # "text" or "html" (see qa.ingest.document.Document)
    regions: list[list[int]]  # [start, end] character spans of article text
    characters: int  # len(text)
    story: str  # the first source of the documents telling the same story (itself if none; qa/stories.py)
    page_starts: list[int]  # a PDF's pages: where each begins in the text (empty for other formats)
    text_bytes: tuple[int, int]  # byte range of the text in texts.utf8
    store: TextStore = field(compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.store.read(*self.text_bytes)

    def describe(self) -> dict[str, Any]:
        """What `qa documents --json` prints (CITATIONS.md): `regions` are the [start, end] spans of
        the text that citations come from, `characters` the text's length."""
        return {
            "source": self.source,
            "format": self.format,
            "title": self.title,
            "published": self.published,
            "outlet": self.outlet,
            "url": self.url,
            "author": self.author,
            "characters": self.characters,
            "regions": [list(r) for r in self.regions],
            **({"pages": len(self.page_starts)} if self.page_starts else {}),
        }

    def row(self) -> dict[str, Any]:
        """The stored metadata (documents.jsonl), without the text."""
        return {f: getattr(self, f) for f in DOC_FIELDS}


DOC_FIELDS = (
    "source",
    "sha256",
    "title",
    "published",
    "outlet",
    "url",
    "encoding",
    "chunks",
    "author",
    "format",
    "regions",
    "characters",
    "story",
    "page_starts",
)


def doc_record(row: dict[str, Any], store: TextStore) -> DocRecord:
    start, end = row["text_bytes"]
    return DocRecord(**{f: row[f] for f in DOC_FIELDS}, text_bytes=(int(start), int(end)), store=store)


def documents_in(gen: Path) -> dict[str, DocRecord]:
    """The documents of one generation folder (an index's, or one shard's) and their texts only."""
    try:
        store = TextStore.open(gen / TEXTS_FILE)
        docs = [doc_record(row, store) for row in read_jsonl(gen / DOCUMENTS_FILE)]
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise IndexInvalidError(f"Cannot read the index at {gen} ({err}); {REBUILD_HINT}.") from None
    if docs and max(d.text_bytes[1] for d in docs) > len(store):
        raise IndexInvalidError(f"The text store at {gen} is shorter than its documents; {REBUILD_HINT}.")
    return {d.source: d for d in docs}


def document_text(documents: dict[str, DocRecord], source: str) -> str:
    """The text that citations of `source` slice (the file itself for .txt/.md, the extracted text of
    a page or PDF); a source not in the index is a one-line UsageError."""
    doc = documents.get(source)
    if doc is None:
        raise UsageError(f"{source} is not in the index; `qa documents` lists what is.")
    return doc.text


def describe() -> dict[str, Any]:
    """The text store's entry in the manifest."""
    return {"texts": "texts.utf8: the documents' texts in UTF-8, each at its row's text_bytes (byte range)"}
