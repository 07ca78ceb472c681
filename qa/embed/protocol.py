"""What the index and the retriever need from a model (`Embedder`), and what a pooled build needs
more (`TokenEmbedder`). The packaged MiniLM runs behind both (qa/embed/onnx_backend.py,
qa/embed/torch_backend.py); tests pass a small fake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np


class Embedder(Protocol):
    """What the index and the retriever need from a model. Tests pass a small fake."""

    name: str
    dimension: int

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Length of `text` in the model's word pieces (for chunk sizing)."""
        ...


@runtime_checkable
class StatesEmbedder(Embedder, Protocol):
    """A model that gives each text's token states, for the late-interaction rerank of the best
    citations (qa/query/late.py)."""

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        """Per text, its last hidden states (one row per word piece, special tokens first and last)."""
        ...


@runtime_checkable
class PooledStatesEmbedder(StatesEmbedder, Protocol):
    """A model whose vector is pooled from the token states of the same run, so that a question read
    again by late interaction (qa/query/late.py) need not be encoded twice."""

    def encode_with_states(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode(texts)` and `token_states(texts)` from one run: the same values as the two calls."""
        ...


def encode_one(model: Embedder, text: str, keep_states: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """`text`'s vector (a 1 x d float32 row) and, when `keep_states` and the model gives them from the
    same run, its token states (else None: a reader that needs them encodes the text itself)."""
    import numpy as np

    if keep_states and isinstance(model, PooledStatesEmbedder):
        vectors, (states,) = model.encode_with_states([text])
        return np.asarray(vectors, dtype=np.float32), states
    return np.asarray(model.encode([text]), dtype=np.float32), None


@runtime_checkable
class TokenEmbedder(Embedder, Protocol):
    """A model that also gives the token-state sums its mean pooling divides (used by index builds)."""

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per text, the sum of its last hidden states (special tokens included, no padding) and its
        token count: `sums[i] / counts[i]`, normalised, is its `encode` vector. Batch by batch, so
        memory stays O(texts x d) however many tokens there are."""
        ...
