"""The chat's conversation kept in the browser, so that reloading the page (or coming back to it after
closing the tab, or after the server restarts) shows it again and a follow-up still carries it: a
browser user lost a whole conversation to one reload.

It is kept in the page's localStorage (Gradio's BrowserState, encrypted with a key derived from the
index folder): per browser and per server address, never sent anywhere but back to this server. A
conversation kept for another index folder does not open (its quotes are of other articles), and
neither does one written by another layout of this value (`SHAPE`). Only the last `KEPT_TURNS` turns
are kept (localStorage holds a few MB per site); the Markdown export keeps a whole conversation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import gradio as gr

from ui.render import choice_label

KEY = "qa-conversation"
SHAPE = 1  # the kept value's layout: a value of another (an older qa's) is not restored
KEPT_TURNS = 30  # answers of about 15 kB each, twice (as shown and as data): about 1 MB


def kept_conversation(index_dir: Path) -> Any:
    """The browser-side store of the chat's conversation for the index in `index_dir`."""
    secret = hashlib.sha256(f"qa-conversation:{Path(index_dir).resolve()}".encode()).hexdigest()[:32]
    return gr.BrowserState(None, storage_key=KEY, secret=secret)


def keep(
    chat: list[dict[str, Any]] | None = None,
    last: dict[str, Any] | None = None,
    asked: list[str] | None = None,
    turns: list[Any] | None = None,
) -> dict[str, Any]:
    """What is kept of the conversation after a turn (or a new conversation: empty)."""
    return {
        "shape": SHAPE,
        "chat": [_message(m) for m in list(chat or [])[-2 * KEPT_TURNS :]],
        "last": last,
        "asked": list(asked or [])[-KEPT_TURNS:],
        "turns": list(turns or [])[-KEPT_TURNS:],
    }


def _message(message: dict[str, Any]) -> dict[str, Any]:
    """A chat message as role and text: the chat hands its messages back with their content as a
    list of parts ({"type": "text", "text": ...}), which it takes as plain text too."""
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return {"role": message.get("role"), "content": content}


def _valid(kept: Any) -> bool:
    if not isinstance(kept, dict) or kept.get("shape") != SHAPE:
        return False
    chat, last, asked, turns = (kept.get(k) for k in ("chat", "last", "asked", "turns"))
    messages = isinstance(chat, list) and all(
        isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
        for m in chat
    )
    answer = last is None or (isinstance(last, dict) and isinstance(last.get("citations"), list))
    return (
        messages
        and answer
        and isinstance(asked, list)
        and all(isinstance(q, str) for q in asked)
        and isinstance(turns, list)
        and all(isinstance(t, dict) for t in turns)
    )


def restore(kept: Any) -> tuple[Any, ...]:
    """The chat, last answer, citation list, questions, turns and "ask again alone" button as kept
    (an empty conversation if nothing valid was kept)."""
    if not _valid(kept):
        return [], None, gr.update(choices=[], value=None), [], [], gr.update(visible=False)
    last = kept["last"]
    cites = (last.get("citations") or last.get("nearest") or []) if last else []
    try:
        pick = gr.update(choices=[choice_label(c) for c in cites], value=None)
    except (KeyError, TypeError):
        pick = gr.update(choices=[], value=None)
    carried = bool(last) and last.get("query") != last.get("question")
    return kept["chat"], last, pick, kept["asked"], kept["turns"], gr.update(visible=carried)
