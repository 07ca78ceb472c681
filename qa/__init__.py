"""qa: ask questions of a folder of articles and get exact, cited excerpts back.

import qa
qa.build()                          # index seeds/ into embeddings/ (incremental)
engine = qa.load("embeddings/")
engine.ask("Who visited Pyongyang?", k=5).to_dict()
engine.ask("When?", history=["Who visited Pyongyang?"])   # a follow-up; or qa.Conversation(engine)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import Answer, Citation, Highlight
from qa.config import Settings
from qa.errors import (
    CorpusError,
    IndexInvalidError,
    IndexMissingError,
    IndexWriteError,
    ModelError,
    QAError,
    RayClusterError,
    UsageError,
)
from qa.query.chat import Conversation

if TYPE_CHECKING:
    from collections.abc import Callable

    from qa.embed.protocol import Embedder
    from qa.indexing.report import BuildReport
    from qa.query.engine import Engine

__version__ = "0.1.0"


def load(
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
    ray: str | None = None,
) -> Engine:
    """Open the index at `index_dir` (default `embeddings/`, or QA_INDEX_DIR) for questions. `ray`: hold
    a sharded index's shards in actors on the Ray cluster at that address ("" starts a local Ray
    instance, "auto" joins a running cluster; qa/store/ray_shards.py); the answers are the same.

    Raises `IndexMissingError` if there is none and `IndexInvalidError` if it is damaged or was built
    with another model; both say to run `qa index`.
    """
    from qa.embed.create import create
    from qa.query.engine import Engine
    from qa.store.loader import load_index

    settings = (settings or Settings.from_env()).with_(index_dir=Path(index_dir) if index_dir is not None else None)
    model = embedder or create(settings)
    return Engine(load_index(settings.index_dir, settings, model.dimension, ray=ray), model, settings)


def build(
    seeds_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    ray: str | None = None,
) -> BuildReport:
    """Build or incrementally update the index of `seeds_dir` in `index_dir`; `log` gets its notes
    (skipped files, what is embedded). The model is loaded only if some file needs embedding: chunks
    are sized with its tokenizer alone. `ray`: embed on a Ray cluster at that address ("" starts a
    local Ray instance, "auto" joins a running cluster; qa/indexing/ray_parts.py), same index."""
    from qa.embed.create import create
    from qa.indexing.build import build_index
    from qa.store.layout import with_own_seeds

    given = seeds_dir is not None or settings is not None
    settings = (settings or Settings.from_env()).with_(
        seeds_dir=Path(seeds_dir) if seeds_dir is not None else None,
        index_dir=Path(index_dir) if index_dir is not None else None,
    )
    settings = with_own_seeds(settings, given)  # no folder given: the one the index was built from
    model = embedder or create(settings)
    on_ray: dict[str, Any] = {}
    if embedder is None and ray is not None:
        from qa.indexing.ray_parts import RayBuild

        cluster = RayBuild(ray or None)  # files read, analysed and embedded there; shards written there
        on_ray = {"make_parts": cluster.make_parts, "run_jobs": cluster.run_tasks}
    try:
        return build_index(
            settings,
            lambda: model,
            dimension=model.dimension,
            count_tokens=model.count_tokens,
            progress=progress,
            log=log or (lambda _m: None),
            **on_ray,
        )
    except OSError as err:  # the corpus's own files are skipped with a reason; this is the index's side
        raise IndexWriteError(cannot_write(Path(settings.index_dir), err)) from None


def cannot_write(index_dir: Path, err: OSError) -> str:
    """The one-line message for a build that could not write: what, why, and what to do."""
    import errno

    choose = "choose a folder you can write with --index DIR (env QA_INDEX_DIR)"
    if index_dir.exists() and not index_dir.is_dir():
        return f"The index folder {index_dir} is a file; {choose}."
    where = err.filename or index_dir
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"Cannot write {where}: the disk is full; free some space and build again (the previous index is "
            "unchanged)."
        )
    if isinstance(err, PermissionError) or err.errno == errno.EROFS:  # (a build reads its index folder too)
        return f"Cannot read or write {where}: {err.strerror or 'permission denied'}; {choose}."
    return (
        f"Cannot write {where}: {err.strerror or err}; {choose}, or free disk space (the previous index is unchanged)."
    )


if not TYPE_CHECKING:  # (for a type checker the names are the imports above: a misspelt one is an error)

    def __getattr__(name: str) -> Any:
        """`qa.Engine` and `qa.BuildReport` for type hints, imported only when asked for (`import qa`
        stays light: the CLI's cold start)."""
        if name == "Engine":
            from qa.query.engine import Engine

            return Engine
        if name == "BuildReport":
            from qa.indexing.report import BuildReport

            return BuildReport
        raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = [
    "Answer",
    "BuildReport",
    "Citation",
    "Conversation",
    "CorpusError",
    "Engine",
    "Highlight",
    "IndexInvalidError",
    "IndexMissingError",
    "IndexWriteError",
    "ModelError",
    "QAError",
    "RayClusterError",
    "Settings",
    "UsageError",
    "build",
    "load",
]
