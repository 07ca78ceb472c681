"""Builds on a real Ray cluster (qa/embed/ray_backend.py): two Ray nodes started on this machine
(`ray.cluster_utils.Cluster`), the packaged model in an actor per CPU. The index is the one a local
build makes, file for file, and answers the same; a worker killed during a build gives a clear
outcome and loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import qa
from qa.embed.ray_backend import RayBuildError
from qa.store.layout import generation_dir, read_manifest
from tests.conftest import SEEDS
from tests.integration.test_seed_answers import KNOWN, check_citation

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.integration

SQUAD = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "squad-subset" / "articles"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    try:
        yield str(c.address)
    finally:
        ray.shutdown()
        c.shutdown()


def data_checksums(index: Path) -> dict[str, str]:
    sums: dict[str, str] = read_manifest(generation_dir(index))["checksums"]
    return sums


def test_a_build_on_two_ray_nodes_is_the_local_build(cluster: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    on_ray = qa.build(seeds, tmp_path / "ray-index", ray=cluster)
    local = qa.build(seeds, tmp_path / "local-index")
    assert on_ray.chunks == local.chunks and sorted(on_ray.added) == sorted(local.added)
    assert ray.cluster_resources().get("CPU") == 2  # both nodes took part in the pool
    assert data_checksums(tmp_path / "ray-index") == data_checksums(tmp_path / "local-index")

    a, b = qa.load(tmp_path / "ray-index"), qa.load(tmp_path / "local-index")
    for question, _, _ in KNOWN:
        x, y = a.ask(question), b.ask(question)
        assert json.dumps(x.to_dict(), sort_keys=True) == json.dumps(y.to_dict(), sort_keys=True)
        for c in x.to_dict()["citations"]:
            check_citation(c)


def model_workers() -> list[int]:
    """The process ids of the actors holding the model (Ray names its worker processes after them)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "MapWorker" in cmd and "ModelActor" in cmd:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not SQUAD.is_dir(), reason="needs ../shared/benchmarks/squad-subset")
def test_a_worker_killed_during_a_build_loses_nothing(cluster: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    index = tmp_path / "index"
    qa.build(seeds, index)
    before = generation_dir(index)
    for article in SQUAD.iterdir():  # a build long enough to be interrupted
        shutil.copy(article, seeds / article.name)

    outcome: dict[str, object] = {}

    def build() -> None:
        try:
            outcome["report"] = qa.build(seeds, index, ray=cluster)
        except RayBuildError as err:
            outcome["error"] = err

    thread = threading.Thread(target=build)
    thread.start()
    killed = False
    deadline = time.monotonic() + 120
    while thread.is_alive() and not killed and time.monotonic() < deadline:
        workers = model_workers()
        if workers:
            time.sleep(1.0)  # let it load the model and take a batch
            os.kill(workers[0], signal.SIGKILL)
            killed = True
        time.sleep(0.1)
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert killed, "no model worker was seen to kill"
    if "error" in outcome:  # a clear, one-line failure; the previous index still serves
        message = str(outcome["error"])
        assert "\n" not in message and "previous index is unchanged" in message
        assert generation_dir(index) == before
        assert qa.load(index).ask(KNOWN[0][0]).citations
    else:  # Ray restarted the worker and retried its batch: the same index as a local build
        qa.build(seeds, tmp_path / "local-index")
        assert data_checksums(index) == data_checksums(tmp_path / "local-index")
