"""`build_index`: build or update the index of a folder of articles, atomically."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import Settings
from qa.errors import CorpusError
from qa.indexing.parts import BATCH_DONE, CANNOT_READ, MakeParts, Work, local_parts, old_parts, transient
from qa.indexing.plan import live_shards, previous, settings_key, shard_count
from qa.indexing.report import BuildReport
from qa.indexing.staging import PREFIX as STAGING_PREFIX
from qa.indexing.staging import Staging
from qa.indexing.writer import ShardJob, run_here, write_generation
from qa.ingest.decode import sha256_bytes
from qa.ingest.document import Skipped, suffix_list
from qa.ingest.files import list_files, relative_source
from qa.store.codes6 import packed_width
from qa.store.generation import build_lock, publish
from qa.store.layout import read_manifest
from qa.store.shards import shard_dirs

if TYPE_CHECKING:
    from qa.embed.protocol import Embedder

# How often the parts made so far are made durable and journaled (qa/indexing/staging.py): a build
# that stops loses at most about this much work, and pays one fsync of the staging files per period.
CHECKPOINT_SECONDS = 5.0


def _suffix(source: str) -> str:
    return Path(source).suffix.lower()  # what decides how a file is read (a .txt renamed .md reads otherwise)


def _copies(shas: dict[str, str], blank: set[str]) -> list[Skipped]:
    """The same bytes under other names are indexed once (an upload of an article already there is
    refused too): indexed, each copy would count again in every search, boosting the article saved
    twice (a review's: 63 of 66 confidences moved). Kept is the name that is not a copy's
    (`stories.copy_name`: "report - Copy.txt", "copy_of_report.txt", "page (1).html"), then the first in
    sorted order: the same whatever the index held before, so an updated index keeps the file a fresh
    build does (it kept the name it already held: a review's). The others are taken out of `shas` and
    returned as skipped."""
    from qa.stories import copy_name

    keep: dict[str, str] = {}
    for src in sorted(shas, key=lambda s: (copy_name(s), s)):
        if src not in blank:  # empty files are skipped as empty, not as copies of each other
            keep.setdefault(shas[src], src)
    copies = [
        Skipped(s, f"has the same content as {keep[sha]}") for s, sha in sorted(shas.items()) if keep.get(sha, s) != s
    ]
    for c in copies:
        del shas[c.source]
    return copies


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    dimension: int,
    count_tokens: Callable[[str], int] | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
    run_jobs: Callable[[Callable[[ShardJob], None], list[ShardJob]], None] = run_here,
    make_parts: MakeParts = local_parts,
) -> BuildReport:
    """Build or update the index of `settings.seeds_dir` in `settings.index_dir`.

    `embedder_factory` is called only if some file needs embedding, so an up-to-date index costs no
    model load. `make_parts` reads, analyses, chunks and embeds the new and changed files (here by
    default; qa/indexing/ray_parts.py on Ray) and `run_jobs` writes the shards of a sharded index (one
    after another by default; as Ray tasks for a build on Ray). Raises CorpusError for an unusable
    corpus; the previous index is then untouched.
    """
    t0 = time.perf_counter()
    seeds, index_dir = Path(settings.seeds_dir), Path(settings.index_dir)
    paths, skipped = list_files(seeds, settings.max_file_bytes)
    # Only each file's hash is kept here; its bytes are read again when its batch is analysed, so a
    # build never holds the whole corpus (see parts.BATCH_BYTES).
    shas: dict[str, str] = {}
    blank: set[str] = set()
    unreadable: list[str] = []  # for now: their indexed version is kept (below)
    for path in paths:
        src = relative_source(path, seeds)
        try:
            raw = path.read_bytes()
        except OSError as err:
            skipped.append(Skipped(src, CANNOT_READ.format(err.strerror)))
            unreadable.append(src)
            continue
        shas[src] = sha256_bytes(raw)
        if not raw.strip():
            blank.add(src)
    skipped += _copies(shas, blank)
    with build_lock(index_dir, lambda: log(f"waiting for another build of {index_dir} to finish")):
        if settings.shards is None:  # as many shards as the live index has (1 for a new one)
            settings = settings.with_(shards=live_shards(index_dir))
        prev = previous(index_dir, settings, dimension)
        prev_files: dict[str, Any] = prev[1].get("files", {}) if prev else {}
        prev_skipped: dict[str, Any] = prev[1].get("skipped", {}) if prev else {}
        # (an index written before transient reasons were left out may hold one: read that file again)
        prev_skipped = {s: v for s, v in prev_skipped.items() if not transient(v.get("reason", ""))}
        if (
            prev
            and shard_count(prev[1]) == settings.shards
            and all(
                prev_files.get(s, {}).get("sha256") == sha or prev_skipped.get(s, {}).get("sha256") == sha
                for s, sha in shas.items()
            )
            # (an indexed file that cannot be read now keeps its version: nothing to write for it)
            and set(prev_files) | set(prev_skipped) == set(shas) | (set(unreadable) & set(prev_files))
        ):
            skipped += [Skipped(s, v["reason"]) for s, v in prev_skipped.items()]
            for stale in index_dir.glob(f"{STAGING_PREFIX}*"):  # a stopped build's, now of no use
                shutil.rmtree(stale, ignore_errors=True)
            return BuildReport(
                index_dir,
                unchanged=sorted(prev_files),
                skipped=skipped,
                chunks=int(prev[1]["counts"]["chunks"]),
                seconds=time.perf_counter() - t0,
                up_to_date=True,
            )

        key = settings_key(settings, dimension)
        width = packed_width(dimension)
        resumable = Staging.resume(index_dir, dimension, width, key)
        staging, earlier = resumable if resumable else (Staging(index_dir, dimension, width, key), {})
        writing = False  # a failure while writing (a full disk) drops what was staged; a stop keeps it
        try:
            added: list[str] = []
            changed: list[str] = []
            unchanged = sorted(s for s in shas if prev_files.get(s, {}).get("sha256") == shas[s])
            # Parts a build that stopped had staged for files whose bytes have not changed since
            # (journaled, qa/indexing/staging.py) are taken as they are; the rest are made.
            same = {s: part for s, (sha, part) in earlier.items() if shas.get(s) == sha}
            parts = {s: same[s] for s in unchanged if s in same}

            def take_over(
                keep: list[str], sha_of: Callable[[str], str], renamed: dict[str, str] | None = None
            ) -> list[str]:
                """What the live index holds for `keep` (as `renamed`), staged as it is: no re-embedding."""
                taken = []
                for folder in shard_dirs(*prev) if prev else []:  # (old_parts of nothing reads nothing)
                    for src, part in old_parts(folder, keep, staging, renamed).items():
                        parts[src] = part
                        staging.record(src, sha_of(src), part, embedded=False)
                        taken.append(src)
                return taken

            take_over([s for s in unchanged if s not in parts], shas.__getitem__)
            staging.checkpoint()
            kept = set(unchanged)
            todo = [(s, shas[s]) for s in sorted(shas) if s not in kept]
            resumed = [s for s, _ in todo if s in same]
            for src in resumed:
                parts[src] = same[src]
                (changed if src in prev_files else added).append(src)
            if resumed:
                log(f"going on from a build that stopped: {len(resumed)} files already embedded")
                todo = [(s, sha) for s, sha in todo if s not in same]
            # A file renamed or moved since the last build: what the index holds for its bytes under
            # the old name is taken over, not embedded again (a rename re-embedded the file).
            gone = {v.get("sha256"): s for s, v in prev_files.items() if s not in shas}
            moved = {gone[sha]: s for s, sha in todo if sha in gone and _suffix(gone[sha]) == _suffix(s)}
            for src in take_over(list(moved), shas.__getitem__, moved):
                (changed if src in prev_files else added).append(src)
            todo = [(s, sha) for s, sha in todo if s not in parts]
            # Read, analyse, chunk and embed the new and changed files (here a batch of BATCH_BYTES of
            # files at a time, or on Ray): each file's text and vectors are staged as they come, and
            # journaled every CHECKPOINT_SECONDS or so (at the end of a batch at the latest).
            not_made: list[Skipped] = []
            work = Work(seeds, todo, settings, embedder_factory, count_tokens, progress, log)
            last_checkpoint = time.monotonic()
            for src, made, reason in make_parts(work):
                if src == BATCH_DONE[0]:
                    if time.monotonic() - last_checkpoint >= 1.0:  # Ray's small jobs: not each one
                        staging.checkpoint()
                        last_checkpoint = time.monotonic()
                elif made is None:
                    not_made.append(Skipped(src, reason))
                else:
                    (changed if src in prev_files else added).append(src)
                    parts[src] = made.stage(staging)
                    staging.record(src, shas[src], parts[src])
                    if time.monotonic() - last_checkpoint >= CHECKPOINT_SECONDS:
                        staging.checkpoint()
                        last_checkpoint = time.monotonic()
            not_made.sort(key=lambda sk: sk.source)  # on Ray, files come in any order
            # A file that could not be read just now (moved away, locked, changed mid-read) keeps the
            # version the index holds, under its old hash, so the next build reads it again; recorded
            # as skipped with these bytes, it stayed out of the index until its bytes changed.
            missing = unreadable + [sk.source for sk in not_made if transient(sk.reason)]
            held_over = [s for s in missing if s in prev_files and s not in parts]
            take_over(held_over, lambda s: prev_files[s]["sha256"])
            staging.checkpoint()
            skipped += not_made
            # (the report counts them as unchanged and says so: "skipped ...: cannot be read" alone, and
            # files counted without them, read as if the index had dropped them; a review's)
            unchanged = [*unchanged, *held_over]
            skipped = [
                Skipped(sk.source, f"{sk.reason}; its indexed version is kept") if sk.source in held_over else sk
                for sk in skipped
            ]
            skip_records = {
                sk.source: {"sha256": shas[sk.source], "reason": sk.reason}
                for sk in not_made
                if not transient(sk.reason)
            }
            removed = sorted(set(prev_files) - set(parts))  # deleted, or now skipped (still listed there)
            for sk in skipped:
                log(f"skipped {sk.source}: {sk.reason}")
            if not parts:
                # Say why, when files were there (the skip notes above go to the log, which a user of
                # `qa index` does not see: "No usable articles" over a folder of .txt files puzzled one).
                why = "; ".join(f"{sk.source}: {sk.reason}" for sk in skipped[:3])
                why += f"; {len(skipped) - 3} more" if len(skipped) > 3 else ""
                raise CorpusError(
                    f"No usable articles ({suffix_list()}) under {seeds}"
                    + (f" ({len(skipped)} skipped: {why})" if skipped else "")
                    + "; add some (or pass --seeds DIR). The previous index, if any, is unchanged."
                )
            keep_skipped = {s: v for s, v in prev_skipped.items() if s in shas and v["sha256"] == shas[s]}
            writing = True
            gen = write_generation(
                index_dir, settings, dimension, parts, {**keep_skipped, **skip_records}, staging, run_jobs
            )
            publish(index_dir, gen)
            staging.close()
            manifest = read_manifest(index_dir / gen)
            return BuildReport(
                index_dir,
                added=sorted(added),
                changed=sorted(changed),
                removed=removed,
                unchanged=sorted(unchanged),
                skipped=skipped,
                chunks=int(manifest["counts"]["chunks"]),
                seconds=time.perf_counter() - t0,
                resumed=resumed,
            )
        except BaseException as err:
            # Stopped (Ctrl-C, a killed worker, the model failing, ...): what was made is kept for the
            # next build with the same settings to go on from; a write that failed (a full disk, say)
            # drops it. The previous index is untouched either way.
            keep = not writing or isinstance(err, (KeyboardInterrupt, SystemExit))
            with contextlib.suppress(BaseException):  # a second Ctrl-C while this syncs
                if keep:
                    staging.checkpoint()
            staging.close(keep=keep and staging.embedded > 0)
            raise
