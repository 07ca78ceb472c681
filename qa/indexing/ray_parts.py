"""A build's file work on a Ray cluster (`qa index --ray`): new and changed files read, analysed,
chunked, split into sentences, embedded and quantized by a pool of Ray actors.

Ray Data's `map_batches` over an actor pool (one actor per CPU of the cluster, each loading the
packaged model once: Ray Data's documented batch inference) is given jobs of about `JOB_BYTES` of
files, named by path; an actor reads them from the corpus folder (on a cluster, storage every node
shares, as the index folder is), and returns what each file contributes (`parts.Made`, or why it is
skipped), made by the same code as a local build (`parts.read_seed`, `parts.make`) with the same
backend. The driver stages each file's part as it arrives (qa/indexing/staging.py) and writes the
generation as a local build does, its shards as Ray tasks (`RayBuild.run_tasks`): the index is the
local build's, file for file. A worker that dies has its job retried by Ray; a job Ray cannot
complete fails the build with one line, and the previous index keeps serving.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qa.errors import QAError, RayClusterError
from qa.ray_cluster import as_qa_error, connect

if TYPE_CHECKING:
    from qa.indexing.parts import Outcome, Work

T = TypeVar("T")

# Bytes of files in one job given to an actor: about two hundred passages of news, a few seconds of
# model work, so that a corpus spreads over every actor and a retried job repeats little.
JOB_BYTES = 100_000


class _PartsActor:
    """The model, loaded once per actor; `actor_class` makes a subclass carrying the settings, so that
    an actor Ray restarts needs nothing from the object store. Each job is made by `local_parts`, the
    local build's own loop (a job is far below its batch size: one batch)."""

    SETTINGS = "{}"

    def __init__(self) -> None:
        from qa.config import Settings
        from qa.embed.create import create

        self.settings = Settings.from_json(self.SETTINGS)
        self.model = create(self.settings)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        from qa.indexing.parts import Work, local_parts

        seeds = Path(self.settings.seeds_dir)
        done = []
        for job in batch["job"]:
            todo = [(src, sha) for src, sha in json.loads(str(job))]
            work = Work(seeds, todo, self.settings, lambda: self.model, None, False, lambda _m: None)
            done.append(pickle.dumps(list(local_parts(work)), protocol=pickle.HIGHEST_PROTOCOL))
        return {"outcomes": np.array(done, dtype=object)}


def actor_class(settings_json: str) -> type[_PartsActor]:
    # named ModelActor: Ray names the worker process after it (MapWorker(MapBatches(ModelActor)))
    return type("ModelActor", (_PartsActor,), {"SETTINGS": settings_json})


def jobs(seeds: Path, todo: list[tuple[str, str]], job_bytes: int) -> list[list[tuple[str, str]]]:
    """`todo` cut into runs of about `job_bytes` of files (a file that cannot be read counts as empty:
    the actor that reads it reports why)."""
    out: list[list[tuple[str, str]]] = []
    run: list[tuple[str, str]] = []
    size = 0
    for item in todo:
        with contextlib.suppress(OSError):
            size += (seeds / item[0]).stat().st_size
        run.append(item)
        if size >= job_bytes:
            out.append(run)
            run, size = [], 0
    if run:
        out.append(run)
    return out


class RayBuild:
    """The parts of a build made on a Ray cluster (`make_parts` of `build_index`), and its shards
    written there (`run_tasks`, `run_jobs` of `build_index`)."""

    def __init__(self, address: str | None) -> None:
        self.address = address

    def make_parts(self, work: Work) -> Iterator[Outcome]:
        """Each file's outcome, in the order the actors finish them."""
        import numpy as np

        from qa.indexing.parts import BATCH_DONE

        todo = work.todo
        if not todo:
            return
        ray = connect(self.address)
        from ray.data import DataContext

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # after Ray Data set up its logging
        DataContext.get_current().enable_progress_bars = work.progress
        settings_json = work.settings.with_(seeds_dir=work.seeds.resolve()).to_json()
        runs = jobs(work.seeds, todo, JOB_BYTES)
        actors = min(max(1, int(ray.cluster_resources().get("CPU", 1))), len(runs))
        work.log(f"reading and embedding {len(todo)} files on Ray: {len(runs)} jobs, {actors} model actors")
        wanted = {src for src, _ in todo}
        seen: set[str] = set()
        try:
            ds = ray.data.from_items([{"job": json.dumps(run)} for run in runs], override_num_blocks=len(runs))
            out = ds.map_batches(
                actor_class(settings_json),
                compute=ray.data.ActorPoolStrategy(size=actors),
                batch_size=1,
                batch_format="numpy",
                num_cpus=1,
            )
            for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
                for blob in np.asarray(batch["outcomes"]).tolist():
                    for outcome in pickle.loads(blob):
                        if outcome[0] in wanted and outcome[0] not in seen:  # a retried job's repeat
                            seen.add(outcome[0])
                            yield outcome
                    yield BATCH_DONE
        except QAError:
            raise
        except Exception as err:  # Ray raises many kinds (RayTaskError, ActorDiedError, ...) for a lost worker
            raise _failure("The build on Ray", err) from None
        if seen != wanted:
            raise RayClusterError(
                f"The build on Ray returned {len(seen)} of {len(wanted)} files; the previous index is unchanged."
            )

    def run_tasks(self, fn: Callable[[T], None], jobs: list[T]) -> None:
        """`fn(job)` for every job as a Ray task of one CPU, all at once across the cluster (a build on
        Ray writes its shards this way: qa/indexing/writer.py). A task Ray cannot complete, after its
        retries, fails the build with RayClusterError."""
        if not jobs:
            return
        ray = connect(self.address)
        task = ray.remote(num_cpus=1)(fn)
        try:
            ray.get([task.remote(job) for job in jobs])
        except Exception as err:  # RayTaskError around the task's own error, WorkerCrashedError, ...
            cause = getattr(err, "cause", None)
            if isinstance(cause, QAError | OSError):
                raise cause from None  # the task's own error (a full disk, say), as a local build raises it
            raise _failure("Writing the index's shards on Ray", err) from None


def _failure(what: str, err: Exception) -> QAError:
    """One line for a Ray failure: the error under Ray's wrappers, as qa's own when it is one, else its
    last line without the terminal's colours (Ray's messages run over many lines, a traceback's source
    among them, and a cut at 300 characters left only the wrappers: the Ray review's)."""
    return as_qa_error(err, lambda line: RayClusterError(f"{what} failed ({line}); the previous index is unchanged."))
