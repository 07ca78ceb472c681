"""Fixtures for the reliability cases (issue 7): a tally of tried/held cases, the real model once per
session, a seeds index built with it, and the live chat server of the UI tests.

`QA_STRESS=1` (`make stress`) turns every case into its long, repeated variant; without it the cases
are small enough for `make test`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import qa
from tests.conftest import SEEDS
from tests.ui.conftest import live_server  # noqa: F401  (the same fixture, one server for these tests)

STRESS = os.environ.get("QA_STRESS", "").strip() not in ("", "0")


def scaled(default: int, stressed: int) -> int:
    """`default` repetitions in `make test`, `stressed` under QA_STRESS=1."""
    return stressed if STRESS else default


@dataclass
class Case:
    name: str
    tried: int = 0
    held: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> bool:
        """Count one attempt; remember what went wrong if it did not hold."""
        self.tried += 1
        if ok:
            self.held += 1
        else:
            self.failures.append(what)
        return ok

    def line(self) -> str:
        return f"{self.name}: {self.tried} tried, {self.held} held"

    def assert_all_held(self) -> None:
        print(self.line())
        assert self.tried > 0, f"{self.name}: nothing was tried"
        assert not self.failures, f"{self.line()}; failures:\n" + "\n".join(f"  - {f}" for f in self.failures)


_TALLY: dict[str, Case] = {}


@pytest.fixture
def tally() -> Any:
    """`tally("name")` returns the Case counter for a row of the summary table."""

    def case(name: str) -> Case:
        return _TALLY.setdefault(name, Case(name))

    return case


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: issue 7 reliability cases (QA_STRESS=1 for the long variants)")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist (`make test`) a worker hands its tally to the controller, which prints the
    table (`tests/conftest.py`, `pytest_testnodedown`): each worker's own is lost with it."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["qa_reliability"] = [(c.name, c.tried, c.held) for c in _TALLY.values()]


def add_tally(rows: list[tuple[str, int, int]]) -> None:
    """A worker's tally (`pytest_sessionfinish`) added to this process's."""
    for name, tried, held in rows:
        case = _TALLY.setdefault(name, Case(name))
        case.tried, case.held = case.tried + tried, case.held + held


def summary(terminalreporter: Any) -> None:
    """The reliability table at the end of the run (`tests/conftest.py`, `pytest_terminal_summary`)."""
    if not _TALLY:
        return
    tr = terminalreporter
    tr.section(f"reliability ({'stress' if STRESS else 'fast'})")
    width = max(len(c.name) for c in _TALLY.values())
    tr.write_line(f"{'case':<{width}} | tried | held")
    for c in _TALLY.values():
        tr.write_line(f"{c.name:<{width}} | {c.tried:>5} | {c.held:>4}")


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    """The packaged MiniLM model, loaded once for all reliability cases in this process."""
    from qa.config import Settings
    from qa.embed.create import create

    embedder = create(Settings())
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Iterator[Path]:
    """An index of the shipped seeds built with the real model."""
    index_dir = tmp_path_factory.mktemp("reliability-seeds") / "embeddings"
    report = qa.build(SEEDS, index_dir, embedder=real_embedder)
    assert report.chunks > 20, report.summary()
    yield index_dir
