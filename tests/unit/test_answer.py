"""Where a citation lies, in the one wording the terminal, the chat and the export share; the answer
paragraph."""

from __future__ import annotations

import pytest

from qa.answer import Citation, Highlight, compose, is_question, where


def test_one_line_is_a_line_and_several_are_a_range() -> None:
    assert where({"start_line": 41, "end_line": 41}) == "line 41", "a single line read 'lines 41' in the chat"
    assert where({"start_line": 5, "end_line": 7}) == "lines 5-7"
    assert where({"start_line": 5, "end_line": 7}, "–") == "lines 5–7"


def test_a_pdf_citation_names_its_pages() -> None:
    assert where({"start_line": 19, "end_line": 20, "pages": [2, 2]}) == "lines 19-20, page 2"
    assert where({"start_line": 19, "end_line": 40, "pages": [2, 3]}, "–") == "lines 19–40, pages 2–3"
    assert where({"start_line": 3, "end_line": 3, "pages": None}) == "line 3"


def _cite(n: int, source: str, sentence: str) -> Citation:
    return Citation(n, source, None, None, None, None, 0, 9, 1, 1, sentence, Highlight(0, 9, sentence), 1.0 / n)


def test_the_answer_quotes_the_first_articles_sentences_only() -> None:
    """A sentence of another article is not read on after the first one's: it would join two stories
    in one answer (a new user's test). Its citation stays."""
    cites = (_cite(1, "a.txt", "Kim met Putin."), _cite(2, "b.txt", "Rain fell."), _cite(3, "a.txt", "They  ate."))
    assert compose(cites) == "Kim met Putin. [1] They ate. [3]"
    same = tuple(_cite(n, "a.txt", f"Sentence {n}.") for n in range(1, 6))
    assert compose(same) == "Sentence 1. [1] Sentence 2. [2] Sentence 3. [3]", "three sentences at most"
    assert compose((_cite(1, "a.txt", "Same."), _cite(2, "a.txt", "same."))) == "Same. [1]", "a repeat is said once"


def test_after_the_first_sentence_only_running_text_is_quoted() -> None:
    """A headline or a caption label of the same article is not read on as part of the answer (a new
    user's answer ended with "New SUVs and electric vehicles highlight L.A. Auto Show [2]")."""
    cites = (_cite(1, "a.txt", "Headline of it"), _cite(2, "a.txt", "Headline two"), _cite(3, "a.txt", "A sentence."))

    def prose(s: str) -> bool:
        return s.endswith(".")

    assert compose(cites, prose=prose) == "Headline of it [1] A sentence. [3]", "the first is quoted whatever it is"
    asked = (_cite(1, "a.txt", "A sentence."), _cite(2, "a.txt", "Who pays?"), _cite(3, "a.txt", "Buyers pay."))
    assert compose(asked) == "A sentence. [1] Buyers pay. [3]", "a subheading that asks is no answer"
    assert compose(()) == ""


def test_chinese_and_japanese_sentences_read_as_running_text() -> None:
    """Written without spaces, a Japanese sentence is one `word` to a regex: the answer paragraph kept
    only the first of an article's sentences (found by a review)."""
    from qa.ingest.boilerplate import running_text as is_prose

    cites = (
        _cite(1, "jp.txt", "東京で大きな地震があり、多くの建物が倒れました。"),
        _cite(2, "jp.txt", "政府は被害の調査を始めたと発表しました。"),
        _cite(3, "jp.txt", "新しい車"),
    )
    assert compose(cites, prose=is_prose) == f"{cites[0].highlight.text} [1] {cites[1].highlight.text} [2]"


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("How did this happen?", True),
        ("“Why now?”", True),
        ('He asked: "Why now?" ', True),
        ('Why now? "', True),  # a space before the closing quote (the highlight's copy missed it)
        ("他们为什么离开？", True),
        ("The ferry left at dawn.", False),
        ("Is it? No, it is not.", False),
    ],
)
def test_a_question_is_told_by_its_last_mark_whatever_quotes_and_spaces_follow(sentence: str, asks: bool) -> None:
    """One test of asking for the answer paragraph and the highlight alike (qa/answer.py)."""
    assert is_question(sentence) is asks
