"""The question-answering engine: a loaded index plus the model, behind `ask()`.

`qa.load(dir)` returns an `Engine`; the CLI, the Python API and the UI all call `Engine.ask`, so they
give the same answer object.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa import fusion
from qa.answer import NOT_IN_SOURCES, Answer, compose
from qa.config import MODEL_DIMENSION, Settings
from qa.errors import UsageError
from qa.index import IndexData, load_index
from qa.retrieve import DocInfo, Hit, Span, compute_idf, make_citation, merge_hits

if TYPE_CHECKING:
    import numpy as np

    from qa.embedder import Embedder

# The model reads at most 256 word pieces; a question longer than this is cut before encoding.
MAX_QUESTION_CHARS = 2000
# How many of the closest passages an abstention shows, for the reader to judge.
NEAREST = 3
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clean_question(question: str) -> str:
    """Strip control and format characters (NUL, bidi overrides, lone surrogates) and white space."""
    if not isinstance(question, str):
        raise UsageError("The question must be text.")
    kept = []
    for ch in question:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs") and ch not in "\n\t":
            continue
        kept.append(ch)
    cleaned = " ".join("".join(kept).split())
    if not cleaned:
        raise UsageError('The question is empty; ask something, e.g. qa ask "Who visited Pyongyang?"')
    return cleaned[:MAX_QUESTION_CHARS]


def _is_calendar_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _DATE.match(value) or not _is_calendar_date(value):
        raise UsageError(f"--{name} {value!r} is not a date; use YYYY-MM-DD, e.g. --{name} 2024-01-31.")
    return value


class Engine:
    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings) -> None:
        self.data = data
        self.embedder = embedder
        self.settings = settings
        self._docs = {
            src: DocInfo(d.text, d.title, d.published, d.outlet, d.url, d.encoding) for src, d in data.documents.items()
        }
        self._idf = compute_idf(c.text for c in data.chunks)
        self.weights = fusion.Weights()
        # Rows of data.sentences per source (they are stored sorted by document).
        self._sentence_range: dict[str, tuple[int, int]] = {}
        for i, src in enumerate(data.sentence_sources):
            lo, _ = self._sentence_range.get(src, (i, i))
            self._sentence_range[src] = (lo, i + 1)
        for src in data.documents:
            self._sentence_range.setdefault(src, (0, 0))

    @property
    def path(self) -> Path:
        return self.data.path

    def documents(self) -> list[dict[str, object]]:
        """The indexed articles (for listings): source, title, date, outlet, number of chunks."""
        return [
            {
                "source": d.source,
                "title": d.title,
                "published": d.published,
                "outlet": d.outlet,
                "url": d.url,
                "chunks": d.chunks,
            }
            for d in sorted(self.data.documents.values(), key=lambda d: d.source)
        ]

    def _allowed(self, source: str | None, since: str | None, until: str | None) -> set[str] | None:
        if not (source or since or until):
            return None
        allowed = set()
        for src, doc in self._docs.items():
            if source and not fnmatch.fnmatch(src, source):
                continue
            if (since or until) and doc.published is None:
                continue
            if since and doc.published is not None and doc.published < since:
                continue
            if until and doc.published is not None and doc.published > until:
                continue
            allowed.add(src)
        return allowed

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Answer:
        """Answer `question` with up to `k` cited passages (see CITATIONS.md)."""
        import numpy as np

        q = clean_question(question)
        k = self.settings.k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise UsageError("k must be a whole number of at least 1, e.g. -k 5.")
        allowed = self._allowed(source, check_date("since", since), check_date("until", until))
        chunks = self.data.chunks
        if not chunks or (allowed is not None and not allowed):
            return Answer(q, True, NOT_IN_SOURCES)

        data = self.data
        p_mask = s_mask = None
        if allowed is not None:
            p_mask = np.fromiter((c.source in allowed for c in chunks), bool, len(chunks))
            s_mask = np.fromiter((src in allowed for src in data.sentence_sources), bool, len(data.sentence_sources))

        qv = np.asarray(self.embedder.encode([q]), dtype=np.float32)
        dense_p = _all_scores(data.faiss, qv)
        dense_s = _all_scores(data.sentence_faiss, qv)
        sent = fusion.sentence_scores(dense_s, data.sentence_lexical.scores(q), self.weights, s_mask)
        passage = fusion.passage_scores(
            dense_p, data.lexical.scores(q), sent, data.pair_sentence, data.pair_passage, self.weights, p_mask
        )
        # Confidence that the corpus answers at all: the closest single sentence (raw cosine), times
        # the share of the question's words the corpus uses at all. The cosine alone is fooled by
        # questions the model cannot read (another language) or that share only a topic; the word
        # share alone by paraphrase. Their product separates answerable from off-topic questions best
        # on the SQuAD subset (README, "Abstention").
        allowed_dense = dense_s if s_mask is None else dense_s[s_mask]
        best_cosine = float(allowed_dense.max()) if allowed_dense.size else 0.0
        confidence = max(0.0, best_cosine) * data.lexical.coverage(q)

        candidates = np.argsort(-passage)[: k * 4 + 8]
        hits = [Hit(chunks[i], float(passage[i])) for i in candidates if p_mask is None or p_mask[i]]
        spans = merge_hits(hits, k)
        # Cite only passages that hold up against the best one: a weak fifth passage is noise to a
        # reader. (Measured: no change to hit@1/hit@3/MRR@10 on the SQuAD subset for cuts up to 0.7.)
        if spans:
            spans = [sp for sp in spans if sp.score >= self.settings.min_relative_score * spans[0].score]
        citations = tuple(
            make_citation(n, span, self._docs[span.source], q, self._idf, self._evidence(span, sent))
            for n, span in enumerate(spans, 1)
        )
        if not citations or confidence < self.settings.min_confidence:
            return Answer(q, True, NOT_IN_SOURCES, (), citations[:NEAREST], confidence=confidence)
        return Answer(q, False, compose(citations), citations, confidence=confidence)

    def _evidence(self, span: Span, sent: np.ndarray) -> tuple[int, int] | None:
        """The best-scoring sentence inside `span`: the highlight."""
        import numpy as np

        lo, hi = self._sentence_range[span.source]
        rows = self.data.sentences[lo:hi]
        inside = np.flatnonzero((rows[:, 1] >= span.start) & (rows[:, 2] <= span.end))
        if inside.size == 0:
            return None
        scores = sent[lo + inside]
        # A question often names its subject in the sentence before the one that answers it
        # ("The Normans ... . They were descended from ..."): give each sentence a share of the
        # previous one's score (measured: evidence@1 +1.5 points on the SQuAD subset, flat for
        # shares of 0.1-0.2; the next sentence's score did not help).
        smoothed = scores.copy()
        smoothed[1:] += fusion.PREVIOUS_SENTENCE_SHARE * scores[:-1]
        best = lo + int(inside[np.argmax(smoothed)])
        return int(self.data.sentences[best, 1]), int(self.data.sentences[best, 2])


def _all_scores(index: Any, qv: np.ndarray) -> np.ndarray:
    """The inner product of the query with every vector of a flat index, in index order."""
    import numpy as np

    n = index.ntotal
    out = np.full(n, -1.0, dtype=np.float32)
    if n == 0:
        return out
    scores, ids = index.search(qv, n)
    valid = ids[0] >= 0
    out[ids[0][valid]] = scores[0][valid]
    return out


def load(
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
) -> Engine:
    """Open the index at `index_dir` (default `embeddings/`) for questions.

    Raises `IndexMissingError` if there is none and `IndexInvalidError` if it is damaged or was built
    with another model; both say to run `qa index`.
    """
    settings = settings or Settings()
    if index_dir is not None:
        settings = settings.with_(index_dir=Path(index_dir))
    if embedder is None:
        from qa.embedder import default_embedder

        embedder = default_embedder(settings.batch_size)
    dimension = getattr(embedder, "dimension", MODEL_DIMENSION)
    data = load_index(settings.index_dir, settings, dimension)
    return Engine(data, embedder, settings)
