"""Peer systems for bench/run.py, each over the same passages and the same MiniLM model as qa.

- LangChain's FAISS vector store (`langchain-community`), fed by a small `Embeddings` wrapper around
  the very SentenceTransformer the raw baseline uses (normalised vectors, inner product = cosine).
- txtai's `Embeddings(path=<packaged model folder>, content=True, hybrid=True)`: dense + BM25 fusion
  as txtai does it, with txtai's own loading of the same model folder.

Each peer gives `search(question, k) -> [passage index]`. Import errors surface as ImportError so the
caller can report a peer as not installed (`pip install -e '.[bench]'`) and go on without it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LangChainFaiss:
    name = "LangChain FAISS"

    def __init__(self, model: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # langchain-community announces its own sunset on import
            from langchain_community.vectorstores import FAISS
            from langchain_community.vectorstores.utils import DistanceStrategy
            from langchain_core.embeddings import Embeddings

        class SameModel(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
                return [list(map(float, v)) for v in vectors]

            def embed_query(self, text: str) -> list[float]:
                vector = model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
                return list(map(float, vector))

        self._faiss = FAISS
        self._strategy = DistanceStrategy.MAX_INNER_PRODUCT
        self._embeddings = SameModel()
        self._store: Any = None
        self.load_seconds = 0.0  # the model is the raw baseline's, already loaded

    def build(self, texts: list[str]) -> float:
        t0 = time.perf_counter()
        self._store = self._faiss.from_texts(
            texts, self._embeddings, metadatas=[{"i": i} for i in range(len(texts))], distance_strategy=self._strategy
        )
        return time.perf_counter() - t0

    def search(self, question: str, k: int) -> list[int]:
        return [int(doc.metadata["i"]) for doc in self._store.similarity_search(question, k=k)]


class TxtaiHybrid:
    name = "txtai hybrid"

    def __init__(self, model_path: Path) -> None:
        from txtai import Embeddings

        t0 = time.perf_counter()
        self._embeddings = Embeddings(path=str(model_path), content=True, hybrid=True)
        self._embeddings.transform("warm up")  # txtai loads the weights on first use: keep that out of build()
        self.load_seconds = time.perf_counter() - t0

    def build(self, texts: list[str]) -> float:
        t0 = time.perf_counter()
        self._embeddings.index([(i, text, None) for i, text in enumerate(texts)])
        return time.perf_counter() - t0

    def search(self, question: str, k: int) -> list[int]:
        return [int(row["id"]) for row in self._embeddings.search(question, k)]


def make_peers(model: Any, model_path: Path) -> tuple[list[Any], dict[str, str]]:
    """The peers that can be imported here, and why each other one cannot."""
    peers: list[Any] = []
    missing: dict[str, str] = {}
    factories: list[tuple[str, Callable[[], Any]]] = [
        (LangChainFaiss.name, lambda: LangChainFaiss(model)),
        (TxtaiHybrid.name, lambda: TxtaiHybrid(model_path)),
    ]
    for name, factory in factories:
        try:
            peers.append(factory())
        except ImportError as err:
            missing[name] = f"not installed ({err.name or err}); `pip install -e '.[bench]'` or `make bench`"
    return peers, missing
