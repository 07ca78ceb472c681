"""Hybrid score fusion (qa.query.fusion) on small hand-made arrays whose expected values are worked out by hand.

With the default weights a = sa = 0.6 and b = 1, so top = 2:
    sentence = 0.6 * mm(dense_s) + 0.4 * mm(bm25_s)
    passage  = (0.6 * mm(dense_p) + 0.4 * mm(bm25_p) + 1.0 * best sentence inside) / 2
"""

from __future__ import annotations

import numpy as np
import pytest

from qa.query.fusion import minmax, passage_scores, sentence_scores
from qa.query.params import RetrievalParams

W = RetrievalParams()


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


NO_PAIRS = np.zeros(0, dtype=np.int64)


def test_default_weights_are_the_ones_the_hand_computed_values_assume() -> None:
    assert (W.passage_dense, W.sentence_dense, W.sentence, W.top) == (0.6, 0.6, 1.0, 2.0), (
        "the defaults changed; the expected values in this file were computed for a = sa = 0.6, b = 1"
    )


# --------------------------------------------------------------------------------------------------
# minmax


def test_minmax_maps_the_smallest_to_zero_and_the_largest_to_one() -> None:
    got = minmax(arr(1.0, 3.0, 5.0, 2.0))
    np.testing.assert_allclose(got, [0.0, 0.5, 1.0, 0.25], err_msg="values were not scaled linearly onto [0, 1]")
    assert got.dtype == np.float32, f"minmax returned {got.dtype}, not float32"


def test_minmax_accepts_integers_and_negative_values() -> None:
    np.testing.assert_allclose(minmax(np.array([-4, 0, 4])), [0.0, 0.5, 1.0], err_msg="ints or negatives mis-scaled")


@pytest.mark.parametrize("values", [[2.0, 2.0, 2.0], [7.5], [0.0, 1e-12, 0.0]])
def test_minmax_of_constant_input_is_all_zeros(values: list[float]) -> None:
    got = minmax(np.array(values, dtype=np.float32))
    assert got.shape == (len(values),) and not got.any(), f"constant input {values} gave {got}, not zeros"


def test_minmax_entries_outside_the_mask_become_zero_and_do_not_set_the_range() -> None:
    x = arr(100.0, 2.0, 4.0, 6.0, -100.0)
    mask = np.array([False, True, True, True, False])
    got = minmax(x, mask)
    # Scaled over [2, 6] only: the masked-out 100 and -100 would otherwise squash 2, 4, 6 together.
    np.testing.assert_allclose(got, [0.0, 0.0, 0.5, 1.0, 0.0], err_msg="the mask did not confine the scaling")
    assert got.dtype == np.float32, f"masked minmax returned {got.dtype}, not float32"


def test_minmax_with_a_mask_allowing_one_entry_or_none_is_all_zeros() -> None:
    x = arr(3.0, 9.0, 1.0)
    assert not minmax(x, np.array([False, True, False])).any(), "one allowed entry is a constant pool: zeros"
    got = minmax(x, np.zeros(3, dtype=bool))
    assert got.shape == (3,) and not got.any(), f"an all-False mask gave {got}, not zeros"


def test_minmax_of_empty_input_is_empty() -> None:
    assert minmax(np.zeros(0, dtype=np.float32)).shape == (0,), "empty input did not give an empty result"
    assert minmax(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=bool)).shape == (0,), "empty masked input failed"


# --------------------------------------------------------------------------------------------------
# sentence_scores


def test_sentence_scores_mix_normalised_dense_and_bm25_with_the_sentence_weight() -> None:
    # mm(dense) = [0, .5, 1], mm(bm25) = [1, 0, .5] -> 0.6 * dense + 0.4 * bm25
    got = sentence_scores(arr(0.2, 0.6, 1.0), arr(4.0, 0.0, 2.0), W)
    np.testing.assert_allclose(got, [0.4, 0.3, 0.8], rtol=1e-6, err_msg="sentence fusion is not sa*dense+(1-sa)*bm25")


def test_sentence_scores_respect_the_mask() -> None:
    # Over the allowed entries only: mm(dense) = [0, _, .5, 1], mm(bm25) = [1, _, 0, 0]
    mask = np.array([True, False, True, True])
    got = sentence_scores(arr(0.0, 9.0, 0.5, 1.0), arr(2.0, 50.0, 0.0, 0.0), W, mask)
    np.testing.assert_allclose(got, [0.4, 0.0, 0.3, 0.6], rtol=1e-6, err_msg="masked sentences leaked into scores")


def test_sentence_scores_with_sentence_dense_weight_one_ignore_bm25() -> None:
    got = sentence_scores(arr(0.0, 1.0), arr(10.0, 0.0), RetrievalParams(sentence_dense=1.0))
    np.testing.assert_allclose(got, [0.0, 1.0], err_msg="with sa = 1 the BM25 term still counted")


# --------------------------------------------------------------------------------------------------
# passage_scores


def test_passage_with_a_strongly_matching_sentence_outranks_an_otherwise_equal_passage() -> None:
    # Passages 0 and 1 are equal on dense and BM25 (both the maximum); passage 2 is the minimum.
    dense, bm25 = arr(0.5, 0.5, 0.1), arr(3.0, 3.0, 0.0)
    sent = arr(1.0, 0.2, 0.0)  # sentence 0 (in passage 0) matches strongly, sentence 1 (in passage 1) weakly
    got = passage_scores(dense, bm25, sent, ints(0, 1, 2), ints(0, 1, 2), W)
    # (0.6 * 1 + 0.4 * 1 + 1.0 * 1.0) / 2 = 1.0; (1 + 0.2) / 2 = 0.6; (0 + 0 + 0) / 2 = 0
    np.testing.assert_allclose(got, [1.0, 0.6, 0.0], rtol=1e-6, err_msg="the sentence term was not added as expected")
    assert got[0] > got[1], "the passage holding the matching sentence did not outrank its equal"


def test_passage_takes_its_best_sentence_not_the_sum() -> None:
    dense, bm25 = arr(1.0, 1.0), arr(1.0, 1.0)  # constant: both passage terms are 0
    sent = arr(0.3, 0.8, 0.5)
    got = passage_scores(dense, bm25, sent, ints(0, 1, 2), ints(0, 0, 1), W)
    np.testing.assert_allclose(got, [0.4, 0.25], rtol=1e-6, err_msg="a passage's sentence term is not its best one")


def test_passage_without_sentences_gets_no_sentence_term() -> None:
    got = passage_scores(arr(0.0, 1.0), arr(0.0, 1.0), arr(0.9), ints(0), ints(0), W)
    # passage 0: (0 + 0 + 0.9) / 2; passage 1: (0.6 + 0.4 + 0) / 2
    np.testing.assert_allclose(got, [0.45, 0.5], rtol=1e-6, err_msg="a passage got a sentence it does not hold")
    empty = passage_scores(arr(0.0, 1.0), arr(0.0, 1.0), arr(0.9), NO_PAIRS, NO_PAIRS, W)
    np.testing.assert_allclose(empty, [0.0, 0.5], rtol=1e-6, err_msg="no pairs at all should mean no sentence term")


def test_sentence_in_an_overlap_lifts_both_passages_that_hold_it() -> None:
    dense, bm25 = arr(0.5, 0.5, 0.5), arr(2.0, 2.0, 2.0)  # constant: passage terms are 0
    sent = arr(0.8, 0.1)
    # Sentence 0 lies in the overlap of passages 0 and 1; sentence 1 lies in passage 2.
    got = passage_scores(dense, bm25, sent, ints(0, 0, 1), ints(0, 1, 2), W)
    np.testing.assert_allclose(got, [0.4, 0.4, 0.05], rtol=1e-6, err_msg="an overlap sentence did not lift both")


def test_with_sentence_weight_zero_passage_scores_are_the_passage_only_fusion() -> None:
    w = RetrievalParams(sentence=0.0)
    assert w.top == 1.0, "with b = 0 the top score is 1"
    dense, bm25 = arr(0.2, 0.6, 1.0), arr(4.0, 0.0, 2.0)
    pairs_s, pairs_p = ints(0, 1, 2), ints(0, 1, 2)
    strong = passage_scores(dense, bm25, arr(1.0, 0.0, 0.0), pairs_s, pairs_p, w)
    other = passage_scores(dense, bm25, arr(0.0, 0.5, 1.0), pairs_s, pairs_p, w)
    # 0.6 * [0, .5, 1] + 0.4 * [1, 0, .5]
    np.testing.assert_allclose(strong, [0.4, 0.3, 0.8], rtol=1e-6, err_msg="b = 0 is not the passage-only fusion")
    np.testing.assert_array_equal(strong, other, err_msg="with b = 0 the sentence scores still changed the result")


@pytest.mark.parametrize("seed", range(5))
def test_passage_scores_lie_in_zero_to_one_and_the_best_on_every_term_scores_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_p, n_s = 12, 30
    dense, bm25 = rng.uniform(-1, 1, n_p).astype(np.float32), rng.uniform(0, 20, n_p).astype(np.float32)
    sent = sentence_scores(rng.uniform(-1, 1, n_s), rng.uniform(0, 20, n_s), W)
    pair_s = np.arange(n_s, dtype=np.int64)
    pair_p = rng.integers(0, n_p, n_s)
    # Make passage 0 the best on dense and BM25 and give it a sentence with the top score 1.
    dense[0], bm25[0], sent[0], pair_p[0] = 2.0, 30.0, 1.0, 0
    got = passage_scores(dense, bm25, sent, pair_s, pair_p, W)
    assert got.shape == (n_p,) and got.dtype == np.float32, f"shape {got.shape} / dtype {got.dtype}"
    assert got.min() >= 0.0 and got.max() <= 1.0 + 1e-6, f"scores outside [0, 1]: {got.min()}..{got.max()}"
    assert got[0] == pytest.approx(1.0), f"the passage best on every term scored {got[0]}, not 1"


def test_masked_out_passages_score_minus_one_and_do_not_set_the_range() -> None:
    dense, bm25 = arr(0.0, 100.0, 1.0), arr(0.0, 100.0, 1.0)
    sent = arr(0.0, 1.0, 0.0)
    mask = np.array([True, False, True])
    got = passage_scores(dense, bm25, sent, ints(0, 1, 2), ints(0, 1, 2), W, mask)
    # Scaled over passages 0 and 2 only: passage 2 is the maximum on both terms -> (0.6 + 0.4) / 2.
    np.testing.assert_allclose(got, [0.0, -1.0, 0.5], rtol=1e-6, err_msg="the mask was not applied as expected")
    assert got.dtype == np.float32, f"masked passage scores are {got.dtype}, not float32"


def test_sentence_scores_read_and_write_like_the_dense_array_of_the_corpus() -> None:
    """The engine keeps only its candidates' sentence scores (fusion.SentenceScores); every read and
    write it makes gives what one float per sentence of the corpus would."""
    from qa.query.fusion import SentenceScores

    rng = np.random.default_rng(7)
    for _ in range(50):
        size = int(rng.integers(1, 300))
        ids = rng.choice(size, size=int(rng.integers(0, size + 1)), replace=False)
        values = rng.uniform(0, 1, len(ids)).astype(np.float32)
        dense = np.zeros(size, np.float32)
        dense[ids] = values
        sparse = SentenceScores(size, ids, values)
        for _ in range(10):  # the second stage's writes, inside and outside the candidates
            i = int(rng.integers(0, size))
            sparse[i] = sparse[i] * 0.7 + 0.3
            dense[i] = dense[i] * 0.7 + 0.3
        copy = sparse.copy()
        sparse[0] = 5.0  # the copy keeps its own values
        assert copy[0] == dense[0]
        dense_copy = dense.copy()
        dense[0] = 5.0
        lo, hi = sorted(rng.integers(0, size + 1, 2).tolist())
        asked = rng.integers(0, size, 20)
        assert len(sparse) == size
        assert np.array_equal(sparse[lo:hi], dense[lo:hi]) and np.array_equal(sparse[asked], dense[asked])
        assert np.array_equal(copy[0:size], dense_copy) and sparse[asked.reshape(4, 5)].shape == (4, 5)
    with pytest.raises(ValueError):
        SentenceScores(5, np.array([1, 1]), np.array([0.1, 0.2]))
