"""Question latency while the server rebuilds its index, against idle, side by side in one run.

A `Service` (what `qa serve` holds) over a copy of seeds/ answers questions from a client thread;
then a large article (~145 KB of synthetic news, a few hundred passages) is added and the service
rebuilds while the same questions keep coming. Prints p50/p95 of both phases, their ratio, and the
rebuild's own time; every answer must come from the old index or from the new one.

    .venv/bin/python bench/rebuild_latency.py [--chars 145000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

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
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ask_loop(service: Any, stop: threading.Event, out: list[float], errors: list[str], limit: int = 0) -> None:
    n = 0
    while not stop.is_set() and (limit == 0 or n < limit):
        q = QUESTIONS[n % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            service.ask(q, 5)
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


def measure(chars: int) -> dict[str, Any]:
    from qa.config import Settings
    from qa.service import Service

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seeds = root / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        service = Service(Settings(seeds_dir=seeds, index_dir=root / "embeddings"))
        service.rebuild()
        for q in QUESTIONS:  # warm up
            service.ask(q, 5)
        idle: list[float] = []
        errors: list[str] = []
        ask_loop(service, threading.Event(), idle, errors, limit=60)

        size = large_article(seeds / "zz_long_report.txt", chars)
        during: list[float] = []
        stop = threading.Event()
        client = threading.Thread(target=ask_loop, args=(service, stop, during, errors))
        t0 = time.perf_counter()
        client.start()
        report = service.rebuild()
        build_s = time.perf_counter() - t0
        stop.set()
        client.join()
        return {
            "article_chars": size,
            "passages_added": report.chunks,
            "rebuild_s": round(build_s, 2),
            "idle": {"n": len(idle), "p50_ms": 1000 * statistics.median(idle), "p95_ms": 1000 * percentile(idle, 95)},
            "during": {
                "n": len(during),
                "p50_ms": 1000 * statistics.median(during),
                "p95_ms": 1000 * percentile(during, 95),
                "max_ms": 1000 * max(during),
            },
            "errors": errors,
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=145_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    r = measure(args.chars)
    i, d = r["idle"], r["during"]
    print(
        f"rebuild of a {r['article_chars']:,}-char article ({r['passages_added']} passages in the index): "
        f"{r['rebuild_s']:.1f} s\n"
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
