"""The question-answering engine: a loaded index plus the model, behind `ask()`.

`qa.load(dir)` returns an `Engine`; the CLI, the Python API and the UI all call `Engine.ask`, so they
give the same answer object.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import NOT_IN_SOURCES, Answer, compose
from qa.config import MODEL_DIMENSION, Settings
from qa.errors import UsageError
from qa.index import IndexData, load_index
from qa.retrieve import DocInfo, Hit, compute_idf, make_citation, merge_hits

if TYPE_CHECKING:
    from qa.embedder import Embedder

# The model reads at most 256 word pieces; a question longer than this is cut before encoding.
MAX_QUESTION_CHARS = 2000
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


def _check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _DATE.match(value):
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
        allowed = self._allowed(source, _check_date("since", since), _check_date("until", until))
        chunks = self.data.chunks
        if not chunks or (allowed is not None and not allowed):
            return Answer(q, True, NOT_IN_SOURCES)

        vec = self.embedder.encode([q])
        n = len(chunks) if allowed is not None else min(len(chunks), k * 4 + 8)
        scores, ids = self.data.faiss.search(np.asarray(vec, dtype=np.float32), n)
        hits = [
            Hit(chunks[i], float(s))
            for s, i in zip(scores[0], ids[0], strict=False)
            if i >= 0 and (allowed is None or chunks[i].source in allowed)
        ]
        spans = merge_hits(hits, k)
        citations = tuple(
            make_citation(n, span, self._docs[span.source], q, self._idf) for n, span in enumerate(spans, 1)
        )
        if not citations:
            return Answer(q, True, NOT_IN_SOURCES)
        return Answer(q, False, compose(citations), citations)


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
