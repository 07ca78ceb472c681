"""A `qa index` with nothing to do is instant: it reads the manifest and the files' bytes, and never
imports torch, sentence-transformers, FAISS, ONNX Runtime or numpy. Needs the real model for the first build (~10 s)."""

from __future__ import annotations

import resource
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.unit.test_cli import run_qa

HEAVY = ("torch", "sentence_transformers", "faiss", "numpy", "onnxruntime")


def imported_modules(importtime_stderr: str) -> set[str]:
    """Module names from `python -X importtime` output ("import time: self | cumulative | name")."""
    names = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.add(name)
    return names


@pytest.mark.integration
def test_noop_reindex_imports_no_model_or_faiss_and_takes_under_two_seconds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    index = tmp_path / "index"
    qa_index = ["index", "--seeds", str(seeds), "--index", str(index)]

    first = run_qa(tmp_path, *qa_index, timeout=600)
    assert first.returncode == 0, f"the first build failed:\n{first.stderr}"
    assert "up to date" not in first.stdout

    # The child's CPU time, not the wall clock: `make test` runs another test file beside this one, and
    # a review timed the same no-op at 0.45 s idle and 2.35 s beside four busy processes.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    second = run_qa(tmp_path, *qa_index, timeout=60, python=("-X", "importtime"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    assert second.returncode == 0, f"the no-op build failed:\n{second.stderr[-2000:]}"
    assert "up to date" in second.stdout, f"the no-op build did not say so: {second.stdout!r}"
    modules = imported_modules(second.stderr)
    assert "qa.indexing.build" in modules, "test premise: -X importtime output was not captured"
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"a no-op `qa index` imported {heavy[:10]}"
    assert 0 < seconds < 2, f"a no-op `qa index` took {seconds:.2f} s of CPU"
