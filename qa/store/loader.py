"""Opening the live index for questions: one generation (qa/store/reader.py), or the shards of a
sharded one (qa/store/shards.py), held in this process or by Ray actors (qa/store/ray_shards.py); and
its documents alone, for `qa text` and `qa documents` (`load_documents`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa.config import Settings
from qa.errors import UsageError
from qa.store.layout import check_format, check_manifest, generation_dir, read_manifest, unreadable
from qa.store.reader import IndexData, Tables, open_generation, read_tables
from qa.store.shards import LocalShards, ShardedIndex, Shards, check_sharded, is_sharded, shard_dirs
from qa.store.texts import DocRecord, documents_in

if TYPE_CHECKING:
    Index = IndexData | ShardedIndex  # what the engine reads: one generation, or the shards of one


def load_index(index_dir: Path, settings: Settings, dimension: int, *, ray: str | None = None) -> Index:
    """Open and verify the live generation, sharded or not; `ray`: hold the shards in Ray actors at that
    address (qa/store/ray_shards.py). Raises IndexMissingError / IndexInvalidError (an index file that
    cannot be read too: one line, not an OSError's traceback from `qa ask` or the chat's server)."""
    try:
        return _load_index(index_dir, settings, dimension, ray=ray)
    except OSError as err:
        raise unreadable(Path(index_dir), err) from None


def _load_index(index_dir: Path, settings: Settings, dimension: int, *, ray: str | None = None) -> Index:
    from qa.store.lexical import Lexical

    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    if not is_sharded(manifest):
        if ray is not None:
            raise UsageError(f"The index at {gen} has no shards to serve on Ray; build it with `qa index --shards N`.")
        return open_generation(gen, settings, dimension)
    dirs = check_sharded(manifest, gen, settings, dimension)
    shards: Shards
    if ray is None:
        opened = [open_generation(d, settings, dimension) for d in dirs]
        tables = [o.tables for o in opened]
        shards = LocalShards(opened)
    else:
        from qa.store.ray_shards import RayShards

        shards = RayShards.start(dirs, settings, dimension, ray)
        tables = [_checked_tables(d, settings, dimension) for d in dirs]
    kept = {k: v for k, v in manifest.items() if k not in ("files", "skipped", "checksums")}
    return ShardedIndex.join(gen, kept, tables, shards, Lexical.tokenizer())


def _checked_tables(gen: Path, settings: Settings, dimension: int) -> Tables:
    check_manifest(read_manifest(gen), gen, settings, dimension)
    return read_tables(gen)


def load_documents(index_dir: Path) -> dict[str, DocRecord]:
    """The live generation's documents and their texts only, without vectors or the model's checks
    (`qa text`, `qa documents`: what the index holds, whatever model built it), from each of its
    shards when it has them (both commands failed on every sharded index: a reviewer's)."""
    gen = generation_dir(index_dir)
    manifest = read_manifest(gen)
    check_format(manifest, gen)
    docs: dict[str, DocRecord] = {}
    for folder in shard_dirs(gen, manifest):
        docs.update(documents_in(folder))
    return docs
