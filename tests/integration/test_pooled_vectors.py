"""The "pooled" passage vectors with the real model: each sentence runs through the model once, its
vector is exactly what `encode` gives, and a passage's vector (the mean of its sentences' token states)
stays close to encoding the passage whole, for both backends."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

import qa
from qa.config import MODEL_DIMENSION, MODEL_NAME, default_model_path
from qa.embed.onnx_backend import OnnxEmbedder
from qa.embed.torch_backend import SentenceTransformerEmbedder
from qa.store.layout import generation_dir
from tests.conftest import SEEDS
from tests.integration.test_seed_answers import KNOWN

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION)


def test_mean_of_token_states_is_the_encoded_vector(
    torch_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    texts = [q for q, _, _ in KNOWN] + ["A much longer passage. " * 40, "x"]
    encoded = torch_embedder.encode(texts)
    onnx = OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, cache=tmp_path)
    for emb in (torch_embedder, onnx):
        sums, counts = emb.token_sums(texts)
        assert sums.shape == (len(texts), MODEL_DIMENSION) and (counts >= 3).all()  # [CLS] x [SEP] at least
        means = sums / counts[:, None]
        pooled = means / np.linalg.norm(means, axis=1, keepdims=True)
        cos = (pooled * encoded).sum(axis=1)
        assert cos.min() > 0.9999, f"{type(emb).__name__}: token-state mean differs from encode ({cos.min():.5f})"


def test_pooled_seed_passages_stay_close_to_their_whole_encoding(
    torch_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    index_dir = tmp_path / "embeddings"
    qa.build(SEEDS, index_dir, embedder=torch_embedder)
    engine = qa.load(index_dir, embedder=torch_embedder)
    stored = faiss.read_index(str(generation_dir(index_dir) / "index.faiss"))
    pooled = stored.reconstruct_n(0, stored.ntotal)
    whole = torch_embedder.encode([c.text for c in engine.data.chunks])
    cos = (pooled * whole).sum(axis=1)
    # Measured on the seeds: min 0.88, median 0.95. Far lower would mean tokens of the wrong sentences.
    assert cos.min() > 0.8 and float(np.median(cos)) > 0.9, f"cosine min {cos.min():.3f}, median {np.median(cos):.3f}"
