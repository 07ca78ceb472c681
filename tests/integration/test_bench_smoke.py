"""`bench/run.py --quick` runs end to end and writes its table as JSON with positive figures.

A smoke test of the benchmark's plumbing (builds, worker processes, peak RSS, the JSON file), not of
speed: timings on a shared 2-core machine vary too much to assert, so none is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

# Rows every run has (the peers are skipped by --quick).
ALWAYS = (
    "query_p50_ms",
    "query_p95_ms",
    "full_build_s",
    "full_build_vs_all_encode_s",
    "full_build_cold_s",
    "noop_build_s",
    "noop_cli_s",
    "cold_start_s",
    "query_p95_during_rebuild_ms",
    "query_p50_during_rebuild_ms",
    "rebuild_worker_s",
)
PER_SCALE = ("scale_query_p95_ms", "scale_query_p95_vs_raw_ms", "scale_disk_mb", "scale_build_rss_mb")


def test_quick_bench_writes_every_metric_with_positive_numbers(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"bench/run.py --quick failed:\n{proc.stderr[-3000:]}"
    assert "query p50" in proc.stdout, f"no table printed:\n{proc.stdout}"

    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["key"]: row for row in report["rows"]}
    scales = report["args"]["scales"]
    assert scales, "the quick run measures one small scale"
    wanted = [*ALWAYS, *(f"{key}@{n}" for key in PER_SCALE for n in scales)]
    missing = [key for key in wanted if key not in rows]
    assert not missing, f"metrics missing from the JSON: {missing}"
    for key in wanted:
        row = rows[key]
        for field in ("qa", "baseline", "ratio"):
            value = row[field]
            assert isinstance(value, (int, float)) and value > 0, f"{key}.{field} is {value!r}, not a positive number"
    for n in scales:
        build = rows[f"scale_build_s@{n}"]["qa"]
        assert isinstance(build, (int, float)) and build > 0, f"scale {n}: build time {build!r}"
    assert report["seconds"] > 0
    assert any("peers" in line for line in report["not_measured"]), "the quick run says it skipped the peers"
