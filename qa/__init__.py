"""qa: ask questions of a folder of articles and get exact, cited excerpts back.

import qa
qa.build()                          # index seeds/ into embeddings/ (incremental)
engine = qa.load("embeddings/")
engine.ask("Who visited Pyongyang?", k=5).to_dict()
engine.ask("When?", history=["Who visited Pyongyang?"])   # a follow-up; or qa.Conversation(engine)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import Answer, Citation, Highlight
from qa.config import Settings
from qa.conversation import Conversation
from qa.errors import CorpusError, IndexInvalidError, IndexMissingError, QAError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from qa.embedder import Embedder
    from qa.engine import Engine
    from qa.indexing.report import BuildReport

__version__ = "0.1.0"


def load(
    index_dir: str | Path | None = None, *, embedder: Embedder | None = None, settings: Settings | None = None
) -> Engine:
    """Open an index for questions; see `qa.engine.load`."""
    from qa.engine import load as _load

    return _load(index_dir, embedder=embedder, settings=settings)


def build(
    seeds_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build or incrementally update the index of `seeds_dir` in `index_dir`; `log` gets its notes
    (skipped files, what is embedded)."""
    from qa.config import MODEL_DIMENSION
    from qa.indexing.build import build_index

    settings = (settings or Settings.from_env()).with_(
        seeds_dir=Path(seeds_dir) if seeds_dir is not None else None,
        index_dir=Path(index_dir) if index_dir is not None else None,
    )
    if embedder is None:
        from qa.chunking import model_token_counter
        from qa.config import default_model_path
        from qa.embedder import default_embedder

        factory_embedder = default_embedder(settings.batch_size, settings.backend)
        # The tokenizer alone (no torch) sizes chunks; the model loads only if something changed.
        count_tokens = model_token_counter(str(default_model_path()))
        return build_index(
            settings,
            lambda: factory_embedder,
            dimension=MODEL_DIMENSION,
            count_tokens=count_tokens,
            progress=progress,
            log=log or (lambda _m: None),
        )
    fixed = embedder
    return build_index(
        settings,
        lambda: fixed,
        dimension=fixed.dimension,
        count_tokens=fixed.count_tokens,
        progress=progress,
        log=log or (lambda _m: None),
    )


__all__ = [
    "Answer",
    "Citation",
    "Conversation",
    "CorpusError",
    "Highlight",
    "IndexInvalidError",
    "IndexMissingError",
    "QAError",
    "Settings",
    "UsageError",
    "build",
    "load",
]
