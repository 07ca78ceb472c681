"""qa side by side with raw-library baselines, in one run on this machine (issue 6, the benchmark part).

    .venv/bin/python bench/run.py [--quick] [--scales 1000,10000] [--json bench/results/bench.json] [--no-peers]

Every figure is measured against a baseline timed in the same run, and the table prints qa/baseline
ratios next to the issue's targets:

- query latency: `engine.ask(q, k=5)` vs bare `model.encode([q])` + `faiss.IndexFlatIP.search` over the
  same passages, same process, warm, interleaved question by question (SQuAD subset). "model" is
  sentence-transformers on torch, the raw library; qa runs its default backend (ONNX Runtime), so a
  second row times the bare search with qa's own encoder too, which isolates qa's own overhead;
- full build: `qa.build` into a fresh folder vs bare `model.encode` of the same passages (batch 32),
  and vs qa's own encoder over the same passages; the encode of passages + sentences (what a build
  that encoded both would cost) is shown too;
- no-op `qa index` (in process, and `python -m qa index` as a new process) vs the full build;
- cold start: a new process answering one question (`python -m qa ask`) vs a new process that only
  loads the model and encodes one question (median of 3 each, interleaved);
- scale: synthetic corpora of about 1k / 10k / 100k passages (bench/synth.py): build time, query
  p95, index size on disk and peak RSS (os.wait4 on each worker process) vs N*384*4 + text bytes;
- peers, when installed (`pip install -e '.[bench]'`): LangChain's FAISS store and txtai hybrid over
  the same passages and model: build time, query p50/p95 and hit@1.

`--quick` is a smoke run of well under a minute: the seeds, ten questions about them, one tiny scale, no
peers. 100k passages are not in the default scales (`--scales 1000,10000,100000` adds them): that
build alone takes tens of minutes on 2 CPU cores (the run prints its estimate).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import synth
from peers import make_peers

import qa
from qa.config import default_model_path
from qa.evaluate import contains_answer, load_questions

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-subset"
SEEDS = ROOT / "seeds"
DEFAULT_JSON = BENCH / "results" / "bench.json"
DEFAULT_SCALES = (1000, 10000)
QUICK_SCALES = (50,)
# The quick (smoke) run needs nothing outside the repository: the shipped seeds and questions about
# them whose answers were checked by reading the articles (bench/seed-questions.jsonl).
QUICK_QUESTIONS = BENCH / "seed-questions.jsonl"
K = 5
FOLLOW_UP_REPEATS = 3  # each side of a follow-up pair timed this often, its fastest kept
DIMENSION = 384
MB = 1024 * 1024
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Rows of the table


@dataclass
class Row:
    key: str
    metric: str
    qa: float | None
    baseline: float | None
    target: float | None = None  # bound on the ratio qa/baseline
    sense: str = "<="  # "<=": the ratio must be at most `target`; ">": exceed it; ">=": at least it
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.qa is None or self.baseline is None or self.baseline <= 0:
            return None
        return self.qa / self.baseline

    @property
    def met(self) -> bool | None:
        r = self.ratio
        if r is None or self.target is None:
            return None
        if self.sense == "<=":
            return r <= self.target
        return r >= self.target if self.sense == ">=" else r > self.target

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0 or abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_table(rows: list[Row]) -> str:
    header = ("metric", "qa", "baseline", "ratio", "target", "met")
    body = []
    for r in rows:
        ratio = "—" if r.ratio is None else f"{r.ratio:.3f}x"
        target = "—" if r.target is None else f"{r.sense} {r.target:g}x"
        met = {True: "yes", False: "NO", None: ""}[r.met]
        body.append((r.metric, _num(r.qa), _num(r.baseline), ratio, target, met + (f"  {r.note}" if r.note else "")))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(5)]

    def fmt(line: tuple[str, ...]) -> str:
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:5], widths[1:], strict=True)]
        return " | ".join(cells) + " | " + line[5]

    rule = "-+-".join("-" * w for w in widths) + "-+-----"
    return "\n".join([fmt(header), rule, *map(fmt, body)])


# --------------------------------------------------------------------------------------------------
# Measuring helpers


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


@dataclass
class Child:
    wall_s: float
    max_rss_bytes: int
    result: dict[str, Any]


def run_child(cmd: list[str]) -> Child:
    """Run `cmd` in a new process through `workers.py measure`, for its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "measure.json"
        launcher = [sys.executable, str(BENCH / "workers.py"), "measure", str(report), "--", *cmd]
        rc = subprocess.run(launcher, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stdout=out, stderr=err).returncode
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        measured = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    if rc != 0 or not measured:
        raise RuntimeError(f"{' '.join(cmd[1:4])} ... exited {rc}: {stderr.strip()[-800:]}")
    result: dict[str, Any] = {}
    lines = [line for line in stdout.splitlines() if line.strip()]
    if lines and lines[-1].startswith("{"):
        result = json.loads(lines[-1])
    return Child(float(measured["wall_s"]), int(measured["max_rss_bytes"]), result)


def worker(*args: str) -> list[str]:
    return [sys.executable, str(BENCH / "workers.py"), *args]


def live_generation(index_dir: Path) -> Path:
    """The folder of the index generation that CURRENT names (the whole folder if there is none)."""
    pointer = index_dir / "CURRENT"
    if pointer.is_file():
        gen = index_dir / pointer.read_text(encoding="utf-8").strip()
        if gen.is_dir():
            return gen
    return index_dir


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def sentence_texts(engine: Any) -> list[str] | None:
    """The sentences qa embedded besides the passages, if this version of the index exposes them."""
    data = engine.data
    try:
        rows = np.asarray(data.sentences).tolist()
        return [data.documents[src].text[a:b] for src, (_, a, b) in zip(data.sentence_sources, rows, strict=True)]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def is_hit(source: str, text: str, q: dict[str, Any]) -> bool:
    return source == q["source"] and contains_answer(text, q["answers"])


# --------------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.quick: bool = args.quick
        self.rows: list[Row] = []
        self.details: dict[str, Any] = {}
        self.not_measured: list[str] = []
        self.model_path = default_model_path()
        self.reps = 1 if self.quick else 3

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.rows.append(Row(*args, **kwargs))

    # ---- the benchmark corpus and its questions
    def corpus(self) -> tuple[Path, list[dict[str, Any]]]:
        if self.quick:
            return SEEDS, load_questions(QUICK_QUESTIONS)
        if not (SQUAD / "questions.jsonl").is_file():
            raise SystemExit(f"bench: {SQUAD} is missing; the full run needs it (or run with --quick).")
        return SQUAD / "articles", load_questions(SQUAD / "questions.jsonl")

    def run(self) -> None:
        from sentence_transformers import SentenceTransformer

        articles, questions = self.corpus()
        self.details["corpus"] = {"articles": str(articles), "questions": len(questions)}

        # ---- full build as `qa index` does it (loads its own model), then the no-op rebuilds
        index = self.tmp / "bench-index"
        log(f"full build of {articles} (qa.build, model loaded inside)")
        full = qa.build(articles, index)
        log(f"  {full.chunks} passages in {full.seconds:.2f} s; no-op rebuilds")
        noop = qa.build(articles, index)
        if not noop.up_to_date:
            self.not_measured.append("no-op build: the second qa.build did not report up_to_date")
        noop_cli = [
            run_child([sys.executable, "-m", "qa", "index", "--seeds", str(articles), "--index", str(index), "-q"])
            for _ in range(self.reps)
        ]
        noop_cli_s = statistics.median(c.wall_s for c in noop_cli)

        engine = qa.load(index)
        engine.ask(questions[0]["question"], k=K)
        model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        chunks = engine.data.chunks
        texts = [c.text for c in chunks]
        sentences = sentence_texts(engine)

        # ---- build with a warm model vs bare encode, interleaved repetitions
        raw_encode, raw_encode_all, own_encode, qa_warm = [], [], [], []
        vectors = np.zeros((0, DIMENSION), np.float32)
        for r in range(self.reps):
            log(f"build vs encode, repetition {r + 1}/{self.reps}")
            t0 = time.perf_counter()
            vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            raw_encode.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            engine.embedder.encode(texts)  # qa's own encoder (its default backend) over the same passages
            own_encode.append(time.perf_counter() - t0)
            fresh = self.tmp / f"warm-build-{r}"
            qa_warm.append(qa.build(articles, fresh, embedder=engine.embedder).seconds)
            shutil.rmtree(fresh, ignore_errors=True)
            if sentences:
                t0 = time.perf_counter()
                model.encode(texts + sentences, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
                raw_encode_all.append(time.perf_counter() - t0)
        qa_warm_s, raw_encode_s = statistics.median(qa_warm), statistics.median(raw_encode)
        raw_all_s = statistics.median(raw_encode_all) if raw_encode_all else None
        self.details["build"] = {
            "passages": len(texts),
            "sentences": len(sentences) if sentences is not None else None,
            "qa_build_cold_model_s": full.seconds,
            "qa_build_warm_model_s": qa_warm,
            "raw_encode_passages_s": raw_encode,
            "raw_encode_passages_and_sentences_s": raw_encode_all,
            "qa_encoder_passages_s": own_encode,
            "qa_backend": engine.settings.backend,
            "noop_in_process_s": noop.seconds,
            "noop_cli_wall_s": [c.wall_s for c in noop_cli],
        }

        # ---- peers (built before the latency loop, timed the same way)
        import faiss

        flat = faiss.IndexFlatIP(DIMENSION)
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        peers: list[Any] = []
        if self.quick or self.args.no_peers:
            self.not_measured.append("peers: skipped (--quick / --no-peers)")
        else:
            peers, missing = make_peers(model, self.model_path)
            for name, why in missing.items():
                self.not_measured.append(f"{name}: {why}")
        peer_build: dict[str, float] = {}
        for peer in list(peers):
            log(f"building {peer.name} over the same {len(texts)} passages")
            try:
                peer_build[peer.name] = peer.build(texts)
            except Exception as err:  # a peer that breaks must not sink the run; say why
                self.not_measured.append(f"{peer.name}: build failed ({type(err).__name__}: {err})")
                peers.remove(peer)

        # ---- query latency and hit@1: qa, raw and peers in rotating order, question by question
        def raw_search(q: str) -> list[int]:
            qv = model.encode([q], normalize_embeddings=True, show_progress_bar=False)
            _, ids = flat.search(np.asarray(qv, dtype=np.float32), K)
            return [int(i) for i in ids[0] if i >= 0]

        def own_search(q: str) -> list[int]:  # the same, with qa's own encoder (its default backend)
            _, ids = flat.search(np.asarray(engine.embedder.encode([q]), dtype=np.float32), K)
            return [int(i) for i in ids[0] if i >= 0]

        systems: dict[str, Callable[[str], Any]] = {
            "qa": lambda q: engine.ask(q, k=K),
            "raw": raw_search,
            "raw_qa_encoder": own_search,
        }
        systems.update({p.name: (lambda q, p=p: p.search(q, K)) for p in peers})
        names = list(systems)
        latency: dict[str, list[float]] = {n: [] for n in names}
        hits: dict[str, list[bool]] = {n: [] for n in names}
        for q in questions[:5]:  # warm every system
            for n in names:
                systems[n](q["question"])
        log(f"query latency: {len(questions)} questions x {len(names)} systems, interleaved")
        for i, q in enumerate(questions):
            order = names[i % len(names) :] + names[: i % len(names)]
            for n in order:
                t0 = time.perf_counter()
                result = systems[n](q["question"])
                latency[n].append(1000 * (time.perf_counter() - t0))
                if not (q.get("answerable") and q.get("source")):
                    continue
                if n == "qa":
                    cites = result.citations  # an abstention has none: a miss, as in `qa eval`
                    hits[n].append(bool(cites) and is_hit(cites[0].source, cites[0].text, q))
                else:
                    hits[n].append(bool(result) and is_hit(chunks[result[0]].source, chunks[result[0]].text, q))
        p50 = {n: pct(v, 50) for n, v in latency.items()}
        p95 = {n: pct(v, 95) for n, v in latency.items()}
        hit1 = {n: sum(v) / len(v) if v else None for n, v in hits.items()}
        self.details["query"] = {
            n: {"p50_ms": p50[n], "p95_ms": p95[n], "hit@1": hit1[n], "questions": len(latency[n])} for n in names
        }

        # ---- cold start: new processes, interleaved
        question = questions[0]["question"]
        cold_qa, cold_bare = [], []
        log(f"cold start, {self.reps} runs each")
        for _ in range(self.reps):
            cold_qa.append(run_child([sys.executable, "-m", "qa", "ask", "--index", str(index), question]))
            cold_bare.append(run_child(worker("bare-model", "--model", str(self.model_path), "--question", question)))
        cold_qa_s = statistics.median(c.wall_s for c in cold_qa)
        cold_bare_s = statistics.median(c.wall_s for c in cold_bare)
        bare_rss = int(statistics.median(c.max_rss_bytes for c in cold_bare))
        # qa's memory is measured above a process holding qa's own model (its default backend), the
        # raw process's above the bare sentence-transformers model: each side minus its own model.
        bare_qa = run_child(worker("bare-qa-model", "--question", question))
        bare_qa_rss = bare_qa.max_rss_bytes
        self.details["cold_start"] = {
            "qa_ask_wall_s": [c.wall_s for c in cold_qa],
            "bare_model_wall_s": [c.wall_s for c in cold_bare],
            "qa_ask_max_rss_mb": [c.max_rss_bytes / MB for c in cold_qa],
            "bare_model_max_rss_mb": [c.max_rss_bytes / MB for c in cold_bare],
        }

        # ---- rows so far
        n_q = len(questions)
        self.add("query_p50_ms", f"query p50 ms, {n_q} q (vs encode + IndexFlatIP.search)", p50["qa"], p50["raw"], 1.2)
        self.add("query_p95_ms", f"query p95 ms, {n_q} q (vs encode + IndexFlatIP.search)", p95["qa"], p95["raw"])
        backend = engine.settings.backend
        self.add(
            "query_p50_same_encoder_ms",
            f"query p50 ms (vs {backend} encode + IndexFlatIP.search)",
            p50["qa"],
            p50["raw_qa_encoder"],
        )
        self.add(
            "full_build_s",
            f"full build s, {len(texts)} passages, warm model (vs encode of passages)",
            qa_warm_s,
            raw_encode_s,
            1.1,
        )
        self.add(
            "full_build_same_encoder_s",
            f"full build s, warm model (vs {backend} encode of passages)",
            qa_warm_s,
            statistics.median(own_encode),
        )
        n_s = len(sentences) if sentences is not None else "?"
        self.add(
            "full_build_vs_all_encode_s",
            f"full build s, warm model (vs encode of passages + {n_s} sentences)",
            qa_warm_s,
            raw_all_s,
        )
        self.add("full_build_cold_s", "full build s, incl. model load (vs encode)", full.seconds, raw_encode_s)
        self.add("noop_build_s", "no-op qa.build s (vs full build incl. model load)", noop.seconds, full.seconds, 0.05)
        self.add("noop_cli_s", "no-op `python -m qa index` wall s (vs full build)", noop_cli_s, full.seconds, 0.05)
        self.add("cold_start_s", "cold start `qa ask` wall s (vs model load + 1 encode)", cold_qa_s, cold_bare_s, 1.5)
        self.add("hit1_vs_raw", "hit@1 (vs dense FAISS top-1, same passages)", hit1["qa"], hit1["raw"])
        for peer in peers:
            name = peer.name
            self.add(f"query_p50_vs_{name}", f"query p50 ms (vs {name})", p50["qa"], p50[name], 1.0)
            self.add(f"query_p95_vs_{name}", f"query p95 ms (vs {name})", p95["qa"], p95[name])
            self.add(f"hit1_vs_{name}", f"hit@1 (vs {name})", hit1["qa"], hit1[name], 1.0, ">")
            self.add(f"build_vs_{name}", f"full build s, warm model (vs {name} index)", qa_warm_s, peer_build[name])
            peer_details = {"build_s": peer_build[name], "model_load_s": peer.load_seconds}
            self.details.setdefault("peers", {})[name] = peer_details

        self.rebuild_latency()
        self.follow_up_latency(engine, questions)
        self.scale(articles, index, questions, full.chunks, bare_rss, bare_qa_rss)

    # ---- questions while the server rebuilds
    def rebuild_latency(self) -> None:
        from rebuild_latency import measure

        chars = 30_000 if self.args.quick else 145_000
        log(f"question latency while a server rebuilds (a {chars:,}-char article added)")
        r = measure(chars)
        self.details["rebuild_latency"] = r
        note = f"{len(r['errors'])} errors" if r["errors"] else ""
        self.add(
            "query_p95_during_rebuild_ms",
            f"query p95 ms during a rebuild to {r['passages']} passages (vs idle)",
            r["during"]["p95_ms"],
            r["idle"]["p95_ms"],
            3.0,
            note=note,
        )
        self.add(
            "query_p50_during_rebuild_ms",
            "query p50 ms during that rebuild (vs idle)",
            r["during"]["p50_ms"],
            r["idle"]["p50_ms"],
        )
        self.add(
            "rebuild_worker_s",
            "that rebuild s in a worker process (vs in the server's process)",
            r["rebuild_s"],
            r["rebuild_in_process_s"],
        )

    # ---- a follow-up question (qa/query/conversation.py) against the same question asked alone
    def follow_up_latency(self, engine: Any, questions: list[dict[str, Any]]) -> None:
        n = 30 if self.args.quick else 150
        asked = [q["question"] for q in questions[: n + 1]]
        alone, follow = [], []
        ratios = []  # per question: its fastest follow-up over its fastest time alone
        for i, (earlier, q) in enumerate(itertools.pairwise(asked)):
            times: dict[str, list[float]] = {"alone": [], "follow": []}
            for r in range(FOLLOW_UP_REPEATS):
                # In turn first and second, so that neither side always runs on the caches the other warmed.
                for side in ("alone", "follow") if (i + r) % 2 == 0 else ("follow", "alone"):
                    t0 = time.perf_counter()
                    if side == "alone":
                        engine.ask(q, K)
                    else:  # searched twice; the carried search kept if it matches better
                        engine.ask(q, K, history=[earlier])
                    times[side].append(time.perf_counter() - t0)
            alone.append(times["alone"][0])
            follow.append(times["follow"][0])
            ratios.append(min(times["follow"]) / min(times["alone"]))
        # Paired: the same question both ways, each at its fastest of FOLLOW_UP_REPEATS (what it costs,
        # not what the shared machine added). The unpaired p50s below are two-humped (a question late
        # interaction reads costs ~30 ms more: p25 ~9 ms, p75 ~42 ms), so their ratio moved 0.68x-1.34x
        # between runs of the same code (docs/MEASUREMENTS.md); a paired ratio compares like with like.
        self.add(
            "follow_up_paired_ratio",
            f"a question with one earlier question as history over itself alone, median of {len(ratios)} paired ratios",
            statistics.median(ratios),
            1.0,
            1.2,
        )
        self.add(
            "follow_up_p50_ms",
            "a question p50 ms with one earlier question as history (vs asked alone; first of each)",
            1000 * pct(follow, 50),
            1000 * pct(alone, 50),
        )
        self.add(
            "follow_up_mean_ms",
            "a question mean ms with one earlier question as history (vs asked alone; first of each)",
            1000 * statistics.fmean(follow),
            1000 * statistics.fmean(alone),
        )

    # ---- scale
    def scale(
        self,
        articles: Path,
        index: Path,
        questions: list[dict[str, Any]],
        passages: int,
        bare_rss: int,
        bare_qa_rss: int,
    ) -> None:
        answerable = [q["question"] for q in questions if q.get("answerable")]
        count = 10 if self.quick else 50
        step = max(1, len(answerable) // count)
        qfile = self.tmp / "scale-questions.json"
        qfile.write_text(json.dumps(answerable[::step][:count]), encoding="utf-8")
        corpus_chars = sum(len(p.read_text(encoding="utf-8-sig")) for p in articles.iterdir() if p.is_file())
        chars_per_passage = corpus_chars / max(1, passages)
        sources = synth.load_sources([d for d in (SQUAD / "articles", SEEDS) if d.is_dir()])

        def measure(label: str, corpus: Path, index_dir: Path, build: Child | None) -> dict[str, Any]:
            model = str(self.model_path)
            qq = run_child(worker("qa-query", "--index", str(index_dir), "--questions", str(qfile), "--model", model))
            n = int(qq.result["passages"])
            raw_args = ["--corpus", str(corpus), "--passages", str(n), "--model", model]
            rq = run_child(worker("raw-query", *raw_args, "--questions", str(qfile)))
            raw_bytes = n * DIMENSION * 4 + int(qq.result["passage_text_bytes"])
            qa_rss, raw_rss = int(qq.result["max_rss_bytes"]), int(rq.result["max_rss_bytes"])
            both = qq.result["interleaved_ms"]
            out = {
                "label": label,
                "passages": n,
                "build_s": build.result["seconds"] if build else None,
                "build_max_rss_mb": build.max_rss_bytes / MB if build else None,
                "disk_mb": tree_bytes(live_generation(index_dir)) / MB,
                "raw_vectors_plus_text_mb": raw_bytes / MB,
                "qa_query_p50_ms": pct(both["qa"], 50),
                "qa_query_p95_ms": pct(both["qa"], 95),
                "raw_query_p50_ms": pct(both["raw"], 50),
                "raw_query_p95_ms": pct(both["raw"], 95),
                "qa_alone_query_p95_ms": pct(qq.result["latencies_ms"], 95),
                "raw_alone_query_p95_ms": pct(rq.result["latencies_ms"], 95),
                "qa_load_s": qq.result["load_s"],
                "ann_recall_at_10": qq.result.get("ann_recall_at_10"),
                "qa_query_max_rss_mb": qa_rss / MB,
                "qa_query_rss_above_bare_model_mb": (qa_rss - bare_qa_rss) / MB,
                "bare_qa_model_max_rss_mb": bare_qa_rss / MB,
                "raw_query_max_rss_mb": raw_rss / MB,
                "raw_query_rss_above_bare_model_mb": (raw_rss - bare_rss) / MB,
                "bare_model_max_rss_mb": bare_rss / MB,
            }
            log(f"  {label}: {json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()})}")
            return out

        log("scale: base corpus (the benchmark articles)")
        base_build = None
        if not self.quick:  # the base build's peak RSS, for the details (the quick run saves the time)
            base_index = self.tmp / "base-index"
            base_build = run_child(worker("qa-build", "--seeds", str(articles), "--index", str(base_index)))
        base = measure("base", articles, index, base_build)
        results = [base]
        for target in self.args.scales:
            folder = self.tmp / f"scale-{target}"
            stats = synth.write_corpus(folder / "articles", sources, int(target * chars_per_passage))
            log(f"scale ~{target} passages: {stats['files']} synthetic articles, {stats['chars']} chars; building")
            build = run_child(worker("qa-build", "--seeds", str(folder / "articles"), "--index", str(folder / "index")))
            res = measure(f"~{target}", folder / "articles", folder / "index", build)
            res.update(target=target, files=stats["files"], build_wall_s=build.wall_s)
            results.append(res)
            shutil.rmtree(folder, ignore_errors=True)
        self.details["scale"] = results

        for res in results[1:]:
            n = res["passages"]
            tag = f"@{res['target']}"
            self.add(f"scale_build_s{tag}", f"build s, {n} passages (qa index, new process)", res["build_s"], None)
            self.add(
                f"scale_query_p95_ms{tag}",
                f"query p95 ms, {n} passages (vs qa at base {base['passages']})",
                res["qa_query_p95_ms"],
                base["qa_query_p95_ms"],
                2.0,
            )
            self.add(
                f"scale_query_p95_vs_raw_ms{tag}",
                f"query p95 ms, {n} passages (vs encode + IndexFlatIP)",
                res["qa_query_p95_ms"],
                res["raw_query_p95_ms"],
            )
            recall = res.get("ann_recall_at_10")
            if recall:
                self.add(
                    f"scale_ann_recall10{tag}",
                    f"IVF recall@10 of questions, {n} p. (ann-benchmarks; ids: {recall['questions_ids']:.3f})",
                    recall["questions"],
                    1.0,
                    0.98,
                    sense=">=",
                )
            self.add(
                f"scale_disk_mb{tag}",
                f"index on disk MB, {n} passages (vs N*384*4 + text)",
                res["disk_mb"],
                res["raw_vectors_plus_text_mb"],
            )
            # The issue sets the memory target at 100k passages. Below it the ~27 MB that importing
            # FAISS and bm25s costs outweighs the data (1k passages: 2 MB of vectors and text), so
            # the ratio is printed there without a target.
            self.add(
                f"scale_query_rss_mb{tag}",
                f"query RSS above bare model MB, {n} p. (vs N*384*4 + text)",
                res["qa_query_rss_above_bare_model_mb"],
                res["raw_vectors_plus_text_mb"],
                1.3 if res["target"] >= 100_000 else None,
            )
            self.add(
                f"scale_query_rss_vs_raw_mb{tag}",
                f"query RSS above bare model MB, {n} p. (vs raw FAISS process)",
                res["qa_query_rss_above_bare_model_mb"],
                res["raw_query_rss_above_bare_model_mb"],
            )
            self.add(
                f"scale_build_rss_mb{tag}",
                f"build process peak RSS MB, {n} p. (vs raw FAISS process)",
                res["build_max_rss_mb"],
                res["raw_query_max_rss_mb"],
            )
        if 100_000 not in self.args.scales:
            biggest = max(results, key=lambda r: r["passages"])
            if biggest["build_s"]:
                minutes = biggest["build_s"] * 100_000 / biggest["passages"] / 60
                note = (
                    f"not run (estimated build ~{minutes:.0f} min from {biggest['passages']} passages; --scales 100000)"
                )
            else:
                note = "not run (--scales 100000)"
            self.add("scale_query_p95_ms@100000", "query p95 ms, 100k passages (vs qa at base)", None, None, 2.0)
            self.rows[-1].note = note
            self.not_measured.append(f"scale 100k: {note}")


def machine_cpu_seconds() -> float | None:
    """CPU seconds spent by every process on this machine so far (Linux /proc/stat), or None."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of every child it has waited for (workers included)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def parse_scales(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        scales = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scales {text!r}: give passage counts, e.g. 1000,10000") from None
    if any(s < 10 for s in scales):
        raise argparse.ArgumentTypeError("--scales: each scale must be at least 10 passages")
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: one article, few questions, tiny scale")
    parser.add_argument("--scales", type=parse_scales, help="passage counts, e.g. 1000,10000,100000 ('none': skip)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the table as JSON")
    parser.add_argument("--no-peers", action="store_true", help="skip LangChain FAISS and txtai")
    args = parser.parse_args(argv)
    if args.scales is None:
        args.scales = QUICK_SCALES if args.quick else DEFAULT_SCALES

    t0 = time.perf_counter()
    load_before = os.getloadavg()
    busy0, own0 = machine_cpu_seconds(), own_cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        bench.run()
    seconds = time.perf_counter() - t0
    busy1, own1 = machine_cpu_seconds(), own_cpu_seconds()
    other_share = None
    if busy0 is not None and busy1 is not None:
        other_share = max(0.0, (busy1 - busy0) - (own1 - own0)) / (seconds * (os.cpu_count() or 1))

    import faiss
    import torch

    report = {
        "rows": [r.to_dict() for r in bench.rows],
        "details": bench.details,
        "not_measured": bench.not_measured,
        "seconds": seconds,
        "args": {"quick": args.quick, "scales": list(args.scales), "no_peers": args.no_peers},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "faiss": faiss.__version__,
            "qa": qa.__version__,
            "qa_backend": os.environ.get("QA_BACKEND") or "default",
            "load_average_1_5_15_min_before": load_before,
            "load_average_1_5_15_min_after": os.getloadavg(),
            "cpu_share_used_by_other_processes": other_share,
        },
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(format_table(bench.rows))
    for line in bench.not_measured:
        print(f"not measured: {line}")
    print(f"{sum(r.met is True for r in bench.rows)} of {sum(r.met is not None for r in bench.rows)} targets met")
    print(f"{seconds:.0f} s on {os.cpu_count()} CPUs; JSON: {args.json}")
    if other_share is not None and other_share > 0.1:
        print(
            f"note: other processes used {100 * other_share:.0f}% of this machine's CPU time during the run; "
            "absolute times are inflated (interleaving keeps the ratios fairer)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
