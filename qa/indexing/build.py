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
from qa.indexing.writer import write_generation
from qa.ingest.decode import sha256_bytes
from qa.ingest.document import Document, Skipped
from qa.ingest.files import list_files, read_document, relative_source
from qa.store.generation import build_lock, publish
from qa.store.layout import read_manifest
from qa.store.shards import shard_dirs

if TYPE_CHECKING:
    from qa.embed.protocol import Embedder


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
            except UnreadableFileError as err:
                skipped.append(Skipped(src, err.reason))
                skip_records[src] = {"sha256": shas[src], "reason": err.reason}
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
        parts = {}
        for folder in shard_dirs(*prev) if prev else []:
            parts.update(old_parts(folder, sorted(unchanged)))
        if new_docs:
            embedder = embedder_factory()
            counter = count_tokens or embedder.count_tokens
            chunker = Chunker(counter, settings.chunk_tokens, settings.chunk_overlap)
            parts.update(new_parts(new_docs, chunker, embedder, settings.passage_vectors, progress, log))
        keep_skipped = {s: v for s, v in prev_skipped.items() if s in shas and v["sha256"] == shas[s]}
        gen = write_generation(index_dir, settings, dimension, parts, {**keep_skipped, **skip_records})
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
