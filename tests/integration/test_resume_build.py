"""A `qa index` killed (SIGKILL) while the real model embeds goes on where it stopped: the next
`qa index` embeds only the files the journal does not hold and writes the index a build in one go
writes, file for file (qa/indexing/staging.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.store.layout import CURRENT, MANIFEST
from tests.conftest import SEEDS
from tests.unit.test_cli import run_qa

# A build of one file a batch, journaled after every file, that SIGKILLs itself when the model is
# asked for its third batch: two files made and on record, the third one being embedded.
KILLED_BUILD = """
import os, signal, sys
import qa, qa.indexing.build as build, qa.indexing.parts as parts
from qa.config import Settings
from qa.embed.create import create

parts.BATCH_BYTES = 1
build.CHECKPOINT_SECONDS = 0.0
model = create(Settings.from_env())
real = model.token_sums
calls = []

def token_sums(texts, **kw):
    calls.append(len(texts))
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(texts, **kw)

model.token_sums = token_sums
qa.build(sys.argv[1], sys.argv[2], embedder=model)
"""


# The same build through `qa index`, stopped by a Ctrl-C (SIGINT) instead.
INTERRUPTED_CLI = """
import os, signal, sys
import qa.embed.create as create_module, qa.indexing.build as build, qa.indexing.parts as parts
from qa.cli import main

parts.BATCH_BYTES = 1
build.CHECKPOINT_SECONDS = 0.0
real_create = create_module.create
calls = []

def create(settings):
    model = real_create(settings)
    real = model.token_sums

    def token_sums(texts, **kw):
        calls.append(len(texts))
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(texts, **kw)

    model.token_sums = token_sums
    return model

create_module.create = create
sys.exit(main(["index", "--seeds", sys.argv[1], "--index", sys.argv[2]]))
"""


def checksums(index_dir: Path) -> dict[str, str]:
    gen = index_dir / (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    out: dict[str, str] = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    return out


@pytest.mark.integration
def test_qa_index_killed_while_embedding_goes_on_from_where_it_stopped(tmp_path: Path) -> None:
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, seeds)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, str(seeds), str(index)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert killed.returncode == -9, f"the build was meant to be killed:\n{killed.stderr[-2000:]}"
    assert not (index / CURRENT).exists()

    resumed = run_qa(tmp_path, "index", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "2 files were embedded by an earlier build that stopped" in resumed.stdout, resumed.stdout

    whole = run_qa(tmp_path, "index", "--index", str(tmp_path / "whole"), timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert checksums(index) == checksums(tmp_path / "whole"), "going on wrote another index than one build"
    assert not list(index.glob(".tmp-*"))
    answer = run_qa(tmp_path, "ask", "--json", "Who did Im Chon-il meet in Moscow?", timeout=300)
    assert answer.returncode == 0 and json.loads(answer.stdout)["citations"], answer.stderr[-2000:]


@pytest.mark.integration
def test_qa_index_stopped_by_ctrl_c_says_so_in_one_line_and_goes_on_next_time(tmp_path: Path) -> None:
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, seeds)
    stopped = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_CLI, str(seeds), str(index)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stderr and len(stopped.stderr.strip().splitlines()) == 1, stopped.stderr
    assert "goes on from the files this build had embedded" in stopped.stderr
    resumed = run_qa(tmp_path, "index", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "2 files were embedded by an earlier build that stopped" in resumed.stdout, resumed.stdout
