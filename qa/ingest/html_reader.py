"""Saved web pages (`.html`/`.htm`): the article and its metadata, by trafilatura.

trafilatura (Apache-2.0) is the article extractor the field measures best on news pages; on the 91
shared pages its article text scores word-shingle F1 .975 (precision .966) against the gold bodies
with `favor_precision` (.965 / .943 without; `bench/extraction.py`). It reads the title, date (via
htmldate: the article's own date, not a crawl or print date), site name, author and canonical URL from
meta tags, JSON-LD and the page; a field the page does not state stays None.

The document text that citations slice is built from its output, the same for the same bytes:

    <title>\\n\\n<paragraph>\\n\\n<paragraph> ...\\n

The title line is part of the text (a reader sees it at the top of the source panel) but not of the
article regions, so passages come from the body only. Neither are the paragraphs trafilatura keeps
that the page set into the article: a dateline, a "SEE MORE: <headline>" pointer, a credit or prompt
(the line rules of `qa/ingest/boilerplate.py`); they stay in the text, between regions. Before
extraction, link cards inside paragraphs (a person's hover card: an image and links to other
stories) are dropped from the parsed page (on the 91 shared pages: precision .968 -> .975, first
citations of `bench/extraction.py --retrieval` inside the gold body .956 -> .989), and so are lists
every item of which is a link and nothing more, with their heading ("related news": on two of the 91
pages trafilatura kept such a list as the article's last paragraphs); a table's caption is put before
it. A page whose body holds no article text (saved before its script drew it:
"Loading…") is read from the schema.org `articleBody` of its JSON-LD, which news sites state for
search engines; none of the 91 shared pages is such.
Nothing of the page runs or renders: the HTML is parsed as data, and what is kept is plain text.
"""

from __future__ import annotations

import re
from typing import Any

from qa.errors import UnreadableFileError
from qa.ingest.boilerplate import (
    STRONG_REASONS,
    chrome_reason,
    is_prose,
    running_text,
    sentence_like,
    word_list,
)
from qa.ingest.bylines import page_author
from qa.ingest.lines import TABLE_RULE, Line, article_regions
from qa.ingest.metadata import is_dateline
from qa.ingest.scripts import dominant_script

FORMAT = "html"

# An element inside a paragraph that holds an image and two or more links is a card (a hover card of
# a person or topic, with links to other stories), not the paragraph's prose.
_CARD = "//p//*[self::span or self::div][.//img][count(.//a) >= 2]"


def _drop_cards(tree: Any) -> None:
    """Remove the innermost link cards inside paragraphs, keeping the text that follows them."""
    cards = tree.xpath(_CARD)
    holding = {id(a) for e in cards for a in e.iterancestors()}
    for e in cards:
        if id(e) not in holding:
            e.drop_tree()


def _drop_link_lists(tree: Any) -> None:
    """Remove the lists every item of which is a link and nothing more, not a sentence (`_linked`):
    "related stories" under an article, which trafilatura keeps as its last paragraphs ("- NASA
    Europa Mission Could Potentially Spot Signs of Alien Life")."""
    for lst in tree.xpath("//ul[count(li) >= 2] | //ol[count(li) >= 2]"):
        if all(_linked(li) for li in lst.xpath("./li")):
            # and its heading ("related news"), which trafilatura would keep alone in the text
            heading = lst.getprevious()
            if heading is not None and heading.xpath(_HEADING) and len(heading.text_content().split()) <= 4:
                heading.drop_tree()
            lst.drop_tree()


_LINKED = 0.9
_HEADING = "self::h1|self::h2|self::h3|self::h4|self::h5|self::h6|self::*[count(*) = 1][h1|h2|h3|h4|h5|h6]"


def _linked(item: Any) -> bool:
    """A list item that is a link and nothing more, and reads as a headline, not a sentence: a timeline
    of linked sentences ("February 4: The 370-page text of the agreement is released.") is the
    article's (a review's was dropped)."""
    text = " ".join(item.text_content().split())
    links = " ".join(" ".join(a.text_content().split()) for a in item.xpath(".//a"))
    return bool(text) and len(links) >= _LINKED * len(text) and not _SENTENCE_END.search(text)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _captions_out(tree: Any) -> None:
    """A table's <caption> as a paragraph before the table: trafilatura reads it as the table's first
    row, under a rule of its own, and the table then has two header rules."""
    from lxml import etree

    for caption in tree.xpath("//table/caption"):
        text = " ".join("".join(caption.itertext()).split())
        table = caption.getparent()
        caption.drop_tree()
        if text:
            p = etree.Element("p")
            p.text = text
            table.addprevious(p)


# What trafilatura keeps that the page set into the article. The other line rules (navigation words,
# breadcrumbs, identifiers, other scripts) are for a whole page's text; in extracted text they hit
# tables and code (measured on the shared pages: recall .985 -> .972 with them, .98x without).
_SET_IN = STRONG_REASONS | {"link to another page", "credit", "pointer", "image file name"}


def _set_in(paragraph: str, dominant: str) -> bool:
    """A paragraph the page set into the article: a dateline, a pointer to another page, a credit,
    a copyright line or a prompt to the reader."""
    if is_dateline(paragraph):
        return True
    if paragraph.startswith("|") and paragraph.endswith("|") and paragraph.count("|") >= 3:
        # a table's row ("| 5.0 | 2003 | register-based VM |" was an account prompt), unless a market
        # widget's stock quote, which a new user's first citation for "Who is the CEO of Lowe's?" was
        return _quote_row([cell.strip() for cell in paragraph[1:-1].split("|")])
    reason = chrome_reason(paragraph, dominant)
    return reason in _SET_IN and (reason in STRONG_REASONS or not is_prose(paragraph))


_TICKER = re.compile(r"[A-Z][A-Z.]{0,5}")
_PRICE = re.compile(r"\d[\d,]*\.\d\d")
_CHANGE = re.compile(r"[-+−]\d[\d,]*\.\d\d")


def _quote_row(cells: list[str]) -> bool:
    """A stock quote's row ("| HD | THE HOME DEPOT INC. | 225.86 | -12.99 | -5.44% |": a ticker, then a
    price, a signed change and a signed change in per cent last) or its header ("| Ticker | Security |
    Last | Change | Change % |")."""
    words = [cell.casefold() for cell in cells]
    if {"ticker", "symbol"} & set(words) and any("change" in w for w in words):
        return True
    if len(cells) < 4 or not _TICKER.fullmatch(cells[0]) or not cells[-1].endswith("%"):
        return False
    price, change, percent = cells[-3], cells[-2], cells[-1].removesuffix("%").strip()
    return bool(_PRICE.fullmatch(price) and _CHANGE.fullmatch(change) and _CHANGE.fullmatch(percent))


def _regions(paragraphs: list[str], start: int, dominant: str) -> tuple[tuple[int, int], ...]:
    """Runs of article paragraphs (`lines.article_regions`), as spans of the text that joins them
    with blank lines from `start`."""
    labelled: list[Line] = []
    pos = start
    for p in paragraphs:
        # (a table's rule under a header set in goes with it: a stock quote's, `_quote_row`)
        ruled = TABLE_RULE.match(p) and labelled and labelled[-1].kind == "boilerplate"
        labelled.append(Line(pos, pos + len(p), p, "boilerplate" if ruled or _set_in(p, dominant) else "content"))
        pos += len(p) + 2
    return article_regions(labelled)


_TITLE_TAIL = re.compile(r"\s+(?:[-–—|·:]|::)\s+([^-–—|·:]{1,60})$")


def _headline(title: str | None, sitename: str | None) -> tuple[str | None, str | None]:
    """The page's title without its site's name after a separator, and the site's name as the title
    writes it: "New York State Attorney General reportedly investigating WeWork – TechCrunch" titled a
    citation shown with "· TechCrunch" after it (15 of the 91 shared pages end so: "| ZDNet", "-
    9to5Mac", which trafilatura's site name spells "9To5Mac")."""
    if not title or not sitename:
        return title, sitename
    tail = _TITLE_TAIL.search(title)
    if tail and tail.group(1).strip().casefold() == sitename.casefold() and len(title[: tail.start()].split()) >= 3:
        return title[: tail.start()].rstrip(), tail.group(1).strip()
    return title, sitename


_BRACKET_RUN_IN = re.compile(r"\)(?=[A-Z])")


def _site_spelling(sitename: str | None, hostname: str | None, body: str) -> str | None:
    """The site's name as the page itself writes it, when trafilatura made it of the host's name
    ("nj.com" gave "Nj", "politifact.com" "Politifact"): the host name as the text writes it ("Subscribe
    to NJ.com's newsletters" -> "NJ.com"), else the word in the text's mixed case ("PolitiFact"; not a
    dateline's "CLEVELAND"), else `sitename` as it is."""
    if not sitename or not hostname:
        return sitename
    host = hostname.casefold().removeprefix("www.")
    label = host.split(".")[0]
    if sitename not in (label.title(), label.capitalize()):
        return sitename  # the page's own name (og:site_name, or its title's: "9to5Mac")
    found = re.search(rf"(?<![\w.]){re.escape(host)}(?![\w])", body, re.IGNORECASE)
    if found:
        return found.group(0)
    for m in re.finditer(rf"(?<![\w.]){re.escape(label)}(?![\w])", body, re.IGNORECASE):
        word = m.group(0)
        if word not in (word.lower(), word.upper(), word.capitalize()):
            return word
    return sitename


def _outlet(sitename: str | None, title: str | None) -> str | None:
    """trafilatura's site name, unless it is the headline (it takes a part of <title> with a "." in
    it: "Council approves $18.6 million replacement ..." was an outlet) or too long for a name."""
    if not sitename or len(sitename.split()) > 8:
        return None
    if title and sitename.casefold() == title.casefold() and len(sitename.split()) > 5:
        return None  # (a page whose <title> is only its site's name, "Kent Online", keeps it)
    return sitename


def _metadata(found: Any, name: str) -> str | None:
    value = getattr(found, name, None)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


_ARTICLE_TYPES = ("Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", "Report")


_LD_CHARS = 500_000  # of an articleBody: more than any article (a page is at most 2 MB as uploaded)


def _ld_body(tree: Any) -> list[str]:
    """The longest schema.org `articleBody` of the page's JSON-LD, as paragraphs (its markup, if any,
    read as text): the article of a page saved before its script drew it ("Loading…" in the body),
    which such sites state for search engines. [] if none."""
    import html as htmllib
    import json
    import re
    import unicodedata

    bodies: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if isinstance(node.get("articleBody"), str) and any(k in _ARTICLE_TYPES for k in kinds):
                bodies.append(node["articleBody"])
            walk(node.get("@graph"))

    for script in tree.xpath('//script[@type="application/ld+json"]') if tree is not None else ():
        try:
            walk(json.loads(script.text or "", strict=False))
        except (ValueError, RecursionError):  # not JSON, or nested past any article's depth
            continue
    if not bodies:
        return []
    text = max(bodies, key=len)[:_LD_CHARS]
    text = re.sub(r"(?i)<br\s*/?>|</(?:p|div|h\d|li)>", "\n", text)  # a block ends a paragraph
    text = htmllib.unescape(re.sub(r"<[^<>]*>", "", text))  # (not "<[^>]+>": quadratic on a run of "<")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")  # no terminal escapes
    return [p for p in (" ".join(line.split()) for line in text.split("\n")) if p]


def _readable(paragraphs: list[str]) -> bool:
    """Some paragraph reads as a sentence (a login form, a menu or an index of links has none)."""
    return any(running_text(p) or sentence_like(p, len(word_list(p))) for p in paragraphs)


def read_html(source: str, html: str, sha256: str, encoding: str) -> Any:
    """The `Document` of a decoded saved page. Raises UnreadableFileError when it holds no article text."""
    import trafilatura
    from trafilatura.settings import set_date_params
    from trafilatura.utils import load_html

    from qa.ingest.document import Document

    try:
        tree = load_html(html)
        if tree is not None:
            _drop_cards(tree)
            _drop_link_lists(tree)
            _captions_out(tree)
        found = trafilatura.bare_extraction(
            tree if tree is not None else html,
            favor_precision=True,
            include_comments=False,
            include_images=False,
            include_formatting=False,
            with_metadata=True,
            deduplicate=False,
            # The date from the page's markup only (meta tags, <time>, the URL): htmldate's extensive
            # search dated an undated page by its footer's "© 2024", or by "In 2000" in its text. On
            # the 91 news pages every date is the same either way.
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as err:  # a malformed page: lxml and trafilatura raise many kinds
        raise UnreadableFileError(source, f"the page cannot be read as HTML ({type(err).__name__})") from None
    # (a dateline's closing bracket run into the text, "Hong Kong (CNN Business)A muddled ...": the
    # page sets them apart by markup alone, which the extraction drops)
    text = _BRACKET_RUN_IN.sub(") ", getattr(found, "text", None) or "")
    paragraphs = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if not _readable(paragraphs):
        paragraphs = _ld_body(tree) or paragraphs  # a page its script had not drawn yet
    if not paragraphs:
        raise UnreadableFileError(source, "has no article text")
    title, sitename = _headline(_metadata(found, "title"), _metadata(found, "sitename"))
    if title and len(paragraphs) > 1 and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the headline inside the article: it heads the text once, below
    head = f"{title}\n\n" if title else ""
    body = "\n\n".join(paragraphs)
    published = _metadata(found, "date")
    regions = _regions(paragraphs, len(head), dominant_script(body))
    if not regions or not _readable(paragraphs):
        # No paragraph that reads as a sentence: a login form, a menu, an index of links ("Home
        # Sports" was indexed as an article and cited).
        raise UnreadableFileError(source, "has no article text")
    host = _metadata(found, "hostname")
    outlet = _outlet(_site_spelling(sitename, host, body), title)
    return Document(
        source=source,
        text=f"{head}{body}\n",
        sha256=sha256,
        title=title,
        published=published if published and len(published) == 10 else None,
        outlet=outlet,
        url=_metadata(found, "url"),
        author=page_author(_metadata(found, "author"), published, (outlet, sitename, host)),
        encoding=encoding,
        format=FORMAT,
        regions=regions,
    )
