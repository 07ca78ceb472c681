"""The query tests' engine: the seed articles indexed with the fake embedder, once per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qa
from qa.query.engine import Engine
from tests.conftest import SEEDS, FakeEmbedder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("query") / "seeds"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="module")
def engine(corpus: Path) -> Engine:
    index_dir = corpus.parent / "index"
    qa.build(corpus, index_dir, embedder=FakeEmbedder())
    return qa.load(index_dir, embedder=FakeEmbedder())
