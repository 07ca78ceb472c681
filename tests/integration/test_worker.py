"""Builds in a worker process (qa/worker.py), with the real model: the same index as a build in this
process, the child's errors come back as the same one-line errors, and a worker killed mid-build
leaves the previous index serving."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import qa
from qa.config import Settings
from qa.errors import CorpusError, QAError
from qa.store.layout import generation_dir, read_manifest
from qa.worker import build_in_worker

pytestmark = pytest.mark.integration


def test_settings_cross_to_the_worker_unchanged(settings: Settings) -> None:
    other = settings.with_(k=7, min_confidence=0.25, backend="onnx-int8")
    assert Settings.from_json(other.to_json()) == other


def test_a_worker_build_is_the_build(settings: Settings, tmp_path: Path) -> None:
    lines: list[str] = []
    report = build_in_worker(settings, lines.append)
    assert sorted(report.added) == sorted(p.name for p in Path(settings.seeds_dir).glob("*.txt"))
    assert report.chunks > 0 and not report.up_to_date
    assert any(line.startswith("embedding ") for line in lines), lines
    here = qa.build(settings=settings.with_(index_dir=tmp_path / "here"))
    assert here.chunks == report.chunks
    a = read_manifest(generation_dir(settings.index_dir))
    b = read_manifest(generation_dir(tmp_path / "here"))
    assert a["files"] == b["files"] and a["counts"] == b["counts"]
    engine = qa.load(settings.index_dir)
    assert engine.ask("Who did Im Chon-il meet in Moscow?").citations[0].source == "002_299aeecd3ab3c2fd.txt"
    again = build_in_worker(settings)
    assert again.up_to_date


def test_the_workers_error_is_the_same_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = Settings(seeds_dir=empty, index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match="No usable"):
        build_in_worker(settings)


def children_running(module: str) -> list[int]:
    """Pids of this process's children whose command line runs `module`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and any(module.encode() in part for part in cmdline):
            pids.append(int(entry))
    return pids


def built_then_added(settings: Settings) -> Path:
    """The seeds built by a worker, then an article added (long enough to be caught embedding);
    returns the live generation."""
    build_in_worker(settings)
    (Path(settings.seeds_dir) / "added.txt").write_text(
        "Added article\n\nPublished on: 2024/01/02\n\n" + "A sentence about harbours and ferries. " * 400,
        encoding="utf-8",
    )
    return generation_dir(settings.index_dir)


def test_a_killed_worker_fails_the_build_and_the_old_index_serves(settings: Settings) -> None:
    live = built_then_added(settings)
    killed: list[int] = []

    def kill_when_embedding(line: str) -> None:
        if line.startswith("embedding ") and not killed:
            for pid in children_running("qa.worker"):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    with pytest.raises(QAError, match="stopped before it finished") as err:
        build_in_worker(settings, kill_when_embedding)
    assert killed, "the worker was never seen embedding"
    assert "\n" not in str(err.value)
    assert generation_dir(settings.index_dir) == live, "CURRENT still names the previous generation"
    engine = qa.load(settings.index_dir)
    assert "added.txt" not in engine.data.documents
    assert engine.ask("Who did Im Chon-il meet in Moscow?").citations


def test_a_caller_that_stops_waiting_kills_the_worker(settings: Settings) -> None:
    built_then_added(settings)

    def interrupted(line: str) -> None:
        if line.startswith("embedding "):
            raise KeyboardInterrupt  # Ctrl-C in the server while it waits for the build

    with pytest.raises(KeyboardInterrupt):
        build_in_worker(settings, interrupted)
    assert children_running("qa.worker") == [], "the worker went on building after its caller stopped"
    report = build_in_worker(settings)  # the build lock is free again
    assert report.added == ["added.txt"]


def test_a_server_that_stops_stops_its_rebuild(settings: Settings) -> None:
    """`kill` of `qa serve` during a rebuild: the worker built on for a minute, holding the server's
    process open, and published a new generation after the server had stopped (Workers.stop, called by
    the server's shutdown, ends it as a stopped build)."""
    from qa.worker import Workers

    live = built_then_added(settings)
    stopped: list[int] = []
    workers = Workers()

    def server_stops(line: str) -> None:
        if line.startswith("embedding ") and not stopped:
            stopped.extend(children_running("qa.worker"))
            workers.stop()

    with pytest.raises(QAError, match="stopped before it finished"):
        build_in_worker(settings, server_stops, workers)
    assert stopped and children_running("qa.worker") == []
    assert generation_dir(settings.index_dir) == live, "the stopped rebuild published"
