"""Pure: a `Document` becomes `Chunk`s with exact character spans.

Chunks are cut by LangChain's `RecursiveCharacterTextSplitter` at paragraph, line and sentence
boundaries, measured in the embedding model's own word pieces so that none is silently truncated by
the model's window. The splitter works on one *region* at a time (a run of article lines with no
boilerplate inside, see `qa/ingest/`), and every piece it returns is located back in the original
text, so `doc.text[chunk.start:chunk.end] == chunk.text` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa.ingest.document import Document

TokenCounter = Callable[[str], int]

# Abbreviations whose full stop does not end a sentence ("Mr. Kim", "U.S. President", "Feb. 28"), besides
# single capitals ("N. Korea"). One list for the splitter and for `sentence_spans`, so that chunks and
# evidence sentences agree on where sentences end.
_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Gen", "Gov", "Sen", "Rep", "Lt", "Col", "Capt", "Sgt",
    "No", "Vol", "vs", "etc", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
    "Dec", "U.S", "U.K", "U.N", "E.U", "a.m", "p.m", "i.e", "e.g",
)  # fmt: skip

# The same, folded: a message typed in lower case ("mr. kim", "u.s. officials") reads them so too.
FOLDED_ABBREVIATIONS = frozenset(a.casefold() for a in _ABBREVIATIONS)

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by white space and then
# something that can start a sentence: not a digit ("Boeing Co. 787-10"; news style spells out a
# number that opens a sentence, and none of bench/sentences.py's 920 gold boundaries is before one).
# Used as the splitter's separator and for evidence sentences.
_NOT_ABBREV = r"(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS)
_STARTER = r"(?=\s+[\"'“‘(\[]?[A-Z\u0080-\uffff])"
SENTENCE_BREAK = r"(?<=[.!?…])" + _NOT_ABBREV + r"[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z\u0080-\uffff])"
# The end of a sentence: its punctuation and closing quotes, before the white space that follows.
_SENTENCE_END = r"[.!?…][\"'”’)\]]*" + _STARTER
SEPARATORS = ["\n\n", "\n", SENTENCE_BREAK, "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Chunk:
    source: str
    start: int  # character offset into the document text, inclusive
    end: int  # exclusive
    start_line: int  # 1-based, inclusive
    end_line: int
    text: str


def line_of(text: str, start: int, end: int) -> tuple[int, int]:
    """1-based inclusive line numbers of `text[start:end]` (CITATIONS.md's definition)."""
    return text.count("\n", 0, start) + 1, text.count("\n", 0, max(start, end - 1)) + 1


def make_chunk(doc: Document, start: int, end: int) -> Chunk:
    first, last = line_of(doc.text, start, end)
    return Chunk(doc.source, start, end, first, last, doc.text[start:end])


@lru_cache(maxsize=4)
def model_token_counter(model_path: str) -> TokenCounter:
    """Count word pieces with the model's own tokenizer (the fast `tokenizers` library; no torch)."""
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    except Exception as err:  # the tokenizers library raises a bare Exception ("Model missing. at line 1")
        from qa.errors import ModelError

        raise ModelError(
            f"The model's tokenizer at {model_path} cannot be read ({err}); point QA_MODEL_PATH at a model "
            "folder, or unset it to use the packaged model."
        ) from None
    tok.no_truncation()
    tok.no_padding()

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count


class Chunker:
    def __init__(self, count_tokens: TokenCounter, chunk_tokens: int, chunk_overlap: int) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        if chunk_tokens < 8 or not 0 <= chunk_overlap < chunk_tokens:
            raise ValueError("need chunk_tokens >= 8 and 0 <= chunk_overlap < chunk_tokens")
        # The splitter measures most pieces more than once (SQuAD subset: 1,980 calls, 877 distinct
        # texts) and the guard below measures each chunk again: remember recent counts.
        self.count_tokens = lru_cache(maxsize=4096)(count_tokens)
        self.chunk_tokens = chunk_tokens
        self.splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=chunk_tokens,
            chunk_overlap=chunk_overlap,
            length_function=self.count_tokens,
            strip_whitespace=True,
        )

    def split(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for region_start, region_end in doc.regions:
            for start, end in self._split_region(doc.text, region_start, region_end):
                chunks.append(make_chunk(doc, start, end))
        return chunks

    def _split_region(self, text: str, region_start: int, region_end: int) -> Iterator[tuple[int, int]]:
        region = text[region_start:region_end]
        pieces = self.splitter.split_text(region)
        for piece, found in zip(pieces, place_pieces(region, pieces), strict=True):
            if found < 0:  # cannot happen for exact substrings; be safe rather than wrong
                continue
            start, end = region_start + found, region_start + found + len(piece)
            yield from self._enforce_limit(text, start, end)

    def _enforce_limit(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The splitter measures merged pieces, but a guard costs little: halve at white space until
        every chunk fits the token budget."""
        if self.count_tokens(text[start:end]) <= self.chunk_tokens or end - start < 2:
            yield start, end
            return
        mid = (start + end) // 2
        space = text.rfind(" ", start + 1, mid + 1)
        if space <= start:
            space = text.find(" ", mid, end - 1)
        cut = space if space > start else mid
        left_end = cut
        right_start = cut
        while right_start < end and text[right_start].isspace():
            right_start += 1
        while left_end > start and text[left_end - 1].isspace():
            left_end -= 1
        if left_end > start:
            yield from self._enforce_limit(text, start, left_end)
        if right_start < end:
            yield from self._enforce_limit(text, right_start, end)


def _next_text(region: str, pos: int) -> int:
    while pos < len(region) and region[pos].isspace():
        pos += 1
    return pos


def place_pieces(region: str, pieces: list[str]) -> list[int]:
    """The offset in `region` of each of the splitter's `pieces` (it returns text, not offsets).

    The same words can occur twice in a region (a caption repeated under a paragraph, "the the"), so the
    first match of a piece is not necessarily its place. The places satisfy what the splitter
    guarantees: each piece starts after the previous one's start and no later than the first
    non-space character after its end (no text is skipped), reaches past the previous end (pieces
    advance), and the last one ends where the region's text ends. A depth-first search finds the
    earliest such placement; in ordinary text every piece has one candidate and this is linear.
    """
    if not pieces:
        return []
    text_end = len(region.rstrip())

    def candidates(i: int, prev_start: int, prev_end: int) -> list[int]:
        piece = pieces[i]
        limit = _next_text(region, prev_end) + len(piece)
        found = []
        pos = region.find(piece, prev_start + 1, limit)
        while pos >= 0:
            if pos + len(piece) > prev_end and (i < len(pieces) - 1 or pos + len(piece) >= text_end):
                found.append(pos)
            pos = region.find(piece, pos + 1, limit)
        return found

    dead: set[tuple[int, int]] = set()  # (piece index, offset) known to lead nowhere
    stack = [candidates(0, -1, 0)[::-1]]
    chosen: list[int] = []
    while stack:
        if not stack[-1]:
            stack.pop()
            if chosen:
                dead.add((len(chosen) - 1, chosen.pop()))
            continue
        pos = stack[-1].pop()
        i = len(chosen)
        if (i, pos) in dead:
            continue
        chosen.append(pos)
        if len(chosen) == len(pieces):
            return chosen
        stack.append(candidates(i + 1, pos, pos + len(pieces[i]))[::-1])
    # Not a placement the splitter could have produced: fall back to the first match after the last.
    offsets, prev = [], -1
    for piece in pieces:
        found = region.find(piece, prev + 1)
        found = region.find(piece) if found < 0 else found
        offsets.append(found)
        prev = max(prev, found)
    return offsets


_SENTENCE_RE = re.compile(_SENTENCE_END)
_ABBREV = re.compile(r"(?:\b[A-Z]|\b(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r"))\.$")
# What `_ABBREV` needs of a sentence's end to decide: the longest abbreviation, its full stop and the
# character before it (for `\b`). Searching the whole growing sentence was quadratic: a line of 8,000
# characters of "U. " took 0.75 s.
_ABBREV_TAIL = max(len(a) for a in _ABBREVIATIONS) + 2


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of `text[start:end]` as absolute (start, end) spans, trimmed of white space.

    Lines are always separate sentences; inside a line, a break needs sentence-final punctuation that
    is not an abbreviation ("N. Korea", "U.S. President").
    """
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        seg_start = 0
        for m in _SENTENCE_RE.finditer(line):
            head = line[max(seg_start, m.start() + 1 - _ABBREV_TAIL) : m.start() + 1]
            if _ABBREV.search(head):
                continue
            spans.append((line_start + seg_start, line_start + m.end()))
            seg_start = m.end()
        spans.append((line_start + seg_start, line_start + len(line)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out
