"""Where a build's tables, vectors and texts wait for the write: append-only files in a temporary
folder of the index directory, not memory.

A build makes its parts a batch of files at a time (qa/indexing/build.py) and writes the generation
once all are made (qa/indexing/writer.py). Held in memory, the parts' float32 passage vectors, 6-bit
sentence codes and texts grow with the corpus (~3 KB a passage: 3 GB at a million passages, on top of
what the write itself needs). Here each batch's arrays are appended to a file as soon as they are
made and read back with plain reads (not memory maps, whose pages would count as the build's memory)
a slice at a time while the generation is written. The folder is named like a temporary generation
(`.tmp-…`), so if the build dies, the next publish removes it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy as np


class RowFile:
    """An append-only file of rows of one dtype and width."""

    def __init__(self, path: Path, dtype: Any, width: int) -> None:
        import numpy as np

        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.row_bytes = self.dtype.itemsize * width
        self.rows = 0
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)

    def append(self, rows: np.ndarray) -> int:
        """Append `rows` ((n, width) of this dtype); returns the number of the first."""
        import numpy as np

        data = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1, self.width)
        first = self.rows
        os.pwrite(self._fd, data.tobytes(), first * self.row_bytes)
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

    def __init__(self, index_dir: Path, dimension: int, code_width: int) -> None:
        import numpy as np

        # absolute: a Ray task that writes a shard may run in another working directory
        self.folder = index_dir.resolve() / f".tmp-staging-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir(parents=True)
        self.owner = True  # this build's own (a copy in a Ray task only reads)
        # passage tables: a chunk row (start, end, first line, last line) and its vector
        self.chunks = RowFile(self.folder / "chunks.i64", np.int64, 4)
        self.vectors = RowFile(self.folder / "passage_vectors.f32", np.float32, dimension)
        # sentence tables: a span (start, end), its 6-bit codes and scale
        self.spans = RowFile(self.folder / "sentences.i64", np.int64, 2)
        self.codes = RowFile(self.folder / "sentence_codes.u8", np.uint8, code_width)
        self.scales = RowFile(self.folder / "sentence_scales.f32", np.float32, 1)
        self._texts = RowFile(self.folder / "texts.utf8", np.uint8, 1)

    def _files(self) -> tuple[RowFile, ...]:
        return (self.chunks, self.vectors, self.spans, self.codes, self.scales, self._texts)

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

    def close(self) -> None:
        for f in self._files():
            f.close()
        if self.owner:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "owner": False}


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
