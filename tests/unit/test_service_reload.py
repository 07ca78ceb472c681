"""A serving `Service` follows the index on disk: a build published by another process (`qa index`)
is picked up without a restart, whole or not at all, and a generation that cannot be loaded leaves
the current one serving."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import qa
from qa.config import Settings
from qa.errors import UsageError
from qa.service import Service
from qa.store.layout import generation_dir
from tests.conftest import FakeEmbedder

QUESTION = "How many lanterns were launched at the Zorblax festival?"
ARTICLE = (
    "Zorblax festival opens\n\nPublished on: 2024/05/01\n\n"
    "The Zorblax festival in Quendor opened on Monday with 4,000 lanterns launched over the river.\n"
)


def cited(service: Service) -> set[str]:
    return {c.source for c in service.ask(QUESTION, 5).citations}


def test_a_build_by_another_process_is_served_after_refresh(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    qa.build(settings=settings, embedder=fake_embedder)
    service = Service(settings, embedder=fake_embedder)
    before = service.engine
    assert service.refresh() is False, "nothing changed: no switch"
    assert "zorblax.txt" not in {d["source"] for d in service.documents()}

    (Path(settings.seeds_dir) / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
    qa.build(settings=settings, embedder=FakeEmbedder())  # what `qa index` in another process does
    lines: list[str] = []
    assert service.refresh(lines.append) is True
    assert service.engine is not before
    assert service.engine.data.path == generation_dir(settings.index_dir)
    assert "zorblax.txt" in {d["source"] for d in service.documents()}
    assert "zorblax.txt" in cited(service)
    assert lines and "switched" in lines[0]


def test_a_generation_that_fails_to_load_leaves_the_old_one_serving(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    qa.build(settings=settings, embedder=fake_embedder)
    service = Service(settings, embedder=fake_embedder)
    before = service.engine
    (Path(settings.seeds_dir) / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
    qa.build(settings=settings, embedder=FakeEmbedder())
    # The new generation claims another model: loading it is refused.
    manifest = generation_dir(settings.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["model"]["name"] = "some/other-model"
    original = manifest.read_text(encoding="utf-8")
    manifest.write_text(json.dumps(data), encoding="utf-8")
    lines: list[str] = []
    assert service.refresh(lines.append) is False
    assert service.engine is before, "the old index keeps serving"
    assert service.ask(QUESTION, 3).question == QUESTION
    assert len(lines) == 1 and "not switching" in lines[0]
    assert service.refresh(lines.append) is False and len(lines) == 1, "a refused generation is reported once"
    # Mended (its file written again, or its permissions put right): tried again and served.
    manifest.write_text(original, encoding="utf-8")
    assert service.refresh(lines.append) is True
    assert "zorblax.txt" in cited(service)


def test_the_watcher_switches_within_seconds(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    qa.build(settings=settings, embedder=fake_embedder)
    service = Service(settings, embedder=fake_embedder)
    stop = service.watch(interval=0.1)
    try:
        assert service.watch() is stop, "one watcher per service"
        (Path(settings.seeds_dir) / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
        qa.build(settings=settings, embedder=FakeEmbedder())
        deadline = time.monotonic() + 5
        while "zorblax.txt" not in cited(service):
            assert time.monotonic() < deadline, "the server did not switch to the new index within 5 s"
            time.sleep(0.05)
    finally:
        stop.set()


def test_a_service_started_before_any_index_picks_up_the_first_build(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    service = Service(settings, embedder=fake_embedder)
    assert service.documents() == []
    qa.build(settings=settings, embedder=FakeEmbedder())
    assert service.refresh() is True
    assert len(service.documents()) == 5


def test_the_original_file_is_offered_only_as_indexed(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    qa.build(settings=settings, embedder=fake_embedder)
    service = Service(settings, embedder=fake_embedder)
    source = str(service.documents()[0]["source"])
    path = Path(settings.seeds_dir) / source
    assert service.original(source) == path.read_bytes()
    for other in ("../" + source, "nope.txt", "/etc/passwd", ""):
        with pytest.raises(UsageError, match="not in the index"):
            service.original(other)
    path.write_bytes(path.read_bytes() + b"\nA line added after the build.\n")
    with pytest.raises(UsageError, match="changed since it was indexed; rebuild"):
        service.original(source)
    path.unlink()
    with pytest.raises(UsageError, match="no longer in"):
        service.original(source)


def test_an_index_built_from_another_folder_is_rebuilt_from_that_folder(
    tmp_path: Path, seeds_copy: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`qa serve --index X` for an index built from `--seeds A` took seeds/ as its folder: the
    article view said A's files were "no longer in seeds/", and Rebuild removed every one of them."""
    from qa.cli import _settings, build_parser

    index = tmp_path / "index"
    qa.build(seeds_copy, index, embedder=fake_embedder)
    monkeypatch.delenv("QA_SEEDS_DIR", raising=False)
    (tmp_path / "elsewhere" / "seeds").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere")  # where seeds/ is not the folder the index was built from
    served = _settings(build_parser().parse_args(["serve", "--index", str(index)]))
    assert isinstance(served, Settings) and Path(served.seeds_dir) == seeds_copy.resolve()
    service = Service(served, embedder=fake_embedder)
    before = {d["source"] for d in service.documents()}
    report = service.rebuild()
    assert report.removed == [] and {d["source"] for d in service.documents()} == before
    first = sorted(before)[0]
    assert service.original(first) == (seeds_copy / first).read_bytes()
    # An update with no folder given goes on from the same one; a folder given is used as given.
    assert qa.build(index_dir=index, embedder=fake_embedder).removed == []
    monkeypatch.setenv("QA_INDEX_DIR", str(index))
    assert Path(Service(embedder=fake_embedder).settings.seeds_dir) == seeds_copy.resolve()
    given = _settings(build_parser().parse_args(["index", "--index", str(index), "--seeds", "seeds"]))
    assert isinstance(given, Settings) and Path(given.seeds_dir) == Path("seeds")


def test_a_generation_mended_while_it_was_loading_is_tried_again(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    """Its files' stamp is taken before the load: a stamp taken after a failed load of seconds
    recorded files mended meanwhile, and the mended generation was never tried again (a review)."""
    qa.build(settings=settings, embedder=fake_embedder)
    service = Service(settings, embedder=fake_embedder)
    (Path(settings.seeds_dir) / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
    qa.build(settings=settings, embedder=FakeEmbedder())
    manifest = generation_dir(settings.index_dir) / "manifest.json"
    original = manifest.read_text(encoding="utf-8")
    broken = json.loads(original)
    broken["model"]["name"] = "some/other-model"
    manifest.write_text(json.dumps(broken), encoding="utf-8")
    load = service._load

    def load_then_mend(generation: Path | None = None) -> object:
        try:
            return load(generation)
        finally:
            manifest.write_text(original, encoding="utf-8")  # mended while the failed load ran

    service._load = load_then_mend  # type: ignore[method-assign]
    assert service.refresh() is False
    service._load = load  # type: ignore[method-assign]
    assert service.refresh() is True
    assert "zorblax.txt" in cited(service)
