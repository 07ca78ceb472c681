"""Hybrid scoring, in one place: dense + BM25, at passage and at sentence level.

Every passage gets

    score = a * mm(dense_passage) + (1 - a) * mm(bm25_passage) + b * max over its sentences of
            (sa * mm(dense_sentence) + (1 - sa) * mm(bm25_sentence))

where mm() is min-max normalisation over the candidates of this query. The passage terms carry the
context (a question often paraphrases the paragraph around its answer); the sentence term rewards a
passage that contains one sentence matching the question closely, which is where answers are. The
sentence term also picks the evidence sentence to highlight.

The weights live in qa/query/params.py. They were first chosen with `bench/tune_retrieval.py` on the
SQuAD subset: any `a` and `sa` in 0.5-0.7 and `b` in 0.75-1.5 give hit@1 within a point of each other
(a plateau, not a peak), and the middle of it is used (passage-only fusion plateaued at 0.89 hit@1;
the sentence term gave 0.90-0.91 over the whole plateau); since then `bench/cv.py` re-checks them by
cross-validation, split by article, over the news set and the SQuAD subset (docs/MEASUREMENTS.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qa.query.params import RetrievalParams


def minmax(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Scale to [0, 1] over the entries `mask` allows (others become 0)."""
    x = x.astype(np.float32)
    pool = x if mask is None else x[mask]
    if pool.size == 0:
        return np.zeros_like(x)
    lo, hi = float(pool.min()), float(pool.max())
    out = np.zeros_like(x) if hi - lo < 1e-9 else (x - lo) / (hi - lo)
    if mask is not None:
        out = np.where(mask, out, 0.0).astype(np.float32)
    return out


def sentence_scores(
    dense: np.ndarray, bm25: np.ndarray, w: RetrievalParams, mask: np.ndarray | None = None
) -> np.ndarray:
    return w.sentence_dense * minmax(dense, mask) + (1 - w.sentence_dense) * minmax(bm25, mask)


def passage_scores(
    dense: np.ndarray,
    bm25: np.ndarray,
    sent: SentenceScores | np.ndarray,
    pair_sentence: np.ndarray,
    pair_passage: np.ndarray,
    w: RetrievalParams,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Fused passage scores, scaled to [0, 1]; passages outside `mask` score -1.

    `pair_sentence[i]` lies inside passage `pair_passage[i]` (a sentence in an overlap belongs to both).
    """
    best = np.zeros(dense.shape[0], dtype=np.float32)
    if pair_sentence.size:
        np.maximum.at(best, pair_passage, sent[pair_sentence])
    fused = w.passage_dense * minmax(dense, mask) + (1 - w.passage_dense) * minmax(bm25, mask) + w.sentence * best
    fused = fused / w.top
    if mask is not None:
        fused = np.where(mask, fused, -1.0)
    return fused.astype(np.float32)


class SentenceScores:
    """The fused scores of a question's candidate sentences, read like one array of a score per
    sentence of the corpus (every other sentence scores 0) without being one: a question touches a few
    thousand sentences, and a dense array of the corpus's would cost 4 bytes a sentence per question
    (20 MB at a million passages, 400 MB at a hundred million). Reading by an id, an array of ids or
    a slice gives what the dense array would; setting one id adds it if it is not there yet."""

    def __init__(self, size: int, ids: np.ndarray, values: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.size = size
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.values = np.asarray(values, dtype=np.float32)[order]
        if self.ids.size > 1 and not (np.diff(self.ids) > 0).all():
            raise ValueError("sentence ids must be distinct")

    def __len__(self) -> int:
        return self.size

    def _find(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of `ids` is in self.ids, and whether it is there."""
        at = np.searchsorted(self.ids, ids)
        found = at < self.ids.size
        found[found] = self.ids[at[found]] == ids[found]
        return at, found

    def __getitem__(self, key: int | slice | np.ndarray) -> Any:
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.size)
            if step != 1:
                raise IndexError("SentenceScores slices take no step")
            out = np.zeros(max(0, hi - lo), dtype=np.float32)
            a, b = np.searchsorted(self.ids, [lo, hi])
            out[self.ids[a:b] - lo] = self.values[a:b]
            return out
        ids = np.asarray(key, dtype=np.int64)
        at, found = self._find(ids.reshape(-1))
        out = np.zeros(at.shape, dtype=np.float32)
        out[found] = self.values[at[found]]
        return out.reshape(ids.shape) if ids.ndim else np.float32(out[0])

    def __setitem__(self, key: int, value: float) -> None:
        i = int(key)
        at = int(np.searchsorted(self.ids, i))
        if at < self.ids.size and self.ids[at] == i:
            self.values[at] = value
        else:
            self.ids = np.insert(self.ids, at, i)
            self.values = np.insert(self.values, at, np.float32(value))

    def copy(self) -> SentenceScores:
        return SentenceScores(self.size, self.ids.copy(), self.values.copy())
