"""Index builds in a child process, so a server's questions never wait for one.

A build inside the server's process would share its cores, its Python interpreter lock and (with one
model session) its encoder with the questions being answered. `build_in_worker` runs the build in a
new Python process (a `python -c` that imports this module, so nothing of the caller's main script
is imported again, as multiprocessing's spawn would) at a lower CPU priority, with its own model session. The parent
sends the settings as JSON, relays the build's log lines, and gets the report back as JSON on a pipe
of their own (whatever the libraries print goes to the server's log as usual). The child's `QAError`
comes back as the same error; a child that dies (killed, out of memory) is a `QAError` saying so.
Either way the index being served is untouched: a build publishes only when it is complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from qa import errors
from qa.errors import QAError

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.indexing.report import BuildReport

# Added to the child's nice value. The build still uses every core while the server is idle; when a
# question comes, the scheduler gives the server's threads ~10x the build's share (Linux CFS weights
# 1024 vs 110). Measured with bench/rebuild_latency.py on 2 cores: questions' p95 1.1x idle, and the
# build as fast as in the server's own process; leaving one core to questions instead gave 0.99x
# with the build 1.7x slower.
NICE = 10


# The child's command: the working folder is dropped from sys.path first, so a folder that holds
# a `qa/` or `json.py` of its own cannot shadow the package (what `python -m` would import).
_CHILD = "import sys; del sys.path[0]; from qa.worker import main; raise SystemExit(main(int(sys.argv[1])))"


class Workers:
    """The build workers a server has running: a server that stops kills them (`stop`), or its
    rebuild went on for a minute after `kill`, holding the process open, and published after it."""

    def __init__(self) -> None:
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def started(self, child: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        with self._lock:
            self._live.add(child)
        return child

    def ended(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.discard(child)

    def stop(self) -> None:
        """Kill every build worker: the builds end as stopped builds do (the previous index
        unchanged, what was embedded kept for the next build to go on from)."""
        with self._lock:
            children = list(self._live)
        for child in children:
            with contextlib.suppress(OSError):
                child.kill()


def build_in_worker(
    settings: Settings, log: Callable[[str], None] = lambda _m: None, workers: Workers | None = None
) -> BuildReport:
    """Build or update the index of `settings` in a child process; returns its report. If this
    thread stops waiting (an error, Ctrl-C), the child is killed: it never builds on unobserved,
    holding the index's build lock. `workers`: where the child is registered while it runs (a
    server's, to stop it with the server)."""
    from qa.indexing.report import BuildReport

    workers = workers or Workers()
    read_fd, write_fd = os.pipe()
    try:
        child = workers.started(
            subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(write_fd)],
                stdin=subprocess.PIPE,
                pass_fds=(write_fd,),
                close_fds=True,
            )
        )
    except OSError as err:
        os.close(read_fd)
        raise QAError(f"Cannot start the index build ({err.strerror}); the previous index is unchanged.") from None
    finally:
        os.close(write_fd)  # the child holds the only writing end: EOF means the child is gone
    result: dict[str, Any] | None = None
    try:
        with os.fdopen(read_fd, "r", encoding="utf-8") as messages:
            assert child.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                child.stdin.write(settings.to_json().encode("utf-8"))
                child.stdin.close()
            for line in messages:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # a torn line from a dying child: its exit code says what happened
                if "log" in message:
                    log(message["log"])
                else:
                    result = message
        code = child.wait()
    except BaseException:
        child.kill()
        child.wait()
        raise
    finally:
        workers.ended(child)
    if result is None:
        raise QAError(
            f"The index build stopped before it finished (worker exit code {code}); the previous index "
            "is unchanged. Run it again, or `qa index` to see why."
        )
    if "error" in result:
        kind, text = result["error"]
        cls = getattr(errors, kind, QAError)
        raise (cls if isinstance(cls, type) and issubclass(cls, QAError) else QAError)(text)
    return BuildReport.from_dict(result["done"])


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def main(fd: int) -> int:
    """The child: read settings on stdin, build, write JSON lines on `fd`. Never a traceback: an
    interrupt or a parent that went away ends it quietly (the parent reports what happened)."""
    with contextlib.suppress(OSError):  # not allowed to lower it: run at the same priority
        os.nice(NICE)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            try:
                import qa
                from qa.config import Settings

                settings = Settings.from_json(sys.stdin.read())
                report = qa.build(settings=settings, log=lambda line: _send(out, {"log": line}))
                _send(out, {"done": report.to_dict()})
            except QAError as err:
                _send(out, {"error": [type(err).__name__, str(err)]})
            except (KeyboardInterrupt, BrokenPipeError):
                raise
            except Exception as err:  # a bug: say what it was, in one line, rather than lose it
                _send(out, {"error": ["QAError", f"The index build failed ({type(err).__name__}: {err})."]})
    except (KeyboardInterrupt, BrokenPipeError, OSError):
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1])))
