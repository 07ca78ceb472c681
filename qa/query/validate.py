"""What a question and its filters must be before they are searched: text cleaned of terminal escapes
and control characters, dates that are real calendar dates, the articles the filters leave. Bad input
is a one-line UsageError."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from qa.errors import UsageError

# The model reads at most 256 word pieces; a question longer than this is cut before encoding.
MAX_QUESTION_CHARS = 2000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ANSI/VT100 escape sequences: CSI (ESC [ ... letter), OSC (ESC ] ... BEL or ESC \), and two-byte ones.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def cleaned_text(question: str) -> str:
    """`question` without terminal escapes, control and format characters, its white space collapsed
    (what `clean_question` judges; the chat shows a too-long question's length by it)."""
    kept = []
    for ch in _ESCAPE.sub("", question):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs") and ch not in "\n\t":
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


def blank(line: str) -> bool:
    """Whether a line holds nothing a reader could see (white space, control or zero-width characters,
    terminal escapes): a questions file's blank line."""
    return not cleaned_text(line)


def clean_question(question: str, *, cut: bool = False) -> str:
    """Strip terminal escape sequences (a pasted coloured prompt), control and format characters (NUL,
    bidi overrides, lone surrogates) and white space. Longer than `MAX_QUESTION_CHARS`: refused, or
    (`cut`, an earlier question of a conversation) cut at the last word that fits."""
    if not isinstance(question, str):
        raise UsageError("The question must be text.")
    cleaned = cleaned_text(question)
    if not cleaned:
        raise UsageError("The question is empty; type a question about your articles.")
    if len(cleaned) <= MAX_QUESTION_CHARS:
        return cleaned
    if not cut:
        raise UsageError(f"The question is {len(cleaned):,} characters long; ask it in at most {MAX_QUESTION_CHARS:,}.")
    head = cleaned[: MAX_QUESTION_CHARS + 1]
    return head[: head.rfind(" ")] if " " in head else head[:MAX_QUESTION_CHARS]


# What ends a question or a sentence in the scripts qa reads (";" and "\u037e": the Greek question
# mark), and what may close after it (quotes, brackets).
_CLOSED = ("?", "？", "؟", ".", "!", "！", "。", "…", ";", "\u037e")
_AFTER = "\"'”’»)]}」』）】"


def as_question(question: str) -> str:
    """`question` as the model's vector reads it: with a question mark when it ends without closing
    punctuation ("how many employees does wework have"). The model reads a question's form as well
    as its words: the news set's questions without their question marks lose four first citations
    in 172, SQuAD's three in 705 (docs/MEASUREMENTS.md)."""
    return question if question.rstrip(_AFTER).endswith(_CLOSED) else f"{question}?"


def check_k(k: Any, default: int) -> int:
    """How many citations: `default` when None, else a whole number of at least 1 (2.7, "3" and True
    are refused, not quietly made 2, 3 and 1)."""
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        shown = json.dumps(k) if isinstance(k, bool) else repr(k)  # "true", as a JSON caller wrote it
        raise UsageError(f"k must be a whole number of at least 1, e.g. 5, not {shown}.")
    return k


def _is_calendar_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_date(name: str, value: str | dt.date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):  # a datetime.date (or datetime) from Python callers
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, str):
        value = value.strip()  # " 2024-01-01 " from a form or a script, as the HTTP API always took it
        if not value:
            return None
    if not isinstance(value, str) or not _DATE.match(value) or not _is_calendar_date(value):
        raise UsageError(f"The {name} date {value!r} is not a date; use YYYY-MM-DD, e.g. 2024-01-31.")
    return value


DateLike = str | dt.date | None  # YYYY-MM-DD text, a datetime.date, or no filter


def check_dates(since: DateLike, until: DateLike) -> tuple[str | None, str | None]:
    """Both date filters checked, and a range that ends before it starts refused (it would match
    nothing, and the answer would blame the articles)."""
    since, until = check_date("since", since), check_date("until", until)  # as YYYY-MM-DD
    if since and until and since > until:
        raise UsageError(f"The since date {since} is after the until date {until}; swap them.")
    return since, until


def filter_articles(
    documents: Mapping[str, Any], source: str | None, since: str | None, until: str | None
) -> tuple[set[str] | None, int]:
    """The articles a question's filters leave (None: no filter), and how many of those the source
    filter leaves that a date filter dropped for having no date (the answer says so)."""
    if not (source or since or until):
        return None, 0
    allowed, undated = set(), 0
    for src, doc in documents.items():
        if source and not fnmatch.fnmatch(src, source):
            continue
        if (since or until) and doc.published is None:
            undated += 1
            continue
        if since and doc.published < since:
            continue
        if until and doc.published > until:
            continue
        allowed.add(src)
    return allowed, undated
