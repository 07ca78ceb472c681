"""Hybrid scoring, in one place: dense + BM25, at passage and at sentence level.

Every passage gets

    score = a * mm(dense_passage) + (1 - a) * mm(bm25_passage) + b * max over its sentences of
            (sa * mm(dense_sentence) + (1 - sa) * mm(bm25_sentence))

where mm() is min-max normalisation over the candidates of this query. The passage terms carry the
context (a question often paraphrases the paragraph around its answer); the sentence term rewards a
passage that contains one sentence matching the question closely, which is where answers are. The
sentence term also picks the evidence sentence to highlight.

The weights were chosen with `bench/tune_retrieval.py` / `qa eval` on the SQuAD subset: any `a` and
`sa` in 0.5-0.7 and `b` in 0.75-1.5 give hit@1 within a point of each other (a plateau, not a peak),
and the middle of it is used. Passage-only fusion plateaued at 0.89 hit@1; adding the sentence term
gave 0.90-0.91 over the whole plateau.
"""

from __future__ import annotations

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
    sent: np.ndarray,
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
