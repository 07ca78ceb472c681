"""The files of a generation, its manifest, and the checks that refuse an index qa cannot read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.errors import IndexInvalidError, IndexMissingError, QAError
from qa.store.generation import CURRENT, sha256_file

# 7: documents.jsonl rows carry author, format, characters, article regions, story and page starts.
FORMAT_VERSION = 7
# Bump when the rules in qa/ingest/ or chunking.py change what a file becomes: every file is then
# re-chunked and re-embedded on the next `qa index`. 3: the line model of whole-page text
# (article_lines.py; its weights' fingerprint is part of the key too) and PDF paragraphs. 4: saved
# pages lose link cards and keep datelines and pointers out of their regions; kana count as CJK.
# 5: PDF paragraphs under links are chrome and a PDF's title is its own; whole-page text is titled by
# the headline next to its article; an outlet from a copyright line loses its years. 6: a PDF
# paragraph a page break cuts mid-sentence goes on across the break, and a PDF line that left no room
# for the next one's first word is joined to it; a picture's credit is no outlet. 7: a whole page's
# headline shares two words with the lede and is no time stamp; an outlet's name ends at a year; a
# PDF line is joined to the next only when that one lies just below it in type of the same size; a
# full stop before a digit ends no sentence; a one-page print's header and footer are dropped.
# 8: a saved page with no sentence is no article; a table drawn with pipes is article text; a date
# line in another language (dateparser) and a byline are metadata, not text (author and outlet); a
# picture's file name, a "Name/Outlet" credit, "Story continues below" and an affiliate disclosure are chrome.
# 9: a run of pipe lines is a table only when its cells are figures (not a footer with a phone number).
# 10: the title is no article text; a text in which the rules see no chrome is kept whole (no line
# model) and a table's rows do not end the model's span; a one- or two-word name or an asking headline
# opening a text is its title. 11: a saved page's date from its markup only (not "© 2024" in its footer).
# 12: a page's declared charset is read; UTF-8 with a stray Windows-1252 byte stays UTF-8 ("utf-8+cp1252").
# 13: a saved page's table row is article text, whatever words its cells hold ("register-based").
# 14: UTF-16 without its byte-order mark is read (it was refused as binary). 15: a declared charset is
# read as browsers read its label (iso-8859-1 as Windows-1252, gb2312 as GB18030, shift_jis as cp932).
# 16: what a site asks of its reader (a paywall's count, tips, support) and a wire story's credits are
# chrome; a site name that is the headline is no outlet. 17: a printed page titled "<headline> - <site>"
# takes the headline as its title and the site as its outlet. 18: "Published <date> | Updated <date>"
# is a date line (its first part, labelled). 19: a reader prompt is no news sentence that quotes or
# reports one; "<headline> - <subtitle>" of a printed report is no site. 20: a saved page's table
# caption is a line before the table, no longer its first row; a PDF with no pages says so. 21: a
# PDF's title that is an address (file:///..., a browser's for a page without <title>) is no title.
# 22: the date stated nearest the article's start, a byline's stamp too ("Chris Davies - Nov 19, 2019,
# 10:31 pm CST"), dates it; whole-page text's headline stands above its byline. 23: a first line that
# ends its sentence before an emoji ("... on KLOOK! 🙂") is the article's first sentence, not its title.
# 24: a labelled link names the outlet only when its label reads as a site's name ("Link to KLOOK
# website – https://..." does not). 25: a byline's numeric stamp in day-first order too ("| 18.11.19").
# 26: a labelled link's label is the outlet only when it names the address's site ("Read More
# https://...", "Link To KLOOK Website" do not); arrows and shapes at a line's end are no emoji.
# 27: ... its site's own name, before the public suffix ("El País" elpais.com, "BBC News" bbc.co.uk).
# 28: Chinese and Japanese text counts a word per two characters and ends sentences with 。！？ (such
# files had no line of prose and were skipped as "no article text"); "2024年11月18日" is a date, and a
# short line that opens on it a dateline.
# 29: a byline's date stamp may open on a weekday or a month after a dash, bar or dot.
# 30: a PDF line after one broken at a hyphen goes on its paragraph (where the line ends is just above it).
# 31: a first line of more than 24 words that reads as prose is a lede without its full stop, not a title.
# 32: hashtags after a line's last full stop do not make it a headline ("... mine alone. #ad").
# 33: a byline set in emphasis or as a list item ("*By Mei Tanaka — Business Desk*") is read; a desk is no outlet.
# 34: a saved page whose body holds no article text is read from its JSON-LD articleBody, if any.
# 35: a reporter's contact lines ("... may be reached at a@b.com") and "You may also like..." are chrome.
# 36: a saved page's title loses its site's name after a separator ("... WeWork – TechCrunch").
# 37: a site name trafilatura made of the host's ("Nj") is spelt as the page writes it ("NJ.com").
# 38: bylines of two authors ("By A B and C D") or with emphasis inside; a weekday after a dash dates a stamp;
#     "Compiled by" / "Reported by" label a date line; dateparser reads lines of at most 200 characters.
# 39-42: two authors on a line of their own; a saved page's author field loses labels, its page's month, roles.
# 43: a follow-prompt contact line is chrome even when a quotation comes before it (an author's bio).
# 44: a text file in a legacy charset of another script is read in it (it was Windows-1252 mojibake or binary).
# 45: the reviews' mends to 43 and 44 (a follow prompt inside a quotation; charsets judged by runs of letters).
# 46: a saved page's lists of links only ("related stories") and their heading are left out; a whole
#     page's or PDF's headline found beside its article is not article text; a stamp's date with a
#     year of two figures ("11/19/19 06:56 AM") is read; a PDF's drop cap opens the line beside it.
# 47: a copyright line's outlet stops at what the line goes on to say ("... Limited or its affiliated
#     companies", "National Review DONATE SUBSCRIBE").
# 48: a line of a name and a date ("Port Elsmore Gazette, January 15, 2024") is a date line.
#     A saved page's author field names one person once ("Troy Smith; Troy L Smith" -> "Troy L Smith"); a
#     byline's outlet ends without a dash ("Elsmore Weekly — published ..."); "11/19/2019 by Lars Brandle" is
#     a date stamp and a byline.
# 49: a desk's logo run into a byline's name ("By Jonathan GarberFOXBusiness") is cut off.
# 50: a saved page's author field loses later parts that name no person ("Jill Disis; CNN Business", "Kevin-R").
# 51: a saved page's bracket run into the next word ("(CNN Business)A muddled") is set apart by a space.
# 52: a saved page's stock-quote table rows (a market widget's) are not article text.
INGEST_VERSION = 52
MANIFEST = "manifest.json"
FAISS_FILE = "index.faiss"
CHUNKS_FILE = "chunks.npy"
DOCUMENTS_FILE = "documents.jsonl"
TEXTS_FILE = "texts.utf8"
SENTENCES_FILE = "sentences.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_SCALES = "sentence_scales.npy"
BM25_PASSAGES = "bm25/passages"
BM25_SENTENCES = "bm25/sentences"
# Files every generation must have (bm25s writes several files into each of its folders; all of them
# are listed with their checksums in the manifest).
DATA_FILES = (FAISS_FILE, CHUNKS_FILE, DOCUMENTS_FILE, TEXTS_FILE, SENTENCES_FILE, SENTENCE_VECTORS, SENTENCE_SCALES)

REBUILD_HINT = "run `qa index` to rebuild it"


def unreadable(where: Path, err: OSError) -> IndexInvalidError:
    """The one-line error of an index that could not be read: a file's permissions (a new user's
    `chmod 000`), or a read that failed otherwise (a generation swapped away mid-read: try again)."""
    import errno

    advice = "check that you may read the index folder" if err.errno in (errno.EACCES, errno.EPERM) else "try again"
    reason = err.strerror or err
    return IndexInvalidError(f"Cannot read {err.filename or where}: {reason}; {advice}, or {REBUILD_HINT}.")


def generation_dir(index_dir: Path) -> Path:
    """The live generation of `index_dir` (or `index_dir` itself if it is a generation)."""
    try:
        return _generation_dir(Path(index_dir))
    except OSError as err:
        raise unreadable(Path(index_dir), err) from None


def _generation_dir(index_dir: Path) -> Path:
    if (index_dir / MANIFEST).is_file():
        return index_dir
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        if index_dir.exists() and not index_dir.is_dir():
            raise IndexMissingError(
                f"{index_dir} is a file, not an index folder; pass the folder `qa index` wrote (--index DIR)."
            )
        raise IndexMissingError(
            f"No index at {index_dir}; run `qa index` to build it, or pass --index DIR (QA_INDEX_DIR) where it is."
        )
    name = pointer.read_text(encoding="utf-8", errors="replace").strip()  # a damaged pointer: named below
    gen = index_dir / name
    if not name or "/" in name or not (gen / MANIFEST).is_file():
        raise IndexInvalidError(f"The index at {index_dir} is incomplete (CURRENT -> {name!r}); {REBUILD_HINT}.")
    return gen


def seeds_record(settings: Settings) -> str:
    """The articles folder an index is built from, as its manifest records it (absolute)."""
    return str(Path(settings.seeds_dir).resolve())


def with_own_seeds(settings: Settings, given: bool = False) -> Settings:
    """`settings` with the articles folder its index was built from, when no folder was `given` (a
    --seeds flag, an argument) nor set in QA_SEEDS_DIR: `qa serve --index X` for an index built from
    another folder rebuilt it from seeds/ and dropped every article of its own. An index without the
    record, or whose folder is gone, keeps the default."""
    given = given or bool(os.environ.get("QA_SEEDS_DIR", "").strip())
    recorded = None if given else recorded_seeds(settings.index_dir)
    if recorded is None or not recorded.is_dir():
        return settings
    return settings.with_(seeds_dir=recorded)


def recorded_seeds(index_dir: Path) -> Path | None:
    """The articles folder the live index at `index_dir` was built from, if it says (None: no index)."""
    try:
        recorded = read_manifest(generation_dir(index_dir)).get("seeds_dir")
    except (QAError, OSError):
        return None
    return Path(recorded) if isinstance(recorded, str) else None


def read_manifest(gen: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexInvalidError(f"Cannot read {gen / MANIFEST} ({err}); {REBUILD_HINT}.") from None
    if not isinstance(manifest, dict):
        raise IndexInvalidError(f"{gen / MANIFEST} is not a manifest; {REBUILD_HINT}.")
    return manifest


def check_format(manifest: dict[str, Any], gen: Path) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexInvalidError(
            f"The index at {gen} has format {manifest.get('format_version')!r}, this qa reads "
            f"{FORMAT_VERSION}; {REBUILD_HINT}."
        )


def check_manifest(manifest: dict[str, Any], gen: Path, settings: Settings, dimension: int) -> None:
    """Refuse an index of another format, model or dimension, or one whose files do not match."""
    check_format(manifest, gen)
    check_model(manifest, gen, settings, dimension)
    check_files(manifest, gen, DATA_FILES)


def check_model(manifest: dict[str, Any], gen: Path, settings: Settings, dimension: int) -> None:
    """Refuse an index built with another model, dimension or backend."""
    model = manifest.get("model")
    if not isinstance(model, dict):  # a hand-edited or damaged manifest must not crash the check
        model = {}
    if (
        model.get("name") != settings.model_name
        or model.get("dimension") != dimension
        or model.get("backend", "torch") != settings.backend
    ):
        raise IndexInvalidError(
            f"The index at {gen} was built with {model.get('name')} ({model.get('dimension')} dims, "
            f"{model.get('backend', 'torch')}), not {settings.model_name} ({dimension} dims, {settings.backend}); "
            f"{REBUILD_HINT}."
        )


def check_files(manifest: dict[str, Any], gen: Path, required: tuple[str, ...]) -> None:
    """Refuse a generation missing one of `required` or any file its manifest lists, or whose files
    do not match their checksums."""
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict):
        checksums = {}
    for name in sorted(set(required) | set(checksums)):
        if not isinstance(name, str) or name.startswith("/") or ".." in name.split("/"):
            raise IndexInvalidError(f"{gen / MANIFEST} lists a file outside its folder; {REBUILD_HINT}.")
        path = gen / name
        if not path.is_file():
            raise IndexInvalidError(f"The index file {path} is missing; {REBUILD_HINT}.")
        if checksums.get(name) != sha256_file(path):
            raise IndexInvalidError(f"The index file {path} is damaged (checksum mismatch); {REBUILD_HINT}.")
