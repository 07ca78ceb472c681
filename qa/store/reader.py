"""A generation opened for questions: verified against its manifest, everything a query needs in memory
(or memory-mapped)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import Settings
from qa.errors import IndexInvalidError
from qa.store.codes6 import packed_width, unpack6
from qa.store.generation import read_jsonl
from qa.store.layout import (
    BM25_PASSAGES,
    BM25_SENTENCES,
    CHUNKS_FILE,
    DOCUMENTS_FILE,
    FAISS_FILE,
    REBUILD_HINT,
    SENTENCE_SCALES,
    SENTENCE_VECTORS,
    SENTENCES_FILE,
    TEXTS_FILE,
    check_manifest,
    read_manifest,
)
from qa.store.search import Candidates, Found, Request, passage_keys, select, top
from qa.store.tables import ChunkTable, passage_sentences, sentences_inside
from qa.store.texts import DocRecord, TextStore, doc_record
from qa.store.vectors import PassageVectors, inner_products

if TYPE_CHECKING:
    import numpy as np

SENTENCES_IN_RAM_BYTES = 32 * 1024 * 1024


@dataclass
class IndexData:
    """A loaded, verified index generation: everything a query needs, in memory."""

    path: Path
    manifest: dict[str, Any]  # without its per-file tables (files, skipped, checksums)
    documents: dict[str, DocRecord]
    chunks: ChunkTable
    vectors: PassageVectors  # the passage index, for questions: nearest passages and exact cosines
    sentences: Any  # np.ndarray (S, 3) int32: document number, start, end; sorted
    sentence_codes: Any  # np.ndarray (S, packed_width(d)) uint8, memory-mapped when large (quantize_rows)
    sentence_scales: Any  # np.ndarray (S,) float32
    chunk_doc: Any  # np.ndarray: document number of each passage
    passage_sentences: tuple[Any, Any]  # CSR (indptr, sentence ids): the sentences inside each passage
    lexical: Any  # qa.store.lexical.Lexical over passages
    sentence_lexical: Any  # qa.store.lexical.Lexical over sentences

    @property
    def faiss(self) -> Any:
        """The FAISS index itself (tools and benches search it raw)."""
        return self.vectors.index

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])

    @property
    def sentence_sources(self) -> list[str]:
        """The source of each sentence (made on each call; for tools and tests)."""
        return [self.chunks.docs[int(d)].source for d in self.sentences[:, 0]]

    @functools.cached_property
    def passage_keys(self) -> np.ndarray:
        """Each passage's tie-breaking key (qa/store/search.py)."""
        return passage_keys([d.source for d in self.chunks.docs], self.chunks.rows)

    @property
    def tables(self) -> Tables:
        return Tables(self.chunks.docs, self.chunks.rows, self.sentences, self.passage_sentences)

    def tokens(self, text: str) -> list[str]:
        """`text`'s BM25 tokens (one tokenisation serves both BM25 indexes and the coverage)."""
        tokens: list[str] = self.lexical.tokens(text)
        return tokens

    def sentences_of(self, passages: np.ndarray) -> np.ndarray:
        """The sorted ids of the sentences inside `passages`."""
        return sentences_inside(self.passage_sentences, passages)

    def candidates(self, req: Request) -> Candidates:
        """The question's candidates (qa/store/search.py): the one-shard case of a sharded index."""
        import numpy as np

        def fallback(n: int) -> tuple[list[Found], np.ndarray]:
            first = np.flatnonzero(req.doc_mask[self.chunk_doc])[:n].astype(np.int64)
            return [self.signals(req, first)], first

        return select([self.search(req)], req, [0], [0], self.sentences_of, fallback)

    def search(self, req: Request) -> Found:
        """This generation's own best passages for `req`, with their signals (qa/store/search.py)."""
        import numpy as np

        n = len(self.chunks)
        allowed = None if req.doc_mask is None else np.asarray(req.doc_mask, bool)[self.chunk_doc]
        bm25 = self.lexical.scores("", req.tokens)
        dense = self.vectors.query(req.vector)
        none = np.zeros(0, np.int64)
        if req.everything:
            dense_ids = np.arange(n, dtype=np.int64) if allowed is None else np.flatnonzero(allowed).astype(np.int64)
            lexical_ids = none
        else:
            everyone = np.arange(n, dtype=np.int64)
            cosines = dense.all_cosines()
            if cosines is None:  # an approximate (IVF) index: its nearest, as it finds them
                dense_ids = np.asarray(dense.nearest(min(req.want, n)) if n else none, np.int64)
            else:
                dense_ids = top(everyone, cosines, self.passage_keys, req.want)
            masked = bm25 if allowed is None else np.where(allowed, bm25, -1.0)
            lexical_ids = top(everyone, masked, self.passage_keys, req.pool)
            lexical_ids = lexical_ids[masked[lexical_ids] > 0]
        passages = np.union1d(dense_ids, lexical_ids)
        found = self._signals(req, passages, bm25, dense)
        at = np.searchsorted(passages, dense_ids)
        return Found(dense_ids, found.passage_dense[at], lexical_ids, bm25[lexical_ids], *_fields(found)[4:])

    def signals(self, req: Request, passages: np.ndarray) -> Found:
        """The signals of the given passages (sorted ids) for `req`."""
        return self._signals(req, passages, self.lexical.scores("", req.tokens), self.vectors.query(req.vector))

    def _signals(self, req: Request, passages: np.ndarray, bm25: np.ndarray, dense: Any) -> Found:
        import numpy as np

        # Under filters, the passages of the allowed articles are the corpus: a name only the others use
        # is one the answer cannot hold ("Why is WeWork being investigated?" since a day after its
        # articles' date was answered from an impeachment hearing's "investigate").
        corpus_frequencies = self.lexical.frequencies(req.tokens)
        frequencies = (
            corpus_frequencies
            if req.doc_mask is None
            else self.lexical.frequencies(req.tokens, np.asarray(req.doc_mask, bool)[self.chunk_doc])
        )
        allowed = (
            np.ones(len(passages), bool)
            if req.doc_mask is None
            else np.asarray(req.doc_mask, bool)[self.chunk_doc[passages]]
        )
        sentences = self.sentences_of(passages)
        bm25_s = self.sentence_lexical.scores("", req.tokens)[sentences] if sentences.size else np.zeros(0, np.float32)
        none = np.zeros(0, np.int64)
        return Found(
            none,
            np.zeros(0, np.float32),
            none,
            np.zeros(0, np.float32),
            passages,
            allowed,
            dense.cosines(passages),
            bm25[passages],
            self.passage_keys[passages],
            sentences,
            self.sentence_cosines(sentences, req.vector),
            bm25_s,
            frequencies,
            corpus_frequencies,
        )

    def sentence_cosines(self, ids: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Cosine of sentences `ids` with the unit vector `q`."""
        # (levels . q) * scale with levels = codes - 32, without a float copy of the levels
        codes = unpack6(self.sentence_codes[ids], len(q))
        cosines: np.ndarray = (inner_products(codes, q) - 32.0 * float(q.sum())) * self.sentence_scales[ids]
        return cosines


def _fields(found: Found) -> list[Any]:
    return [getattr(found, f) for f in Found.__dataclass_fields__]


@dataclass(frozen=True)
class Tables:
    """A generation's documents and its passage and sentence tables: what citing needs, no vectors."""

    docs: list[DocRecord]
    rows: Any  # np.ndarray (P, 5) int32: document number, start, end, first line, last line
    sentences: Any  # np.ndarray (S, 3) int32: document number, start, end
    membership: tuple[Any, Any]  # CSR (indptr, sentence ids) int32: the sentences inside each passage


def read_tables(gen: Path) -> Tables:
    """The tables of generation `gen` (its manifest already checked), each checked against the others."""
    import numpy as np

    try:
        store = TextStore.open(gen / TEXTS_FILE)
        docs = [doc_record(row, store) for row in read_jsonl(gen / DOCUMENTS_FILE)]
        rows = np.load(gen / CHUNKS_FILE, allow_pickle=False)
        sentences = np.load(gen / SENTENCES_FILE, allow_pickle=False)
    except (OSError, ValueError, TypeError, RuntimeError, KeyError) as err:
        raise IndexInvalidError(f"Cannot read the index at {gen} ({err}); {REBUILD_HINT}.") from None
    if docs and max(d.text_bytes[1] for d in docs) > len(store):
        raise IndexInvalidError(f"The text store at {gen} is shorter than its documents; {REBUILD_HINT}.")
    if rows.ndim != 2 or rows.shape[1] != 5 or (len(rows) and (rows[:, 0].min() < 0 or rows[:, 0].max() >= len(docs))):
        raise IndexInvalidError(f"The passage table at {gen} does not match its documents; {REBUILD_HINT}.")
    if (
        sentences.ndim != 2
        or sentences.shape[1] != 3
        or (len(sentences) and (sentences[:, 0].min() < 0 or sentences[:, 0].max() >= len(docs)))
    ):
        raise IndexInvalidError(f"The sentence index at {gen} does not match its documents; {REBUILD_HINT}.")
    indptr, ids = passage_sentences(rows, sentences)
    # Held as int32 (offsets, line and row numbers all fit): half the memory of the stored int64.
    return Tables(
        docs, rows.astype(np.int32), sentences.astype(np.int32), (indptr.astype(np.int32), ids.astype(np.int32))
    )


def open_generation(gen: Path, settings: Settings, dimension: int) -> IndexData:
    """Open and verify one generation folder (a whole index, or one shard of one)."""
    import faiss
    import numpy as np

    from qa.store.lexical import Lexical

    manifest = read_manifest(gen)
    check_manifest(manifest, gen, settings, dimension)
    tables = read_tables(gen)
    n_rows, n_sentences = len(tables.rows), len(tables.sentences)
    try:
        index = faiss.read_index(str(gen / FAISS_FILE))
        codes = np.load(gen / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
        if codes.nbytes <= SENTENCES_IN_RAM_BYTES:
            codes = np.array(codes)
        scales = np.load(gen / SENTENCE_SCALES, allow_pickle=False)
        lexical = Lexical.load(gen / BM25_PASSAGES, size=n_rows)
        sentence_lexical = Lexical.load(gen / BM25_SENTENCES, size=n_sentences)
    except (OSError, ValueError, TypeError, RuntimeError, KeyError) as err:
        raise IndexInvalidError(f"Cannot read the index at {gen} ({err}); {REBUILD_HINT}.") from None
    if index.ntotal != n_rows or index.d != dimension:
        raise IndexInvalidError(f"The index at {gen} holds {index.ntotal} vectors for {n_rows} chunks; {REBUILD_HINT}.")
    if (
        codes.shape != (n_sentences, packed_width(dimension))
        or codes.dtype != np.uint8
        or scales.shape != (n_sentences,)
    ):
        raise IndexInvalidError(f"The sentence index at {gen} is out of step with its vectors; {REBUILD_HINT}.")
    # What a query needs of the manifest; its per-file tables (large for a large corpus) are for builds.
    kept = {k: v for k, v in manifest.items() if k not in ("files", "skipped", "checksums")}
    return IndexData(
        gen,
        kept,
        {d.source: d for d in tables.docs},
        ChunkTable(tables.rows, tables.docs),
        PassageVectors.open(index),
        tables.sentences,
        codes,
        scales.astype(np.float32),
        tables.rows[:, 0],
        tables.membership,
        lexical,
        sentence_lexical,
    )
