"""A long-lived engine for a server: answers questions while the index is rebuilt, adds articles.

The chat UI (`ui/app.py`) holds one `Service`. Questions are answered by whichever `Engine` is
current; a rebuild writes a new index generation (see `index.py`), loads it, and swaps the engine
reference in one assignment, so every question is answered entirely by the old index or entirely by
the new one. The model is loaded once and shared by all engines.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import Answer
from qa.config import Settings
from qa.errors import IndexMissingError, QAError, UnreadableFileError, UsageError
from qa.ingest.decode import sha256_bytes
from qa.ingest.document import SUFFIXES, suffix_list
from qa.ingest.files import read_document
from qa.store.layout import with_own_seeds

if TYPE_CHECKING:
    from qa.embed.protocol import Embedder
    from qa.indexing.report import BuildReport
    from qa.query.engine import Engine

# 2 MiB: the chat's upload box (Gradio) words its own limit in MiB, as "2 Mb" (2,000,000 was "1.9 Mb").
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def safe_filename(name: str) -> str:
    """A plain file name for an uploaded article: no folders, no control or odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        raise UsageError(f"{base or 'The file'} is not an article file; upload a {suffix_list()} file.")
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("._-")[:100]
    if not stem:
        stem = "article"
    return f"{stem}.{suffix.lower()}"


def files_stamp(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    """What changes when a file under `folder` is written, replaced or has its permissions changed
    (name, mode, change time, size of each; what cannot be read is left out)."""
    paths = [folder]
    for root, _dirs, files in os.walk(folder):
        paths += [Path(root, name) for name in sorted(files)]
    out = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_mode, st.st_ctime_ns, st.st_size))
    return tuple(out)


class Service:
    def __init__(
        self, settings: Settings | None = None, embedder: Embedder | None = None, *, ray: str | None = None
    ) -> None:
        # no folder given: the one the index was built from (rebuilds and uploads go there)
        self.settings = settings or with_own_seeds(Settings.from_env())
        self.ray = ray  # a sharded index's shards held on Ray (qa/store/ray_shards.py), or None
        # With the packaged model, rebuilds run in a worker process (qa/worker.py) so that questions
        # never wait for them; an embedder passed in (a test's fake) builds in the calling thread.
        self.build_in_worker = embedder is None
        from qa.worker import Workers

        self.workers = Workers()  # its rebuild's worker, stopped with the server (ui/server.py)
        if embedder is None:
            from qa.embed.create import create

            embedder = create(self.settings)
        self.embedder = embedder
        self._engine: Engine | None = None
        self._rebuild_lock = threading.Lock()
        self._switch_lock = threading.Lock()
        # a generation that failed to load, with its files' stamp: tried again only once they change
        self._refused: tuple[str, tuple[tuple[str, int, int, int], ...]] | None = None
        self._watching: threading.Event | None = None
        try:
            self._engine = self._load()
        except IndexMissingError:
            self._engine = None

    def _load(self, generation: Path | None = None) -> Engine:
        """The engine of the live generation (or exactly `generation`)."""
        from qa.query.engine import Engine
        from qa.store.loader import load_index

        data = load_index(generation or self.settings.index_dir, self.settings, self.embedder.dimension, ray=self.ray)
        return Engine(data, self.embedder, self.settings)

    @property
    def engine(self) -> Engine:
        engine = self._engine
        if engine is None:
            raise IndexMissingError(
                f"No index yet; press Rebuild (or run `qa index`) to build it from {self.settings.seeds_dir}/."
            )
        return engine

    @property
    def rebuilding(self) -> bool:
        return self._rebuild_lock.locked()

    def ask(self, question: str, k: int | None = None, **filters: Any) -> Answer:
        return self.engine.ask(question, k, **filters)

    def documents(self) -> list[dict[str, object]]:
        return self._engine.documents() if self._engine else []

    def document_text(self, source: str) -> str:
        return self.engine.text(source)

    def original(self, source: str) -> bytes:
        """The bytes of an indexed file as the corpus folder holds them, for the reader to open: only
        a source the index holds, inside the folder, and unchanged since it was indexed."""
        doc = self.engine.data.documents.get(source)
        if doc is None:
            raise UsageError(f"{source} is not in the index; `qa documents` lists what is.")
        root = Path(self.settings.seeds_dir).resolve()
        path = (root / source).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise UsageError(f"{source} is no longer in {root.name}/; rebuild the index.")
        data = path.read_bytes()
        if sha256_bytes(data) != doc.sha256:
            raise UsageError(f"{source} has changed since it was indexed; rebuild the index.")
        return data

    def rebuild(
        self, progress: bool = False, log: Callable[[str], None] = lambda _m: None, *, wait: bool = False
    ) -> BuildReport:
        """Update the index from the seeds folder and switch to it. One rebuild at a time: another
        is refused, or (`wait`: an upload's, whose files must be indexed) runs after it.

        `progress` shows a progress bar when the build runs in this process; a worker's build
        reports through `log` only."""
        import qa

        if not self._rebuild_lock.acquire(blocking=False):
            if not wait:
                raise UsageError("A rebuild is already running; wait for it to finish.")
            log("waiting for the rebuild under way to finish")
            self._rebuild_lock.acquire()
        try:
            if self.build_in_worker:
                from qa.worker import build_in_worker

                report = build_in_worker(self.settings, log, self.workers)
            else:
                report = qa.build(settings=self.settings, embedder=self.embedder, progress=progress, log=log)
            new = self._load()
            with self._switch_lock:
                self._engine = new  # one reference assignment: questions see the old or the new engine
            return report
        finally:
            self._rebuild_lock.release()

    def refresh(self, log: Callable[[str], None] = lambda _m: None) -> bool:
        """Switch to the generation the index's CURRENT names if it is not the one being served (a
        `qa index` run by another process published it). Returns whether it switched. A generation
        that fails to load is reported once through `log` and the current engine keeps serving."""
        from qa.store.layout import generation_dir

        if self.rebuilding:
            return False  # the rebuild switches when it is done
        try:
            gen = generation_dir(self.settings.index_dir)
        except QAError:
            return False  # no index, or a pointer mid-replacement: keep serving what is loaded
        engine = self._engine
        if engine is not None and engine.data.path == gen:
            return False
        if self._refused is not None and self._refused == (str(gen), files_stamp(gen)):
            return False
        with self._switch_lock:
            if self._engine is not engine:
                return False  # switched meanwhile
            stamp = files_stamp(gen)  # before loading: files mended while it loads are tried again
            try:
                new = self._load(gen)  # exactly the generation seen, even if CURRENT moves on
            except Exception as err:  # any failure: reported once, not tried again until its files change
                self._refused = (str(gen), stamp)
                log(f"not switching to {gen.name}: {err}")
                return False
            self._engine = new
        log(f"switched to index generation {new.data.path.name}")
        return True

    def watch(self, interval: float = 1.0, log: Callable[[str], None] = lambda _m: None) -> threading.Event:
        """Check for a new generation every `interval` seconds in a daemon thread (once per
        service; calling again returns the same stop event)."""
        if self._watching is not None:
            return self._watching
        stop = self._watching = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    self.refresh(log)
                except Exception as err:  # never let the watcher die: report and keep watching
                    log(f"index watch: {type(err).__name__}: {err}")

        threading.Thread(target=loop, name="qa-index-watch", daemon=True).start()
        return stop

    def add_article(self, filename: str, data: bytes) -> str:
        """Check an uploaded article and store it in the seeds folder; returns the stored name.

        Refuses (with a message that says why) anything that is not a readable text article, too
        large, or the same content as an article already there. Does not rebuild.
        """
        name = safe_filename(filename)
        if len(data) > MAX_UPLOAD_BYTES:
            raise UsageError(f"{name} is {len(data):,} bytes; articles up to {MAX_UPLOAD_BYTES:,} bytes are accepted.")
        if not data.strip():
            raise UsageError(f"{name} is empty.")
        try:
            # Read as a rebuild would: a PDF that cannot be read (encrypted, broken, scanned images
            # only) or a page with no article is refused now, not stored and skipped at every rebuild.
            read_document(Path(name), Path("."), raw=data)
        except UnreadableFileError as err:
            # The reason may say what to do already ("save a copy without a password").
            advice = "" if ";" in err.reason else "; upload a text, web page or PDF article"
            raise UsageError(f"{name}: {err.reason}{advice}.") from None
        seeds = Path(self.settings.seeds_dir)
        seeds.mkdir(parents=True, exist_ok=True)
        digest = sha256_bytes(data)
        for existing in seeds.rglob("*"):
            if existing.is_file() and existing.suffix.lower() in SUFFIXES:
                try:
                    same = sha256_bytes(existing.read_bytes()) == digest
                except OSError:
                    continue
                if same:
                    raise UsageError(
                        f"This article is already in the corpus as {existing.relative_to(seeds).as_posix()}."
                    )
        target = seeds / name
        n = 2
        while target.exists():
            stem, _, suffix = name.rpartition(".")
            target = seeds / f"{stem}-{n}.{suffix}"
            n += 1
        tmp = target.with_name(f".{target.name}.part")
        try:
            tmp.write_bytes(data)
            tmp.replace(target)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise QAError(f"Could not store {name} in {seeds}: {err.strerror}.") from None
        return target.name
