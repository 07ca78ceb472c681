"""The chat's Rebuild button (ui/app.py): its notes stream into the status line, and a rebuild that
fails says so in one line while the previous index serves on."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.config import Settings
from qa.errors import UsageError
from qa.service import Service
from tests.conftest import SEEDS, FakeEmbedder


@pytest.fixture
def service(tmp_path: Path) -> Service:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    svc = Service(Settings(seeds_dir=seeds, index_dir=tmp_path / "index"), embedder=FakeEmbedder())
    svc.rebuild()
    return svc


def handler(service: Service, name: str) -> Callable[..., Iterator[tuple[Any, ...]]]:
    from ui.app import build_app

    app = build_app(service)
    fns = app.fns.values() if isinstance(app.fns, dict) else app.fns
    return next(f.fn for f in fns if getattr(f.fn, "__name__", "") == name)


def test_a_rebuild_streams_its_notes_then_its_report(service: Service) -> None:
    (Path(service.settings.seeds_dir) / "note.txt").write_text(
        "Ferry notes\n\nThe quorvian ferry leaves the old harbour at 8:15 every morning in summer.\n"
    )
    steps = [status for status, *_ in handler(service, "rebuild_clicked")()]
    assert steps[0].startswith("Rebuilding from ") and all("Rebuilding" in s for s in steps[:-1])
    assert "1 added" in steps[-1], steps


def test_a_rebuild_clicked_while_another_runs_waits_for_it_then_reports(service: Service) -> None:
    """Another tab's rebuild (or an upload's) under way: the click waits for it and then reports its own
    rebuild. It was refused, and the tab kept "A rebuild is already running" after that rebuild ended."""
    import threading

    service._rebuild_lock.acquire()  # the rebuild under way
    steps: list[str] = []
    clicked = threading.Thread(target=lambda: steps.extend(s for s, *_ in handler(service, "rebuild_clicked")()))
    clicked.start()
    try:
        for _ in range(200):
            if any("waiting for the rebuild under way" in s for s in steps):
                break
            threading.Event().wait(0.05)
        assert any("waiting for the rebuild under way" in s for s in steps), steps
        assert clicked.is_alive(), "it waits while the other rebuild runs"
    finally:
        service._rebuild_lock.release()
    clicked.join(60)
    assert not clicked.is_alive()
    assert "already running" not in steps[-1] and "up to date" in steps[-1], steps


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (UsageError("A rebuild is already running; wait for it to finish."), "A rebuild is already running"),
        (RuntimeError("disk on fire"), "The rebuild failed (RuntimeError); the previous index is still serving"),
    ],
)
def test_a_failed_rebuild_is_one_line_and_the_old_index_serves(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], error: Exception, shown: str
) -> None:
    before = service.ask("When does the ferry leave?", 3)

    def fail(*_a: Any, **_k: Any) -> Any:
        raise error

    rebuild = handler(service, "rebuild_clicked")
    monkeypatch.setattr(service, "rebuild", fail)  # the fault; what is tested is the chat's handling
    *_, (status, _docs, _choices) = rebuild()
    assert status.startswith("⚠") and shown in status and "\n" not in status
    log = capfd.readouterr().err
    assert "Traceback" not in log and "qa: rebuild" in log, "said in the server log too (the tab may be gone)"
    assert service.ask("When does the ferry leave?", 3) == before


def test_asking_again_without_the_conversation_starts_it_afresh_from_that_question(service: Service) -> None:
    """The reader said the conversation's words were wrong for that question: the next follow-up
    carries its words only (it went on carrying the older ones)."""
    from ui.app import ALL

    respond, alone = handler(service, "respond"), handler(service, "ask_alone")
    first, second = "What did Sergey Kislyak tell TASS?", "Where is the New Amnok River Bridge?"
    # (chat, last answer, citation list, questions asked, answers, "ask alone" button, article panel)
    out = respond(first, [], ALL, "", "", 3, [], [])
    out = respond(second, out[0], ALL, "", "", 3, out[3], out[4])
    assert out[3] == [first, second]
    again = alone(out[0], out[1], ALL, "", "", 3, out[3], out[4])
    assert again[3] == [second] and again[1]["query"] == second
    assert len(again[4]) == 3 and again[4][-1]["asked_alone"], "the export keeps every turn"


def test_a_question_that_fails_unexpectedly_stays_in_the_chat_with_a_plain_message(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The box is emptied when Enter is pressed, so a question whose answering failed (a fault here;
    what is tested is the chat's handling) must stay readable in the chat, with one line saying so."""
    from ui.app import ALL

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk on fire")

    respond = handler(service, "respond")
    monkeypatch.setattr(service, "ask", broken)
    chat, last, *_ = respond("When does the ferry leave?", [], ALL, "", "", 3, [], [])
    assert last is None and "When does the ferry leave?" in chat[-2]["content"]
    assert "could not answer this question" in chat[-1]["content"] and "disk on fire" not in chat[-1]["content"]
    assert "disk on fire" in capfd.readouterr().err, "the server's log says why"


def test_a_long_message_searched_as_its_own_question_offers_no_ask_again(service: Service) -> None:
    """A long message's answer may search its main question ("Searched for: ..."): that is no
    conversation carried, so "Ask again without the conversation" stays hidden (a review: it was
    offered on a chat's first message, and changed nothing)."""
    from ui.app import ALL

    respond = handler(service, "respond")
    asked = "Where is the New Amnok River Bridge?"
    message = "My uncle and I have argued about this for weeks over dinner with the family. " * 4 + asked
    out = respond(message, [], ALL, "", "", 3, [], [])
    assert out[1]["query"] in (message, asked)
    assert out[5]["visible"] is False
    follow = respond("When will it open?", out[0], ALL, "", "", 3, out[3], out[4])
    assert follow[1]["query"].startswith("When will it open? (") and follow[5]["visible"] is True
