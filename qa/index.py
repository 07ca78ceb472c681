"""The index on disk: one folder per generation, published atomically, checked on load.

Layout under the index folder (default `embeddings/`)::

    CURRENT            the name of the live generation; replaced with one atomic os.replace
    gen-*/             manifest.json, index.faiss, chunks.npy, documents.jsonl, texts.utf8,
                       sentences.npy, sentence_vectors.npy, sentence_scales.npy, bm25/
    .lock              held by the one `qa index` that may write

A build writes a complete generation into a temporary folder beside the live one, fsyncs it, renames
it to its final name and only then flips `CURRENT`. A reader therefore sees the old index or the new
one, never a mix; a build that dies leaves the old one serving. `qa index` is incremental: files whose
sha256 is unchanged keep their chunks and vectors, and a run with nothing changed reads only the
manifest and the files' bytes (no model, no torch, no FAISS).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from qa import article_lines, stories
from qa.chunking import Chunk, Chunker, line_of, sentence_spans
from qa.config import Settings
from qa.errors import CorpusError, IndexInvalidError, IndexMissingError, UsageError
from qa.sources import Document, Skipped, list_files, read_document, relative_source, sha256_bytes

if TYPE_CHECKING:
    import numpy as np

    from qa.embedder import Embedder

# 7: documents.jsonl rows carry author, format, characters, article regions, story and page starts.
FORMAT_VERSION = 7
# Bump when the rules in sources.py or chunking.py change what a file becomes: every file is then
# re-chunked and re-embedded on the next `qa index`. 3: the line model of whole-page text
# (article_lines.py; its weights' fingerprint is part of the key too) and PDF paragraphs.
INGEST_VERSION = 3
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
FAISS_FILE = "index.faiss"
CHUNKS_FILE = "chunks.npy"
DOCUMENTS_FILE = "documents.jsonl"
TEXTS_FILE = "texts.utf8"
SENTENCES_FILE = "sentences.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_SCALES = "sentence_scales.npy"
BM25_PASSAGES = "bm25/passages"
BM25_SENTENCES = "bm25/sentences"
# Files every generation must have (bm25s writes several files into each of its folders; all of them
# are listed with their checksums in the manifest).
DATA_FILES = (FAISS_FILE, CHUNKS_FILE, DOCUMENTS_FILE, TEXTS_FILE, SENTENCES_FILE, SENTENCE_VECTORS, SENTENCE_SCALES)
# Up to this many passages the FAISS index is exact (flat, float32); above it, an inverted file
# (IVF) over 8-bit codes: approximate, its recall@10 against flat measured by bench/. Flat search
# over 50k x 384 floats is a few ms. HNSW was measured and dropped: at 111k synthetic passages (many
# exact and near duplicates, as syndicated news has) its recall@10 stayed at .83-.91 for efSearch
# 128-1024 (M 32), .975 even with duplicates removed; IVF with 1/16 of its lists probed: .991.
FLAT_LIMIT = 50_000
# The IVF index's 8-bit codes cover [-UNIT_RANGE, UNIT_RANGE] in 255 equal steps: every component of a
# unit vector lies in [-1, 1], so nothing is clipped and no training data sets the scale. On the SQuAD
# subset `qa eval` moved by one question's rank (MRR@10 .943 -> .942), hit@1/hit@3/evidence@1 the same.
UNIT_RANGE = 1.0
# Lists: 4 x sqrt(N) (FAISS's guidance is 4-16 x sqrt(N)), but at least 39 training points per list.
IVF_LISTS_PER_SQRT_N = 4
IVF_MIN_POINTS_PER_LIST = 39
# A question probes this share of the lists (1/16: ~7k of 111k vectors scanned, well under 1 ms).
IVF_PROBE_DIVISOR = 16
# Sentence vectors are stored as 6-bit codes (-31..31, four packed into three bytes, see pack6) with one scale per
# row: 3/16 of float32. Measured on the SQuAD subset against the int8 codes they replace: hit@1 .908 and
# MRR@10 .943 the same, hit@3 .982 -> .983, evidence@1 .811 -> .813, false abstention .006 -> .004;
# 5 bits cost 0.2 points of hit@1 and 4 bits also 0.2 of hit@3. A big file is memory-mapped, so a
# corpus costs memory only for the rows its questions touch.
SENTENCE_LEVELS = 31
SENTENCES_IN_RAM_BYTES = 32 * 1024 * 1024

REBUILD_HINT = "run `qa index` to rebuild it"


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    up_to_date: bool = False

    def summary(self) -> str:
        files = len(self.added) + len(self.changed) + len(self.unchanged)
        if self.up_to_date:
            return f"Index {self.index_dir} is up to date: {files} files, {self.chunks} chunks."
        return (
            f"Indexed {files} files into {self.index_dir} in {self.seconds:.1f} s: "
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks} chunks."
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the HTTP API's /rebuild answer)."""
        return {
            "summary": self.summary(),
            "index_dir": str(self.index_dir),
            "up_to_date": self.up_to_date,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BuildReport:
        """The report `to_dict` gave (a build in a worker process sends it back so)."""
        return cls(
            Path(d["index_dir"]),
            added=list(d["added"]),
            changed=list(d["changed"]),
            removed=list(d["removed"]),
            unchanged=list(d["unchanged"]),
            skipped=[Skipped(s["source"], s["reason"]) for s in d["skipped"]],
            chunks=int(d["chunks"]),
            seconds=float(d["seconds"]),
            up_to_date=bool(d["up_to_date"]),
        )


# --------------------------------------------------------------------------------------------------
# Small file helpers


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        _fsync_file(path)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time; readers never take it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------------
# Reading an index


def generation_dir(index_dir: Path) -> Path:
    """The live generation of `index_dir` (or `index_dir` itself if it is a generation)."""
    index_dir = Path(index_dir)
    if (index_dir / MANIFEST).is_file():
        return index_dir
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexMissingError(f"No index at {index_dir}; run `qa index` to build it from seeds/.")
    name = pointer.read_text(encoding="utf-8").strip()
    gen = index_dir / name
    if not name or "/" in name or not (gen / MANIFEST).is_file():
        raise IndexInvalidError(f"The index at {index_dir} is incomplete (CURRENT -> {name!r}); {REBUILD_HINT}.")
    return gen


def read_manifest(gen: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexInvalidError(f"Cannot read {gen / MANIFEST} ({err}); {REBUILD_HINT}.") from None
    if not isinstance(manifest, dict):
        raise IndexInvalidError(f"{gen / MANIFEST} is not a manifest; {REBUILD_HINT}.")
    return manifest


def check_format(manifest: dict[str, Any], gen: Path) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexInvalidError(
            f"The index at {gen} has format {manifest.get('format_version')!r}, this qa reads "
            f"{FORMAT_VERSION}; {REBUILD_HINT}."
        )


def check_manifest(manifest: dict[str, Any], gen: Path, settings: Settings, dimension: int) -> None:
    """Refuse an index of another format, model or dimension, or one whose files do not match."""
    check_format(manifest, gen)
    model = manifest.get("model")
    if not isinstance(model, dict):  # a hand-edited or damaged manifest must not crash the check
        model = {}
    if (
        model.get("name") != settings.model_name
        or model.get("dimension") != dimension
        or model.get("backend", "torch") != settings.backend
    ):
        raise IndexInvalidError(
            f"The index at {gen} was built with {model.get('name')} ({model.get('dimension')} dims, "
            f"{model.get('backend', 'torch')}), not {settings.model_name} ({dimension} dims, {settings.backend}); "
            f"{REBUILD_HINT}."
        )
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict):
        checksums = {}
    for name in sorted(set(DATA_FILES) | set(checksums)):
        if not isinstance(name, str) or name.startswith("/") or ".." in name.split("/"):
            raise IndexInvalidError(f"{gen / MANIFEST} lists a file outside its folder; {REBUILD_HINT}.")
        path = gen / name
        if not path.is_file():
            raise IndexInvalidError(f"The index file {path} is missing; {REBUILD_HINT}.")
        if checksums.get(name) != _sha256_file(path):
            raise IndexInvalidError(f"The index file {path} is damaged (checksum mismatch); {REBUILD_HINT}.")


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


def encode_texts(texts: Sequence[str]) -> tuple[bytes, list[tuple[int, int]]]:
    """`texts` as one UTF-8 byte string, and the byte range of each."""
    encoded = [t.encode("utf-8") for t in texts]
    ranges, at = [], 0
    for e in encoded:
        ranges.append((at, at + len(e)))
        at += len(e)
    return b"".join(encoded), ranges


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
    format: str  # "text" or "html" (see qa.sources.Document)
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
        return {f: getattr(self, f) for f in _DOC_FIELDS}


_DOC_FIELDS = (
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


def quantize_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """6-bit codes packed four to three bytes, and one float32 scale per row: entry j of row i is about
    `(code - 32) * scales[i]`, code in 1..63. Re-quantizing decoded rows gives the same codes (the
    largest entry maps to +-31 again), so reusing vectors across incremental builds loses nothing."""
    import numpy as np

    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(len(x), x.shape[-1] if x.ndim > 1 else -1)
    scales = (np.abs(x).max(axis=1) / SENTENCE_LEVELS).astype(np.float32) if len(x) else np.zeros(0, np.float32)
    safe = np.where(scales > 0, scales, 1.0).astype(np.float32)
    levels = np.clip(np.rint(x / safe[:, None]), -SENTENCE_LEVELS, SENTENCE_LEVELS).astype(np.int16)
    return pack6((levels + 32).astype(np.uint8)), scales


def packed_width(dimension: int) -> int:
    """Bytes per row of `dimension` 6-bit codes (padded to a multiple of four codes)."""
    return -(-dimension // 4) * 3


def pack6(codes: np.ndarray) -> np.ndarray:
    """Rows of codes 0..63 (uint8) as 6-bit fields, four codes in three bytes, in planes: with the
    (zero-padded) row cut into quarters A, B, C, D of g codes, the packed row is
    [A << 2 | B >> 4,  (B & 15) << 4 | C >> 2,  (C & 3) << 6 | D], each plane g bytes. Planes make
    unpacking a few operations on contiguous slices (0.26 ms for 1,300 rows of 384; 0.8 ms with the
    three bytes of a group side by side)."""
    import numpy as np

    n, d = codes.shape
    g = -(-d // 4)
    c = np.zeros((n, 4 * g), np.uint8)
    c[:, :d] = codes
    a, b, c3, d4 = c[:, :g], c[:, g : 2 * g], c[:, 2 * g : 3 * g], c[:, 3 * g :]
    out = np.empty((n, 3 * g), np.uint8)
    out[:, :g] = (a << 2) | (b >> 4)
    out[:, g : 2 * g] = ((b & 15) << 4) | (c3 >> 2)
    out[:, 2 * g :] = ((c3 & 3) << 6) | d4
    return out


def unpack6(packed: np.ndarray, dimension: int) -> np.ndarray:
    """The first `dimension` codes (uint8, 0..63) of each row of `pack6` output."""
    import numpy as np

    p = np.asarray(packed, dtype=np.uint8)
    n, g = len(p), p.shape[1] // 3
    p0, p1, p2 = p[:, :g], p[:, g : 2 * g], p[:, 2 * g :]
    out = np.empty((n, 4 * g), np.uint8)
    np.right_shift(p0, 2, out=out[:, :g])
    b = out[:, g : 2 * g]
    np.bitwise_and(p0, 3, out=b)
    b <<= 4
    b |= p1 >> 4
    c = out[:, 2 * g : 3 * g]
    np.bitwise_and(p1, 15, out=c)
    c <<= 2
    c |= p2 >> 6
    np.bitwise_and(p2, 63, out=out[:, 3 * g :])
    return out[:, :dimension]


def dequantize_rows(packed: np.ndarray, scales: np.ndarray, dimension: int) -> np.ndarray:
    import numpy as np

    levels = unpack6(packed, dimension).astype(np.float32) - 32.0
    return levels * np.asarray(scales, dtype=np.float32)[:, None]


class ChunkTable(Sequence[Chunk]):
    """The passages of a generation as one integer array (int64 on disk, int32 in memory), columns
    (document number, start, end, first line, last line). A `Chunk` is made when asked for, its text a
    slice of its document's, so a large index holds no second copy of its text and no object per
    passage."""

    def __init__(self, rows: np.ndarray, docs: list[DocRecord]) -> None:
        self.rows = rows
        self.docs = docs

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        d, start, end, first, last = (int(v) for v in self.rows[i])
        doc = self.docs[d]
        return Chunk(doc.source, start, end, first, last, doc.text[start:end])

    def place(self, i: int) -> Place:
        """Where passage `i` lies, without reading its text (ranking and merging need no more)."""
        d, start, end = (int(v) for v in self.rows[i, :3])
        return Place(self.docs[d].source, start, end)


class Place(NamedTuple):
    source: str
    start: int
    end: int


@dataclass
class IndexData:
    """A loaded, verified index generation: everything a query needs, in memory."""

    path: Path
    manifest: dict[str, Any]  # without its per-file tables (files, skipped, checksums)
    documents: dict[str, DocRecord]
    chunks: ChunkTable
    faiss: Any  # faiss.Index over passages
    sentences: Any  # np.ndarray (S, 3) int32: document number, start, end; sorted
    sentence_codes: Any  # np.ndarray (S, packed_width(d)) uint8, memory-mapped when large (quantize_rows)
    sentence_scales: Any  # np.ndarray (S,) float32
    chunk_doc: Any  # np.ndarray: document number of each passage
    passage_sentences: tuple[Any, Any]  # CSR (indptr, sentence ids): the sentences inside each passage
    lexical: Any  # qa.lexical.Lexical over passages
    sentence_lexical: Any  # qa.lexical.Lexical over sentences

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])

    @property
    def sentence_sources(self) -> list[str]:
        """The source of each sentence (made on each call; for tools and tests)."""
        return [self.chunks.docs[int(d)].source for d in self.sentences[:, 0]]

    def sentence_cosines(self, ids: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Cosine of sentences `ids` with the unit vector `q`."""
        from qa.engine import inner_products

        # (levels . q) * scale with levels = codes - 32, without a float copy of the levels
        codes = unpack6(self.sentence_codes[ids], len(q))
        cosines: np.ndarray = (inner_products(codes, q) - 32.0 * float(q.sum())) * self.sentence_scales[ids]
        return cosines


_KEY = 1 << 40  # document number * _KEY + character offset: one sortable int64 per position


def expand_runs(starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of runs `starts[i] .. starts[i] + lens[i] - 1`, concatenated, and for each
    position the number i of its run (no Python loop over the runs)."""
    import numpy as np

    flat = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return flat, np.repeat(np.arange(len(lens)), lens)


def passage_sentences(rows: np.ndarray, sentences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, sentence ids) of the sentences lying inside each passage. Both arrays are sorted by
    document, then start; a passage's sentences are then a run of those starting inside it, of which
    those that also end inside it count."""
    import numpy as np

    n = len(rows)
    if n == 0 or len(sentences) == 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    rows, sentences = rows.astype(np.int64, copy=False), sentences.astype(np.int64, copy=False)  # * _KEY
    s_start = sentences[:, 0] * _KEY + sentences[:, 1]
    s_end = sentences[:, 0] * _KEY + sentences[:, 2]
    lo = np.searchsorted(s_start, rows[:, 0] * _KEY + rows[:, 1], "left")
    hi = np.searchsorted(s_start, rows[:, 0] * _KEY + rows[:, 2], "left")
    flat, owner = expand_runs(lo, hi - lo)
    keep = s_end[flat] <= (rows[owner, 0] * _KEY + rows[owner, 2])
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, owner[keep] + 1, 1)
    return np.cumsum(indptr), flat[keep].astype(np.int64)


def _doc_record(row: dict[str, Any], store: TextStore) -> DocRecord:
    start, end = row["text_bytes"]
    return DocRecord(**{f: row[f] for f in _DOC_FIELDS}, text_bytes=(int(start), int(end)), store=store)


def load_documents(index_dir: Path) -> dict[str, DocRecord]:
    """The live generation's documents and their texts only, without vectors or the model's checks
    (`qa text`, `qa documents`: what the index holds, whatever model built it)."""
    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    check_format(manifest, gen)
    try:
        store = TextStore.open(gen / TEXTS_FILE)
        docs = [_doc_record(row, store) for row in _read_jsonl(gen / DOCUMENTS_FILE)]
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


def load_index(index_dir: Path, settings: Settings, dimension: int) -> IndexData:
    """Open and verify the live generation. Raises IndexMissingError / IndexInvalidError."""
    import faiss
    import numpy as np

    from qa.lexical import Lexical

    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    check_manifest(manifest, gen, settings, dimension)
    try:
        store = TextStore.open(gen / TEXTS_FILE)
        docs = [_doc_record(row, store) for row in _read_jsonl(gen / DOCUMENTS_FILE)]
        rows = np.load(gen / CHUNKS_FILE, allow_pickle=False)
        index = faiss.read_index(str(gen / FAISS_FILE))
        codes = np.load(gen / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
        if codes.nbytes <= SENTENCES_IN_RAM_BYTES:
            codes = np.array(codes)
        scales = np.load(gen / SENTENCE_SCALES, allow_pickle=False)
        sentences = np.load(gen / SENTENCES_FILE, allow_pickle=False)
        lexical = Lexical.load(gen / BM25_PASSAGES, size=len(rows))
        sentence_lexical = Lexical.load(gen / BM25_SENTENCES, size=len(sentences))
    except (OSError, ValueError, TypeError, RuntimeError, KeyError) as err:
        raise IndexInvalidError(f"Cannot read the index at {gen} ({err}); {REBUILD_HINT}.") from None
    if docs and max(d.text_bytes[1] for d in docs) > len(store):
        raise IndexInvalidError(f"The text store at {gen} is shorter than its documents; {REBUILD_HINT}.")
    if rows.ndim != 2 or rows.shape[1] != 5 or (len(rows) and (rows[:, 0].min() < 0 or rows[:, 0].max() >= len(docs))):
        raise IndexInvalidError(f"The passage table at {gen} does not match its documents; {REBUILD_HINT}.")
    if index.ntotal != len(rows) or index.d != dimension:
        raise IndexInvalidError(
            f"The index at {gen} holds {index.ntotal} vectors for {len(rows)} chunks; {REBUILD_HINT}."
        )
    if (
        sentences.ndim != 2
        or sentences.shape[1] != 3
        or codes.shape != (len(sentences), packed_width(dimension))
        or codes.dtype != np.uint8
        or scales.shape != (len(sentences),)
        or (len(sentences) and (sentences[:, 0].min() < 0 or sentences[:, 0].max() >= len(docs)))
    ):
        raise IndexInvalidError(f"The sentence index at {gen} is out of step with its vectors; {REBUILD_HINT}.")
    documents = {d.source: d for d in docs}
    membership = passage_sentences(rows, sentences)
    # Held as int32 (offsets, line and row numbers all fit): half the memory of the stored int64.
    rows, sentences = rows.astype(np.int32), sentences.astype(np.int32)
    if hasattr(index, "nprobe"):
        ivf: Any = index
        ivf.nprobe = ivf_probes(ivf.nlist)
        ivf.make_direct_map()  # reconstruct_batch of the candidates (exact cosines)
    # What a query needs of the manifest; its per-file tables (large for a large corpus) are for builds.
    kept = {k: v for k, v in manifest.items() if k not in ("files", "skipped", "checksums")}
    return IndexData(
        gen,
        kept,
        documents,
        ChunkTable(rows, docs),
        index,
        sentences,
        codes,
        scales.astype(np.float32),
        rows[:, 0],
        (membership[0].astype(np.int32), membership[1].astype(np.int32)),
        lexical,
        sentence_lexical,
    )


# --------------------------------------------------------------------------------------------------
# Building


def _settings_key(settings: Settings, dimension: int) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "ingest_version": INGEST_VERSION,
        "line_model": article_lines.fingerprint(),
        "model": {"name": settings.model_name, "dimension": dimension, "backend": settings.backend},
        "chunking": settings.chunking(),
        "passage_vectors": settings.passage_vectors,
    }


def _previous(index_dir: Path, settings: Settings, dimension: int) -> tuple[Path, dict[str, Any]] | None:
    """The live generation if it is valid and built with the same settings, else None (full build)."""
    try:
        gen = generation_dir(index_dir)
        manifest = read_manifest(gen)
        check_manifest(manifest, gen, settings, dimension)
    except (IndexMissingError, IndexInvalidError):
        return None
    key = _settings_key(settings, dimension)
    if any(manifest.get(k) != v for k, v in key.items()):
        return None
    return gen, manifest


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    dimension: int,
    count_tokens: Callable[[str], int] | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> BuildReport:
    """Build or update the index of `settings.seeds_dir` in `settings.index_dir`.

    `embedder_factory` is called only if some file needs embedding, so an up-to-date index costs no
    model load. Raises CorpusError for an unusable corpus; the previous index is then untouched.
    """
    t0 = time.perf_counter()
    seeds, index_dir = Path(settings.seeds_dir), Path(settings.index_dir)
    paths, skipped = list_files(seeds, settings.max_file_bytes)
    raw_by_source: dict[str, bytes] = {}
    for path in paths:
        try:
            raw_by_source[relative_source(path, seeds)] = path.read_bytes()
        except OSError as err:
            skipped.append(Skipped(relative_source(path, seeds), f"cannot be read ({err.strerror})"))
    shas = {src: sha256_bytes(raw) for src, raw in raw_by_source.items()}
    # The same bytes under another name are indexed once (the first name in sorted order), as an upload
    # of an article already there is refused: otherwise one answer cites the same text twice.
    first_with: dict[str, str] = {}
    for src in sorted(raw_by_source):
        if not raw_by_source[src].strip():
            continue  # empty files are skipped as empty below, not as copies of each other
        original = first_with.setdefault(shas[src], src)
        if original != src:
            skipped.append(Skipped(src, f"has the same content as {original}"))
            del raw_by_source[src], shas[src]

    with _build_lock(index_dir):
        prev = _previous(index_dir, settings, dimension)
        prev_files: dict[str, Any] = prev[1].get("files", {}) if prev else {}
        prev_skipped: dict[str, Any] = prev[1].get("skipped", {}) if prev else {}
        if (
            prev
            and all(
                prev_files.get(s, {}).get("sha256") == sha or prev_skipped.get(s, {}).get("sha256") == sha
                for s, sha in shas.items()
            )
            and set(prev_files) | set(prev_skipped) == set(shas)
        ):
            skipped += [Skipped(s, v["reason"]) for s, v in prev_skipped.items()]
            return BuildReport(
                index_dir,
                unchanged=sorted(prev_files),
                skipped=skipped,
                chunks=int(prev[1]["counts"]["chunks"]),
                seconds=time.perf_counter() - t0,
                up_to_date=True,
            )

        # Read and analyse every file that is new or changed.
        added: list[str] = []
        changed: list[str] = []
        unchanged: list[str] = []
        new_docs: dict[str, Document] = {}
        skip_records: dict[str, dict[str, str]] = {}
        for src, raw in raw_by_source.items():
            if prev_files.get(src, {}).get("sha256") == shas[src]:
                unchanged.append(src)
                continue
            try:
                doc = read_document(seeds / src, seeds, raw=raw)
            except CorpusError as err:
                reason = str(err).split(": ", 1)[-1]
                skipped.append(Skipped(src, reason))
                skip_records[src] = {"sha256": shas[src], "reason": reason}
                continue
            if not doc.regions:
                skipped.append(Skipped(src, "has no article text"))
                skip_records[src] = {"sha256": shas[src], "reason": "has no article text"}
                continue
            (changed if src in prev_files else added).append(src)
            new_docs[src] = doc
        removed = sorted(set(prev_files) - set(raw_by_source))
        for s in skipped:
            log(f"skipped {s.source}: {s.reason}")
        if not new_docs and not unchanged:
            raise CorpusError(
                f"No usable articles (.txt, .md, .html, .pdf) under {seeds}; add some (or pass --seeds DIR). "
                "The previous index, if any, is unchanged."
            )

        # Chunk and embed the new and changed files; reuse everything of the unchanged ones.
        parts = _old_parts(prev[0], sorted(unchanged)) if prev else {}
        if new_docs:
            embedder = embedder_factory()
            counter = count_tokens or embedder.count_tokens
            chunker = Chunker(counter, settings.chunk_tokens, settings.chunk_overlap)
            parts.update(_new_parts(new_docs, chunker, embedder, settings.passage_vectors, progress, log))
        keep_skipped = {s: v for s, v in prev_skipped.items() if s in shas and v["sha256"] == shas[s]}
        gen = _write_generation(index_dir, settings, dimension, parts, {**keep_skipped, **skip_records})
        _publish(index_dir, gen)
        manifest = read_manifest(index_dir / gen)
        return BuildReport(
            index_dir,
            added=sorted(added),
            changed=sorted(changed),
            removed=removed,
            unchanged=sorted(unchanged),
            skipped=skipped,
            chunks=int(manifest["counts"]["chunks"]),
            seconds=time.perf_counter() - t0,
        )


@dataclass
class _Part:
    """Everything one source file contributes to a generation."""

    doc: dict[str, Any]  # the documents.jsonl row (DocRecord.row())
    text: str
    chunks: np.ndarray  # int64 (n, 4): start, end, first line, last line
    chunk_vectors: np.ndarray
    sentences: list[tuple[int, int]]
    sentence_vectors: np.ndarray


def _old_parts(prev_gen: Path, keep: list[str]) -> dict[str, _Part]:
    """The parts of unchanged files, read back from the previous generation (no re-embedding)."""
    import faiss
    import numpy as np

    if not keep:
        return {}
    docs = _read_jsonl(prev_gen / DOCUMENTS_FILE)
    store = TextStore.open(prev_gen / TEXTS_FILE)
    rows = np.load(prev_gen / CHUNKS_FILE, allow_pickle=False)
    cvec = faiss.read_index(str(prev_gen / FAISS_FILE))
    if hasattr(cvec, "make_direct_map"):
        cvec.make_direct_map()
    chunk_vectors = cvec.reconstruct_n(0, cvec.ntotal) if cvec.ntotal else np.zeros((0, cvec.d), np.float32)
    codes = np.load(prev_gen / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
    scales = np.load(prev_gen / SENTENCE_SCALES, allow_pickle=False)
    sent = np.load(prev_gen / SENTENCES_FILE, allow_pickle=False)
    wanted = set(keep)
    parts: dict[str, _Part] = {}
    # Both tables are sorted by document number: each document's rows are one slice.
    c_bounds = np.searchsorted(rows[:, 0], np.arange(len(docs) + 1), "left")
    s_bounds = np.searchsorted(sent[:, 0], np.arange(len(docs) + 1), "left")
    for d_idx, doc in enumerate(docs):
        if doc["source"] not in wanted:
            continue
        c0, c1 = c_bounds[d_idx], c_bounds[d_idx + 1]
        s0, s1 = s_bounds[d_idx], s_bounds[d_idx + 1]
        record = _doc_record(doc, store)
        parts[doc["source"]] = _Part(
            record.row(),
            record.text,
            rows[c0:c1, 1:].copy(),
            chunk_vectors[c0:c1],
            [(int(x), int(y)) for x, y in sent[s0:s1, 1:3]],
            dequantize_rows(codes[s0:s1], scales[s0:s1], cvec.d),
        )
    return parts


def document_sentences(per_chunk: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The distinct sentences of a file's chunks, in text order (a sentence in an overlap once)."""
    return sorted({span for spans in per_chunk for span in spans})


def _embed(
    docs: dict[str, Document],
    chunks: dict[str, list[Chunk]],
    held: dict[str, list[list[tuple[int, int]]]],
    sents: dict[str, list[tuple[int, int]]],
    embedder: Embedder,
    mode: str,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Passage vectors and sentence vectors, in the order of `docs`, `chunks` and `sents`
    (`held[src][i]`: the sentence spans inside chunk i of `src`).

    "pooled" (with a model that exposes its token states): each distinct sentence goes through the
    model once; its vector is the mean of its token states, as `encode` gives, and a passage's vector
    is the mean over the token states of the sentences it holds. "encoded": every passage and every
    sentence is encoded on its own.
    """
    import numpy as np

    passages = [c.text for src in docs for c in chunks[src]]
    sentences = [docs[src].text[a:b] for src in docs for a, b in sents[src]]
    token_sums = getattr(embedder, "token_sums", None)
    if mode != "pooled" or token_sums is None:
        vectors = embedder.encode(passages + sentences, progress=progress)
        return vectors[: len(passages)], vectors[len(passages) :]

    sums, _counts = token_sums(sentences, progress=progress)
    sums = np.ascontiguousarray(sums, dtype=np.float32)
    dim = sums.shape[1] if len(sums) else embedder.dimension
    passage_sums = np.zeros((len(passages), dim), dtype=np.float32)
    p = s = 0
    for src in docs:
        number = {span: s + j for j, span in enumerate(sents[src])}
        for spans in held[src]:
            passage_sums[p] = sums[[number[span] for span in spans]].sum(axis=0)
            p += 1
        s += len(sents[src])
    # A sentence's vector is the mean of its token states made unit length: the sum's direction.
    sentence_vectors = _unit(sums)
    passage_vectors = _unit(passage_sums)
    empty = [i for i in range(len(passages)) if not passage_sums[i].any()]
    if empty:  # a passage of no sentence at all (whitespace): encode it as it is
        passage_vectors[empty] = embedder.encode([passages[i] for i in empty])
    return passage_vectors, sentence_vectors


def _unit(x: np.ndarray) -> np.ndarray:
    """The rows of float32 `x` scaled to unit length in place (no temporary as large as `x`: at 100k
    passages the sentence vectors alone are 445 MB); returns `x`."""
    import numpy as np

    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    x /= np.maximum(norms, 1e-12)[:, None]
    return x


def _new_parts(
    docs: dict[str, Document],
    chunker: Chunker,
    embedder: Embedder,
    mode: str,
    progress: bool,
    log: Callable[[str], None],
) -> dict[str, _Part]:
    """Chunk, split into sentences and embed the new and changed files."""
    import numpy as np

    chunks = {src: chunker.split(doc) for src, doc in docs.items()}
    held = {src: [sentence_spans(doc.text, c.start, c.end) for c in chunks[src]] for src, doc in docs.items()}
    sents = {src: document_sentences(held[src]) for src in docs}
    n_passages = sum(len(cs) for cs in chunks.values())
    n_sentences = sum(len(ss) for ss in sents.values())
    log(f"embedding {n_passages} passages ({n_sentences} sentences) from {len(docs)} files")
    passage_vectors, sentence_vectors = _embed(docs, chunks, held, sents, embedder, mode, progress)
    parts: dict[str, _Part] = {}
    ci = si = 0
    for src, doc in docs.items():
        cs, ss = chunks[src], sents[src]
        record = {
            "source": doc.source,
            "sha256": doc.sha256,
            "title": doc.title,
            "published": doc.published,
            "outlet": doc.outlet,
            "url": doc.url,
            "encoding": doc.encoding,
            "chunks": len(cs),
            "author": doc.author,
            "format": doc.format,
            "regions": [[int(a), int(b)] for a, b in doc.regions],
            "characters": len(doc.text),
            "page_starts": list(doc.page_starts),
        }
        parts[src] = _Part(
            record,
            doc.text,
            np.array([(c.start, c.end, c.start_line, c.end_line) for c in cs], dtype=np.int64).reshape(-1, 4),
            passage_vectors[ci : ci + len(cs)],
            ss,
            sentence_vectors[si : si + len(ss)],
        )
        ci += len(cs)
        si += len(ss)
    return parts


def ivf_lists(n: int) -> int:
    return max(1, min(int(IVF_LISTS_PER_SQRT_N * n**0.5), n // IVF_MIN_POINTS_PER_LIST))


def ivf_probes(lists: int) -> int:
    return max(1, -(-lists // IVF_PROBE_DIVISOR))


def passage_index(vectors: np.ndarray, dimension: int) -> Any:
    """Exact inner-product search while it is fast enough, IVF above FLAT_LIMIT passages, over 8-bit
    codes on one fixed scale (see UNIT_RANGE): a quarter of float32, learnt from no data, so that
    decoding and re-encoding in an incremental build gives back the same codes exactly."""
    import faiss
    import numpy as np

    index: Any
    if len(vectors) <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.index_factory(dimension, f"IVF{ivf_lists(len(vectors))},SQ8", faiss.METRIC_INNER_PRODUCT)
        # Store each vector itself, not its residual to a centroid (which new centroids would change).
        index.by_residual = False
        index.sq.qtype = faiss.ScalarQuantizer.QT_8bit_uniform  # one range for all components (set below)
        index.train(vectors)  # the lists' centroids
        faiss.copy_array_to_vector(np.array([-UNIT_RANGE, 2 * UNIT_RANGE], np.float32), index.sq.trained)
    if len(vectors):
        index.add(vectors)
    return index


def _write_generation(
    index_dir: Path,
    settings: Settings,
    dimension: int,
    parts: dict[str, _Part],
    skipped: dict[str, dict[str, str]],
) -> str:
    """Write a complete generation into a temporary folder and rename it; return its name."""
    import faiss
    import numpy as np

    from qa.lexical import Lexical

    sources = sorted(parts)
    # Same story in several files (qa/stories.py): decided over the whole corpus at every build.
    story_of = stories.stories({s: stories.signature(parts[s].text, parts[s].doc["regions"]) for s in sources})
    docs = [{**parts[s].doc, "story": story_of[s]} for s in sources]
    numbered = [
        np.column_stack([np.full(len(parts[s].chunks), d, np.int64), parts[s].chunks]) for d, s in enumerate(sources)
    ]
    chunk_rows = np.concatenate([np.zeros((0, 5), np.int64), *numbered])

    def stack(arrays: list[np.ndarray]) -> np.ndarray:
        arrays = [a for a in arrays if len(a)]
        return np.concatenate(arrays).astype(np.float32) if arrays else np.zeros((0, dimension), np.float32)

    chunk_vectors = stack([parts[s].chunk_vectors for s in sources])
    # Quantized file by file: no float32 copy of every sentence vector at once.
    quantized = [quantize_rows(parts[s].sentence_vectors) for s in sources]
    codes = np.concatenate([np.zeros((0, packed_width(dimension)), np.uint8), *(c for c, _ in quantized)])
    scales = np.concatenate([np.zeros(0, np.float32), *(sc for _, sc in quantized)])
    del quantized
    sentences = np.array(
        [(d_idx, a, b) for d_idx, s in enumerate(sources) for a, b in parts[s].sentences], dtype=np.int64
    ).reshape(-1, 3)
    texts = [parts[s].text for s in sources]
    blob, ranges = encode_texts(texts)
    docs = [{**doc, "text_bytes": list(r)} for doc, r in zip(docs, ranges, strict=True)]
    passage_texts = [texts[d][a:b] for d, a, b in chunk_rows[:, :3].tolist()]
    sentence_texts = [texts[d][a:b] for d, a, b in sentences.tolist()]

    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    try:
        _write_jsonl(tmp / DOCUMENTS_FILE, docs)
        (tmp / TEXTS_FILE).write_bytes(blob)
        del blob
        np.save(tmp / CHUNKS_FILE, chunk_rows, allow_pickle=False)
        np.save(tmp / SENTENCES_FILE, sentences, allow_pickle=False)
        index = passage_index(chunk_vectors, dimension)
        faiss.write_index(index, str(tmp / FAISS_FILE))
        np.save(tmp / SENTENCE_VECTORS, codes, allow_pickle=False)
        np.save(tmp / SENTENCE_SCALES, scales, allow_pickle=False)
        Lexical.build(passage_texts).save(tmp / BM25_PASSAGES)
        Lexical.build(sentence_texts).save(tmp / BM25_SENTENCES)
        data_files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        manifest = {
            **_settings_key(settings, dimension),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "faiss": {
                "type": type(index).__name__,
                "metric": "inner product of unit vectors (cosine)",
                "flat_limit": FLAT_LIMIT,
            },
            "chunks": "chunks.npy: int64 rows (document number, start, end, first line, last line)",
            "texts": "texts.utf8: the documents' texts in UTF-8, each at its row's text_bytes (byte range)",
            "sentence_vectors": "6-bit codes (level + 32), 4 packed in 3 bytes; row scales: sentence_scales.npy",
            "lexical": {"library": "bm25s", "stemmer": "snowball english", "stopwords": "en"},
            "counts": {"documents": len(docs), "chunks": len(chunk_rows), "sentences": len(sentences)},
            "files": {
                s: {
                    "sha256": parts[s].doc["sha256"],
                    "chunks": len(parts[s].chunks),
                    "sentences": len(parts[s].sentences),
                }
                for s in sources
            },
            "skipped": skipped,
            "checksums": {name: _sha256_file(tmp / name) for name in data_files},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in (*data_files, MANIFEST):
            _fsync_file(tmp / name)
        for sub in {(tmp / name).parent for name in data_files}:
            _fsync_dir(sub)
        _fsync_dir(tmp)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        os.rename(tmp, index_dir / name)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name


def _publish(index_dir: Path, name: str) -> None:
    """Point CURRENT at generation `name` with one atomic rename, then drop old generations.

    The generation that was live until now is kept, so a reader that resolved CURRENT a moment ago
    can still open it; anything older, and temporary folders of builds that died, are removed.
    """
    pointer = index_dir / CURRENT
    previous = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(name + "\n", encoding="utf-8")
    _fsync_file(tmp)
    os.replace(tmp, pointer)
    _fsync_dir(index_dir)
    for entry in index_dir.iterdir():
        if entry.name in (name, previous):
            continue
        if entry.is_dir() and (entry.name.startswith("gen-") or entry.name.startswith(".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.startswith(f".{CURRENT}."):
            entry.unlink(missing_ok=True)


__all__ = ["BuildReport", "IndexData", "build_index", "generation_dir", "line_of", "load_index"]
