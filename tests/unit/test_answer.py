"""Where a citation lies, in the one wording the terminal, the chat and the export share."""

from __future__ import annotations

from qa.answer import where


def test_one_line_is_a_line_and_several_are_a_range() -> None:
    assert where({"start_line": 41, "end_line": 41}) == "line 41", "a single line read 'lines 41' in the chat"
    assert where({"start_line": 5, "end_line": 7}) == "lines 5-7"
    assert where({"start_line": 5, "end_line": 7}, "–") == "lines 5–7"


def test_a_pdf_citation_names_its_pages() -> None:
    assert where({"start_line": 19, "end_line": 20, "pages": [2, 2]}) == "lines 19-20, page 2"
    assert where({"start_line": 19, "end_line": 40, "pages": [2, 3]}, "–") == "lines 19–40, pages 2–3"
    assert where({"start_line": 3, "end_line": 3, "pages": None}) == "line 3"
