"""`qa eval` (qa.evaluate) and the engine's abstention and evidence logic, on a tiny made-up benchmark
indexed with the hashing FakeEmbedder.

Each article has one answer sentence built from words no other article uses (Brannoch, Quellmoor,
Tarvinsk, Selvaro), and the unanswerable questions are made only of words no article uses, so their
word share (coverage), and with it their confidence, is 0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qa
from qa.answer import NOT_IN_SOURCES, Citation
from qa.config import Settings
from qa.errors import UsageError
from qa.evaluate import CURVE_THRESHOLDS, contains_answer, fold, load_questions, run_eval
from qa.query.citations import Span
from qa.query.engine import NEAREST, Engine
from qa.query.params import RetrievalParams
from tests.conftest import FakeEmbedder

ARTICLES = {
    "lighthouse.txt": (
        "Harbour town celebrates its restored beacon\n\n"
        "Published on: 2024/06/02\n\n"
        "Residents who live along the northern coast gathered on Saturday to watch the old beacon shine again "
        "after decades of darkness. Ottoline Varga restored the Brannoch lighthouse. The work took four winters, "
        "and volunteers carried stone and glass up the cliff path by hand. A new lamp came by sea from a "
        "workshop in the south.\n\n"
        "Photo credit: Harbour Trust\n\n"
        "The town council paid for new copper fittings for the restored tower, and a local school painted the "
        "door blue. Fishermen say the light will guide boats past the rocks at the mouth of the bay.\n"
    ),
    "cheese.txt": (
        "Mountain village hosts its annual cheese fair\n\n"
        "Published on: 2024/09/14\n\n"
        "Farmers from six valleys brought their best produce to the Quellmoor fair this weekend, and judges spent "
        "the whole morning tasting. The winning wheel of cheese weighed 212 kilograms. Its maker said the recipe "
        "had been in her family for five generations.\n\n"
        "Visitors queued for bread, honey and cider, and a brass band played in the square until late in the "
        "evening.\n"
    ),
    "chess.txt": (
        "Young player takes the title at the city chess open\n\n"
        "Published on: 2024/11/03\n\n"
        "More than three hundred players from twenty countries took part in the nine rounds of the tournament, "
        "which ended on Sunday afternoon. Grandmaster Pelagia Okonkwo won the Tarvinsk chess open with a queen "
        "sacrifice on move 31. Spectators in the hall stood and applauded when her opponent resigned.\n\n"
        "Organisers said next year's event will move to a larger venue near the railway station.\n"
    ),
    "bridge.txt": (
        "New footbridge opens to walkers and cyclists\n\n"
        "Published on: 2025/01/20\n\n"
        "After two years of construction, the crossing finally opened to the public on Monday morning, and "
        "hundreds of people walked across it in the first hour. The Selvaro footbridge spans 480 metres across "
        "the Ambrel river. Engineers designed the deck to move slightly in strong wind.\n\n"
        "The city plans to add lighting and benches along the path before the summer.\n"
    ),
}

UNIQUE_QUESTION = "Who restored the Brannoch lighthouse?"
UNIQUE_SENTENCE = "Ottoline Varga restored the Brannoch lighthouse."
UNKNOWN_QUESTION = "Xylophone marmalade orbit velocity?"

ANSWERABLE: list[dict[str, Any]] = [
    {"question": UNIQUE_QUESTION, "source": "lighthouse.txt", "answers": ["Ottoline Varga"], "answerable": True},
    {
        "question": "How much did the winning wheel of cheese weigh at the Quellmoor fair?",
        "source": "cheese.txt",
        "answers": ["212 kilograms"],
        "answerable": True,
    },
    {
        "question": "Who won the Tarvinsk chess open?",
        "source": "chess.txt",
        "answers": ["Pelagia Okonkwo"],
        "answerable": True,
    },
    {
        "question": "How long is the Selvaro footbridge?",
        "source": "bridge.txt",
        "answers": ["480 metres"],
        "answerable": True,
    },
    {
        "question": "What colour did the school paint the lighthouse door?",
        "source": "lighthouse.txt",
        "answers": ["blue"],
        "answerable": True,
    },
]
UNANSWERABLE: list[dict[str, Any]] = [
    {"question": q, "source": None, "answers": [], "answerable": False}
    for q in (UNKNOWN_QUESTION, "Quasar tundra saxophone?", "Glacier penguins migrate northward?")
]
QUESTIONS = ANSWERABLE + UNANSWERABLE

REPORT_KEYS = {
    "hit@1",
    "hit@3",
    "mrr",
    "evidence@1",
    "false_abstention",
    "abstention_unanswerable",
    "latency_p50_ms",
    "latency_p95_ms",
    "dense_only_latency_p50_ms",
    "latency_ratio_vs_dense_only",
    "abstention_curve",
}
TOL = 1e-3  # the report rounds to 4 decimals


def write_questions(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(corpus folder, index folder, questions file), indexed once for the module."""
    root = tmp_path_factory.mktemp("bench")
    corpus = root / "articles"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = root / "index"
    qa.build(corpus, index, embedder=FakeEmbedder())
    return corpus, index, write_questions(root / "questions.jsonl", QUESTIONS)


@pytest.fixture(scope="module")
def engine(bench: tuple[Path, Path, Path]) -> Engine:
    return qa.load(bench[1], embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def report(bench: tuple[Path, Path, Path], engine: Engine) -> dict[str, Any]:
    corpus, _, qfile = bench
    return run_eval(corpus, qfile, engine=engine)


def file_text(corpus: Path, source: str) -> str:
    with (corpus / source).open(encoding="utf-8-sig") as f:
        return f.read()


def check_offsets(c: Citation, corpus: Path, where: str) -> None:
    text = file_text(corpus, c.source)
    assert 0 <= c.start_char < c.end_char <= len(text), f"{where}: span outside {c.source}"
    assert c.text == text[c.start_char : c.end_char], f"{where}: text is not {c.source}[{c.start_char}:{c.end_char}]"
    h = c.highlight
    assert c.start_char <= h.start_char < h.end_char <= c.end_char, f"{where}: highlight lies outside the citation"
    assert h.text == text[h.start_char : h.end_char], f"{where}: highlight text is not its slice of the file"


# --------------------------------------------------------------------------------------------------
# fold / contains_answer


def test_fold_lowercases_straightens_curly_quotes_and_collapses_white_space() -> None:
    assert fold("  Kim’s \u00a0 “Comrade”\n\tPutin ‘Again’ ") == "kim's \"comrade\" putin 'again'", "fold is wrong"


def test_contains_answer_ignores_case_curly_quotes_and_white_space_runs() -> None:
    text = "He said:  “We’ll be\n   BACK soon.”"
    assert contains_answer(text, ["we'll be back soon"]), "case, curly quotes or white space broke the match"
    assert contains_answer('Kim\'s "comrade"', ["Kim’s  “comrade”"]), "curly quotes in the gold answer broke it"
    assert contains_answer("The bridge spans 480 metres.", ["nothing", "480 METRES"]), "any gold answer should do"


def test_contains_answer_matches_whole_words_only() -> None:
    """A short gold answer inside a longer word is not the answer (SQuAD's "P", "NP", "5", "no")."""
    assert not contains_answer("Polynomial time is a class.", ["P"]), "'P' was found inside 'Polynomial'"
    assert not contains_answer("It took 15 years.", ["5"]), "'5' was found inside '15'"
    assert not contains_answer("There was not a single case.", ["no"]), "'no' was found inside 'not'"
    assert contains_answer("Is P equal to NP?", ["P"]), "'P' as a word was missed"
    assert contains_answer("It cost $16 billion, (CLPS) said.", ["$16 billion", "(CLPS)"]), "answers edged by symbols"
    assert contains_answer("Deal worth £71.6million.", ["£71.6million"])


def test_contains_answer_finds_answers_inside_chinese_japanese_and_korean_words() -> None:
    """Those scripts put no spaces between words (Korean words carry particles): next to their letters
    any edge is a word's. A Latin or digit edge still needs a boundary."""
    assert contains_answer("共设车站21座，其中换乘站6座。", ["21座"]), "no CJK answer was ever found"
    assert contains_answer("가람시에 있는 공장", ["가람시"]), "a Korean word with its particle"
    assert contains_answer("潮見市の市長は高田氏。", ["高田"])
    assert not contains_answer("共设车站121座", ["21座"]), "'21' inside '121'"
    assert not contains_answer("the 5G network", ["5"])


def test_contains_answer_is_false_for_a_missing_or_empty_answer() -> None:
    text = "The bridge spans 480 metres."
    assert not contains_answer(text, ["520 metres"]), "an answer not in the text was found"
    assert not contains_answer(text, ["480 metres long"]), "a longer answer was found in a shorter text"
    assert not contains_answer(text, []), "no gold answers, yet one was found"
    assert not contains_answer(text, ["", "  \n"]), "an empty gold answer matches everything; it must count as absent"


# --------------------------------------------------------------------------------------------------
# load_questions


def test_load_questions_fills_defaults_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '\ufeff{"question": "A?", "answers": ["x"]}\n\n{"question": "B?"}\n   \n', encoding="utf-8"
    )  # with a BOM, as Windows editors write it
    rows = load_questions(path)
    assert [r["question"] for r in rows] == ["A?", "B?"], f"questions read: {rows}"
    assert rows[0]["answerable"] is True and rows[1]["answerable"] is False, "answerable not derived from answers"
    assert rows[1]["answers"] == [], "missing answers did not default to []"


def test_load_questions_missing_file_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(UsageError, match=re.escape(str(path))):
        load_questions(path)


def test_load_questions_non_json_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "A?"}\n\n{"question": "B?",\n', encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(f"{path}:3") + ".*not JSON"):
        load_questions(path)


@pytest.mark.parametrize("line", ['{"answers": ["x"]}', '{"question": 42}', '["question"]', '"question"'])
def test_load_questions_line_without_a_question_string_names_the_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "A?"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(f"{path}:2") + '.*"question"'):
        load_questions(path)


def test_load_questions_file_without_questions_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(UsageError, match="no questions"):
        load_questions(path)


def test_answers_given_as_one_string_are_rejected_or_matched_whole(tmp_path: Path) -> None:
    path = write_questions(tmp_path / "q.jsonl", [{"question": "Capital of France?", "answers": "Paris"}])
    try:
        rows = load_questions(path)
    except UsageError:
        return  # rejecting the malformed line is fine
    assert not contains_answer("Rome is the capital of Italy.", rows[0]["answers"]), (
        'the gold answer "Paris" was matched letter by letter'
    )


# --------------------------------------------------------------------------------------------------
# The benchmark itself


def test_benchmark_gold_answers_occur_verbatim_in_their_articles() -> None:
    for q in ANSWERABLE:
        for a in q["answers"]:
            assert a in ARTICLES[q["source"]], f"gold {a!r} is not in {q['source']}"
            others = [s for s, text in ARTICLES.items() if s != q["source"] and a in text]
            assert not others, f"gold {a!r} also occurs in {others}: hits would be ambiguous"
    assert ARTICLES["lighthouse.txt"].count(UNIQUE_SENTENCE) == 1, "the unique answer sentence must occur once"


def test_benchmark_unanswerable_questions_share_no_word_with_the_corpus(engine: Engine) -> None:
    corpus_words = set(re.findall(r"\w+", " ".join(ARTICLES.values()).lower()))
    for q in UNANSWERABLE:
        words = set(re.findall(r"\w+", q["question"].lower()))
        assert not words & corpus_words, f"{q['question']!r} shares {words & corpus_words} with the corpus"
        assert engine.data.lexical.coverage(q["question"]) == 0.0, f"{q['question']!r} matches after stemming"


# --------------------------------------------------------------------------------------------------
# run_eval


def test_report_has_every_figure(report: dict[str, Any]) -> None:
    missing = REPORT_KEYS - set(report)
    assert not missing, f"the report lacks {sorted(missing)}"
    assert [c["min_confidence"] for c in report["abstention_curve"]] == list(CURVE_THRESHOLDS), "curve thresholds"
    for c in report["abstention_curve"]:
        assert set(c) == {"min_confidence", "false_abstention", "abstention_unanswerable"}, f"curve entry {c}"


def test_report_counts_match_the_question_file(report: dict[str, Any], engine: Engine) -> None:
    assert (report["questions"], report["answerable"], report["unanswerable"]) == (8, 5, 3), "question counts"
    assert report["chunks"] == len(engine.data.chunks), "chunk count is not the index's"
    assert report["index_seconds"] is None, "no index was built by run_eval, yet it reports indexing time"


def test_hit_rates_are_ordered_and_mrr_lies_within_their_bounds(report: dict[str, Any]) -> None:
    h1, h3, mrr, ev1 = report["hit@1"], report["hit@3"], report["mrr"], report["evidence@1"]
    assert 0 <= h1 <= h3 <= 1, f"hit@1 {h1} <= hit@3 {h3} <= 1 does not hold"
    assert h1 <= mrr <= 1, f"hit@1 {h1} <= MRR {mrr} <= 1 does not hold"
    # Rank 1 counts 1, ranks 2-3 between 1/3 and 1/2, ranks 4-10 at most 1/4.
    assert h1 + (h3 - h1) / 3 - TOL <= mrr <= h1 + (h3 - h1) / 2 + (1 - h3) / 4 + TOL, (
        f"MRR {mrr} is inconsistent with hit@1 {h1} and hit@3 {h3}"
    )
    # The highlight lies inside citation 1, so an evidence hit is also a rank-1 hit.
    assert 0 <= ev1 <= h1, f"evidence@1 {ev1} exceeds hit@1 {h1}"
    assert h3 + report["false_abstention"] <= 1 + TOL, "a question that abstained was also counted as a hit"
    assert h1 > 0, "no question of the benchmark was hit at rank 1 (the unique one should be)"


def test_abstention_curve_is_monotone_in_the_threshold(report: dict[str, Any]) -> None:
    curve = report["abstention_curve"]
    for key in ("false_abstention", "abstention_unanswerable"):
        values = [c[key] for c in curve]
        assert values == sorted(values), f"{key} decreases as min_confidence rises: {values}"
        assert all(0 <= v <= 1 for v in values), f"{key} outside [0, 1]: {values}"


def test_unanswerable_questions_of_unknown_words_all_abstain(report: dict[str, Any]) -> None:
    # Their coverage is 0, so their confidence is 0: below every threshold.
    assert report["abstention_unanswerable"] == 1.0, "an off-corpus question was answered"
    assert all(c["abstention_unanswerable"] == 1.0 for c in report["abstention_curve"]), "curve disagrees"


@pytest.mark.parametrize("threshold", [CURVE_THRESHOLDS[0], CURVE_THRESHOLDS[-1]])
def test_curve_at_the_engines_threshold_equals_the_measured_abstention(
    bench: tuple[Path, Path, Path], threshold: float
) -> None:
    corpus, index, qfile = bench
    engine = qa.load(index, embedder=FakeEmbedder(), settings=Settings(min_confidence=threshold, index_dir=index))
    r = run_eval(corpus, qfile, engine=engine)
    point = next(c for c in r["abstention_curve"] if c["min_confidence"] == threshold)
    assert r["min_confidence"] == threshold, "the report does not state the engine's threshold"
    assert point["false_abstention"] == r["false_abstention"], f"curve and engine disagree at {threshold}"
    assert point["abstention_unanswerable"] == r["abstention_unanswerable"], f"curve and engine disagree at {threshold}"


def test_latency_figures_are_positive_and_ordered(report: dict[str, Any]) -> None:
    p50, p95, dense = report["latency_p50_ms"], report["latency_p95_ms"], report["dense_only_latency_p50_ms"]
    assert 0 < p50 <= p95, f"latency p50 {p50} / p95 {p95}"
    assert dense > 0, f"dense-only latency {dense}"
    ratio = report["latency_ratio_vs_dense_only"]
    assert ratio is not None and ratio > 0, f"latency ratio {ratio}"


def test_lexically_unique_question_is_hit_at_rank_one_with_its_sentence_as_evidence(
    bench: tuple[Path, Path, Path], engine: Engine, tmp_path: Path
) -> None:
    corpus = bench[0]
    qfile = write_questions(tmp_path / "one.jsonl", [ANSWERABLE[0]])
    r = run_eval(corpus, qfile, engine=engine)
    assert r["false_abstention"] == 0.0, "the question repeating its answer sentence's words abstained"
    assert (r["hit@1"], r["mrr"], r["evidence@1"]) == (1.0, 1.0, 1.0), f"not hit at rank 1 with evidence: {r}"


def test_answer_only_in_a_lower_ranked_passage_is_a_hit_at_three_but_not_at_one(
    bench: tuple[Path, Path, Path], engine: Engine, tmp_path: Path
) -> None:
    # The gold answer is only in lighthouse.txt's last paragraph, a passage of its own (a photo
    # credit, which is not indexed, stands between it and the first). Citation 1 is the first
    # paragraph (the unique sentence); of the other passages only the last one shares a question word
    # ("restored"), so it ranks 2nd or 3rd.
    row = {"question": UNIQUE_QUESTION, "source": "lighthouse.txt", "answers": ["copper fittings"], "answerable": True}
    first, last = ARTICLES["lighthouse.txt"].split("Photo credit: Harbour Trust")
    assert "copper fittings" in last and "copper fittings" not in first, "premise: the answer is only in the last one"
    # Keep every ranked passage (the default drops ones far below the best), so rank 3 exists.
    keep_all = qa.load(bench[1], embedder=FakeEmbedder(), settings=Settings(min_relative_score=0.0))
    # Without the answer-type cue: "Who" would lift every passage naming someone above the title.
    keep_all.params = RetrievalParams(cue=0.0)
    r = run_eval(bench[0], write_questions(tmp_path / "q.jsonl", [row]), engine=keep_all)
    assert (r["hit@1"], r["hit@3"]) == (0.0, 1.0), f"expected a hit at rank 2-3 only: {r}"
    assert 1 / 3 - TOL <= r["mrr"] <= 1 / 2 + TOL, f"MRR {r['mrr']} is not 1/2 or 1/3"
    assert r["evidence@1"] == 0.0, "citation 1 cannot hold the evidence of a rank-2 answer"


def test_a_hit_must_come_from_the_questions_source(
    bench: tuple[Path, Path, Path], engine: Engine, tmp_path: Path
) -> None:
    # "the" is in every article, so only the source decides: citation 1 is from lighthouse.txt (see above).
    row = {"question": UNIQUE_QUESTION, "answers": ["the"], "answerable": True}
    anywhere = run_eval(bench[0], write_questions(tmp_path / "a.jsonl", [{**row, "source": None}]), engine=engine)
    elsewhere = run_eval(
        bench[0], write_questions(tmp_path / "b.jsonl", [{**row, "source": "cheese.txt"}]), engine=engine
    )
    assert anywhere["hit@1"] == 1.0, "with no source, citation 1 containing the answer is a hit"
    assert elsewhere["hit@1"] == 0.0, "a citation from another article counted as a hit at rank 1"


# --------------------------------------------------------------------------------------------------
# Engine.ask: abstention and evidence


def test_question_of_unknown_words_abstains_and_shows_the_nearest_passages(
    bench: tuple[Path, Path, Path], engine: Engine
) -> None:
    assert engine.settings.min_confidence > 0, "premise: a positive threshold (confidence here is 0)"
    answer = engine.ask(UNKNOWN_QUESTION)
    assert answer.abstained, "a question of words absent from the corpus was answered"
    assert answer.citations == (), "an abstention carries citations"
    assert answer.answer == NOT_IN_SOURCES and "Not in the sources" in answer.answer, f"answer {answer.answer!r}"
    assert answer.confidence == 0.0, f"coverage is 0, so confidence should be 0, not {answer.confidence}"
    assert 1 <= len(answer.nearest) <= NEAREST, f"{len(answer.nearest)} nearest passages shown"
    for c in answer.nearest:
        check_offsets(c, bench[0], f"nearest[{c.n}]")


def test_min_confidence_zero_answers_the_question_that_abstained(bench: tuple[Path, Path, Path]) -> None:
    corpus, index, _ = bench
    engine = qa.load(index, embedder=FakeEmbedder(), settings=Settings(min_confidence=0.0, index_dir=index))
    answer = engine.ask(UNKNOWN_QUESTION)
    assert not answer.abstained, "with min_confidence 0 nothing should abstain (0 < 0 is false)"
    assert answer.citations, "an answer without citations"
    assert answer.answer != NOT_IN_SOURCES, "the answer still says not in the sources"
    for c in answer.citations:
        check_offsets(c, corpus, f"citation[{c.n}]")
    nearest = qa.load(index, embedder=FakeEmbedder()).ask(UNKNOWN_QUESTION).nearest
    assert [c.to_dict() for c in nearest] == [c.to_dict() for c in answer.citations[: len(nearest)]], (
        "the nearest passages of an abstention are not the ones it would have cited"
    )


def test_highlight_is_the_sentence_with_the_questions_distinctive_words(
    bench: tuple[Path, Path, Path], engine: Engine
) -> None:
    answer = engine.ask(UNIQUE_QUESTION)
    top = answer.citations[0]
    assert top.source == "lighthouse.txt", f"citation 1 is from {top.source}"
    assert UNIQUE_SENTENCE in top.text and not top.text.startswith(UNIQUE_SENTENCE), (
        "premise: the passage holds other sentences before the answer one"
    )
    assert top.highlight.text == UNIQUE_SENTENCE, f"highlighted {top.highlight.text!r}"
    check_offsets(top, bench[0], "citation[1]")


def _body_span(engine: Engine, source: str, word: str) -> tuple[Span, np.ndarray, np.ndarray]:
    """The passage of `source` holding `word` as a Span, and its sentences' rows and (start, end)s."""
    chunk = next(c for c in engine.data.chunks if c.source == source and word in c.text)
    rows = np.flatnonzero(np.array(engine.data.sentence_sources) == source)
    spans = engine.data.sentences[rows, 1:3]
    inside = (spans[:, 0] >= chunk.start) & (spans[:, 1] <= chunk.end)
    return Span(source, chunk.start, chunk.end, 1.0), rows[inside], spans[inside]


def _evidence(engine: Engine, span: Span, sent: np.ndarray) -> tuple[int, int] | None:
    """The highlight the engine picks for the passage `span` (its excerpt grows around it)."""
    rows = engine.data.chunks.rows
    p = next(i for i in range(len(rows)) if engine.data.chunks.place(i) == (span.source, span.start, span.end))
    hit = engine._window(p, 1.0, sent, sent)
    assert hit.highlight is None or hit.chunk.start <= hit.highlight[0] < hit.highlight[1] <= hit.chunk.end
    return hit.highlight


def test_evidence_is_the_best_scored_sentence_inside_the_span(engine: Engine) -> None:
    span, rows, spans = _body_span(engine, "lighthouse.txt", "Brannoch")
    assert len(rows) >= 4, f"premise: the passage has several sentences, got {len(rows)}"
    sent = np.zeros(len(engine.data.sentence_sources), dtype=np.float32)
    sent[rows[3]] = 1.0
    # Higher scores outside the span (another file; the last paragraph of this one) must not be taken.
    sent[np.array(engine.data.sentence_sources) != "lighthouse.txt"] = 5.0
    outside = np.flatnonzero(
        (np.array(engine.data.sentence_sources) == "lighthouse.txt")
        & ~np.isin(np.arange(len(engine.data.sentence_sources)), rows)
    )
    assert outside.size, "premise: lighthouse.txt has a sentence outside the passage (its last paragraph)"
    sent[outside] = 5.0
    assert _evidence(engine, span, sent) == tuple(int(x) for x in spans[3]), "not the best sentence inside the span"


def test_evidence_gives_each_sentence_a_share_of_the_previous_ones_score(engine: Engine) -> None:
    span, rows, spans = _body_span(engine, "lighthouse.txt", "Brannoch")
    share = RetrievalParams().previous_share
    sent = np.zeros(len(engine.data.sentence_sources), dtype=np.float32)
    sent[rows[1]] = 1.0
    sent[rows[2]] = 1.0 - share / 2  # smoothed: 1 - share/2 + share * 1 > 1
    assert _evidence(engine, span, sent) == tuple(int(x) for x in spans[2]), "the previous sentence's share is missing"
    sent[rows[2]] = 1.0 - 2 * share  # smoothed: 1 - share < 1
    assert _evidence(engine, span, sent) == tuple(int(x) for x in spans[1]), "the share outweighed a better sentence"


def test_conversations_are_measured_with_and_without_their_history(
    bench: tuple[Path, Path, Path], engine: Engine, tmp_path: Path
) -> None:
    from qa.eval_conversations import format_conversations, run_conversations

    rows = [
        {"conversation": "a", "turn": 1, "kind": "first", **ANSWERABLE[0]},
        {"conversation": "a", "turn": 2, "kind": "offtopic", "question": UNKNOWN_QUESTION, "source": None,
         "answers": [], "answerable": False},
        {"conversation": "b", "turn": 1, "kind": "first", **ANSWERABLE[2]},
    ]  # fmt: skip
    r = run_conversations(bench[0], write_questions(tmp_path / "c.jsonl", rows), engine=engine)
    assert (r["conversations"], r["turns"]) == (2, 3)
    first = r["by_kind"]["first"]
    assert first["same_as_alone"] == 1.0 and first["carried"] == 0.0, "a first turn has nothing to carry"
    assert first["with"]["hit@1"] == first["alone"]["hit@1"] == 1.0
    assert r["by_kind"]["offtopic"]["with"]["abstention_unanswerable"] == 1.0
    assert "followup" not in r["by_kind"] and "offtopic" in format_conversations(r)
    # each turn says which it is and what was searched, to compare runs turn by turn
    assert [(t["conversation"], t["turn"], t["question"]) for t in r["per_turn"]] == [
        (row["conversation"], row["turn"], row["question"]) for row in rows
    ]
    assert r["per_turn"][0]["query"] == rows[0]["question"] and not r["per_turn"][0]["carried"]
    (tmp_path / "bad.jsonl").write_text(json.dumps(ANSWERABLE[0]) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match="conversation"):
        run_conversations(bench[0], tmp_path / "bad.jsonl", engine=engine)


def test_eval_asks_for_as_many_citations_as_a_reader_gets(bench: tuple[Path, Path, Path]) -> None:
    """The citations depend on how many are asked for (merging, late interaction), so `qa eval` scores
    the ones a reader gets: the engine's k (QA_K) unless -k says otherwise."""
    from qa.config import Settings

    corpus, index, qfile = bench
    one = qa.load(index, embedder=FakeEmbedder(), settings=Settings.from_env().with_(index_dir=index, k=1))
    report = run_eval(corpus, qfile, engine=one)
    assert report["k"] == 1, f"eval asked for {report['k']} citations, the engine's k is 1"
    assert report["hit@3"] == report["hit@1"], "with one citation a hit at rank 2 or 3 cannot happen"
    assert run_eval(corpus, qfile, engine=one, k=3)["k"] == 3, "-k was not used"


def test_a_gold_source_cited_through_its_same_story_copy_counts_and_a_missing_one_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A story told in several files is cited once, naming the others in `also_in`: a question whose
    gold source is the copy scored 0 (a user's test); and a gold source the index lacks warns."""
    from qa.answer import Answer, Highlight
    from qa.evaluate import judge, warn_unindexed

    text = "Spain's pair won the deciding doubles rubber in Madrid."
    cite = Citation(
        1, "davis.txt", None, None, None, None, 0, len(text), 1, 1, text, Highlight(0, len(text), text), 1.0,
        also_in=("pages/davis.html",),
    )  # fmt: skip
    answer = Answer("Which pair won?", False, text, (cite,))
    q = {"question": "Which pair won?", "source": "pages/davis.html", "answers": ["Spain's pair"], "answerable": True}
    assert judge(answer, q)["rank"] == 1 and judge(answer, q)["evidence"]
    assert judge(answer, {**q, "source": "other.html"})["rank"] is None
    warn_unindexed([q, {**q, "source": "nope.txt"}], {"pages/davis.html": None})
    err = capsys.readouterr().err
    assert "1 gold source(s) are not in the index" in err and "nope.txt" in err and len(err.splitlines()) == 1


def test_eval_refuses_an_index_built_from_another_folder(bench: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """`qa eval --corpus c1 --index i2` rebuilt i2 (someone's serving index, built from c2) from c1."""
    from qa.evaluate import eval_engine
    from qa.store.layout import recorded_seeds

    corpus, index, _ = bench
    other = tmp_path / "benchmark"
    other.mkdir()
    (other / "a.txt").write_text("A short article about a harbour wall rebuilt over the winter.\n", encoding="utf-8")
    live = (index / "CURRENT").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match=r"holds the index of .* a folder of its own"):
        eval_engine(other, index, None)
    assert (index / "CURRENT").read_text(encoding="utf-8") == live and recorded_seeds(index) == corpus.resolve()
