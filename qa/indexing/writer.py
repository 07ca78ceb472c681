"""Writing a complete generation into a temporary folder, checksummed and fsynced, then renamed."""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from qa import stories
from qa.config import Settings
from qa.indexing.plan import settings_key
from qa.indexing.staging import Part, RowFile, StagedTexts, Staging
from qa.store import codes6, lexical, tables, vectors
from qa.store import texts as text_store
from qa.store.generation import fsync_dir, fsync_file, sha256_file, write_jsonl
from qa.store.layout import (
    BM25_PASSAGES,
    BM25_SENTENCES,
    CHUNKS_FILE,
    DOCUMENTS_FILE,
    FAISS_FILE,
    MANIFEST,
    SENTENCE_SCALES,
    SENTENCE_VECTORS,
    SENTENCES_FILE,
    TEXTS_FILE,
    seeds_record,
)
from qa.store.shards import SHARDS, shard_name, shard_of
from qa.store.texts import DOC_FIELDS, byte_ranges, write_texts

# Rows of staged vectors or codes read, added to FAISS and written at a time (~100 MB of vectors).
ROWS_PER_BATCH = 65_536


@dataclass
class Content:
    """What one generation folder holds: its tables in memory, its vectors and texts staged."""

    sources: list[str]
    docs: list[dict[str, Any]]
    chunk_rows: Any  # np.ndarray (P, 5) int64
    passage_runs: list[tuple[int, int]]  # (first row, rows) of each document in the staged passage tables
    sentence_runs: list[tuple[int, int]]  # and in the staged sentence tables
    scales: Any
    sentences: Any  # np.ndarray (S, 3) int64
    texts: StagedTexts  # the documents' texts, each read from the staging file when it is used
    files: dict[str, dict[str, Any]]  # the manifest's entry of each source
    staging: Staging  # where the vectors are

    def passage_tokens(self) -> Any:
        """bm25s `Tokenized` of the passages' texts (qa/store/lexical.py, 4 bytes a token), made when
        a BM25 index or the corpus statistics need it and dropped after."""
        from qa.store.lexical import tokenize

        return tokenize(self.texts[d][a:b] for d, a, b in self.chunk_rows[:, :3].tolist())

    def sentence_tokens(self) -> Any:
        from qa.store.lexical import tokenize

        return tokenize(self.texts[d][a:b] for d, a, b in self.sentences.tolist())


def release_freed_memory() -> None:
    """Give freed memory back to the system (glibc's `malloc_trim`), between the write's phases (FAISS,
    each BM25 index): glibc otherwise keeps the pages of their many freed allocations in the
    process, and the next phase's peak stacks on them."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return
    trim(0)


def _content(parts: dict[str, Part], sources: list[str], story_of: dict[str, str], staging: Staging) -> Content:
    import numpy as np

    # Rows in one field order (DOC_FIELDS), whether a file was read now or kept from the last build:
    # an incremental build writes the bytes a full one would.
    merged = ({**parts[s].doc, "story": story_of[s]} for s in sources)
    docs = [{f: row[f] for f in DOC_FIELDS} for row in merged]
    passage_runs = [(parts[s].passages_at, parts[s].passages) for s in sources]
    sentence_runs = [(parts[s].sentences_at, parts[s].sentences) for s in sources]
    numbers = np.arange(len(sources), dtype=np.int64)

    def table(rows: RowFile, runs: list[tuple[int, int]]) -> np.ndarray:
        """The staged `rows` of these sources, in their order, after a column of document numbers."""
        staged = np.concatenate([np.zeros((0, rows.width), rows.dtype), *rows.runs(runs, ROWS_PER_BATCH)])
        return np.column_stack([np.repeat(numbers, [n for _, n in runs]), staged]).astype(np.int64)

    chunk_rows = table(staging.chunks, passage_runs)
    sentences = table(staging.spans, sentence_runs)
    scales = np.concatenate([np.zeros((0, 1), np.float32), *staging.scales.runs(sentence_runs, ROWS_PER_BATCH)])
    texts = staging.texts([parts[s].text_at for s in sources])
    ranges = byte_ranges(texts.byte_sizes())
    docs = [{**doc, "text_bytes": list(r)} for doc, r in zip(docs, ranges, strict=True)]
    return Content(
        sources,
        docs,
        chunk_rows,
        passage_runs,
        sentence_runs,
        scales.reshape(-1),
        sentences,
        texts,
        {s: _file_entry(parts[s]) for s in sources},
        staging,
    )


@dataclass
class ShardJob:
    """What writing one shard's folder takes (picklable: run in this process or as a Ray task)."""

    folder: Path
    settings: Settings
    dimension: int
    content: Content
    extra: dict[str, Any]
    stats: tuple[Any, Any]


def write_shard(job: ShardJob) -> None:
    _write_folder(job.folder, job.settings, job.dimension, job.content, {}, job.extra, job.stats)


def run_here(fn: Callable[[ShardJob], None], jobs: list[ShardJob]) -> None:
    """The shards written one after another in this process (a local build)."""
    for job in jobs:
        fn(job)


def write_generation(
    index_dir: Path,
    settings: Settings,
    dimension: int,
    parts: dict[str, Part],
    skipped: dict[str, dict[str, str]],
    staging: Staging,
    run_jobs: Callable[[Callable[[ShardJob], None], list[ShardJob]], None] = run_here,
) -> str:
    """Write a complete generation (in `settings.shards` shards, qa/store/shards.py) into a temporary
    folder and rename it; return its name. The parts' texts and vectors are read from `staging`.
    `run_jobs(write_shard, jobs)` writes the shards' folders: one after another here by default, as
    Ray tasks for a build on Ray (qa/indexing/ray_parts.py)."""
    from qa.store.lexical import CorpusStats

    n_shards = settings.shards or 1  # build_index has settled it (the live index's count)
    sources = sorted(parts)
    # Same story in several files (qa/stories.py): decided over the whole corpus at every build.
    articles, rests = {}, {}
    for s in sources:
        text, regions = staging.text(parts[s].text_at), parts[s].doc["regions"]
        articles[s], rests[s] = stories.signature(text, regions), stories.outside(text, regions)
    story_of = stories.stories(articles, rests)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    try:
        if n_shards == 1:
            content = _content(parts, sources, story_of, staging)
            _write_folder(tmp, settings, dimension, content, skipped, {})
        else:
            groups: list[list[str]] = [[] for _ in range(n_shards)]
            for s in sources:
                groups[shard_of(s, n_shards)].append(s)
            contents = [_content(parts, g, story_of, staging) for g in groups]
            # The statistics of every shard's tokens (made, counted and dropped one shard at a time).
            passage_stats = CorpusStats.merge([CorpusStats.of(c.passage_tokens()) for c in contents])
            sentence_stats = CorpusStats.merge([CorpusStats.of(c.sentence_tokens()) for c in contents])
            stats = {
                "passages": _stats_entry(passage_stats),
                "sentences": _stats_entry(sentence_stats),
            }
            jobs = [
                ShardJob(
                    tmp.resolve() / shard_name(number),
                    settings,
                    dimension,
                    content,
                    {"shard": {"number": number, "of": n_shards, "corpus_stats": stats}},
                    (passage_stats, sentence_stats),
                )
                for number, content in enumerate(contents)
            ]
            if run_jobs is not run_here:
                staging.sync()  # the shards may be written on other machines
            run_jobs(write_shard, jobs)
            names = [f"{shard_name(n)}/{MANIFEST}" for n in range(n_shards)]
            counts = {
                "documents": len(sources),
                "chunks": sum(len(c.chunk_rows) for c in contents),
                "sentences": sum(len(c.sentences) for c in contents),
            }
            manifest = {
                **settings_key(settings, dimension),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "seeds_dir": seeds_record(settings),
                SHARDS: [shard_name(n) for n in range(n_shards)],
                "corpus_stats": stats,
                "counts": counts,
                "files": {s: {**_file_entry(parts[s]), "shard": shard_of(s, n_shards)} for s in sources},
                "skipped": skipped,
                "checksums": {name: sha256_file(tmp / name) for name in names},
            }
            _write_manifest(tmp, manifest, [])
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        os.rename(tmp, index_dir / name)
        fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name


def _stats_entry(stats: Any) -> dict[str, Any]:
    return {"count": stats.documents, "tokens": stats.length, "fingerprint": stats.fingerprint()}


def _file_entry(part: Part) -> dict[str, Any]:
    return {"sha256": part.doc["sha256"], "chunks": part.passages, "sentences": part.sentences}


def _write_folder(
    folder: Path,
    settings: Settings,
    dimension: int,
    content: Content,
    skipped: dict[str, dict[str, str]],
    extra: dict[str, Any],
    stats: tuple[Any, Any] = (None, None),
) -> None:
    """Write one generation folder (a whole index or one shard) with its manifest, fsynced.
    `stats`: the corpus-wide BM25 statistics of passages and sentences, for a shard. Vectors and
    texts are copied from `staging` ROWS_PER_BATCH rows (or one document) at a time."""
    import faiss
    import numpy as np

    from qa.store.lexical import Lexical

    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / DOCUMENTS_FILE, content.docs)
    write_texts(folder / TEXTS_FILE, content.texts)
    np.save(folder / CHUNKS_FILE, content.chunk_rows, allow_pickle=False)
    np.save(folder / SENTENCES_FILE, content.sentences, allow_pickle=False)
    n_p, staged = len(content.chunk_rows), content.staging
    index = vectors.empty_passage_index(n_p, dimension, lambda ids: _rows_at(staged.vectors, content.passage_runs, ids))
    for batch in staged.vectors.runs(content.passage_runs, ROWS_PER_BATCH):
        index.add(batch)
    _write_faiss(faiss, index, folder / FAISS_FILE)
    index_entry = vectors.describe(index)
    del index
    release_freed_memory()
    _save_rows(folder / SENTENCE_VECTORS, staged.codes, content.sentence_runs, len(content.sentences))
    np.save(folder / SENTENCE_SCALES, content.scales, allow_pickle=False)
    n_s = len(content.sentences)
    # One BM25 index at a time, each from tokens made for it and dropped once it is saved.
    Lexical.from_tokens(content.passage_tokens(), stats=stats[0]).save(folder / BM25_PASSAGES)
    release_freed_memory()
    Lexical.from_tokens(content.sentence_tokens(), stats=stats[1]).save(folder / BM25_SENTENCES)
    release_freed_memory()
    data_files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = {
        **settings_key(settings, dimension),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seeds_dir": seeds_record(settings),
        # each part of the store says what its files hold
        **index_entry,
        **tables.describe(),
        **text_store.describe(),
        **codes6.describe(),
        **lexical.describe(),
        **extra,
        "counts": {"documents": len(content.docs), "chunks": n_p, "sentences": n_s},
        "files": content.files,
        "skipped": skipped,
        "checksums": {name: sha256_file(folder / name) for name in data_files},
    }
    _write_manifest(folder, manifest, data_files)


def _rows_at(rows: RowFile, runs: list[tuple[int, int]], ids: np.ndarray) -> np.ndarray:
    """Rows `ids` (sorted) of the concatenation of `runs` of staged `rows`."""
    import numpy as np

    starts = np.cumsum([0, *(count for _, count in runs)])
    out = np.empty((len(ids), rows.width), rows.dtype)
    for r, (first, count) in enumerate(runs):
        lo, hi = np.searchsorted(ids, [starts[r], starts[r] + count])
        if hi > lo:
            block = rows.read(first, count)
            out[lo:hi] = block[ids[lo:hi] - starts[r]]
    return out


def _save_rows(path: Path, rows: RowFile, runs: list[tuple[int, int]], count: int) -> None:
    """`runs` of staged `rows` as one .npy file, the bytes `np.save` writes of their concatenation."""
    import numpy as np

    header = {"descr": np.lib.format.dtype_to_descr(rows.dtype), "fortran_order": False, "shape": (count, rows.width)}
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for batch in rows.runs(runs, ROWS_PER_BATCH):
            f.write(batch.tobytes())


def _write_manifest(folder: Path, manifest: dict[str, Any], data_files: list[str]) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in (*data_files, MANIFEST):
        fsync_file(folder / name)
    for sub in {(folder / name).parent for name in data_files}:
        fsync_dir(sub)
    fsync_dir(folder)


# What faiss's write errors say of their cause ("write error in .../index.faiss: 139219 != 168960 (No
# space left on device)"), as the errno it is.
_FAISS_CAUSES = (
    ("No space left", errno.ENOSPC),
    ("quota", errno.EDQUOT),
    ("Permission denied", errno.EACCES),
    ("Read-only", errno.EROFS),
)


def _write_faiss(faiss: Any, index: Any, path: Path) -> None:
    """`faiss.write_index`, its failure as the OSError it is: faiss raises RuntimeError, which came out
    of a build on a full disk as a traceback (a review's), where an OSError is one line (qa.build)."""
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as err:
        code = next((c for words, c in _FAISS_CAUSES if words in str(err)), None)
        if code is None:  # not the disk's: faiss's own words, in one line
            said = " ".join(str(err).split())[-200:]
            raise OSError(errno.EIO, f"faiss could not write the index ({said})", str(path)) from None
        raise OSError(code, os.strerror(code), str(path)) from None

