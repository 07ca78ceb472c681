"""Query latency of a sharded index against one index, side by side in one run.

One corpus (the SQuAD subset's articles, or a synthetic one of --synthetic characters made by
bench/synth.py from them and the seeds) is built once as one index and laid out again as 4 shards
(same vectors: a re-sharding embeds nothing). The same questions (the SQuAD subset's) are then asked,
in turn, of: the one index; the 4 shards in this process (`ShardedIndex` over `LocalShards`: the cost
of the fan-out and merge alone); the 4 shards held by Ray actors on a Ray instance started here (one
node); and on a two-node Ray cluster started here (`ray.cluster_utils.Cluster`). Every answer is
checked to be the one index's. Printed: p50/p95 per question and the ratio to the one index, and each
shard actor's resident memory.

    .venv/bin/python bench/ray_query.py [--synthetic CHARS] [--questions 300]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

import qa  # noqa: E402
from qa.config import Settings  # noqa: E402

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-subset"
SHARDS = 4


def key(answer: qa.Answer) -> tuple[object, ...]:
    return answer.abstained, [(c.source, c.start_char, c.end_char, round(c.score, 5)) for c in answer.citations]


def timed(engine: qa.Engine, questions: list[str], expected: list[Any] | None) -> tuple[list[float], list[Any]]:
    for q in questions[:5]:  # warm-up: caches, first calls into each actor
        engine.ask(q)
    times, keys = [], []
    for q in questions:
        t0 = time.perf_counter()
        answer = engine.ask(q)
        times.append((time.perf_counter() - t0) * 1000)
        keys.append(key(answer))
    if expected is not None:
        same = sum(a == b for a, b in zip(keys, expected, strict=True))
        assert same == len(expected), f"{len(expected) - same} answers differ from the one index's"
    return times, keys


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--synthetic", type=int, default=0, metavar="CHARS")
    ap.add_argument("--questions", type=int, default=300)
    args = ap.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    lines = (SQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()][: args.questions]
    # The late-interaction re-read of the first citations runs in the asking process, the same work
    # for every layout (and on this synthetic corpus, whose articles shuffle the same sentences, for
    # nearly every question): it is left out so that the rows compare the fan-out itself.
    settings = Settings.from_env().with_(late_top=0)
    rows: dict[str, list[float]] = {}
    memory: list[float] = []
    with tempfile.TemporaryDirectory(prefix="qa-shard-bench-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = SQUAD / "articles"
        if args.synthetic:
            import synth

            sources = synth.load_sources([d for d in (corpus, ROOT / "seeds") if d.is_dir()])
            synth.write_corpus(tmp / "corpus", sources, args.synthetic)
            corpus = tmp / "corpus"
        report = qa.build(corpus, tmp / "one", settings=settings)
        shutil.copytree(tmp / "one", tmp / "four")
        sharded = settings.with_(shards=SHARDS)
        qa.build(corpus, tmp / "four", settings=sharded)  # the same parts, laid out as shards

        one = qa.load(tmp / "one", settings=settings)
        rows["one index"], expected = timed(one, questions, None)
        local = qa.load(tmp / "four", settings=sharded, embedder=one.embedder)
        rows[f"{SHARDS} shards, in process"], _ = timed(local, questions, expected)
        del local

        on_ray = qa.load(tmp / "four", settings=sharded, embedder=one.embedder, ray="")
        rows[f"{SHARDS} shards, Ray 1 node"], _ = timed(on_ray, questions, expected)
        memory = [rss_mb(ray.get(a.pid.remote())) for a in on_ray.data.shards.actors]  # type: ignore[union-attr]
        del on_ray
        ray.shutdown()

        cluster: Any = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        try:
            two = qa.load(tmp / "four", settings=sharded, embedder=one.embedder, ray=str(cluster.address))
            rows[f"{SHARDS} shards, Ray 2 nodes"], _ = timed(two, questions, expected)
            del two
        finally:
            ray.shutdown()
            cluster.shutdown()

    base = statistics.median(rows["one index"])
    what = f"a synthetic corpus of {args.synthetic:,} characters" if args.synthetic else "the SQuAD subset"
    print(f"{report.chunks} passages ({what}), {len(questions)} questions, {os.cpu_count()} CPUs:")
    print(f"{'index':<24} {'p50 ms':>7} {'p95 ms':>7} {'p50 vs one':>11}")
    for label, values in rows.items():
        p50, p95 = float(np.percentile(values, 50)), float(np.percentile(values, 95))
        print(f"{label:<24} {p50:>7.1f} {p95:>7.1f} {p50 / base:>10.2f}x")
    print(
        f"every answer was the one index's; shard actors' resident memory: {', '.join(f'{m:.0f}' for m in memory)} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
