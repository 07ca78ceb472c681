"""A saved news page printed to PDF by real Chromium (bench/print_pdf.py: its default header and
footer) reads back as the article: every paragraph in the regions, the browser's running lines and
the page's menus not, and citations carry their pages and slice `qa text`."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

import qa
from qa.config import Settings
from qa.ingest.files import read_document
from tests.conftest import SEEDS, FakeEmbedder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from print_pdf import print_html

SEED = "001_c6d03c536ddbb592.txt"
MENU = ["Politics", "North Korea", "Economy", "Society", "World", "Opinion", "Video", "Photos", "Newsletters"]


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], str]:
    """The seed article as a saved web page (menu, headline, paragraphs, footer) printed to PDF."""
    seed = read_document(SEEDS / SEED, SEEDS)
    paragraphs = [line for a, b in seed.regions for line in seed.text[a:b].split("\n") if len(line.split()) >= 12]
    title = seed.title or "Untitled"
    menu = "".join(f'<li><a href="#">{html.escape(m)}</a></li>' for m in MENU * 3)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)} | The Daily</title></head>"
        f"<body><nav><ul>{menu}</ul></nav><article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer><p>© 2025 The Daily. All rights reserved.</p><a href='#'>Privacy policy</a></footer></body></html>"
    )
    folder = tmp_path_factory.mktemp("pdf")
    pdf = folder / "article.pdf"
    print_html(page.encode("utf-8"), pdf)
    (folder / "saved.html").write_text(page, encoding="utf-8")  # the page itself, as a reader saves it
    return pdf, paragraphs, title


def test_a_chromium_pdf_reads_back_as_its_article(printed: tuple[Path, list[str], str]) -> None:
    pdf, paragraphs, title = printed
    doc = read_document(pdf, pdf.parent)
    assert doc.format == "pdf" and len(doc.page_starts) >= 2, "premise: the article runs over pages"
    # The page's <title> (Chromium gives it the PDF) "<headline> | <site>": its headline, printed as a
    # line of its own, and the site's name as the outlet.
    assert (doc.title, doc.outlet) == (title, "The Daily"), "the title is the page's headline, its site the outlet"
    kept = squash(" ".join(doc.text[a:b] for a, b in doc.regions))
    for p in paragraphs:
        assert squash(p) in kept, f"a paragraph is not in the article regions: {p[:50]}"
    running = [title + " | The Daily", "article.html", f"1/{len(doc.page_starts)}"]
    for line in running:
        assert line not in doc.text, f"the browser's running header or footer is in the text: {line}"
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}", doc.text), "the print date is in the text"
    assert "Newsletters" not in kept and "All rights reserved" not in kept


def test_citations_of_the_printed_pdf_carry_pages_and_slice_its_text(
    printed: tuple[Path, list[str], str], tmp_path: Path
) -> None:
    pdf, paragraphs, _ = printed
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.pdf").write_bytes(pdf.read_bytes())
    settings = Settings(seeds_dir=corpus, index_dir=tmp_path / "index", min_confidence=0.0)
    qa.build(settings=settings, embedder=FakeEmbedder())
    engine = qa.load(settings.index_dir, embedder=FakeEmbedder(), settings=settings)
    text = engine.text("article.pdf")
    for question in (paragraphs[0], paragraphs[-1]):
        for c in engine.ask(question, 3).citations:
            assert c.text == text[c.start_char : c.end_char], "a citation is not the slice of qa text"
            first, last = c.to_dict()["pages"]
            starts = engine.data.documents["article.pdf"].page_starts
            assert (first, last) == (sum(s <= c.start_char for s in starts), sum(s <= c.end_char - 1 for s in starts))


def test_the_saved_page_and_its_pdf_are_one_story(printed: tuple[Path, list[str], str], tmp_path: Path) -> None:
    """The same article saved as a page and printed to PDF by the browser: cited once, the other
    file named in `also_in` (qa/stories.py), beside another article that stays its own."""
    pdf, paragraphs, _ = printed
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.pdf").write_bytes(pdf.read_bytes())
    (corpus / "article.html").write_bytes((pdf.parent / "saved.html").read_bytes())
    other = "000_eca4ee2b1510ed46.txt"
    (corpus / other).write_bytes((SEEDS / other).read_bytes())
    settings = Settings(seeds_dir=corpus, index_dir=tmp_path / "index", min_confidence=0.0)
    qa.build(settings=settings, embedder=FakeEmbedder())
    engine = qa.load(settings.index_dir, embedder=FakeEmbedder(), settings=settings)
    for question in (paragraphs[0], paragraphs[-1]):
        cited = engine.ask(question, 5).citations
        copies = [c for c in cited if c.source.startswith("article.")]
        assert len({c.source for c in copies}) == 1, f"both copies cited: {[c.source for c in cited]}"
        other_copy = ({"article.pdf", "article.html"} - {copies[0].source}).pop()
        assert all(c.also_in == (other_copy,) for c in copies)
        assert all(c.also_in == () for c in cited if c.source == other)
