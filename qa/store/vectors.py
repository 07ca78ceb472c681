"""The passage vectors' FAISS index (exact up to FLAT_LIMIT passages, IVF over 8-bit codes above) and
the inner-product kernel every cosine of a query goes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Up to this many passages the FAISS index is exact (flat, float32); above it, an inverted file
# (IVF) over 8-bit codes: approximate, its recall@10 against flat measured by bench/. Flat search
# over 50k x 384 floats is a few ms. HNSW was measured and dropped: at 111k synthetic passages (many
# exact and near duplicates, as syndicated news has) its recall@10 stayed at .83-.91 for efSearch
# 128-1024 (M 32), .975 even with duplicates removed; IVF with 1/16 of its lists probed: .991.
FLAT_LIMIT = 50_000
# The IVF index's 8-bit codes cover [-UNIT_RANGE, UNIT_RANGE] in 255 equal steps: every component of a
# unit vector lies in [-1, 1], so nothing is clipped and no training data sets the scale. On the SQuAD
# subset `qa eval` moved by one question's rank (MRR@10 .943 -> .942), hit@1/hit@3/evidence@1 the same.
UNIT_RANGE = 1.0
# Lists: 4 x sqrt(N) (FAISS's guidance is 4-16 x sqrt(N)), but at least 39 training points per list.
IVF_LISTS_PER_SQRT_N = 4
IVF_MIN_POINTS_PER_LIST = 39
# A question probes this share of the lists (1/16: ~7k of 111k vectors scanned, well under 1 ms).
IVF_PROBE_DIVISOR = 16


def ivf_lists(n: int) -> int:
    return max(1, min(int(IVF_LISTS_PER_SQRT_N * n**0.5), n // IVF_MIN_POINTS_PER_LIST))


def ivf_probes(lists: int) -> int:
    return max(1, -(-lists // IVF_PROBE_DIVISOR))


# IVF lists are trained on at most this many vectors per list, spread evenly over the corpus (FAISS's
# k-means samples down to 256 a centroid by itself), applied before the vectors are read, so that a
# build holds 64 x lists vectors for training, not all N (1M passages: 256k of them, 0.4 GB, instead
# of all 1.5 GB). Measured on 40k real MiniLM paragraph vectors with SQuAD questions, 156 lists, 1/16
# probed: recall@10 of the exact top 10 was .865 training on 256 a list, .864 on 128, .865 on 64,
# .864 on 32: the centroids do not need more. It changes indexes above ~65k passages only.
IVF_TRAIN_PER_LIST = 64


def passage_index(vectors: np.ndarray, dimension: int) -> Any:
    """The passage index of `vectors`, in memory (see `empty_passage_index`)."""
    index = empty_passage_index(len(vectors), dimension, lambda ids: vectors[ids])
    if len(vectors):
        index.add(vectors)
    return index


def empty_passage_index(n: int, dimension: int, rows: Callable[[np.ndarray], np.ndarray]) -> Any:
    """The trained, empty index for `n` passage vectors; `rows(ids)` gives the vectors of rows `ids`
    (sorted) for training. Exact inner-product search while it is fast enough, IVF above FLAT_LIMIT
    passages, over 8-bit codes on one fixed scale (see UNIT_RANGE): a quarter of float32, learnt
    from no data, so that decoding and re-encoding in an incremental build gives back the same codes
    exactly."""
    import faiss
    import numpy as np

    if n <= FLAT_LIMIT:
        return faiss.IndexFlatIP(dimension)
    lists = ivf_lists(n)
    index: Any = faiss.index_factory(dimension, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    # Store each vector itself, not its residual to a centroid (which new centroids would change).
    index.by_residual = False
    index.sq.qtype = faiss.ScalarQuantizer.QT_8bit_uniform  # one range for all components (set below)
    take = min(n, IVF_TRAIN_PER_LIST * lists)
    ids = np.arange(n) if take == n else np.unique(np.linspace(0, n - 1, take).astype(np.int64))
    index.train(np.ascontiguousarray(rows(ids), dtype=np.float32))  # the lists' centroids
    faiss.copy_array_to_vector(np.array([-UNIT_RANGE, 2 * UNIT_RANGE], np.float32), index.sq.trained)
    return index


def inner_products(matrix: Any, q: np.ndarray) -> np.ndarray:
    """`matrix @ q` with FAISS's single-threaded SIMD kernel. numpy hands this to OpenBLAS, whose
    threads fight ONNX Runtime's for a few cores (measured at 11k passages on a busy 2-core machine:
    8 ms with numpy, 1.1 ms with FAISS)."""
    import faiss
    import numpy as np

    m = np.ascontiguousarray(matrix, dtype=np.float32)
    v = np.ascontiguousarray(q, dtype=np.float32)
    out = np.zeros(len(m), dtype=np.float32)
    if len(m):
        faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]
            faiss.swig_ptr(out), faiss.swig_ptr(v), faiss.swig_ptr(m), m.shape[1], len(m)
        )
    return out


class PassageVectors:
    """The passage vectors of a generation, for questions: `query(q)` gives a `VectorQuery` that finds
    the passages nearest to the unit vector `q` and gives the exact cosine of any passage. `open`
    picks the implementation for the stored FAISS index (exact or IVF); the engine has one path."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @staticmethod
    def open(index: Any) -> PassageVectors:
        return FlatVectors(index) if hasattr(index, "get_xb") else IvfVectors(index)

    def query(self, q: np.ndarray) -> VectorQuery:
        raise NotImplementedError


class VectorQuery:
    """One question's view of the passage vectors."""

    def nearest(self, want: int) -> np.ndarray:
        """The ids of (about) the `want` passages nearest to the question, in no particular order."""
        raise NotImplementedError

    def cosines(self, ids: np.ndarray) -> np.ndarray:
        """The exact cosine of passages `ids` with the question."""
        raise NotImplementedError

    def all_cosines(self) -> np.ndarray | None:
        """Every passage's cosine, when the index computes them all anyway (exact); else None."""
        return None


class FlatVectors(PassageVectors):
    """An exact (flat) index: its float32 vectors read in place as a numpy view of FAISS's memory (no
    copy). One matrix-vector product scores every passage faster than FAISS's single-query heap search
    with k = 256 (measured at 11k passages: 5.4 ms for faiss, ~1 ms this way), and gives every
    candidate's cosine too."""

    def __init__(self, index: Any) -> None:
        import faiss

        super().__init__(index)
        n, d = int(index.ntotal), int(index.d)
        self.matrix: Any = faiss.rev_swig_ptr(index.get_xb(), n * d).reshape(n, d) if n else None

    def query(self, q: np.ndarray) -> VectorQuery:
        import numpy as np

        return _FlatQuery(inner_products(self.matrix, q) if self.matrix is not None else np.zeros(0, np.float32))


class _FlatQuery(VectorQuery):
    def __init__(self, cosines: np.ndarray) -> None:
        self.all = cosines

    def nearest(self, want: int) -> np.ndarray:
        import numpy as np

        n = len(self.all)
        return np.argpartition(-self.all, want - 1)[:want] if want < n else np.arange(n)

    def cosines(self, ids: np.ndarray) -> np.ndarray:
        out: np.ndarray = self.all[ids]
        return out

    def all_cosines(self) -> np.ndarray:
        return self.all


class IvfVectors(PassageVectors):
    """An inverted file over 8-bit codes: `nearest` probes 1/IVF_PROBE_DIVISOR of the lists, and the
    candidates' vectors are decoded (`reconstruct_batch`) for their cosines."""

    def __init__(self, index: Any) -> None:
        super().__init__(index)
        index.nprobe = ivf_probes(index.nlist)
        index.make_direct_map()  # reconstruct_batch of the candidates

    def query(self, q: np.ndarray) -> VectorQuery:
        return _IvfQuery(self.index, q)


class _IvfQuery(VectorQuery):
    def __init__(self, index: Any, q: np.ndarray) -> None:
        self.index, self.q = index, q

    def nearest(self, want: int) -> np.ndarray:
        import numpy as np

        _, ids = self.index.search(np.asarray(self.q, np.float32).reshape(1, -1), want)
        out: np.ndarray = ids[0][ids[0] >= 0]
        return out

    def cosines(self, ids: np.ndarray) -> np.ndarray:
        import numpy as np

        if not len(ids):
            return np.zeros(0, np.float32)
        return inner_products(self.index.reconstruct_batch(ids), self.q)


def describe(index: Any) -> dict[str, Any]:
    """The passage index's entry in the manifest."""
    return {
        "faiss": {
            "type": type(index).__name__,
            "metric": "inner product of unit vectors (cosine)",
            "flat_limit": FLAT_LIMIT,
        }
    }
