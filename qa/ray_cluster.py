"""Joining a Ray cluster (`--ray [ADDRESS]`), for builds (qa/indexing/ray_parts.py) and for serving a
sharded index (qa/store/ray_shards.py).

ADDRESS is what `ray.init` takes: none starts a Ray instance on this machine, `auto` joins the
cluster this machine belongs to (`ray start --head` / `ray start --address=...`), `ray://host:10001`
a remote one. Every node needs qa installed (`pip install -e '.[ray]'`) with the packaged model.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any

from qa.errors import QAError, RayClusterError

# What an HTTP/2 client sends first: the preface and an empty SETTINGS frame. A Ray cluster's GCS and
# its client server (`ray://`) speak gRPC over HTTP/2, whose servers answer with a SETTINGS frame.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
_SETTINGS = 4  # an HTTP/2 frame's type byte (the fourth of its 9-byte header)


def _check_reachable(address: str | None, timeout: float = 3.0, named: str = "--ray") -> None:
    """A one-line error if nothing answers at a cluster's host:port, or something that is not Ray
    does: Ray itself retries such an address for minutes, logging a line every few seconds (a user's
    `--ray 127.0.0.1:6399`; a reviewer's web server's port hung `qa index --ray` for good). Whether it
    is Ray is judged by whether it speaks HTTP/2, as gRPC does (not with RAY_USE_TLS, whose servers
    want TLS first). `named`: where the address came from, for the message."""
    import socket

    m = re.fullmatch(r"(?:ray://)?\[?([^\]/]+?)\]?:(\d+)", (address or "").strip())
    if not m:
        return  # none (a local instance), "auto", or a form Ray itself reads and reports on
    host, port = m.group(1), int(m.group(2))
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            if os.environ.get("RAY_USE_TLS", "").strip().lower() in ("1", "true"):
                return
            head = b""
            try:
                conn.sendall(_HTTP2_PREFACE)
                while len(head) < 9 and (more := conn.recv(9 - len(head))):
                    head += more
            except OSError:
                pass  # closed or silent: not Ray (below)
    except OSError as err:
        raise RayClusterError(
            f"Nothing answers at {address} ({err.strerror or err}); start the cluster there "
            f"(`ray start --head`) or check {named}."
        ) from None
    if len(head) < 9 or head[3] != _SETTINGS:
        raise RayClusterError(
            f"What answers at {address} is not a Ray cluster (it does not speak gRPC); give the address "
            f"`ray start --head` printed, or check {named}."
        )


def _worker_env() -> dict[str, str]:
    """The settings a worker reads from its environment, as this process has them: qa's own (the model
    and its ONNX cache among them) and the offline switches. A cluster started elsewhere runs its
    workers in its own environment: a build with QA_MODEL_PATH set embedded with the packaged model."""
    offline = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    return {k: v for k, v in os.environ.items() if k.startswith("QA_") or k in offline}


def connect(address: str | None) -> Any:
    """`ray`, initialised: joined to `address` or, with none, a Ray instance started on this machine
    (Ray's own RAY_ADDRESS, if set, names the cluster for none and `auto`); its workers get this
    process's settings (`_worker_env`)."""
    try:
        import ray
    except ImportError:
        raise QAError("Ray is not installed; run `pip install -e '.[ray]'` (make test installs it).") from None
    if not ray.is_initialized():
        # Ray follows RAY_ADDRESS for none and "auto", and retries a dead one for minutes (a reviewer's).
        from_env = os.environ.get("RAY_ADDRESS") if address in (None, "", "auto") else None
        if from_env:
            _check_reachable(from_env, named="RAY_ADDRESS (Ray's own setting, which it follows here)")
        else:
            _check_reachable(address)
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
                configure_logging=False,
                runtime_env={"env_vars": _worker_env()},
            )
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = from_env or address or "a local Ray instance"
            check = "RAY_ADDRESS" if from_env else "--ray"
            raise RayClusterError(
                f"Cannot reach the Ray cluster at {where} ({one_line(err)}); start it or check {check}."
            ) from None
    return ray


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # a terminal's colours, in Ray's messages


def root_cause(err: BaseException) -> BaseException:
    """The error under Ray's wrappers (RayTaskError's `cause`, UserCodeException's `__cause__`)."""
    seen: set[int] = set()
    while id(err) not in seen:
        seen.add(id(err))
        inner = getattr(err, "cause", None) or err.__cause__
        if not isinstance(inner, BaseException):
            break
        err = inner
    return err


def as_qa_error(err: BaseException, make: Callable[[str], QAError]) -> QAError:
    """qa's own error under Ray's wrappers (`root_cause`), as it is; else `make` of the error in one
    line (`one_line`)."""
    root = root_cause(err)
    return root if isinstance(root, QAError) else make(one_line(root))


def one_line(err: BaseException) -> str:
    """`err` in one line: its type and the last line of its message without the terminal's colours
    (Ray's messages run over many lines, a traceback's source among them), at most 300 characters."""
    lines = [line for line in _ANSI.sub("", str(err)).splitlines() if line.strip()]
    return f"{type(err).__name__}: " + (" ".join(lines[-1].split())[:300] if lines else "")
