"""Hostile and odd questions, through the Python API, the chat server's `/ask` endpoint and `qa ask`.

Each gives a clear one-line `UsageError` (the server: that message as the error; the CLI: one line on
stderr) or a sensible answer: abstained, or cited with every citation the exact slice of its file.
Never an exception of another type, never a traceback, and the server keeps answering afterwards.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa
from qa.errors import UsageError
from tests.conftest import SEEDS
from tests.reliability.conftest import Case, scaled
from tests.ui.conftest import LiveServer

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

KNOWN_QUESTION = "Who did Im Chon-il meet in Moscow?"
KNOWN_SOURCE = "002_299aeecd3ab3c2fd.txt"
KEYS = {"question", "query", "abstained", "answer", "citations", "nearest"}
ERROR = "error"  # a UsageError with a one-line message
CITES = "cites"  # an answer citing KNOWN_SOURCE first (the noise around the known question is dropped)
ANY = "any"  # an error or an answer, abstained or cited: but nothing else

ONE_MB = 1_000_000
QUESTIONS: list[tuple[str, Any, str]] = [
    ("empty", "", ERROR),
    ("white space", " \t\n\r\u3000\u00a0 ", ERROR),
    # Over 2,000 characters: refused in one line (it was cut silently and answered).
    ("1 MB: the question repeated", (KNOWN_QUESTION + " ") * (ONE_MB // (len(KNOWN_QUESTION) + 1)), ERROR),
    ("1 MB: one word", "x" * ONE_MB, ERROR),
    ("NUL bytes only", "\x00" * 64, ERROR),
    ("NUL bytes inside", "Who did Im Chon-il\x00 meet in Moscow?\x00", CITES),
    ("right-to-left override only", "\u202e\u202d\u2066\u2069", ERROR),
    ("right-to-left override", "\u202eWho did Im Chon-il meet in Moscow?\u202c", CITES),
    # (Low before high: JSON would join a high surrogate followed by a low one into one character.)
    ("lone surrogates only", "\udc00\udfff\ud800", ERROR),
    ("lone surrogates inside", "Who did Im\ud800 Chon-il meet in Moscow?\udfff", CITES),
    ("zero-width characters only", "\u200b\u200c\u200d\u2060\ufeff", ERROR),
    ("zero-width joiners", "Who\u200d did Im Chon-il\u200d meet in\u200b Moscow?", CITES),
    ("only punctuation", "?!?...;;--«»", ANY),
    ("Korean", "임천일은 모스크바에서 누구를 만났나?", ANY),
    ("Arabic", "من التقى إيم تشون إيل في موسكو؟", ANY),
    ("emoji", "🇰🇵🤝🇷🇺❓", ANY),
    (
        "combining marks",
        "W\u0337\u0322h\u0338o\u0335 d\u0334i\u0337d\u0338 I\u0335m\u0336 m\u0337e\u0338e\u0335t\u0336?",
        ANY,
    ),
    ("terminal escapes", "\x1b[31mWho did Im Chon-il meet in Moscow?\x1b[0m\x07", CITES),
    ("HTML", "<script>alert(1)</script> Who did Im Chon-il meet in Moscow?", ANY),
]
# Only the Python API can be handed these.
NOT_TEXT: list[tuple[str, Any, str]] = [
    ("None", None, ERROR),
    ("bytes", KNOWN_QUESTION.encode(), ERROR),
    ("int", 7, ERROR),
]
# The other arguments of ask(): (label, k, source, since, until).
BAD_OPTIONS: list[tuple[str, Any, Any, Any, Any]] = [
    ("k = 0", 0, None, None, None),
    ("k = -3", -3, None, None, None),
    ("k = 10**9", 10**9, None, None, None),
    ("k = 'abc'", "abc", None, None, None),
    ("k = 2.5", 2.5, None, None, None),
    ("k = None", None, None, None, None),
    ("since = 2024-02-30", 5, None, "2024-02-30", None),
    ("since = 20240101 (a number)", 5, None, 20240101, None),
    ("until = 'yesterday'", 5, None, None, "yesterday"),
    ("source = '['", 5, "[", None, None),
    ("source = 42 (a number)", 5, 42, None, None),
]


def random_questions(n: int, seed: int) -> list[tuple[str, str, str]]:
    """Under QA_STRESS: strings drawn from the awkward corners of Unicode, mixed with real words."""
    rng = random.Random(seed)
    pools = [
        "\x00\x01\x07\x1b\x7f",
        "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
        "\ud800\udbff\udc00\udfff",
        "\u0300\u0301\u0336\u0337\u0338\u20dd",
        "가나다라임천일모스크바",
        "مرحباموسكو",
        "🇰🇵🤝🇷🇺❓👩‍👩‍👧",
        "?!.,;:()[]{}<>«»\"'",
        " \t\n\r\u3000\u00a0",
    ]
    words = [*KNOWN_QUESTION.split(), "Moscow", "Kim", "Putin", "bridge", "trade"]
    out = []
    for i in range(n):
        parts = []
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.3:
                parts.append(rng.choice(words))
            else:
                pool = rng.choice(pools)
                parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))))
        out.append((f"random #{i}", "".join(parts), ANY))
    return out


def stress_questions() -> list[tuple[str, Any, str]]:
    seed = int(os.environ.get("QA_STRESS_SEED", "7"))
    return QUESTIONS + random_questions(scaled(0, 300), seed)


# --------------------------------------------------------------------------------------------------
# Checking one outcome


def slice_problem(text: str, c: dict[str, Any]) -> str | None:
    if c["text"] != text[c["start_char"] : c["end_char"]]:
        return f"citation [{c['n']}] of {c['source']} is not the file's slice"
    h = c["highlight"]
    if h["text"] != text[h["start_char"] : h["end_char"]]:
        return f"the highlight of [{c['n']}] of {c['source']} is not the file's slice"
    return None


def answer_problem(d: dict[str, Any], folder: Path, expect: str) -> str | None:
    """What is wrong with an answer object, or None."""
    if set(d) != KEYS:
        return f"answer keys {sorted(d)}"
    try:
        json.dumps(d, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "the answer is not printable text (a lone surrogate survived)"
    if expect == ERROR:
        return f"answered ({'abstained' if d['abstained'] else 'cited'}) where a usage error was expected"
    if d["abstained"]:
        if d["citations"]:
            return "abstained with citations"
        if expect == CITES:
            return f"abstained instead of citing {KNOWN_SOURCE}"
    elif not d["citations"]:
        return "not abstained but no citations"
    elif expect == CITES and d["citations"][0]["source"] != KNOWN_SOURCE:
        return f"cites {d['citations'][0]['source']} first, not {KNOWN_SOURCE}"
    for c in d["citations"] + d["nearest"]:
        with open(folder / c["source"], encoding="utf-8-sig") as f:
            problem = slice_problem(f.read(), c)
        if problem:
            return problem
    return None


def message_problem(message: str, expect: str) -> str | None:
    if expect not in (ERROR, ANY):
        return f"an error ({message!r}) where an answer was expected"
    if not message.strip() or "\n" in message.strip():
        return f"the error message is not one line: {message!r}"
    if "verbose error reporting" in message or "Traceback" in message:
        return f"a generic error, i.e. an exception that is not a QAError: {message!r}"
    return None


def short(value: Any) -> str:
    r = repr(value)
    return r if len(r) < 60 else r[:57] + "..."


# --------------------------------------------------------------------------------------------------
# The Python API


@pytest.fixture(scope="module")
def engine(seed_index: Path, real_embedder: Any) -> Any:
    return qa.load(seed_index, embedder=real_embedder)


def api_outcome(engine: Any, question: Any, expect: str, **options: Any) -> str | None:
    try:
        d = engine.ask(question, **options).to_dict()
    except UsageError as err:
        return message_problem(str(err), expect)
    except Exception as err:  # the point of the test: report it as a failure, with its type
        return f"{type(err).__name__}: {err}"
    return answer_problem(d, SEEDS, expect)


def test_python_api_answers_or_refuses_every_bad_question(engine: Any, tally: Callable[..., Case]) -> None:
    case = tally("bad questions: Python API")
    for label, question, expect in stress_questions() + NOT_TEXT:
        problem = api_outcome(engine, question, expect, k=5)
        case.check(problem is None, f"{label} {short(question)}: {problem}")
    case.assert_all_held()


def test_python_api_answers_or_refuses_bad_options(engine: Any, tally: Callable[..., Case]) -> None:
    case = tally("bad options: Python API")
    for label, k, source, since, until in BAD_OPTIONS:
        problem = api_outcome(engine, KNOWN_QUESTION, ANY, k=k, source=source, since=since, until=until)
        case.check(problem is None, f"{label}: {problem}")
    case.assert_all_held()


# --------------------------------------------------------------------------------------------------
# The chat server's /ask endpoint


def rest_ask(url: str, data: list[Any], timeout: float = 120) -> tuple[str, Any]:
    """The /ask endpoint over Gradio's plain REST protocol: ("complete", answer) or ("error", message).

    Used where gradio_client itself cannot send the value (it refuses lone surrogates before sending;
    JSON carries them as \\ud800 escapes).
    """
    body = json.dumps({"data": data}).encode("ascii")
    request = urllib.request.Request(
        url + "gradio_api/call/ask", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as r:
        event_id = json.load(r)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event_id}", timeout=timeout) as r:
        stream = r.read().decode("utf-8")
    event, payload = "", None
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            payload = json.loads(line.split(":", 1)[1])
    if event == "complete":
        return event, payload[0]
    return event, payload


def can_send(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def server_outcome(client: Any, url: str, seeds: Path, expect: str, *args: Any) -> str | None:
    from gradio_client.exceptions import AppError

    try:
        if can_send(list(args)):
            d = client.submit(*args, api_name="/ask").result(timeout=120)
        else:
            # Raw HTTP sends every parameter (gradio_client fills the defaults): history last.
            event, d = rest_ask(url, [*args, *(None, 3, "", "", "", [])[len(args) :]])
            if event != "complete":
                return message_problem(str(d), expect) if event == "error" else f"event {event!r}: {d!r}"
    except AppError as err:
        return message_problem(str(err), expect)
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    return answer_problem(d, seeds, expect)


def test_server_answers_or_refuses_every_bad_question_and_stays_up(
    live_server: LiveServer, tally: Callable[..., Case]
) -> None:
    from gradio_client import Client

    case = tally("bad questions: server /ask")
    url, seeds = live_server.url, live_server.seeds
    client = Client(url, verbose=False)
    try:
        for label, question, expect in [*stress_questions(), NOT_TEXT[0]]:
            problem = server_outcome(client, url, seeds, expect, question, 5, "", "", "")
            case.check(problem is None, f"{label} {short(question)}: {problem}")
        for label, k, source, since, until in BAD_OPTIONS:
            problem = server_outcome(client, url, seeds, ANY, KNOWN_QUESTION, k, source, since, until)
            case.check(problem is None, f"{label}: {problem}")
    finally:
        client.close()
    # Still up, and still right, for a new client.
    fresh = Client(url, verbose=False)
    try:
        problem = server_outcome(fresh, url, seeds, CITES, KNOWN_QUESTION)
    finally:
        fresh.close()
    case.check(problem is None, f"a normal question afterwards: {problem}")
    case.assert_all_held()


# --------------------------------------------------------------------------------------------------
# qa ask


def run_qa(
    index: Path, args: list[Any], stdin: bytes = b"", timeout: float = 300, **extra_env: str
) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        **extra_env,
        "QA_INDEX_DIR": str(index),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "qa", "ask", *args], env=env, input=stdin, capture_output=True, timeout=timeout
    )


def one_line_error(result: subprocess.CompletedProcess[bytes]) -> str | None:
    err = result.stderr.decode("utf-8", "replace")
    if "Traceback" in err:
        return f"a traceback:\n{err[-800:]}"
    if result.returncode == 0:
        return "exit status 0 for an error"
    if len(err.splitlines()) != 1 or result.stdout:
        return f"not one line on stderr: stdout={result.stdout[:200]!r} stderr={err[:400]!r}"
    return None


def test_cli_prints_one_line_for_every_bad_question(
    seed_index: Path, tmp_path: Path, tally: Callable[..., Case]
) -> None:
    case = tally("bad questions: qa ask")
    # Questions that are empty once cleaned: refused before the model loads, with one line each.
    for label, args, stdin in [
        ("empty", [""], b""),
        ("white space", [" \t\u3000 "], b""),
        ("right-to-left override and joiners only", ["\u202e\u200d\u2066"], b""),
        ("a lone surrogate as bytes (not UTF-8)", [b"\xed\xa0\x80"], b""),
        ("NUL bytes on stdin", [], b"\x00\x00\x00\n"),
        ("only a byte-order mark on stdin", [], b"\xef\xbb\xbf\n"),
    ]:
        result = run_qa(seed_index, args, stdin)
        problem = one_line_error(result)
        case.check(problem is None, f"{label}: {problem}")

    # Questions that are answered: one JSON line each, in order, nothing on stderr that is a traceback.
    answerable = [(label, q, expect) for label, q, expect in QUESTIONS if expect != ERROR]
    in_argv = [(label, q, expect) for label, q, expect in answerable if len(q) < 1000 and "\x00" not in q]
    in_file = [(label, q, expect) for label, q, expect in answerable if (label, q, expect) not in in_argv]
    questions_file = tmp_path / "questions.txt"
    questions_file.write_text("".join(q.replace("\n", " ") + "\n" for _, q, _ in in_file), encoding="utf-8")
    # A lone surrogate reaches argv as the bytes that would encode it, which are not UTF-8.
    argv: list[Any] = [q if can_send(q) else q.encode("utf-8", "surrogatepass") for _, q, _ in in_argv]
    argv.append(b"Who did Im Chon-il meet in Moscow? \xff\xfe")  # bytes that are not UTF-8 in argv
    result = run_qa(seed_index, ["--json", *argv, "--questions-file", str(questions_file)])
    err = result.stderr.decode("utf-8", "replace")
    case.check("Traceback" not in err and result.returncode == 0, f"answering: exit {result.returncode}, {err[-800:]}")
    lines = result.stdout.decode("utf-8").splitlines()
    expected = [*in_argv, ("bytes that are not UTF-8 in argv", "", CITES), *in_file]
    case.check(len(lines) == len(expected), f"{len(lines)} JSON lines for {len(expected)} questions")
    for (label, q, expect), line in zip(expected, lines, strict=False):
        problem = answer_problem(json.loads(line), SEEDS, expect)
        case.check(problem is None, f"{label} {short(q)}: {problem}")

    # Bytes on stdin that are not UTF-8: an answer or one line, never a traceback. Python reads stdin
    # leniently under the C.UTF-8 locale and strictly under e.g. en_US.UTF-8; PYTHONIOENCODING gives both.
    for io_encoding in ("", "utf-8:strict"):
        label = f"stdin that is not UTF-8 (PYTHONIOENCODING={io_encoding!r})"
        extra = {"PYTHONIOENCODING": io_encoding} if io_encoding else {}
        result = run_qa(seed_index, ["--json"], b"Who did Im Chon-il meet in Moscow? \xff\xfe\n", **extra)
        err = result.stderr.decode("utf-8", "replace")
        if result.returncode == 0:
            lines = result.stdout.decode("utf-8").splitlines()
            ok = len(lines) == 1 and answer_problem(json.loads(lines[0]), SEEDS, ANY) is None and "Traceback" not in err
            case.check(ok, f"{label}: {result.stdout[:300]!r} {err[-500:]}")
        else:
            problem = one_line_error(result)
            case.check(problem is None, f"{label}: {problem}")
    case.assert_all_held()
