"""Which generation a build starts from: the live one, if it was built with the same settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.errors import IndexInvalidError, IndexMissingError
from qa.ingest import article_lines
from qa.store.analyzer import TOKENS_VERSION
from qa.store.layout import FORMAT_VERSION, INGEST_VERSION, check_manifest, generation_dir, read_manifest
from qa.store.shards import check_sharded, is_sharded


def settings_key(settings: Settings, dimension: int) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "ingest_version": INGEST_VERSION,
        "line_model": article_lines.fingerprint(),
        "model": {"name": settings.model_name, "dimension": dimension, "backend": settings.backend},
        "chunking": settings.chunking(),
        "passage_vectors": settings.passage_vectors,
        "bm25_tokens": TOKENS_VERSION,
    }


def previous(index_dir: Path, settings: Settings, dimension: int) -> tuple[Path, dict[str, Any]] | None:
    """The live generation if it is valid and built with the same settings, else None (full build)."""
    try:
        gen = generation_dir(index_dir)
        manifest = read_manifest(gen)
        if is_sharded(manifest):
            for shard in check_sharded(manifest, gen, settings, dimension):
                check_manifest(read_manifest(shard), shard, settings, dimension)
        else:
            check_manifest(manifest, gen, settings, dimension)
    except (IndexMissingError, IndexInvalidError):
        return None
    key = settings_key(settings, dimension)
    if any(manifest.get(k) != v for k, v in key.items()):
        return None
    return gen, manifest


def live_shards(index_dir: Path) -> int:
    """How many shards the live generation of `index_dir` has: 1 when there is none (or it cannot
    be read: the build then starts afresh)."""
    try:
        return shard_count(read_manifest(generation_dir(index_dir)))
    except (IndexMissingError, IndexInvalidError, KeyError, TypeError):
        return 1


def shard_count(manifest: dict[str, Any]) -> int:
    """How many shards a generation has (1: not sharded)."""
    return len(manifest["shards"]) if is_sharded(manifest) else 1
