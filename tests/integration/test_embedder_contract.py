"""The Embedder contract (qa/embed/protocol.py), run over every embedder qa can be given: the tests'
fake, the packaged model through sentence-transformers (torch) and through ONNX Runtime. What the
index and the engine rely on: unit float32 rows of the stated dimension, one per text, the same for
the same text whatever the batch; word-piece counts for chunk sizing; and, for a TokenEmbedder, token
sums whose normalised mean is the encode vector (what a pooled build stores)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.config import MODEL_DIMENSION, MODEL_NAME, Settings, default_model_path
from qa.embed.create import create
from qa.embed.onnx_backend import OnnxEmbedder
from qa.embed.protocol import Embedder, PooledStatesEmbedder, TokenEmbedder
from qa.embed.torch_backend import SentenceTransformerEmbedder
from tests.conftest import FakeEmbedder

pytestmark = pytest.mark.integration

TEXTS = [
    "Who visited Pyongyang in 2019?",
    "Kim Jong-un and Xi Jinping met in Beijing. They talked about trade.",
    "x",
    "한국어 문장입니다.",
    "A longer passage about the bridge over the Yalu river. " * 12,
]


def _onnx(tmp: Path) -> Embedder:
    return OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, cache=tmp)


MAKERS: dict[str, Callable[[Path], Embedder]] = {
    "fake": lambda _tmp: FakeEmbedder(),
    "torch": lambda _tmp: SentenceTransformerEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION),
    "onnx": _onnx,
}


@pytest.fixture(scope="module", params=sorted(MAKERS))
def embedder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return MAKERS[request.param](tmp_path_factory.mktemp("onnx-cache"))


def test_encode_gives_one_unit_float32_row_per_text(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert isinstance(embedder.name, str) and embedder.name == MODEL_NAME


def test_a_text_gets_the_same_vector_alone_and_in_a_batch(embedder: Embedder) -> None:
    together = embedder.encode(TEXTS)
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(embedder.encode([text])[0], together[i], atol=1e-4)


def test_related_texts_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    a, b, c = embedder.encode(["Kim met Xi in Beijing.", "Kim met Xi in Beijing on Tuesday.", "한국어 문장입니다."])
    assert float(a @ b) > float(a @ c)


def test_count_tokens_counts_word_pieces(embedder: Embedder) -> None:
    counts = [embedder.count_tokens(t) for t in TEXTS]
    assert all(isinstance(n, int) and n >= 1 for n in counts)
    assert counts[4] > counts[0] > counts[2]  # longer texts, more pieces
    assert embedder.count_tokens("") == 0


def test_token_sums_pool_to_the_encode_vector(embedder: Embedder) -> None:
    assert isinstance(embedder, TokenEmbedder)  # every embedder here supports pooled builds
    sums, counts = embedder.token_sums(TEXTS)
    assert sums.shape == (len(TEXTS), embedder.dimension) and counts.shape == (len(TEXTS),)
    assert (counts >= 1).all()
    pooled = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    np.testing.assert_allclose(pooled, embedder.encode(TEXTS), atol=1e-4)


@pytest.mark.parametrize("maker", ["fake", "onnx"])  # torch encodes and reads token states in separate runs
def test_encode_with_states_is_encode_and_token_states_exactly(maker: str, tmp_path: Path) -> None:
    """Where a model gives both from one run (PooledStatesEmbedder), the values are those of the two
    calls, bit for bit: a question's answer must not depend on which path encoded it."""
    embedder = MAKERS[maker](tmp_path)
    assert isinstance(embedder, PooledStatesEmbedder)
    vectors, states = embedder.encode_with_states(TEXTS[:2])
    assert np.array_equal(vectors, embedder.encode(TEXTS[:2]))
    assert all(np.array_equal(a, b) for a, b in zip(states, embedder.token_states(TEXTS[:2]), strict=True))
    (one,), (one_states,) = embedder.encode_with_states(TEXTS[:1])  # a question: one text
    assert np.array_equal(one, embedder.encode(TEXTS[:1])[0]) and one_states.shape[1] == embedder.dimension


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_create_makes_the_backend_the_settings_name(backend: str) -> None:
    made = create(Settings(backend=backend))  # type: ignore[arg-type]
    assert isinstance(made, OnnxEmbedder if backend == "onnx" else SentenceTransformerEmbedder)
    assert made.dimension == MODEL_DIMENSION and isinstance(made, TokenEmbedder)
