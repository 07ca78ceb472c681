"""The chat's conversation as kept in the browser (ui/keep.py): what is kept, and what is restored."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import qa
from tests.conftest import SEEDS, FakeEmbedder
from ui.keep import ALONE, KEPT_TURNS, SHAPE, keep, kept_conversation, restore
from ui.render import answer_html


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("keep")
    shutil.copytree(SEEDS, root / "seeds")
    qa.build(root / "seeds", root / "index", embedder=FakeEmbedder())
    engine = qa.load(root / "index", embedder=FakeEmbedder())
    first = "Which Russian senator told TASS about the goal of the visit to Pyongyang?"
    follow = engine.ask("What did he add?", 3, history=[first]).to_dict()
    return [engine.ask(first, 3).to_dict(), follow, {**follow, "asked_alone": True}]


def test_a_kept_conversation_is_restored_as_it_was_shown(answers: list[dict[str, Any]]) -> None:
    asked = [a["question"] for a in answers]
    # (the last turn was asked again alone: the last answer is it, without that mark)
    chat, last, pick, kept_asked, turns, alone = restore(keep(answers[1], asked, answers))
    assert last == answers[1] and kept_asked == asked and turns == answers
    # The chat is made again from the answers: each question escaped, then its answer's HTML.
    assert [m["role"] for m in chat] == ["user", "assistant"] * 3
    assert chat[0]["content"] == answers[0]["question"].replace("'", "&#x27;")
    assert chat[1]["content"] == answer_html(answers[0]) and chat[5]["content"] == answer_html(answers[2])
    assert chat[4]["content"].endswith(ALONE) and not chat[2]["content"].endswith(ALONE)
    assert len(pick["choices"]) == len(answers[1]["citations"]), "the last answer's citations open again"
    assert alone["visible"] == (answers[1]["query"] != answers[1]["question"])


def test_only_the_last_turns_are_kept(answers: list[dict[str, Any]]) -> None:
    many = [answers[0]] * (KEPT_TURNS + 5)
    kept = keep(answers[0], [f"q{i}" for i in range(KEPT_TURNS + 5)], many)
    assert len(kept["turns"]) == KEPT_TURNS and kept["asked"][0] == "q5"


def test_planted_html_is_not_shown_as_it_was_stored(answers: list[dict[str, Any]]) -> None:
    """A review: another app on the same address could plant chat HTML (a form posting elsewhere)."""
    planted = {**keep(None, [], []), "chat": [{"role": "assistant", "content": "<form action='https://x'>"}]}
    assert restore(planted)[0] == []
    evil = {**answers[0], "question": "<form action='https://x'><button>Go</button></form>"}
    chat = restore(keep(evil, [evil["question"]], [evil]))[0]
    assert "<form" not in chat[0]["content"] and "&lt;form" in chat[0]["content"]


@pytest.mark.parametrize(
    "value",
    [
        None,
        "text",
        {},
        {**keep(), "shape": SHAPE - 1},  # another layout's (an older qa's, which kept the chat's HTML)
        {**keep(), "asked": "Who is Kislyak?"},
        {**keep(), "turns": ["not an answer"]},
        {**keep(), "turns": [{"question": "q"}]},
        {**keep(), "last": {"question": "q"}},
        # a second review's plants: an answer without citations (the export failed), a citation
        # without its highlight (the article panel failed), a last answer that is no turn's
        "no-citations",
        "no-highlight",
        "other-last",
    ],
)
def test_anything_else_restores_an_empty_conversation(value: Any, answers: list[dict[str, Any]]) -> None:
    good = answers[0]
    planted = {
        "no-citations": keep(None, ["q"], [{k: v for k, v in good.items() if k != "citations"}]),
        "no-highlight": keep(
            None, ["q"], [{**good, "citations": [{k: v for k, v in good["citations"][0].items() if k != "highlight"}]}]
        ),
        "other-last": keep({**good, "query": "x"}, ["q"], [good]),
    }
    chat, last, pick, asked, turns, alone = restore(planted.get(value, value) if isinstance(value, str) else value)
    assert (chat, last, asked, turns) == ([], None, [], []) and pick["choices"] == [] and not alone["visible"]


def test_each_index_folder_keeps_its_own_conversation(tmp_path: Path) -> None:
    a, b = kept_conversation(tmp_path / "a"), kept_conversation(tmp_path / "b")
    assert a.storage_key == b.storage_key and a.secret != b.secret
    assert kept_conversation(tmp_path / "a").secret == a.secret, "the same after a restart"


def test_a_restored_long_message_searched_as_its_own_question_offers_no_ask_again(
    answers: list[dict[str, Any]],
) -> None:
    """As after the turn itself (ui/app.py): a long message's main question is no conversation
    carried, so a reload does not offer "Ask again without the conversation" for it."""
    asked = "Which Russian senator told TASS about the goal of the visit to Pyongyang?"
    message = "My uncle and I have argued about this for weeks over dinner with the family. " * 4 + asked
    turn = {**answers[0], "question": message, "query": asked}
    *_, alone = restore(keep(turn, [message], [turn]))
    assert alone["visible"] is False
    carried = {**answers[1], "question": message, "query": f"{asked} (carried words)"}
    *_, alone = restore(keep(carried, [message], [carried]))
    assert alone["visible"] is True
