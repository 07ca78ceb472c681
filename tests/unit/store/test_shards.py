"""Sharded indexes (qa/store/shards.py, qa/store/search.py): BM25 with the whole corpus's statistics,
the layout and its checks, incremental builds, and answers equal to one index over the same files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import qa
from qa.config import Settings
from qa.errors import IndexInvalidError
from qa.query.engine import Engine
from qa.store.generation import sha256_file
from qa.store.layout import MANIFEST, generation_dir, read_manifest
from qa.store.lexical import CorpusStats, Lexical, tokenize
from qa.store.shards import ShardedIndex, shard_of
from tests.conftest import SEEDS, FakeEmbedder

PASSAGES = [
    "The ferry left the harbour at dawn with forty passengers.",
    "Harbour officials closed the port after the storm.",
    "A lighthouse keeper saw the ferry turn back.",
    "The storm flooded the harbour road and the market.",
    "Fishermen stayed home; the market sold no fish.",
    "The port reopened on Tuesday, officials said.",
    "",
    "the and of",
]


def test_shards_built_with_corpus_statistics_score_exactly_as_one_index() -> None:
    whole = Lexical.build(PASSAGES)
    groups = [PASSAGES[0::3], PASSAGES[1::3], PASSAGES[2::3]]
    tokens = [tokenize(g) for g in groups]
    stats = CorpusStats.merge([CorpusStats.of(t) for t in tokens])
    assert stats == CorpusStats.of(tokenize(PASSAGES)), "merged shard statistics are not the corpus's"
    shards = [Lexical.from_tokens(t, stats=stats) for t in tokens]
    alone = [Lexical.build(g) for g in groups]  # each shard with only its own statistics
    for query in ["harbour ferry", "storm market", "lighthouse keeper", "officials port Tuesday"]:
        toks = whole.tokens(query)
        joined = np.zeros(len(PASSAGES), np.float32)
        own = np.zeros(len(PASSAGES), np.float32)
        for k in range(3):
            joined[k::3] = shards[k].scores("", toks)
            own[k::3] = alone[k].scores("", toks)
        np.testing.assert_array_equal(joined, whole.scores(query), err_msg=query)
        assert not np.array_equal(own, whole.scores(query)), f"{query!r}: shard statistics made no difference"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus 16 short articles, each a new mix of the seeds' sentences (no passage repeated,
    which would tie and let either copy come first), so that every shard holds files."""
    root = tmp_path_factory.mktemp("shards") / "seeds"
    shutil.copytree(SEEDS, root)
    text = " ".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt")))
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if 8 <= len(s.split()) <= 60]
    for i in range(16):
        picked = [sentences[(7 * i + 13 * j) % len(sentences)] for j in range(12)]
        body = "\n\n".join(" ".join(picked[k : k + 3]) for k in range(0, 12, 3))
        (root / f"extra_{i:02d}.txt").write_text(f"Extra story {i}\n\n{body}\n", encoding="utf-8")
    return root


def questions(corpus: Path) -> list[str]:
    """Questions in the words of sentences of the corpus (every fourth sentence of each file)."""
    out = []
    for f in sorted(corpus.glob("*.txt")):
        sentences = re.split(r"(?<=[.!?])\s+", f.read_text(encoding="utf-8"))
        out += [" ".join(s.split()[:9]) for s in sentences[::4] if len(s.split()) > 5]
    return [*out, "What is the capital of Uruguay?", "Wie spät ist es in Berlin?"]


def answer_key(engine: Engine, question: str, **kw: object) -> tuple[object, ...]:
    a = engine.ask(question, **kw)  # type: ignore[arg-type]
    cites = [(c.source, c.start_char, c.end_char, c.highlight, round(c.score, 5)) for c in a.citations]
    return (a.abstained, round(a.confidence, 5), a.query, cites)


@pytest.fixture(scope="module")
def indexes(corpus: Path) -> tuple[Path, Path]:
    one, four = corpus.parent / "one", corpus.parent / "four"
    qa.build(corpus, one, embedder=FakeEmbedder())
    qa.build(corpus, four, embedder=FakeEmbedder(), settings=Settings(shards=4))
    return one, four


def test_a_sharded_index_answers_every_question_as_one_index(corpus: Path, indexes: tuple[Path, Path]) -> None:
    one = qa.load(indexes[0], embedder=FakeEmbedder())
    four = qa.load(indexes[1], embedder=FakeEmbedder())
    assert isinstance(four.data, ShardedIndex) and len(four.data.chunks) == len(one.data.chunks)
    asked = questions(corpus)
    assert len(asked) > 40
    for i, q in enumerate(asked):
        assert answer_key(four, q) == answer_key(one, q), q
        assert answer_key(four, q, k=10) == answer_key(one, q, k=10), q  # as `qa eval` asks
        # with a filter (one file, or a group of files) and with the previous question as history
        pattern = ["extra_0*", "00[12]_*", "extra_1[3-5]*"][i % 3]
        history = [asked[i - 1]] if i else None
        assert answer_key(four, q, source=pattern, history=history) == answer_key(
            one, q, source=pattern, history=history
        ), q
    assert not all(a.abstained for a in map(four.ask, asked[:10])), "the questions found nothing at all"


def test_a_detail_follow_up_answers_on_shards_as_on_one_index(corpus: Path, indexes: tuple[Path, Path]) -> None:
    """"When?" takes the carried search's passages in the conversation's article (Engine._choose, by
    the passages' document numbers): a sharded index numbers its documents shard by shard."""
    one, four = (qa.load(i, embedder=FakeEmbedder()) for i in indexes)
    carried = 0
    for earlier in questions(corpus)[:12]:
        for q in ("When?", "And where?"):
            assert answer_key(four, q, history=[earlier]) == answer_key(one, q, history=[earlier]), (earlier, q)
            carried += one.ask(q, history=[earlier]).query != q
    assert carried, "no follow-up took the conversation's words"


def test_qa_text_and_documents_read_a_sharded_index(
    indexes: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Both commands read only an unsharded generation's text store and failed on every sharded
    index ("No such file or directory: .../texts.utf8"; a reviewer's)."""
    from qa.cli import main

    one, four = (qa.load(i, embedder=FakeEmbedder()) for i in indexes)
    assert main(["documents", "--json", "--index", str(indexes[1])]) == 0
    listed = [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()]
    assert sorted(listed) == sorted(one.data.documents) and len(listed) > 16
    for source in ("extra_03.txt", listed[-1]):
        assert main(["text", source, "--index", str(indexes[1])]) == 0
        assert capsys.readouterr().out == four.text(source) == one.text(source)


def test_files_go_to_shards_by_a_stable_hash_of_their_path(corpus: Path, indexes: tuple[Path, Path]) -> None:
    gen = generation_dir(indexes[1])
    top = read_manifest(gen)
    assert top["shards"] == ["shard-000", "shard-001", "shard-002", "shard-003"]
    held = {}
    for number, name in enumerate(top["shards"]):
        own = read_manifest(gen / name)
        assert own["shard"] == {"number": number, "of": 4, "corpus_stats": top["corpus_stats"]}
        held.update({src: number for src in own["files"]})
        assert own["counts"]["documents"] == len(own["files"]) > 0, f"{name} holds no file"
    assert held == {src: shard_of(src, 4) for src in top["files"]} == {s: v["shard"] for s, v in top["files"].items()}
    assert top["counts"]["chunks"] == sum(read_manifest(gen / n)["counts"]["chunks"] for n in top["shards"])


def test_incremental_sharded_builds_embed_only_changed_files(corpus: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(corpus, seeds)
    index = tmp_path / "index"
    settings = Settings(shards=3)
    qa.build(seeds, index, embedder=FakeEmbedder(), settings=settings)
    again = FakeEmbedder()
    assert qa.build(seeds, index, embedder=again, settings=settings).up_to_date and again.encoded == 0
    changed = seeds / "extra_05.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA late line about the harbour.\n", encoding="utf-8")
    model = FakeEmbedder()
    report = qa.build(seeds, index, embedder=model, settings=settings)
    assert report.changed == ["extra_05.txt"] and not report.added and 0 < model.encoded < 40
    # Another shard count re-lays the same parts out: nothing is embedded, answers unchanged.
    before = qa.load(index, embedder=FakeEmbedder())
    relaid = FakeEmbedder()
    report = qa.build(seeds, index, embedder=relaid, settings=settings.with_(shards=2))
    assert not report.up_to_date and relaid.encoded == 0
    after = qa.load(index, embedder=FakeEmbedder())
    assert len(read_manifest(generation_dir(index))["shards"]) == 2
    for q in questions(seeds)[:25]:
        assert answer_key(after, q) == answer_key(before, q), q


def test_an_update_without_a_shard_count_keeps_the_indexs_own(corpus: Path, tmp_path: Path) -> None:
    """A rebuild from the chat (or `qa index` without --shards) re-laid a 4-shard index as one, and
    `qa serve --ray` could then not serve it (a user's test): the count is the index's until asked."""
    seeds = tmp_path / "seeds"
    shutil.copytree(corpus, seeds)
    index = tmp_path / "index"
    qa.build(seeds, index, embedder=FakeEmbedder(), settings=Settings(shards=3))
    (seeds / "late.txt").write_text("A late article about the harbour pier reopening.\n", encoding="utf-8")
    model = FakeEmbedder()
    report = qa.build(seeds, index, embedder=model, settings=Settings())
    assert report.added == ["late.txt"] and 0 < model.encoded < 10, "only the new file is embedded"
    assert len(read_manifest(generation_dir(index))["shards"]) == 3
    assert qa.build(seeds, index, embedder=FakeEmbedder(), settings=Settings()).up_to_date
    fresh = tmp_path / "fresh"
    qa.build(seeds, fresh, embedder=FakeEmbedder(), settings=Settings())
    assert "shards" not in read_manifest(generation_dir(fresh)), "a new index is one index"


def copy_index(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return generation_dir(dst)


def test_a_damaged_shard_is_refused_on_load(indexes: tuple[Path, Path], tmp_path: Path) -> None:
    gen = copy_index(indexes[1], tmp_path / "index")
    target = gen / "shard-002" / "index.faiss"
    target.write_bytes(target.read_bytes()[:-8])
    with pytest.raises(IndexInvalidError, match=r"shard-002/index\.faiss is damaged"):
        qa.load(tmp_path / "index", embedder=FakeEmbedder())


def test_a_shard_of_another_build_is_refused_on_load(indexes: tuple[Path, Path], tmp_path: Path) -> None:
    gen = copy_index(indexes[1], tmp_path / "index")
    # shard 1 claims other corpus statistics (as a shard kept from another build would), and the
    # top-level checksum is made to match it: the membership check still refuses it
    path = gen / "shard-001" / MANIFEST
    own = json.loads(path.read_text(encoding="utf-8"))
    own["shard"]["corpus_stats"]["passages"]["fingerprint"] = "0" * 16
    path.write_text(json.dumps(own), encoding="utf-8")
    top = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    top["checksums"]["shard-001/manifest.json"] = sha256_file(path)
    (gen / MANIFEST).write_text(json.dumps(top), encoding="utf-8")
    with pytest.raises(IndexInvalidError, match="shard-001 does not belong"):
        qa.load(tmp_path / "index", embedder=FakeEmbedder())


def test_serving_on_ray_needs_a_sharded_index(indexes: tuple[Path, Path]) -> None:
    with pytest.raises(qa.UsageError, match="--shards"):
        qa.load(indexes[0], embedder=FakeEmbedder(), ray="")


@pytest.mark.parametrize(("raw", "seconds"), [("", 10.0), ("2.5", 2.5), ("abc", None), ("0", None), ("-1", None)])
def test_the_shard_timeout_is_a_positive_number_of_seconds(
    raw: str, seconds: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.store.ray_shards import shard_timeout

    monkeypatch.setenv("QA_RAY_SHARD_TIMEOUT", raw)
    if seconds is None:
        with pytest.raises(qa.UsageError, match="QA_RAY_SHARD_TIMEOUT"):
            shard_timeout()
    else:
        assert shard_timeout() == seconds
