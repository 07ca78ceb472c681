"""What each file contributes to a generation: read back from the previous one (unchanged files), or
chunked, split into sentences and embedded (new and changed files). Its text, passage vectors and
sentence codes wait in the build's staging files (qa/indexing/staging.py), not in memory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.chunking import Chunk, Chunker, sentence_spans
from qa.embed.protocol import TokenEmbedder
from qa.indexing.staging import Part, Staging
from qa.ingest.document import Document
from qa.store.codes6 import quantize_rows
from qa.store.generation import read_jsonl
from qa.store.layout import (
    CHUNKS_FILE,
    DOCUMENTS_FILE,
    FAISS_FILE,
    SENTENCE_SCALES,
    SENTENCE_VECTORS,
    SENTENCES_FILE,
    TEXTS_FILE,
)
from qa.store.tables import document_sentences
from qa.store.texts import TextStore, doc_record

if TYPE_CHECKING:
    import numpy as np

    from qa.config import Settings
    from qa.embed.protocol import Embedder

# New and changed files are read, analysed and embedded in batches of about this many bytes of files
# (a few thousand passages of news); each batch's texts, float32 passage vectors and 6-bit sentence
# codes go to the build's staging files (qa/indexing/staging.py), so memory holds one batch at a time,
# not the analysed documents and vectors of the whole corpus.
BATCH_BYTES = 4_000_000


def stage(
    staging: Staging,
    record: dict[str, Any],
    text: str,
    chunks: np.ndarray,
    vectors: np.ndarray,
    sentences: np.ndarray,
    codes: np.ndarray,
    scales: np.ndarray,
) -> Part:
    """One file's contribution moved to `staging`: chunk rows (n, 4) with their vectors, sentence
    spans (m, 2) with their 6-bit codes and scales (qa/store/codes6.py), its text."""
    return Part(
        json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        staging.add_text(text),
        staging.add_passages(chunks, vectors),
        len(chunks),
        staging.add_sentences(sentences, codes, scales),
        len(sentences),
    )


def old_parts(
    prev_gen: Path, keep: list[str], staging: Staging, renamed: dict[str, str] | None = None
) -> dict[str, Part]:
    """The parts of unchanged files, read back from the previous generation (no re-embedding) and
    staged a file at a time; `renamed`: old name -> the name the same bytes have now."""
    import faiss
    import numpy as np

    if not keep:
        return {}
    docs = read_jsonl(prev_gen / DOCUMENTS_FILE)
    store = TextStore.open(prev_gen / TEXTS_FILE)
    rows = np.load(prev_gen / CHUNKS_FILE, allow_pickle=False)
    cvec = faiss.read_index(str(prev_gen / FAISS_FILE))
    if hasattr(cvec, "make_direct_map"):
        cvec.make_direct_map()
    codes = np.load(prev_gen / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
    scales = np.load(prev_gen / SENTENCE_SCALES, allow_pickle=False)
    sent = np.load(prev_gen / SENTENCES_FILE, allow_pickle=False)
    wanted = set(keep)
    parts: dict[str, Part] = {}
    # Both tables are sorted by document number: each document's rows are one slice.
    c_bounds = np.searchsorted(rows[:, 0], np.arange(len(docs) + 1), "left")
    s_bounds = np.searchsorted(sent[:, 0], np.arange(len(docs) + 1), "left")
    for d_idx, doc in enumerate(docs):
        if doc["source"] not in wanted:
            continue
        c0, c1 = c_bounds[d_idx], c_bounds[d_idx + 1]
        s0, s1 = s_bounds[d_idx], s_bounds[d_idx + 1]
        record = doc_record(doc, store)
        # An IVF index gives back its 8-bit codes decoded; adding them again gives the same codes.
        vectors = cvec.reconstruct_n(int(c0), int(c1 - c0)) if c1 > c0 else np.zeros((0, cvec.d), np.float32)
        row = record.row()
        row["source"] = (renamed or {}).get(row["source"], row["source"])
        parts[row["source"]] = stage(
            staging,
            row,
            record.text,
            rows[c0:c1, 1:],
            vectors,
            sent[s0:s1, 1:3],
            np.asarray(codes[s0:s1]),
            scales[s0:s1],
        )
    return parts


def embed(
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
    if mode != "pooled" or not isinstance(embedder, TokenEmbedder):
        vectors = embedder.encode(passages + sentences, progress=progress)
        return vectors[: len(passages)], vectors[len(passages) :]

    sums, _counts = embedder.token_sums(sentences, progress=progress)
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
    sentence_vectors = unit(sums)
    passage_vectors = unit(passage_sums)
    empty = [i for i in range(len(passages)) if not passage_sums[i].any()]
    if empty:  # a passage of no sentence at all (whitespace): encode it as it is
        passage_vectors[empty] = embedder.encode([passages[i] for i in empty])
    return passage_vectors, sentence_vectors


def unit(x: np.ndarray) -> np.ndarray:
    """The rows of float32 `x` scaled to unit length in place (no temporary as large as `x`: at 100k
    passages the sentence vectors alone are 445 MB); returns `x`."""
    import numpy as np

    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    x /= np.maximum(norms, 1e-12)[:, None]
    return x


@dataclass
class Made:
    """A new or changed file's contribution as arrays, made wherever the model runs (this process, or
    a Ray actor: qa/indexing/ray_parts.py), before it is staged."""

    record: dict[str, Any]  # the documents.jsonl row
    text: str
    chunks: np.ndarray  # int64 (n, 4)
    vectors: np.ndarray  # float32 (n, d)
    sentences: np.ndarray  # int64 (m, 2)
    codes: np.ndarray  # 6-bit packed (m, w)
    scales: np.ndarray  # float32 (m,)

    def stage(self, staging: Staging) -> Part:
        """This file's part, everything it holds moved to `staging`."""
        return stage(
            staging, self.record, self.text, self.chunks, self.vectors, self.sentences, self.codes, self.scales
        )


# (source, what it contributes or None, why it is skipped)
Outcome = tuple[str, "Made | None", str]
# Yielded after the outcomes of each batch, before the next batch's work: the build makes what it
# staged durable then (qa/indexing/staging.py), not only when the next batch is done.
BATCH_DONE: Outcome = ("", None, "")


# The reasons a file is skipped that may not hold at the next build (moved away or locked for a
# moment, changed while read): it keeps its indexed version and is read again then (`transient`).
CHANGED_WHILE_READ = "changed while the index was built; run `qa index` again"
CANNOT_READ = "cannot be read ({})"


def transient(reason: str) -> bool:
    """Whether a reason to skip a file is one of those above."""
    return reason == CHANGED_WHILE_READ or reason.startswith(CANNOT_READ.split("{", 1)[0])


def read_seed(seeds: Path, src: str, sha: str) -> tuple[Document | None, str, int]:
    """File `src` read and analysed: its document (None if it is skipped), why it is skipped, its size."""
    from qa.errors import UnreadableFileError
    from qa.ingest.decode import sha256_bytes
    from qa.ingest.files import read_document

    try:
        raw = (seeds / src).read_bytes()
        if sha256_bytes(raw) != sha:
            return None, CHANGED_WHILE_READ, 0
        doc = read_document(seeds / src, seeds, raw=raw)
    except OSError as err:
        return None, CANNOT_READ.format(err.strerror), 0
    except UnreadableFileError as err:
        return None, err.reason, 0
    return doc, "", len(raw)


@dataclass
class Work:
    """The new and changed files of a build, and what making their parts takes."""

    seeds: Path
    todo: list[tuple[str, str]]  # (source, sha256), sorted by source
    settings: Settings
    embedder_factory: Callable[[], Embedder]  # called only if some file needs the model
    count_tokens: Callable[[str], int] | None
    progress: bool
    log: Callable[[str], None]


# Makes the parts of a build's new and changed files: each file's Outcome, in any order (here:
# `local_parts`; on Ray: qa/indexing/ray_parts.py).
MakeParts = Callable[[Work], Iterator[Outcome]]


def local_parts(work: Work) -> Iterator[Outcome]:
    """The files read, analysed, chunked and embedded here, a batch of about BATCH_BYTES of files at
    a time (the model made only if some file needs it)."""
    chunker: Chunker | None = None
    embedder: Embedder | None = None
    batch: dict[str, Document] = {}
    batch_bytes = 0
    for i, (src, sha) in enumerate(work.todo):
        doc, reason, size = read_seed(work.seeds, src, sha)
        if doc is None:
            yield src, None, reason
        else:
            batch[src] = doc
            batch_bytes += size
        if batch and (batch_bytes >= BATCH_BYTES or i == len(work.todo) - 1):
            if embedder is None or chunker is None:
                embedder = work.embedder_factory()
                count = work.count_tokens or embedder.count_tokens
                chunker = Chunker(count, work.settings.chunk_tokens, work.settings.chunk_overlap)
            made = make(batch, chunker, embedder, work.settings.passage_vectors, work.progress, work.log)
            for made_src, part in made.items():
                yield made_src, part, ""
            yield BATCH_DONE
            batch, batch_bytes = {}, 0


def make(
    docs: dict[str, Document],
    chunker: Chunker,
    embedder: Embedder,
    mode: str,
    progress: bool,
    log: Callable[[str], None],
) -> dict[str, Made]:
    """Chunk, split into sentences and embed the new and changed files."""
    import numpy as np

    chunks = {src: chunker.split(doc) for src, doc in docs.items()}
    held = {src: [sentence_spans(doc.text, c.start, c.end) for c in chunks[src]] for src, doc in docs.items()}
    sents = {src: document_sentences(held[src]) for src in docs}
    n_passages = sum(len(cs) for cs in chunks.values())
    n_sentences = sum(len(ss) for ss in sents.values())
    log(f"embedding {n_passages} passages ({n_sentences} sentences) from {len(docs)} files")
    passage_vectors, sentence_vectors = embed(docs, chunks, held, sents, embedder, mode, progress)
    made: dict[str, Made] = {}
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
        codes, scales = quantize_rows(sentence_vectors[si : si + len(ss)])
        made[src] = Made(
            record,
            doc.text,
            np.array([(c.start, c.end, c.start_line, c.end_line) for c in cs], dtype=np.int64).reshape(-1, 4),
            passage_vectors[ci : ci + len(cs)].copy(),  # not a view that keeps the batch's array alive
            np.array(ss, dtype=np.int64).reshape(-1, 2),
            codes,
            scales,
        )
        ci += len(cs)
        si += len(ss)
    return made
