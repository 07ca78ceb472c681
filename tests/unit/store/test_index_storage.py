"""The compact stores of an index generation: the documents' texts as one UTF-8 file read by byte range,
6-bit sentence vectors, the passage table, the passage-to-sentence membership computed from sorted
spans, and the IVF index's 8-bit vectors across incremental builds."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qa
from qa.store import vectors as store_vectors
from qa.store.codes6 import dequantize_rows, packed_width, quantize_rows, unpack6
from qa.store.tables import ChunkTable, passage_sentences
from qa.store.texts import DocRecord, TextStore, encode_texts
from tests.conftest import FakeEmbedder, read_6bit


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_text_store_gives_back_every_text_from_its_file(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]  # no lone surrogates: files have none
    blob, ranges = encode_texts(texts)
    path = tmp_path_factory.mktemp("store") / "texts.utf8"
    path.write_bytes(blob)
    store = TextStore.open(path)  # memory-mapped (a plain bytes object when the file is empty)
    assert len(store) == len(blob) == sum(len(t.encode("utf-8")) for t in texts)
    assert [store.read(a, b) for a, b in ranges] == texts
    assert [store.read(a, b) for a, b in reversed(ranges)] == texts[::-1]  # from the cache, the same


def descriptors_on(path: Path) -> int:
    """How many of this process's file descriptors are open on `path` (Linux /proc)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the descriptor listdir itself used is gone by now
            n += os.readlink(f"/proc/self/fd/{fd}") == str(path)
    return n


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_a_text_store_closes_its_file_when_dropped(tmp_path: Path) -> None:
    path = (tmp_path / "texts.utf8").resolve()
    path.write_bytes("Pyongyang–Beijing".encode())
    store = TextStore.open(path)
    assert store.read(0, path.stat().st_size) == "Pyongyang–Beijing"
    assert descriptors_on(path) == 1
    del store  # no reference cycle: freed at once, without waiting for the garbage collector
    assert descriptors_on(path) == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 64), st.integers(0, 2**31 - 1))
def test_6_bit_rows_are_within_half_a_step_and_requantize_to_the_same_codes(rows: int, dim: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, dim)).astype(np.float32) * rng.uniform(1e-3, 10, size=(rows, 1)).astype(np.float32)
    x[0] = 0.0  # an all-zero row must survive (scale 0)
    codes, scales = quantize_rows(x)
    assert codes.dtype == np.uint8 and scales.dtype == np.float32
    assert codes.shape == (rows, packed_width(dim)) == (rows, -(-dim // 4) * 3), "four 6-bit codes in 3 bytes"
    levels = read_6bit(codes, dim) - 32
    assert np.abs(levels).max() <= 31
    assert np.array_equal(unpack6(codes, dim).astype(int) - 32, levels)
    none, no_scales = quantize_rows(x[:0])  # a file without sentences quantizes to nothing
    assert none.shape == (0, packed_width(dim)) and no_scales.shape == (0,)
    back = dequantize_rows(codes, scales, dim)
    assert np.allclose(back, levels * scales[:, None])
    step = np.abs(x).max(axis=1) / 31
    assert (np.abs(back - x).max(axis=1) <= step / 2 + 1e-6 * np.maximum(step, 1)).all()
    again, again_scales = quantize_rows(back)
    assert np.array_equal(again, codes), "re-quantizing decoded rows changed the codes"
    assert np.allclose(again_scales, scales, rtol=1e-6)


def brute_force_membership(rows: np.ndarray, sentences: np.ndarray) -> list[list[int]]:
    return [
        [j for j, (sd, sa, sb) in enumerate(sentences.tolist()) if sd == d and sa >= a and sb <= b]
        for d, a, b in rows[:, :3].tolist()
    ]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 4), st.integers(0, 30))
def test_passage_sentences_match_the_brute_force_definition(seed: int, docs: int, per_doc: int) -> None:
    rng = np.random.default_rng(seed)
    sentences, rows = [], []
    for d in range(docs):
        cuts = np.sort(rng.choice(np.arange(1, 500), size=per_doc * 2, replace=False)) if per_doc else []
        spans = [(int(cuts[i]), int(cuts[i + 1])) for i in range(0, len(cuts) - 1, 2)]
        sentences += [(d, a, b) for a, b in spans]
        for _ in range(rng.integers(0, 6)):  # passages may overlap, cut sentences, or hold none
            a = int(rng.integers(0, 500))
            rows.append((d, a, a + int(rng.integers(1, 200)), 1, 1))
    s_arr = np.array(sentences, np.int64).reshape(-1, 3)
    r_arr = np.array(sorted(rows), np.int64).reshape(-1, 5)
    indptr, ids = passage_sentences(r_arr, s_arr)
    got = [ids[indptr[i] : indptr[i + 1]].tolist() for i in range(len(r_arr))]
    assert got == brute_force_membership(r_arr, s_arr)


def test_chunk_table_makes_chunks_whose_text_is_the_slice_of_their_document() -> None:
    store, ranges = TextStore.of(["Alpha beta.\nGamma delta.", "Épsilon zêta eta."])
    common = {"title": None, "published": None, "outlet": None, "url": None, "encoding": "utf-8", "chunks": 1}
    common |= {"author": None, "format": "text", "page_starts": [], "store": store}
    docs = [
        DocRecord("a.txt", "0", **common, regions=[[0, 24]], characters=24, story="a.txt", text_bytes=ranges[0]),
        DocRecord("b.txt", "1", **common, regions=[[0, 17]], characters=17, story="b.txt", text_bytes=ranges[1]),
    ]
    table = ChunkTable(np.array([[0, 6, 24, 1, 2], [1, 0, 17, 1, 1]], np.int64), docs)
    assert len(table) == 2
    first, second = table[0], table[-1]
    assert (first.source, first.text, first.start_line, first.end_line) == ("a.txt", "beta.\nGamma delta.", 1, 2)
    assert (second.source, second.text) == ("b.txt", "Épsilon zêta eta.")
    assert [c.source for c in table[0:2]] == ["a.txt", "b.txt"]
    assert [c.source for c in table] == ["a.txt", "b.txt"]


def test_ivf_vectors_are_8_bit_and_survive_an_incremental_build_exactly(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_ = qa.Settings(chunk_tokens=40)
    qa.build(seeds_copy, tmp_path / "flat", embedder=FakeEmbedder(), settings=settings_)
    flat = qa.load(tmp_path / "flat", embedder=FakeEmbedder(), settings=settings_).data.faiss
    exact = flat.reconstruct_n(0, flat.ntotal)
    monkeypatch.setattr(store_vectors, "FLAT_LIMIT", 10)
    index_dir = tmp_path / "index"
    qa.build(seeds_copy, index_dir, embedder=FakeEmbedder(), settings=settings_)

    def vectors() -> dict[tuple[str, int, int], np.ndarray]:
        engine = qa.load(index_dir, embedder=FakeEmbedder(), settings=settings_)
        ivf = engine.data.faiss
        assert type(ivf).__name__ == "IndexIVFScalarQuantizer"
        assert ivf.code_size == ivf.d, "one byte per component"
        stored = ivf.reconstruct_n(0, ivf.ntotal)
        return {(c.source, c.start, c.end): stored[i] for i, c in enumerate(engine.data.chunks)}

    before = vectors()
    # 255 steps over [-1, 1]: each component within half a step of the exact (flat) index's
    assert np.abs(np.array(list(before.values())) - exact).max() <= 1 / 255 + 1e-6
    target = sorted(seeds_copy.iterdir())[0]
    target.write_text(target.read_text(encoding="utf-8-sig") + "\n\nA new closing paragraph was added.\n")
    qa.build(seeds_copy, index_dir, embedder=FakeEmbedder(), settings=settings_)
    after = vectors()
    kept = [key for key in before if key[0] != target.name]
    assert kept and all(np.array_equal(before[key], after[key]) for key in kept)


def test_sentence_cosines_are_the_stored_vectors_dot_the_question(seeds_copy: Path, tmp_path: Path) -> None:
    qa.build(seeds_copy, tmp_path / "index", embedder=FakeEmbedder())
    data = qa.load(tmp_path / "index", embedder=FakeEmbedder()).data
    q = FakeEmbedder().encode(["Kim Jong Un met Putin in Vladivostok"])[0]
    ids = np.arange(0, len(data.sentences), 3)
    stored = (read_6bit(data.sentence_codes[ids], len(q)) - 32) * data.sentence_scales[ids, None]
    np.testing.assert_allclose(data.sentence_cosines(ids, q), stored @ q, rtol=1e-5, atol=1e-6)


def test_a_second_build_says_it_is_waiting_for_the_first(tmp_path: Path) -> None:
    """A second `qa index` (or a server's rebuild) waited in silence while another build held the lock."""
    import fcntl
    import threading

    from qa.store.generation import build_lock

    tmp_path.mkdir(exist_ok=True)
    said = threading.Event()
    done = threading.Event()

    def second() -> None:
        with build_lock(tmp_path, said.set):
            done.set()

    with (tmp_path / ".lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # the first build
        worker = threading.Thread(target=second)
        worker.start()
        assert said.wait(10), "the second build did not say it was waiting"
        assert not done.is_set(), "the second build did not wait"
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    worker.join(10)
    assert done.is_set()
    with build_lock(tmp_path, lambda: pytest.fail("nobody holds the lock")):
        pass
