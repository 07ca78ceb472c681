"""The index on disk: manifest, incremental builds, atomic publish, checks on load, skipped files.

Every build here uses the hashing `FakeEmbedder` (conftest.py), never the real model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

import qa
from qa.config import Settings
from qa.errors import CorpusError, IndexInvalidError, IndexMissingError
from qa.indexing.report import BuildReport
from qa.store.layout import (
    CHUNKS_FILE,
    CURRENT,
    DATA_FILES,
    DOCUMENTS_FILE,
    FAISS_FILE,
    FORMAT_VERSION,
    MANIFEST,
    TEXTS_FILE,
)
from tests.conftest import FakeEmbedder, read_6bit

QUESTIONS = [
    "Since when has Kim been calling the Russian leader a comrade?",
    "Why are North Korea's relations with China cooling?",
    "What happened to the bronze footprints in Dalian?",
]

# A paragraph that the source analysis keeps as article text (a long sentence of prose).
EXTRA_PARAGRAPH = (
    "\n\nIn a separate development, officials in Seoul said on Friday that a new railway link between the "
    "two capitals would be inspected by engineers from both countries before the end of the coming winter.\n"
)

NEW_ARTICLE = (
    "Harbour reopening draws crowds\n\nPublished on: 2024/11/02 09:00\n\n"
    "The fishing harbour of the eastern port reopened on Saturday after two years of repairs, and hundreds of "
    "residents came to watch the first boats leave before dawn.\n\n"
    "Local officials said the new breakwater would protect the fleet from the winter storms that damaged the old "
    "quay, and that the market beside it would open again next month.\n"
)


# --------------------------------------------------------------------------------------------------
# Helpers


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def live_generation(index_dir: Path) -> Path:
    name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    return index_dir / name


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.is_dir() and re.fullmatch(r"gen-\d{8}T\d{6}-[0-9a-f]{8}", p.name)}


def manifest_of(index_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((live_generation(index_dir) / MANIFEST).read_text(encoding="utf-8"))
    return data


def stored_documents(gen: Path) -> list[dict[str, Any]]:
    """documents.jsonl's rows, each with its text read from texts.utf8 at its byte range."""
    blob = (gen / TEXTS_FILE).read_bytes()
    docs = [json.loads(line) for line in (gen / DOCUMENTS_FILE).read_text(encoding="utf-8").splitlines()]
    for doc in docs:
        assert "text" not in doc, "the text belongs in texts.utf8, not in documents.jsonl"
        start, end = doc["text_bytes"]
        doc["text"] = blob[start:end].decode("utf-8")
    covered = sorted(tuple(d["text_bytes"]) for d in docs)
    # the ranges tile the file: each starts where the one before ended, the last ends at its end
    assert [a for a, _ in covered] == [0] + [b for _, b in covered[:-1]]
    assert not covered or covered[-1][1] == len(blob)
    return docs


def chunk_rows(gen: Path) -> list[dict[str, Any]]:
    """The stored passage table as dicts, each naming its file (the table stores document numbers)."""
    docs = stored_documents(gen)
    table = np.load(gen / CHUNKS_FILE, allow_pickle=False)
    assert table.dtype == np.int64 and table.ndim == 2 and table.shape[1] == 5, table.shape
    return [
        {"source": docs[d]["source"], "start": a, "end": b, "start_line": first, "end_line": last}
        for d, a, b, first, last in table.tolist()
    ]


def vectors_by_chunk(gen: Path) -> dict[tuple[str, int, int], np.ndarray]:
    """(source, start, end) -> the vector stored for that chunk, read back from index.faiss."""
    rows = chunk_rows(gen)
    index = faiss.read_index(str(gen / FAISS_FILE))
    vectors = index.reconstruct_n(0, index.ntotal)
    assert len(rows) == index.ntotal, f"{gen}: {len(rows)} chunk rows but {index.ntotal} vectors"
    return {(r["source"], r["start"], r["end"]): vectors[i] for i, r in enumerate(rows)}


def answers(index_dir: Path, questions: list[str] = QUESTIONS) -> list[dict[str, Any]]:
    engine = qa.load(index_dir, embedder=FakeEmbedder())
    return [engine.ask(q, k=3).to_dict() for q in questions]


def build(seeds: Path, index_dir: Path, embedder: FakeEmbedder | None = None, **settings: Any) -> BuildReport:
    return qa.build(
        seeds,
        index_dir,
        embedder=embedder or FakeEmbedder(),
        settings=Settings(**settings) if settings else None,
    )


class ExplodingEmbedder(FakeEmbedder):
    """A model that dies while encoding (out of memory, killed worker ...)."""

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        raise RuntimeError("the model crashed while encoding")

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        raise RuntimeError("the model crashed while encoding")


def pooled_vector(text: str, start: int, end: int) -> np.ndarray:
    """What a "pooled" build stores for passage [start, end): the normalised mean of the token states
    of the sentences it holds, each sentence run through the model on its own."""
    from qa.chunking import sentence_spans

    sums, _ = FakeEmbedder().token_sums([text[a:b] for a, b in sentence_spans(text, start, end)])
    v = sums.sum(axis=0)
    return v / np.linalg.norm(v)


class WideEmbedder(FakeEmbedder):
    """Same model name, another vector size."""

    dimension = 384


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(seeds_copy: Path, index_dir: Path) -> Path:
    """seeds_copy indexed once into index_dir."""
    build(seeds_copy, index_dir)
    return index_dir


# --------------------------------------------------------------------------------------------------
# What a build writes


def test_manifest_records_format_model_chunking_file_hashes_counts_and_checksums(
    seeds_copy: Path, index_dir: Path
) -> None:
    fake = FakeEmbedder()
    report = build(seeds_copy, index_dir, fake)
    gen = live_generation(index_dir)
    manifest = manifest_of(index_dir)

    assert manifest["format_version"] == FORMAT_VERSION, "manifest lacks the index format version"
    expected_model = {"name": fake.name, "dimension": fake.dimension, "backend": Settings().backend}
    assert manifest["model"] == expected_model, "manifest names the wrong model"
    expected_chunking = Settings().chunking()
    assert manifest["chunking"] == expected_chunking, "manifest does not record the chunking settings"
    assert manifest["chunking"]["chunk_tokens"] == Settings().chunk_tokens
    assert manifest["chunking"]["chunk_overlap"] == Settings().chunk_overlap

    seed_files = sorted(p.name for p in seeds_copy.iterdir() if p.suffix == ".txt")
    assert sorted(manifest["files"]) == seed_files, "manifest does not list exactly the corpus files"
    for name in seed_files:
        assert manifest["files"][name]["sha256"] == sha256_of(seeds_copy / name), f"wrong sha256 for {name}"

    rows = chunk_rows(gen)
    ntotal = faiss.read_index(str(gen / FAISS_FILE)).ntotal
    assert manifest["counts"]["documents"] == len(seed_files)
    assert manifest["counts"]["chunks"] == len(rows) == ntotal == report.chunks, "chunk counts disagree"
    assert sum(f["chunks"] for f in manifest["files"].values()) == len(rows), "per-file chunk counts do not add up"
    sentences = manifest["counts"]["sentences"]
    assert sum(f["sentences"] for f in manifest["files"].values()) == sentences
    assert fake.encoded == sentences, "a first build must run the model once over each sentence, not over passages"

    on_disk = {p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file() and p.name != MANIFEST}
    assert set(manifest["checksums"]) == on_disk, "every data file must have a checksum"
    assert set(DATA_FILES) <= on_disk
    for name in on_disk:
        assert manifest["checksums"][name] == sha256_of(gen / name), f"checksum of {name} is not its sha256"


def test_current_names_the_live_generation_folder(built: Path) -> None:
    name = (built / CURRENT).read_text(encoding="utf-8").strip()
    assert name.startswith("gen-") and "/" not in name, f"CURRENT holds {name!r}, not a generation name"
    gen = built / name
    assert gen.is_dir(), "CURRENT points at a folder that does not exist"
    assert {p.name for p in gen.iterdir()} == {MANIFEST, "bm25", *DATA_FILES}, "the generation is not complete"
    assert generations(built) == {name}, "a first build left other generations behind"


def test_index_holds_no_pickle_files(built: Path) -> None:
    pickle_magic = {b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"}
    for path in built.rglob("*"):
        if not path.is_file():
            continue
        assert path.suffix not in (".pkl", ".pickle", ".npz"), f"{path} is a pickle file"
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises if the array holds pickled objects
        assert path.read_bytes()[:2] not in pickle_magic, f"{path} starts like a pickle"
    gen = live_generation(built)
    for name in (MANIFEST, DOCUMENTS_FILE):
        text = (gen / name).read_text(encoding="utf-8")
        if name == MANIFEST:
            json.loads(text)
        else:
            for line in text.splitlines():
                json.loads(line)  # every line is plain JSON


def test_stored_document_text_is_the_file_as_python_reads_it(seeds_copy: Path, built: Path) -> None:
    gen = live_generation(built)
    docs = stored_documents(gen)
    assert docs, "no documents stored"
    for doc in docs:
        on_disk = (seeds_copy / doc["source"]).open(encoding="utf-8-sig").read()
        assert doc["text"] == on_disk, f"stored text of {doc['source']} differs from the file: offsets would drift"
        assert doc["sha256"] == sha256_of(seeds_copy / doc["source"])
    for row in chunk_rows(gen):
        text = next(d["text"] for d in docs if d["source"] == row["source"])
        assert 0 <= row["start"] < row["end"] <= len(text), f"chunk {row} lies outside its file"
        assert row["start_line"] == text.count("\n", 0, row["start"]) + 1
        assert row["end_line"] == text.count("\n", 0, row["end"] - 1) + 1


def test_stored_vectors_are_the_embeddings_of_their_own_chunks(seeds_copy: Path, built: Path) -> None:
    gen = live_generation(built)
    texts = {p.name: p.open(encoding="utf-8-sig").read() for p in seeds_copy.iterdir()}
    for (source, start, end), vector in vectors_by_chunk(gen).items():
        expected = pooled_vector(texts[source], start, end)
        assert np.allclose(vector, expected, atol=1e-6), f"vector of {source}[{start}:{end}] belongs to another chunk"


def test_stored_sentence_vectors_are_the_embeddings_of_their_own_sentences(seeds_copy: Path, built: Path) -> None:
    gen = live_generation(built)
    docs = stored_documents(gen)
    spans = np.load(gen / "sentences.npy")
    codes, scales = np.load(gen / "sentence_vectors.npy"), np.load(gen / "sentence_scales.npy")
    assert codes.dtype == np.uint8 and scales.shape == (len(codes),)
    fresh = FakeEmbedder()
    dim = fresh.dimension
    vectors = (read_6bit(codes, dim) - 32) * scales[:, None]
    assert len(spans) == len(vectors) > 0
    for (d, a, b), vector in zip(spans.tolist(), vectors, strict=True):
        expected = fresh.encode([docs[d]["text"][a:b]])[0]
        # 6-bit rounding: each entry within half a step (the step is the row's largest entry / 31)
        step = np.abs(expected).max() / 31
        where = f"{docs[d]['source']}[{a}:{b}]"
        assert np.abs(vector - expected).max() <= step / 2 + 1e-6, f"sentence {where} has another vector"


def test_encoded_passage_vectors_run_the_model_over_every_passage_and_sentence(
    seeds_copy: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "encoded"
    fake = FakeEmbedder()
    build(seeds_copy, index_dir, fake, passage_vectors="encoded")
    manifest = manifest_of(index_dir)
    assert manifest["passage_vectors"] == "encoded"
    assert fake.encoded == manifest["counts"]["chunks"] + manifest["counts"]["sentences"]
    texts = {p.name: p.open(encoding="utf-8-sig").read() for p in seeds_copy.iterdir()}
    fresh = FakeEmbedder()
    for (source, start, end), vector in vectors_by_chunk(live_generation(index_dir)).items():
        expected = fresh.encode([texts[source][start:end]])[0]
        assert np.allclose(vector, expected, atol=1e-6), f"vector of {source}[{start}:{end}] is not its encoding"

    # Switching back is a full rebuild: vectors made one way are never mixed with the other.
    again = FakeEmbedder()
    report = build(seeds_copy, index_dir, again, passage_vectors="pooled")
    assert sorted(report.added) == sorted(texts) and again.encoded == manifest_of(index_dir)["counts"]["sentences"]


# --------------------------------------------------------------------------------------------------
# Incremental builds


def test_rebuild_with_nothing_changed_is_up_to_date_and_encodes_nothing(seeds_copy: Path, built: Path) -> None:
    before_current = (built / CURRENT).read_text(encoding="utf-8")
    before_entries = sorted(p.name for p in built.iterdir())
    gen = live_generation(built)
    before_mtimes = {p.name: p.stat().st_mtime_ns for p in gen.iterdir()}

    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake)

    assert report.up_to_date, "an unchanged corpus was not reported up to date"
    assert fake.encoded == 0, f"an up-to-date build encoded {fake.encoded} texts"
    assert "up to date" in report.summary()
    assert report.unchanged == sorted(p.name for p in seeds_copy.iterdir())
    assert not (report.added or report.changed or report.removed)
    assert report.chunks == manifest_of(built)["counts"]["chunks"]
    assert (built / CURRENT).read_text(encoding="utf-8") == before_current, "CURRENT moved on a no-op build"
    assert sorted(p.name for p in built.iterdir()) == before_entries, "a no-op build changed the index folder"
    assert {p.name: p.stat().st_mtime_ns for p in gen.iterdir()} == before_mtimes, "a no-op build rewrote files"


def insert_into_article(path: Path, paragraph: str) -> None:
    """Add `paragraph` after the article's first paragraph of prose (text after a page's footer is
    not the article, so appending it would not do)."""
    text = path.read_text(encoding="utf-8")
    first = next(m for m in re.finditer(r"[^\n]{200,}\n", text))
    path.write_text(text[: first.end() - 1] + paragraph.rstrip("\n") + text[first.end() - 1 :], encoding="utf-8")


def test_modified_file_is_the_only_one_reencoded_and_others_keep_their_vectors(seeds_copy: Path, built: Path) -> None:
    old_gen = live_generation(built)
    old_vectors = vectors_by_chunk(old_gen)
    target = "004_df8baabb5d59f1c4.txt"
    insert_into_article(seeds_copy / target, EXTRA_PARAGRAPH)

    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake)
    new_gen = live_generation(built)
    assert new_gen != old_gen, "a changed corpus was not published as a new generation"

    assert report.changed == [target]
    assert report.added == [] and report.removed == []
    assert sorted(report.unchanged) == sorted(p.name for p in seeds_copy.iterdir() if p.name != target)

    manifest = manifest_of(built)
    target_rows = [r for r in chunk_rows(new_gen) if r["source"] == target]
    expected = manifest["files"][target]["sentences"]
    assert len(target_rows) == manifest["files"][target]["chunks"]
    assert fake.encoded == expected, (
        f"expected only the {expected} sentences of {target} to be encoded, got {fake.encoded}"
    )
    assert manifest["files"][target]["sha256"] == sha256_of(seeds_copy / target)

    new_vectors = vectors_by_chunk(new_gen)
    kept_old = {key: v for key, v in old_vectors.items() if key[0] != target}
    kept_new = {key: v for key, v in new_vectors.items() if key[0] != target}
    assert kept_old.keys() == kept_new.keys(), "unchanged files lost or gained chunks"
    for key, vector in kept_old.items():
        assert np.array_equal(vector, kept_new[key]), f"vector of unchanged chunk {key} changed"

    text = (seeds_copy / target).open(encoding="utf-8-sig").read()
    assert any("railway link" in text[r["start"] : r["end"]] for r in target_rows), "the new paragraph is not indexed"
    for r in target_rows:
        expected = pooled_vector(text, r["start"], r["end"])
        got = new_vectors[(target, r["start"], r["end"])]
        assert np.allclose(got, expected, atol=1e-6), f"re-encoded chunk {r} got another chunk's vector"


def test_deleted_file_is_dropped_from_manifest_chunks_and_answers(seeds_copy: Path, built: Path) -> None:
    gone = "002_299aeecd3ab3c2fd.txt"
    (seeds_copy / gone).unlink()
    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake)

    assert report.removed == [gone]
    assert fake.encoded == 0, "deleting a file re-encoded the others"
    gen = live_generation(built)
    manifest = manifest_of(built)
    assert gone not in manifest["files"], "a deleted file is still in the manifest"
    assert manifest["counts"]["documents"] == 4
    rows = chunk_rows(gen)
    assert all(r["source"] != gone for r in rows), "chunks of a deleted file are still indexed"
    assert manifest["counts"]["chunks"] == len(rows) == faiss.read_index(str(gen / FAISS_FILE)).ntotal
    for a in answers(built, [*QUESTIONS, "North beefing up ties with its traditional allies"]):
        assert all(c["source"] != gone for c in a["citations"]), "a deleted file is still cited"


def test_added_file_is_indexed_with_its_relative_path(seeds_copy: Path, built: Path) -> None:
    (seeds_copy / "local").mkdir()
    new = seeds_copy / "local" / "harbour.txt"
    new.write_text(NEW_ARTICLE, encoding="utf-8")
    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake)

    assert report.added == ["local/harbour.txt"], "a new file in a subfolder was not added under its / path"
    assert report.changed == [] and report.removed == []
    manifest = manifest_of(built)
    assert manifest["files"]["local/harbour.txt"]["sha256"] == sha256_of(new)
    rows = [r for r in chunk_rows(live_generation(built)) if r["source"] == "local/harbour.txt"]
    assert rows, "the added file has no chunks"
    assert fake.encoded == manifest["files"]["local/harbour.txt"]["sentences"], "adding one file re-encoded others"
    engine = qa.load(built, embedder=FakeEmbedder())
    answer = engine.ask("The fishing harbour of the eastern port reopened on Saturday after two years of repairs", k=1)
    assert answer.citations[0].source == "local/harbour.txt", "the added article is not retrievable"


def test_changing_chunk_settings_rebuilds_every_file(seeds_copy: Path, built: Path) -> None:
    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake, chunk_tokens=64, chunk_overlap=16)

    assert not report.up_to_date
    assert sorted(report.added) == sorted(p.name for p in seeds_copy.iterdir()), "not every file was re-chunked"
    manifest = manifest_of(built)
    assert manifest["chunking"]["chunk_tokens"] == 64 and manifest["chunking"]["chunk_overlap"] == 16
    assert fake.encoded == manifest["counts"]["sentences"], "a full rebuild must encode every sentence"

    again = FakeEmbedder()
    assert build(seeds_copy, built, again, chunk_tokens=64, chunk_overlap=16).up_to_date
    assert again.encoded == 0


def test_an_index_whose_bm25_tokens_were_made_otherwise_is_rebuilt(
    seeds_copy: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questions are tokenised as the code does now: an index of other tokens (before Chinese runs were
    read as character pairs) would match none of their words, so it is built again."""
    from qa.indexing import plan

    monkeypatch.setattr(plan, "TOKENS_VERSION", plan.TOKENS_VERSION + 1)
    report = build(seeds_copy, built, FakeEmbedder())
    assert not report.up_to_date
    assert sorted(report.added) == sorted(p.name for p in seeds_copy.iterdir())
    assert manifest_of(built)["bm25_tokens"] == plan.TOKENS_VERSION


def test_damaged_previous_index_is_rebuilt_in_full(seeds_copy: Path, built: Path) -> None:
    faiss_file = live_generation(built) / FAISS_FILE
    faiss_file.write_bytes(faiss_file.read_bytes()[:-10])
    fake = FakeEmbedder()
    report = build(seeds_copy, built, fake)
    assert not report.up_to_date, "a damaged index was reported up to date"
    counts = manifest_of(built)["counts"]
    assert fake.encoded == counts["sentences"]
    assert answers(built)  # loads and answers


# --------------------------------------------------------------------------------------------------
# Atomic publish and failure safety


def test_build_whose_model_crashes_leaves_previous_index_serving(seeds_copy: Path, built: Path) -> None:
    before = answers(built)
    current = (built / CURRENT).read_text(encoding="utf-8")
    entries = sorted(p.name for p in built.iterdir())
    with (seeds_copy / "000_eca4ee2b1510ed46.txt").open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH)

    with pytest.raises(RuntimeError, match="crashed"):
        build(seeds_copy, built, ExplodingEmbedder())

    assert (built / CURRENT).read_text(encoding="utf-8") == current, "a failed build moved CURRENT"
    assert sorted(p.name for p in built.iterdir()) == entries, "a failed build left files behind"
    assert answers(built) == before, "the previous index answers differently after a failed build"


def test_build_that_fails_while_writing_leaves_no_temp_folder_and_old_index(
    seeds_copy: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = answers(built)
    current = (built / CURRENT).read_text(encoding="utf-8")
    with (seeds_copy / "000_eca4ee2b1510ed46.txt").open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH)

    def disk_full(index: object, path: str) -> None:
        Path(path).write_bytes(b"IxF")  # a partial file, then the disk fills up; faiss says so as a review saw
        raise RuntimeError(
            "Error in void faiss::write_index(const Index*, IOWriter*, int) at impl/index_write.cpp:1000: "
            f"write error in {path}: 139219 != 168960 (No space left on device)"
        )

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(qa.IndexWriteError, match="disk is full"):
        build(seeds_copy, built)
    monkeypatch.undo()

    assert not list(built.glob(".tmp-*")), "a build that failed while writing left its temporary folder"
    assert (built / CURRENT).read_text(encoding="utf-8") == current
    assert answers(built) == before, "the previous index answers differently after a failed write"


def test_corpus_without_usable_files_raises_and_keeps_previous_index(seeds_copy: Path, built: Path) -> None:
    before = answers(built)
    entries = sorted(p.name for p in built.iterdir())
    for p in seeds_copy.iterdir():
        p.unlink()
    (seeds_copy / "empty.txt").write_bytes(b"")

    fake = FakeEmbedder()
    with pytest.raises(CorpusError, match="No usable") as refused:
        build(seeds_copy, built, fake)
    # why, in the message itself: a new user saw "No usable articles" over a folder of .txt files
    assert "(1 skipped: empty.txt: the file is empty)" in str(refused.value), refused.value
    assert fake.encoded == 0
    assert sorted(p.name for p in built.iterdir()) == entries, "a refused build changed the index folder"
    assert answers(built) == before, "the previous index answers differently after a refused build"


def test_next_successful_build_removes_stray_temp_folders_and_keeps_one_previous_generation(
    seeds_copy: Path, built: Path
) -> None:
    first = live_generation(built).name
    # What a build killed mid-write leaves behind.
    stray = built / ".tmp-deadbeef0000"
    stray.mkdir()
    (stray / CHUNKS_FILE).write_text('{"source": "x"', encoding="utf-8")
    (built / f".{CURRENT}.deadbeef").write_text("gen-nothing\n", encoding="utf-8")
    # A user's own folders in the index folder are not qa's to remove (they were deleted).
    for own in ("gen-2024", ".tmp-drafts", "gen-photos"):
        (built / own).mkdir()
        (built / own / "notes.txt").write_text("mine", encoding="utf-8")

    target = seeds_copy / "001_c6d03c536ddbb592.txt"
    with target.open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH)
    build(seeds_copy, built)
    second = live_generation(built).name
    assert [p.name for p in built.glob(".tmp-*")] == [".tmp-drafts"], "a stray temporary folder survived"
    assert all((built / own / "notes.txt").is_file() for own in ("gen-2024", ".tmp-drafts", "gen-photos"))
    assert not list(built.glob(f".{CURRENT}.*")), "a stray CURRENT temp file survived a successful build"
    assert generations(built) == {first, second}, "the generation that was live until now must be kept"

    with target.open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH.replace("railway", "road"))
    build(seeds_copy, built)
    third = live_generation(built).name
    assert len({first, second, third}) == 3
    assert generations(built) == {second, third}, "generations older than the previous one were not removed"
    # A reader that resolved CURRENT just before the flip can still open the previous generation.
    engine = qa.load(built / second, embedder=FakeEmbedder())
    assert engine.ask(QUESTIONS[0]).citations


# --------------------------------------------------------------------------------------------------
# Checks on load


def test_loading_a_missing_index_says_to_run_qa_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="qa index"):
        qa.load(tmp_path / "nowhere", embedder=FakeEmbedder())
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError, match="qa index"):
        qa.load(tmp_path / "empty", embedder=FakeEmbedder())


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", [_flip_middle_byte, _truncate], ids=["flipped-byte", "truncated"])
@pytest.mark.parametrize("name", DATA_FILES)
def test_damaged_data_file_is_refused_on_load(built: Path, name: str, damage: Any) -> None:
    damage(live_generation(built) / name)
    with pytest.raises(IndexInvalidError, match="qa index") as err:
        qa.load(built, embedder=FakeEmbedder())
    assert name in str(err.value), f"the error does not name the damaged file {name}"


@pytest.mark.parametrize("name", DATA_FILES)
def test_missing_data_file_is_refused_on_load(built: Path, name: str) -> None:
    (live_generation(built) / name).unlink()
    with pytest.raises(IndexInvalidError, match="qa index") as err:
        qa.load(built, embedder=FakeEmbedder())
    assert "missing" in str(err.value)


@pytest.mark.parametrize("name", DATA_FILES)
def test_an_index_file_that_cannot_be_read_is_one_line_naming_it(built: Path, name: str) -> None:
    """A new user's `chmod 000` index file (run without root's overrides) was a PermissionError
    traceback; a directory in its place fails to read the same way, as root too."""
    path = live_generation(built) / name
    path.unlink()
    path.mkdir()
    with pytest.raises(IndexInvalidError, match="qa index") as err:
        qa.load(built, embedder=FakeEmbedder())
    assert name in str(err.value) and "\n" not in str(err.value)


def test_a_read_that_fails_says_why_and_what_to_do() -> None:
    """Permissions (a new user's `chmod 000`) say to check them; another failure (a generation swapped
    away mid-read) to try again; both to rebuild if that fails (a review: ENOENT was told to check
    permissions)."""
    import errno

    from qa.store.layout import unreadable

    denied = unreadable(Path("idx"), PermissionError(errno.EACCES, "Permission denied", "idx/CURRENT"))
    assert str(denied).startswith("Cannot read idx/CURRENT: Permission denied; check that you may read")
    gone = unreadable(Path("idx"), FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert str(gone).startswith("Cannot read idx: No such file or directory; try again") and "qa index" in str(gone)


def _edit_manifest(index_dir: Path, **changes: Any) -> None:
    path = live_generation(index_dir) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    "changes",
    [
        {"model": {"name": "sentence-transformers/all-mpnet-base-v2", "dimension": 64}},
        {"model": {"name": FakeEmbedder.name, "dimension": 768}},
        {"format_version": FORMAT_VERSION + 1},
        {"model": "all-MiniLM-L6-v2"},
        {"checksums": ["not", "a", "mapping"]},
    ],
    ids=["other-model-name", "other-dimension", "other-format", "model-not-a-mapping", "checksums-not-a-mapping"],
)
def test_manifest_of_another_model_or_format_is_refused(built: Path, changes: dict[str, Any]) -> None:
    _edit_manifest(built, **changes)
    with pytest.raises(IndexInvalidError, match="qa index"):
        qa.load(built, embedder=FakeEmbedder())


def test_unreadable_manifest_is_refused(built: Path) -> None:
    (live_generation(built) / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexInvalidError, match="qa index"):
        qa.load(built, embedder=FakeEmbedder())


def test_loading_with_an_embedder_of_another_dimension_is_refused(built: Path) -> None:
    with pytest.raises(IndexInvalidError, match="qa index") as err:
        qa.load(built, embedder=WideEmbedder())
    assert "384" in str(err.value) and "64" in str(err.value), "the error does not state both dimensions"


def test_current_pointing_at_a_missing_generation_is_refused(built: Path) -> None:
    shutil.rmtree(live_generation(built))
    with pytest.raises(IndexInvalidError, match="qa index"):
        qa.load(built, embedder=FakeEmbedder())


# --------------------------------------------------------------------------------------------------
# Files that are skipped

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_binary_empty_and_outside_link_files_are_skipped_with_reasons(seeds_copy: Path, tmp_path: Path) -> None:
    (seeds_copy / "picture.txt").write_bytes(PNG_BYTES)
    (seeds_copy / "empty.txt").write_bytes(b"")
    outside = tmp_path / "outside.txt"
    outside.write_text(NEW_ARTICLE, encoding="utf-8")
    os.symlink(outside, seeds_copy / "escape.txt")
    index_dir = tmp_path / "index"

    report = build(seeds_copy, index_dir)

    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == {"picture.txt", "empty.txt", "escape.txt"}, f"unexpected skips: {reasons}"
    assert "binary" in reasons["picture.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "outside" in reasons["escape.txt"]
    seeds = sorted(p.name for p in seeds_copy.iterdir() if p.name.startswith("00"))
    assert report.added == seeds, "the usable files were not all indexed"
    manifest = manifest_of(index_dir)
    assert sorted(manifest["files"]) == seeds, "a skipped file made it into the manifest"
    assert {r["source"] for r in chunk_rows(live_generation(index_dir))} == set(seeds)

    fake = FakeEmbedder()
    again = build(seeds_copy, index_dir, fake)
    assert again.up_to_date and fake.encoded == 0, "skipped files make every later build a rebuild"
    assert {s.source for s in again.skipped} == set(reasons), "an up-to-date build forgot to report skipped files"


def test_other_line_model_weights_rebuild_every_file(
    seeds_copy: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.ingest import article_lines

    fake = FakeEmbedder()
    assert build(seeds_copy, built, fake).up_to_date and fake.encoded == 0, "premise: an up-to-date index"
    monkeypatch.setattr(article_lines, "fingerprint", lambda: "refitted-weights")
    report = build(seeds_copy, built, fake)
    assert not report.up_to_date and fake.encoded > 0, "an index made with other weights was kept"
    assert len(report.added) + len(report.changed) == len(list(seeds_copy.iterdir()))


class CountingEmbedder(FakeEmbedder):
    """The fake model, counting its calls (a build embeds one batch of files per call)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        self.calls += 1
        return super().token_sums(texts, progress=progress)


def test_a_build_in_batches_of_files_writes_the_index_a_single_batch_does(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = CountingEmbedder()
    build(seeds_copy, tmp_path / "whole", whole)
    import qa.indexing.parts as parts_module

    monkeypatch.setattr(parts_module, "BATCH_BYTES", 1)  # every file its own batch
    batched = CountingEmbedder()
    build(seeds_copy, tmp_path / "batched", batched)
    files = len(list(seeds_copy.iterdir()))
    assert whole.calls == 1 and batched.calls == files > 1, (whole.calls, batched.calls)
    assert manifest_of(tmp_path / "batched")["checksums"] == manifest_of(tmp_path / "whole")["checksums"]


@pytest.mark.parametrize("failing_read", [1, 2], ids=["when listed", "when analysed"])
def test_a_changed_file_that_cannot_be_read_keeps_its_indexed_version_and_is_read_again(
    seeds_copy: Path, built: Path, monkeypatch: pytest.MonkeyPatch, failing_read: int
) -> None:
    """A file moved away (or locked) for a moment during a build was recorded as skipped with its
    hash: it left the index ("0 removed") and every later build called it up to date."""
    import errno

    target = seeds_copy / "001_c6d03c536ddbb592.txt"
    before = {c.source for c in qa.load(built, embedder=FakeEmbedder()).ask(QUESTIONS[0], 10).citations}
    with target.open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH)
    reads = [0]
    real = Path.read_bytes

    def flaky(self: Path) -> bytes:
        if self.name == target.name:
            reads[0] += 1
            if reads[0] == failing_read:
                raise OSError(errno.EIO, "Input/output error", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", flaky)
    report = build(seeds_copy, built)
    assert target.name not in report.removed and any(s.source == target.name for s in report.skipped)
    assert target.name in manifest_of(built)["files"], "the article left the index"
    assert "railway" not in qa.load(built, embedder=FakeEmbedder()).text(target.name), "premise: the old version"
    assert {c.source for c in qa.load(built, embedder=FakeEmbedder()).ask(QUESTIONS[0], 10).citations} == before
    monkeypatch.setattr(Path, "read_bytes", real)
    again = build(seeds_copy, built)
    assert not again.up_to_date and again.changed == [target.name], "the file was not read again"
    assert "railway" in qa.load(built, embedder=FakeEmbedder()).text(target.name)


def test_a_renamed_or_moved_file_is_taken_over_not_embedded_again(seeds_copy: Path, built: Path) -> None:
    """A pure rename reported "1 added, 1 removed" and embedded the file again."""
    old = "001_c6d03c536ddbb592.txt"
    before = qa.load(built, embedder=FakeEmbedder()).text(old)
    (seeds_copy / "archive").mkdir()
    (seeds_copy / old).rename(seeds_copy / "archive" / "putin-visit.txt")
    model = FakeEmbedder()
    report = build(seeds_copy, built, model)
    assert model.encoded == 0, "the renamed file was embedded again"
    assert report.added == ["archive/putin-visit.txt"] and report.removed == [old]
    engine = qa.load(built, embedder=FakeEmbedder())
    assert engine.text("archive/putin-visit.txt") == before and old not in engine.data.documents
    cited = {c.source for q in QUESTIONS for c in engine.ask(q, 10).citations}
    assert old not in cited and "archive/putin-visit.txt" in cited
    # The same bytes under another kind of name are read again: a .md is read as Markdown.
    (seeds_copy / "archive" / "putin-visit.txt").rename(seeds_copy / "putin-visit.md")
    model = FakeEmbedder()
    build(seeds_copy, built, model)
    assert model.encoded > 0


def test_an_indexed_file_that_stays_unreadable_leaves_the_index_up_to_date(
    seeds_copy: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every qa index wrote a new generation while one indexed file could not be read."""
    import errno

    target = seeds_copy / "001_c6d03c536ddbb592.txt"
    real = Path.read_bytes

    def locked(self: Path) -> bytes:
        if self.name == target.name:
            raise OSError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    live = live_generation(built)
    report = build(seeds_copy, built)
    assert report.up_to_date and live_generation(built) == live, "a new generation for nothing"
    assert any(s.source == target.name and "cannot be read" in s.reason for s in report.skipped)
    assert target.name in manifest_of(built)["files"]
    # With another file changed, the report counts it among the files indexed, as kept (a review: "0
    # added, 1 changed, 1 unchanged" of an index that held 3, and "skipped" of a file still served).
    with (seeds_copy / "000_eca4ee2b1510ed46.txt").open("a", encoding="utf-8") as f:
        f.write(EXTRA_PARAGRAPH)
    report = build(seeds_copy, built)
    assert report.changed == ["000_eca4ee2b1510ed46.txt"] and target.name in report.unchanged, report
    assert [s.reason for s in report.skipped if s.source == target.name] == [
        "cannot be read (Permission denied); its indexed version is kept"
    ]


def test_a_file_renamed_onto_a_name_the_index_held_is_changed_not_added(seeds_copy: Path, built: Path) -> None:
    gone, moved = "002_299aeecd3ab3c2fd.txt", "003_6b273f736953578d.txt"
    (seeds_copy / gone).unlink()
    (seeds_copy / moved).rename(seeds_copy / gone)
    model = FakeEmbedder()
    report = build(seeds_copy, built, model)
    assert model.encoded == 0 and report.changed == [gone] and report.removed == [moved] and report.added == []


def test_a_copy_of_an_indexed_article_is_skipped_and_the_same_file_kept_whatever_the_history(tmp_path: Path) -> None:
    """The same bytes are indexed once. Kept is the name that is not a copy's, then the first in sorted
    order, whatever the index held: a new user's copy ("ferry-strike-copy.md", first in sorted order)
    had taken the original's place, and (a review's) an updated index kept the name it already held
    where a fresh build of the same folder kept the other, and cited another file."""
    seeds, index_dir = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    text = "Ferry crews walked out on Monday. The union said nobody had consulted them about the new rota.\n"
    (seeds / "ferry-strike-copy.md").write_text(text, encoding="utf-8")
    assert build(seeds, index_dir).added == ["ferry-strike-copy.md"]
    (seeds / "ferry-strike.md").write_text(text, encoding="utf-8")  # the original appears after its copy
    report = build(seeds, index_dir)
    assert report.added == ["ferry-strike.md"] and report.removed == ["ferry-strike-copy.md"], report
    assert {s.source: s.reason for s in report.skipped} == {
        "ferry-strike-copy.md": "has the same content as ferry-strike.md"
    }
    fresh = build(seeds, tmp_path / "fresh")
    assert fresh.added == ["ferry-strike.md"] and [s.source for s in fresh.skipped] == ["ferry-strike-copy.md"]
    # Two names neither of which reads as a copy: the first in sorted order, either way.
    (seeds / "a-ferry.md").write_text(text, encoding="utf-8")
    assert build(seeds, index_dir).added == ["a-ferry.md"]
    assert build(seeds, tmp_path / "fresh2").added == ["a-ferry.md"]
    # A damaged manifest (entries that are not tables, under an older format) is rebuilt from scratch.
    gen = index_dir / (index_dir / CURRENT).read_text().strip()
    manifest = json.loads((gen / MANIFEST).read_text())
    manifest["files"] = {"a-ferry.md": None, "x.md": "abc"}
    manifest["format_version"] = FORMAT_VERSION - 1
    (gen / MANIFEST).write_text(json.dumps(manifest))
    assert len(build(seeds, index_dir).added) == 1  # (it raised AttributeError; a reviewer's)


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("report - Copy.txt", True),
        ("Copy of report.txt", True),
        ("copy_of_dalian.txt", True),
        ("report_copy.txt", True),
        ("page (1).html", True),
        ("Top 10 (2019).txt", False),  # a year, not a browser's second download (a review's)
        ("copy-editors-strike.txt", False),
        ("ferry-strike.md", False),
    ],
)
def test_a_copys_name(name: str, copy: bool) -> None:
    from qa.stories import copy_name

    assert copy_name(name) is copy


def test_an_indexed_file_that_becomes_unreadable_is_reported_removed(seeds_copy: Path, built: Path) -> None:
    """A reviewer's file overwritten with random bytes left the index, yet the report said "0 changed,
    0 removed" (only `skipped` named it): a job reading the report was told nothing disappeared."""
    target = seeds_copy / "001_c6d03c536ddbb592.txt"
    target.write_bytes(bytes(range(256)) * 12)
    report = build(seeds_copy, built)
    assert report.removed == [target.name] and any(s.source == target.name for s in report.skipped)
    assert target.name not in manifest_of(built)["files"]
    assert "1 removed" in report.summary() and target.name not in report.changed + report.unchanged
