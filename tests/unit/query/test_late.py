"""Late interaction (qa/query/late.py): the close first citations re-ordered by MaxSim over token states,
with the hashing FakeEmbedder, whose word pieces match exactly when the words are the same."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import qa
from qa.answer import Citation, Highlight
from qa.query import late
from qa.query.params import RetrievalParams
from qa.query.validate import as_question
from tests.conftest import FakeEmbedder
from tests.unit.query.test_engine import QUESTIONS

QUESTION = "Which harbour did the ferry leave at dawn?"


def citation(n: int, text: str, score: float) -> Citation:
    return Citation(
        n, f"{n:03d}.txt", None, None, None, None, 0, len(text), 1, 1, text, Highlight(0, len(text), text), score
    )


def reranked(cits: tuple[Citation, ...], top: int = 3, **params: float) -> tuple[Citation, ...]:
    """`cits` re-ordered with a fresh FakeEmbedder; their scores must still fall down the list."""
    fake = FakeEmbedder()
    out = late.rerank(cits, QUESTION, fake, fake, RetrievalParams(**params), top)
    assert [c.n for c in out] == list(range(1, len(out) + 1)), "citations are renumbered from 1"
    assert [c.score for c in out] == sorted((c.score for c in out), reverse=True), [c.score for c in out]
    return out


def test_maxsim_is_one_for_the_same_words_and_lower_for_other_words() -> None:
    fake = FakeEmbedder()
    q, same, other = (late._unit_inner(s) for s in fake.token_states([QUESTION, QUESTION, "Stock markets fell."]))
    assert late.maxsim(q, same) == pytest.approx(1.0)
    assert late.maxsim(q, other) < 0.5
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0), "the question's pieces are unit rows"


def test_a_close_citation_that_reads_like_the_question_moves_first() -> None:
    cits = (
        citation(1, "Tourists bought postcards in the old town square all afternoon.", 0.80),
        citation(2, "The ferry left the harbour at dawn, which harbour it was the crew did not say.", 0.78),
        citation(3, "Fishing quotas were debated in parliament.", 0.40),
    )
    out = reranked(cits, late=1.5, late_window=0.1)
    assert [c.source for c in out] == ["002.txt", "001.txt", "003.txt"], "the reading match did not decide"
    assert out[2] == cits[2], "a citation outside the window is left as it was"
    assert out[0].text == cits[1].text and out[0].highlight == cits[1].highlight, "the excerpt itself changed"


def test_nothing_is_read_when_the_first_citation_stands_alone_or_the_rerank_is_off() -> None:
    cits = (citation(1, "The ferry left at dawn.", 0.9), citation(2, "Which harbour did the ferry leave?", 0.5))
    fake = FakeEmbedder()
    assert late.rerank(cits, QUESTION, fake, fake, RetrievalParams(late_window=0.1), 3) == cits
    assert fake.encoded == 0, "texts were encoded although no citation was within the window"
    close = (cits[0], replace(cits[1], score=0.88))
    assert late.rerank(close, QUESTION, fake, fake, RetrievalParams(late=0.0), 3) == close
    assert late.rerank(close, QUESTION, fake, fake, RetrievalParams(), 0) == close, "QA_LATE_TOP=0 turns it off"
    assert fake.encoded == 0
    moved = late.rerank(close, QUESTION, fake, fake, RetrievalParams(late=1.5, late_window=0.1), 3)
    assert moved[0].text == close[1].text and fake.encoded == 3, "the question and both citations are read once"
    (states,) = fake.token_states([QUESTION])
    fake.encoded = 0
    again = late.rerank(close, QUESTION, fake, fake, RetrievalParams(late=1.5, late_window=0.1), 3, states)
    assert again == moved and fake.encoded == 2, "given the question's states, only the citations are read"


class Recording(FakeEmbedder):
    """The fake model, noting every text it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        self.read += texts
        return super().token_states(texts)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.read += texts
        return super().encode(texts, progress=progress)

    def encode_with_states(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        self.read += texts  # one run of the model
        return FakeEmbedder().encode(texts), FakeEmbedder().token_states(texts)


def test_a_question_read_again_by_late_interaction_is_encoded_once(corpus: Path) -> None:
    """The question's vector and the token states the late reading needs come from one run of the model,
    and the answers are those of an engine that reads the question twice."""
    qa.build(corpus, corpus.parent / "late-index", embedder=FakeEmbedder())
    settings = qa.Settings(late_top=5)
    pooled = qa.load(corpus.parent / "late-index", embedder=Recording(), settings=settings)
    apart = qa.load(corpus.parent / "late-index", embedder=Separate(), settings=settings)
    pooled.params = apart.params = RetrievalParams(late_window=1.0)  # read whenever two citations are there
    model = pooled.embedder
    assert isinstance(model, Recording)
    read_late = 0
    for question in QUESTIONS:
        model.read.clear()
        answer = pooled.ask(question)
        assert model.read.count(as_question(answer.question)) == 1, model.read
        read_late += len(model.read) > 1
        assert answer.to_dict() == apart.ask(question).to_dict()
    assert read_late, "late interaction never read a citation: the test proves nothing"


class Separate(FakeEmbedder):
    """The fake model without `encode_with_states`: the engine encodes, then reads the question again."""

    encode_with_states = None  # type: ignore[assignment]


def test_scores_still_fall_when_the_group_stops_at_top() -> None:
    """A citation the group left out (past `top`) but scoring close keeps a score below the group's."""
    cits = (
        citation(1, "Tourists bought postcards in the old town square.", 0.80),
        citation(2, "The ferry left the harbour at dawn.", 0.79),
        citation(3, "Postcards again, and the old town.", 0.785),
    )
    out = reranked(cits, 2, late=3.0, late_window=0.2)
    assert [c.source for c in out] == ["002.txt", "001.txt", "003.txt"]


def test_a_follow_ups_carried_text_is_read_once_by_the_model_that_searched_it(corpus: Path) -> None:
    """A follow-up searched with the conversation's words is read again by late interaction against
    that text: its token states come from the carried search's own run of the model."""
    qa.build(corpus, corpus.parent / "late-index", embedder=FakeEmbedder())
    engine = qa.load(corpus.parent / "late-index", embedder=Recording(), settings=qa.Settings(late_top=5))
    engine.params = RetrievalParams(late_window=1.0)
    model = engine.embedder
    assert isinstance(model, Recording)
    carried = 0
    for first in QUESTIONS[:6]:
        for follow_up in ("What did he add?", "And when was that?", "Why?"):
            model.read.clear()
            answer = engine.ask(follow_up, history=[first])
            if answer.query != answer.question and not answer.abstained:
                carried += 1
                assert model.read.count(answer.query) == 1, model.read
    assert carried, "no follow-up was searched with carried words: the test proves nothing"


def test_a_carried_follow_up_is_read_whole_but_only_its_own_words_vote() -> None:
    """A follow-up searched with the conversation's words is read with them (they give its words
    their context) but MaxSim is averaged over its own word pieces: the carried words would vote for
    the passage that answered the earlier question."""
    follow_up = "Which harbour did the ferry leave?"
    carried = f"{follow_up} (tourists bought postcards old town square)"
    cits = (
        citation(1, "Tourists bought postcards in the old town square.", 0.80),
        citation(2, "The ferry left the harbour at dawn.", 0.79),
    )
    fake = FakeEmbedder()
    params = RetrievalParams(late=3.0, late_window=0.2)
    (own_states,) = fake.token_states([follow_up])
    own = late.own_pieces(own_states)
    assert own == len(follow_up.split()), own
    by_all = late.rerank(cits, carried, fake, fake, params, 3)
    by_own = late.rerank(cits, carried, fake, fake, params, 3, own=own)
    assert by_all[0].source == "001.txt", "the carried words did not vote: the test proves nothing"
    assert by_own[0].source == "002.txt", "the follow-up's own words did not decide"
    assert late.own_pieces(None) is None
