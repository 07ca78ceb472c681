"""The chat's conversation as kept in the browser (ui/keep.py): what is kept, and what is restored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ui.keep import KEPT_TURNS, SHAPE, keep, kept_conversation, restore

ANSWER: dict[str, Any] = {
    "question": "What did he add?",
    "query": "What did he add? (Kislyak TASS)",
    "citations": [{"n": 1, "source": "002.txt", "title": "Russia", "start_line": 3, "end_line": 4}],
    "nearest": [],
}


def test_a_kept_conversation_is_restored_as_it_was_shown() -> None:
    # The chat hands its messages back with their content in parts; they are kept as text.
    chat = [
        {"role": "user", "content": [{"type": "text", "text": "What did he add?"}], "metadata": None},
        {"role": "assistant", "content": "<div class='qa-answer'>He added ...</div>"},
    ]
    kept = keep(chat, ANSWER, ["Who is Kislyak?", "What did he add?"], [ANSWER])
    shown, last, pick, asked, turns, alone = restore(kept)
    assert shown == [
        {"role": "user", "content": "What did he add?"},
        {"role": "assistant", "content": "<div class='qa-answer'>He added ...</div>"},
    ]
    assert last == ANSWER and asked == ["Who is Kislyak?", "What did he add?"] and turns == [ANSWER]
    assert pick["choices"] == ["[1] Russia · 002.txt · lines 3-4"], "the last answer's citations open again"
    assert alone["visible"], "a carried follow-up offers to be asked again alone"


def test_only_the_last_turns_are_kept() -> None:
    chat = [{"role": r, "content": f"{r} {i}"} for i in range(KEPT_TURNS + 5) for r in ("user", "assistant")]
    asked = [f"q{i}" for i in range(KEPT_TURNS + 5)]
    kept = keep(chat, None, asked, [{"n": i} for i in range(KEPT_TURNS + 5)])
    assert len(kept["chat"]) == 2 * KEPT_TURNS and kept["chat"][0]["content"] == "user 5"
    assert kept["asked"] == asked[5:] and len(kept["turns"]) == KEPT_TURNS


@pytest.mark.parametrize(
    "value",
    [
        None,
        "text",
        {},
        {**keep(), "shape": SHAPE + 1},  # another layout's (an older or newer qa's)
        {**keep(), "chat": [{"role": "system", "content": "x"}]},
        {**keep(), "asked": "Who is Kislyak?"},
        {**keep(), "last": {"question": "q"}},
        {**keep(), "turns": ["not an answer"]},
    ],
)
def test_anything_else_restores_an_empty_conversation(value: Any) -> None:
    shown, last, pick, asked, turns, alone = restore(value)
    assert (shown, last, asked, turns) == ([], None, [], []) and pick["choices"] == [] and not alone["visible"]


def test_a_new_conversation_is_kept_empty() -> None:
    assert restore(keep())[:2] == ([], None)


def test_each_index_folder_keeps_its_own_conversation(tmp_path: Path) -> None:
    a, b = kept_conversation(tmp_path / "a"), kept_conversation(tmp_path / "b")
    assert a.storage_key == b.storage_key and a.secret != b.secret
    assert kept_conversation(tmp_path / "a").secret == a.secret, "the same after a restart"
