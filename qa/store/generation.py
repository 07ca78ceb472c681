"""A generation's file-system mechanics: checksums, fsync, the one-writer lock, atomic publishing.

A build writes a complete generation into a temporary folder beside the live one, fsyncs it, renames
it to its final name and only then flips `CURRENT` (`publish`). A reader therefore sees the old index
or the new one, never a mix; a build that dies leaves the old one serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CURRENT = "CURRENT"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fsync_file(path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@contextlib.contextmanager
def build_lock(index_dir: Path, waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """One writer at a time; readers never take it. `waiting` is called when another holds it (a
    second `qa index` waited in silence)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# The folders and files qa writes into an index folder (qa/indexing/writer.py, staging.py): a
# generation, a generation being written, a build's staging folder; and CURRENT's next value.
_OURS = re.compile(r"gen-\d{8}T\d{6}-[0-9a-f]{8}|\.tmp-[0-9a-f]{12}|\.tmp-staging-[0-9a-f]{12}")
_POINTER_TMP = re.compile(rf"\.{re.escape(CURRENT)}\.[0-9a-f]{{8}}")


def publish(index_dir: Path, name: str) -> None:
    """Point CURRENT at generation `name` with one atomic rename, then drop old generations.

    The generation that was live until now is kept, so a reader that resolved CURRENT a moment ago
    can still open it; anything older, and temporary folders of builds that died, are removed.
    """
    pointer = index_dir / CURRENT
    previous = pointer.read_text(encoding="utf-8", errors="replace").strip() if pointer.is_file() else None
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(name + "\n", encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, pointer)
    fsync_dir(index_dir)
    for entry in index_dir.iterdir():
        if entry.name in (name, previous) or entry.is_symlink():
            continue
        # Only what qa names so: a folder of the user's own ("gen-2024", ".tmp-drafts") in the index
        # folder was deleted with the old generations.
        if entry.is_dir() and _OURS.fullmatch(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and _POINTER_TMP.fullmatch(entry.name):
            entry.unlink(missing_ok=True)
