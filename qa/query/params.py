"""Every query-time constant of retrieval in one frozen value: the fusion weights (qa/query/fusion.py),
the evidence and highlight choices, the second stage and the candidate pool. `Engine.params` holds
one; bench/cv.py chooses them by cross-validation with `dataclasses.replace`, and
docs/MEASUREMENTS.md reports what each choice did on held-out folds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalParams:
    passage_dense: float = 0.6  # a
    sentence_dense: float = 0.6  # sa
    sentence: float = 1.0  # b
    # Evidence sentence: its score + this share of the previous sentence's (see engine.Engine._window).
    previous_share: float = 0.15
    # The highlight takes in the better neighbour of the evidence sentence when that one scores at
    # least this share of the evidence's own score (above 1: never).
    pair_ratio: float = 1.01
    # Sentences that are not running text (headings, captions, list and link lines) count this share.
    heading: float = 1.0
    # Highlight the sentence closest to the question too when it is next to the evidence (the context
    # the question restates, then its answer).
    pair_context: bool = False
    # Second stage: a sentence offering the answer type the question asks for gains this much (its fused
    # score is in [0, 1]; qa/query/cues.py; 0: off).
    cue: float = 0.3

    # Late interaction (qa/query/late.py): among the first Settings.late_top citations, those scoring
    # within `late_window` of the first are re-ordered by score / first + late x (MaxSim - best
    # MaxSim). 0: off.
    late: float = 3.0
    late_window: float = 0.2

    # Candidates per question from each of FAISS and BM25 (Engine._score); cost grows with these, not
    # with the corpus.
    candidates: int = 256
    # Passages re-scored in the second stage (their text read): headings, answer-type cues.
    rerank: int = 12
    # An excerpt shorter than this (a short paragraph) takes in sentences of the paragraphs around it
    # (qa/query/citations.py, evidence_window).
    fill_chars: int = 400

    @property
    def top(self) -> float:
        """The largest score a passage can get, for scaling scores to [0, 1]."""
        return 1.0 + self.sentence
