"""A long message (a question with the reader's own words around it) is searched as written and as
its main question, and answered by the search the corpus answers more confidently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from qa.answer import Answer
from qa.errors import UsageError
from qa.query.pasted import LONG_MESSAGE, ask_long, main_question, main_questions

PREAMBLE = (
    "My neighbour and I were talking over the garden fence on Sunday about the new flood defences, and "
    "she insists the council built them far too late for the houses on her side of the river. Her son "
    "thinks the opposite, and the argument went on until it got dark. I said I would look it up. "
)


def test_a_short_question_or_a_single_sentence_is_no_long_message() -> None:
    assert main_question("How many homes does the River Wend flood wall protect?") is None
    one_sentence = "I wonder " + "and wonder " * 40 + "how many homes the wall protects?"
    assert len(one_sentence) > LONG_MESSAGE
    assert main_question(one_sentence) is None


def test_the_main_question_is_the_asking_sentence_with_most_content_words() -> None:
    message = PREAMBLE + "How many homes does the River Wend flood wall protect? Any ideas? Thanks!"
    assert main_question(message) == "How many homes does the River Wend flood wall protect?"
    first = "When did the wall open? " + PREAMBLE + "Can you help?"
    assert main_question(first) == "When did the wall open?"


def test_without_an_asking_sentence_the_sentence_with_most_content_words() -> None:
    ask = "Please tell me the exact number of homes, shops, schools and farms the River Wend flood wall protects."
    chat = "We argued about it for hours. " * 10
    assert main_question(chat + ask) == ask
    assert main_question(PREAMBLE + ask) == PREAMBLE.split(". ")[0] + ".", "more content words: the first"


def test_earlier_long_messages_count_as_their_main_questions() -> None:
    long = PREAMBLE + "Who built the River Wend flood wall? Any ideas?"
    assert main_questions(["When did it open?", long]) == ["When did it open?", "Who built the River Wend flood wall?"]
    assert main_questions(None) == []
    with pytest.raises(UsageError):
        main_questions("not a list")


def answer(question: str, confidence: float) -> Answer:
    return Answer(question, confidence < 0.2, "...", confidence=confidence, query=question)


def test_the_more_confident_search_answers_and_the_message_stays_the_question() -> None:
    message = PREAMBLE + "Who built the River Wend flood wall? Any ideas?"
    calls: list[tuple[str, list[str]]] = []

    def ask(text: str, k: int | None, filters: dict[str, Any], history: Sequence[str] | None) -> Answer:
        calls.append((text, list(history or [])))
        return answer(text, 0.5 if text != message else 0.1)

    earlier = main_questions([PREAMBLE + "When did the wall open?"])
    assert earlier == ["When did the wall open?"]
    got = ask_long(ask, message, 5, {"source": None}, earlier)
    assert got is not None
    assert calls == [(message, earlier), ("Who built the River Wend flood wall?", earlier)]
    assert (got.question, got.query, got.confidence) == (message, "Who built the River Wend flood wall?", 0.5)


def test_the_message_as_written_wins_ties_and_a_short_one_is_left_alone() -> None:
    message = PREAMBLE + "Who built the River Wend flood wall?"
    got = ask_long(lambda text, k, f, h: answer(text, 0.4), message, 5, {}, None)
    assert got is not None and got.query == message
    assert ask_long(lambda text, k, f, h: answer(text, 0.4), "Who built it?", 5, {}, None) is None


def test_a_message_typed_in_lower_case_has_its_sentences_too() -> None:
    """The splitter starts a sentence only at a capital (articles are edited): a review's message
    typed in lower case was one sentence, so its question was never searched alone."""
    message = PREAMBLE.lower() + "how many homes does the river wend flood wall protect? any ideas? thanks!"
    assert main_question(message) == "how many homes does the river wend flood wall protect?"
    # a letter whose capital is longer ("SS") stays as it is: every offset kept
    from qa.query.pasted import _capitalised

    assert _capitalised("it went. ßo on. fine? yes") == "it went. ßo on. Fine? Yes"


@pytest.mark.parametrize(
    "asked",
    [
        "How much did Acme Inc. pay for the River Wend flood wall?",  # capitalised as typed: read as written
        "What did Smith et al. find about the wall's height?",
    ],
)
def test_a_message_typed_with_capitals_is_split_as_written(asked: str) -> None:
    """A review's: capitalising every message cut questions at abbreviations the splitter does not
    list ("Inc.", "et al.")."""
    assert main_question(PREAMBLE + asked) == asked


@pytest.mark.parametrize(
    "asked",
    [
        "what did u.s. officials say about the wall?",
        "what did mr. kim say about the wall?",
        "did dr. patel inspect the wall in jan. or feb.?",
        "was it 2.5 m. high or more?",
    ],
)
def test_a_lower_case_message_is_not_cut_at_its_abbreviations(asked: str) -> None:
    assert main_question(PREAMBLE.lower() + asked) == asked


def test_an_earlier_message_whose_question_names_nothing_keeps_its_words() -> None:
    """A review's: "Who was named to take over from him?" carried nothing, and every follow-up to
    the message was refused; its question comes first, then the rest."""
    asked = "Who was named to take over from him?"
    earlier = PREAMBLE + "Also the chief executive of Tiffany resigned on Monday. " + asked
    got = main_questions([earlier])[0]
    assert got == asked + " Also the chief executive of Tiffany resigned on Monday."
    # what a follow-up then carries: the subject, not the chat before it (a third review's)
    from qa.query.conversation import carried_terms

    assert "Tiffany" in carried_terms("What did he earn?", [got])
    assert "neighbour" not in carried_terms("What did he earn?", [got])
    built = "Who built the River Wend flood wall?"
    assert main_questions([PREAMBLE + built]) == [built]


def test_a_message_longer_than_any_question_is_not_read_for_one() -> None:
    assert main_question("Where is it? " + "x" * 9000) is None  # a kept chat's planted value


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        (PREAMBLE + "Anyway. who built the river wend flood wall? any ideas", "who built the river wend flood wall?"),
        (
            PREAMBLE.lower().replace("i said", "I said") + "who built the river wend flood wall? thanks",
            "who built the river wend flood wall?",
        ),
        (PREAMBLE.lower() + "i asked. ok. who built the wall?", "who built the wall?"),
    ],
)
def test_a_lower_case_question_in_a_message_with_capitals_is_found(message: str, asked: str) -> None:
    """A third review's: read capitalised only when one sentence as written, a capitalised message
    glued its lower-case question to the sentence before; and each end's letter was taken by its
    match, so "ok." after another end was read as "k." (a single letter) and "who" stayed lower case."""
    assert main_question(message) == asked
