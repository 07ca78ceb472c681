"""Question latency while the server rebuilds its index, against idle, side by side in one run.

A `Service` (what `qa serve` holds) over a copy of seeds/ answers questions from a client thread;
then a large article (~145 KB of synthetic news, a few hundred passages) is added and the service
rebuilds (in its worker process) while the same questions keep coming. Prints p50/p95 of both
phases, their ratio, the rebuild's time, and the same rebuild's time in the server's own process
with a warm model (what the worker costs). `make bench` reports the same rows.

    .venv/bin/python bench/rebuild_latency.py [--chars 145000] [--base-chars N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUESTIONS = [
    "Since when has Kim Jong-un called Putin a comrade?",
    "Why has the New Amnok River Bridge not opened?",
    "What share of North Korea's official trade did China represent in 2023?",
    "Who did Im Chon-il meet in Moscow?",
    "How many North Korean workers remain in China?",
    "When did a Russian president last visit Pyongyang?",
]


def percentile(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64), p))


def ask_loop(
    ask: Callable[[str], Any],
    stop: threading.Event,
    out: list[float],
    answers: list[Any],
    errors: list[str],
    limit: int = 0,
) -> None:
    n = 0
    while not stop.is_set() and (limit == 0 or n < limit):
        q = QUESTIONS[n % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            answers.append(ask(q))
        except Exception as err:  # counted, not raised: the figure is how many fail
            errors.append(f"{type(err).__name__}: {err}")
        out.append(time.perf_counter() - t0)
        n += 1
        time.sleep(0.05)  # a chat user, not a load generator: the figure is waiting, not throughput


def large_article(target: Path, chars: int) -> int:
    """One article of about `chars` characters, from synthetic articles made of the seeds."""
    from synth import load_sources, write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), load_sources([ROOT / "seeds"]), chars, seed=7)
        parts = [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())]
    body = "\n\n".join(p.split("\n\n", 2)[-1].strip() for p in parts)
    text = f"A long report on the region\n\nPublished on: 2024/06/20\n\n{body}\n"
    target.write_text(text, encoding="utf-8")
    return len(text)


def corpus(root: Path, base_chars: int) -> Path:
    """seeds/ and, if `base_chars`, that many characters of synthetic articles beside them."""
    from synth import load_sources, write_corpus

    seeds = root / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    if base_chars:
        write_corpus(seeds / "synthetic", load_sources([ROOT / "seeds"]), base_chars, seed=3)
    return seeds


def phases(service: Any, add: Callable[[], None], ask: Callable[[str], Any], idle_n: int = 60) -> dict[str, Any]:
    """Question latency idle, then while `service` rebuilds after `add()`; the answers of both."""
    for q in QUESTIONS:  # warm up
        ask(q)
    idle: list[float] = []
    errors: list[str] = []
    before: list[Any] = []
    ask_loop(ask, threading.Event(), idle, before, errors, limit=idle_n)
    add()
    during: list[float] = []
    answers: list[Any] = []
    stop = threading.Event()
    client = threading.Thread(target=ask_loop, args=(ask, stop, during, answers, errors))
    t0 = time.perf_counter()
    client.start()
    try:
        report = service.rebuild()
        build_s = time.perf_counter() - t0
    finally:
        stop.set()
        client.join()
    return {
        "passages": report.chunks,
        "rebuild_s": round(build_s, 2),
        "idle": {"n": len(idle), "p50_ms": 1000 * percentile(idle, 50), "p95_ms": 1000 * percentile(idle, 95)},
        "during": {
            "n": len(during),
            "p50_ms": 1000 * percentile(during, 50),
            "p95_ms": 1000 * percentile(during, 95),
            "max_ms": 1000 * max(during),
        },
        "errors": errors,
        "answers": answers,
    }


def measure(chars: int, base_chars: int = 0) -> dict[str, Any]:
    """Latency idle and during a rebuild that adds a `chars`-character article, with the rebuild in
    a worker process (as `qa serve` does) and, for its cost, the same rebuild in this process."""
    import qa
    from qa.config import Settings
    from qa.embed.create import create
    from qa.service import Service

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seeds = corpus(root, base_chars)
        settings = Settings(seeds_dir=seeds, index_dir=root / "embeddings")
        qa.build(settings=settings)
        service = Service(settings)
        article = root / "long_report.txt"
        size = large_article(article, chars)
        out = phases(service, lambda: shutil.copy(article, seeds / article.name), lambda q: service.ask(q, 5))
        out.pop("answers")
        # The same change built in this process with a warm model: what the worker process costs.
        (seeds / article.name).unlink()
        qa.build(settings=settings)
        inline = Service(settings, embedder=create(settings))
        inline.embedder.encode(["warm up"])
        shutil.copy(article, seeds / article.name)
        t0 = time.perf_counter()
        inline.rebuild()
        out["rebuild_in_process_s"] = round(time.perf_counter() - t0, 2)
        out["article_chars"] = size
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=145_000, help="size of the article the rebuild adds")
    ap.add_argument("--base-chars", type=int, default=0, help="synthetic articles indexed beside the seeds")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    r = measure(args.chars, args.base_chars)
    i, d = r["idle"], r["during"]
    print(
        f"rebuild adding a {r['article_chars']:,}-char article ({r['passages']} passages in the index): "
        f"{r['rebuild_s']:.1f} s in a worker process, {r['rebuild_in_process_s']:.1f} s in the server's own\n"
        f"question latency idle:    p50 {i['p50_ms']:7.1f} ms  p95 {i['p95_ms']:7.1f} ms  ({i['n']} questions)\n"
        f"question latency rebuild: p50 {d['p50_ms']:7.1f} ms  p95 {d['p95_ms']:7.1f} ms  max {d['max_ms']:.0f} ms "
        f"({d['n']} questions)\n"
        f"p95 ratio (rebuild / idle): {d['p95_ms'] / i['p95_ms']:.2f}x (target <= 3x); errors: {len(r['errors'])}"
    )
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
