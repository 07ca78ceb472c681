"""Pure HTML rendering of answers, citation cards and the source viewer.

Every piece of article text goes through `html.escape`: a document containing HTML or script renders
as text. Nothing here retrieves anything; it only shows an answer dict (the CITATIONS.md object).
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any
from urllib.parse import quote, urlencode

from qa.answer import where
from qa.query.citations import MAX_CITATION_CHARS

# Example questions about the shipped seeds, each with the seed that answers it: offered only when
# that article is indexed (over a reader's own folder they would all answer "Not in the sources").
EXAMPLES = [
    ("Since when has Kim Jong-un called Putin a comrade?", "000_eca4ee2b1510ed46.txt"),
    ("Why has the New Amnok River Bridge not opened?", "001_c6d03c536ddbb592.txt"),
    ("What share of North Korea's official trade did China represent in 2023?", "003_6b273f736953578d.txt"),
    ("Who did Im Chon-il meet in Moscow?", "002_299aeecd3ab3c2fd.txt"),
]


def examples_for(sources: set[str]) -> list[str]:
    """The example questions whose article is among the indexed `sources`."""
    return [q for q, source in EXAMPLES if source in sources]


CSS = """
.qa-answer { font-size: 1.02rem; line-height: 1.5; margin-bottom: .6rem; }
.qa-abstain { font-weight: 600; }
.qa-query { color: #57606a; font-size: .85em; margin: .2rem 0; }
.qa-card { border: 1px solid #d0d7de; border-radius: 8px; padding: .55rem .75rem; margin: .45rem 0;
           background: #fbfcfd; color: #1f2328; }
.qa-card-head { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; font-size: .9rem; }
.qa-n { font-weight: 700; }
.qa-file { font-family: ui-monospace, monospace; }
.qa-meta { color: #57606a; font-size: .85rem; }
.qa-excerpt { white-space: pre-wrap; font-size: .92rem; margin-top: .35rem; }
.qa-excerpt mark, .qa-source mark.qa-evidence { background: #ffe58f; color: #1f2328; padding: 0 .1em; }
.qa-source { white-space: pre-wrap; font-size: .92rem; line-height: 1.45; max-height: 70vh; overflow-y: auto;
             border: 1px solid #d0d7de; border-radius: 8px; padding: .75rem; background: #fff; color: #1f2328; }
.qa-source .qa-cited { background: #e6f4ff; outline: 2px solid #91caff; border-radius: 3px; }
.qa-source-head { font-weight: 600; margin-bottom: .4rem; }
.qa-card-head a.qa-whole { margin-left: auto; font-size: .82rem; }
.qa-ref { cursor: pointer; color: #0969da; } .qa-card.qa-flash { outline: 2px solid #0969da; }
.qa-docs-box { max-height: 42vh; overflow-y: auto; }  /* a long list keeps the filters and Rebuild in view */
.qa-docs-count { font-size: .8rem; color: #57606a; margin: 0 0 .2rem; }
.qa-docs { width: 100%; font-size: .82rem; border-collapse: collapse; table-layout: fixed; }
.qa-docs th { position: sticky; top: 0; background: #fff; }
.qa-docs .qa-file { font-size: .72rem; display: block; white-space: nowrap; overflow: hidden;
                    text-overflow: ellipsis; color: #57606a; }
.qa-docs th:nth-child(2) { width: 30%; } .qa-docs th:nth-child(3) { width: 2.6em; }
.qa-docs td, .qa-docs th { border-bottom: 1px solid #eaeef2; padding: .2rem .3rem; text-align: left;
                           vertical-align: top; }
/* A phone's narrow window: the chat first, the article list and the filters after it (they came first,
   the question box 1,760 px down); long citation labels wrap instead of running off the screen. */
@media (max-width: 720px) {
  #qa-side { order: 2; }
  #qa-open label span, .qa-source-head { overflow-wrap: anywhere; }
}
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def message_html(value: object) -> str:
    """An error or status line for the page: escaped, and a command in backticks (`qa index`) set as
    code rather than shown with its backticks."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", esc(value))


def _lines(c: dict[str, Any]) -> str:
    return where(c, "–")


def excerpt_html(c: dict[str, Any]) -> str:
    """The citation's text with its highlight marked; both parts escaped."""
    text, s = c["text"], c["start_char"]
    h = c["highlight"]
    a, b = h["start_char"] - s, h["end_char"] - s
    return f"{esc(text[:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:])}"


def digest(text: str) -> str:
    """A short fingerprint of a cited passage's text: the article page (`article_link`) marks the
    passage only if the article still holds that text at the citation's offsets."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def article_link(c: dict[str, Any]) -> str:
    """The whole article with this citation marked, in a new tab (`GET /article/SOURCE`, ui/server.py):
    every answer's citations, not only the last one's, are one click from their article."""
    h = c["highlight"]
    spans = {"s": c["start_char"], "e": c["end_char"], "hs": h["start_char"], "he": h["end_char"]}
    query = urlencode({**spans, "sha": digest(c["text"]), "p": c["text"][:40]})
    href = f"article/{quote(c['source'])}?{query}#qa-cited"
    return f'<a class="qa-whole" href="{esc(href)}" target="_blank" rel="noopener">whole article</a>'


def card_html(c: dict[str, Any], label: str | None = None) -> str:
    about = [x for x in (c.get("outlet"), c.get("published")) if x]
    # An untitled article's date alone read as its title ("2025-05-21"): it says "(no title)", as the list does.
    meta = " · ".join(esc(x) for x in [c.get("title") or "(no title)", *about]) if c.get("title") or about else ""
    n = esc(label if label is not None else f"[{c['n']}]")
    return (
        f'<div class="qa-card" data-source="{esc(c["source"])}" data-n="{esc(c["n"])}">'
        f'<div class="qa-card-head"><span class="qa-n">{n}</span>'
        f'<span class="qa-file">{esc(c["source"])}</span>'
        f'<span class="qa-meta">{esc(_lines(c))}</span>{article_link(c)}</div>'
        + (f'<div class="qa-meta">{meta}</div>' if meta else "")
        + f'<div class="qa-excerpt">{excerpt_html(c)}</div>'
        + (
            f'<div class="qa-meta qa-also">Same story also in: {", ".join(esc(s) for s in c["also_in"])}</div>'
            if c.get("also_in")
            else ""
        )
        + "</div>"
    )


def short_title(title: Any, most: int = 60) -> str:
    text = str(title or "")
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def choice_label(c: dict[str, Any]) -> str:
    """A citation in the list that opens its article: its title first (a new user saw only 64-character
    hashed file names there), then its file and lines."""
    title = short_title(c.get("title"))
    return f"[{c['n']}] {title + ' · ' if title else ''}{c['source']} · {where(c)}"


def query_html(d: dict[str, Any]) -> str:
    """ "Searched for: ..." when a follow-up carried the conversation into its search."""
    query = d.get("query")
    if not query or query == d["question"]:
        return ""
    return f'<div class="qa-query">Searched for: {esc(query)}</div>'


def answer_html(d: dict[str, Any]) -> str:
    """The whole chat message: the answer text, then one card per citation (or the folded nearest)."""
    if d["abstained"]:
        out = [f'<div class="qa-answer qa-abstain">{esc(d["answer"])}</div>', query_html(d)]
        if d["nearest"]:
            cards = "".join(card_html(c, label="nearest") for c in d["nearest"])
            out.append(f"<details><summary>Closest passages ({len(d['nearest'])})</summary>{cards}</details>")
        return "".join(out)
    answer = esc(d["answer"])
    answer = re.sub(r"\[(\d+)\]", r'<sup class="qa-ref">[\1]</sup>', answer)  # a click shows card n (TURN_JS)
    cards = "".join(card_html(c) for c in d["citations"])
    return f'<div class="qa-answer">{answer}</div>{query_html(d)}{cards}'


def _note(note: str) -> str:
    return f'<p class="qa-meta qa-changed">{esc(note)}</p>' if note else ""


MOVED = "This article has changed since the answer; the cited passage is marked where it is now."


def source_html(
    source: str, title: str | None, text: str, c: dict[str, Any] | None, root: str = "", about: str = "", note: str = ""
) -> str:
    """The whole article, escaped, with the cited passage and its evidence sentence marked. `root`:
    the way from the page it shows on up to the server's root, for the link to the original file;
    `about`: a line under the title (outlet, date, lines); `note`: one above the text."""
    link = f'<a class="qa-original" href="{root}original/{quote(source)}" download>original file</a>'
    meta = f"({esc(source)} · {link})" if title else f"({link})"  # a file without a title: its name once
    head = f'<div class="qa-source-head">{esc(title or source)} <span class="qa-meta">{meta}</span></div>'
    head += f'<div class="qa-meta qa-about">{esc(about)}</div>' if about else ""
    if c is None:
        return head + f'<div class="qa-source">{_note(note)}{esc(text)}</div>'
    s, e = c["start_char"], c["end_char"]
    hs, he = c["highlight"]["start_char"], c["highlight"]["end_char"]
    if text[s:e] != c["text"]:
        # The article was changed and the index rebuilt since this answer: its offsets are of the
        # old text. The passage is marked where it is now, if it is still there word for word.
        at = text.find(c["text"]) if c["text"] else -1
        if at < 0:
            note = "This article has changed since the answer: the cited passage is no longer in it."
            return head + f'<div class="qa-source" id="qa-source">{_note(note)}{esc(text)}</div>'
        s, e, hs, he = at, at + (e - s), hs + at - s, he + at - s
        note = MOVED
    body = esc(text[:s]) + f'<span id="qa-cited">{_marked(text, s, e, hs, he)}</span>' + esc(text[e:])
    return head + f'<div class="qa-source" id="qa-source">{_note(note)}{body}</div>'


def _marked(text: str, s: int, e: int, hs: int, he: int) -> str:
    """The cited passage [s, e) with its evidence [hs, he) marked, one box per paragraph: a box drawn
    across the blank lines between paragraphs showed as empty boxes there."""
    out, a = [], s
    for part in re.split(r"(\n\s*\n)", text[s:e]):
        b = a + len(part)
        if part.strip():
            x, y = min(max(hs, a), b), min(max(he, a), b)
            evidence = f'<mark class="qa-evidence">{esc(text[x:y])}</mark>' if x < y else ""
            out.append(f'<span class="qa-cited">{esc(text[a:x])}{evidence}{esc(text[y:b])}</span>')
        else:
            out.append(esc(part))
        a = b
    return "".join(out)


def documents_html(docs: list[dict[str, Any]]) -> str:
    if not docs:
        return "<p>No articles indexed yet. Press <b>Rebuild index</b>.</p>"
    rows = "".join(
        f"<tr><td><span class='qa-file' title='{esc(d['source'])}'>{esc(d['source'])}</span>"
        f"{esc(d.get('title') or '(no title)')}</td>"
        f"<td>{esc(d.get('published') or '—')}<br>{esc(d.get('outlet') or '')}</td><td>{esc(d['chunks'])}</td></tr>"
        for d in docs
    )
    head = "<tr><th>Article</th><th>Date / outlet</th><th title='passages in the index'>#</th></tr>"
    count = f"{len(docs)} article{'s' if len(docs) != 1 else ''} indexed"
    table = f"<div class='qa-docs-box'><table class='qa-docs'>{head}{rows}</table></div>"
    return f"<p class='qa-docs-count'>{count}</p>{table}"


def _located(text: str, spans: dict[str, str]) -> tuple[tuple[int, int, int, int] | None, bool]:
    """Where the passage of an `article_link` is in `text` now: at its offsets if the text there still
    has its fingerprint, else wherever a span of its length that opens with its first characters (`p`)
    has it (the article edited above it, the index rebuilt); and whether it moved. None: not found, or
    a link no citation makes (a passage longer than any excerpt, a `p` that is not its opening)."""
    try:
        s, e, hs, he = (int(spans[k]) for k in ("s", "e", "hs", "he"))
    except (KeyError, ValueError):
        return None, False
    sha, prefix = spans.get("sha", ""), spans.get("p", "")
    if not 0 <= s <= hs <= he <= e <= s + 2 * MAX_CITATION_CHARS or len(prefix) != min(40, e - s):
        return None, False
    if text[s:e].startswith(prefix) and digest(text[s:e]) == sha:
        return (s, e, hs, he), False
    at, tries = text.find(prefix) if prefix else -1, 0
    while at >= 0 and tries < 1000:
        if digest(text[at : at + e - s]) == sha:
            return (at, at + e - s, hs + at - s, he + at - s), True
        at, tries = text.find(prefix, at + 1), tries + 1
    return None, False


def article_page(source: str, doc: dict[str, Any], text: str, spans: dict[str, str]) -> str:
    """`GET /article/SOURCE?s=&e=&hs=&he=&sha=&p=`: the article as a page of its own (`doc`: its title,
    outlet and date), with the passage of `article_link` marked where the article still holds it."""
    root = "../" * (1 + source.count("/"))  # from /article/a/b.txt up to /
    title = doc.get("title") or None
    found, moved = _located(text, spans)
    about = [str(doc[k]) for k in ("outlet", "published") if doc.get(k)]
    if found is None:
        note = "This article has changed since the answer, or the link is incomplete: the passage is not marked."
        body = source_html(source, title, text, None, root, " · ".join(about), note)
    else:
        s, e, hs, he = found
        lines = text.count("\n", 0, s) + 1, text.count("\n", 0, max(s, e - 1)) + 1
        about.append(f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}–{lines[1]}")
        c = {"start_char": s, "end_char": e, "text": text[s:e], "highlight": {"start_char": hs, "end_char": he}}
        body = source_html(source, title, text, c, root, " · ".join(about), MOVED if moved else "")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"  # a phone lays it out at its width
        f"<title>{esc(title or source)}</title>"
        "<style>body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 1.5rem auto; padding: 0 .75rem; }"
        f"{CSS}"
        f".qa-source {{ max-height: none; }}</style></head><body>{body}</body></html>"
    )
