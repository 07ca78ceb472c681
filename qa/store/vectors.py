"""The passage vectors' FAISS index (exact up to FLAT_LIMIT passages, IVF over 8-bit codes above) and
the inner-product kernel every cosine of a query goes through."""

from __future__ import annotations

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


def passage_index(vectors: np.ndarray, dimension: int) -> Any:
    """Exact inner-product search while it is fast enough, IVF above FLAT_LIMIT passages, over 8-bit
    codes on one fixed scale (see UNIT_RANGE): a quarter of float32, learnt from no data, so that
    decoding and re-encoding in an incremental build gives back the same codes exactly."""
    import faiss
    import numpy as np

    index: Any
    if len(vectors) <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.index_factory(dimension, f"IVF{ivf_lists(len(vectors))},SQ8", faiss.METRIC_INNER_PRODUCT)
        # Store each vector itself, not its residual to a centroid (which new centroids would change).
        index.by_residual = False
        index.sq.qtype = faiss.ScalarQuantizer.QT_8bit_uniform  # one range for all components (set below)
        index.train(vectors)  # the lists' centroids
        faiss.copy_array_to_vector(np.array([-UNIT_RANGE, 2 * UNIT_RANGE], np.float32), index.sq.trained)
    if len(vectors):
        index.add(vectors)
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
