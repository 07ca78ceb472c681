"""Where a build's tables, vectors and texts wait for the write: append-only files in a temporary
folder of the index directory, not memory.

A build makes its parts a batch of files at a time (qa/indexing/build.py) and writes the generation
once all are made (qa/indexing/writer.py). Held in memory, the parts' float32 passage vectors, 6-bit
sentence codes and texts grow with the corpus (~3 KB a passage: 3 GB at a million passages, on top of
what the write itself needs). Here each batch's arrays are appended to a file as soon as they are
made and read back with plain reads (not memory maps, whose pages would count as the build's memory)
a slice at a time while the generation is written. The folder is named like a temporary generation
(`.tmp-…`), so the next publish removes it.

A build can go on after an interruption (Ctrl-C, a killed process, a crash of the model): each new
file's part is recorded in the folder's journal (`journal.jsonl`: the settings the parts were made
with, then one line per file with its sha256, its places in the staging files and the files' lengths
after it). Every few seconds the staged rows are fsynced and then the pending lines appended and
fsynced, so a journal line never names rows that are not on disk. The next build with the same
settings (`Staging.resume`) reopens the folder, cuts the files back to the last complete line, and
takes the parts of the files whose bytes have not changed instead of embedding them again.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy as np

JOURNAL = "journal.jsonl"
PREFIX = ".tmp-staging-"


@dataclass(slots=True)
class Part:
    """What one source file contributes to a generation, as places in the build's staging files
    (below): a few hundred bytes of memory a file, whatever the file holds."""

    row: str  # its documents.jsonl row as compact JSON (as a dict it costs several times more)
    text_at: tuple[int, int]  # its text's byte range in the staged texts
    passages_at: int  # the first of its rows in the staged passage tables (chunk rows, vectors)
    passages: int
    sentences_at: int  # the first of its rows in the staged sentence tables (spans, codes, scales)
    sentences: int

    @property
    def doc(self) -> dict[str, Any]:
        row: dict[str, Any] = json.loads(self.row)
        return row


class RowFile:
    """An append-only file of rows of one dtype and width."""

    def __init__(self, path: Path, dtype: Any, width: int, rows: int | None = None) -> None:
        """A new empty file, or (`rows` given) the existing one cut back to its first `rows` rows."""
        import numpy as np

        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.row_bytes = self.dtype.itemsize * width
        self.rows = rows or 0
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | (0 if rows is not None else os.O_TRUNC), 0o600)
        if rows is not None:
            if os.fstat(self._fd).st_size < rows * self.row_bytes:
                os.close(self._fd)
                self._fd = -1
                raise ValueError(f"{path} holds fewer than {rows} rows")
            os.ftruncate(self._fd, rows * self.row_bytes)

    def append(self, rows: np.ndarray) -> int:
        """Append `rows` ((n, width) of this dtype); returns the number of the first."""
        import numpy as np

        data = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1, self.width)
        first = self.rows
        view, at, offset = memoryview(data.tobytes()), 0, first * self.row_bytes
        while at < len(view):  # pwrite may write less than asked (a full disk): never leave a gap
            written = os.pwrite(self._fd, view[at:], offset + at)
            if written <= 0:
                raise OSError(f"could not write to {self.path}")
            at += written
        self.rows += len(data)
        return first

    def read(self, start: int, count: int) -> np.ndarray:
        """Rows `start:start + count`, as a new array."""
        import numpy as np

        if not 0 <= start <= start + count <= self.rows:
            raise IndexError(f"rows {start}:{start + count} of {self.rows} in {self.path.name}")
        buf = bytearray(count * self.row_bytes)
        view, at = memoryview(buf), 0
        while at < len(buf):  # pread may return less than asked
            got = os.preadv(self._fd, [view[at:]], start * self.row_bytes + at)
            if got <= 0:
                raise OSError(f"{self.path} ended early")
            at += got
        return np.frombuffer(buf, dtype=self.dtype).reshape(count, self.width)

    def runs(self, runs: Sequence[tuple[int, int]], batch_rows: int) -> Iterator[np.ndarray]:
        """The rows of `runs` ((start, count), in order), in arrays of about `batch_rows` rows."""
        import numpy as np

        pending: list[np.ndarray] = []
        held = 0
        for start, count in runs:
            at = start
            while at < start + count:
                take = min(start + count - at, batch_rows - held)
                pending.append(self.read(at, take))
                held += take
                at += take
                if held >= batch_rows:
                    yield np.concatenate(pending)
                    pending, held = [], 0
        if pending:
            yield np.concatenate(pending)

    def sync(self) -> None:
        """Make what was appended durable, for readers on other machines (shared storage)."""
        os.fsync(self._fd)

    def close(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1

    # Pickled (for a Ray task writing a shard), a RowFile is its path and size: the copy opens the
    # file again, read-only.
    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "dtype": self.dtype.str, "width": self.width, "rows": self.rows}

    def __setstate__(self, state: dict[str, Any]) -> None:
        import numpy as np

        self.path, self.width, self.rows = state["path"], state["width"], state["rows"]
        self.dtype = np.dtype(state["dtype"])
        self.row_bytes = self.dtype.itemsize * self.width
        self._fd = os.open(self.path, os.O_RDONLY)

    def __del__(self) -> None:
        self.close()


class Staging:
    """A build's staging folder: passage tables (chunk rows, float32 vectors), sentence tables (spans,
    6-bit codes, scales) and texts (UTF-8), each file appended to as parts are made."""

    def __init__(
        self,
        index_dir: Path,
        dimension: int,
        code_width: int,
        key: dict[str, Any] | None = None,
        *,
        folder: Path | None = None,
        rows: Sequence[int] | None = None,
    ) -> None:
        """A new staging folder (its journal headed by `key`, the settings parts are made with), or
        (`folder` and `rows` given, see `resume`) an existing one cut back to `rows`."""
        import numpy as np

        # absolute: a Ray task that writes a shard may run in another working directory
        self.folder = folder or index_dir.resolve() / f"{PREFIX}{uuid.uuid4().hex[:12]}"
        if folder is None:
            self.folder.mkdir(parents=True)
        self.owner = True  # this build's own (a copy in a Ray task only reads)
        at = list(rows) if rows is not None else [None] * 6
        # passage tables: a chunk row (start, end, first line, last line) and its vector
        self.chunks = RowFile(self.folder / "chunks.i64", np.int64, 4, at[0])
        self.vectors = RowFile(self.folder / "passage_vectors.f32", np.float32, dimension, at[1])
        # sentence tables: a span (start, end), its 6-bit codes and scale
        self.spans = RowFile(self.folder / "sentences.i64", np.int64, 2, at[2])
        self.codes = RowFile(self.folder / "sentence_codes.u8", np.uint8, code_width, at[3])
        self.scales = RowFile(self.folder / "sentence_scales.f32", np.float32, 1, at[4])
        self._texts = RowFile(self.folder / "texts.utf8", np.uint8, 1, at[5])
        self._pending: list[tuple[str, bool]] = []  # journal lines not yet written, and embedded?
        self.journaled = 0  # parts recorded in the journal, resumed ones included
        self.embedded = 0  # of them, parts the model made (worth keeping if the build stops)
        if folder is None and key is not None:
            self._append_journal([json.dumps({"key": key}, sort_keys=True)])

    def _files(self) -> tuple[RowFile, ...]:
        return (self.chunks, self.vectors, self.spans, self.codes, self.scales, self._texts)

    # ---- the journal: going on after an interruption

    def record(self, source: str, sha: str, part: Part, *, embedded: bool = True) -> None:
        """Note `part` (just staged) for the journal; `checkpoint` writes it. `embedded`: made by the
        model in this build (else read back from the previous index, which costs little to redo)."""
        entry = {
            "source": source,
            "sha256": sha,
            "embedded": embedded,
            "part": [part.row, list(part.text_at), part.passages_at, part.passages, part.sentences_at, part.sentences],
            "rows": [f.rows for f in self._files()],
        }
        self._pending.append((json.dumps(entry, ensure_ascii=False, separators=(",", ":")), embedded))

    def checkpoint(self) -> None:
        """Make the staged rows durable, then the journal lines that name them."""
        if not self._pending:
            return
        self.sync()
        self._append_journal([line for line, _ in self._pending])
        self.journaled += len(self._pending)
        self.embedded += sum(embedded for _, embedded in self._pending)
        self._pending = []

    def _append_journal(self, lines: list[str]) -> None:
        with (self.folder / JOURNAL).open("a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
            f.flush()
            os.fsync(f.fileno())

    @classmethod
    def resume(
        cls, index_dir: Path, dimension: int, code_width: int, key: dict[str, Any]
    ) -> tuple[Staging, dict[str, tuple[str, Part]]] | None:
        """The staging folder a build with the same settings left behind when it stopped, with the
        parts its journal records ({source: (sha256, part)}), or None. Call it holding the build
        lock: every staging folder is then a dead build's. The others are removed."""
        found: tuple[Staging, dict[str, tuple[str, Part]]] | None = None
        folders = sorted(index_dir.glob(f"{PREFIX}*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for folder in folders:
            if found is None:
                found = cls._reopen(index_dir, folder.resolve(), dimension, code_width, key)
                if found is not None:
                    continue
            shutil.rmtree(folder, ignore_errors=True)
        return found

    @classmethod
    def _reopen(
        cls, index_dir: Path, folder: Path, dimension: int, code_width: int, key: dict[str, Any]
    ) -> tuple[Staging, dict[str, tuple[str, Part]]] | None:
        entries, complete = _journal_entries(folder / JOURNAL, key)
        if not entries:
            return None
        try:
            staging = cls(index_dir, dimension, code_width, folder=folder, rows=entries[-1]["rows"])
            # A line cut short by the interruption goes, or the next line appended would join it.
            with (folder / JOURNAL).open("r+b") as f:
                f.truncate(complete)
                os.fsync(f.fileno())
        except (OSError, ValueError):
            return None  # a file shorter than its journal says
        staging.journaled = len(entries)
        staging.embedded = sum(bool(e.get("embedded", True)) for e in entries)
        parts = {}
        for e in entries:
            row, text_at, passages_at, passages, sentences_at, sentences = e["part"]
            part = Part(row, (text_at[0], text_at[1]), passages_at, passages, sentences_at, sentences)
            parts[e["source"]] = (e["sha256"], part)
        return staging, parts

    def add_passages(self, chunks: np.ndarray, vectors: np.ndarray) -> int:
        """Stage a file's chunk rows and their vectors; returns the number of the first row."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunk rows but {len(vectors)} vectors")
        first = self.chunks.append(chunks)
        if self.vectors.append(vectors) != first:
            raise RuntimeError("the staged passage tables are out of step")
        return first

    def add_sentences(self, spans: np.ndarray, codes: np.ndarray, scales: np.ndarray) -> int:
        """Stage a file's sentence spans, codes and scales; returns the number of the first row."""
        if not len(spans) == len(codes) == len(scales):
            raise ValueError(f"{len(spans)} sentences, {len(codes)} codes, {len(scales)} scales")
        first = self.spans.append(spans)
        if self.codes.append(codes) != first or self.scales.append(scales) != first:
            raise RuntimeError("the staged sentence tables are out of step")
        return first

    def add_text(self, text: str) -> tuple[int, int]:
        """Stage `text`; returns its byte range in the staged texts."""
        import numpy as np

        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        first = self._texts.append(data)
        return first, first + len(data)

    def text(self, at: tuple[int, int]) -> str:
        start, end = at
        return self._texts.read(start, end - start).tobytes().decode("utf-8")

    def texts(self, ranges: Sequence[tuple[int, int]]) -> StagedTexts:
        return StagedTexts(self, ranges)

    def sync(self) -> None:
        for f in self._files():
            f.sync()

    def close(self, keep: bool = False) -> None:
        """Close the files; remove the folder unless `keep` (a build to go on with later)."""
        for f in self._files():
            f.close()
        if self.owner and not keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "owner": False}


def _journal_entries(journal: Path, key: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The complete entries of a journal headed by `key` ([] for another key, or none), and the
    length in bytes of the journal up to the end of the last one: a line cut short by the
    interruption ends it."""
    try:
        data = journal.read_bytes()
    except OSError:
        return [], 0
    lines = data.split(b"\n")
    try:
        if json.loads(lines[0]) != {"key": json.loads(json.dumps(key, sort_keys=True))}:
            return [], 0
    except ValueError:
        return [], 0
    entries: list[dict[str, Any]] = []
    complete = len(lines[0]) + 1
    for line in lines[1:-1]:  # the last piece follows the last newline: empty, or a line cut short
        try:
            entries.append(json.loads(line))
        except ValueError:
            break
        complete += len(line) + 1
    return entries, complete


class StagedTexts(Sequence[str]):
    """Documents' staged texts as a sequence, each read when it is indexed; the last one read is kept,
    since the write reads a document's passages and sentences one after another."""

    def __init__(self, staging: Staging, ranges: Sequence[tuple[int, int]]) -> None:
        self.staging = staging
        self.ranges = list(ranges)
        self._last: tuple[int, str] = (-1, "")

    def __len__(self) -> int:
        return len(self.ranges)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if self._last[0] != i:
            self._last = (i, self.staging.text(self.ranges[i]))
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def byte_sizes(self) -> Iterable[int]:
        return (b - a for a, b in self.ranges)
