"""Builds on a real Ray cluster (qa/indexing/ray_parts.py): two Ray nodes started on this machine
(`ray.cluster_utils.Cluster`), the packaged model in an actor per CPU. The index is the one a local
build makes, file for file, and answers the same; a worker killed during a build gives a clear
outcome and loses nothing. A corpus built into 4 shards on the cluster and served by shard actors
answers every question as the local index does; a killed shard actor is asked again, a lost one named."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import qa
from qa.errors import RayClusterError
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
    os.environ[PROBE] = "set-after-the-nodes-started"  # the nodes' own environment does not hold it
    try:
        yield str(c.address)
    finally:
        os.environ.pop(PROBE, None)
        ray.shutdown()
        c.shutdown()


PROBE = "QA_RAY_ENV_PROBE"


def test_the_workers_read_this_processs_qa_settings(cluster: str) -> None:
    """A cluster started elsewhere ran its workers in its own environment: a build with QA_MODEL_PATH
    set embedded with the packaged model, and QA_ONNX_CACHE was ignored (the Ray review's)."""
    from qa.ray_cluster import connect

    r = connect(cluster)

    @r.remote
    def read(name: str) -> str | None:
        return os.environ.get(name)

    assert r.get([read.remote(PROBE) for _ in range(4)]) == ["set-after-the-nodes-started"] * 4


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
        except RayClusterError as err:
            outcome["error"] = err

    thread = threading.Thread(target=build)
    thread.start()
    killed = False
    deadline = time.monotonic() + 120
    while thread.is_alive() and not killed and time.monotonic() < deadline:
        if model_workers():
            time.sleep(1.0)  # let it load the model and take a batch
            for pid in model_workers():  # one still running: a worker may finish and exit meanwhile
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                killed = True
                break
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


def test_a_build_on_ray_stopped_midway_goes_on_where_it_stopped(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C in the driver while the actors embed: the files already back are journaled, and the
    next build on Ray embeds only the others and writes the index a local build writes."""
    from qa.indexing import ray_parts

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    for article in SQUAD.iterdir() if SQUAD.is_dir() else []:
        shutil.copy(article, seeds / article.name)
    real = ray_parts.RayBuild.make_parts

    def stopped_after_one_job(self: ray_parts.RayBuild, work: object) -> Iterator[object]:
        made = 0
        for outcome in real(self, work):  # type: ignore[arg-type]
            yield outcome
            made += outcome[1] is not None
            if made and outcome[0] == "":  # the first job's files are all back
                raise KeyboardInterrupt

    index = tmp_path / "index"
    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(ray_parts.RayBuild, "make_parts", stopped_after_one_job)
        qa.build(seeds, index, ray=cluster)
    report = qa.build(seeds, index, ray=cluster)
    files = sorted(p.name for p in seeds.iterdir())
    assert 0 < len(report.resumed) < len(files) and report.added == files, report.resumed
    qa.build(seeds, tmp_path / "local-index")
    assert data_checksums(index) == data_checksums(tmp_path / "local-index")


# --- A sharded index served by Ray actors (qa/store/ray_shards.py) ---------------------------------

SQUAD_QUESTIONS = SQUAD.parent / "questions.jsonl"


def sharded_corpus() -> tuple[Path, list[dict]]:
    """The SQuAD subset and every fourth of its 1,407 questions (352, of all five articles, answerable
    and not) when ../shared is beside the checkout, else the seeds. All 1,407 took 264 s of `make test`
    on the shared 2-core machine; a quarter of every article's questions asks the same of the two engines."""
    if SQUAD_QUESTIONS.is_file():
        from qa.evaluate import load_questions

        return SQUAD, load_questions(SQUAD_QUESTIONS)[::4]
    return SEEDS, [{"question": q, "answers": []} for q, _, _ in KNOWN]


def exact(citation: dict, corpus: Path) -> None:
    """The exactness rule of CITATIONS.md: text and highlight are slices of the file at their offsets."""
    text = (corpus / citation["source"]).read_text(encoding="utf-8")
    s, e = citation["start_char"], citation["end_char"]
    assert citation["text"] == text[s:e]
    h = citation["highlight"]
    assert s <= h["start_char"] < h["end_char"] <= e and h["text"] == text[h["start_char"] : h["end_char"]]


def key(answer: qa.Answer) -> tuple[object, ...]:
    cites = [(c.source, c.start_char, c.end_char, c.highlight, round(c.score, 5)) for c in answer.citations]
    return answer.abstained, round(answer.confidence, 5), cites


def shard_checksums(index: Path) -> list[dict[str, str]]:
    gen = generation_dir(index)
    return [read_manifest(gen / name)["checksums"] for name in read_manifest(gen)["shards"]]


@pytest.fixture(scope="module")
def served(cluster: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[qa.Engine, qa.Engine, Path, list[dict]]:
    """One local index, and the same corpus built on the two-node cluster into 4 shards and served by
    shard actors on it."""
    from qa.config import Settings

    corpus, asked = sharded_corpus()
    root = tmp_path_factory.mktemp("sharded")
    qa.build(corpus, root / "one")
    settings = Settings.from_env().with_(shards=4)
    report = qa.build(corpus, root / "four", ray=cluster, settings=settings)
    assert report.chunks == qa.build(corpus, root / "one").chunks
    # The shards, written by Ray tasks from the build's staging files, are those a local build writes.
    qa.build(corpus, root / "four-local", settings=settings)
    assert shard_checksums(root / "four") == shard_checksums(root / "four-local")
    return qa.load(root / "one"), qa.load(root / "four", ray=cluster, settings=settings), corpus, asked


def test_four_shards_on_ray_answer_every_question_as_the_local_index(
    served: tuple[qa.Engine, qa.Engine, Path, list[dict]], tmp_path: Path
) -> None:
    from qa.evaluate import judge, run_eval, summarise

    one, four, corpus, asked = served
    assert len(read_manifest(four.path)["shards"]) == 4
    judged = []
    # Asked as `qa eval` asks (the engine's k citations), the local index on a second thread while the sharded
    # one waits on its actors. Every answer the same, so every `qa eval` figure the same; qa eval
    # itself runs on the sharded engine below.
    with ThreadPoolExecutor(1) as local:
        for q in asked:
            pending = local.submit(one.ask, q["question"])
            b = four.ask(q["question"])
            a = pending.result()
            assert key(b) == key(a), q["question"]
            for c in b.to_dict()["citations"]:
                exact(c, corpus)
            judged.append(judge(b, q))
    if SQUAD_QUESTIONS.is_file():
        assert summarise(judged)["hit@1"] > 0.8  # the answers compared are answers, not abstentions alike
        few = tmp_path / "few.jsonl"
        few.write_text("".join(json.dumps(q) + "\n" for q in asked[:40]), encoding="utf-8")
        figures = ("hit@1", "hit@3", "mrr", "evidence@1", "false_abstention", "abstention_unanswerable")
        a, b = (run_eval(corpus, few, engine=e) for e in (one, four))
        assert [a[f] for f in figures] == [b[f] for f in figures]
        assert b["latency_ratio_vs_dense_only"] is None and a["latency_ratio_vs_dense_only"] is not None


def test_a_shard_actor_killed_during_questions_is_asked_again_and_a_lost_one_is_named(
    served: tuple[qa.Engine, qa.Engine, Path, list[dict]],
) -> None:
    one, four, _, rows = served
    asked = [q["question"] for q in rows]
    shards = four.data.shards
    pid = ray.get(shards.actors[1].pid.remote())
    os.kill(pid, signal.SIGKILL)  # Ray restarts it once (max_restarts=1); the question is asked again
    for q in asked[:5]:
        assert key(four.ask(q)) == key(one.ask(q)), q
    assert ray.get(shards.actors[1].pid.remote()) != pid
    # Dead for good (its one restart used): a new actor serves the shard (a server refused every
    # question after a shard's second crash until it was restarted: the Ray review's).
    dead = shards.actors[2]
    ray.kill(dead, no_restart=True)
    for q in asked[:3]:
        assert key(four.ask(q)) == key(one.ask(q)), q
    assert shards.actors[2] is not dead
    # A shard no new actor can open is named: the answer never comes from 3 of 4 shards.
    folder = generation_dir(four.path) / "shard-002"
    hidden = folder.with_name("shard-002.away")
    folder.rename(hidden)
    try:
        ray.kill(shards.actors[2], no_restart=True)
        with pytest.raises(qa.QAError, match="Shard shard-002 of the index did not answer") as err:
            four.ask(asked[0])
        assert "\n" not in str(err.value)
    finally:
        hidden.rename(folder)
    assert key(four.ask(asked[1])) == key(one.ask(asked[1])), "the shard serves again once it can be opened"


def test_a_damaged_shard_on_ray_is_one_line_saying_to_rebuild(
    served: tuple[qa.Engine, qa.Engine, Path, list[dict]], cluster: str, tmp_path: Path
) -> None:
    """Opening a damaged shard on Ray gave "... 206, in check_files raise IndexInvalidError(f"...")
    qa.errors.IndexInvalidError: ...": the shard's own one-line error, with traceback text around it
    (the Ray review's)."""
    from qa.config import Settings

    copy = tmp_path / "four"
    shutil.copytree(served[1].path, copy)
    damaged = generation_dir(copy) / "shard-001" / "index.faiss"
    damaged.write_bytes(b"not an index")
    with pytest.raises(qa.QAError) as err:
        qa.load(copy, ray=cluster, settings=Settings.from_env().with_(shards=4))
    message = str(err.value)
    assert "\n" not in message and "RayTaskError" not in message and "raise " not in message, message
    assert "shard-001" in message and "qa index" in message, message

