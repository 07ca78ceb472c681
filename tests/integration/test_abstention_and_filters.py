"""The real model on the seeds: off-topic questions abstain (with checkable nearest passages), answerable
ones do not, and the source/date filters restrict what is cited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
from tests.conftest import SEEDS
from tests.integration.test_seed_answers import KNOWN, check_citation

pytestmark = pytest.mark.integration

# Questions about things the five articles never mention: sport, cooking, another country's
# economy, programming, and languages the English-only model does not read.
OFF_TOPIC = [
    "Who won the 2022 FIFA World Cup final?",
    "What is the best recipe for lasagna?",
    "What is the inflation rate in Argentina this year?",
    "How do I reverse a linked list in Python?",
    "How do I configure nginx as a reverse proxy?",
    "What are the symptoms of the flu?",
    "Как дела?",
    "東京の天気はどうですか？",
    "¿Cuál es la población de México?",
    "Who won the NBA championship in 2023?",
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> qa.query.engine.Engine:  # type: ignore[name-defined]
    index_dir = tmp_path_factory.mktemp("idx") / "embeddings"
    qa.build(SEEDS, index_dir)
    return qa.load(index_dir)


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_question_abstains_and_shows_checkable_nearest_passages(
    engine: qa.query.engine.Engine,  # type: ignore[name-defined]
    question: str,
) -> None:
    d = engine.ask(question, k=5).to_dict()
    assert d["abstained"], f"{question!r} should be 'not in the sources', got {d['answer'][:120]!r}"
    assert d["citations"] == []
    assert d["answer"].startswith("Not in the sources")
    assert d["nearest"], "an abstention lists the nearest passages for the reader to judge"
    for c in d["nearest"]:
        check_citation(c)


def test_answerable_questions_do_not_abstain(engine: qa.query.engine.Engine) -> None:  # type: ignore[name-defined]
    for question, _, _ in KNOWN:
        assert not engine.ask(question).abstained, f"{question!r} abstained"


def _short_seed_questions() -> list[dict[str, object]]:
    rows = [json.loads(line) for line in SHORT.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["answerable"] and str(r["source"]).startswith("seeds/")]


SHORT = Path(__file__).resolve().parents[2] / "bench" / "short-questions.jsonl"


@pytest.mark.parametrize("row", _short_seed_questions(), ids=lambda r: str(r["id"]))
def test_a_short_question_built_around_a_rare_name_answers(
    engine: qa.query.engine.Engine,  # type: ignore[name-defined]
    row: dict[str, object],
) -> None:
    """Issue 14: "What did Eveleth write?" must not abstain. A reader's verb often differs in form from
    the article's ("write" / "wrote"); over five articles such a word weighed like an unknown one."""
    a = engine.ask(str(row["question"]), k=5)
    assert not a.abstained, f"{row['question']!r} abstained (confidence {a.confidence:.3f})"
    assert any(c.source == Path(str(row["source"])).name for c in a.citations), "its article is cited"


def test_source_glob_restricts_citations_to_matching_files(engine: qa.query.engine.Engine) -> None:  # type: ignore[name-defined]
    d = engine.ask("What did Putin and Kim agree?", k=5, source="00[34]_*").to_dict()
    cited = {c["source"] for c in d["citations"] + d["nearest"]}
    assert cited and cited <= {"003_6b273f736953578d.txt", "004_df8baabb5d59f1c4.txt"}, cited


def test_date_range_keeps_only_articles_published_inside_it(engine: qa.query.engine.Engine) -> None:  # type: ignore[name-defined]
    d = engine.ask("North Korea and Russia military cooperation", k=10, since="2025-01-01", until="2025-12-31")
    published = {c.published for c in d.citations + d.nearest}
    assert published and all(p is not None and "2025-01-01" <= p <= "2025-12-31" for p in published), published
    assert {c.source for c in d.citations + d.nearest} <= {"000_eca4ee2b1510ed46.txt", "003_6b273f736953578d.txt"}


def test_filter_matching_no_article_abstains(engine: qa.query.engine.Engine) -> None:  # type: ignore[name-defined]
    d = engine.ask("Who visited Pyongyang?", source="no-such-file-*")
    assert d.abstained and not d.citations


ARTICLES = {
    "wework.txt": (
        "WeWork under investigation by New York attorney general\nNovember 18, 2019\n\n"
        "WeWork is reportedly being investigated by the New York State Attorney General. The office is looking"
        " into whether the founder profited from deals with the company before its failed public offering.\n\n"
        "The company said it was cooperating with the inquiry.\n"
    ),
    "hearing.txt": (
        "Impeachment hearings enter a second week\nNovember 21, 2019\n\n"
        '"We will ask the court to open an official judicial investigation," he added. Lawmakers questioned two'
        " officials about why the aid had been held up and who asked for an investigation of a rival.\n\n"
        "The hearings continue on Thursday with more witnesses.\n"
    ),
    "weather.txt": (
        "Storm brings snow to the mountains\nNovember 22, 2019\n\n"
        "A winter storm brought the first heavy snow of the season to the mountains on Friday. Roads were"
        " closed for several hours.\n"
    ),
}


def test_a_name_only_the_articles_left_out_by_the_filters_use_is_not_answered(tmp_path: Path) -> None:
    """Under filters, the allowed articles are the corpus. A new user's "Why is WeWork being
    investigated?" with a date range that left out the WeWork articles was answered from an
    impeachment hearing's "investigation" (confidence .28 here; now .12)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / name).write_text(text, encoding="utf-8")
    qa.build(seeds, tmp_path / "index")
    engine = qa.load(tmp_path / "index")
    for question in ("Why is WeWork being investigated?", "Who is investigating WeWork?"):
        assert engine.ask(question).citations[0].source == "wework.txt"
        d = engine.ask(question, since="2019-11-20")
        assert d.abstained and d.answer.startswith("Not in the sources"), (question, d.answer)


def test_a_question_narrowed_to_the_article_that_answers_it_is_answered_as_before(
    engine: qa.query.engine.Engine,  # type: ignore[name-defined]
) -> None:
    """Only names are judged by the filters' articles: with every word so judged, this question, filtered
    to the article that answers it, was refused at .113 (that article never says "according"; a
    reviewer's). Unfiltered and filtered it now has the same confidence."""
    question = "What happened to the footprints in Dalian last week according to officials?"
    whole, narrowed = engine.ask(question), engine.ask(question, source="004_*")
    assert not narrowed.abstained and narrowed.citations[0].source == whole.citations[0].source
    assert narrowed.confidence == pytest.approx(whole.confidence)


def test_seed_files_are_the_shared_copies() -> None:
    shared = SEEDS.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for path in sorted(shared.iterdir()):
        assert (SEEDS / path.name).read_bytes() == path.read_bytes(), f"seeds/{path.name} differs from shared"


def test_index_folder_is_self_describing(tmp_path: Path) -> None:
    """The README promises an inspectable folder: a manifest naming the model and the files."""
    import json

    index_dir = tmp_path / "embeddings"
    qa.build(SEEDS, index_dir)
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((gen / "manifest.json").read_text())
    expected = {"name": "sentence-transformers/all-MiniLM-L6-v2", "dimension": 384, "backend": "onnx"}
    assert manifest["model"] == expected
    assert sorted(manifest["files"]) == sorted(p.name for p in SEEDS.iterdir())
