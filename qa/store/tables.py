"""Passages and sentences as integer tables: where each lies in its document, and which sentences
each passage holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from qa.chunking import Chunk

if TYPE_CHECKING:
    import numpy as np

    from qa.store.texts import DocRecord


class ChunkTable(Sequence[Chunk]):
    """The passages of a generation as one integer array (int64 on disk, int32 in memory), columns
    (document number, start, end, first line, last line). A `Chunk` is made when asked for, its text a
    slice of its document's, so a large index holds no second copy of its text and no object per
    passage."""

    def __init__(self, rows: np.ndarray, docs: list[DocRecord]) -> None:
        self.rows = rows
        self.docs = docs

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        d, start, end, first, last = (int(v) for v in self.rows[i])
        doc = self.docs[d]
        return Chunk(doc.source, start, end, first, last, doc.text[start:end])

    def place(self, i: int) -> Place:
        """Where passage `i` lies, without reading its text (ranking and merging need no more)."""
        d, start, end = (int(v) for v in self.rows[i, :3])
        return Place(self.docs[d].source, start, end)


class Place(NamedTuple):
    source: str
    start: int
    end: int


_KEY = 1 << 40  # document number * _KEY + character offset: one sortable int64 per position


def expand_runs(starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of runs `starts[i] .. starts[i] + lens[i] - 1`, concatenated, and for each
    position the number i of its run (no Python loop over the runs)."""
    import numpy as np

    flat = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return flat, np.repeat(np.arange(len(lens)), lens)


def passage_sentences(rows: np.ndarray, sentences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, sentence ids) of the sentences lying inside each passage. Both arrays are sorted by
    document, then start; a passage's sentences are then a run of those starting inside it, of which
    those that also end inside it count."""
    import numpy as np

    n = len(rows)
    if n == 0 or len(sentences) == 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    rows, sentences = rows.astype(np.int64, copy=False), sentences.astype(np.int64, copy=False)  # * _KEY
    s_start = sentences[:, 0] * _KEY + sentences[:, 1]
    s_end = sentences[:, 0] * _KEY + sentences[:, 2]
    lo = np.searchsorted(s_start, rows[:, 0] * _KEY + rows[:, 1], "left")
    hi = np.searchsorted(s_start, rows[:, 0] * _KEY + rows[:, 2], "left")
    flat, owner = expand_runs(lo, hi - lo)
    keep = s_end[flat] <= (rows[owner, 0] * _KEY + rows[owner, 2])
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, owner[keep] + 1, 1)
    return np.cumsum(indptr), flat[keep].astype(np.int64)


def sentences_inside(membership: tuple[np.ndarray, np.ndarray], passages: np.ndarray) -> np.ndarray:
    """The sorted ids of the sentences inside `passages`, read off the CSR `membership` (indptr, ids)."""
    import numpy as np

    indptr, sent_ids = membership
    flat, _ = expand_runs(indptr[passages], indptr[passages + 1] - indptr[passages])
    out: np.ndarray = np.unique(sent_ids[flat]).astype(np.int64)
    return out


def document_sentences(per_chunk: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The distinct sentences of a file's chunks, in text order (a sentence in an overlap once)."""
    return sorted({span for spans in per_chunk for span in spans})


def describe() -> dict[str, Any]:
    """The passage table's entry in the manifest."""
    return {"chunks": "chunks.npy: int64 rows (document number, start, end, first line, last line)"}
