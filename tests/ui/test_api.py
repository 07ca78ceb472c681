"""The named `ask` endpoint through gradio_client against a live server: the CITATIONS.md object, and
answers keep coming (from the old or the new index) while the index is rebuilt."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from tests.integration.test_seed_answers import KNOWN
from tests.ui.conftest import LiveServer

pytestmark = pytest.mark.integration

KEYS = {"question", "query", "abstained", "answer", "citations", "nearest"}


def check_against_file(server: LiveServer, c: dict) -> None:
    with open(server.seeds / c["source"], encoding="utf-8-sig") as f:
        text = f.read()
    assert c["text"] == text[c["start_char"] : c["end_char"]], f"{c['source']}: text is not the file's slice"
    h = c["highlight"]
    assert c["start_char"] <= h["start_char"] < h["end_char"] <= c["end_char"]
    assert h["text"] == text[h["start_char"] : h["end_char"]]
    assert c["start_line"] == text.count("\n", 0, c["start_char"]) + 1
    assert c["end_line"] == text.count("\n", 0, c["end_char"] - 1) + 1


def test_ask_endpoint_returns_the_answer_contract(live_server: LiveServer) -> None:
    from gradio_client import Client

    client = Client(live_server.url, verbose=False)
    d = client.predict("Who did Im Chon-il meet in Moscow?", api_name="/ask")
    assert set(d) == KEYS
    assert not d["abstained"] and d["citations"][0]["source"] == "002_299aeecd3ab3c2fd.txt"
    assert "[1]" in d["answer"]
    for c in d["citations"]:
        check_against_file(live_server, c)
    off = client.predict("What is the best recipe for lasagna?", 3, "", "", "", api_name="/ask")
    assert off["abstained"] and off["citations"] == [] and off["nearest"]


def test_ask_endpoint_takes_the_conversation_as_history(live_server: LiveServer) -> None:
    from gradio_client import Client

    client = Client(live_server.url, verbose=False)
    first = "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?"
    d = client.predict("What committee role does he hold?", 3, "", "", "", [first], api_name="/ask")
    assert set(d) == KEYS and d["query"] != d["question"] and "TASS" in d["query"]
    assert d["citations"][0]["source"] == "002_299aeecd3ab3c2fd.txt"
    for c in d["citations"]:
        check_against_file(live_server, c)
    alone = client.predict("What committee role does he hold?", 3, "", "", "", api_name="/ask")
    assert alone["query"] == alone["question"]
    for bad in ([1, 2], {"q": "x"}):
        with pytest.raises(Exception, match="history") as err:
            client.predict("What committee role does he hold?", 3, "", "", "", bad, api_name="/ask")
        assert "Traceback" not in str(err.value)


def test_empty_question_is_an_error_message_not_a_crash(live_server: LiveServer) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(live_server.url, verbose=False)
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    assert client.predict("Who did Im Chon-il meet in Moscow?", api_name="/ask")["citations"], "server died"


def test_twenty_questions_during_a_rebuild_are_all_answered(live_server: LiveServer) -> None:
    from gradio_client import Client

    # Change every article so the rebuild re-embeds the whole corpus (seconds, not milliseconds).
    for path in sorted(live_server.seeds.iterdir()):
        path.write_text(path.read_text(encoding="utf-8") + "\n\nEditor's note: updated.\n", encoding="utf-8")
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            live_server.service.rebuild()
        except BaseException as err:  # collected and reported by the test
            errors.append(err)

    before = live_server.service.engine
    worker = threading.Thread(target=rebuild)
    worker.start()
    client = Client(live_server.url, verbose=False)
    answers = []
    during = 0
    for i in range(20):
        question, source, _ = KNOWN[i % len(KNOWN)]
        during += worker.is_alive()
        d = client.predict(question, 5, "", "", "", api_name="/ask")
        answers.append(d)
        assert set(d) == KEYS and not d["abstained"], f"question {i} failed: {d.get('answer')!r}"
        assert d["citations"][0]["source"] == source
        for c in d["citations"]:
            check_against_file_or_previous(live_server, c)
    worker.join(timeout=300)
    assert not errors, errors
    assert during >= 1, "the rebuild finished before any question was sent; the test proved nothing"
    assert live_server.service.engine is not before, "the rebuild did not switch to the new index"


def check_against_file_or_previous(server: LiveServer, c: dict) -> None:
    """During the rebuild an answer may come from the old index: its text is then the old file's
    slice, which is the new file minus the appended note (the prefix is unchanged)."""
    with open(server.seeds / c["source"], encoding="utf-8-sig") as f:
        text = f.read()
    assert c["text"] == text[c["start_char"] : c["end_char"]], f"{c['source']}: text is not the file's slice"
    assert c["highlight"]["text"] == text[c["highlight"]["start_char"] : c["highlight"]["end_char"]]


def test_rebuild_endpoint_returns_the_report_and_refuses_a_second_one(
    live_server: LiveServer, capfd: pytest.CaptureFixture[str]
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(live_server.url, verbose=False)
    note = live_server.seeds / "rebuild-endpoint-note.txt"
    note.write_text(
        "Ferry timetable changes\n\nPublished on: 2024/03/04\n\nThe quorvian ferry now leaves at 7:40 every day.\n",
        encoding="utf-8",
    )
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            live_server.service.rebuild()
        except BaseException as err:  # reported by the test
            errors.append(err)

    running = threading.Thread(target=rebuild)
    running.start()  # a rebuild the endpoint must not start a second of (the worker takes seconds)
    try:
        deadline = time.monotonic() + 30
        while not live_server.service.rebuilding:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(AppError, match="already running"):
            client.predict(api_name="/rebuild")
    finally:
        running.join(timeout=300)
    assert not errors, errors
    note.write_text(note.read_text(encoding="utf-8").replace("7:40", "8:15"), encoding="utf-8")
    report = client.predict(api_name="/rebuild")
    assert report["changed"] == ["rebuild-endpoint-note.txt"] and not report["up_to_date"]
    assert report["chunks"] > 0 and "1 changed" in report["summary"]
    answer = client.predict("When does the quorvian ferry leave?", 3, "", "", "", api_name="/ask")
    assert "8:15" in answer["citations"][0]["text"], "the endpoint switched the server to the new index"
    assert client.predict(api_name="/rebuild")["up_to_date"]
    note.unlink()  # the seeds are shared with the other tests of the session
    assert client.predict(api_name="/rebuild")["removed"] == ["rebuild-endpoint-note.txt"]
    # Refusals are logged as one line each, never a traceback.
    with pytest.raises(AppError):
        client.predict("   ", api_name="/ask")
    err = capfd.readouterr().err
    assert "qa: refused: A rebuild is already running" in err and "qa: refused: The question is empty" in err
    assert "Traceback" not in err


def test_a_raw_http_call_with_only_the_question_is_answered(live_server: LiveServer) -> None:
    """`POST /gradio_api/call/ask` with the question alone: the other parameters take their defaults
    (Gradio itself refused such a call with an empty error and a traceback in the server's log)."""
    import json
    import urllib.error
    import urllib.request

    def post(data: list) -> str:
        req = urllib.request.Request(
            f"{live_server.url.rstrip('/')}/gradio_api/call/ask",
            data=json.dumps({"data": data}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            event = json.loads(r.read())["event_id"]
        with urllib.request.urlopen(f"{live_server.url.rstrip('/')}/gradio_api/call/ask/{event}", timeout=120) as r:
            return r.read().decode()

    for data in (["Who did Im Chon-il meet in Moscow?"], ["Who did Im Chon-il meet in Moscow?", 2, "00[12]_*"]):
        stream = post(data)
        assert "event: complete" in stream, stream[-500:]
        d = json.loads(stream.split("event: complete", 1)[1].split("data: ", 1)[1].splitlines()[0])[0]
        assert set(d) == KEYS and d["citations"][0]["source"] == "002_299aeecd3ab3c2fd.txt"
        assert len(d["citations"]) <= (5 if len(data) == 1 else 2)
        for c in d["citations"]:
            check_against_file(live_server, c)
    # More values than /ask takes: refused at once (Gradio dropped them in silence and answered).
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(["Who did Im Chon-il meet in Moscow?", 2, "", "", "", [], "extra"])
    assert refused.value.code == 422
    assert json.loads(refused.value.read()) == {"detail": '/ask takes at most 6 values in "data", not 7.'}
    # No question at all is an empty one: one line, no traceback in the log (Gradio logged one).
    for data in ([],):
        stream = post(data)
        assert "event: error" in stream and "The question is empty" in stream, stream[-300:]
    # Left out, k is the server's own setting (QA_K), as in the chat and `qa ask`, not a fixed 5.
    engine = live_server.service.engine
    settings = engine.settings
    engine.settings = replace(settings, k=2)
    try:
        stream = post(["Who did Im Chon-il meet in Moscow?"])
    finally:
        engine.settings = settings
    d = json.loads(stream.split("event: complete", 1)[1].split("data: ", 1)[1].splitlines()[0])[0]
    assert len(d["citations"]) == 2
