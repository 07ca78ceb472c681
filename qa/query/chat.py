"""`Conversation`: a chat with an engine for the Python API. Each question is asked with the earlier
ones as its history (what a follow-up carries: qa/query/conversation.py), and the turns export as
Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.errors import UsageError
from qa.query.conversation import markdown

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
