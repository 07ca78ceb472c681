"""Same story in several files (qa/stories.py): cited once, the other files named in `also_in`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qa
from qa.config import Settings
from qa.ingest.files import read_document
from qa.stories import MIN_SHINGLES, outside, signature, stories
from tests.conftest import FakeEmbedder
from tests.unit.ingest.test_html import PAGE

STORY = (
    "The old harbour of Quendor reopened on Thursday after two years of repairs, the port authority said. "
    "Ferries to the islands resume next week, with six crossings a day in summer. The repairs cost 14 "
    "million crowns, most of it spent on the northern breakwater, which a storm broke in the winter of 2022."
)
OTHER = (
    "The village market of Ellis opens on Saturdays at dawn with forty stalls of bread, cheese and fish. "
    "Traders pay a small fee to the council, which spends it on lights for the square and a winter roof. "
    "The market has run every week since 1921, except for two months of floods in the spring of 1953."
)


def whole(text: str) -> list[list[int]]:
    return [[0, len(text)]]


def test_copies_with_different_chrome_are_one_story_and_other_articles_are_not() -> None:
    syndicated = "Home | Sport | Weather\n" + STORY + "\nRelated: Ten best beaches\nCopyright The Courier"
    short = "Harbour reopened on Thursday."
    sigs = {
        "a.txt": signature(STORY, whole(STORY)),
        "b.html": signature(syndicated, whole(syndicated)),
        "c.txt": signature(OTHER, whole(OTHER)),
        "d.txt": signature(short, whole(short)),
    }
    got = stories(sigs)
    assert got["a.txt"] == got["b.html"] == "a.txt", "the first source names the story"
    assert got["c.txt"] == "c.txt" and got["d.txt"] == "d.txt", "another article, and a too-short text, stand alone"
    # the regions decide: text outside them does not count
    assert not np.array_equal(signature(syndicated, [[0, 10]]), sigs["b.html"])


def test_a_story_saved_twice_is_cited_once_and_names_the_other_file(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.html").write_text(PAGE, encoding="utf-8")
    text = read_document(seeds / "harbour.html", seeds).text
    (seeds / "harbour-copy.txt").write_text("Saved from The Quendor Courier\n\n" + text, encoding="utf-8")
    (seeds / "market.txt").write_text("Market day\n\n" + OTHER + "\n", encoding="utf-8")
    settings = Settings(seeds_dir=seeds, index_dir=tmp_path / "index", min_confidence=0.0)
    qa.build(settings=settings, embedder=FakeEmbedder())
    engine = qa.load(settings.index_dir, embedder=FakeEmbedder(), settings=settings)
    answer = engine.ask("How much did the harbour repairs cost?", 5)
    sources = [c.source for c in answer.citations]
    assert len({s for s in sources if s.startswith("harbour")}) == 1, f"both copies cited: {sources}"
    first = next(c for c in answer.citations if c.source.startswith("harbour"))
    other = ({"harbour.html", "harbour-copy.txt"} - {first.source}).pop()
    assert first.also_in == (other,) and first.to_dict()["also_in"] == [other]
    market = next(c for c in answer.citations if c.source == "market.txt")
    assert market.also_in == () and "also_in" not in market.to_dict()
    from qa.cli_ask import render

    shown = render(answer)  # the terminal says it too, as the chat and the JSON do
    assert f"same story also in: {other}" in shown and shown.count("same story also in") == 1, shown


def test_japanese_copies_are_one_story_although_their_spaces_differ() -> None:
    """Japanese is written without spaces, so two copies of one article split into "words" at
    different places (a saved page and its text render); character shingles still match."""
    article = (
        "特に困ったのが、起動ショートカットキーに関する設定。これが非常に困ったもの。"
        "何が困るかといえば、パスワード管理ソフトの起動ショートカットキーと同じなのです。"
        "しかも設定画面からでは、このショートカットキーの設定を変更することができません。"
    )
    spaced = article.replace("。", "。 ").replace("、", "、 ")
    other = "今日は雨が降っていますが、明日は晴れるでしょう。公園で散歩をする予定です。" * 3
    sigs = {name: signature(t, [(0, len(t))]) for name, t in (("a.html", article), ("a.txt", spaced), ("b.txt", other))}
    group = stories(sigs)
    assert group["a.html"] == group["a.txt"] != group["b.txt"]


def test_an_article_found_in_a_whole_page_whose_regions_went_wrong_is_the_same_story() -> None:
    """A page's text render whose line model kept the wrong span (a table) still holds the saved
    page's article in its whole text: one story. A site's blurb kept as the article of one page, and
    repeated in the chrome of another page of the site, is no article of that page: two stories."""
    table = "Team | Played | Won\nNorth | 10 | 7\nSouth | 10 | 5\nEast | 10 | 2\n"
    render = "Home | Sport\n" + STORY + "\n" + table
    wrong = [[render.index("Team"), len(render)]]  # the render's regions: the table only
    sigs = {"a.html": signature(STORY, whole(STORY)), "a.txt": signature(render, wrong)}
    rests = {"a.html": outside(STORY, whole(STORY)), "a.txt": outside(render, wrong)}
    assert stories(sigs)["a.txt"] == "a.txt", "the regions alone do not match"
    assert stories(sigs, rests)["a.txt"] == "a.html"
    assert len(rests["a.html"]) == 0, "a text that is all article has no rest"

    blurb = (
        "Sign up for our morning newsletter and get the day's news from the harbour, the islands and "
        "the river towns in your inbox before breakfast, every weekday, with the tide tables free. "
        "Readers who join this month also receive our guide to the coastal walks, the ferry timetable "
        "for the summer season and a weekly letter from the editor about what the council decided."
    )
    article = OTHER + " " + " ".join(f"On day {n} it sold {7 * n} loaves to {n + 20} visitors." for n in range(40))
    page = "Newsletter\n" + blurb + "\n" + article
    page_regions = [[page.index(OTHER), len(page)]]
    sigs = {"x.txt": signature(blurb, whole(blurb)), "y.txt": signature(page, page_regions)}
    rests = {"x.txt": outside(blurb, whole(blurb)), "y.txt": outside(page, page_regions)}
    assert len(sigs["x.txt"]) >= MIN_SHINGLES, "the blurb is long enough to be matched at all"
    assert stories(sigs, rests) == {"x.txt": "x.txt", "y.txt": "y.txt"}
