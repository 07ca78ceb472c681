"""50 concurrent chats through gradio_client against the live server while the index is rebuilt.

The seeds copy is changed (every offset moves), `service.rebuild()` runs in a thread, and 50 clients
ask known questions at once. Every request is answered without an error, and every answer is entirely
from the old index or entirely from the new one: all its citations are exact slices of the old
version of their files, or all of the new version. QA_STRESS=1 repeats this for 10 rebuilds (500 chats).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_seed_answers import KNOWN
from tests.reliability.conftest import Case, scaled
from tests.ui.conftest import LiveServer

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

CHATS = 50  # at once: within the server's queue of 64
ROUNDS = scaled(1, 10)
TIMEOUT = 120  # seconds for any one chat


def read_texts(folder: Path) -> dict[str, str]:
    texts = {}
    for p in sorted(folder.glob("*.txt")):
        with open(p, encoding="utf-8-sig") as f:
            texts[p.name] = f.read()
    return texts


def changed(text: str, n: int) -> str:
    """Another version of an article: moved down by a blank line (every offset changes), a note added."""
    return "\n" + text + f"\n\nEditor's note: this article was reviewed again in round {n} of the load test.\n"


@dataclass
class Chat:
    question: str
    source: str
    during_rebuild: bool
    answer: dict[str, Any] | None = None
    error: str | None = None


def version_of(answer: dict[str, Any], versions: dict[str, dict[str, str]]) -> str | None:
    """The one version ("old" or "new") that every citation of `answer` is an exact slice of."""
    for name, texts in versions.items():
        if all(
            c["text"] == texts[c["source"]][c["start_char"] : c["end_char"]]
            and c["highlight"]["text"] == texts[c["source"]][c["highlight"]["start_char"] : c["highlight"]["end_char"]]
            for c in answer["citations"]
        ):
            return name
    return None


def test_fifty_concurrent_chats_during_a_rebuild_are_answered_from_one_index(
    live_server: LiveServer, tally: Callable[..., Case]
) -> None:
    from gradio_client import Client

    case = tally(f"load: {CHATS} chats during a rebuild")
    live_server.service.rebuild()  # the index is the files on disk before the change
    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(lambda _: Client(live_server.url, verbose=False), range(CHATS)))
    try:
        seen, overlapped = chat_through_rebuilds(live_server, clients, case)
    finally:
        for client in clients:
            client.close()
    print(
        f"load: {ROUNDS} rebuild(s), {overlapped} of {ROUNDS * CHATS} chats sent while one ran; "
        f"answers from the old index {seen['old']}, from the new one {seen['new']}"
    )
    assert overlapped >= 1, "every rebuild finished before any chat was sent; the test proved nothing"
    case.assert_all_held()


def chat_through_rebuilds(live_server: LiveServer, clients: list[Any], case: Case) -> tuple[dict[str, int], int]:
    service = live_server.service
    seen = {"old": 0, "new": 0}
    overlapped = 0
    for n in range(1, ROUNDS + 1):
        old = read_texts(live_server.seeds)
        for name, text in old.items():
            (live_server.seeds / name).write_text(changed(text, n), encoding="utf-8")
        new = read_texts(live_server.seeds)
        before = service.engine
        errors: list[BaseException] = []

        def rebuild(errors: list[BaseException] = errors) -> None:
            try:
                service.rebuild()
            except BaseException as err:  # reported by the test
                errors.append(err)

        worker = threading.Thread(target=rebuild)
        worker.start()

        def chat(i: int, worker: threading.Thread = worker) -> Chat:
            question, source, _ = KNOWN[i % len(KNOWN)]
            result = Chat(question, source, worker.is_alive())
            try:
                result.answer = clients[i].submit(question, 5, "", "", "", api_name="/ask").result(timeout=TIMEOUT)
            except Exception as err:
                result.error = f"{type(err).__name__}: {err}"
            return result

        with ThreadPoolExecutor(max_workers=CHATS) as pool:
            chats = list(pool.map(chat, range(CHATS)))
        worker.join(timeout=600)
        assert not worker.is_alive(), "the rebuild did not finish"
        assert not errors, f"the rebuild failed: {errors!r}"
        assert service.engine is not before, "the rebuild did not switch to the new index"
        overlapped += sum(c.during_rebuild for c in chats)

        for i, c in enumerate(chats):
            where = f"round {n}, chat {i} ({c.question!r})"
            if c.error is not None or c.answer is None:
                case.check(False, f"{where}: {c.error}")
                continue
            d = c.answer
            if d["abstained"] or not d["citations"] or d["citations"][0]["source"] != c.source:
                case.check(False, f"{where}: not answered from {c.source}: {d['answer'][:100]!r}")
                continue
            version = version_of(d, {"old": old, "new": new})
            if version:
                seen[version] += 1
            case.check(version is not None, f"{where}: its citations are slices of neither the old nor the new files")
        # After the rebuild, answers come from the new files.
        after = clients[0].submit(KNOWN[1][0], 5, "", "", "", api_name="/ask").result(timeout=TIMEOUT)
        assert version_of(after, {"new": new}) == "new", "after the rebuild an answer is not from the new files"
    return seen, overlapped
