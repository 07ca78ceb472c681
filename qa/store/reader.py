"""A generation opened for questions: verified against its manifest, everything a query needs in memory
(or memory-mapped)."""

from __future__ import annotations

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
    generation_dir,
    read_manifest,
)
from qa.store.tables import ChunkTable, passage_sentences
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

    def sentence_cosines(self, ids: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Cosine of sentences `ids` with the unit vector `q`."""
        # (levels . q) * scale with levels = codes - 32, without a float copy of the levels
        codes = unpack6(self.sentence_codes[ids], len(q))
        cosines: np.ndarray = (inner_products(codes, q) - 32.0 * float(q.sum())) * self.sentence_scales[ids]
        return cosines


def load_index(index_dir: Path, settings: Settings, dimension: int) -> IndexData:
    """Open and verify the live generation. Raises IndexMissingError / IndexInvalidError."""
    import faiss
    import numpy as np

    from qa.store.lexical import Lexical

    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    check_manifest(manifest, gen, settings, dimension)
    try:
        store = TextStore.open(gen / TEXTS_FILE)
        docs = [doc_record(row, store) for row in read_jsonl(gen / DOCUMENTS_FILE)]
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
    # What a query needs of the manifest; its per-file tables (large for a large corpus) are for builds.
    kept = {k: v for k, v in manifest.items() if k not in ("files", "skipped", "checksums")}
    return IndexData(
        gen,
        kept,
        documents,
        ChunkTable(rows, docs),
        PassageVectors.open(index),
        sentences,
        codes,
        scales.astype(np.float32),
        rows[:, 0],
        (membership[0].astype(np.int32), membership[1].astype(np.int32)),
        lexical,
        sentence_lexical,
    )
