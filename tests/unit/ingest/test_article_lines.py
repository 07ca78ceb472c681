"""The line model of whole-page text (qa/ingest/article_lines.py): the article is the span of lines the
model finds article-like; menus, teasers of other stories and footers around it are not regions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.ingest import article_lines
from qa.ingest.analyse import analyse
from qa.ingest.lines import classify_lines
from qa.ingest.pdf_reader import paragraphs

ARTICLE = [
    "Engineers began rebuilding the northern breakwater of Quendor harbour on Monday, two years after a winter "
    "storm broke it and forced the fishing fleet to moor in the river mouth.",
    "The port authority said the work would cost 14 million crowns and take until the end of next summer, when "
    "ferries to the islands are due to return to their old timetable of six crossings a day.",
    "Ana Veld, who has fished from the harbour for thirty years, said the catch had suffered while boats waited "
    "for the tide, and that younger crews had left for the southern ports in the meantime.",
    "The council has promised that the new wall will be two metres higher than the old one, built from granite "
    "blocks quarried on the island of Brask rather than the concrete that failed in the storm.",
]

SHARE = ["Share this article", "Facebook", "Twitter", "Email"]

MENU = ["Home", "News", "Local", "Sport", "Weather", "Opinion", "Obituaries", "Subscribe", "Sign in"]

# Teasers of other stories: sentences, but not this article's.
TEASERS = [
    "More from the Courier",
    "Council votes to close the old library on Harbour Street after a long debate that lasted well into the night",
    "Ferry operator warns of delays as the new season's timetable starts later than planned this year",
    "Local bakery wins regional prize for its rye bread, the third award in a row for the family business",
]


def page(*blocks: list[str]) -> str:
    return "\n\n".join("\n".join(b) for b in blocks) + "\n"


def regions_text(text: str) -> str:
    doc = analyse("page.txt", text, "0" * 64)
    return "\n".join(text[a:b] for a, b in doc.regions)


def test_article_lines_are_kept_and_menus_and_teasers_are_not() -> None:
    # (Teasers right below a short article with nothing between can read as its continuation: the
    # README's known limits.)
    header = ["Harbour wall rebuilt after storm", "By Mira Holt"]
    text = page(MENU, header, ARTICLE, SHARE, TEASERS, ["© 2024 The Courier"])
    kept = regions_text(text)
    for line in ARTICLE:
        assert line in kept, f"an article line was dropped: {line[:40]}"
    for line in TEASERS[1:] + MENU:
        assert line not in kept, f"not the article, yet kept: {line[:40]}"
    assert analyse("page.txt", text, "0" * 64).title == "Harbour wall rebuilt after storm"


def test_a_whole_page_is_titled_by_the_headline_above_its_article_not_its_first_heading() -> None:
    """Above the article of a whole page stand the site's own headings ("Latest from the Courier"); the
    headline is the heading-like line next to it that names what the lede tells. When no line above
    shares the lede's words, the page has no title rather than a guessed one."""
    site = ["The Daily Courier", "Latest from the Courier", *MENU]
    headline = "Quendor harbour breakwater rebuilt after the winter storm"
    text = page(site, TEASERS, [headline, "By Mira Holt"], ARTICLE, SHARE)
    assert analyse("page.txt", text, "0" * 64).title == headline
    # and it is the title, not article text: a printed page's headline was cited alone and highlighted
    # as the answer (a new user's)
    assert headline not in regions_text(text) and ARTICLE[0] in regions_text(text)
    untitled = page(site, TEASERS, ["Photo gallery", "By Mira Holt"], ARTICLE, SHARE)
    assert analyse("page.txt", untitled, "0" * 64).title is None
    # a clean file keeps its first line as its title, a section label between them or not
    for clean in (page(["Harbour wall rebuilt"], ARTICLE), page(["Harbour wall rebuilt", "LOCAL NEWS"], ARTICLE)):
        assert analyse("clean.txt", clean, "0" * 64).title == "Harbour wall rebuilt"


def test_a_bylines_time_stamp_or_a_line_sharing_one_word_with_the_lede_is_no_headline() -> None:
    """A whole page's byline stamp ("Monday 6:30PM" over a lede that says Monday) was taken for the
    headline: one shared word is chance, and a time of day is a stamp."""
    site = ["The Daily Courier", "Latest from the Courier", *MENU]
    headline = "Fishermen cheer as Quendor breakwater work finally starts"
    text = page(site, TEASERS, [headline, "By Mira Holt", "Monday 6:30PM"], ARTICLE, SHARE)
    assert analyse("page.txt", text, "0" * 64).title == headline
    for stamp in (["By Mira Holt", "Monday 6:30PM"], ["Northern edition"]):
        untitled = page(site, TEASERS, ["Photo gallery", *stamp], ARTICLE, SHARE)
        assert analyse("page.txt", untitled, "0" * 64).title is None


def test_the_headline_stands_above_the_byline_and_says_most_of_the_lede() -> None:
    """A video's title between the byline and the lede ("Quendor harbour breakwater rebuilding begins")
    and a short tag above the headline ("Quendor harbour") share the lede's words too; the headline
    was lost to whichever shared the larger part of its own few words."""
    site = ["The Daily Courier", "Latest from the Courier", *MENU]
    headline = "Engineers start rebuilding Quendor breakwater two years after storm wrecked it"
    video = "Quendor harbour breakwater rebuilding begins"
    byline = ["By Mira Holt", "March 4, 2024 10:31 AM"]
    text = page(site, TEASERS, ["Quendor harbour", headline, *byline], [video], ARTICLE)
    assert analyse("page.txt", text, "0" * 64).title == headline
    # without a byline or a date, nothing says where the headline stands: the one saying most of the lede
    text = page(site, TEASERS, ["Quendor harbour", headline, video], ARTICLE)
    assert analyse("page.txt", text, "0" * 64).title == headline


def test_a_file_s_own_title_stays_when_a_standfirst_shares_the_lede_s_words() -> None:
    """A title right above the text is the file's own, even when it names nothing the lede tells and
    the line between does (a standfirst): measured and kept so (stop 39; a back link over a headline,
    "Zurück zur Übersicht", is titled by the link)."""
    standfirst = "How engineers are rebuilding the Quendor harbour breakwater"
    text = page(["A quiet revolution", standfirst], ARTICLE, SHARE)
    assert analyse("page.txt", text, "0" * 64).title == "A quiet revolution"


@pytest.mark.parametrize("end", [" 🙂", " ⬇️", "❤️ 🎄"])
def test_a_first_sentence_ending_before_an_emoji_is_article_text_not_the_title(end: str) -> None:
    """A text that opens on its first sentence, an emoji after its full stop or exclamation mark, has
    no title: that sentence is the article's and is indexed (it was taken for the title, and a
    question about the show it names found nothing)."""
    lede = (
        "Visitors who booked through the harbour office came to the Quendor Theatre to watch the "
        "Tale of the Breakwater and have left their reviews of the show here!"
    )
    doc = analyse("review.txt", page([lede + end], ARTICLE), "0" * 64)
    assert doc.title is None, doc.title
    assert any(lede in doc.text[a:b] for a, b in doc.regions), "the first sentence is not indexed"
    titled = analyse("review.txt", page(["Harbour wall rebuilt after storm 🙂"], ARTICLE), "0" * 64)
    assert titled.title == "Harbour wall rebuilt after storm 🙂", "a headline ending on an emoji is still one"


def test_a_first_line_too_long_for_a_headline_is_the_lede_without_its_full_stop() -> None:
    """Two of the shared news bodies open on a 26-word lede with no full stop ("Chelsea have this
    morning paid the £71.6million fee ..."): it was taken for the title and never cited, so a
    question about the fee found nothing. A headline runs to 24 words at most."""
    lede = (
        "Chelsea have this morning paid the record fee to the Spanish league to secure the signing of "
        "the goalkeeper from Athletic Bilbao after a long week of talks in London"
    )
    doc = analyse("transfer.txt", page([lede], ARTICLE), "0" * 64)
    assert doc.title is None, doc.title
    assert any(lede in doc.text[a:b] for a, b in doc.regions), "the lede is not indexed"
    short = "Chelsea pay a record fee for the Athletic Bilbao goalkeeper after a long week of talks in London"
    assert analyse("transfer.txt", page([short], ARTICLE), "0" * 64).title == short


def test_a_sentence_followed_by_hashtags_is_no_headline() -> None:
    """A shared news body opens on an advertiser's disclosure ending in tags ("All opinions are mine
    alone. #HealthyHydration #ad"): it was taken for the title, as a line that does not end like a
    sentence. Tags after a full stop do not make a sentence a headline."""
    disclosure = "This shop has been compensated by the advertiser. All opinions are mine alone. #HealthyHydration #ad"
    assert analyse("hike.txt", page([disclosure], ARTICLE), "0" * 64).title is None
    tagged = "Harbour wall rebuilt after storm #harbour"
    assert analyse("hike.txt", page([tagged], ARTICLE), "0" * 64).title == tagged, "a headline may carry a tag"


def test_a_clean_article_keeps_every_line() -> None:
    text = page(["Harbour wall rebuilt after storm"], ARTICLE)
    kept = regions_text(text)
    assert all(line in kept for line in ARTICLE)


def test_without_any_article_like_line_the_rules_decide_alone() -> None:
    text = page(["Shopping list", "eggs", "flour", "two lemons", "call the plumber about the kitchen tap"])
    lines = classify_lines(text)
    assert article_lines.select(lines, np.full(len(article_lines.FEATURES), -5.0)) == lines


def test_the_span_is_the_run_with_the_most_evidence() -> None:
    p = np.array([0.9, 0.1, 0.8, 0.9, 0.0, 0.0, 0.95, 0.3])
    w = np.ones_like(p)
    assert article_lines.best_span(p, w) == (2, 3), "a single high line does not outweigh a run"
    assert article_lines.best_span(p, np.array([1, 1, 1, 1, 1, 1, 9, 1.0])) == (6, 6), "length weighs"
    assert article_lines.best_span(np.array([0.2, 0.4]), np.ones(2)) is None


def test_a_model_file_that_does_not_match_the_features_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "line_model.json"
    bad.write_text(json.dumps({"weights": {"bias": 1.0}}))
    with pytest.raises(ValueError, match=r"bench/lines\.py --write"):
        article_lines.load_model(bad)


def test_the_shipped_model_names_every_feature() -> None:
    weights, data = article_lines.load_model()
    assert weights.shape == (len(article_lines.FEATURES),) and np.isfinite(weights).all()
    assert "bench/lines.py" in data["about"]


def test_cjk_runs_count_as_words() -> None:
    assert article_lines.word_units("Kindle for PC") == 3
    assert article_lines.word_units("今回はそのKindleデスクトップアプリに関する話") >= 8


def test_pdf_lines_wrapped_at_the_margin_are_joined_into_paragraphs() -> None:
    full = "x" * 60 + " and the quick brown fox jumps"
    lines = [full, full, "ends here.", "Heading", full, "last line of it."]
    assert paragraphs(lines) == [f"{full} {full} ends here.", "Heading", f"{full} last line of it."]
    assert paragraphs([]) == []
