"""A corpus of awkward files next to the seeds: each is indexed correctly or named and skipped with a
reason in the BuildReport, and everything else is indexed.

Non-UTF-8 files are cited with their `encoding`, and their citation text is the file decoded that way
at the citation's offsets. The model does not matter here, so the hashing `FakeEmbedder` is used.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa
from qa.config import Settings
from qa.store.layout import read_manifest
from tests.conftest import SEEDS, FakeEmbedder
from tests.reliability.conftest import Case

pytestmark = pytest.mark.reliability

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

LATIN1_ARTICLE = (
    "Café owners in Montréal protest against new terrace rules\n\n"
    "Published on: 2024/05/14\n\n"
    "Dozens of café owners gathered outside the city hall of Montréal on Tuesday to protest against new rules "
    "that would limit terrace seating during the summer festival season.\n\n"
    "The president of the café owners association, Zoë Lefèvre, said the façades of the old quarter had hosted "
    "terraces for more than a century and that the rules would cost each café thousands of dollars.\n"
)
LATIN1_QUESTION = "Who is the president of the café owners association in Montréal?"

UTF16_ARTICLE = (
    "Glacier monitoring station opens in the Tatra mountains\n\n"
    "Published on: 2024/06/02\n\n"
    "Scientists opened a glacier monitoring station high in the Tatra mountains on Sunday, the first of its kind "
    "in the region, to measure how quickly the remaining ice fields are shrinking.\n\n"
    "The director of the station, Ágnes Kovács, said the instruments would send their readings every ten minutes "
    "to a laboratory in Kraków, where researchers compare them with glacier records kept since 1950.\n"
)
UTF16_QUESTION = "Where does the Tatra glacier monitoring station send its readings?"

HUGE_PARAGRAPH = (
    "The harbour authority published another long report on the state of the eastern breakwater, listing every "
    "repair made since the storms of the previous winter and the cost of each one.\n\n"
)
MAX_FILE_BYTES = 40_000  # the seeds are 2-7 KB each; the huge file is over this, so it stays fast

KNOWN_QUESTION = "Who did Im Chon-il meet in Moscow?"
KNOWN_SOURCE = "002_299aeecd3ab3c2fd.txt"
DUPLICATE = "zz_copy_of_002.txt"
ODD_NAME = os.fsdecode(b"caf\xe9-report.txt")  # how Python spells the name: a lone surrogate for the byte


def seeds_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for p in corpus.iterdir():
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return corpus


def add_bad_files(corpus: Path, outside: Path) -> dict[str, str]:
    """Write the awkward files; return {name: what it is} (names relative to the corpus)."""
    (corpus / "latin1.txt").write_bytes(LATIN1_ARTICLE.encode("latin-1"))
    # UTF-16 with its byte-order mark, and Windows line ends.
    (corpus / "utf16.txt").write_bytes(UTF16_ARTICLE.replace("\n", "\r\n").encode("utf-16"))
    (corpus / "picture.txt").write_bytes(PNG_BYTES)
    (corpus / "empty.txt").write_bytes(b"")
    shutil.copyfile(corpus / KNOWN_SOURCE, corpus / DUPLICATE)
    huge = HUGE_PARAGRAPH * (MAX_FILE_BYTES // len(HUGE_PARAGRAPH) + 2)
    (corpus / "huge.txt").write_text("Harbour authority report\n\n" + huge, encoding="utf-8")
    outside.write_text(LATIN1_ARTICLE.replace("Montréal", "Quebec City"), encoding="utf-8")
    os.symlink(outside, corpus / "escape.txt")
    os.symlink(corpus / "deleted-since.txt", corpus / "dangling.txt")  # a link to a file that is gone
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    # A name that is not UTF-8 (a Latin-1 name from an old archive), holding a good article.
    bad_name = os.fsencode(corpus) + b"/caf\xe9-report.txt"
    fd = os.open(bad_name, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, UTF16_ARTICLE.replace("Tatra", "Fatra").encode("utf-8"))
    os.close(fd)
    # Pages and PDFs that are not what they say (issue 16's hostile files).
    (corpus / "fake.pdf").write_bytes(b"<html><body>This is a web page, not a PDF.</body></html>")
    (corpus / "blank.html").write_bytes(b"")
    scripts = "".join(f"<script>alert('pwned {i}'); document.write('{i}');</script>" for i in range(2000))
    (corpus / "scripts.html").write_text(f"<html><head>{scripts}</head><body>{scripts}</body></html>", encoding="utf-8")
    with (corpus / "big.pdf").open("wb") as f:  # 50 MB, mostly a hole: quick to write
        f.write(b"%PDF-1.4\n")
        f.truncate(50 * 2**20)
    return {
        "fake.pdf": "a web page named .pdf",
        "blank.html": "a 0-byte page",
        "scripts.html": "a page of nothing but <script>",
        "big.pdf": "a 50 MB PDF",
        "latin1.txt": "Latin-1 bytes",
        "utf16.txt": "UTF-16 with BOM, CRLF",
        "picture.txt": "a PNG renamed .txt",
        "empty.txt": "zero bytes",
        DUPLICATE: f"same bytes as {KNOWN_SOURCE}",
        "huge.txt": f"over max_file_bytes={MAX_FILE_BYTES}",
        "escape.txt": "symlink to a file outside the corpus",
        "dangling.txt": "a link to a file that does not exist",
        "pipe.txt": "a FIFO named .txt",
        ODD_NAME: "a file name that is not UTF-8",
    }


def printable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decoded(path: Path, encoding: str) -> str:
    """The file as a reader decodes it with the encoding a citation names (universal newlines)."""
    with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding) as f:
        return f.read()


def cited_from(answer: Any, source: str) -> list[dict[str, Any]]:
    return [c.to_dict() for c in (*answer.citations, *answer.nearest) if c.source == source]


def check_citation_text(corpus: Path, c: dict[str, Any], encoding: str) -> str | None:
    text = decoded(corpus / c["source"], encoding)
    if c["text"] != text[c["start_char"] : c["end_char"]]:
        return f"{c['source']}: citation text is not the {encoding} decoding of the file at its offsets"
    h = c["highlight"]
    if h["text"] != text[h["start_char"] : h["end_char"]]:
        return f"{c['source']}: highlight is not the {encoding} decoding of the file at its offsets"
    return None


def test_each_bad_file_is_indexed_correctly_or_skipped_with_a_reason(
    tmp_path: Path, tally: Callable[..., Case]
) -> None:
    case = tally("bad files")
    corpus = seeds_copy(tmp_path)
    bad = add_bad_files(corpus, tmp_path / "outside.txt")
    settings = Settings(seeds_dir=corpus, index_dir=tmp_path / "index", max_file_bytes=MAX_FILE_BYTES, min_confidence=0)
    embedder = FakeEmbedder()

    report = qa.build(corpus, tmp_path / "index", embedder=embedder, settings=settings)
    engine = qa.load(tmp_path / "index", embedder=embedder, settings=settings)
    indexed = set(report.added)
    skipped = {s.source: s.reason for s in report.skipped}
    first_skips = set(skipped)
    # A skip is shown to a person (terminal, chat, JSON): its file name and reason must be printable text.
    for s in report.skipped:
        case.check(printable(s.source) and printable(s.reason), f"skip entry {s!r} is not printable text")
    # The file with a non-UTF-8 name can only be named readably (e.g. with an escape) in a skip.
    odd_skips = [s for s in skipped if s != ODD_NAME and s.startswith("caf") and s.endswith("-report.txt")]
    if odd_skips:
        skipped[ODD_NAME] = skipped.pop(odd_skips[0])
    manifest_files = set(read_manifest(engine.path)["files"])

    seeds = {p.name for p in SEEDS.iterdir()}
    case.check(seeds <= indexed, f"seeds not all indexed: missing {sorted(seeds - indexed)}")
    case.check(manifest_files == indexed, f"manifest files {sorted(manifest_files)} != added {sorted(indexed)}")
    for name, what in bad.items():
        case.check(
            (name in indexed) != (name in skipped),
            f"{name!r} ({what}) is neither indexed nor skipped (or both): skipped={skipped.get(name)!r}",
        )

    def skipped_because(name: str, *words: str) -> None:
        reason = skipped.get(name, "")
        case.check(
            any(w in reason for w in words), f"{name!r} ({bad[name]}): expected a skip naming {words}, got {reason!r}"
        )

    skipped_because("picture.txt", "binary")
    skipped_because("empty.txt", "empty")
    skipped_because("huge.txt", "limit")
    skipped_because("escape.txt", "outside")
    skipped_because("dangling.txt", "broken link")
    skipped_because("pipe.txt", "not a regular file")
    skipped_because("fake.pdf", "not a PDF")
    skipped_because("blank.html", "empty")
    skipped_because("big.pdf", "limit")
    if "scripts.html" in indexed:
        case.check("alert" not in engine.text("scripts.html"), "a page's script is in its document text")

    # Files in other encodings are indexed, and their citations say how they were read.
    for name, question, encodings in (
        ("latin1.txt", LATIN1_QUESTION, ("cp1252", "latin-1")),
        ("utf16.txt", UTF16_QUESTION, ("utf-16",)),
    ):
        cites = cited_from(engine.ask(question, 5), name)
        if not case.check(bool(cites), f"{name}: {question!r} does not cite it"):
            continue
        c = cites[0]
        if case.check(c.get("encoding") in encodings, f"{name}: citation encoding {c.get('encoding')!r}"):
            problem = check_citation_text(corpus, c, c["encoding"])
            case.check(problem is None, problem or "")
            if name == "latin1.txt":  # these bytes read the same as Latin-1 and as Windows-1252
                case.check(check_citation_text(corpus, c, "latin-1") is None, "latin1.txt: not the Latin-1 text")

    # The file with a non-UTF-8 name: if indexed, its source names the file and citations are its slices.
    if ODD_NAME in indexed:
        question = "Where does the Fatra glacier monitoring station send its readings?"
        cites = cited_from(engine.ask(question, 5), ODD_NAME)
        if case.check(bool(cites), "the file with a non-UTF-8 name is indexed but never cited"):
            problem = check_citation_text(corpus, cites[0], "utf-8")
            case.check(problem is None, problem or "")

    # A duplicate never makes the same text appear twice in one answer.
    answer = engine.ask(KNOWN_QUESTION, 10)
    texts = [c.text for c in answer.citations]
    case.check(
        len(texts) == len(set(texts)), f"an answer cites the same text twice: {[c.source for c in answer.citations]}"
    )
    if DUPLICATE in skipped:
        case.check(
            KNOWN_SOURCE in skipped[DUPLICATE], f"the duplicate's skip reason {skipped[DUPLICATE]!r} names no original"
        )

    # Nothing changed: the next build is up to date, encodes nothing and still reports every skip.
    fresh = FakeEmbedder()
    again = qa.build(corpus, tmp_path / "index", embedder=fresh, settings=settings)
    case.check(
        again.up_to_date and fresh.encoded == 0, f"a second build with nothing changed did work: {again.summary()}"
    )
    again_skips = {s.source for s in again.skipped}
    case.check(again_skips == first_skips, f"the up-to-date build reports other skips: {again_skips ^ first_skips}")

    case.assert_all_held()
