"""The index on disk: one folder per generation, published atomically, checked on load.

Layout under the index folder (default `embeddings/`)::

    CURRENT            the name of the live generation; replaced with one atomic os.replace
    gen-*/             manifest.json, index.faiss, chunks.jsonl, documents.jsonl
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
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.chunking import Chunk, Chunker, line_of
from qa.config import Settings
from qa.errors import CorpusError, IndexInvalidError, IndexMissingError
from qa.sources import Document, Skipped, list_files, read_document, relative_source, sha256_bytes

if TYPE_CHECKING:
    import numpy as np

    from qa.embedder import Embedder

FORMAT_VERSION = 1
# Bump when the rules in sources.py or chunking.py change what a file becomes: every file is then
# re-chunked and re-embedded on the next `qa index`.
INGEST_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
FAISS_FILE = "index.faiss"
CHUNKS_FILE = "chunks.jsonl"
DOCUMENTS_FILE = "documents.jsonl"
DATA_FILES = (FAISS_FILE, CHUNKS_FILE, DOCUMENTS_FILE)

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


def check_manifest(manifest: dict[str, Any], gen: Path, settings: Settings, dimension: int) -> None:
    """Refuse an index of another format, model or dimension, or one whose files do not match."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexInvalidError(
            f"The index at {gen} has format {manifest.get('format_version')!r}, this qa reads "
            f"{FORMAT_VERSION}; {REBUILD_HINT}."
        )
    model = manifest.get("model") or {}
    if model.get("name") != settings.model_name or model.get("dimension") != dimension:
        raise IndexInvalidError(
            f"The index at {gen} was built with {model.get('name')} ({model.get('dimension')} dims), "
            f"not {settings.model_name} ({dimension} dims); {REBUILD_HINT}."
        )
    checksums = manifest.get("checksums") or {}
    for name in DATA_FILES:
        path = gen / name
        if not path.is_file():
            raise IndexInvalidError(f"The index file {path} is missing; {REBUILD_HINT}.")
        if checksums.get(name) != _sha256_file(path):
            raise IndexInvalidError(f"The index file {path} is damaged (checksum mismatch); {REBUILD_HINT}.")


@dataclass(frozen=True)
class DocRecord:
    source: str
    sha256: str
    title: str | None
    published: str | None
    outlet: str | None
    url: str | None
    encoding: str
    text: str
    chunks: int


@dataclass
class IndexData:
    """A loaded, verified index generation."""

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, DocRecord]
    chunks: list[Chunk]
    faiss: Any  # faiss.Index

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])


def load_index(index_dir: Path, settings: Settings, dimension: int) -> IndexData:
    """Open and verify the live generation. Raises IndexMissingError / IndexInvalidError."""
    import faiss

    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    check_manifest(manifest, gen, settings, dimension)
    try:
        docs = [DocRecord(**row) for row in _read_jsonl(gen / DOCUMENTS_FILE)]
        rows = _read_jsonl(gen / CHUNKS_FILE)
        index = faiss.read_index(str(gen / FAISS_FILE))
    except (OSError, ValueError, TypeError, RuntimeError) as err:
        raise IndexInvalidError(f"Cannot read the index at {gen} ({err}); {REBUILD_HINT}.") from None
    documents = {d.source: d for d in docs}
    chunks: list[Chunk] = []
    for row in rows:
        doc = documents.get(row["source"])
        if doc is None:
            raise IndexInvalidError(f"The index at {gen} cites an unknown file {row['source']}; {REBUILD_HINT}.")
        start, end = int(row["start"]), int(row["end"])
        chunks.append(Chunk(doc.source, start, end, int(row["start_line"]), int(row["end_line"]), doc.text[start:end]))
    if index.ntotal != len(chunks) or index.d != dimension:
        raise IndexInvalidError(
            f"The index at {gen} holds {index.ntotal} vectors for {len(chunks)} chunks; {REBUILD_HINT}."
        )
    return IndexData(gen, manifest, documents, chunks, index)


# --------------------------------------------------------------------------------------------------
# Building


def _settings_key(settings: Settings, dimension: int) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "ingest_version": INGEST_VERSION,
        "model": {"name": settings.model_name, "dimension": dimension},
        "chunking": settings.chunking(),
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
                f"No usable .txt or .md articles under {seeds}; add some (or pass --seeds DIR). "
                "The previous index, if any, is unchanged."
            )

        # Chunk and embed the new and changed files.
        new_chunks: dict[str, list[Chunk]] = {}
        vectors_new = None
        embedder = None
        if new_docs:
            embedder = embedder_factory()
            counter = count_tokens or embedder.count_tokens
            chunker = Chunker(counter, settings.chunk_tokens, settings.chunk_overlap)
            for src, doc in new_docs.items():
                new_chunks[src] = chunker.split(doc)
            texts = [c.text for src in new_docs for c in new_chunks[src]]
            log(f"embedding {len(texts)} chunks from {len(new_docs)} files")
            vectors_new = embedder.encode(texts, progress=progress) if texts else None

        gen = _write_generation(
            index_dir,
            settings,
            dimension,
            prev,
            sorted(unchanged),
            new_docs,
            new_chunks,
            vectors_new,
            {
                **{s: prev_skipped[s] for s in prev_skipped if s in shas and prev_skipped[s]["sha256"] == shas[s]},
                **skip_records,
            },
        )
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


def _write_generation(
    index_dir: Path,
    settings: Settings,
    dimension: int,
    prev: tuple[Path, dict[str, Any]] | None,
    unchanged: list[str],
    new_docs: dict[str, Document],
    new_chunks: dict[str, list[Chunk]],
    vectors_new: np.ndarray | None,
    skipped: dict[str, dict[str, str]],
) -> str:
    """Write a complete generation into a temporary folder and rename it; return its name."""
    import faiss
    import numpy as np

    doc_rows: dict[str, dict[str, Any]] = {}
    chunk_rows: dict[str, list[dict[str, Any]]] = {}
    vec_rows: dict[str, np.ndarray] = {}

    if prev and unchanged:
        prev_gen = prev[0]
        old_docs = {r["source"]: r for r in _read_jsonl(prev_gen / DOCUMENTS_FILE)}
        old_chunks = _read_jsonl(prev_gen / CHUNKS_FILE)
        old_index = faiss.read_index(str(prev_gen / FAISS_FILE))
        old_vectors = old_index.reconstruct_n(0, old_index.ntotal)
        keep = set(unchanged)
        rows_by_src: dict[str, list[int]] = {}
        for i, row in enumerate(old_chunks):
            if row["source"] in keep:
                rows_by_src.setdefault(row["source"], []).append(i)
        for src in unchanged:
            doc_rows[src] = old_docs[src]
            idx = rows_by_src.get(src, [])
            chunk_rows[src] = [old_chunks[i] for i in idx]
            vec_rows[src] = old_vectors[idx] if idx else np.zeros((0, dimension), np.float32)

    offset = 0
    for src, doc in new_docs.items():
        chunks = new_chunks[src]
        doc_rows[src] = asdict(
            DocRecord(
                doc.source,
                doc.sha256,
                doc.title,
                doc.published,
                doc.outlet,
                doc.url,
                doc.encoding,
                doc.text,
                len(chunks),
            )
        )
        chunk_rows[src] = [
            {"source": c.source, "start": c.start, "end": c.end, "start_line": c.start_line, "end_line": c.end_line}
            for c in chunks
        ]
        assert vectors_new is not None or not chunks
        vec_rows[src] = (
            vectors_new[offset : offset + len(chunks)]
            if vectors_new is not None
            else np.zeros((0, dimension), np.float32)
        )
        offset += len(chunks)

    sources = sorted(doc_rows)
    all_chunks = [row for src in sources for row in chunk_rows[src]]
    vectors = (
        np.concatenate([vec_rows[src] for src in sources]).astype(np.float32)
        if sources
        else np.zeros((0, dimension), np.float32)
    )
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)

    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    try:
        _write_jsonl(tmp / DOCUMENTS_FILE, [doc_rows[s] for s in sources])
        _write_jsonl(tmp / CHUNKS_FILE, all_chunks)
        faiss.write_index(index, str(tmp / FAISS_FILE))
        manifest = {
            **_settings_key(settings, dimension),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "faiss": {"type": "IndexFlatIP", "metric": "inner product of unit vectors (cosine)"},
            "counts": {"documents": len(sources), "chunks": len(all_chunks)},
            "files": {s: {"sha256": doc_rows[s]["sha256"], "chunks": doc_rows[s]["chunks"]} for s in sources},
            "skipped": skipped,
            "checksums": {name: _sha256_file(tmp / name) for name in DATA_FILES},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in (*DATA_FILES, MANIFEST):
            _fsync_file(tmp / name)
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
