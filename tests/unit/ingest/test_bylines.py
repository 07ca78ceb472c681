"""Two authors named on a line of their own under a headline, beside its date line, are the article's
byline: its author, not its text (a new user's "Hannah Okafor and Tom Lindqvist" was cited as the
evidence for "Who is Priya Raman?")."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.bylines import named_pair
from qa.ingest.files import document_of


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Hannah Okafor and Tom Lindqvist", "Hannah Okafor and Tom Lindqvist"),
        ("  Callum Reid & Priya Sandhu ", "Callum Reid & Priya Sandhu"),
        ("Priya Sandhu", None),  # one name alone is too like a section label ("Print Edition")
        ("Land and Sea", None),
        ("Friday Night and Saturday Morning", None),
        ("Hannah Okafor and Tom Lindqvist, Millbrook Gazette", None),  # an outlet: not a bare pair
        ("The Mayor and The Council", None),  # title case with function words
    ],
)
def test_two_names_on_a_line_of_their_own(line: str, found: str | None) -> None:
    assert named_pair(line) == found


ARTICLE = """Burst sewer main behind Millbrook water contamination

Hannah Okafor and Tom Lindqvist
Published: 14 March 2025

The contamination of Millbrook's drinking water was caused by a cracked sewer main, the water company said on Friday.

Graham Whitcombe, chief executive of Millbrook Water, said the main had been repaired overnight.
"""


def read(tmp_path: Path, text: str) -> tuple[str, str | None, str | None, str]:
    path = tmp_path / "water.txt"
    path.write_text(text, encoding="utf-8")
    doc = document_of(path, path.name, path.read_bytes())
    return doc.text[doc.regions[0][0] :], doc.author, doc.published, doc.title or ""


def test_the_pair_beside_the_date_line_is_the_author_not_the_text(tmp_path: Path) -> None:
    first, author, published, title = read(tmp_path, ARTICLE)
    assert author == "Hannah Okafor and Tom Lindqvist"
    assert first.startswith("The contamination of Millbrook's"), first[:60]
    assert (published, title) == ("2025-03-14", "Burst sewer main behind Millbrook water contamination")


def test_a_pair_of_capitalised_phrases_with_no_date_line_beside_it_stays_text(tmp_path: Path) -> None:
    assert named_pair("Rising Prices and Falling Wages") == "Rising Prices and Falling Wages"  # reads as two names
    text = ARTICLE.replace("Published: 14 March 2025\n", "").replace(
        "Hannah Okafor and Tom Lindqvist", "Rising Prices and Falling Wages"
    )
    first, author, _published, _title = read(tmp_path, text)
    assert author is None
    assert first.startswith("Rising Prices and Falling Wages\n"), first[:60]


@pytest.mark.parametrize(
    ("field", "published", "author"),
    [
        ("JERUSALEM POST STAFF NOVEMBER", "2019-11-20", "JERUSALEM POST STAFF"),  # a new user saw it so
        ("Carrie Arnold November", "2019-11-15", "Carrie Arnold"),
        ("Detroit News wire services Published", None, "Detroit News wire services"),
        ("John Smith Updated November", "2019-11-02", "John Smith"),
        ("Fredric March", "2019-11-20", "Fredric March"),  # a review's: a surname that is a month
        ("Mary August", None, "Mary August"),
        ("Tom Krisher; Ap Auto Writer", None, "Tom Krisher"),  # a part after the first that is a role
        ("STEVE PEOPLES; AP National Political Writer", None, "STEVE PEOPLES"),
        ("Kim Min-ji reporter; Lee Ji-eun", None, "Kim Min-ji reporter; Lee Ji-eun"),  # the first part stays
        ("Jane Doe; Guest Columnist Mark Twain", None, "Jane Doe; Guest Columnist Mark Twain"),
        ("Science X staff", None, "Science X staff"),
        ("Rob August Published", "2019-08-01", "Rob August"),  # a third review's: the label, not the name
        ("Jane Doe;  ; Bob Roe", None, "Jane Doe; Bob Roe"),
        ("Carrie Arnold November", "2019-1105", "Carrie Arnold November"),  # no date as qa writes one
        # one person twice, and the site's host as words (a new user's Cleveland page)
        ("Troy Smith; Troy L Smith; Cleveland com", "2019-11-19", "Troy L Smith"),
        ("Ann Lee; Ann Lee", None, "Ann Lee"),
        ("Lia Eustachewich; Yaron Steinbuch", None, "Lia Eustachewich; Yaron Steinbuch"),
        ("Kim Lee; Lee Kim", None, "Kim Lee; Lee Kim"),  # a review's: two people, not one
        ("John Smith; John Smith Jr", None, "John Smith; John Smith Jr"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_a_saved_pages_author_field_loses_a_label_or_its_own_month_run_into_it(
    field: str | None, published: str | None, author: str | None
) -> None:
    from qa.ingest.bylines import page_author

    assert page_author(field, published) == author


SUBHEAD = "Rising Prices and Falling Wages"


@pytest.mark.parametrize(
    "head",
    [
        f"{SUBHEAD}\nBy Jane Doe | 14 March 2025",  # a "By" line is the byline
        f"Published: 14 March 2025\n{SUBHEAD}",  # below the date
        f"{SUBHEAD}\n\nPublished: 14 March 2025",  # a blank line between
        f"https://millbrook.example/news/water\n{SUBHEAD}",  # beside a link line
        f"Source: Millbrook Gazette\n{SUBHEAD}",
    ],
)
def test_two_capitalised_phrases_not_right_above_the_date_line_stay_text(tmp_path: Path, head: str) -> None:
    """A review's: any metadata line beside them, across a blank line too, made them the author
    (over a real "By" line) and took them out of the text."""
    text = ARTICLE.replace("Hannah Okafor and Tom Lindqvist\nPublished: 14 March 2025", head)
    first, author, _published, _title = read(tmp_path, text)
    assert author in (None, "Jane Doe")
    assert SUBHEAD in first, first[:120]


def test_a_long_run_of_spaces_beside_a_date_is_read_in_linear_time(tmp_path: Path) -> None:
    import time

    text = ARTICLE.replace("Hannah Okafor and Tom Lindqvist", "Rising" + " " * 40_000 + "Wages")
    t0 = time.perf_counter()
    read(tmp_path, text)
    assert time.perf_counter() - t0 < 3.0  # 9.5 s when the names were split before the length check


def test_names_further_down_the_header_than_the_headline_stay_text(tmp_path: Path) -> None:
    """Only the first line under the headline is read so: one below a section label could as well
    be a subheading (a third review's mutation of this condition passed every test)."""
    text = ARTICLE.replace("\nHannah Okafor and Tom Lindqvist", "\nLocal News\nHannah Okafor and Tom Lindqvist")
    _first, author, _published, _title = read(tmp_path, text)
    assert author is None


@pytest.mark.parametrize(
    ("field", "site", "author"),
    [
        ("Sandee LaMotte; CNN", ("MSN",), "Sandee LaMotte"),  # one word: an outlet
        ("Jill Disis; CNN Business", ("CNN", "www.cnn.com"), "Jill Disis"),  # the page's own outlet
        ("Charlie Wood; Business Insider", ("Business Insider Deutschland",), "Charlie Wood"),
        ("Amy Kuperinsky; NJ Advance Media", ("NJ.com", "nj.com"), "Amy Kuperinsky"),
        ("David Jeans; Kevin Rebong; Kevin-R", ("The Real Deal New York",), "David Jeans; Kevin Rebong"),  # a login
        ("Ilana Muhlstein; MS; RDN", ("The Beachbody Blog",), "Ilana Muhlstein"),  # credentials
        ("Lia Eustachewich; Yaron Steinbuch", ("New York Post",), "Lia Eustachewich; Yaron Steinbuch"),
        ("Jane Doe; Business Insider", (), "Jane Doe; Business Insider"),  # no site known: a name for all qa knows
        ("CNN Business", ("CNN",), "CNN Business"),  # the first part stays whatever it says
    ],
)
def test_an_author_field_loses_parts_that_name_no_person(field: str, site: tuple[str, ...], author: str) -> None:
    """New users' pages: "Jill Disis; CNN Business", "Charlie Wood; Business Insider", "David Jeans;
    Kevin Rebong; Kevin-R" (a login from the page's JSON-LD) were each shown as the article's authors."""
    from qa.ingest.bylines import page_author

    assert page_author(field, None, site) == author
