"""SIGKILL `python -m qa index` at random moments of a rebuild; the index must never be half-written.

A private copy of the seeds is changed before each rebuild (so every rebuild re-chunks and re-embeds
real text with the real model, as users run it), then the rebuild is killed. Half of the kills land at
a random moment of the whole rebuild (model load, chunking, embedding: the window is measured by a first,
complete build); the other half at a random moment of the write and publish of the new generation,
which lasts a fraction of a second that a uniform delay would rarely hit. After each kill:

- `qa.load` opens the index and answers;
- the index is entirely the corpus before the change or entirely the one after it: the manifest's file
  sha256s, every stored document text, and the citations of a known question (each the exact slice of
  that version of its file) all agree on one version;
- the next `qa index` completes, and then the index is exactly the new corpus, with no temporary folder
  left behind.

3 kills in `make test`, 100 with QA_STRESS=1 (`make stress`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa
from qa.store.layout import read_manifest
from tests.conftest import SEEDS
from tests.reliability.conftest import Case, scaled

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

KILLS = scaled(3, 100)
KNOWN_QUESTION = "Who did Im Chon-il meet in Moscow?"
KNOWN_SOURCE = "002_299aeecd3ab3c2fd.txt"

Snapshot = dict[str, bytes]


def text_of(raw: bytes) -> str:
    """What `open(path, encoding="utf-8-sig").read()` returns for these bytes."""
    return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def revision(original: str, n: int) -> str:
    """Revision `n` of an article: its text moved down by 1-4 blank lines (so every offset changes from one
    revision to the next) and a note of the revision appended."""
    return (
        "\n" * (1 + n % 4)
        + original
        + f"\n\nEditor's note: revision {n} of this article was checked again against the original reporting "
        f"on day {n} of the review, and the correction log was updated.\n"
    )


class Corpus:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self.originals = {p.name: text_of(p.read_bytes()) for p in sorted(SEEDS.iterdir())}
        self.revisions = dict.fromkeys(self.originals, 0)
        for name in self.originals:
            self.write(name)

    def write(self, name: str) -> None:
        (self.folder / name).write_bytes(revision(self.originals[name], self.revisions[name]).encode("utf-8"))

    def change(self, names: set[str]) -> None:
        for name in names:
            self.revisions[name] += 1
            self.write(name)

    def snapshot(self) -> Snapshot:
        return {p.name: p.read_bytes() for p in sorted(self.folder.iterdir())}


def qa_index(corpus: Path, index: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QA_SEEDS_DIR": str(corpus),
        "QA_INDEX_DIR": str(index),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "qa", "index"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )


def complete_build(corpus: Path, index: Path, log: Path) -> str | None:
    proc = qa_index(corpus, index, log)
    try:
        code = proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "`qa index` did not finish within 600 s"
    if code != 0:
        return f"`qa index` exited {code}: {log.read_text(errors='replace')[-1500:]}"
    return None


def version_problem(index: Path, embedder: Any, versions: dict[str, Snapshot]) -> tuple[str | None, str | None]:
    """(the name of the version the index holds, None) or (None, what is wrong)."""
    try:
        engine = qa.load(index, embedder=embedder)
    except Exception as err:
        return None, f"qa.load failed: {type(err).__name__}: {err}"
    files = {src: entry["sha256"] for src, entry in read_manifest(engine.path)["files"].items()}
    matches = [
        name
        for name, snap in versions.items()
        if files == {src: hashlib.sha256(raw).hexdigest() for src, raw in snap.items()}
    ]
    if not matches:
        return None, f"the manifest's file hashes match neither {' nor '.join(versions)}"
    name = matches[0]
    texts = {src: text_of(raw) for src, raw in versions[name].items()}
    for src, doc in engine.data.documents.items():
        if doc.text != texts[src]:
            return None, f"the manifest is the {name} corpus but the stored text of {src} is not"
    try:
        answer = engine.ask(KNOWN_QUESTION, 5)
    except Exception as err:
        return None, f"the loaded index cannot answer: {type(err).__name__}: {err}"
    if answer.abstained or answer.citations[0].source != KNOWN_SOURCE:
        return None, f"the known question is not answered from {KNOWN_SOURCE}: {answer.answer[:120]!r}"
    for c in answer.citations:
        text = texts[c.source]
        if (
            c.text != text[c.start_char : c.end_char]
            or c.highlight.text != text[c.highlight.start_char : c.highlight.end_char]
        ):
            return None, f"citation [{c.n}] of {c.source} is not a slice of the {name} version of the file"
    return name, None


def wait_until(proc: subprocess.Popen[bytes], index: Path, ready: Callable[[list[str]], bool], limit: float) -> None:
    """Until `ready(names in the index folder)`, or the build ends."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if ready(os.listdir(index)):
            return
        time.sleep(0.001)


def writing(names: list[str]) -> bool:
    """The build has started writing its new generation (its temporary folder exists)."""
    return any(name.startswith(".tmp-") for name in names)


def test_sigkill_during_rebuild_leaves_the_old_or_the_new_index(
    tmp_path: Path, real_embedder: Any, tally: Callable[..., Case]
) -> None:
    case = tally("sigkill")
    seed = int(os.environ.get("QA_STRESS_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    corpus = Corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    log = tmp_path / "qa-index.log"

    # A first, complete build measures the windows: the whole of it (model load included), and the part
    # from the new generation's temporary folder appearing to CURRENT naming it (write and publish).
    started = time.monotonic()
    index.mkdir()
    proc = qa_index(corpus.folder, index, log)
    wait_until(proc, index, writing, limit=600)
    began_writing = time.monotonic()
    wait_until(proc, index, lambda names: "CURRENT" in names, limit=600)
    publish_window = max(time.monotonic() - began_writing, 0.005)
    code = proc.wait(timeout=600)
    assert code == 0, f"`qa index` exited {code}: {log.read_text(errors='replace')[-1500:]}"
    window = time.monotonic() - started
    previous = corpus.snapshot()
    name, problem = version_problem(index, real_embedder, {"first": previous})
    assert problem is None, problem

    outcomes = {"old": 0, "new": 0}
    modes = {"anywhere": 0, "at publish": 0}
    attempts = 0
    # A build may end before its kill (about a third of the publish kills land just after, by design;
    # a warm rebuild can outrun a late "anywhere" delay): up to four attempts a kill, since with two a
    # clean-clone run once saw 4 of 6 builds end first ("only 2 of 3 kills landed").
    while case.tried < KILLS and attempts < 4 * KILLS:
        attempts += 1
        others = sorted(set(corpus.originals) - {KNOWN_SOURCE})
        corpus.change({KNOWN_SOURCE, *rng.sample(others, rng.randint(0, len(others)))})
        current = corpus.snapshot()

        mode = "anywhere" if attempts % 2 else "at publish"
        proc = qa_index(corpus.folder, index, log)
        if mode == "anywhere":
            delay = rng.uniform(0.02, 1.0) * window
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=delay)
        else:
            wait_until(proc, index, writing, limit=10 * window)
            time.sleep(rng.uniform(0.0, 1.5 * publish_window))  # about a third land just after the publish
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        where = f"kill {attempts} ({mode}, seed {seed})"
        if code != -signal.SIGKILL:
            # The build finished before the signal: not a kill, but the index must still be the new one.
            name, problem = version_problem(index, real_embedder, {"new": current})
            assert problem is None, f"{where}, the build had finished (exit {code}): {problem}"
            previous = current
            continue
        modes[mode] += 1

        name, problem = version_problem(index, real_embedder, {"old": previous, "new": current})
        held = problem is None
        if name:
            outcomes[name] += 1
        problem = problem or complete_build(corpus.folder, index, log)
        if problem is None:
            name, problem = version_problem(index, real_embedder, {"new": current})
        leftovers = sorted(p.name for p in index.iterdir() if p.name.startswith(".tmp-"))
        if problem is None and leftovers:
            problem = f"temporary folders left after the next complete build: {leftovers}"
        case.check(held and problem is None, f"{where}: {problem}")
        if problem is not None:  # start the next kill from a known state
            shutil.rmtree(index, ignore_errors=True)
            complete_build(corpus.folder, index, log)
        previous = current

    print(
        f"sigkill: kills {modes['anywhere']} anywhere in a {window:.1f} s rebuild, {modes['at publish']} in or just "
        f"after its {publish_window:.3f} s of write and publish ({attempts - case.tried} builds ended first); "
        f"the index was then the old corpus {outcomes['old']} times, the new one {outcomes['new']} times"
    )
    assert case.tried == KILLS, f"only {case.tried} of {KILLS} kills landed before the build finished"
    case.assert_all_held()
