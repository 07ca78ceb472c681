"""The passage vectors' contract (qa/store/vectors.py), run over both implementations: the exact
(flat) index read in place and the IVF index over 8-bit codes. Also pins the FAISS internals the flat
one relies on (its vectors as a view of FAISS's memory, the SIMD inner-product kernel)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.store import vectors
from qa.store.vectors import FlatVectors, IvfVectors, PassageVectors, inner_products

N, D = 600, 32


def unit_rows(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(params=["flat", "ivf"])
def stored(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[str, np.ndarray, PassageVectors]:
    x = unit_rows(N, 7)
    if request.param == "ivf":
        monkeypatch.setattr(vectors, "FLAT_LIMIT", N - 1)
    return request.param, x, PassageVectors.open(vectors.passage_index(x, D))


def test_open_picks_the_implementation_of_the_stored_index(stored: tuple[str, np.ndarray, PassageVectors]) -> None:
    kind, _, pv = stored
    assert isinstance(pv, FlatVectors if kind == "flat" else IvfVectors)
    assert (pv.ntotal, pv.dimension) == (N, D)


def test_cosines_are_those_of_the_stored_vectors(stored: tuple[str, np.ndarray, PassageVectors]) -> None:
    kind, x, pv = stored
    q = unit_rows(1, 8)[0]
    ids = np.array([0, 5, 17, N - 1])
    got = pv.query(q).cosines(ids)
    # exact for the flat index; within the 8-bit codes' step (2 / 255 per component) for IVF
    tolerance = 1e-5 if kind == "flat" else 0.02
    np.testing.assert_allclose(got, x[ids] @ q, atol=tolerance)
    assert pv.query(q).cosines(np.zeros(0, np.int64)).shape == (0,)


def test_nearest_holds_the_closest_passages(stored: tuple[str, np.ndarray, PassageVectors]) -> None:
    kind, x, pv = stored
    for seed in range(5):
        q = x[seed * 50] + 0.1 * unit_rows(1, 100 + seed)[0]
        q /= np.linalg.norm(q)
        found = set(pv.query(q).nearest(20).tolist())
        truth = np.argsort(-(x @ q))[:20]
        assert int(truth[0]) in found  # the passage the question was made from
        if kind == "flat":
            assert found == set(truth.tolist())  # exact search: the same twenty
        else:  # approximate: the lists probed (a sixteenth) hold passages of the index, no padding
            assert found and all(0 <= i < N for i in found)


def test_asking_for_more_than_there_are_gives_every_passage() -> None:
    x = unit_rows(10, 3)
    pv = PassageVectors.open(vectors.passage_index(x, D))
    assert sorted(pv.query(x[0]).nearest(50).tolist()) == list(range(10))


def test_the_flat_vectors_are_faiss_memory_read_in_place() -> None:
    x = unit_rows(N, 9)
    index = vectors.passage_index(x, D)
    pv = PassageVectors.open(index)
    assert isinstance(pv, FlatVectors)
    np.testing.assert_array_equal(pv.matrix, x)
    assert not pv.matrix.flags.owndata  # a view (rev_swig_ptr), not a copy of the index
    extra = unit_rows(1, 10)
    index.add(extra)  # FAISS may move its buffer when it grows: a view is for an index no longer written
    assert PassageVectors.open(index).ntotal == N + 1


def test_inner_products_kernel_equals_numpy() -> None:
    x = unit_rows(N, 11)
    q = unit_rows(1, 12)[0]
    np.testing.assert_allclose(inner_products(x, q), x @ q, atol=1e-5)
    np.testing.assert_allclose(inner_products(x.astype(np.float64), q), x @ q, atol=1e-5)  # any dtype in
    assert inner_products(np.zeros((0, D), np.float32), q).shape == (0,)
