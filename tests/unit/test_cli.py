"""The `qa` command's error paths, run as a real subprocess: one line on stderr, no traceback, non-zero.

None of these reach the model: they fail on the input or the index before anything is encoded.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import qa
from qa.config import MODEL_DIMENSION
from qa.store.layout import CURRENT
from tests.conftest import SEEDS, FakeEmbedder


class FakeMiniLM(FakeEmbedder):
    """The fake model with the real model's vector size, so the CLI (which uses the real model's
    name and dimension) accepts the index it builds. Only for paths that never encode a question."""

    dimension = MODEL_DIMENSION


def run_qa(
    tmp_path: Path, *args: str, timeout: float = 120, python: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python [python options] -m qa ARGS` in `tmp_path`, with its seeds/ and index/ as the defaults."""
    env = {
        **os.environ,
        "QA_INDEX_DIR": str(tmp_path / "index"),
        "QA_SEEDS_DIR": str(tmp_path / "seeds"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, *python, "-m", "qa", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Non-zero exit, nothing on stdout, exactly one line on stderr containing every needle."""
    lines = result.stderr.splitlines()
    assert result.returncode != 0, f"exit code 0 for an error; stderr: {result.stderr!r}"
    assert "Traceback" not in result.stderr, f"a traceback instead of a message:\n{result.stderr}"
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{result.stderr}"
    assert result.stdout == "", f"an error also printed to stdout: {result.stdout!r}"
    for needle in needles:
        assert needle in lines[0], f"the error {lines[0]!r} does not mention {needle!r}"
    return lines[0]


@pytest.fixture
def cli_index(tmp_path: Path) -> Path:
    """An index the CLI accepts (model name and dimension of the real model), built without the model."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    qa.build(seeds, tmp_path / "index", embedder=FakeMiniLM())
    return tmp_path / "index"


# --------------------------------------------------------------------------------------------------
# qa ask


def test_ask_without_an_index_says_to_run_qa_index(tmp_path: Path) -> None:
    result = run_qa(tmp_path, "ask", "Who visited Pyongyang?")
    assert_one_line_error(result, "qa index", str(tmp_path / "index"))
    assert result.returncode == 1


def test_a_question_typed_without_quotes_is_read_as_one_question(tmp_path: Path) -> None:
    """`qa ask who is priya raman` asked "who", "is", "priya" and "raman" (a new user's)."""
    result = run_qa(tmp_path, "ask", *["word"] * 1000, "word?")  # one question of 5,005 characters: too long
    note, error = result.stderr.splitlines()
    assert "read the 1001 words as one question" in note and "quote each question" in note
    assert error.startswith("qa: error: The question is 5,005 characters long"), error
    separate = run_qa(tmp_path, "ask", "Who visited Pyongyang?", "x" * 2001)  # questions with spaces: two
    assert_one_line_error(separate, "Question 2 of 2", "Nothing was asked")
    # Questions quoted one by one stay apart: with their marks, or in a script without spaces (a reviewer's).
    for quoted in (["Who?", "When?"], ["東京都の知事は誰ですか", "いつ選ばれましたか"]):
        assert_one_line_error(run_qa(tmp_path, "ask", *quoted, "x" * 2001), "Question 3 of 3")


@pytest.mark.parametrize("pointer", [b"gen-that-was-deleted\n", b"\xff\xfe\n"], ids=["missing", "not UTF-8"])
def test_ask_with_a_broken_index_says_to_run_qa_index(tmp_path: Path, pointer: bytes) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / CURRENT).write_bytes(pointer)
    assert_one_line_error(run_qa(tmp_path, "ask", "Who visited Pyongyang?"), "qa index")


@pytest.mark.parametrize("question", ["", "   ", "\u200b\u202e"], ids=["empty", "spaces", "invisible"])
def test_ask_empty_question_is_a_one_line_usage_error(tmp_path: Path, question: str) -> None:
    result = run_qa(tmp_path, "ask", question)
    assert_one_line_error(result, "empty")
    assert result.returncode == 2, "a usage error should exit 2"


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_ask_empty_question_fails_even_when_an_index_exists(
    tmp_path: Path, cli_index: Path, json_flag: list[str]
) -> None:
    result = run_qa(tmp_path, "ask", *json_flag, "")
    assert_one_line_error(result, "empty")
    assert result.returncode == 2


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("value", ["yesterday", "2024-13-01"])
def test_ask_with_a_bad_date_is_a_one_line_usage_error(
    tmp_path: Path, cli_index: Path, option: str, value: str
) -> None:
    result = run_qa(tmp_path, "ask", option, value, "Who visited Pyongyang?")
    assert_one_line_error(result, "YYYY-MM-DD", value)
    assert result.returncode == 2


def test_ask_with_a_date_range_that_ends_before_it_starts_is_a_one_line_usage_error(
    tmp_path: Path, cli_index: Path
) -> None:
    result = run_qa(tmp_path, "ask", "--since", "2020-01-01", "--until", "2019-01-01", "Who visited Pyongyang?")
    assert_one_line_error(result, "2020-01-01", "2019-01-01", "swap")
    assert result.returncode == 2
    assert run_qa(tmp_path, "ask", "--since", "2019-01-01", "--until", "2019-01-01", "Who?").returncode != 2


def test_ask_with_a_missing_questions_file_is_a_one_line_error(tmp_path: Path) -> None:
    assert_one_line_error(run_qa(tmp_path, "ask", "--questions-file", "nope.txt"), "nope.txt", "does not exist")


def test_a_questions_file_s_invisible_lines_are_blank_and_a_bad_one_is_named(tmp_path: Path) -> None:
    """A line of control characters or a zero-width space ended the run ("The question is empty"),
    and an over-long line did too, without saying which of the file's questions it was."""
    qfile = tmp_path / "questions.txt"
    qfile.write_text("Who visited Pyongyang?\n\x01\x02\n\u200b\n", encoding="utf-8")
    result = run_qa(tmp_path, "ask", "--questions-file", str(qfile))
    assert_one_line_error(result, "No index")  # the questions passed: it went on to load the index
    qfile.write_text("Who visited Pyongyang?\n\x01\x02\n" + "very long " * 300 + "\n", encoding="utf-8")
    assert_one_line_error(run_qa(tmp_path, "ask", "--questions-file", str(qfile)), "Question 2 of 2", "at most 2,000")


@pytest.mark.parametrize("k", ["0", "-3", "many"])
def test_ask_with_k_that_is_not_a_positive_number_is_a_one_line_error(tmp_path: Path, k: str) -> None:
    result = run_qa(tmp_path, "ask", "-k", k, "Who visited Pyongyang?")
    assert_one_line_error(result, "-k")
    assert result.returncode == 2


# --------------------------------------------------------------------------------------------------
# qa index, qa eval


def test_serve_with_no_index_and_no_folder_to_build_one_is_a_one_line_error(tmp_path: Path) -> None:
    """A mistyped --index served an empty chat whose Rebuild named a flag a browser cannot pass."""
    result = run_qa(tmp_path, "serve", "--index", str(tmp_path / "nonexistent"), "--port", "7")
    assert_one_line_error(result, "No index at", "nonexistent", "no folder", "--seeds DIR")


def test_index_with_a_missing_seeds_folder_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_qa(tmp_path, "index", "--seeds", "/nonexistent")
    assert_one_line_error(result, "/nonexistent", "does not exist")
    assert not (tmp_path / "index").exists(), "a refused build created the index folder"


def test_index_with_the_default_seeds_folder_missing_names_it(tmp_path: Path) -> None:
    assert_one_line_error(run_qa(tmp_path, "index"), str(tmp_path / "seeds"))


def test_index_with_seeds_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("One article.\n", encoding="utf-8")
    assert_one_line_error(run_qa(tmp_path, "index", "--seeds", "article.txt"), "not a folder")


def test_index_and_ask_with_a_file_for_the_index_folder_are_one_line_errors(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "notes.txt").write_text("not an index\n", encoding="utf-8")
    assert_one_line_error(run_qa(tmp_path, "index", "--index", "notes.txt"), "notes.txt", "is a file", "--index")
    assert_one_line_error(run_qa(tmp_path, "ask", "--index", "notes.txt", "Who?"), "notes.txt", "is a file")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "not an index\n"


@pytest.mark.parametrize(
    ("err", "needles"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "/srv/idx/.lock"),
            ["/srv/idx/.lock", "Permission denied", "--index"],
        ),
        (OSError(errno.ENOSPC, "No space left on device", "/srv/idx/gen-1/vectors"), ["disk is full", "unchanged"]),
        (OSError(errno.EISDIR, "Is a directory", "/srv/idx/.lock"), ["/srv/idx/.lock", "Is a directory"]),
    ],
    ids=["permission", "disk-full", "other"],
)
def test_a_build_that_cannot_write_says_what_and_what_to_do(err: OSError, needles: list[str]) -> None:
    message = qa.cannot_write(Path("/srv/idx"), err)
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_eval_with_a_missing_questions_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_qa(tmp_path, "eval", "--corpus", str(SEEDS), "--questions", "missing.jsonl")
    assert_one_line_error(result, "missing.jsonl", "does not exist")
    assert not (tmp_path / "embeddings").exists(), "eval built an index before checking its questions"


def test_eval_with_a_questions_file_that_is_not_json_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text('{"question": "ok"}\nnot json\n', encoding="utf-8")
    result = run_qa(tmp_path, "eval", "--corpus", str(SEEDS), "--questions", "q.jsonl")
    assert_one_line_error(result, "q.jsonl:2", "not JSON")
    (tmp_path / "q.jsonl").write_bytes(b'{"question": "ok"}\n{"question": "caf\xe9?"}\n')
    result = run_qa(tmp_path, "eval", "--corpus", str(SEEDS), "--questions", "q.jsonl")
    assert_one_line_error(result, "q.jsonl:2", "not UTF-8")  # it was a UnicodeDecodeError traceback
    assert_one_line_error(run_qa(tmp_path, "ask", "--questions-file", "q.jsonl"), "q.jsonl:2", "not UTF-8")
    (tmp_path / "q.jsonl").write_bytes(b'\xef\xbb\xbf{"question": "ok"}\n{"question": "caf\xe9?"}\n')  # a BOM
    assert_one_line_error(run_qa(tmp_path, "ask", "--questions-file", "q.jsonl"), "q.jsonl:2", "not UTF-8")
    (tmp_path / "q.jsonl").write_text('{"question": "ok"}\n', encoding="utf-8")
    assert_one_line_error(run_qa(tmp_path, "eval", "--corpus", "nowhere", "--questions", "q.jsonl"), "no such folder")


# --------------------------------------------------------------------------------------------------
# qa --help


def test_help_lists_the_commands_and_is_fast(tmp_path: Path) -> None:
    """`qa --help` loads none of the heavy libraries (what made it slow; a wall-clock bound here failed
    on a loaded machine: timings live in bench/)."""
    result = run_qa(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for command in ("index", "ask", "eval"):
        assert command in result.stdout, f"--help does not mention {command}"
    heavy = ("torch", "faiss", "onnxruntime", "gradio", "sentence_transformers", "numpy", "bm25s")
    script = (
        "import sys, runpy\n"
        "sys.argv = ['qa', '--help']\n"
        "try:\n    runpy.run_module('qa', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "LOADED []" in loaded.stdout, loaded.stdout[-300:] + loaded.stderr[-300:]


def test_a_ray_address_nothing_answers_at_is_a_one_line_error_at_once() -> None:
    """Ray retries an address with nothing behind it for minutes (a user's `--ray 127.0.0.1:6399`)."""
    import socket

    from qa.errors import QAError
    from qa.ray_cluster import _check_reachable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the check: nothing listens there
    started = time.monotonic()
    with pytest.raises(QAError, match=f"Nothing answers at 127.0.0.1:{port}"):
        _check_reachable(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 10
    for address in (None, "", "auto"):
        _check_reachable(address)  # a local instance or Ray's own discovery: left to Ray



@pytest.mark.parametrize(
    ("reply", "ray"),
    [
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", False),  # a web server
        (b"", False),  # a listener that says nothing and hangs up
        (bytes([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]), True),  # gRPC's first frame: SETTINGS
    ],
)
def test_a_ray_address_where_something_else_listens_is_a_one_line_error_at_once(reply: bytes, ray: bool) -> None:
    """A reviewer's RAY_ADDRESS naming a web server's port hung `qa index --ray` for good (Ray retries
    its GCS there forever). What answers must speak HTTP/2, as a Ray cluster's gRPC servers do."""
    import socket
    import threading

    from qa.errors import QAError
    from qa.ray_cluster import _check_reachable

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(64)
            conn.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    started = time.monotonic()
    try:
        if ray:
            _check_reachable(f"127.0.0.1:{port}")
        else:
            with pytest.raises(QAError, match=f"What answers at 127.0.0.1:{port} is not a Ray cluster"):
                _check_reachable(f"127.0.0.1:{port}")
    finally:
        server.close()
    assert time.monotonic() - started < 10


def test_rays_own_address_variable_is_checked_too(tmp_path: Path) -> None:
    """RAY_ADDRESS, which Ray follows for no address and `auto`, naming a dead cluster hung `qa index
    --ray` for minutes (the Ray review's)."""
    import socket

    pytest.importorskip("ray")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    for ray_args in (["--ray"], ["--ray", "auto"]):
        started = time.monotonic()
        result = run_qa(tmp_path, "index", "--seeds", str(seeds), *ray_args, env={"RAY_ADDRESS": f"127.0.0.1:{port}"})
        assert_one_line_error(result, f"Nothing answers at 127.0.0.1:{port}", "check RAY_ADDRESS")
        assert time.monotonic() - started < 60
    # (the second review's: an address Ray refuses named "a local Ray instance" and --ray)
    result = run_qa(tmp_path, "index", "--seeds", str(seeds), "--ray", env={"RAY_ADDRESS": f"http://127.0.0.1:{port}"})
    assert_one_line_error(result, f"http://127.0.0.1:{port}", "check RAY_ADDRESS")


def test_a_question_taken_for_the_ray_address_is_named(tmp_path: Path) -> None:
    """`--ray` takes an optional address, so `qa ask --ray "Who ...?"` read the question as one."""
    result = run_qa(tmp_path, "ask", "--ray", "Who did Im Chon-il meet in Moscow?")
    assert_one_line_error(result, "--ray took", "put the questions before --ray")


def test_a_terminal_that_is_not_utf8_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii: qa text, qa ask and qa documents ended in a UnicodeEncodeError."""
    (tmp_path / "seeds").mkdir()
    text = "Café prize for José Müller\n\nThe café owner José Müller won the Golden Spoon in Zürich on Monday.\n"
    (tmp_path / "seeds" / "cafe.txt").write_text(text, encoding="utf-8")
    qa.build(tmp_path / "seeds", tmp_path / "index", embedder=FakeEmbedder())
    ascii_terminal = {"PYTHONIOENCODING": "ascii"}
    for args in (("documents",), ("documents", "--json"), ("text", "cafe.txt")):
        result = run_qa(tmp_path, *args, env=ascii_terminal)
        assert result.returncode == 0 and "Traceback" not in result.stderr, f"qa {' '.join(args)}: {result.stderr}"
        assert "Caf\\xe9" in result.stdout or "Caf\\u00e9" in result.stdout
    shown = json.loads(run_qa(tmp_path, "documents", "--json", env=ascii_terminal).stdout)
    assert shown["title"] == "Café prize for José Müller", "--json stays JSON that reads back the same"


def test_an_abbreviated_option_is_a_typo_not_the_option(tmp_path: Path) -> None:
    """`qa index --seed DIR` was taken for --seeds in silence."""
    result = run_qa(tmp_path, "index", "--seed", "elsewhere")
    assert_one_line_error(result, "unrecognized arguments: --seed")
    assert result.returncode == 2
    assert "(see qa index --help)" in result.stderr, "the command's own help: it was 'see qa --help'"


def test_a_cited_file_changed_or_gone_since_indexing_is_noted_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new user edited an article and asked again without `qa index`: the citations' offsets (of
    the indexed text) sliced the edited file mid-word, and nothing said so."""
    from qa.cli_ask import ChangedFiles

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    qa.build(seeds, tmp_path / "index", embedder=FakeEmbedder())
    engine = qa.load(tmp_path / "index", embedder=FakeEmbedder())
    question = "Who did Im Chon-il meet in Moscow?"
    answer = engine.ask(question, 3)
    changed = ChangedFiles(engine)
    changed.note(answer)
    assert capsys.readouterr().err == "", "unchanged files: no note"
    first = answer.citations[0].source
    with open(seeds / first, "a", encoding="utf-8") as f:
        f.write("\nAn added line.\n")
    others = [c.source for c in answer.citations if c.source != first]
    for source in others:
        (seeds / source).unlink()
    changed = ChangedFiles(engine)
    changed.note(answer)
    changed.note(engine.ask(question, 3))  # once per file
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"qa: note: {first} has changed in {seeds} since it was indexed"), err
    assert [line.split()[2] for line in err[1:]] == list(dict.fromkeys(others)), err
    assert all("is no longer in" in line and "run `qa index`" in line for line in err[1:]), err


def test_index_with_a_model_path_that_holds_no_model_is_a_one_line_error(tmp_path: Path) -> None:
    """QA_MODEL_PATH=/nonexistent/model ended `qa index` in the tokenizer's traceback (the Ray review's)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    result = run_qa(tmp_path, "index", "--seeds", str(seeds), env={"QA_MODEL_PATH": str(tmp_path / "no-model")})
    assert_one_line_error(result, "QA_MODEL_PATH", "no-model", "unset it")
    assert not (tmp_path / "index").exists(), "nothing is built"
    from qa.config import default_model_path
    from qa.errors import ModelError

    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_MODEL_PATH", str(tmp_path / "no-model"))
        with pytest.raises(ModelError):  # what the Python API's callers catch (the review's)
            default_model_path()
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "tokenizer.json").write_text("{}", encoding="utf-8")  # (the second review's: a traceback)
    result = run_qa(tmp_path, "index", "--seeds", str(seeds), env={"QA_MODEL_PATH": str(broken)})
    assert_one_line_error(result, "tokenizer", "broken-model", "QA_MODEL_PATH")
