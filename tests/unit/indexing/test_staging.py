"""The build's staging files (qa/indexing/staging.py) and the writer's streaming of them: rows and texts
come back as they went in, and the files written from them are the bytes the in-memory arrays give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.indexing import writer
from qa.indexing.staging import RowFile, Staging
from qa.store import vectors


def test_rows_and_texts_come_back_as_staged(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    staging = Staging(tmp_path, 8, 6)
    a, b = rng.standard_normal((5, 8)).astype(np.float32), rng.standard_normal((3, 8)).astype(np.float32)
    assert staging.vectors.append(a) == 0 and staging.vectors.append(b) == 5
    assert np.array_equal(staging.vectors.read(0, 8), np.concatenate([a, b]))
    assert np.array_equal(staging.vectors.read(4, 2), np.concatenate([a[4:], b[:1]]))
    with pytest.raises(IndexError):
        staging.vectors.read(7, 2)
    texts = ["Zürich, 3 März.", "", "東京の記事。"]
    at = [staging.add_text(t) for t in texts]
    assert [staging.text(r) for r in at] == texts
    staged = staging.texts(at[::-1])
    assert list(staged) == texts[::-1] and staged[-1] == texts[0] and staged[0:2] == texts[:0:-1]
    assert list(staged.byte_sizes()) == [len(t.encode("utf-8")) for t in texts[::-1]]
    folder = staging.folder
    assert folder.name.startswith(".tmp-"), "a build that dies leaves a folder the next publish removes"
    staging.close()
    assert not folder.exists()


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 100])
def test_runs_are_read_in_order_in_batches_of_any_size(tmp_path: Path, batch_rows: int) -> None:
    rows = RowFile(tmp_path / "r", np.uint8, 3)
    data = np.arange(30, dtype=np.uint8).reshape(10, 3)
    rows.append(data)
    runs = [(6, 3), (0, 2), (9, 1), (4, 0), (2, 4)]
    got = list(rows.runs(runs, batch_rows))
    assert all(len(g) <= batch_rows for g in got)
    want = np.concatenate([data[s : s + n] for s, n in runs])
    assert np.array_equal(np.concatenate(got), want)
    ids = np.array([0, 3, 4, 8, 9])
    assert np.array_equal(writer._rows_at(rows, runs, ids), want[ids])
    rows.close()


def test_saved_rows_are_the_bytes_np_save_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "ROWS_PER_BATCH", 4)
    rows = RowFile(tmp_path / "r", np.uint8, 5)
    data = np.random.default_rng(1).integers(0, 255, (13, 5), dtype=np.uint8)
    rows.append(data)
    runs = [(8, 5), (0, 8)]
    writer._save_rows(tmp_path / "streamed.npy", rows, runs, 13)
    np.save(tmp_path / "whole.npy", np.concatenate([data[8:], data[:8]]), allow_pickle=False)
    assert (tmp_path / "streamed.npy").read_bytes() == (tmp_path / "whole.npy").read_bytes()
    writer._save_rows(tmp_path / "empty.npy", rows, [], 0)
    assert np.load(tmp_path / "empty.npy").shape == (0, 5)


def test_an_ivf_index_filled_in_batches_is_the_one_filled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above FLAT_LIMIT the writer trains on an even sample and adds the staged vectors batch by batch:
    the same index bytes as training on those rows and adding all at once, and the sample is capped."""
    monkeypatch.setattr(vectors, "FLAT_LIMIT", 100)
    monkeypatch.setattr(vectors, "IVF_TRAIN_PER_LIST", 20)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2000, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    asked: list[np.ndarray] = []

    def rows(ids: np.ndarray) -> np.ndarray:
        asked.append(ids)
        return x[ids]

    batched = vectors.empty_passage_index(len(x), 16, rows)
    for start in range(0, len(x), 300):
        batched.add(x[start : start + 300])
    (ids,) = asked
    lists = vectors.ivf_lists(len(x))
    assert len(ids) == 20 * lists < len(x) and np.all(np.diff(ids) > 0) and ids[0] == 0 and ids[-1] == len(x) - 1
    whole = vectors.empty_passage_index(len(x), 16, lambda i: x[i])
    whole.add(x)
    assert np.array_equal(faiss.serialize_index(batched), faiss.serialize_index(whole))


def test_files_reach_the_build_in_any_order_and_make_the_same_index(seeds_copy: Path, tmp_path: Path) -> None:
    """On Ray, files' parts arrive as the actors finish them: the index and the skip records are those
    of the local order."""
    import json as json_

    import qa
    from qa.indexing import parts as parts_module
    from qa.indexing.build import build_index
    from qa.store.layout import generation_dir, read_manifest
    from tests.conftest import FakeEmbedder

    (seeds_copy / "empty.txt").write_text("  \n", encoding="utf-8")
    (seeds_copy / "broken.pdf").write_bytes(b"%PDF-1.4 not really")

    def reversed_parts(work: parts_module.Work) -> Iterator[parts_module.Outcome]:
        return reversed(list(parts_module.local_parts(work)))

    reports = {}
    for name, maker in (("local", parts_module.local_parts), ("reversed", reversed_parts)):
        settings = qa.Settings(seeds_dir=seeds_copy, index_dir=tmp_path / name)
        fake = FakeEmbedder()
        reports[name] = build_index(
            settings,
            lambda fake=fake: fake,
            dimension=fake.dimension,
            make_parts=maker,  # type: ignore[misc]
        )
    a, b = (read_manifest(generation_dir(tmp_path / n)) for n in ("local", "reversed"))
    assert a["checksums"] == b["checksums"]
    assert json_.dumps(a["skipped"]) == json_.dumps(b["skipped"]) and len(a["skipped"]) >= 1
    assert reports["local"].skipped == reports["reversed"].skipped


def test_ray_jobs_cut_the_files_by_size_in_order(tmp_path: Path) -> None:
    from qa.indexing.ray_parts import jobs

    for name, size in (("a", 60), ("b", 50), ("c", 10), ("d", 200), ("e", 5)):
        (tmp_path / name).write_bytes(b"x" * size)
    todo = [(n, "sha") for n in "abcdef"]  # f is missing: its actor says why
    runs = jobs(tmp_path, todo, 100)
    assert [[s for s, _ in run] for run in runs] == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_a_ray_failure_is_one_line_naming_the_error_under_rays_wrappers() -> None:
    """A worker that could not load the model failed the build with "RayTaskError(UserCodeException):
    \\x1b[36mray::MapWorker(...)... File ..., line 456, in result ..." cut at 300 characters: the
    cause was lost (the Ray review's)."""
    from qa.errors import QAError, RayClusterError
    from qa.indexing.ray_parts import _failure

    class Wrapper(Exception):  # as Ray's RayTaskError: the task's own error as `cause`
        def __init__(self, text: str, cause: BaseException) -> None:
            super().__init__(text)
            self.cause = cause

    inner = Exception("No such file or directory (os error 2)")
    user = RuntimeError("\x1b[36mray::MapWorker()\x1b[39m (pid=1)\n  File \"x.py\", line 456, in result\n" + "x" * 400)
    user.__cause__ = inner
    err = _failure("The build on Ray", Wrapper("\x1b[36mray::MapWorker()\x1b[39m\n" + "traceback " * 80, user))
    assert isinstance(err, RayClusterError) and "\n" not in str(err) and "\x1b" not in str(err)
    assert "(Exception: No such file or directory (os error 2))" in str(err), str(err)
    own = QAError("QA_MODEL_PATH=/x is not a model folder (no tokenizer.json in it); unset it.")
    assert _failure("The build on Ray", Wrapper("ray::MapWorker() failed", own)) is own, "qa's own error as it is"
