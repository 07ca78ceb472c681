"""`build_index`: build or update the index of a folder of articles, atomically."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.chunking import Chunker
from qa.config import Settings
from qa.errors import CorpusError, UnreadableFileError
from qa.indexing.parts import new_parts, old_parts
from qa.indexing.plan import previous, shard_count
from qa.indexing.report import BuildReport
from qa.indexing.staging import Staging
from qa.indexing.writer import ShardJob, run_here, write_generation
from qa.ingest.decode import sha256_bytes
from qa.ingest.document import Document, Skipped
from qa.ingest.files import list_files, read_document, relative_source
from qa.store.codes6 import packed_width
from qa.store.generation import build_lock, publish
from qa.store.layout import read_manifest
from qa.store.shards import shard_dirs

if TYPE_CHECKING:
    from qa.embed.protocol import Embedder

# New and changed files are read, analysed and embedded in batches of about this many bytes of files
# (a few thousand passages of news); each batch's texts, float32 passage vectors and 6-bit sentence
# codes go to the build's staging files (qa/indexing/staging.py), so memory holds one batch at a time,
# not the analysed documents and vectors of the whole corpus.
BATCH_BYTES = 4_000_000


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    dimension: int,
    count_tokens: Callable[[str], int] | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
    run_jobs: Callable[[Callable[[ShardJob], None], list[ShardJob]], None] = run_here,
) -> BuildReport:
    """Build or update the index of `settings.seeds_dir` in `settings.index_dir`.

    `embedder_factory` is called only if some file needs embedding, so an up-to-date index costs no
    model load. `run_jobs` writes the shards of a sharded index (one after another by default; as Ray
    tasks for a build on Ray). Raises CorpusError for an unusable corpus; the previous index is then untouched.
    """
    t0 = time.perf_counter()
    seeds, index_dir = Path(settings.seeds_dir), Path(settings.index_dir)
    paths, skipped = list_files(seeds, settings.max_file_bytes)
    # Only each file's hash is kept here; its bytes are read again when its batch is analysed, so a
    # build never holds the whole corpus (see BATCH_BYTES).
    shas: dict[str, str] = {}
    blank: set[str] = set()
    for path in paths:
        src = relative_source(path, seeds)
        try:
            raw = path.read_bytes()
        except OSError as err:
            skipped.append(Skipped(src, f"cannot be read ({err.strerror})"))
            continue
        shas[src] = sha256_bytes(raw)
        if not raw.strip():
            blank.add(src)
    # The same bytes under another name are indexed once (the first name in sorted order), as an upload
    # of an article already there is refused: otherwise one answer cites the same text twice.
    first_with: dict[str, str] = {}
    for src in sorted(shas):
        if src in blank:
            continue  # empty files are skipped as empty below, not as copies of each other
        original = first_with.setdefault(shas[src], src)
        if original != src:
            skipped.append(Skipped(src, f"has the same content as {original}"))
            del shas[src]

    with build_lock(index_dir):
        prev = previous(index_dir, settings, dimension)
        prev_files: dict[str, Any] = prev[1].get("files", {}) if prev else {}
        prev_skipped: dict[str, Any] = prev[1].get("skipped", {}) if prev else {}
        if (
            prev
            and shard_count(prev[1]) == settings.shards
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

        staging = Staging(index_dir, dimension, packed_width(dimension))
        try:
            # Read, analyse, chunk and embed the new and changed files a batch at a time (BATCH_BYTES of
            # files): a batch's documents and float32 vectors are dropped once its parts are staged.
            added: list[str] = []
            changed: list[str] = []
            unchanged = sorted(s for s in shas if prev_files.get(s, {}).get("sha256") == shas[s])
            skip_records: dict[str, dict[str, str]] = {}
            parts = {}
            for folder in shard_dirs(*prev) if prev else []:
                parts.update(old_parts(folder, unchanged, staging))
            chunker: Chunker | None = None
            embedder: Embedder | None = None
            batch: dict[str, Document] = {}
            batch_bytes = 0
            kept = set(unchanged)
            todo = [s for s in sorted(shas) if s not in kept]
            for i, src in enumerate(todo):
                doc, reason, size = _analyse(seeds, src, shas[src])
                if doc is None:
                    skipped.append(Skipped(src, reason))
                    skip_records[src] = {"sha256": shas[src], "reason": reason}
                else:
                    (changed if src in prev_files else added).append(src)
                    batch[src] = doc
                    batch_bytes += size
                if batch and (batch_bytes >= BATCH_BYTES or i == len(todo) - 1):
                    if embedder is None or chunker is None:
                        embedder = embedder_factory()
                        chunker = Chunker(
                            count_tokens or embedder.count_tokens, settings.chunk_tokens, settings.chunk_overlap
                        )
                    parts.update(new_parts(batch, chunker, embedder, settings.passage_vectors, progress, log, staging))
                    batch, batch_bytes = {}, 0
            removed = sorted(set(prev_files) - set(shas))
            for sk in skipped:
                log(f"skipped {sk.source}: {sk.reason}")
            if not parts:
                raise CorpusError(
                    f"No usable articles (.txt, .md, .html, .pdf) under {seeds}; add some (or pass --seeds DIR). "
                    "The previous index, if any, is unchanged."
                )
            keep_skipped = {s: v for s, v in prev_skipped.items() if s in shas and v["sha256"] == shas[s]}
            gen = write_generation(
                index_dir, settings, dimension, parts, {**keep_skipped, **skip_records}, staging, run_jobs
            )
            publish(index_dir, gen)
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
        finally:
            staging.close()


def _analyse(seeds: Path, src: str, sha: str) -> tuple[Document | None, str, int]:
    """File `src` read and analysed: its document (None if it is skipped), why it is skipped, its size."""
    try:
        raw = (seeds / src).read_bytes()
        if sha256_bytes(raw) != sha:
            return None, "changed while the index was built; run `qa index` again", 0
        doc = read_document(seeds / src, seeds, raw=raw)
    except OSError as err:
        return None, f"cannot be read ({err.strerror})", 0
    except UnreadableFileError as err:
        return None, err.reason, 0
    if not doc.regions:
        return None, "has no article text", 0
    return doc, "", len(raw)
