"""The ranking's query-time constants in one frozen value: the fusion weights (qa/query/fusion.py),
the evidence and highlight choices, the second stage, late interaction's weights and the candidate
pool. `Engine.params` holds one; bench/cv.py chooses them by cross-validation with
`dataclasses.replace`, and docs/MEASUREMENTS.md reports what each choice did on held-out folds. Not
here: the excerpt's most characters (`MAX_CITATION_CHARS`, `WINDOW_CHARS` in qa/query/citations.py;
how far it fills around its evidence, `fill_chars`, is here), the follow-up rules (qa/query/conversation.py), and
how many first citations late interaction may read (`Settings.late_top`, a user's speed setting)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalParams:
    # Fusion (qa/query/fusion.py): a passage scores passage_dense x its cosine + (1 - passage_dense) x
    # its BM25 (each min-max scaled over the candidates) + sentence x its best sentence's score, which
    # is sentence_dense x the sentence's cosine + (1 - sentence_dense) x its BM25, scaled alike.
    passage_dense: float = 0.6
    sentence_dense: float = 0.6
    sentence: float = 1.0
    # Evidence sentence: its score + this share of the previous sentence's (see engine.Engine._window).
    previous_share: float = 0.15
    # Switches that are off (pair_ratio, heading, pair_context): kept so that bench/cv.py's grids can
    # try them; docs/MEASUREMENTS.md says why each stayed off.
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
        """The largest fused score a passage can get (1 + `sentence`), for scaling scores to [0, 1]."""
        return 1.0 + self.sentence

    @staticmethod
    def ranked_for(k: int) -> int:
        """How many of the best passages are made into excerpts for `k` citations: merging overlapping
        excerpts and citing one file per story drop some, so a few times `k`, and a few more for a small k."""
        return k * 4 + 8
