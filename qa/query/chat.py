"""`Conversation`: a chat with an engine for the Python API. Each question is asked with the earlier
ones as its history (what a follow-up carries: qa/query/conversation.py), and the turns export as
Markdown (`markdown`: the same export as `qa ask --conversation --markdown` and the chat's button)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from qa.answer import where
from qa.errors import UsageError

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.query.engine import Engine


class Conversation:
    """A conversation with an engine: each question is asked with the earlier ones as its history.

    >>> chat = Conversation(qa.load("embeddings/"))
    >>> chat.ask("What did Sergey Kislyak tell TASS?").query
    'What did Sergey Kislyak tell TASS?'
    >>> chat.ask("What did he add?").query      # searched with the earlier question's words
    'What did he add? (Sergey Kislyak tell TASS)'
    >>> print(chat.markdown())
    """

    def __init__(self, engine: Engine) -> None:
        if not callable(getattr(engine, "ask", None)):
            raise UsageError(
                f"Conversation needs an engine, e.g. Conversation(qa.load('embeddings/')); got {engine!r}."
            )
        self.engine = engine
        self.turns: list[Answer] = []

    def ask(self, question: str, k: int | None = None, **filters: Any) -> Answer:
        """`engine.ask(question, k, **filters)` with this conversation's earlier questions as its
        history; the answer becomes a turn. Filters: `source`, `since`, `until`."""
        if "history" in filters:
            raise UsageError(
                "A Conversation keeps its own history; for another, call engine.ask(question, history=[...])."
            )
        answer = self.engine.ask(question, k, history=[t.question for t in self.turns], **filters)
        self.turns.append(answer)
        return answer

    def reset(self) -> None:
        """Start a new conversation: later questions carry nothing from these turns."""
        self.turns.clear()

    def markdown(self) -> str:
        """The conversation as Markdown notes: each question, its answer, every citation quoted."""
        return markdown([t.to_dict() for t in self.turns])


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


_OPENING_QUOTES = "\"'“‘«„"


def answering_sentence(highlight: str) -> str:
    """The export's line naming a citation's highlight, in quotation marks unless the sentence opens
    with its own (a quoted remark: a new user's export read ““We thank the Afghan government…””)."""
    sentence = " ".join(highlight.split())
    return f"Answering sentence: {sentence}" if sentence[:1] in _OPENING_QUOTES else f"Answering sentence: “{sentence}”"


def citation_line(c: dict[str, Any]) -> str:
    """ "[1] Title, Outlet, 2025-03-27 (file.txt, lines 17-19)": how to find a quote again; "[1]
    file.txt, lines 17-19" for an article with no title, outlet or date (not its file name twice)."""
    named = ", ".join(str(x) for x in (c.get("title"), c.get("outlet"), c.get("published")) if x)
    return f"[{c['n']}] {named} ({c['source']}, {where(c)})" if named else f"[{c['n']}] {c['source']}, {where(c)}"


def markdown(answers: Sequence[dict[str, Any]], day: date | None = None) -> str:
    """A conversation as Markdown a journalist can paste into notes: each question, the answer with
    its [n] markers, and every citation with file, title, date, lines and the exact excerpt. A turn
    with `asked_alone` (the chat's re-ask) says it was searched without the conversation."""
    out = [f"# Conversation with qa, {(day or date.today()).isoformat()}", ""]
    for i, a in enumerate(answers, 1):
        out += [f"## {i}. {a['question']}", ""]
        if a.get("asked_alone"):  # the chat's "Ask again without the conversation"
            out += ["*Asked again without the conversation: searched on its own words.*", ""]
        if a.get("query") and a["query"] != a["question"]:
            out += [f"*Searched for: {a['query']}*", ""]
        out += [a["answer"], ""]
        for c in a["citations"]:
            out += [citation_line(c), "", _quote(c["text"]), ""]
            if c.get("highlight") and c["highlight"]["text"].strip() != c["text"].strip():
                out += [answering_sentence(c["highlight"]["text"]), ""]
        if a["abstained"] and a.get("nearest"):
            out += ["Closest passages (not answers):", ""]
            for c in a["nearest"]:
                out += [citation_line(c), "", _quote(c["text"]), ""]
    return "\n".join(out).rstrip("\n") + "\n"
