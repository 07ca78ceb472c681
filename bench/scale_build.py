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

With the packaged model a 1M-passage build takes longer than a session here lasts (~4.8 h), so
`--stages N --keep DIR` builds it as a user adding articles would: stage k indexes the first k/N of
the corpus's files (hard links in DIR/seeds), each stage an ordinary incremental `qa index` that
embeds only the files added since the last one and writes and publishes the whole index again. Each
stage's wall time, CPU time and peak RSS go to DIR/stages.jsonl as it ends; run the same command
again and it goes on from the last stage that ended (a stage cut off is built again; the index
stays that of the last stage published). The sum of the stages' times overstates one build's (each
stage writes the whole index so far again); the last stage's peak RSS is that of writing the whole
index.
"""

from __future__ import annotations

import argparse
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
                "embedded_files": len(report.added) + len(report.changed),
                "seconds": time.perf_counter() - t0,
                "cpu_seconds": own.ru_utime + own.ru_stime,
                "peak_rss_mb": own.ru_maxrss / 1024,
            }
        )
    )


def staged(work: Path, corpus: Path, stages: int, stand_in: bool) -> None:
    """Build the index of `corpus` in `stages` incremental steps, going on from the last one recorded."""
    log = work / "stages.jsonl"
    done = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    if done and done[0]["stages"] != stages:
        raise SystemExit(f"{log} records a build in {done[0]['stages']} stages; pass --stages {done[0]['stages']}")
    files = sorted(corpus.iterdir())
    seeds = work / "seeds"
    seeds.mkdir(exist_ok=True)
    for k in range(len(done) + 1, stages + 1):
        for f in files[: len(files) * k // stages]:
            if not (seeds / f.name).exists():
                os.link(f, seeds / f.name)  # a hard link: the corpus's bytes, not a copy
        cmd = [sys.executable, __file__, "--child", str(seeds), str(work / "index"), "1" if stand_in else "0"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        row = {"stages": stages, "stage": k, "files": len(files) * k // stages, **result}
        with log.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        done.append(row)
        print(
            f"stage {k}/{stages}: {row['passages']:,} passages ({row['embedded_files']:,} files embedded): "
            f"{row['seconds']:.0f} s wall, {row['cpu_seconds']:.0f} s CPU, peak RSS {row['peak_rss_mb']:,.0f} MB",
            flush=True,
        )
    what = "stand-in vectors" if stand_in else "the packaged model"
    on_disk = sum(p.stat().st_size for p in (work / "index").rglob("*") if p.is_file()) / 1e6
    print(
        f"{done[-1]['passages']:,} passages with {what} in {stages} stages: "
        f"{sum(r['seconds'] for r in done):,.0f} s wall and {sum(r['cpu_seconds'] for r in done):,.0f} s CPU in all, "
        f"peak RSS {max(r['peak_rss_mb'] for r in done):,.0f} MB "
        f"(the last stage's: {done[-1]['peak_rss_mb']:,.0f} MB), "
        f"index {on_disk:,.0f} MB"
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
    ap.add_argument("--stages", type=int, default=0, help="build in this many incremental steps (needs --keep)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2] == "1")
        return 0
    import synth

    if args.stages and args.keep is None:
        ap.error("--stages needs --keep DIR (the stages are recorded there, to go on after an interruption)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    try:
        corpus = work / "corpus"
        if not corpus.is_dir():
            sources = synth.load_sources([d for d in (SQUAD, ROOT / "seeds") if d.is_dir()])
            t0 = time.perf_counter()
            stats = synth.write_corpus(corpus, sources, args.passages * CHARS_PER_PASSAGE)
            print(f"corpus: {stats['files']:,} files, {stats['chars']:,} characters ({time.perf_counter() - t0:.0f} s)")
        if args.stages:
            staged(work, corpus, args.stages, args.stand_in)
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
