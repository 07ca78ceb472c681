"""The optional ONNX Runtime backend: exported locally from the packaged model, it embeds like
sentence-transformers (float32 identical, int8 close) and answers the seed questions the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qa
from qa.config import MODEL_DIMENSION, MODEL_NAME, Settings, default_model_path
from qa.embed.onnx_backend import OnnxEmbedder
from qa.embed.torch_backend import SentenceTransformerEmbedder
from tests.conftest import SEEDS
from tests.integration.test_seed_answers import KNOWN, check_citation

pytestmark = pytest.mark.integration

TEXTS = [q for q, _, _ in KNOWN] + ["A much longer passage. " * 40, "한국어 문장입니다.", "x"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceTransformerEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION).encode(TEXTS)


# int8 weights move each vector (measured cosine to torch 0.88-0.97, lowest on long texts) but keep
# the ranking: qa eval hit@1 is unchanged (README, "Performance").
@pytest.mark.parametrize(("quantize", "floor"), [(False, 0.9999), (True, 0.85)])
def test_onnx_vectors_agree_with_sentence_transformers(
    cache: Path, torch_vectors: np.ndarray, quantize: bool, floor: float
) -> None:
    emb = OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, quantize=quantize, cache=cache)
    vectors = emb.encode(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4), "vectors must be unit length"
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= floor, f"quantize={quantize}: cosine to torch as low as {cosines.min():.4f}"
    assert list((cache).rglob("model.int8.onnx" if quantize else "model.onnx")), "the export is cached"


def test_index_built_with_onnx_int8_answers_and_refuses_a_torch_reader(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QA_ONNX_CACHE", str(tmp_path / "cache"))
    settings = Settings(seeds_dir=SEEDS, index_dir=tmp_path / "idx", backend="onnx-int8")
    qa.build(settings=settings)
    engine = qa.load(tmp_path / "idx", settings=settings)
    for question, source, _ in KNOWN[:4]:
        d = engine.ask(question, k=3).to_dict()
        assert not d["abstained"] and d["citations"][0]["source"] == source
        for c in d["citations"]:
            check_citation(c)
    with pytest.raises(qa.IndexInvalidError, match="qa index"):
        qa.load(tmp_path / "idx", settings=Settings(backend="torch"))


def test_batches_run_side_by_side_keep_every_vector_with_its_text(cache: Path, torch_vectors: np.ndarray) -> None:
    """Many small batches on two threads (a build's path) give each text its own vector, as one
    batch on one thread does."""
    emb = OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, batch_size=2, cache=cache)
    emb.workers = 2
    texts = TEXTS * 3  # 3 x the texts, several batches in flight at once
    vectors = emb.encode(texts)
    cosines = (vectors * np.tile(torch_vectors, (3, 1))).sum(axis=1)
    assert cosines.min() >= 0.9999, f"a vector went to another text (cosine {cosines.min():.4f})"
    sums, counts = emb.token_sums(texts)
    pooled = sums / counts[:, None]
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.allclose(pooled, vectors, atol=1e-5)


def test_coarse_copy_is_the_int8_model_made_once(cache: Path) -> None:
    """A follow-up's carried search runs the int8 copy (qa/query/engine.py): the same model, the same
    export cache, vectors close to the full model's, one copy per embedder."""
    full = OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, cache=cache)
    coarse = full.coarse()
    assert coarse is full.coarse() and coarse.quantize and coarse.coarse() is coarse
    assert coarse.cache == full.cache
    cosines = (coarse.encode(TEXTS) * full.encode(TEXTS)).sum(axis=1)
    assert (full.cache / "model.int8.onnx").exists()
    assert cosines.min() >= 0.85 and np.median(cosines) >= 0.95, cosines


def test_the_int8_reader_on_two_threads_reads_exactly_as_on_one(cache: Path) -> None:
    """Late interaction reads a batch of citations with the int8 copy on two threads: the same token
    states, bit for bit, as one thread gives (so answers do not depend on the thread count)."""
    full = OnnxEmbedder(default_model_path(), MODEL_NAME, MODEL_DIMENSION, cache=cache)
    assert full.coarse().intra_threads == min(2, full.workers)
    one, two = (
        OnnxEmbedder(full.model_path, MODEL_NAME, MODEL_DIMENSION, quantize=True, cache=cache, intra_threads=n)
        for n in (1, 2)
    )
    batch = [TEXTS[0], TEXTS[-3], TEXTS[1]]  # of different lengths: one padded batch
    for a, b in zip(one.token_states(batch), two.token_states(batch), strict=True):
        assert np.array_equal(a, b)
