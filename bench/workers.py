"""Entry points that bench/run.py starts in fresh processes, so that each one's wall time and peak RSS
(read by the parent with os.wait4) belong to that one job alone. Each prints one JSON line.

    python bench/workers.py qa-build --seeds DIR --index DIR
    python bench/workers.py qa-query --index DIR --questions FILE [--model DIR]
    python bench/workers.py raw-query --corpus DIR --passages N --model DIR --questions FILE
    python bench/workers.py bare-model --model DIR --question TEXT
    python bench/workers.py bare-qa-model --question TEXT
    python bench/workers.py measure REPORT.json -- COMMAND ...

`measure` exists because of how Linux counts peak RSS: a process started by fork (or vfork) + exec
inherits its parent's peak as its own starting peak, so every child of the benchmark process (which
holds torch and the model) would report at least the parent's ~900 MB. `measure` is a small, fresh
Python process that starts the real job itself, so the job's peak RSS is its own.

Heavy imports happen inside the commands, so a worker pays only for what its job needs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

K = 5
WARMUP = 3
DIMENSION = 384


def _questions(path: Path) -> list[str]:
    questions = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise SystemExit(f"{path} must hold a JSON list of question strings")
    return questions


def _timed(fn: Any, questions: list[str]) -> list[float]:
    for q in questions[:WARMUP]:
        fn(q)
    out = []
    for q in questions:
        t0 = time.perf_counter()
        fn(q)
        out.append(1000 * (time.perf_counter() - t0))
    return out


def qa_build(args: argparse.Namespace) -> dict[str, Any]:
    import qa

    report = qa.build(args.seeds, args.index)
    return {"seconds": report.seconds, "chunks": report.chunks, "up_to_date": report.up_to_date}


def peak_rss_bytes() -> int:
    """This process's peak RSS so far (VmHWM: the high-water mark of its own address space)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def random_flat_index(n: int) -> Any:
    """A flat inner-product index of `n` random unit vectors: the raw baseline at scale. A flat index's
    memory and search time do not depend on the values, so no second embedding of the corpus is needed."""
    import faiss
    import numpy as np

    index = faiss.IndexFlatIP(DIMENSION)
    rng = np.random.default_rng(0)
    left = n
    while left > 0:  # in blocks, so the process never holds two full copies of the vectors
        block = rng.standard_normal((min(left, 10_000), DIMENSION)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        index.add(block)
        left -= len(block)
    return index


def raw_asker(model: Any, index: Any) -> Any:
    import numpy as np

    def ask(q: str) -> None:
        qv = model.encode([q], normalize_embeddings=True, show_progress_bar=False)
        index.search(np.asarray(qv, dtype=np.float32), K)

    return ask


def qa_query(args: argparse.Namespace) -> dict[str, Any]:
    """qa's query process: load the index, answer the questions; its peak RSS is taken at that point.
    With --model, it then also times bare encode + flat search over as many (random) vectors, question
    by question in alternating order with qa, so both sides see the same machine load."""
    import qa

    questions = _questions(args.questions)
    t0 = time.perf_counter()
    engine = qa.load(args.index)
    load_s = time.perf_counter() - t0
    latencies = _timed(lambda q: engine.ask(q, k=K), questions)
    chunks = engine.data.chunks
    out: dict[str, Any] = {
        "load_s": load_s,
        "latencies_ms": latencies,
        "max_rss_bytes": peak_rss_bytes(),
        "passages": len(chunks),
        "passage_text_bytes": sum(len(c.text.encode("utf-8")) for c in chunks),
    }
    if not hasattr(engine.data.faiss, "get_xb"):  # an approximate index (IVF above qa's flat limit)
        out["ann_recall_at_10"] = ann_recall(engine, questions)
    if args.model is not None:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(args.model), device="cpu", local_files_only=True)
        systems = {"qa": lambda q: engine.ask(q, k=K), "raw": raw_asker(model, random_flat_index(len(chunks)))}
        for q in questions[:WARMUP]:
            systems["raw"](q)
        timed: dict[str, list[float]] = {"qa": [], "raw": []}
        for i, q in enumerate(questions):
            for name in ("qa", "raw") if i % 2 == 0 else ("raw", "qa"):
                t1 = time.perf_counter()
                systems[name](q)
                timed[name].append(1000 * (time.perf_counter() - t1))
        out["interleaved_ms"] = timed
    return out


def ann_recall(engine: Any, questions: list[str], k: int = 10, passages: int = 200) -> dict[str, Any]:
    """recall@k of the index's approximate (IVF) search against exact search over the same vectors.

    The index is searched as qa searches it (RetrievalParams().candidates results, of which the first k count), for
    the bench questions and for `passages` stored passages used as queries. Two definitions: "ids",
    the share of the exact top-k ids found; and ann-benchmarks' distance-based one, where a result
    counts if its similarity is within 1e-3 of the exact k-th best (so that among near-identical
    passages, which synthetic corpora have many of, any of the tied ones is right).
    """
    import faiss
    import numpy as np

    from qa.query.params import RetrievalParams

    candidates = RetrievalParams().candidates

    ann = engine.data.faiss
    vectors = ann.reconstruct_n(0, ann.ntotal)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    rng = np.random.default_rng(0)
    queries = {
        "questions": engine.embedder.encode(questions),
        "passages": vectors[rng.choice(len(vectors), size=min(passages, len(vectors)), replace=False)],
    }
    out: dict[str, Any] = {
        "k": k,
        "searched": candidates,
        "index": type(ann).__name__,
        "nlist": int(getattr(ann, "nlist", 0)),
        "nprobe": int(getattr(ann, "nprobe", 0)),
    }
    for name, q in queries.items():
        q = np.ascontiguousarray(q, dtype=np.float32)
        approx_s, approx = ann.search(q, candidates)
        exact_s, exact = flat.search(q, k)
        found = sum(len(set(a[:k].tolist()) & set(e.tolist())) for a, e in zip(approx, exact, strict=True))
        close = sum(int((a[:k] >= e[k - 1] - 1e-3).sum()) for a, e in zip(approx_s, exact_s, strict=True))
        out[f"{name}_ids"] = found / (k * len(q))
        out[name] = close / (k * len(q))
    return out


def raw_query(args: argparse.Namespace) -> dict[str, Any]:
    """The raw-library process at scale, for its memory: the model, N passage vectors in a flat FAISS
    index and the corpus text in memory, answering the same questions with encode + search."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(args.model), device="cpu", local_files_only=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.iterdir()) if p.is_file()]
    index = random_flat_index(args.passages)
    latencies = _timed(raw_asker(model, index), _questions(args.questions))
    return {
        "latencies_ms": latencies,
        "max_rss_bytes": peak_rss_bytes(),
        "passages": index.ntotal,
        "text_chars": sum(map(len, texts)),
    }


def bare_model(args: argparse.Namespace) -> dict[str, Any]:
    """Cold-start baseline: load the model and encode one question, nothing else."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(args.model), device="cpu", local_files_only=True)
    vector = model.encode([args.question], normalize_embeddings=True, show_progress_bar=False)
    return {"dimension": int(vector.shape[1])}


def bare_qa_model(args: argparse.Namespace) -> dict[str, Any]:
    """The same for qa's own model (its default backend): load it and encode one question."""
    from qa.config import Settings
    from qa.embed.create import create

    settings = Settings.from_env()
    vector = create(settings).encode([args.question])
    return {"dimension": int(vector.shape[1]), "backend": settings.backend}


def measure(report: Path, cmd: list[str]) -> int:
    """Run `cmd`, then write its wall time, peak RSS and exit status to `report`; exit with its status."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss * 1024  # Linux gives ru_maxrss in KiB
    report.write_text(json.dumps({"wall_s": wall, "max_rss_bytes": rss, "returncode": proc.returncode}))
    return proc.returncode


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "measure" and sys.argv[3] == "--":
        sys.exit(measure(Path(sys.argv[2]), sys.argv[4:]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("qa-build")
    p.add_argument("--seeds", type=Path, required=True)
    p.add_argument("--index", type=Path, required=True)
    p.set_defaults(fn=qa_build)
    p = sub.add_parser("qa-query")
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--model", type=Path, help="also time bare encode + flat search, interleaved with qa")
    p.set_defaults(fn=qa_query)
    p = sub.add_parser("raw-query")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--passages", type=int, required=True)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--questions", type=Path, required=True)
    p.set_defaults(fn=raw_query)
    p = sub.add_parser("bare-model")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--question", required=True)
    p.set_defaults(fn=bare_model)
    p = sub.add_parser("bare-qa-model")
    p.add_argument("--question", required=True)
    p.set_defaults(fn=bare_qa_model)
    args = parser.parse_args()
    print(json.dumps(args.fn(args)), flush=True)


if __name__ == "__main__":
    main()
