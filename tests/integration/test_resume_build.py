"""A `qa index` killed (SIGKILL) or stopped by Ctrl-C (SIGINT) while the real model embeds goes on
where it stopped: the next `qa index` embeds only the files the journal does not hold and writes the
index a build in one go writes, file for file (qa/indexing/staging.py)."""

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

# `qa index` (through the CLI) building one file a batch, journaled after every file, whose model
# sends the process signal argv[3] (SIGKILL, or SIGINT: a Ctrl-C) when asked for its third batch: two
# files made and on record, the third one being embedded.
STOPPED_BUILD = """
import os, signal, sys, time
# Ctrl-C as in a terminal: the process this test runs in may have inherited SIGINT ignored from the
# runner (after the whole suite had run, a fresh clone's build once took no notice of it).
signal.signal(signal.SIGINT, signal.default_int_handler)
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
            os.kill(os.getpid(), getattr(signal, sys.argv[3]))
            # The main thread takes the signal when it next runs Python; on a busy machine the rest
            # of the files could be embedded first (a CI-like run once exited 0): wait for it.
            time.sleep(5)
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


def stop_a_build(signal_name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`qa index` of a copy of the seeds (tmp_path/seeds into tmp_path/index) sent `signal_name`
    while the model embeds its third file."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, seeds)
    return subprocess.run(
        [sys.executable, "-c", STOPPED_BUILD, str(seeds), str(index), signal_name],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def go_on(tmp_path: Path) -> None:
    """`qa index` again: it takes the two files the stopped build embedded."""
    resumed = run_qa(tmp_path, "index", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "2 files were embedded by an earlier build that stopped" in resumed.stdout, resumed.stdout


@pytest.mark.integration
def test_qa_index_killed_while_embedding_goes_on_from_where_it_stopped(tmp_path: Path) -> None:
    killed = stop_a_build("SIGKILL", tmp_path)
    assert killed.returncode == -9, f"the build was meant to be killed:\n{killed.stderr[-2000:]}"
    index = tmp_path / "index"
    assert not (index / CURRENT).exists()
    go_on(tmp_path)

    whole = run_qa(tmp_path, "index", "--index", str(tmp_path / "whole"), timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert checksums(index) == checksums(tmp_path / "whole"), "going on wrote another index than one build"
    assert not list(index.glob(".tmp-*"))
    answer = run_qa(tmp_path, "ask", "--json", "Who did Im Chon-il meet in Moscow?", timeout=300)
    assert answer.returncode == 0 and json.loads(answer.stdout)["citations"], answer.stderr[-2000:]


@pytest.mark.integration
def test_qa_index_stopped_by_ctrl_c_says_so_in_one_line_and_goes_on_next_time(tmp_path: Path) -> None:
    stopped = stop_a_build("SIGINT", tmp_path)
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stderr and len(stopped.stderr.strip().splitlines()) == 1, stopped.stderr
    assert "goes on from the files this build had embedded" in stopped.stderr
    go_on(tmp_path)
