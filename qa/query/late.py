"""Late interaction: the first citations re-ordered by how well the question's words find their match in
each citation's text, read by the packaged MiniLM itself (no other weights).

The first stage compares one vector per question with one per passage and per sentence (plus BM25),
so a passage can win on its topic while its neighbour says what was asked. A model that reads the
question against the passage is what separates them; none ships its weights in a package here. The
packaged MiniLM can do a part of that reading: ColBERT's MaxSim (Khattab & Zaharia, 2020) over its
own token states, each word piece of the question matched with its most similar word piece of the
citation (in context: the states come from reading the whole text), averaged over the question.

It runs only where the first stage is unsure, and on few texts (encoding a citation costs ~5
times a question): among the first `top` citations (Settings.late_top, QA_LATE_TOP), those scoring
within `late_window` of the first; when only the first is there, nothing is encoded. Their order
becomes (score / first score) + `late` x (MaxSim - best MaxSim). Constants chosen by
cross-validation split by article (docs/MEASUREMENTS.md, "Late interaction"); the citations' text is read by the
int8 copy of the model when there is one, which ranked as well as the full model in those folds.
The question is read by the full model (its states come from the run that made its vector), a
follow-up searched with carried words by the int8 copy (from the carried search's own run). A carried
follow-up ("What did the Arab League call the move?" + the conversation's words) is read whole, so
that its "he" and "the move" have their context, but MaxSim is averaged over its own word pieces
only (`own_pieces`, the question's lead the carried words follow): the carried words would vote for
the passage that answered the earlier question (four conversation sets: follow-ups 7 won, 2 lost;
docs/MEASUREMENTS.md, "Follow-up questions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qa.answer import Citation
from qa.embed.protocol import StatesEmbedder

if TYPE_CHECKING:
    import numpy as np

    from qa.query.params import RetrievalParams


def _unit_inner(states: np.ndarray) -> np.ndarray:
    """The word-piece states without [CLS] and [SEP], each of unit length."""
    import numpy as np

    inner = states[1:-1] if len(states) > 2 else states
    norms = np.linalg.norm(inner, axis=1, keepdims=True)
    out: np.ndarray = inner / np.maximum(norms, 1e-12)
    return out


def maxsim(question: np.ndarray, text: np.ndarray) -> float:
    """The mean, over the question's word pieces, of the cosine of its closest word piece of the
    text (both as unit-length rows)."""
    return float((question @ text.T).max(axis=1).mean())


def own_pieces(own_states: np.ndarray | None) -> int | None:
    """How many word pieces a question's own words are, from its token states ([CLS] and [SEP]
    included); None when there are none to count."""
    return None if own_states is None else max(1, len(own_states) - 2)


def rerank(
    citations: Sequence[Citation],
    question: str,
    reader: StatesEmbedder,
    passages_reader: StatesEmbedder,
    params: RetrievalParams,
    top: int,
    question_states: np.ndarray | None = None,
    own: int | None = None,
) -> tuple[Citation, ...]:
    """`citations` with the close ones at the top re-ordered (see the module), renumbered from 1.
    The re-ordered ones' `score` becomes first score x their combined value. `question_states`:
    the token states of `question` when the caller already has them from the run that encoded it
    (by `reader`, or by the int8 copy for a carried follow-up); else `reader` reads it here. `own`:
    MaxSim is averaged over the first `own` word pieces of `question` only (a follow-up's own words,
    the carried ones after them); None: over all."""
    cits = tuple(citations)
    if params.late <= 0 or top < 2 or len(cits) < 2 or cits[0].score <= 0:
        return cits
    first = cits[0].score
    floor = 1.0 - params.late_window
    close = [c for c in cits[:top] if c.score >= floor * first]
    if len(close) < 2:
        return cits
    q = _unit_inner(reader.token_states([question])[0] if question_states is None else question_states)
    if own is not None:
        q = q[:own]
    sims = [maxsim(q, _unit_inner(s)) for s in passages_reader.token_states([c.text for c in close])]
    best = max(sims)
    # Floored at the window's bottom, or the next citation's score if that is higher (when `top`
    # stopped the group), so that scores still fall down the list.
    if len(cits) > len(close):
        floor = max(floor, cits[len(close)].score / first)
    value = [max(floor, c.score / first + params.late * (m - best)) for c, m in zip(close, sims, strict=True)]
    order = sorted(range(len(close)), key=lambda i: -value[i])  # stable: ties keep the first stage's order
    head = [replace(close[i], score=first * value[i]) for i in order]
    return tuple(replace(c, n=n) for n, c in enumerate([*head, *cits[len(close) :]], 1))
