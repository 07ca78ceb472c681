"""A build that stops while embedding (Ctrl-C, a killed process, the model failing) leaves what it
made for the next build with the same settings, which embeds only the rest and writes the same index
(qa/indexing/staging.py, the journal)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qa
import qa.indexing.build as build_module
import qa.indexing.parts as parts_module
from qa.config import Settings
from qa.indexing.plan import settings_key
from qa.indexing.report import BuildReport
from qa.indexing.staging import JOURNAL, PREFIX, Staging
from qa.store.codes6 import packed_width
from qa.store.layout import CURRENT, MANIFEST
from tests.conftest import FakeEmbedder


class StoppingEmbedder(FakeEmbedder):
    """The fake model, counting its calls (one a file, with BATCH_BYTES 1) and stopping the build like
    a Ctrl-C on call number `stop_at`."""

    def __init__(self, stop_at: int | None = None) -> None:
        super().__init__()
        self.calls = 0
        self.stop_at = stop_at

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return super().token_sums(texts, progress=progress)


def build(seeds: Path, index_dir: Path, embedder: FakeEmbedder, **settings: Any) -> BuildReport:
    return qa.build(seeds, index_dir, embedder=embedder, settings=Settings(**settings) if settings else None)


def checksums(index_dir: Path) -> dict[str, str]:
    gen = index_dir / (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    out: dict[str, str] = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    return out


@pytest.fixture(autouse=True)
def one_file_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts_module, "BATCH_BYTES", 1)


def stop_after(seeds: Path, index_dir: Path, files: int, **settings: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        build(seeds, index_dir, StoppingEmbedder(stop_at=files + 1), **settings)


def test_a_build_stopped_while_embedding_goes_on_from_where_it_stopped(seeds_copy: Path, tmp_path: Path) -> None:
    files = sorted(p.name for p in seeds_copy.iterdir())
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())

    index_dir = tmp_path / "index"
    stop_after(seeds_copy, index_dir, 2)
    assert not (index_dir / CURRENT).exists(), "a stopped first build published an index"
    (staged,) = index_dir.glob(f"{PREFIX}*")
    assert len((staged / JOURNAL).read_text(encoding="utf-8").splitlines()) == 1 + 2  # the settings, 2 files

    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert again.calls == len(files) - 2, "files the stopped build had made were embedded again"
    assert report.resumed == files[:2] and report.added == files
    assert "2 files were embedded by an earlier build that stopped" in report.summary()
    assert checksums(index_dir) == checksums(fresh), "going on made another index than a build in one go"
    assert not list(index_dir.glob(".tmp-*")), "the stopped build's staging folder outlived the build"


def test_an_update_stopped_while_embedding_goes_on_and_keeps_the_old_index_until_then(
    seeds_copy: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, FakeEmbedder())
    live = (index_dir / CURRENT).read_text(encoding="utf-8")
    for i in range(3):
        (seeds_copy / f"new-{i}.txt").write_text(f"Story {i}. The river Vardar rose by {i + 2} metres in Skopje.\n")
    stop_after(seeds_copy, index_dir, 1)
    assert (index_dir / CURRENT).read_text(encoding="utf-8") == live, "a stopped update moved CURRENT"

    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert again.calls == 2 and report.resumed == ["new-0.txt"]
    assert report.added == ["new-0.txt", "new-1.txt", "new-2.txt"]
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())
    assert checksums(index_dir) == checksums(fresh)


def test_a_file_changed_since_the_stop_is_embedded_again(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    stop_after(seeds_copy, index_dir, 2)
    first = sorted(seeds_copy.iterdir())[0]
    with first.open("a", encoding="utf-8") as f:
        f.write("\nA paragraph added after the build stopped, about the Vardar river.\n")
    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert report.resumed == [sorted(seeds_copy.iterdir())[1].name]
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())
    assert checksums(index_dir) == checksums(fresh)


def test_a_journal_line_cut_short_and_rows_past_the_journal_are_cut_off(seeds_copy: Path, tmp_path: Path) -> None:
    """What a kill in the middle of a checkpoint leaves: rows staged after the last journal line, and
    half a line. Both go, so that the next stop's journal still reads to its end."""
    index_dir = tmp_path / "index"
    stop_after(seeds_copy, index_dir, 2)
    (staged,) = index_dir.glob(f"{PREFIX}*")
    vectors = staged / "passage_vectors.f32"
    size, journal = vectors.stat().st_size, (staged / JOURNAL).read_bytes()
    with vectors.open("ab") as f:
        f.write(b"\x00" * 1000)
    with (staged / JOURNAL).open("a", encoding="utf-8") as f:
        f.write('{"source":"005_x.txt","sha256":"ab')

    reopened = Staging.resume(index_dir, FakeEmbedder.dimension, packed_width(FakeEmbedder.dimension), key())
    assert reopened is not None and len(reopened[1]) == 2
    reopened[0].close(keep=True)
    assert vectors.stat().st_size == size and (staged / JOURNAL).read_bytes() == journal

    with vectors.open("ab") as f:
        f.write(b"\x00" * 1000)
    with (staged / JOURNAL).open("a", encoding="utf-8") as f:
        f.write('{"source":"005_x.txt","sha256":"ab')
    # stopped again after two more files: the journal, appended to, reads to its end
    with pytest.raises(KeyboardInterrupt):
        build(seeds_copy, index_dir, StoppingEmbedder(stop_at=3))
    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert len(report.resumed) == 4 and again.calls == len(list(seeds_copy.iterdir())) - 4
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())
    assert checksums(index_dir) == checksums(fresh)


def key() -> dict[str, Any]:
    return settings_key(Settings(), FakeEmbedder.dimension)


def add_articles(seeds: Path, n: int) -> list[str]:
    names = []
    for i in range(n):
        name = f"new-{i}.txt"
        (seeds / name).write_text(f"Story {i}. The river Vardar rose by {i + 2} metres in Skopje on Monday.\n")
        names.append(name)
    return names


@pytest.mark.parametrize("where", ["reading the previous index", "writing"])
def test_a_ctrl_c_before_or_after_embedding_keeps_what_was_embedded(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, FakeEmbedder())
    add_articles(seeds_copy, 3)
    stop_after(seeds_copy, index_dir, 1)  # new-0 embedded and journaled

    def ctrl_c(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(build_module, "write_generation" if where == "writing" else "old_parts", ctrl_c)
        build(seeds_copy, index_dir, StoppingEmbedder())
    assert list(index_dir.glob(f"{PREFIX}*")), f"a Ctrl-C while {where} dropped what was embedded"

    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    embedded_before = 3 if where == "writing" else 1  # a stop while writing comes after all 3 are made
    assert len(report.resumed) == embedded_before and again.calls == 3 - embedded_before


def test_stopping_an_update_again_and_again_does_not_stage_the_old_index_again(
    seeds_copy: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, FakeEmbedder())
    add_articles(seeds_copy, 4)
    sizes = []
    for _ in range(3):  # each run embeds one more new file and is stopped
        with pytest.raises(KeyboardInterrupt):
            build(seeds_copy, index_dir, StoppingEmbedder(stop_at=2))
        (staged,) = index_dir.glob(f"{PREFIX}*")
        sizes.append((staged / "texts.utf8").stat().st_size)
    growth = [b - a for a, b in itertools.pairwise(sizes)]
    assert all(0 < g < 200 for g in growth), f"the staged texts grew by {growth} bytes a run (one short file each)"
    report = build(seeds_copy, index_dir, FakeEmbedder())
    assert len(report.resumed) == 3
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())
    assert checksums(index_dir) == checksums(fresh)


def test_an_index_up_to_date_again_drops_a_stopped_builds_staging(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, FakeEmbedder())
    names = add_articles(seeds_copy, 2)
    stop_after(seeds_copy, index_dir, 1)
    assert list(index_dir.glob(f"{PREFIX}*"))
    for name in names:  # the update is given up
        (seeds_copy / name).unlink()
    assert build(seeds_copy, index_dir, FakeEmbedder()).up_to_date
    assert not list(index_dir.glob(f"{PREFIX}*")), "a stopped build's staging outlived an up-to-date index"


def test_a_stopped_build_with_other_settings_is_not_gone_on_from(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    stop_after(seeds_copy, index_dir, 2, chunk_tokens=96, chunk_overlap=16)
    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert report.resumed == [] and again.calls == len(list(seeds_copy.iterdir()))
    assert not list(index_dir.glob(".tmp-*"))


def test_a_staging_file_shorter_than_its_journal_is_not_gone_on_from(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    stop_after(seeds_copy, index_dir, 2)
    (staged,) = index_dir.glob(f"{PREFIX}*")
    (staged / "sentence_codes.u8").write_bytes(b"")
    again = StoppingEmbedder()
    report = build(seeds_copy, index_dir, again)
    assert report.resumed == [] and again.calls == len(list(seeds_copy.iterdir()))
    fresh = tmp_path / "fresh"
    build(seeds_copy, fresh, FakeEmbedder())
    assert checksums(index_dir) == checksums(fresh)
