"""What a search gives the engine (qa/query/engine.py): the scored candidates of one searched text,
and the search an answer is made from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Scored:
    passages: Any  # np.ndarray of candidate passage ids
    passage_scores: Any  # their fused scores, in [0, 1]
    sentence_scores: Any  # fusion.SentenceScores: of the candidates' sentences (0 for any other)
    best_cosine: float  # the highest sentence cosine among the candidates
    text: str  # what was searched
    tokens: list[str]  # its BM25 tokens
    coverage: float  # the share of them the corpus (the filters' articles) uses at all
    frequencies: Any  # how many passages (of the filters' articles) use each of them
    corpus_frequencies: Any = None  # ... of the whole index, filters or not (the idf's; None: `frequencies`)

    def only(self, keep: Any) -> Scored:
        """The same search with only the candidate passages `keep` (a boolean mask over `passages`)."""
        return replace(self, passages=self.passages[keep], passage_scores=self.passage_scores[keep])


@dataclass(frozen=True)
class Chosen:
    """The search an answer comes from (`Engine._choose`): the question's own, or a follow-up's
    carried one."""

    scored: Scored  # what ranks the passages (a carried search's: the question's own words, in its article)
    searched: Scored  # whose words the cited article should hold
    cosine: float
    confidence: float  # before the first citation is known
    query: str  # the text searched
    states: Any  # its token states for late interaction (None: read when needed)
    by_searched: bool = False  # the carried search judged by its own words ("When?")


# What a follow-up's carried search gives (Engine._carried): its scores, its best passage (whose article
# the question's own words are searched in if it wins; None: no passage), and the carried text's token
# states.
Carried = tuple[Scored, int | None, Any]
