"""The candidate stage of a question: which passages get scored, with the raw signals fusion needs.

A question's candidates are the `want` passages nearest to its vector and the `pool` best by BM25
(every passage when the corpus is small); for each candidate, its exact cosine and BM25 score, and the
cosine and BM25 score of each sentence inside it. An index answers this in two steps so that a
sharded index gives exactly what one index over everything would:

- `search(request)` of each shard (`IndexData.search`, qa/store/reader.py): its own best passages
  by each signal, with their scores, and the signals of all of them (`Found`, in its numbering);
- `select(found, ...)`: the best `want` by cosine and `pool` by BM25 over all shards' lists, and the
  signals of those only (`Candidates`, in the index's numbering).

One index is the one-shard case of the same code (`candidates`). Fusion, evidence and abstention
(qa/query/) read only `Candidates`.

Equal scores are broken by each passage's `passage_keys` (a hash of its file's path and its offset),
never by its number in the index: numbers differ between one index and its shards, so ties broken by
them would make the cut of `want` or `pool` (and the order of equal citations) depend on the layout.
Candidates come ordered by that key, so a stable sort of their scores breaks ties the same way too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    passage_keys: Any  # their tie-breaking keys (`passage_keys`)
    sentences: Any  # sorted: every sentence inside those passages
    sentence_dense: Any
    sentence_bm25: Any
    frequencies: Any  # np.ndarray of int: how many of the shard's passages (those the filters allow) use each token
    corpus_frequencies: Any  # ... of all its passages, filters or not


@dataclass(frozen=True)
class Candidates:
    """The candidates of a question over the whole index (its numbering), with their raw signals."""

    passages: Any  # passage ids, ordered by their tie-breaking keys
    dense: Any  # cosine of each
    bm25: Any  # BM25 score of each
    sentences: Any  # sorted ids of the sentences inside them
    sentence_dense: Any
    sentence_bm25: Any
    coverage: float  # the share of the question's tokens that the corpus (the filters' articles) uses at all
    frequencies: Any  # how many passages of the index (those the filters allow) use each of the question's tokens
    corpus_frequencies: Any  # ... of all its passages, filters or not (the idf's counts)


def request(vector: np.ndarray, tokens: list[str], pool: int, total: int, doc_mask: np.ndarray | None) -> Request:
    """The request for a corpus of `total` passages: `pool` candidates of each kind (more by vector
    under a filter, whose disallowed neighbours are dropped)."""
    everything = total <= SMALL_CORPUS_POOLS * pool
    want = pool if doc_mask is None else min(total, pool * FILTERED_POOLS)
    return Request(vector, tokens, want, pool, everything, doc_mask)


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    import numpy as np

    return np.concatenate([np.zeros(0, dtype), *(np.asarray(a, dtype) for a in arrays)])


def passage_keys(sources: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """A tie-breaking key of each passage (rows: document number, start, ...): the same for the same
    file and offset in any index or shard."""
    import hashlib

    import numpy as np

    doc = np.array(
        [int.from_bytes(hashlib.sha256(s.encode("utf-8")).digest()[:8], "big") for s in sources], np.uint64
    ).reshape(-1)
    if not len(rows):
        return np.zeros(0, np.uint64)
    with np.errstate(over="ignore"):
        keys: np.ndarray = doc[rows[:, 0]] * np.uint64(1_000_003) + rows[:, 1].astype(np.uint64)
    return keys


def top(ids: np.ndarray, scores: np.ndarray, keys: np.ndarray, n: int) -> np.ndarray:
    """The ids of the `n` highest scores, equal scores at the cut taken by their smallest key (all when
    there are no more than `n`), in no particular order."""
    import numpy as np

    if n >= len(ids):
        return ids
    if n <= 0:
        return ids[:0]
    cut = scores[np.argpartition(-scores, n - 1)[n - 1]]
    above = np.flatnonzero(scores > cut)
    tied = np.flatnonzero(scores == cut)
    tied = tied[np.argsort(keys[tied], kind="stable")[: n - len(above)]]
    out: np.ndarray = ids[np.concatenate([above, tied])]
    return out


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
            return _concat(arrays, {"allowed": bool, "passage_keys": np.uint64}.get(field, np.float32))
        return _concat([np.asarray(a, np.int64) + off for a, off in zip(arrays, offsets, strict=True)], np.int64)

    frequencies = np.zeros(len(req.tokens), dtype=np.int64)
    corpus_frequencies = np.zeros(len(req.tokens), dtype=np.int64)
    for f in found:
        frequencies += np.asarray(f.frequencies, dtype=np.int64)
        corpus_frequencies += np.asarray(f.corpus_frequencies, dtype=np.int64)
    coverage = float((frequencies > 0).sum()) / len(req.tokens) if req.tokens else 0.0

    passages = joined(found, "passages", passage_offsets)
    if req.everything:
        chosen = joined(found, "dense_ids", passage_offsets)
    else:
        keys = joined(found, "passage_keys")
        dense_ids = joined(found, "dense_ids", passage_offsets)
        lexical_ids = joined(found, "lexical_ids", passage_offsets)
        dense = top(dense_ids, joined(found, "dense_scores"), keys[np.searchsorted(passages, dense_ids)], req.want)
        lexical = top(
            lexical_ids, joined(found, "lexical_scores"), keys[np.searchsorted(passages, lexical_ids)], req.pool
        )
        chosen = np.union1d(dense, lexical)
    if req.doc_mask is not None and not req.everything:
        # the nearest passages are found before the filter: keep the allowed ones
        allowed = joined(found, "allowed")
        chosen = chosen[allowed[np.searchsorted(passages, chosen)]]
        if chosen.size == 0:
            found, chosen = fallback(req.pool * FILTERED_POOLS)
            passages = joined(found, "passages", passage_offsets)
    chosen = np.unique(chosen)
    at = np.searchsorted(passages, chosen)
    by_key = np.argsort(joined(found, "passage_keys")[at], kind="stable")
    chosen, at = chosen[by_key], at[by_key]
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
        frequencies,
        corpus_frequencies,
    )
