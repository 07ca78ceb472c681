"""The answer object of CITATIONS.md: plain frozen values and their JSON. Every interface emits this."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Abstention is a judgement of confidence, and the closest passages are listed with it: it says no
# article answers *clearly*, not that none could (a new user read "none ... answers" over a nearest
# passage that did).
NOT_IN_SOURCES = "Not in the sources: no indexed article clearly answers this question."
EMPTY_INDEX = "Not in the sources: the index holds no articles yet; add some to the folder and index it again."


# A question of function words only ("When?", "And why?") that no conversation gave a subject to.
NOTHING_TO_LOOK_FOR = (
    "Not in the sources: the question names nothing to look for; ask about someone or something "
    "(a name, a place, an event)."
)


def no_one_named(pronoun: str) -> str:
    """The refusal of a question that leans on a conversation that names no one ("What did he say
    next?" as a chat's first question, or asked again without the conversation): say whom it leaves
    unnamed."""
    return (
        f'Not in the sources: "{pronoun}" points back to something said before, and nothing asked '
        "before it says who or what; ask with the name."
    )


def _filters(source: str | None, since: str | None, until: str | None) -> list[str]:
    parts = [f"source {source!r}"] if source else []
    parts += [f"since {since}"] if since else []
    return parts + ([f"until {until}"] if until else [])


def _undated(undated: int) -> str:
    if not undated:
        return ""
    return f" {undated} undated article{'s were' if undated != 1 else ' was'} left out by the date filter."


def no_article_matches(source: str | None, since: str | None, until: str | None, undated: int = 0) -> str:
    """The abstention's text when the filters leave no article to search: say which filters."""
    filters = ", ".join(_filters(source, since, until))
    return f"Not in the sources: no indexed article matches the filters ({filters}).{_undated(undated)}"


# Said after the abstention when the question does not read as English (word_evidence.reads_as_english).
NOT_ENGLISH = (
    " The question does not read as English, which qa's model reads best: if the articles are in "
    "English, ask in English."
)


def not_in_sources(
    source: str | None, since: str | None, until: str | None, undated: int = 0, english: bool = True
) -> str:
    """The abstention's text: none of the articles searched answers; with filters, it says which
    articles were searched and how many undated ones a date filter left out (a reader would
    otherwise take an undated article for searched); for a question in another language (not
    `english`), that the model reads English best."""
    parts = _filters(source, since, until)
    hint = "" if english else NOT_ENGLISH
    if not parts:
        return NOT_IN_SOURCES + hint
    return (
        f"Not in the sources: no indexed article matching the filters ({', '.join(parts)}) "
        f"clearly answers this question.{_undated(undated)}{hint}"
    )


@dataclass(frozen=True)
class Highlight:
    start_char: int
    end_char: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start_char": self.start_char, "end_char": self.end_char, "text": self.text}


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str | None
    published: str | None
    outlet: str | None
    url: str | None
    start_char: int
    end_char: int
    start_line: int
    end_line: int
    text: str
    highlight: Highlight
    score: float
    encoding: str = "utf-8"
    format: str = "text"
    also_in: tuple[str, ...] = ()  # other files telling the same story (CITATIONS.md)
    pages: tuple[int, int] | None = None  # a PDF citation's first and last page, 1-based

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": self.n,
            "source": self.source,
            "title": self.title,
            "published": self.published,
            "outlet": self.outlet,
            "url": self.url,
            "start_char": self.start_char,
            "end_char": self.end_char,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "text": self.text,
            "highlight": self.highlight.to_dict(),
            "score": round(float(self.score), 6),
        }
        if self.encoding != "utf-8":
            # The file was not UTF-8; say how it was read so the offsets can be checked.
            d["encoding"] = self.encoding
        if self.also_in:
            d["also_in"] = list(self.also_in)
        if self.format != "text":
            # The text is what qa extracted from the file (`qa text SOURCE`), not the file itself.
            d["format"] = self.format
        if self.pages is not None:
            d["pages"] = list(self.pages)
        return d


def where(c: dict[str, Any], dash: str = "-") -> str:
    """Where a citation (as `Citation.to_dict()` gives it) lies: "line 4" or "lines 4-6", and for a
    PDF ", page 2" or ", pages 2-3". One wording for the terminal, the chat and the export."""
    a, b = c["start_line"], c["end_line"]
    out = f"line {a}" if a == b else f"lines {a}{dash}{b}"
    if c.get("pages"):
        first, last = c["pages"]
        out += f", page {first}" if first == last else f", pages {first}{dash}{last}"
    return out


@dataclass(frozen=True)
class Answer:
    question: str
    abstained: bool
    answer: str
    citations: tuple[Citation, ...] = ()
    nearest: tuple[Citation, ...] = field(default=())
    # The abstention signal (closest sentence's cosine x the corpus's share of the question's words x the
    # square root of the cited article's share, qa/query/engine.py); for `qa eval`'s curve, not in the JSON.
    confidence: float | None = field(default=None, compare=False)
    # What was searched: the question, or a follow-up with what the conversation carried.
    query: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query or self.question,
            "abstained": self.abstained,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "nearest": [c.to_dict() for c in self.nearest],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def is_question(sentence: str) -> bool:
    """Whether `sentence` asks ("How did this happen?", "“Why now?”", closing quotes and spaces after
    its question mark in any order)."""
    return sentence.rstrip(" \t\n\"'”’)»").endswith(("?", "？"))


def _states(sentence: str, prose: Callable[[str], bool]) -> bool:
    """Whether a sentence can carry an answer on after the first: running text that is not itself a
    question (a subheading such as "Who pays the cost of a tariff?")."""
    return prose(sentence) and not is_question(sentence)


def compose(
    citations: tuple[Citation, ...], max_sentences: int = 3, prose: Callable[[str], bool] = lambda s: True
) -> str:
    """The answer text: the evidence sentences of the best citations from the first citation's
    article, each followed by its `[n]`; after the first, only sentences that read as running text
    (`prose`: a headline or a caption label does not) and are not questions. Another article's
    sentence is left to its citation: read on after the first, it would join two stories in one
    answer, and it seldom answers (news set: 5 of 153 such sentences hold the answer, against 17 of
    191 from the first's article, none of the 8 of those that are not prose; docs/MEASUREMENTS.md)."""
    parts: list[str] = []
    seen: set[str] = set()
    first = citations[0].source if citations else None
    quoted = [c for i, c in enumerate(citations) if c.source == first and (i == 0 or _states(c.highlight.text, prose))]
    for c in quoted[:max_sentences]:
        sentence = " ".join(c.highlight.text.split())
        if sentence.lower() in seen:
            continue
        seen.add(sentence.lower())
        parts.append(f"{sentence} [{c.n}]")
    return " ".join(parts)
