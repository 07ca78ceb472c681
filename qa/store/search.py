"""The candidate stage of a question: which passages get scored, with the raw signals fusion needs.

A question's candidates are the `want` passages nearest to its vector and the `pool` best by BM25
(every passage when the corpus is small); for each candidate, its exact cosine and BM25 score, and the
cosine and BM25 score of each sentence inside it. An index answers this in two steps so that a
sharded index gives exactly what one index over everything would:

- `Shard.search(request)`: each shard's own best passages by each signal, with their scores, and the
  signals of all of them (`Found`, in the shard's numbering);
- `select(found, ...)`: the best `want` by cosine and `pool` by BM25 over all shards' lists, and the
  signals of those only (`Candidates`, in the index's numbering).

One index is the one-shard case of the same code (`candidates`). Fusion, evidence and abstention
(qa/query/) read only `Candidates`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

# When the corpus holds at most this many times `pool` passages, every one is a candidate.
SMALL_CORPUS_POOLS = 2
# With a filter, the dense stage asks for this many times `pool` neighbours, then keeps the allowed ones.
FILTERED_POOLS = 16


@dataclass(frozen=True)
class Request:
    """One question's candidate stage, as sent to every shard (plain arrays: it crosses processes)."""

    vector: Any  # np.ndarray (d,) float32, the question's unit vector
    tokens: list[str]  # the question's BM25 tokens
    want: int  # nearest passages by vector
    pool: int  # best passages by BM25
    everything: bool  # the whole corpus is small: every (allowed) passage is a candidate
    doc_mask: Any = None  # np.ndarray of bool over the shard's documents, or None: no filter


@dataclass(frozen=True)
class Found:
    """One shard's answer to a `Request`, in its own numbering."""

    dense_ids: Any  # its `want` nearest passages, allowed or not (every allowed one when `everything`)
    dense_scores: Any  # their cosines
    lexical_ids: Any  # its `pool` best allowed passages by BM25, score > 0 (none when `everything`)
    lexical_scores: Any
    passages: Any  # sorted: every passage above, with its signals below
    allowed: Any  # bool for each: passes the request's filter
    passage_dense: Any
    passage_bm25: Any
    sentences: Any  # sorted: every sentence inside those passages
    sentence_dense: Any
    sentence_bm25: Any
    known: Any  # np.ndarray of bool: which of the request's tokens the shard's passages use


@dataclass(frozen=True)
class Candidates:
    """The candidates of a question over the whole index (its numbering), with their raw signals."""

    passages: Any  # sorted passage ids
    dense: Any  # cosine of each
    bm25: Any  # BM25 score of each
    sentences: Any  # sorted ids of the sentences inside them
    sentence_dense: Any
    sentence_bm25: Any
    coverage: float  # the share of the question's tokens that the corpus uses at all


class Shard(Protocol):
    def search(self, request: Request) -> Found: ...

    def signals(self, request: Request, passages: np.ndarray) -> Found: ...


def request(vector: np.ndarray, tokens: list[str], pool: int, total: int, doc_mask: np.ndarray | None) -> Request:
    """The request for a corpus of `total` passages: `pool` candidates of each kind (more by vector
    under a filter, whose disallowed neighbours are dropped)."""
    everything = total <= SMALL_CORPUS_POOLS * pool
    want = pool if doc_mask is None else min(total, pool * FILTERED_POOLS)
    return Request(vector, tokens, want, pool, everything, doc_mask)


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    import numpy as np

    return np.concatenate([np.zeros(0, dtype), *(np.asarray(a, dtype) for a in arrays)])


def _top(ids: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """The ids of the `n` highest scores (all when there are no more), in no particular order."""
    import numpy as np

    if n >= len(ids):
        return ids
    return ids[np.argpartition(-scores, n - 1)[:n]]


def select(
    found: Sequence[Found],
    req: Request,
    passage_offsets: Sequence[int],
    sentence_offsets: Sequence[int],
    sentences_of: Callable[[np.ndarray], np.ndarray],
    fallback: Callable[[int], tuple[Sequence[Found], np.ndarray]],
) -> Candidates:
    """The index's candidates from its shards' answers: the `want` nearest and `pool` best by BM25 over
    all shards, the disallowed dropped. `sentences_of(passages)`: the sorted ids of the sentences inside
    them. Under a filter that leaves nothing, `fallback(n)` gives the first `n` allowed passages (and
    the shards' signals of them): a filtered question always has candidates."""
    import numpy as np

    def joined(parts: Sequence[Found], field: str, offsets: Sequence[int] | None = None) -> np.ndarray:
        arrays = [getattr(f, field) for f in parts]
        if offsets is None:
            return _concat(arrays, np.float32 if field != "allowed" else bool)
        return _concat([np.asarray(a, np.int64) + off for a, off in zip(arrays, offsets, strict=True)], np.int64)

    known = np.zeros(len(req.tokens), dtype=bool)
    for f in found:
        known |= np.asarray(f.known, dtype=bool)
    coverage = float(known.sum()) / len(req.tokens) if req.tokens else 0.0

    if req.everything:
        chosen = joined(found, "dense_ids", passage_offsets)
    else:
        dense = _top(joined(found, "dense_ids", passage_offsets), joined(found, "dense_scores"), req.want)
        lexical = _top(joined(found, "lexical_ids", passage_offsets), joined(found, "lexical_scores"), req.pool)
        chosen = np.union1d(dense, lexical)
    passages = joined(found, "passages", passage_offsets)
    if req.doc_mask is not None and not req.everything:
        # the nearest passages are found before the filter: keep the allowed ones
        allowed = joined(found, "allowed")
        chosen = chosen[allowed[np.searchsorted(passages, chosen)]]
        if chosen.size == 0:
            found, chosen = fallback(req.pool * FILTERED_POOLS)
            passages = joined(found, "passages", passage_offsets)
    chosen = np.unique(chosen)
    at = np.searchsorted(passages, chosen)
    sentences = sentences_of(chosen)
    all_sentences = joined(found, "sentences", sentence_offsets)
    s_at = np.searchsorted(all_sentences, sentences)
    return Candidates(
        chosen,
        joined(found, "passage_dense")[at],
        joined(found, "passage_bm25")[at],
        sentences,
        joined(found, "sentence_dense")[s_at],
        joined(found, "sentence_bm25")[s_at],
        coverage,
    )
