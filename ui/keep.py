"""The chat's conversation kept in the browser, so that reloading the page (or coming back to it after
closing the tab, or after the server restarts) shows it again and a follow-up still carries it: a
browser user lost a whole conversation to one reload.

Its answers are kept (the CITATIONS.md objects; the chat is made again from them) in the page's
localStorage (Gradio's BrowserState, encrypted with a key derived from the index folder): per browser
and per server address, so tabs share it, and the last conversation asked in any tab is the one a
reload shows. A conversation kept for another index folder does not open (its quotes are of other
articles), nor one of another layout of this value (`SHAPE`). Only the last `KEPT_TURNS` turns are
kept (localStorage holds a few MB per site); the Markdown export keeps a whole conversation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import gradio as gr

from qa.query import pasted
from ui.render import answer_html, choice_label, esc

KEY = "qa-conversation"
SHAPE = 2  # the kept value's layout: a value of another (an older qa's) is not restored
KEPT_TURNS = 30  # answers of about 10 kB each: about 300 kB
ALONE = " <span class='qa-meta'>(without the conversation)</span>"  # after a question asked again alone


def kept_conversation(index_dir: Path) -> Any:
    """The browser-side store of the chat's conversation for the index in `index_dir`."""
    secret = hashlib.sha256(f"qa-conversation:{Path(index_dir).resolve()}".encode()).hexdigest()[:32]
    return gr.BrowserState(None, storage_key=KEY, secret=secret)


def keep(
    last: dict[str, Any] | None = None, asked: list[str] | None = None, turns: list[Any] | None = None
) -> dict[str, Any]:
    """What is kept of the conversation after a turn (or a new conversation: empty): its answers, not
    the chat's HTML, which is made again from them (a review: a value planted in the page's storage
    by another app on the same address would have been shown as it was)."""
    kept_turns = list(turns or [])[-KEPT_TURNS:]
    return {"shape": SHAPE, "last": last, "asked": list(asked or [])[-KEPT_TURNS:], "turns": kept_turns}


def chat_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat's messages for kept answers: each question as typed (escaped), then its answer."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": esc(t["question"]) + (ALONE if t.get("asked_alone") else "")})
        out.append({"role": "assistant", "content": answer_html(t)})
    return out


def _citation(c: Any) -> bool:
    """Whether `c` is a citation as qa makes it, as far as the chat reads one (its card, its article,
    the export)."""
    highlight = c.get("highlight") if isinstance(c, dict) else None
    return (
        isinstance(highlight, dict)
        and all(isinstance(c.get(k), int) for k in ("n", "start_char", "end_char", "start_line", "end_line"))
        and all(isinstance(c.get(k), str) for k in ("source", "text"))
        and all(isinstance(highlight.get(k), int) for k in ("start_char", "end_char"))
        and isinstance(highlight.get("text"), str)
    )


def _answer(t: Any) -> bool:
    """Whether `t` is an answer as qa makes it, as far as the chat reads one."""
    return (
        isinstance(t, dict)
        and all(isinstance(t.get(k), str) for k in ("question", "query", "answer"))
        and isinstance(t.get("abstained"), bool)
        and all(isinstance(t.get(k), list) and all(_citation(c) for c in t[k]) for k in ("citations", "nearest"))
    )


def restore(kept: Any) -> tuple[Any, ...]:
    """The chat, last answer, citation list, questions, turns and "ask again alone" button as kept
    (an empty conversation if anything kept is not as qa keeps it: a second review planted values
    that made the export, the article panel and "ask again" fail later)."""
    empty: tuple[Any, ...] = [], None, gr.update(choices=[], value=None), [], [], gr.update(visible=False)
    if not isinstance(kept, dict) or kept.get("shape") != SHAPE:
        return empty
    last, asked, turns = kept.get("last"), kept.get("asked"), kept.get("turns")
    if not (isinstance(asked, list) and all(isinstance(q, str) for q in asked) and isinstance(turns, list)):
        return empty
    turns, asked = turns[-KEPT_TURNS:], asked[-KEPT_TURNS:]
    if not all(_answer(t) for t in turns):
        return empty
    # the last answer is the last turn's (as shown: without the mark of one asked again alone)
    if last != ({k: v for k, v in turns[-1].items() if k != "asked_alone"} if turns else None):
        return empty
    try:
        chat = chat_of(turns)
        cites = (last["citations"] or last["nearest"]) if last else []
        pick = gr.update(choices=[choice_label(c) for c in cites], value=None)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError):  # not as qa makes them
        return empty
    carried = last is not None and pasted.carried(last["question"], last["query"])
    return chat, last, pick, asked, turns, gr.update(visible=carried)
