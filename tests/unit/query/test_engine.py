"""Answers over the seeds (with the hashing FakeEmbedder): the CITATIONS.md invariants, checked against
the files on disk, plus the pure retrieval helpers and the engine's input checks."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

import qa
from qa.chunking import Chunk
from qa.errors import UsageError
from qa.query.citations import MAX_CITATION_CHARS, Hit, merge_hits
from qa.query.engine import Engine
from qa.query.highlight import best_sentence, compute_idf

QUESTIONS = [
    "Since when has Kim been calling the Russian leader a comrade?",
    "What did Putin and Kim Jong-un agree on in Pyongyang?",
    "Why are relations between North Korea and China cooling?",
    "What happened to the bronze footprints in Dalian?",
    "How are food prices and the currency doing in North Korea?",
    "Who is the Unification Ministry correspondent?",
    "New Amnok River Bridge opening delayed",
    "zebra quantum pancake recipe",  # nothing in the seeds is about this
]

ANSWER_KEYS = {"question", "query", "abstained", "answer", "citations", "nearest"}
CITATION_KEYS = {
    "n",
    "source",
    "title",
    "published",
    "outlet",
    "url",
    "start_char",
    "end_char",
    "start_line",
    "end_line",
    "text",
    "highlight",
    "score",
}
HIGHLIGHT_KEYS = {"start_char", "end_char", "text"}

# Publication dates as the seed files state them (read by hand from the files).
PUBLISHED = {
    "000_eca4ee2b1510ed46.txt": "2025-03-27",  # "Published on: 2025/03/27 20:00"
    "003_6b273f736953578d.txt": "2025-05-21",  # " date 2025-05-21 "
    "004_df8baabb5d59f1c4.txt": "2024-08-13",  # "Source: Aboluo, August 13, 2024"
}


def file_text(corpus: Path, source: str) -> str:
    with (corpus / source).open(encoding="utf-8-sig") as f:
        return f.read()


def check_citation(c: dict[str, Any], corpus: Path, where: str) -> None:
    """One citation (or nearest entry) against the file on disk, per CITATIONS.md."""
    assert set(c) == CITATION_KEYS, f"{where}: keys {sorted(set(c) ^ CITATION_KEYS)} differ from the contract"
    assert set(c["highlight"]) == HIGHLIGHT_KEYS, f"{where}: highlight keys differ from the contract"
    source = c["source"]
    assert "\\" not in source and not source.startswith("/"), f"{where}: source {source!r} is not a relative / path"
    assert (corpus / source).is_file(), f"{where}: source {source!r} is not a file of the corpus"
    text = file_text(corpus, source)
    start, end = c["start_char"], c["end_char"]
    assert 0 <= start < end <= len(text), f"{where}: span {start}:{end} outside {source} ({len(text)} chars)"
    assert c["text"] == text[start:end], f"{where}: text is not {source}[{start}:{end}]"
    assert len(c["text"]) <= MAX_CITATION_CHARS, f"{where}: excerpt of {len(c['text'])} chars is not readable"
    assert c["start_line"] == text.count("\n", 0, start) + 1, f"{where}: wrong start_line"
    assert c["end_line"] == text.count("\n", 0, end - 1) + 1, f"{where}: wrong end_line"
    h = c["highlight"]
    assert start <= h["start_char"] < h["end_char"] <= end, f"{where}: highlight lies outside the citation"
    assert h["text"] == text[h["start_char"] : h["end_char"]], f"{where}: highlight text is not its slice"
    assert isinstance(c["score"], float), f"{where}: score is not a float"
    assert c["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["published"]), f"{where}: bad date"


def check_answer(answer: qa.Answer, corpus: Path, k: int) -> dict[str, Any]:
    d = answer.to_dict()
    assert set(d) == ANSWER_KEYS, f"answer keys {sorted(d)} differ from the contract"
    assert json.loads(answer.to_json()) == d, "to_json() does not round-trip to to_dict()"
    assert json.loads(json.dumps(d)) == d, "to_dict() is not plain JSON"
    q = d["question"]
    assert isinstance(d["query"], str) and d["query"].strip(), f"{q!r}: query is empty"
    for field in ("citations", "nearest"):
        entries = d[field]
        assert [c["n"] for c in entries] == list(range(1, len(entries) + 1)), f"{q!r}: {field} not numbered 1.."
        scores = [c["score"] for c in entries]
        assert scores == sorted(scores, reverse=True), f"{q!r}: {field} not ordered best first: {scores}"
        for c in entries:
            check_citation(c, corpus, f"{q!r} {field}[{c['n']}]")
        for i, a in enumerate(entries):
            for b in entries[i + 1 :]:
                if a["source"] == b["source"]:
                    assert a["end_char"] <= b["start_char"] or b["end_char"] <= a["start_char"], (
                        f"{q!r}: {field} {a['n']} and {b['n']} cite overlapping text of {a['source']}"
                    )
    cites = d["citations"]
    assert len(cites) <= k, f"{q!r}: {len(cites)} citations for k={k}"
    if d["abstained"]:
        assert cites == [] and d["answer"].startswith("Not in the sources"), f"{q!r}: an abstention with citations"
    else:
        assert cites, f"{q!r}: an answer without citations"
        markers = [int(m) for m in re.findall(r"\[(\d+)\]", d["answer"])]
        assert markers, f"{q!r}: the answer cites nothing: {d['answer']!r}"
        by_n = {c["n"]: c for c in cites}
        for m in markers:
            assert m in by_n, f"{q!r}: marker [{m}] refers to no citation"
            sentence = " ".join(by_n[m]["highlight"]["text"].split())
            assert f"{sentence} [{m}]" in d["answer"], f"{q!r}: [{m}] does not follow its evidence sentence"
    return d


# --------------------------------------------------------------------------------------------------
# The contract, on every answer


@pytest.mark.parametrize("k", [1, 3, 5, 12])
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_citation_satisfies_the_contract_against_the_file_on_disk(
    engine: Engine, corpus: Path, question: str, k: int
) -> None:
    d = check_answer(engine.ask(question, k=k), corpus, k)
    if d["abstained"]:
        # Only a question whose words the corpus never uses may abstain here (the fake model's
        # cosines are low, so the word share decides); it must still show the nearest passages.
        assert "pancake" in question, f"{question!r} abstained"
        assert d["nearest"], "an abstention shows the nearest passages for the reader to judge"
        assert len(d["nearest"]) <= k, "no more of them than the citations asked for (-k 1 showed 3)"


def test_citation_metadata_is_the_articles_own(engine: Engine, corpus: Path) -> None:
    docs = {d["source"]: d for d in engine.documents()}
    seen = set()
    for question in QUESTIONS:
        for c in engine.ask(question, k=12).to_dict()["citations"]:
            seen.add(c["source"])
            for key in ("title", "published", "outlet", "url"):
                assert c[key] == docs[c["source"]][key], f"citation {key} differs from its article's"
            assert c["published"] == PUBLISHED.get(c["source"]), f"{c['source']}: published is not the stated date"
    assert len(seen) >= 3, "the questions should reach several articles"


def test_asking_twice_gives_the_same_answer(engine: Engine) -> None:
    assert engine.ask(QUESTIONS[0]).to_dict() == engine.ask(QUESTIONS[0]).to_dict()


def test_a_question_typed_without_its_question_mark_is_read_as_one(engine: Engine) -> None:
    """The vector reads "What did Kislyak tell TASS" as the question it is (`as_question`): the same
    citations and confidence as with the question mark, and the question as typed."""
    typed, asked = engine.ask("What did Kislyak tell TASS"), engine.ask("What did Kislyak tell TASS?")
    assert typed.question == typed.query == "What did Kislyak tell TASS"
    assert [c.to_dict() for c in typed.citations] == [c.to_dict() for c in asked.citations] != []
    assert typed.confidence == asked.confidence


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("how many employees does wework have", "how many employees does wework have?"),
        ("When did it open?", "When did it open?"),
        ("Tell me about the bridge.", "Tell me about the bridge."),
        ("东京都厅在哪里？", "东京都厅在哪里？"),
        ('Did he ask "why?"', 'Did he ask "why?"'),  # a quote closes after it
        ("Ποιο είναι το όνομά του;", "Ποιο είναι το όνομά του;"),  # the Greek question mark
        ("what did (the mayor) say", "what did (the mayor) say?"),
    ],
)
def test_as_question(typed: str, read: str) -> None:
    from qa.query.validate import as_question

    assert as_question(typed) == read


def test_how_many_citations_are_asked_for_changes_no_answer_but_its_length(engine: Engine) -> None:
    """Any k up to `POOL` gives the first k citations of k=`POOL`, with the same confidence: the
    confidence's year check reads the first `CHECKED` citations whatever k is (reviews: k=1 abstained
    where k=5 answered, k=10 answered where k=5 abstained), and the citations are made `POOL` at a time
    (a review's k=10 grew the first excerpt, [60:470] at k=1, to [60:782])."""
    from qa.query.engine import POOL

    for question in [*QUESTIONS, "How much trade did China and North Korea do in 1931?", "Who met whom in 2019?"]:
        most = engine.ask(question, k=POOL)
        for k in range(1, POOL):
            fewer = engine.ask(question, k=k)
            assert (fewer.confidence, fewer.abstained) == (most.confidence, most.abstained), (question, k)
            assert [c.to_dict() for c in fewer.citations] == [c.to_dict() for c in most.citations[:k]], (question, k)


def test_default_k_comes_from_settings(engine: Engine) -> None:
    assert len(engine.ask(QUESTIONS[2]).citations) <= engine.settings.k
    many = engine.ask(QUESTIONS[2], k=12)
    assert len(many.citations) > engine.settings.k, "k above the default did not give more citations"


# --------------------------------------------------------------------------------------------------
# merge_hits


def hit(source: str, start: int, end: int, score: float) -> Hit:
    return Hit(Chunk(source, start, end, 1, 1, "x" * (end - start)), score)


def spans_of(hits: list[Hit], k: int = 5, max_chars: int = MAX_CITATION_CHARS) -> list[tuple[str, int, int, float]]:
    return [(s.source, s.start, s.end, s.score) for s in merge_hits(hits, k, max_chars)]


def test_merge_hits_merges_overlapping_passages_of_one_file() -> None:
    got = spans_of([hit("a.txt", 0, 100, 0.9), hit("a.txt", 50, 150, 0.8)])
    assert got == [("a.txt", 0, 150, 0.9)], "overlapping passages were not merged into one citation"


def test_merge_hits_merges_touching_passages_but_not_separated_ones() -> None:
    assert spans_of([hit("a.txt", 0, 100, 0.9), hit("a.txt", 100, 200, 0.8)]) == [("a.txt", 0, 200, 0.9)]
    separated = spans_of([hit("a.txt", 0, 100, 0.9), hit("a.txt", 101, 200, 0.8)])
    assert separated == [("a.txt", 0, 100, 0.9), ("a.txt", 101, 200, 0.8)], "a gap of one char was merged"


def test_merge_hits_never_cites_the_same_text_twice() -> None:
    got = spans_of([hit("a.txt", 0, 300, 0.9), hit("a.txt", 100, 200, 0.95), hit("a.txt", 0, 300, 0.5)])
    assert got == [("a.txt", 0, 300, 0.95)], f"contained or repeated passages were cited again: {got}"


def test_merge_hits_drops_the_weaker_passage_when_the_union_is_too_long() -> None:
    got = spans_of([hit("a.txt", 400, 900, 0.8), hit("a.txt", 0, 500, 0.9)], max_chars=750)
    assert got == [("a.txt", 0, 500, 0.9)], "an overlapping passage made an unreadable union or was cited twice"


def test_merge_hits_keeps_each_span_separate_when_a_bridge_would_be_too_long() -> None:
    hits = [hit("a.txt", 0, 400, 0.9), hit("a.txt", 500, 900, 0.8), hit("a.txt", 350, 550, 0.7)]
    assert spans_of(hits, max_chars=750) == [("a.txt", 0, 400, 0.9), ("a.txt", 500, 900, 0.8)]


def test_merge_hits_passage_bridging_two_spans_never_leaves_them_overlapping() -> None:
    hits = [hit("a.txt", 0, 100, 0.9), hit("a.txt", 200, 300, 0.8), hit("a.txt", 90, 210, 0.7)]
    got = spans_of(hits)
    for i, (_, a0, a1, _) in enumerate(got):
        for _, b0, b1, _ in got[i + 1 :]:
            assert a1 < b0 or b1 < a0, f"merging produced overlapping citations of one file: {got}"
    assert got == [("a.txt", 0, 300, 0.9)], "the bridged spans should become one readable excerpt"


def test_merge_hits_never_merges_different_files() -> None:
    got = spans_of([hit("a.txt", 0, 100, 0.9), hit("b.txt", 0, 100, 0.8), hit("b.txt", 50, 120, 0.7)])
    assert got == [("a.txt", 0, 100, 0.9), ("b.txt", 0, 120, 0.8)]


def test_merge_hits_returns_at_most_k_best_first() -> None:
    hits = [hit("a.txt", i * 1000, i * 1000 + 100, score) for i, score in enumerate([0.1, 0.7, 0.3, 0.9, 0.5])]
    assert spans_of(hits, k=3) == [
        ("a.txt", 3000, 3100, 0.9),
        ("a.txt", 1000, 1100, 0.7),
        ("a.txt", 4000, 4100, 0.5),
    ]
    assert len(spans_of(hits, k=1)) == 1
    assert len(spans_of(hits, k=10)) == 5


def test_merge_hits_still_merges_into_chosen_spans_once_k_is_reached() -> None:
    hits = [hit("a.txt", 0, 100, 0.9), hit("b.txt", 0, 100, 0.8), hit("a.txt", 80, 160, 0.7)]
    assert spans_of(hits, k=1) == [("a.txt", 0, 160, 0.9)]


def test_merge_hits_drops_a_passage_whose_evidence_repeats_a_chosen_one() -> None:
    # A photo caption printed twice in one article (once beside the story, once in a gallery): the
    # second passage would quote the same sentence again and take the place of another answer.
    caption = "Xi Jinping and Kim Jong Un wave from an open limousine in Pyongyang."
    text = f"{caption} The two leaders met.\n\nOther news of the day.\n\n{caption}\n\nTrade rose again."
    second = text.rindex(caption)
    hits = [
        Hit(Chunk("a.txt", 0, 90, 1, 1, text[:90]), 0.9, (0, len(caption))),
        Hit(Chunk("a.txt", second, len(text), 3, 4, text[second:]), 0.8, (second, second + len(caption))),
        Hit(Chunk("b.txt", 0, 50, 1, 1, "y" * 50), 0.7, (0, 50)),
    ]
    plain = merge_hits(hits, 5, ordered=True)
    assert [s.source for s in plain] == ["a.txt", "a.txt", "b.txt"], "test premise: both passages are cited"
    got = merge_hits(hits, 5, ordered=True, text_of=lambda source: text if source == "a.txt" else "y" * 50)
    assert [(s.source, s.start) for s in got] == [("a.txt", 0), ("b.txt", 0)], f"the caption was cited twice: {got}"


def test_merge_hits_keeps_passages_whose_evidence_differs() -> None:
    text = "Kim waved. " + "x" * 200 + " Xi waved."
    hits = [
        Hit(Chunk("a.txt", 0, 11, 1, 1, text[:11]), 0.9, (0, 10)),
        Hit(Chunk("a.txt", 200, len(text), 1, 1, text[200:]), 0.8, (len(text) - 9, len(text))),
    ]
    assert len(merge_hits(hits, 5, ordered=True, text_of=lambda _: text)) == 2


# --------------------------------------------------------------------------------------------------
# best_sentence

EVIDENCE = (
    "North Korea and China held talks in Beijing. "
    "Since August 2023, Kim has called Putin a comrade. "
    "North Korea and China signed a trade deal."
)


def test_best_sentence_picks_the_sentence_with_the_rare_question_terms() -> None:
    corpus = [f"North Korea and China met again, report number {i}." for i in range(20)] + [EVIDENCE]
    idf = compute_idf(corpus)
    assert idf["comrade"] > 3 * idf["korea"], "test premise: 'comrade' must be rarer than 'korea'"
    a, b = best_sentence(EVIDENCE, 0, len(EVIDENCE), "Did North Korea or China ever call Putin comrade?", idf)
    assert EVIDENCE[a:b] == "Since August 2023, Kim has called Putin a comrade.", f"picked {EVIDENCE[a:b]!r}"


def test_best_sentence_counts_terms_when_all_are_equally_rare() -> None:
    flat = {t: 1.0 for t in ("north", "korea", "china", "putin", "comrade")}
    a, b = best_sentence(EVIDENCE, 0, len(EVIDENCE), "Did North Korea or China ever call Putin comrade?", flat)
    assert EVIDENCE[a:b] != "Since August 2023, Kim has called Putin a comrade.", "rarity made no difference"


def test_best_sentence_stays_inside_the_passage_and_falls_back_to_the_first_sentence() -> None:
    text = "Intro line here.\n" + EVIDENCE + "\nComrade comrade comrade outside."
    start = text.index("North")
    end = text.index("\nComrade")
    a, b = best_sentence(text, start, end, "comrade", {"comrade": 5.0})
    assert start <= a < b <= end and text[a:b] == "Since August 2023, Kim has called Putin a comrade."
    a, b = best_sentence(text, start, end, "what is it?", {})  # only stop words
    assert text[a:b] == "North Korea and China held talks in Beijing.", "no-term question did not take the first"


def test_best_sentence_is_never_a_heading_or_a_question_when_the_passage_has_an_answer() -> None:
    """A passage cited without an indexed evidence sentence took its highlight from word overlap
    alone, so a question restating the reader's words ("Why did Putin call Kim a comrade?") won."""
    text = "Why did Putin call Kim a comrade?\nPutin comrade talks\nThe two leaders signed a defence pact in June."
    idf = {"putin": 3.0, "kim": 3.0, "comrade": 3.0, "call": 1.0, "pact": 2.0}
    a, b = best_sentence(text, 0, len(text), "Why did Putin call Kim a comrade?", idf)
    assert text[a:b] == "The two leaders signed a defence pact in June.", f"picked {text[a:b]!r}"
    only = "Why did Putin call Kim a comrade?"
    assert best_sentence(only, 0, len(only), "comrade", idf) == (0, len(only)), "nothing else to mark"


# --------------------------------------------------------------------------------------------------
# Input checks


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "\x00\u200b\u202e\ufeff"])
def test_empty_question_is_a_usage_error(engine: Engine, question: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        engine.ask(question)


def test_control_and_invisible_characters_are_stripped_from_the_question(engine: Engine, corpus: Path) -> None:
    dirty = "\x00Since when has\u202e Kim been call\u200bing the Rus\u200dsian leader a com\ufeffrade?\x07"
    clean = "Since when has Kim been calling the Russian leader a comrade?"
    got = engine.ask(dirty)
    assert got.question == clean, f"question was cleaned to {got.question!r}"
    assert got.to_dict() == engine.ask(clean).to_dict(), "invisible characters changed the answer"
    check_answer(got, corpus, engine.settings.k)


def test_question_in_another_script_is_kept(engine: Engine) -> None:
    assert engine.ask("김정은 Putin  comrade ").question == "김정은 Putin comrade"


def test_a_date_filter_with_spaces_around_it_is_that_date(engine: Engine) -> None:
    """" 2024-01-01 " was taken by the HTTP API and refused by Python and the CLI."""
    assert engine.ask(QUESTIONS[2], 5, since=" 2024-01-01 ") == engine.ask(QUESTIONS[2], 5, since="2024-01-01")


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_k_below_one_or_not_whole_is_a_usage_error(engine: Engine, k: Any) -> None:
    with pytest.raises(UsageError, match="k must be"):
        engine.ask(QUESTIONS[0], k=k)


# --------------------------------------------------------------------------------------------------
# Filters


def test_source_glob_restricts_citations_to_matching_files(engine: Engine, corpus: Path) -> None:
    unfiltered = {c.source for c in engine.ask(QUESTIONS[2], k=12).citations}
    assert not all(fnmatch.fnmatch(s, "00[12]_*") for s in unfiltered), "test premise: other files are cited"
    answer = engine.ask(QUESTIONS[2], k=12, source="00[12]_*")
    check_answer(answer, corpus, 12)
    sources = {c.source for c in answer.citations}
    assert sources and all(fnmatch.fnmatch(s, "00[12]_*") for s in sources), f"--source leaked: {sources}"


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2025-01-01", None, {"000_eca4ee2b1510ed46.txt", "003_6b273f736953578d.txt"}),
        ("2025-04-01", None, {"003_6b273f736953578d.txt"}),
        (None, "2024-12-31", {"004_df8baabb5d59f1c4.txt"}),
        ("2024-08-13", "2025-03-27", {"000_eca4ee2b1510ed46.txt", "004_df8baabb5d59f1c4.txt"}),
    ],
)
def test_date_filters_restrict_citations_to_articles_published_in_range(
    engine: Engine, corpus: Path, since: str | None, until: str | None, expected: set[str]
) -> None:
    for question in QUESTIONS[:4]:
        answer = engine.ask(question, k=20, since=since, until=until)
        check_answer(answer, corpus, 20)
        for c in answer.citations:
            assert c.published is not None, f"{c.source} has no date but passed a date filter"
            assert (since or "") <= c.published <= (until or "9999"), f"{c.source} ({c.published}) is out of range"
        sources = {c.source for c in answer.citations}
        assert sources <= expected, f"date filter let through {sources - expected}"
    wide = {c.source for q in QUESTIONS[:4] for c in engine.ask(q, k=20, since=since, until=until).citations}
    assert wide == expected, f"articles in range were never cited: {expected - wide}"


def test_filters_matching_nothing_abstain(engine: Engine, corpus: Path) -> None:
    for kwargs in ({"source": "nothing-*.md"}, {"since": "2030-01-01"}, {"since": "2024-06-01", "until": "2024-06-02"}):
        answer = engine.ask(QUESTIONS[0], **kwargs)
        check_answer(answer, corpus, 5)
        assert answer.abstained and answer.answer.startswith("Not in the sources"), f"{kwargs} did not abstain"
        assert "no indexed article matches the filters" in answer.answer, f"{kwargs}: the answer does not say why"
        assert all(str(v) in answer.answer for v in kwargs.values()), f"{kwargs}: the filters are not named"


def test_a_date_range_that_ends_before_it_starts_is_a_usage_error(engine: Engine) -> None:
    with pytest.raises(UsageError, match="since date 2025-06-01 is after the until date 2024-01-01; swap"):
        engine.ask(QUESTIONS[0], since="2025-06-01", until="2024-01-01")


def test_a_date_filter_says_how_many_undated_articles_it_left_out(engine: Engine, corpus: Path) -> None:
    """Two seeds state no date: a date filter leaves them out, and the abstention says so (a new user
    took an undated article for searched)."""
    answer = engine.ask("Xylophone marmalade orbit velocity?", since="2024-01-01")
    check_answer(answer, corpus, 5)
    assert answer.abstained and answer.answer.startswith("Not in the sources"), answer.answer
    assert "matching the filters (since 2024-01-01)" in answer.answer, answer.answer
    assert "2 undated articles were left out by the date filter" in answer.answer, answer.answer
    only_undated = engine.ask(QUESTIONS[0], source="00[12]_*", until="2030-01-01")
    assert "no indexed article matches the filters" in only_undated.answer, only_undated.answer
    assert "2 undated articles were left out" in only_undated.answer, only_undated.answer
    unfiltered = engine.ask("Xylophone marmalade orbit velocity?")
    assert unfiltered.abstained and "filter" not in unfiltered.answer, unfiltered.answer
    assert "does not read as English" not in unfiltered.answer
    spanish = engine.ask("¿Cuándo abre el mercado de pescado del puerto?")
    assert spanish.abstained and "does not read as English" in spanish.answer, spanish.answer
    assert "undated" not in engine.ask("Xylophone marmalade?", source="00*").answer


@pytest.mark.parametrize("question", ["When?", "And why?", "What about that?"])
def test_a_question_of_function_words_alone_names_nothing_to_look_for(engine: Engine, question: str) -> None:
    """Asked with no conversation, "When?" can only be answered by whatever its function words match
    (a new user's "Ask again without the conversation" cited an unrelated article)."""
    answer = engine.ask(question)
    assert answer.abstained and answer.confidence == 0.0 and answer.citations == ()
    assert answer.nearest == (), "passages its function words match are not 'closest' to anything"
    assert "names nothing to look for" in answer.answer, answer.answer


@pytest.mark.parametrize("question", ["What did he say next?", "Who is his lawyer?", "How old is she?"])
def test_a_pronoun_with_no_conversation_to_point_back_to_is_refused(engine: Engine, question: str) -> None:
    """ "What did he say next?" as a chat's first question (a new user's, after "New conversation")
    was answered from whichever article says "say" and "next"; it names no one to look for."""
    answer = engine.ask(question)
    assert answer.abstained and answer.citations == () and answer.nearest == ()
    assert "points back to something said before" in answer.answer, answer.answer
    assert "points back" not in engine.ask(question, history=[QUESTIONS[0]]).answer, "the conversation names them"
    assert engine.ask(question, history=["Who is he?"]).abstained, "a conversation that names no one either"
    filtered = engine.ask(question, source="002_*")
    assert "points back" not in filtered.answer, "a source filter says whose article it is about"


@pytest.mark.parametrize("question", ["Who won?", "Where is IT?", "What about the US?"])
def test_a_short_question_with_a_word_of_its_own_is_searched(engine: Engine, question: str) -> None:
    """ "won" (a piece of "won't" in the stop list) and a name in capitals are words to look for."""
    assert "names nothing to look for" not in engine.ask(question).answer


@pytest.mark.parametrize("bad", ["yesterday", "2024/01/31", "31-01-2024", "2024-1-31", "2024-13-01", "2024-02-30"])
@pytest.mark.parametrize("which", ["since", "until"])
def test_bad_date_is_a_usage_error(engine: Engine, which: str, bad: str) -> None:
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        engine.ask(QUESTIONS[0], **{which: bad})


def test_article_share_weighs_the_question_words_an_article_holds_by_their_rarity(engine: Engine) -> None:
    """The confidence's article factor: the question's idf weight held by the cited article. A word
    every passage uses weighs little, a word of one article much; a question the article holds
    whole scores 1."""
    import math
    from types import SimpleNamespace

    data = engine.data
    texts = {src: doc.text for src, doc in data.documents.items()}
    passages = [set(data.tokens(texts[c.source][c.start : c.end])) for c in data.chunks]
    words = {src: set(data.tokens(t)) for src, t in texts.items()}

    def share(question: str, source: str) -> float:
        tokens = data.tokens(question)
        searched = SimpleNamespace(text=question, tokens=tokens, frequencies=data.lexical.frequencies(tokens))
        return engine._word_evidence.shares(searched, searched, source, len(data.chunks))[1]

    a, b = sorted(texts)[:2]
    # A's rarest word that B holds in no form (ties by the word: a set's order changes from run to run,
    # and B may hold a tied word as another inflection, which counts as held)
    rarest = sorted(words[a] - words[b], key=lambda t: (sum(t in p for p in passages), t))
    only_a = next(t for t in rarest if not engine._word_evidence.held(t, [t], b)[0])
    common = max(words[a] & words[b], key=lambda t: sum(t in p for p in passages))
    question = f"{only_a} {common}"
    assert data.tokens(question) == [only_a, common], f"premise: tokens stay as they are: {data.tokens(question)}"
    n = len(passages)
    idf = {t: math.log1p((n - f + 0.5) / (f + 0.5)) for t in (only_a, common) for f in [sum(t in p for p in passages)]}
    assert share(question, a) == pytest.approx(1.0), "the article holding every word"
    assert share(question, b) == pytest.approx(idf[common] / (idf[common] + idf[only_a]))
    assert share(question, b) < 0.5 < share(question, a), "the rare word weighs more than the common one"
    assert share("", a) == 0.0


def test_a_sentences_neighbours_are_in_its_own_document() -> None:
    """The second stage re-scores the sentences next to a passage's; the next sentence id can be the
    first of another document, whose number depends on the index's layout (one index or shards)."""
    import numpy as np

    from qa.query.engine import _neighbours

    doc_of = np.array([0, 0, 0, 1, 1, 2])
    assert sorted(_neighbours(np.array([2, 3]), doc_of).tolist()) == [1, 4]  # not 3 for 2, nor 2 for 3
    assert sorted(_neighbours(np.array([0, 5]), doc_of).tolist()) == [1]
    assert sorted(_neighbours(np.array([1]), doc_of).tolist()) == [0, 2]


def test_a_sentence_of_thousands_of_characters_is_cited_as_a_readable_excerpt(tmp_path: Path) -> None:
    """A line holding a token of 30,000 characters was cited whole (and highlighted whole)."""
    import qa
    from qa.query.citations import MAX_CITATION_CHARS
    from tests.conftest import FakeEmbedder

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    run_on = "Lantern festival river boat " + "abcdefghij" * 3000 + " lantern festival river boat"
    (seeds / "runon.txt").write_text(f"Lantern log\n\nThe night began quietly.\n\n{run_on}\n", encoding="utf-8")
    (seeds / "other.txt").write_text("Harbour news\n\nThe harbour wall was rebuilt.\n", encoding="utf-8")
    qa.build(seeds, tmp_path / "index", embedder=FakeEmbedder())
    engine = qa.load(tmp_path / "index", embedder=FakeEmbedder())
    answer = engine.ask("Which lantern festival boat was on the river?", 3)
    assert answer.citations and answer.citations[0].source == "runon.txt"
    for c in answer.citations:
        text = engine.text(c.source)
        assert len(c.text) <= 2 * MAX_CITATION_CHARS, f"a citation of {len(c.text):,} characters"
        assert text[c.start_char : c.end_char] == c.text and c.start_char <= c.highlight.start_char
        h = c.highlight
        assert h.end_char <= c.end_char and text[h.start_char : h.end_char] == h.text
