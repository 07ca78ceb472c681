"""Pure retrieval logic: the excerpt around an evidence sentence, merging passages, building citations.

Nothing here touches the disk or the model; `engine.py` feeds it scores and texts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from qa.answer import Citation, Highlight, is_question
from qa.chunking import line_of
from qa.ingest.boilerplate import running_text
from qa.query.highlight import best_sentence, leads_in, reads_as_answer
from qa.query.params import RetrievalParams
from qa.stories import copy_name

# A citation is a readable excerpt; merging overlapping passages never makes one longer than this.
MAX_CITATION_CHARS = 750
# The excerpt around an evidence sentence: whole sentences on both sides up to this many characters.
WINDOW_CHARS = 700


class Located(Protocol):
    """Where a passage lies: a Chunk, or a ChunkTable.place (no text, so ranking reads none)."""

    @property
    def source(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


@dataclass(frozen=True)
class Hit:
    chunk: Located
    score: float
    highlight: tuple[int, int] | None = None  # the evidence inside `chunk`, if already chosen


@dataclass(frozen=True)
class At:
    """A place in another file (`best_copy`)."""

    source: str
    start: int
    end: int


def best_copy(hit: Hit, copies: Sequence[str], read: Copies) -> Hit:
    """`hit` in the copy of its story (`copies`: the other files telling it) that states most about
    itself (`read.described`: how many of title, date and outlet; ties: `_preferred`), when that copy holds the excerpt
    word for word inside its article (`read.regions`) and the question's filters allow it
    (`read.allowed`): a story saved as a page and again as a bare .txt was cited by the copy with no
    title or date (a new user's). Otherwise `hit` itself."""
    source = hit.chunk.source
    mine = _preferred(source, read.described)
    better = [c for c in copies if _preferred(c, read.described) < mine and read.allows(c)]
    if not better:
        return hit
    text = read.text(source)[hit.chunk.start : hit.chunk.end]
    for copy in sorted(better, key=lambda c: _preferred(c, read.described)):
        whole, at, tries = read.text(copy), -1, 0
        while (at := whole.find(text, at + 1)) >= 0 and tries < 20:  # the first inside its article
            tries += 1
            if any(a <= at and at + len(text) <= b for a, b in read.regions(copy)):
                d = at - hit.chunk.start
                moved = (hit.highlight[0] + d, hit.highlight[1] + d) if hit.highlight else None
                return Hit(At(copy, at, at + len(text)), hit.score, moved)
    return hit


def _preferred(source: str, described: Mapping[str, int]) -> tuple[int, bool, str]:
    """How a copy of a story is preferred, lowest first: the one that states most about itself, then
    one whose name is not a copy's ("ferry-strike-copy.md" after "ferry-strike.md"; a new user's copy
    had taken the original's citations), then the name. The same whatever the index's order, so an
    index updated file by file cites the copy a fresh build does (identical copies score alike; a
    review's)."""
    return -described[source], copy_name(source), source


@dataclass(frozen=True)
class Copies:
    """What `best_copy` reads of the corpus: each file's text, article regions and how many of title,
    date and outlet it states, and the files a question's filters allow (None: all)."""

    text: Callable[[str], str]
    regions: Callable[[str], Sequence[Sequence[int]]]
    described: Mapping[str, int]
    allowed: Container[str] | None = None

    def allows(self, source: str) -> bool:
        return self.allowed is None or source in self.allowed


def one_per_story(
    hits: Iterable[Hit], story: Mapping[str, str], copies: Mapping[str, Sequence[str]], read: Copies
) -> Iterator[Hit]:
    """`hits`, each in the best copy of its story (`best_copy`), without those of a file whose story
    another file already stands for."""
    cited: dict[str, str] = {}
    for hit in hits:
        hit = best_copy(hit, copies[hit.chunk.source], read)
        source = hit.chunk.source
        if cited.setdefault(story[source], source) == source:
            yield hit


@dataclass
class Span:
    source: str
    start: int
    end: int
    score: float
    highlight: tuple[int, int] | None = None


def sentence_joins(text: str, spans: Sequence[tuple[int, int]]) -> Callable[[int], int]:
    """`join(i)` for `evidence_window`: what lies between sentences i and i + 1 of `text` (2: white
    space inside a paragraph, 1: a paragraph break, 0: anything else, or i is the last sentence)."""

    def join(i: int) -> int:
        if i + 1 >= len(spans):
            return 0
        gap = text[spans[i][1] : spans[i + 1][0]]
        return 0 if gap.strip() else 1 if gap.count("\n") > 1 else 2

    return join


_LIST_ITEM = re.compile(r"^\s*(?:[-*•–]|\d{1,3}[.)])\s")


def _introduces(text: str, spans: Sequence[tuple[int, int]], join: Callable[[int], int], i: int, limit: int) -> bool:
    """Whether sentence i leads in to the next and that one belongs in its highlight: on the next line,
    anything but a question ("The headliners are three bands:" / "The Blue Notes"); after a blank line,
    only what reads as an answer, not a heading ("Here is what we know:" / "Background"); and the two
    within `limit` characters."""
    if i + 1 >= len(spans) or not join(i) or not leads_in(text[slice(*spans[i])]):
        return False
    after = text[slice(*spans[i + 1])]
    if spans[i + 1][1] - spans[i][0] > limit or is_question(after):
        return False
    return join(i) == 2 or reads_as_answer(after)


def opens_next(sentence: str) -> bool:
    """What heads the text after it: a heading (`reads_as_answer` false, and not a question). A
    lead-in that ends with a colon stays: it can hold the answer ("... to be carried on MSNBC:")."""
    sentence = sentence.strip()
    return not (is_question(sentence) or reads_as_answer(sentence))


def evidence_window(
    spans: Sequence[tuple[int, int]],
    join: Callable[[int], int],
    best: int,
    pair: int | None = None,
    max_chars: int = WINDOW_CHARS,
    fill_chars: int = RetrievalParams.fill_chars,
    text: str | None = None,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The excerpt around evidence sentence `best` of a document and its highlight.

    `spans` are the document's sentences in order; `join(i)` says what lies between sentence i and
    i + 1: 2 only white space inside a paragraph, 1 a paragraph break, 0 anything else (skipped
    boilerplate, the end). The highlight is sentence `best`, joined with the adjacent sentence `pair`
    when the answer runs on into it. The excerpt adds whole sentences of the same paragraph after and
    before it in turn while it stays within `max_chars`; one shorter than `fill_chars` then goes on
    into the neighbouring paragraphs the same way. So the answering sentence is never cut off at an
    excerpt's edge and has its context on both sides; with `text`, it does not end on the next
    section's heading. Returns ((start, end), (highlight start, end)).
    """
    lo = hi = best
    if pair is not None and abs(pair - best) == 1 and join(min(pair, best)) > 0:
        lo, hi = min(pair, best), max(pair, best)
        if spans[hi][1] - spans[lo][0] > max_chars:  # two long sentences: the evidence alone
            lo = hi = best
    elif text is not None and _introduces(text, spans, join, best, max_chars):
        hi = best + 1  # a lead-in ("The tour's dates:", "He wrote:") answers with what it introduces
    highlight = (spans[lo][0], spans[hi][1])
    for level, limit in ((2, max_chars), (1, min(max_chars, fill_chars))):
        grow_after = grow_before = spans[hi][1] - spans[lo][0] < limit
        while grow_after or grow_before:
            if grow_after:
                if hi + 1 < len(spans) and join(hi) >= level and spans[hi + 1][1] - spans[lo][0] <= max_chars:
                    hi += 1
                    grow_after = spans[hi][1] - spans[lo][0] < limit
                else:
                    grow_after = False
            if grow_before:
                if lo > 0 and join(lo - 1) >= level and spans[hi][1] - spans[lo - 1][0] <= max_chars:
                    lo -= 1
                    grow_before = spans[hi][1] - spans[lo][0] < limit
                else:
                    grow_before = False
    # It does not end on what opens the next part of the text (`text` given): the next section's
    # heading ("Lower course and delta").
    while text is not None and hi > lo and spans[hi][0] >= highlight[1] and join(hi - 1) == 1:
        # set apart by a blank line, after a sentence that leads into nothing (a list's items follow
        # its lead-in: "The tour visits three cities:" / "- Paris" / "- Lyon" are kept)
        before = text[spans[hi - 1][0] : spans[hi - 1][1]].rstrip()
        if leads_in(before) or _LIST_ITEM.match(before):
            break
        if not opens_next(text[spans[hi][0] : spans[hi][1]]):
            break
        hi -= 1
    # Sentences of overlapping chunks may overlap (rarely nest): the excerpt reaches the furthest end
    # among its sentences and always holds the highlight.
    end = max(max(int(b) for _, b in spans[lo : hi + 1]), highlight[1])
    return (min(int(spans[lo][0]), highlight[0]), end), highlight


def merge_hits(
    hits: Iterable[Hit],
    k: int,
    max_chars: int = MAX_CITATION_CHARS,
    *,
    ordered: bool = False,
    text_of: Callable[[str], str] | None = None,
) -> list[Span]:
    """The best `k` non-overlapping spans, best first.

    A passage that overlaps (or touches) one already chosen from the same file is merged into it if
    the union stays readable, and dropped otherwise: the same text is never cited twice. `ordered`:
    the hits come best first (possibly made lazily) and reading stops once `k` spans are chosen.
    `text_of(source)`: the file's text, to drop a passage elsewhere in a file whose evidence sentence
    reads exactly as one already chosen there (a photo caption repeating a sentence of the story).
    """
    spans: list[Span] = []
    for hit in hits if ordered else sorted(hits, key=lambda h: -h.score):
        if ordered and len(spans) >= k:
            break
        c = hit.chunk
        # Every chosen span this passage overlaps or touches: a passage can bridge two of them.
        near = [s for s in spans if s.source == c.source and c.start <= s.end and s.start <= c.end]
        if not near:
            if len(spans) < k and not (text_of and _said_already(hit, spans, text_of)):
                spans.append(Span(c.source, c.start, c.end, hit.score, hit.highlight))
            continue
        start, end = min(c.start, *(s.start for s in near)), max(c.end, *(s.end for s in near))
        if end - start <= max_chars:
            target = near[0]  # the best of them (spans are kept best first); it absorbs the others
            # (and keeps its own highlight, which lies inside the union)
            target.start, target.end = start, end
            spans = [s for s in spans if s is target or all(s is not t for t in near)]
        elif hit.highlight is not None and len(spans) < k and not (text_of and _said_already(hit, spans, text_of)):
            # Too long to merge: cite what this excerpt adds beyond the chosen ones, if its own
            # evidence lies there (the rest usually starts at a sentence: chosen excerpts end at one).
            rest = _outside(c.start, c.end, [(s.start, s.end) for s in near], hit.highlight)
            if rest is not None:
                spans.append(Span(c.source, rest[0], rest[1], hit.score, hit.highlight))
    return spans


def _said_already(hit: Hit, spans: list[Span], text_of: Callable[[str], str]) -> bool:
    """Whether a chosen span of the same file highlights a sentence that reads as `hit`'s does."""
    if hit.highlight is None:
        return False
    text = text_of(hit.chunk.source)

    def said(span: tuple[int, int]) -> str:
        return " ".join(text[span[0] : span[1]].split())

    own = said(hit.highlight)
    if not running_text(own):
        return False  # "He declined to comment." may close two passages that differ
    return any(s.source == hit.chunk.source and s.highlight and said(s.highlight) == own for s in spans)


def _outside(start: int, end: int, taken: list[tuple[int, int]], keep: tuple[int, int]) -> tuple[int, int] | None:
    """The part of [start, end) around `keep` that overlaps none of `taken`, or None if `keep` does."""
    lo, hi = start, end
    for a, b in taken:
        if a < keep[1] and keep[0] < b:
            return None
        if b <= keep[0]:
            lo = max(lo, b)
        elif a >= keep[1]:
            hi = min(hi, a)
    return (lo, hi) if lo < hi else None


class DocInfo(Protocol):
    """What a citation needs to know about its file (qa.store.texts.DocRecord has it)."""

    @property
    def text(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def published(self) -> str | None: ...
    @property
    def outlet(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def encoding(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def page_starts(self) -> Sequence[int]: ...


def make_citation(
    n: int,
    span: Span,
    doc: DocInfo,
    question: str,
    idf: dict[str, float] | Callable[[], dict[str, float]],
    evidence: tuple[int, int] | None = None,
    also_in: tuple[str, ...] = (),
) -> Citation:
    """A citation of `span`; its highlight is `evidence` if given, else the best lexical sentence
    (word weights `idf`, or a function that gives them, called only then)."""
    text = doc.text
    if evidence is not None:
        hs, he = evidence
    else:
        hs, he = best_sentence(text, span.start, span.end, question, idf() if callable(idf) else idf, doc.title)
    start, end = span.start, span.end
    while start < hs and text[start].isspace():  # a span cut to what another one leaves may start at a gap
        start += 1
    while end > he and text[end - 1].isspace():
        end -= 1
    if end - start > 2 * MAX_CITATION_CHARS:
        # One "sentence" of thousands of characters (a run of text without a full stop, a token of
        # 30,000): the excerpt is the start of its highlight, cut at a space (it was the whole run).
        start = max(start, hs)
        cut = text.rfind(" ", start, start + MAX_CITATION_CHARS)
        end = cut if cut > start + MAX_CITATION_CHARS // 2 else start + MAX_CITATION_CHARS
        hs, he = start, min(he, end)
    span = Span(span.source, start, end, span.score, span.highlight)
    first, last = line_of(text, span.start, span.end)
    return Citation(
        n=n,
        source=span.source,
        title=doc.title,
        published=doc.published,
        outlet=doc.outlet,
        url=doc.url,
        start_char=span.start,
        end_char=span.end,
        start_line=first,
        end_line=last,
        text=text[span.start : span.end],
        highlight=Highlight(hs, he, text[hs:he]),
        score=span.score,
        encoding=doc.encoding,
        format=doc.format,
        also_in=also_in,
        pages=page_range(doc.page_starts, span.start, span.end),
    )


def page_range(page_starts: Sequence[int], start: int, end: int) -> tuple[int, int] | None:
    """The 1-based first and last page of text[start:end], given where each page begins."""
    if not page_starts:
        return None
    return bisect.bisect_right(page_starts, start), bisect.bisect_right(page_starts, max(start, end - 1))
