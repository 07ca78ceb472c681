"""A live chat server for the UI tests: the real model, a private copy of the seeds and its own index,
started in this process on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.config import Settings
from qa.service import Service
from tests.conftest import SEEDS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    service: Service
    seeds: Path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import build_app
    from ui.server import launch

    root = tmp_path_factory.mktemp("live")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    service = Service(Settings(seeds_dir=seeds, index_dir=root / "embeddings"))
    service.rebuild()
    app = build_app(service)
    port = free_port()
    running = launch(app, "127.0.0.1", port, block=False, service=service)
    try:
        yield LiveServer(running.url, service, seeds)
    finally:
        running.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
