"""A sharded index: one generation holding several shards, each a complete generation of its own.

Layout of a sharded generation::

    gen-*/manifest.json      settings, totals, every file with its shard, the corpus-wide BM25
                             statistics' fingerprints, and the checksum of each shard's manifest
    gen-*/shard-000/ ...     a normal generation (manifest.json, index.faiss, bm25/, ...) per shard

Files go to shards by a stable hash of their path (`shard_of`). Each shard's BM25 indexes are built
with the statistics of the whole corpus (qa/store/lexical.py, `CorpusStats`), and dense scores are
cosines, so a passage scores the same whichever shard holds it. The whole set is published by the one
`CURRENT` switch, like a single generation.

For questions, `ShardedIndex` is the index the engine reads: the shards' tables joined in one
numbering (shard 0's documents, passages and sentences first, then shard 1's, ...), and a candidate
stage (qa/store/search.py) that asks every shard and keeps what one index would. The shards answer in
this process (`LocalShards`) or from Ray actors (qa/store/ray_shards.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qa.config import Settings
from qa.errors import IndexInvalidError
from qa.store.layout import MANIFEST, REBUILD_HINT, check_files, check_format, check_model, read_manifest
from qa.store.reader import IndexData, Tables
from qa.store.search import Candidates, Found, Request, select
from qa.store.tables import ChunkTable, sentences_inside

if TYPE_CHECKING:
    import numpy as np

    from qa.store.texts import DocRecord

SHARDS = "shards"


def shard_of(source: str, shards: int) -> int:
    """The shard of file `source`: a stable hash of its path (the same on every machine and run)."""
    return int.from_bytes(hashlib.sha256(source.encode("utf-8")).digest()[:8], "big") % shards


def shard_name(number: int) -> str:
    return f"shard-{number:03d}"


def is_sharded(manifest: dict[str, Any]) -> bool:
    return isinstance(manifest.get(SHARDS), list)


def shard_dirs(gen: Path, manifest: dict[str, Any]) -> list[Path]:
    """The generation folders of `gen`: its shards', or `gen` itself when it is not sharded."""
    if not is_sharded(manifest):
        return [gen]
    names = manifest[SHARDS]
    if not all(isinstance(n, str) and n == shard_name(i) for i, n in enumerate(names)):
        raise IndexInvalidError(f"{gen / MANIFEST} names its shards wrongly; {REBUILD_HINT}.")
    return [gen / n for n in names]


def check_sharded(manifest: dict[str, Any], gen: Path, settings: Settings, dimension: int) -> list[Path]:
    """Check a sharded generation's own manifest and files (each shard's manifest, by checksum) and
    that every shard belongs to it; return the shard folders. Each shard's files are checked when it
    is opened (reader.py)."""
    check_format(manifest, gen)
    check_model(manifest, gen, settings, dimension)
    dirs = shard_dirs(gen, manifest)
    check_files(manifest, gen, tuple(f"{d.name}/{MANIFEST}" for d in dirs))
    stats = manifest.get("corpus_stats")
    for number, folder in enumerate(dirs):
        own = read_manifest(folder).get("shard")
        if not isinstance(own, dict) or own != {"number": number, "of": len(dirs), "corpus_stats": stats}:
            raise IndexInvalidError(f"The shard {folder} does not belong to the index at {gen}; {REBUILD_HINT}.")
    return dirs


class Shards(Protocol):
    """The shards of an index, asked all at once (in this process, or on Ray)."""

    def search(self, request: Request, masks: list[Any]) -> list[Found]: ...

    def signals(self, request: Request, masks: list[Any], passages: list[Any]) -> list[Found]: ...


class LocalShards:
    """Shards opened in this process."""

    def __init__(self, shards: Sequence[IndexData]) -> None:
        self.shards = list(shards)

    def search(self, request: Request, masks: list[Any]) -> list[Found]:
        return [s.search(_with_mask(request, m)) for s, m in zip(self.shards, masks, strict=True)]

    def signals(self, request: Request, masks: list[Any], passages: list[Any]) -> list[Found]:
        return [s.signals(_with_mask(request, m), p) for s, m, p in zip(self.shards, masks, passages, strict=True)]


def _with_mask(request: Request, mask: Any) -> Request:
    from dataclasses import replace

    return replace(request, doc_mask=mask)


@dataclass
class ShardedIndex:
    """The index the engine reads when it has shards (see the module's docstring)."""

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, DocRecord]
    chunks: ChunkTable
    sentences: Any  # np.ndarray (S, 3) int32, document numbers in the joined numbering
    chunk_doc: Any
    passage_sentences: tuple[Any, Any]
    shards: Shards
    doc_offsets: list[int]  # the first document, passage and sentence of each shard, and the totals
    passage_offsets: list[int]
    sentence_offsets: list[int]
    lexical: Any  # a Lexical used only for tokenising questions

    @staticmethod
    def join(
        path: Path, manifest: dict[str, Any], tables: Sequence[Tables], shards: Shards, lexical: Any
    ) -> ShardedIndex:
        import numpy as np

        docs = [d for t in tables for d in t.docs]
        doc_off = np.cumsum([0, *(len(t.docs) for t in tables)]).tolist()
        p_off = np.cumsum([0, *(len(t.rows) for t in tables)]).tolist()
        s_off = np.cumsum([0, *(len(t.sentences) for t in tables)]).tolist()
        rows, sentences, indptr, members = [np.zeros((0, 5), np.int32)], [np.zeros((0, 3), np.int32)], [], []
        pairs = 0
        for t, d0, s0 in zip(tables, doc_off, s_off, strict=False):
            rows.append(t.rows + np.array([d0, 0, 0, 0, 0], np.int32))
            sentences.append(t.sentences + np.array([d0, 0, 0], np.int32))
            indptr.append(t.membership[0][1:] + pairs)
            members.append(t.membership[1] + s0)
            pairs += len(t.membership[1])
        joined = np.concatenate(rows)
        return ShardedIndex(
            path,
            manifest,
            {d.source: d for d in docs},
            ChunkTable(joined, docs),
            np.concatenate(sentences),
            joined[:, 0],
            (np.concatenate([np.zeros(1, np.int32), *indptr]), np.concatenate([np.zeros(0, np.int32), *members])),
            shards,
            doc_off,
            p_off,
            s_off,
            lexical,
        )

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])

    def tokens(self, text: str) -> list[str]:
        tokens: list[str] = self.lexical.tokens(text)
        return tokens

    def sentences_of(self, passages: np.ndarray) -> np.ndarray:
        """The sorted ids of the sentences inside `passages`."""
        return sentences_inside(self.passage_sentences, passages)

    def _masks(self, request: Request) -> list[Any]:
        if request.doc_mask is None:
            return [None] * (len(self.doc_offsets) - 1)
        return [request.doc_mask[a:b] for a, b in zip(self.doc_offsets, self.doc_offsets[1:], strict=False)]

    def candidates(self, request: Request) -> Candidates:
        """Every shard's best passages, then the index's (qa/store/search.py)."""
        import numpy as np

        masks = self._masks(request)
        found = self.shards.search(request, masks)

        def fallback(n: int) -> tuple[list[Found], np.ndarray]:
            first = np.flatnonzero(request.doc_mask[self.chunk_doc])[:n].astype(np.int64)
            local = [
                first[(first >= a) & (first < b)] - a
                for a, b in zip(self.passage_offsets, self.passage_offsets[1:], strict=False)
            ]
            return self.shards.signals(request, masks, local), first

        return select(
            found, request, self.passage_offsets[:-1], self.sentence_offsets[:-1], self.sentences_of, fallback
        )
