"""The shards of an index held by Ray actors: `qa serve --ray`, `qa ask --ray`, `qa.load(dir, ray=...)`.

Each shard (qa/store/shards.py) is opened by one actor, which keeps its passage vectors, sentence
vectors and BM25 indexes in its own memory, on whichever node Ray places it. A question's candidate
stage is one call to every actor at once (`search`); the process that asked holds only the tables
(documents, passage and sentence rows) and runs the same fusion, evidence and abstention code as
with one index, so the answers are the same.

A shard that does not answer within `QA_RAY_SHARD_TIMEOUT` seconds (default 10), or whose actor died,
is asked once more (Ray restarts a dead actor once: `max_restarts=1`, and the second ask waits, within
the timeout, for the restart to finish; an actor dead for good, its restart used, is replaced by a new
one: a server refused every question after a shard's second crash until it was restarted); if it
fails again the question
fails with `ShardMissingError`, which names the shard: an answer from part of the corpus is never
given as if it were whole.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.errors import QAError, UsageError
from qa.store.search import Found, Request

DEFAULT_TIMEOUT = 10.0


class ShardMissingError(QAError):
    """A shard of the index did not answer, even when asked again: no answer from part of the corpus."""


class ShardServer:
    """One shard, opened in a Ray actor (the class Ray makes remote in `RayShards.start`)."""

    def __init__(self, folder: str, settings_json: str, dimension: int) -> None:
        from qa.store.reader import open_generation

        self.data = open_generation(Path(folder), Settings.from_json(settings_json), dimension)

    def ready(self) -> int:
        return len(self.data.chunks)

    def pid(self) -> int:
        return os.getpid()

    def search(self, request: Request) -> Found:
        return self.data.search(request)

    def signals(self, request: Request, passages: Any) -> Found:
        return self.data.signals(request, passages)


def shard_timeout() -> float:
    raw = os.environ.get("QA_RAY_SHARD_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise UsageError(f"QA_RAY_SHARD_TIMEOUT={raw!r} is not a number of seconds up to 3600; set it to e.g. 10.")
    return value


class RayShards:
    """The `Shards` of qa/store/shards.py, each an actor (see the module's description)."""

    def __init__(self, ray: Any, spawn: Any, names: list[str], timeout: float) -> None:
        self.ray = ray
        self._spawn = spawn  # shard number -> a new actor serving it
        self.actors = [spawn(i) for i in range(len(names))]
        self.names = names
        self.timeout = timeout
        self._lock = threading.Lock()

    @staticmethod
    def start(dirs: Sequence[Path], settings: Settings, dimension: int, address: str | None) -> RayShards:
        from qa.ray_cluster import as_qa_error, connect

        timeout = shard_timeout()  # a bad value is refused before anything starts
        ray = connect(address or None)
        remote = ray.remote(num_cpus=0, max_restarts=1, max_task_retries=0)(ShardServer)
        settings_json = settings.to_json()
        folders = [str(d.resolve()) for d in dirs]
        spawn = lambda i: remote.remote(folders[i], settings_json, dimension)  # noqa: E731
        shards = RayShards(ray, spawn, [d.name for d in dirs], timeout)
        try:
            ray.get([a.ready.remote() for a in shards.actors], timeout=max(60.0, shards.timeout))
        except Exception as err:  # a shard that cannot be opened (damaged, unreachable node)
            # the shard's own error as it is ("... run qa index to rebuild it"), else Ray's in one line
            opened = "The shards could not be opened on Ray ({})."
            raise as_qa_error(err, lambda line: ShardMissingError(opened.format(line))) from None
        return shards

    def search(self, request: Request, masks: list[Any]) -> list[Found]:
        return self._all("search", [(replace(request, doc_mask=m),) for m in masks])

    def signals(self, request: Request, masks: list[Any], passages: list[Any]) -> list[Found]:
        return self._all("signals", [(replace(request, doc_mask=m), p) for m, p in zip(masks, passages, strict=True)])

    def _all(self, method: str, args: list[tuple[Any, ...]]) -> list[Found]:
        """`method` on every shard at once; a shard that fails or is late is asked once more."""
        ray = self.ray
        asked = list(self.actors)
        refs = [getattr(a, method).remote(*x) for a, x in zip(asked, args, strict=True)]
        results: list[Found | None] = [None] * len(refs)
        first_errors = self._collect(refs, results)
        late = [i for i, r in enumerate(results) if r is None]
        if late:
            for i in late:
                ray.cancel(refs[i], force=False)
            deadline = time.monotonic() + self.timeout
            for i in late:
                if first_errors.get(i) == "ActorDiedError":
                    self._replace(i, asked[i])
                if first_errors.get(i) in ("ActorUnavailableError", "ActorDiedError"):
                    self._await_restart(i, deadline)
            again = {i: getattr(self.actors[i], method).remote(*args[i]) for i in late}
            errors = self._collect([again.get(i) for i in range(len(refs))], results)
            missing = [i for i in late if results[i] is None]
            if missing:
                names = ", ".join(self.names[i] for i in missing)
                why = errors.get(missing[0], f"no answer within {self.timeout:g} s")
                raise ShardMissingError(
                    f"Shard {names} of the index did not answer when asked twice ({why}); no answer is given "
                    "from part of the corpus. Check the Ray cluster (`ray status`) and ask again."
                )
        return [r for r in results if r is not None]

    def _replace(self, i: int, dead: Any) -> None:
        """A new actor for shard i, whose actor `dead` died for good (once, however many questions saw it die)."""
        with self._lock:
            if self.actors[i] is dead:
                self.actors[i] = self._spawn(i)

    def _await_restart(self, i: int, deadline: float) -> None:
        """Wait (until `deadline`) for shard actor i, which Ray is restarting after its process died,
        to answer again, so that the second ask reaches the restarted actor rather than failing
        while it restarts (a busy machine can take seconds). An actor gone for good returns at once:
        the second ask then names it."""
        while time.monotonic() < deadline:
            try:
                self.ray.get(self.actors[i].ready.remote(), timeout=max(0.1, deadline - time.monotonic()))
                return
            except Exception as err:  # still restarting (ActorUnavailableError), or gone, or too slow
                if type(err).__name__ != "ActorUnavailableError":
                    return
                time.sleep(0.1)

    def _collect(self, refs: list[Any], results: list[Found | None]) -> dict[int, str]:
        """Fill `results` with the answers of `refs` (None: not asked) that come within the timeout;
        return why each failed one failed."""
        ray = self.ray
        pending = {r: i for i, r in enumerate(refs) if r is not None}
        errors: dict[int, str] = {}
        if not pending:
            return errors
        done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=self.timeout)
        for ref in done:
            i = pending[ref]
            try:
                results[i] = ray.get(ref)
            except Exception as err:  # the actor died (RayActorError) or the call raised
                errors[i] = type(err).__name__
        return errors
