"""`qa serve` as a user runs it: a process that prints where it serves, answers over HTTP with the
safe headers, follows a `qa index` run beside it, refuses a port in use in one line, and stops
cleanly on Ctrl-C."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa.config import Settings
from tests.ui.conftest import free_port

pytestmark = pytest.mark.integration

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def qa_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "qa", *args]


def stop(server: subprocess.Popen[str], signum: int) -> int:
    """Send `signum` to a `qa serve` process; its exit code once it stops (within 15 s, or fail)."""
    server.send_signal(signum)
    try:
        return server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError(f"qa serve did not stop within 15 s of {signal.Signals(signum).name}") from None


def test_qa_serve_serves_follows_qa_index_and_stops_on_ctrl_c(settings: Settings) -> None:
    index = ["--seeds", str(settings.seeds_dir), "--index", str(settings.index_dir)]
    subprocess.run(qa_cli("index", *index, "--quiet"), env=ENV, check=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(
        qa_cli("serve", "--port", str(port), "--index", str(settings.index_dir), "--seeds", str(settings.seeds_dir)),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.strip() == f"qa: serving 5 articles on http://127.0.0.1:{port}/", line
        url = f"http://127.0.0.1:{port}/config"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.headers["X-Frame-Options"] == "DENY"
                    break
            except OSError:
                assert time.monotonic() < deadline, "qa serve did not answer within 60 s"
                time.sleep(0.2)

        busy = subprocess.run(
            qa_cli("serve", "--port", str(port), "--index", str(settings.index_dir)),
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert busy.returncode == 1
        refusal = f"qa: error: Port {port} on 127.0.0.1 is in use; stop the other server or pass --port N."
        assert busy.stderr.strip() == refusal

        # A `qa index` beside the running server: the server switches to the new generation.
        Path(settings.seeds_dir, "zorblax.txt").write_text(
            "Zorblax festival opens\n\nThe Zorblax festival in Quendor opened with 4,000 lanterns.\n", encoding="utf-8"
        )
        subprocess.run(qa_cli("index", *index, "--quiet"), env=ENV, check=True, timeout=300)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        deadline = time.monotonic() + 5
        while True:
            answer = client.predict("How many lanterns opened the Zorblax festival?", 3, "", "", "", api_name="/ask")
            if answer["citations"] and answer["citations"][0]["source"] == "zorblax.txt":
                break
            assert time.monotonic() < deadline, "qa serve did not switch to the new index within 5 s"
            time.sleep(0.2)
        client.close()
        # A browser tab keeps Gradio's heartbeat stream open; Ctrl-C must not wait for it to close.
        tab = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        tab.request("GET", "/gradio_api/heartbeat/tab-left-open")
        assert tab.getresponse().status == 200
    finally:
        code = stop(server, signal.SIGINT)
    assert code in (0, 130), f"qa serve exited {code} on Ctrl-C"
    assert server.stderr is not None
    assert "Traceback" not in server.stderr.read()


def test_qa_serve_stopped_by_kill_removes_its_upload_folder(settings: Settings, tmp_path: Path) -> None:
    # `kill` sends SIGTERM, which ended the process at once: exit handlers did not run, and the folder
    # of uploads (and chat exports) stayed behind in the temporary folder.
    subprocess.run(
        qa_cli("index", "--seeds", str(settings.seeds_dir), "--index", str(settings.index_dir), "--quiet"),
        env=ENV,
        check=True,
        timeout=300,
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    server = subprocess.Popen(
        qa_cli("serve", "--port", str(port), "--index", str(settings.index_dir)),
        env={**ENV, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("qa: serving")
        assert list(temp.glob("qa-uploads-*")), "test premise: the server made its upload folder in TMPDIR"
    finally:
        code = stop(server, signal.SIGTERM)
    assert code in (0, 143), f"qa serve exited {code} on SIGTERM"
    assert not list(temp.glob("qa-uploads-*")), "the upload folder was left behind"
    assert server.stderr is not None and "Traceback" not in server.stderr.read()
