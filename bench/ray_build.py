"""Build throughput on Ray (`qa index --ray`) against the local build, side by side in one run.

The SQuAD subset's articles (or --corpus) are built into a fresh folder three ways, in turn, --reps
times: locally (`qa.build`), on a Ray instance started on this machine (one node, every CPU), and on a
two-node Ray cluster started on this machine (`ray.cluster_utils.Cluster`, one CPU per node). All three
run on the same cores, so no speed-up is expected: the ratios are Ray's overhead (starting the actors,
each loading the model, moving batches through the object store). Each Ray build's index is checked to
be the local one, file for file.

    .venv/bin/python bench/ray_build.py [--corpus DIR | --synthetic CHARS] [--reps 2]
"""

from __future__ import annotations

import argparse
import os
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

import qa  # noqa: E402
from qa.store.layout import generation_dir, read_manifest  # noqa: E402

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-subset" / "articles"


def data_checksums(index: Path) -> dict[str, str]:
    sums: dict[str, str] = read_manifest(generation_dir(index))["checksums"]
    return sums


def timed_build(corpus: Path, tmp: Path, label: str, ray: str | None) -> tuple[float, int, dict[str, str]]:
    index = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=tmp))
    t0 = time.perf_counter()
    report = qa.build(corpus, index, ray=ray)
    return time.perf_counter() - t0, report.chunks, data_checksums(index)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SQUAD)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument(
        "--synthetic", type=int, default=0, metavar="CHARS", help="a synthetic corpus of this size (bench/synth.py)"
    )
    args = ap.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    times: dict[str, list[float]] = {"local": [], "ray, 1 node": [], "ray, 2 nodes": []}
    with tempfile.TemporaryDirectory(prefix="qa-ray-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.synthetic:
            import synth

            sources = synth.load_sources([d for d in (SQUAD, ROOT / "seeds") if d.is_dir()])
            synth.write_corpus(tmp / "corpus", sources, args.synthetic)
            args.corpus = tmp / "corpus"
        if not args.corpus.is_dir():
            raise SystemExit(f"ray_build: {args.corpus} is missing; pass --corpus DIR.")
        passages, expected = 0, {}
        for _ in range(args.reps):
            seconds, passages, expected = timed_build(args.corpus, tmp, "local", None)
            times["local"].append(seconds)

            seconds, _, sums = timed_build(args.corpus, tmp, "one", "")  # starts a Ray instance here
            assert sums == expected, "the Ray build's index differs from the local one"
            times["ray, 1 node"].append(seconds)
            ray.shutdown()

            cluster: Any = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
            cluster.add_node(num_cpus=1)
            cluster.wait_for_nodes()
            try:
                seconds, _, sums = timed_build(args.corpus, tmp, "two", str(cluster.address))
                assert sums == expected, "the two-node build's index differs from the local one"
                times["ray, 2 nodes"].append(seconds)
            finally:
                ray.shutdown()
                cluster.shutdown()

    local = statistics.median(times["local"])
    corpus = f"a synthetic corpus of {args.synthetic:,} characters" if args.synthetic else str(args.corpus)
    print(f"{passages} passages from {corpus}, {os.cpu_count()} CPUs, median of {args.reps}:")
    print(f"{'build':<14} {'seconds':>8} {'passages/s':>11} {'vs local':>9}")
    for label, values in times.items():
        s = statistics.median(values)
        print(f"{label:<14} {s:>8.1f} {passages / s:>11.0f} {s / local:>8.2f}x")
    print("every Ray build's index was the local build's, file for file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
