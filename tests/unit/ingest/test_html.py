"""Saved web pages (`.html`/`.htm`): the article text and its metadata (qa/ingest/html_reader.py, trafilatura),
indexed and cited as exact slices of the extracted text, which `qa text` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
from qa.cli import main
from qa.config import Settings
from qa.errors import CorpusError
from qa.ingest.document import Document
from qa.ingest.files import read_document
from tests.conftest import FakeEmbedder

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour reopens | The Quendor Courier</title>
<meta property="og:title" content="Harbour reopens after two years of repairs">
<meta property="og:site_name" content="The Quendor Courier">
<meta name="author" content="Mira Okafor">
<meta property="article:published_time" content="2024-05-02T09:00:00Z">
<link rel="canonical" href="https://courier.example/news/harbour-reopens">
<script>window.tracker = "NAVSECRET-script";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li><li>Subscribe now NAVSECRET</li></ul></nav>
<article>
<h1>Harbour reopens after two years of repairs</h1>
<p>The old harbour of Quendor reopened on Thursday after two years of repairs, the port authority said.
Ferries to the islands resume next week, with six crossings a day in summer.</p>
<p>The repairs cost 14 million crowns, most of it spent on the northern breakwater, which a storm
broke in the winter of 2022. Fishermen had moored in the river since then.</p>
<p>"We are glad to be home," said Ana Veld, who has fished from the harbour for thirty years. She said
the catch had suffered while boats waited for the tide in the river mouth.</p>
</article>
<aside><h3>Related</h3><a href="/x">NAVSECRET related story one</a></aside>
<footer><p>Copyright 2024 The Quendor Courier. All rights reserved. Cookie settings NAVSECRET</p></footer>
</body></html>
"""


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_a_saved_page_gives_its_article_text_and_metadata(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "harbour.html", PAGE), tmp_path)
    assert doc.format == "html"
    assert doc.title == "Harbour reopens after two years of repairs"
    assert doc.published == "2024-05-02"
    assert doc.outlet == "The Quendor Courier"
    assert doc.author == "Mira Okafor"
    assert doc.url == "https://courier.example/news/harbour-reopens"
    assert "NAVSECRET" not in doc.text, "navigation, scripts, related links and the footer are not article text"
    assert "six crossings a day" in doc.text and "thirty years" in doc.text
    ((start, end),) = doc.regions
    article = doc.text[start:end]
    assert article.startswith("The old harbour of Quendor") and article.endswith("in the river mouth.")
    assert doc.text.startswith(doc.title + "\n\n"), "the title heads the text but is not article region"
    # paragraphs stay paragraphs (a blank line between them), each on one line
    assert article.count("\n\n") == 2 and "\n" not in article.replace("\n\n", "")
    again = read_document(write(tmp_path, "copy.htm", PAGE), tmp_path)
    assert again.text == doc.text and again.regions == doc.regions, "the same bytes give the same text"


def test_a_page_states_nothing_it_does_not_have(tmp_path: Path) -> None:
    bare = "<html><body><article>" + "<p>Plain words about a quiet village market and its stalls.</p>" * 6
    doc = read_document(write(tmp_path, "bare.html", bare + "</article></body></html>"), tmp_path)
    assert doc.published is None and doc.author is None and doc.url is None
    # A year in the text or the footer is no date of the page (it was dated 2024-01-01 / 2000-01-01).
    story = "<p>In 2000 the old market hall was restored, and its stalls have been let ever since.</p>" * 4
    footer = "<footer><p>© 2024 Quendor Gazette. All rights reserved.</p></footer>"
    page = f"<html><body><article>{story}</article>{footer}</body></html>"
    assert read_document(write(tmp_path, "undated.html", page), tmp_path).published is None


SET_IN = """<html lang="en"><head><title>Council votes on the bridge</title></head><body><article>
<h1>Council votes on the bridge</h1>
<p>Tuesday, 22 October 2019 20:13</p>
<p>The town council of Quendor voted on Tuesday to rebuild the old stone bridge over the river, after
a year of arguments about its cost and about the traffic it would bring.</p>
<p>Mayor <span class="card"><a href="/people/veld">Ana Veld</a><span class="pop"><img src="veld.jpg">
<a href="/a">CARDSECRET Veld opens the harbour</a> <a href="/b">CARDSECRET Veld on ferries</a>
<a href="/more">MORE</a></span></span> said the work would start in spring and last two summers, with one
lane open to traffic all the time.</p>
<p>SEE MORE: Harbour reopens after two years of repairs</p>
<p>A: The ferry company was asked whether crossings would change, and it said they would not.</p>
<p>Critics said the council had not asked the villages upstream, whose lorries use the bridge every
day, and they called for a second vote in the new year.</p>
</article></body></html>
"""


def test_what_the_page_set_into_the_article_is_text_but_never_cited(tmp_path: Path) -> None:
    """A dateline and a "SEE MORE" pointer stay in the extracted text (between regions); a person's
    hover card of links inside a paragraph is not text at all; the paragraph around it is whole."""
    doc = read_document(write(tmp_path, "bridge.html", SET_IN), tmp_path)
    assert "CARDSECRET" not in doc.text
    assert "Mayor Ana Veld said the work would start in spring" in " ".join(doc.text.split())
    cited = " ".join(doc.text[a:b] for a, b in doc.regions)
    for set_in in ("22 October 2019", "SEE MORE"):
        assert set_in in doc.text and set_in not in cited
    for article in ("voted on Tuesday", "Ana Veld", "A: The ferry company", "second vote"):
        assert article in cited, "a paragraph that starts with a label of other words is the article's"
    assert len(doc.regions) == 2, "the pointer splits the article into two regions"



RELATED = """<html lang="en"><head><title>Plumes on Europa</title></head><body><article>
<p>Astronomers watched Jupiter's moon Europa on 17 nights and saw water vapour above its surface once,
on 26 April 2016, which they say points to plumes rising from an ocean under the ice.</p>
<div class="section-title"><h2>related news</h2></div>
<ul><li><a href="/a"><u>RELATEDSECRET Mission Could Spot Signs of Alien Life</u></a></li>
<li><a href="/b">RELATEDSECRET Photos: Mysterious Icy Moon</a></li></ul>
<p>NASA is developing a mission called Europa Clipper, which is scheduled to launch in the mid-2020s
and will fly past the moon dozens of times to study it.</p>
<p>How the find unfolded, in our earlier coverage:</p>
<ul><li><a href="/t1">TIMELINE 2016: the telescope first saw the vapour over the south pole.</a></li>
<li><a href="/t2">TIMELINE 2019: a second team confirmed the signal from the ground.</a></li></ul>
<p>What the team needs next:</p>
<ul><li>more nights at the telescope, <a href="/keck">Keck</a> among them;</li>
<li>a second instrument to confirm the signal.</li></ul>
</article></body></html>
"""


def test_a_list_of_links_only_is_no_article_text(tmp_path: Path) -> None:
    """A reviewer's citation ended in a page's related stories ("- NASA Europa Mission Could Potentially
    Spot Signs of Alien Life / - Photos: Europa, ..."), which trafilatura keeps as paragraphs. A list
    every item of which is a link and nothing more is left out, with its heading; a list of the
    article's own items, a link among their words, stays."""
    doc = read_document(write(tmp_path, "europa.html", RELATED), tmp_path)
    assert "RELATEDSECRET" not in doc.text and "related news" not in doc.text
    kept = ("26 April 2016", "Europa Clipper", "more nights at the telescope", "a second instrument", "TIMELINE 2019")
    for article in kept:
        assert article in doc.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        ("<html><head><script>" + "var a = 1;" * 500 + "</script></head><body></body></html>", "no article text"),
        (bytes(range(256)) * 40, "binary"),
        # A login page: a menu and a form, no sentence (it was indexed as the article "Login").
        (
            "<html><head><title>Login</title></head><body><nav><a href='/'>Home</a> <a href='/x'>Sports</a></nav>"
            "<form><label>User name</label><input name=u><label>Password</label><input type=password></form>"
            "</body></html>",
            "no article text",
        ),
    ],
    ids=["empty", "scripts only", "binary", "menu and form"],
)
def test_a_page_without_an_article_is_refused_in_one_line(tmp_path: Path, content: str | bytes, reason: str) -> None:
    with pytest.raises(CorpusError, match=reason) as err:
        read_document(write(tmp_path, "page.html", content), tmp_path)
    assert str(err.value).startswith("page.html") and "\n" not in str(err.value)


def test_a_page_of_one_short_sentence_is_an_article(tmp_path: Path) -> None:
    body = "<article><p>The library reopened on Saturday.</p></article>"  # five words, a sentence's end
    page = f"<html><head><title>Library</title></head><body>{body}</body></html>"
    assert "reopened on Saturday" in read_document(write(tmp_path, "brief.html", page), tmp_path).text


def test_a_short_page_in_a_script_without_spaces_is_an_article(tmp_path: Path) -> None:
    text = "図書館は土曜日に八か月ぶりに再開しました。"  # one sentence: few "words" between spaces
    page = f"<html><head><title>お知らせ</title></head><body><article><p>{text}</p></article></body></html>"
    doc = read_document(write(tmp_path, "jp.html", page), tmp_path)
    assert "再開しました" in doc.text


def test_a_page_saved_before_its_script_drew_the_article_is_read_from_its_json_ld(tmp_path: Path) -> None:
    """A page whose body was still "Loading…" when saved was skipped as "has no article text", though
    its schema.org JSON-LD states the whole article (articleBody), as news sites do for search engines."""
    body = (
        "The town council voted 6-1 on Monday to build a footbridge over the River Wend.\n"
        "The bridge will cost <b>2.4 million pounds</b> &amp; open in 2026."
    )
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Valley Times"},
            {"@type": ["NewsArticle"], "headline": "Council approves river bridge", "articleBody": body},
        ],
    }
    page = (
        "<html><head><title>Council approves river bridge</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        '<body><div id="app">Loading…</div></body></html>'
    )
    doc = read_document(write(tmp_path, "ld.html", page), tmp_path)
    assert doc.text == (
        "Council approves river bridge\n\n"
        "The town council voted 6-1 on Monday to build a footbridge over the River Wend.\n\n"
        "The bridge will cost 2.4 million pounds & open in 2026.\n"
    ), doc.text
    assert "Loading" not in doc.text and "<b>" not in doc.text
    assert any("River Wend" in doc.text[a:b] for a, b in doc.regions), "the article is indexed"
    no_body = page.replace('"articleBody"', '"description"')
    with pytest.raises(Exception, match="has no article text"):
        read_document(write(tmp_path, "empty.html", no_body), tmp_path)
    # A reviewer's: JSON nested past Python's recursion limit stopped the whole build with a traceback,
    # and terminal escapes in the JSON reached `qa text` (such bytes in a file are refused as binary).
    deep = page.replace(json.dumps(ld), "[" * 100_000)
    with pytest.raises(Exception, match="has no article text"):
        read_document(write(tmp_path, "deep.html", deep), tmp_path)
    escaped = page.replace("River Wend.", "River Wend.\\u001b[2J\\u0007")
    text = read_document(write(tmp_path, "esc.html", escaped), tmp_path).text
    assert "River Wend.[2J" in text and "\x1b" not in text and "\x07" not in text


def test_saved_pages_are_indexed_cited_and_printed_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write(seeds, "harbour.html", PAGE)
    write(seeds, "notes.txt", "Market day\n\nThe village market opens on Saturdays at dawn with forty stalls.\n")
    write(seeds, "scripts.html", "<html><body><script>var x = 1;</script></body></html>")
    settings = Settings(seeds_dir=seeds, index_dir=tmp_path / "index")
    report = qa.build(settings=settings, embedder=FakeEmbedder())
    assert [(s.source, s.reason) for s in report.skipped] == [("scripts.html", "has no article text")]
    # The fake model's cosines are low: no abstention, so the citations can be checked.
    engine = qa.load(settings.index_dir, embedder=FakeEmbedder(), settings=settings.with_(min_confidence=0.0))
    answer = engine.ask("How much did the harbour repairs cost?", 3)
    c = answer.citations[0]
    assert c.source == "harbour.html" and c.format == "html" and c.to_dict()["format"] == "html"
    text = engine.text("harbour.html")
    assert c.text == text[c.start_char : c.end_char] and "14 million crowns" in c.text
    assert c.title == "Harbour reopens after two years of repairs" and c.published == "2024-05-02"
    assert c.start_line == text.count("\n", 0, c.start_char) + 1
    plain = engine.ask("When does the village market open?", 3).citations[0]
    assert plain.source == "notes.txt" and "format" not in plain.to_dict()

    assert main(["text", "harbour.html", "--index", str(settings.index_dir)]) == 0
    assert capsys.readouterr().out == text, "qa text prints exactly the text citations slice"
    assert main(["documents", "--json", "--index", str(settings.index_dir)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    page = next(r for r in rows if r["source"] == "harbour.html")
    assert page["format"] == "html" and page["author"] == "Mira Okafor" and page["outlet"] == "The Quendor Courier"
    assert page["characters"] == len(text) and page["regions"] == [
        list(r) for r in read_document(seeds / "harbour.html", seeds).regions
    ]
    note = next(r for r in rows if r["source"] == "notes.txt")
    assert note["format"] == "text" and note["author"] is None
    assert main(["text", str(seeds / "harbour.html"), "--index", str(settings.index_dir)]) == 0
    assert capsys.readouterr().out == text, "a path to the file (as a shell completes it) names its source"
    assert main(["text", "missing.html", "--index", str(settings.index_dir)]) == 2
    assert "missing.html is not in the index" in capsys.readouterr().err


def test_a_table_row_of_a_page_is_article_text(tmp_path: Path) -> None:
    """'| 5.0 | 2003 | register-based virtual machine |' was dropped as a prompt to register."""
    rows = "".join(
        f"<tr><td>{v}</td><td>{y}</td><td>{n}</td></tr>"
        for v, y, n in [("5.0", "2003", "register-based virtual machine, coroutines"), ("5.1", "2006", "modules")]
    )
    page = (
        "<html><body><article><h1>Lua versions</h1>"
        + "<p>Lua has changed in several major versions since its first release in 1993, each adding features.</p>" * 2
        + f"<table><tr><th>Version</th><th>Year</th><th>Notable changes</th></tr>{rows}</table>"
        + "<p>Lua 5.4 is the current version, released in 2020 with a new collector.</p></article></body></html>"
    )
    doc = read_document(write(tmp_path, "lua.html", page), tmp_path)
    cited = " ".join(doc.text[a:b] for a, b in doc.regions)
    assert "register-based virtual machine" in doc.text and "register-based virtual machine" in cited
    # a caption is a line before the table, not a first row under a rule of its own
    captioned = page.replace("<table>", "<table><caption>Lua <b>releases</b></caption>")
    doc = read_document(write(tmp_path, "lua.html", captioned), tmp_path)
    assert "\n\nLua releases\n\n| Version | Year | Notable changes |\n\n|---|---|---|\n\n| 5.0 |" in doc.text, doc.text
    assert doc.text.count("|---|---|---|") == 1


def test_a_site_name_that_is_the_headline_is_no_outlet(tmp_path: Path) -> None:
    """trafilatura takes the part of <title> with a "." for the site's name: "$18.6 million" made the
    headline the outlet."""
    head = "Council approves $18.6 million replacement for Mill Street Bridge"
    story = "<p>The council voted on Tuesday to replace the Mill Street bridge, which has been closed since May.</p>"
    page = f"<html><head><title>{head} | Harlow</title></head><body><article><h1>{head}</h1>{story * 4}"
    page += "</article></body></html>"
    doc = read_document(write(tmp_path, "bridge.html", page), tmp_path)
    assert doc.outlet != head
    site = "<html><head><title>Kent Online</title><meta property='og:site_name' content='Kent Online'></head>"
    kent = write(tmp_path, "kent.html", f"{site}<body><article>{story * 4}</article></body></html>")
    doc = read_document(kent, tmp_path)
    assert doc.outlet == "Kent Online", "a page titled with its site's name keeps it as the outlet"


def test_a_title_ending_with_the_site_s_name_is_the_headline_alone(tmp_path: Path) -> None:
    """A browser user's citation read "... investigating WeWork – TechCrunch · TechCrunch"; 15 of the 91
    shared pages' titles end with their site's name, which trafilatura also spells its own way."""
    story = "<p>The council voted on Tuesday to replace the Mill Street bridge, which has been closed since May.</p>"
    # (as the pages' og:title has it: trafilatura already cuts the site's name off a bare <title>)
    head = "<meta property='og:site_name' content='9To5Mac'>"
    page = f"<html><head><meta property='og:title' content='Council replaces the bridge - 9to5Mac'>{head}</head>"

    def read(name: str, top: str) -> Document:
        body = f"<body><article>{story * 4}</article></body></html>"
        return read_document(write(tmp_path, name, top + body), tmp_path)

    doc = read("b.html", page)
    assert (doc.title, doc.outlet) == ("Council replaces the bridge", "9to5Mac"), "the title's own spelling"
    assert doc.text.startswith("Council replaces the bridge\n\n")
    # A name after a separator that is not the site's stays, and so does a title too short without it.
    assert read("c.html", page.replace("- 9to5Mac", "- A Review")).title == "Council replaces the bridge - A Review"
    assert read("d.html", page.replace("Council replaces the bridge", "Bridge news")).title == "Bridge news - 9to5Mac"


def test_a_site_name_made_of_the_host_name_is_spelt_as_the_page_writes_it(tmp_path: Path) -> None:
    """trafilatura names a site without og:site_name by its host, capitalised: nj.com's pages were
    "Nj" (the page says "NJ.com"), politifact.com's "Politifact" (it says "PolitiFact")."""
    story = "<p>The council voted on Tuesday to replace the Mill Street bridge, which has been closed since May.</p>"
    # (as nj.com's page has it: a lower-case og:site_name, which trafilatura capitalises)
    link = "<link rel='canonical' href='https://www.{host}/news/'><meta property='og:site_name' content='{label}'>"

    def outlet(host: str, says: str) -> str | None:
        head = link.format(host=host, label=host.split(".")[0])
        page = f"<html><head><title>Council replaces the bridge</title>{head}</head><body>"
        page += f"<article>{story * 4}<p>{says}</p></article></body></html>"
        return read_document(write(tmp_path, f"{host}.html", page), tmp_path).outlet

    assert outlet("nj.com", "Subscribe to NJ.com's newsletters for more.") == "NJ.com"
    assert outlet("politifact.com", "PolitiFact rated the claim False.") == "PolitiFact"
    assert outlet("cleveland.com", "CLEVELAND, Ohio -- The band will play.") == "Cleveland", "a dateline's capitals"


def test_a_dateline_set_apart_by_markup_alone_keeps_its_space(tmp_path: Path) -> None:
    """A new user's CNN page read "Hong Kong (CNN Business)A muddled view ...": the page sets the
    dateline apart with a <cite> only, and the extraction drops the markup."""
    rest = " A muddled view of the trade talks weighed on investors, who sold shares across Asia on Monday."
    cite = "<p><cite>Hong Kong (CNN Business)</cite>A muddled view of the trade talks weighed on investors.</p>"
    page = f"<html><head><title>Markets</title></head><body><article>{cite}<p>{rest * 3}</p></article></body></html>"
    doc = read_document(write(tmp_path, "markets.html", page), tmp_path)
    assert "Hong Kong (CNN Business) A muddled view" in doc.text, doc.text[:200]
    assert "(a note) in brackets" in read_document(
        write(tmp_path, "b.html", page.replace("weighed on investors.", "weighed (a note) in brackets.")), tmp_path
    ).text, "a bracket before a small letter or a space is left as it is"


def test_a_market_widgets_stock_quotes_are_no_article_text(tmp_path: Path) -> None:
    """A new user's first citation for "Who is the CEO of Lowe's?" was a Fox Business page's quote
    widget row, "| LOW | LOWE'S COMPANIES INC. | 113.40 | -1.62 | -1.41% |"."""
    head = "<tr><th>Ticker</th><th>Security</th><th>Last</th><th>Change</th><th>Change %</th></tr>"
    quotes = [("HD", "THE HOME DEPOT INC.", "225.86", "-12.99", "-5.44%"), ("LOW", "LOWE", "113.40", "-1.62", "-1.41%")]
    rows = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in quotes)
    story = "<p>Home Depot reported third-quarter earnings that topped estimates as revenue fell short of them.</p>"
    after = story.replace("Home", "Rival")
    page = f"<html><body><article>{story}<table>{head}{rows}</table>{after}</article></body></html>"

    def read(name: str, html: str) -> tuple[str, str]:
        doc = read_document(write(tmp_path, name, html), tmp_path)
        return doc.text, " ".join(doc.text[a:b] for a, b in doc.regions)

    text, cited = read("quotes.html", page)
    assert "| HD | THE HOME DEPOT INC. | 225.86 |" in text, "the page's text keeps them (it is what the page shows)"
    assert "225.86" not in cited and "Ticker" not in cited and "|---" not in cited, cited
    assert "Home Depot reported" in cited and "Rival Depot reported" in cited
    # a table of results is article text still: no ticker, price, change and change in per cent
    votes = page.replace("225.86", "48").replace("113.40", "21").replace("Ticker", "Party")
    assert "| HD | THE HOME DEPOT INC. | 48 |" in read("votes.html", votes)[1]
