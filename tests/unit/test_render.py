"""The chat's rendering of an error or status line (ui/render.py), and its example questions."""

from __future__ import annotations

import pytest

from ui.render import message_html


def test_a_command_in_backticks_is_set_as_code_not_shown_with_its_backticks() -> None:
    out = message_html("No index at /x; run `qa index` to build it.")
    assert out == "No index at /x; run <code>qa index</code> to build it.", out


def test_the_line_stays_escaped() -> None:
    out = message_html("<script>alert(1)</script> `<b>`")
    assert "<script>" not in out and "<b>" not in out and "&lt;script&gt;" in out, out


def test_example_questions_are_offered_only_over_the_seeds_they_ask_about() -> None:
    from tests.conftest import SEEDS
    from ui.render import EXAMPLES, examples_for

    seeds = {p.name for p in SEEDS.iterdir()}
    assert examples_for(seeds) == [q for q, _ in EXAMPLES] and len(EXAMPLES) == 4
    assert examples_for({"my-own-article.txt"}) == []
    assert examples_for({"002_299aeecd3ab3c2fd.txt"}) == ["Who did Im Chon-il meet in Moscow?"]


@pytest.mark.parametrize("value", [2.7, "3", True, 0, [5]])
def test_the_http_k_is_a_whole_number_or_a_one_line_refusal(value: object) -> None:
    """Over HTTP, k=2.7 was quietly 2 and "3" was 3, where the Python API refuses both."""
    from qa.errors import UsageError
    from ui.app import _k

    with pytest.raises(UsageError, match="k must be a whole number"):
        _k(value)
    assert _k(5.0) == 5 and _k(3) == 3  # the slider sends floats
    assert _k(None) is None  # an API caller leaving k out gets the index's default
    with pytest.raises(UsageError, match="not true"):
        _k(True)  # as a JSON caller wrote it, not Python's "True" (a new user's)


def test_the_cited_passage_is_marked_paragraph_by_paragraph() -> None:
    import re

    from ui.render import source_html

    text = "Title\n\nFirst para of the story.\n\nSecond para, the answer is here. More.\n\nLast.\n"
    s, e = text.index("First"), text.index("More.") + len("More.")
    hs, he = text.index("the answer"), text.index(" More.")
    c = {"start_char": s, "end_char": e, "text": text[s:e], "highlight": {"start_char": hs, "end_char": he}}
    out = source_html("a.txt", "Title", text, c)
    boxes = re.findall(r'<span class="qa-cited">(.*?)</span>', out)
    # One box per paragraph: none drawn over the blank line between them (it showed as an empty box).
    assert boxes == [
        "First para of the story.",
        'Second para, <mark class="qa-evidence">the answer is here.</mark> More.',
    ]
    plain = re.sub(r"<[^>]+>", "", out.split('class="qa-source"', 1)[1].split(">", 1)[1])
    assert plain.replace("</div", "").startswith(text.rstrip("\n")), "the article's text is unchanged"


def test_a_citation_of_an_article_changed_since_is_marked_where_its_passage_is_now() -> None:
    """A card from before a rebuild opened after its article was edited: its offsets are of the old
    text (the passage was marked from mid-word in a user's chat)."""
    import re

    from ui.render import source_html

    old = "Title\n\nThe ferry leaves at dawn. The answer is here. More.\n"
    s, e = old.index("The answer"), old.index("More.") + len("More.")
    hs, he = s, old.index(" More.")
    c = {"start_char": s, "end_char": e, "text": old[s:e], "highlight": {"start_char": hs, "end_char": he}}
    new = old.replace("Title\n\n", "Title\n\nA new first paragraph was added.\n\n")
    out = source_html("a.txt", "Title", new, c)
    assert re.findall(r'<mark class="qa-evidence">(.*?)</mark>', out) == ["The answer is here."]
    assert "changed since the answer; the cited passage is marked where it is now" in out
    gone = source_html("a.txt", "Title", new.replace("The answer is here.", "No answer."), c)
    assert "qa-evidence" not in gone and "no longer in it" in gone
    assert "changed" not in source_html("a.txt", "Title", old, c), "an unchanged article has no note"


def test_the_viewer_names_an_article_without_a_title_by_its_file_once() -> None:
    """A new user's viewer header read "a.txt (a.txt · original file)" for an untitled article."""
    from ui.render import source_html

    untitled = source_html("a.txt", None, "Some text.", None)
    assert ">a.txt <" in untitled and "(a.txt ·" not in untitled, untitled
    titled = source_html("a.txt", "Title", "Some text.", None)
    assert ">Title <" in titled and "(a.txt ·" in titled, titled


def test_the_article_page_marks_a_citation_of_any_answer_only_where_its_text_still_is() -> None:
    """Each card links to its article on a page of its own (earlier answers' citations could not be
    opened: the article panel follows the last answer only)."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    from ui.render import article_page, card_html

    text = "Title\n\nThe ferry leaves at dawn. The answer is here. More.\n"
    s, e = text.index("The ferry"), text.index("More.") + len("More.")
    hs, he = text.index("The answer"), text.index(" More.")
    c = {
        "n": 1, "source": "news/a b.txt", "start_line": 3, "end_line": 3, "start_char": s, "end_char": e,
        "text": text[s:e], "highlight": {"start_char": hs, "end_char": he, "text": text[hs:he]},
    }  # fmt: skip
    href = re.search(r'class="qa-whole" href="([^"]+)"', card_html(c)).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    url = urlsplit(href)
    assert url.path == "article/news/a%20b.txt" and url.fragment == "qa-cited", href
    spans = dict(parse_qsl(url.query))
    doc = {"title": "Title", "outlet": "Harbour Herald", "published": "2024-05-02"}
    page = article_page("news/a b.txt", doc, text, spans)
    assert re.findall(r'<mark class="qa-evidence">(.*?)</mark>', page) == ["The answer is here."]
    assert 'href="../../original/news/a%20b.txt"' in page, "the original file, from /article/news/ up"
    assert "Harbour Herald · 2024-05-02 · line 3" in page, "outlet, date and lines under the title"
    assert "changed" not in page
    # An article edited above the passage (the index rebuilt): marked where it is now, and said so.
    moved = article_page("news/a b.txt", doc, "Title\n\nA new first paragraph.\n\n" + text[7:], spans)
    assert re.findall(r'<mark class="qa-evidence">(.*?)</mark>', moved) == ["The answer is here."]
    assert "marked where it is now" in moved and "line 5" in moved
    # The text now ends before the passage's old end (a paragraph above it was cut): still found.
    assert "marked where it is now" in article_page(
        "news/a b.txt",
        doc,
        text,
        {**spans, "s": str(s + 20), "e": str(e + 20), "hs": str(hs + 20), "he": str(he + 20)},
    )
    # A link no citation makes is not searched for: a passage longer than any excerpt, a `p` not its opening.
    assert "not marked" in article_page("news/a b.txt", doc, text, {**spans, "e": "100000"})
    assert "not marked" in article_page("news/a b.txt", doc, text, {**spans, "p": "T"})
    edited = text.replace("The ferry", "A boat")
    for changed, at in ((edited, spans), (text, {**spans, "e": "3"}), (text, {"s": "x"})):
        other = article_page("news/a b.txt", doc, changed, at)
        assert "<mark" not in other and "the passage is not marked" in other
        assert "The answer is here." in other, "the article is shown all the same"
    hostile = article_page("a.txt", {"title": "<b>T</b>", "outlet": "<i>O</i>"}, "<script>x()</script>", {})
    assert "<script>x()" not in hostile and "<b>T</b>" not in hostile and "<i>O</i>" not in hostile


def test_a_card_of_an_untitled_article_does_not_show_its_date_as_its_title() -> None:
    from ui.render import card_html

    c = {
        "n": 1, "source": "003.txt", "start_line": 3, "end_line": 3, "start_char": 0, "end_char": 5, "text": "Hello",
        "highlight": {"start_char": 0, "end_char": 5, "text": "Hello"}, "title": None, "published": "2025-05-21",
    }  # fmt: skip
    assert '<div class="qa-meta">(no title) · 2025-05-21</div>' in card_html(c)
    assert '<div class="qa-meta">' not in card_html({**c, "published": None}), "nothing to say: no line"
    assert '<div class="qa-meta">Title · 2025-05-21</div>' in card_html({**c, "title": "Title"})
