"""Shared fixtures. Unit tests use `FakeEmbedder`: a deterministic hashing bag-of-words model, so they
run in milliseconds and never import torch; integration tests (tests/integration) use the real model."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def read_6bit(packed: np.ndarray, dimension: int) -> np.ndarray:
    """The stored 6-bit sentence codes as ints, read from the format's definition (qa.store.codes6.pack6),
    not from qa's own unpacking: group k of a row is bytes k, g + k, 2g + k of its three planes, whose
    24 bits are the codes at positions k, g + k, 2g + k and 3g + k, most significant first."""
    packed = np.asarray(packed, dtype=np.int64)
    g = packed.shape[1] // 3
    out = np.zeros((len(packed), 4 * g), np.int64)
    for k in range(g):
        word = (packed[:, k] << 16) | (packed[:, g + k] << 8) | packed[:, 2 * g + k]
        for slot in range(4):
            out[:, slot * g + k] = (word >> (18 - 6 * slot)) & 63
    return out[:, :dimension]


class FakeEmbedder:
    """Hashes lower-cased words (and word pairs) into 64 dimensions; unit-length vectors.

    Texts that share words get similar vectors, which is enough to exercise retrieval logic.
    Counts how many texts it encoded, so tests can tell whether the model was used.
    """

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dimension = 64

    def __init__(self) -> None:
        self.encoded = 0

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Each word is a token whose state is its hash plus the hash of the pair it closes; the
        normalised mean of a text's states is exactly `encode`'s vector, as for the real model."""
        self.encoded += len(texts)
        rows = [self._rows(text) for text in texts]
        sums = np.array([r.sum(axis=0) for r in rows], dtype=np.float32).reshape(len(texts), self.dimension)
        return sums, np.array([len(r) for r in rows], dtype=np.float32)

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        """A [CLS] row, each word's state (as in `token_sums`), a [SEP] row."""
        self.encoded += len(texts)
        edge = np.zeros((1, self.dimension), dtype=np.float32)
        return [np.concatenate([edge, self._rows(t), edge]) for t in texts]

    def encode_with_states(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode` and `token_states` of one reading of each text (counted once, as the real model's
        one run; the [CLS] and [SEP] rows are zero, so pooling the states gives `encode`'s vector)."""
        states = self.token_states(texts)
        self.encoded -= len(texts)
        return self.encode(texts), states

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            v = self._rows(text).sum(axis=0)
            norm = np.linalg.norm(v)
            out[i] = v / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out

    def _rows(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text.lower())
        rows = np.zeros((max(1, len(words)), self.dimension), dtype=np.float32)
        for i, w in enumerate(words):
            for piece in [w] + ([words[i - 1] + " " + w] if i else []):
                h = int.from_bytes(hashlib.blake2b(piece.encode(), digest_size=4).digest(), "little")
                rows[i, h % self.dimension] += 1.0 if h & 1 else -1.0
        return rows

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may change."""
    dst = tmp_path / "seeds"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture
def settings(tmp_path: Path, seeds_copy: Path) -> Settings:
    return Settings(seeds_dir=seeds_copy, index_dir=tmp_path / "index")


# The reliability cases' table of tried and held cases (tests/reliability/conftest.py), printed here:
# under pytest-xdist (`make test`) this file is the one the controller loads, and each worker's tally
# comes back to it when the worker ends.
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    rows = getattr(node, "workeroutput", {}).get("qa_reliability")
    if rows:
        from tests.reliability.conftest import add_tally

        add_tally(rows)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reliability = sys.modules.get("tests.reliability.conftest")  # (none: no reliability case ran here)
    if reliability is not None:
        reliability.summary(terminalreporter)
