"""The query path for corpora larger than the candidate pool, and the switch to IVF above the flat
limit: same answers as exact scoring for distinctive questions, filters still honoured."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import qa
from qa.query.params import RetrievalParams
from qa.store import vectors as store_vectors
from tests.conftest import FakeEmbedder

WORDS = [
    "harbour",
    "council",
    "ferry",
    "budget",
    "school",
    "bridge",
    "railway",
    "museum",
    "festival",
    "river",
    "market",
    "tower",
    "garden",
    "library",
    "hospital",
    "stadium",
    "airport",
    "factory",
    "island",
    "valley",
    "mountain",
    "forest",
    "village",
    "canal",
    "castle",
    "cathedral",
    "theatre",
]


def write_corpus(root: Path, n_articles: int, seed: int = 7) -> list[tuple[str, str]]:
    """Articles of ten paragraphs each; one unique 'marker' sentence per article to ask about."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    markers = []
    for a in range(n_articles):
        paras = []
        for p in range(10):
            words = " ".join(rng.choice(WORDS) for _ in range(18))
            paras.append(f"The {words} was discussed at length by the committee in session {a}-{p}.")
        marker = f"Quartermaster{a} signed the zeppelin{a} accord with the orchard{a} guild."
        paras[5] = marker
        (root / f"a{a:03d}.txt").write_text(f"Article number {a}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        markers.append((f"a{a:03d}.txt", marker))
    return markers


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    root = tmp_path_factory.mktemp("big")
    markers = write_corpus(root / "seeds", 70)
    qa.build(root / "seeds", root / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    return root, markers


def test_corpus_is_larger_than_the_candidate_pool(big: tuple[Path, list[tuple[str, str]]]) -> None:
    engine = qa.load(big[0] / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    assert len(engine.data.chunks) > 2 * RetrievalParams().candidates, (
        "the test corpus must exercise the candidate path"
    )


def test_candidate_path_finds_the_unique_passage_first(big: tuple[Path, list[tuple[str, str]]]) -> None:
    root, markers = big
    engine = qa.load(root / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    for source, marker in markers[::7]:
        n = source[1:4].lstrip("0") or "0"
        d = engine.ask(f"Who signed the zeppelin{n} accord with the orchard{n} guild?", k=3, source=None)
        assert not d.abstained and d.citations[0].source == source, f"{source}: got {d.citations[0].source}"
        assert marker in d.citations[0].text
        text = (root / "seeds" / source).read_text(encoding="utf-8")
        c = d.citations[0]
        assert c.text == text[c.start_char : c.end_char] and c.highlight.text == marker


def test_source_filter_on_the_candidate_path(big: tuple[Path, list[tuple[str, str]]]) -> None:
    root, _ = big
    engine = qa.load(root / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    d = engine.ask("Who signed the zeppelin3 accord with the orchard3 guild?", k=5, source="a06*.txt")
    cited = {c.source for c in d.citations + d.nearest}
    assert cited and all(s.startswith("a06") for s in cited), cited


def test_above_the_flat_limit_the_index_is_ivf_and_still_finds_the_passage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    markers = write_corpus(tmp_path / "seeds", 30, seed=3)
    monkeypatch.setattr(store_vectors, "FLAT_LIMIT", 50)
    qa.build(tmp_path / "seeds", tmp_path / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    gen = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
    assert json.loads((gen / "manifest.json").read_text())["faiss"]["type"] == "IndexIVFScalarQuantizer"
    engine = qa.load(tmp_path / "index", embedder=FakeEmbedder(), settings=qa.Settings(chunk_tokens=40))
    assert engine.data.faiss.nprobe == store_vectors.ivf_probes(engine.data.faiss.nlist)
    source, marker = markers[11]
    d = engine.ask("Who signed the zeppelin11 accord with the orchard11 guild?", k=3)
    assert d.citations[0].source == source and marker in d.citations[0].text
