"""A local build of a large synthetic corpus (bench/synth.py): its time and peak memory.

The packaged model embeds ~100 passages a second on 2 cores, so a 1M-passage build with it takes
about three hours here. To see what the rest of a build costs at that size (reading, analysing,
chunking with the model's tokenizer, splitting sentences, quantizing, BM25, FAISS, writing) within a
session, `--stand-in` replaces only the model's forward pass with vectors derived from a hash of each
text (same shapes, dtypes and unit length as the model's; the tokenizer that sizes chunks is the
model's own). The model's own cost is then measured on a sample of the corpus's passages and added
as an estimate. Without `--stand-in` the packaged model does everything.

    .venv/bin/python bench/scale_build.py --passages 1000000 --stand-in [--keep DIR]

Prints the passages built, the build's wall time and its peak RSS (the build runs in a child process
whose parent is small, so the peak is the build's own).

With the packaged model a 1M-passage build takes longer than a session here lasts (~4.8 h), and a
session's end kills it. `--keep DIR --go-on` runs the build in DIR/index without clearing it first,
so a build that was stopped goes on from its journal (qa/indexing/staging.py) instead of starting
over: run the same command again until it prints the finished build. Every 10 s, and when it ends,
the run's wall time, CPU time and peak RSS (the child's own, from /proc) go to DIR/runs.jsonl, so
that runs cut off by a kill count too; the totals are summed over all runs (work a kill lost, at most
the batch being embedded, is counted, never hidden).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-subset" / "articles"
# Characters of synthetic text per passage (measured: 5.0M characters made 11,524 passages).
CHARS_PER_PASSAGE = 434


class StandIn:
    """The packaged model's tokenizer and shapes, with a hash of each text for its forward pass."""

    def __init__(self) -> None:
        from qa.config import Settings
        from qa.embed.create import create

        self.model = create(Settings.from_env())
        self.name, self.dimension = self.model.name, self.model.dimension

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    def _vectors(self, texts: list[str]) -> Any:
        import numpy as np

        out = np.empty((len(texts), self.dimension), np.float32)
        for i, t in enumerate(texts):
            out[i] = np.random.default_rng(zlib.crc32(t.encode("utf-8"))).standard_normal(self.dimension)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def encode(self, texts: list[str], *, progress: bool = False) -> Any:
        return self._vectors(texts)

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[Any, Any]:
        import numpy as np

        counts = np.array([max(1, len(t) // 4) for t in texts], np.float32)
        return self._vectors(texts) * counts[:, None], counts


def child(corpus: str, index: str, stand_in: bool) -> None:
    import qa

    t0 = time.perf_counter()
    report = qa.build(corpus, index, embedder=StandIn() if stand_in else None)
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "passages": report.chunks,
                "embedded_files": len(report.added) + len(report.changed) - len(report.resumed),
                "resumed_files": len(report.resumed),
                "seconds": time.perf_counter() - t0,
                "cpu_seconds": own.ru_utime + own.ru_stime,
                "peak_rss_mb": own.ru_maxrss / 1024,
            }
        )
    )


def _proc_usage(pid: int) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return cpu, peak


def go_on(work: Path, corpus: Path, stand_in: bool) -> None:
    """One build of `corpus` into work/index that goes on from where an earlier run stopped; each
    run's usage recorded in work/runs.jsonl while it runs."""
    log = work / "runs.jsonl"
    runs = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    run = 1 + max((r["run"] for r in runs), default=0)

    def record(row: dict[str, Any]) -> None:
        with log.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    cmd = [sys.executable, __file__, "--child", str(corpus), str(work / "index"), "1" if stand_in else "0"]
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    cpu = peak = 0.0
    while child.poll() is None:
        with contextlib.suppress(OSError, IndexError, ValueError):
            cpu, peak = _proc_usage(child.pid)
        record({"run": run, "seconds": time.perf_counter() - t0, "cpu_seconds": cpu, "peak_rss_mb": peak})
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=10)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"run {run} failed (exit {child.returncode}); run the same command again to go on")
    result = json.loads(out.strip().splitlines()[-1])
    record({"run": run, **result, "done": True})
    last: dict[int, dict[str, Any]] = {}
    for row in [json.loads(line) for line in log.read_text().splitlines()]:
        last[row["run"]] = row  # a run's last line: its end, or its last heartbeat before a kill
    what = "stand-in vectors" if stand_in else "the packaged model"
    on_disk = sum(p.stat().st_size for p in (work / "index").rglob("*") if p.is_file()) / 1e6
    for r in last.values():
        print(
            f"run {r['run']}: {r['seconds']:,.0f} s wall, {r['cpu_seconds']:,.0f} s CPU, "
            f"peak RSS {r['peak_rss_mb']:,.0f} MB" + (" (finished)" if r.get("done") else " (stopped)")
        )
    print(
        f"{result['passages']:,} passages with {what} in {len(last)} run(s): "
        f"{sum(r['seconds'] for r in last.values()):,.0f} s wall and "
        f"{sum(r['cpu_seconds'] for r in last.values()):,.0f} s CPU in all, "
        f"peak RSS {max(r['peak_rss_mb'] for r in last.values()):,.0f} MB, index {on_disk:,.0f} MB"
    )


def model_rate(corpus: Path, sample: int = 1500) -> float:
    """Passages a second the packaged model embeds (pooled passage vectors), on `sample` passages."""
    import qa

    files, chars = [], 0
    for path in sorted(corpus.iterdir()):
        files.append(path)
        chars += path.stat().st_size
        if chars >= sample * CHARS_PER_PASSAGE:
            break
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            shutil.copy(f, Path(tmp) / f.name)
        t0 = time.perf_counter()
        report = qa.build(Path(tmp), Path(tmp) / ".index")
        return report.chunks / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=1_000_000)
    ap.add_argument("--stand-in", action="store_true", help="hash vectors instead of the model's forward pass")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    ap.add_argument("--go-on", action="store_true", help="go on with the build in --keep DIR where it stopped")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2] == "1")
        return 0
    import synth

    if args.go_on and args.keep is None:
        ap.error("--go-on needs --keep DIR (the build and its runs are kept there)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    try:
        corpus = work / "corpus"
        if not corpus.is_dir():
            sources = synth.load_sources([d for d in (SQUAD, ROOT / "seeds") if d.is_dir()])
            t0 = time.perf_counter()
            stats = synth.write_corpus(corpus, sources, args.passages * CHARS_PER_PASSAGE)
            print(f"corpus: {stats['files']:,} files, {stats['chars']:,} characters ({time.perf_counter() - t0:.0f} s)")
        if args.go_on:
            go_on(work, corpus, args.stand_in)
            return 0
        shutil.rmtree(work / "index", ignore_errors=True)
        cmd = [sys.executable, __file__, "--child", str(corpus), str(work / "index"), "1" if args.stand_in else "0"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        on_disk = sum(p.stat().st_size for p in (work / "index").rglob("*") if p.is_file()) / 1e6
        what = "stand-in vectors (the model's tokenizer, hashed vectors)" if args.stand_in else "the packaged model"
        print(
            f"{result['passages']:,} passages with {what}: {result['seconds']:.0f} s, "
            f"peak RSS {peak_mb:,.0f} MB, index {on_disk:,.0f} MB"
        )
        if args.stand_in:
            rate = model_rate(corpus)
            model_s = result["passages"] / rate
            print(
                f"the packaged model here: {rate:.0f} passages/s, so ~{model_s / 3600:.1f} h more for the vectors: "
                f"~{(result['seconds'] + model_s) / 3600:.1f} h in all on this machine"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
