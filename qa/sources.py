"""Read a corpus folder into `Document`s: decoded text, metadata, and the spans worth citing.

Offsets are the contract (see CITATIONS.md): a document's `text` is the file decoded as UTF-8 with a
leading BOM removed and newlines normalised to `\\n`, exactly what
`open(path, encoding="utf-8-sig").read()` returns. Nothing here ever edits that text; boilerplate is
removed by *not selecting* its lines, so every span still points into the original.

Boilerplate and metadata are found with general rules about the shape of web-page text (short
navigation lines around the article, log-in and social prompts, copyright lines, lines in another
script) rather than a list of phrases from particular sites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from qa import article_lines
from qa.errors import CorpusError

# Plain text (the file is the document text) and saved web pages (qa/html_reader.py: the article
# text trafilatura extracts is the document text).
TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)  # qa/pdf_reader.py: the text layer without running headers and footers
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES


@dataclass(frozen=True)
class Document:
    """One source file, decoded, with its metadata and the character spans of its article text."""

    source: str  # path relative to the corpus folder, "/"-separated
    text: str
    sha256: str  # of the raw bytes on disk
    title: str | None = None
    published: str | None = None  # ISO YYYY-MM-DD
    outlet: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    # Maximal runs of article lines with no dropped line inside: chunks never cross them.
    regions: tuple[tuple[int, int], ...] = field(default=())
    author: str | None = None
    format: str = "text"  # "text" (.txt/.md: the file itself), "html" or "pdf" (the extracted text)
    page_starts: tuple[int, ...] = ()  # a PDF's pages: where each begins in `text`


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (shown to the user as a warning)."""

    source: str
    reason: str


# --------------------------------------------------------------------------------------------------
# Decoding


def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def normalise_newlines(text: str) -> str:
    """What Python's universal-newlines mode does: `\\r\\n` and lone `\\r` become `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    if not text:
        return False
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    return controls / len(text) > 0.01


def decode(raw: bytes) -> tuple[str, str]:
    """Decode raw file bytes to (text, encoding name).

    UTF-8 (with or without BOM) is the norm; UTF-16 is accepted with its BOM; other bytes are read as
    Windows-1252 and the encoding is reported so that citations can say so. Binary data (a PNG renamed
    `.txt`, say) is refused with `CorpusError` rather than indexed as noise.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CorpusError("starts with a UTF-16 mark but is not valid UTF-16") from None
        text = text.removeprefix("\ufeff")
    else:
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            if b"\x00" in raw:
                raise CorpusError("looks like a binary file, not text") from None
            try:
                text, encoding = raw.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = raw.decode("latin-1"), "latin-1"
    if _looks_binary(text):
        raise CorpusError("looks like a binary file, not text")
    return normalise_newlines(text), encoding


# --------------------------------------------------------------------------------------------------
# Line classification

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)
_URL = re.compile(r"\bhttps?://[^\s<>\"'）)\]]+", re.IGNORECASE)
_TERMINAL = re.compile(r"(?:[.!?…][\"”’')\]]*|[\"”])\s*$")

# Words that make up site chrome: a line made only of these is navigation, not article text.
_UI_WORDS = frozenset(
    [
        "skip",
        "to",
        "main",
        "content",
        "navigation",
        "nav",
        "menu",
        "close",
        "open",
        "search",
        "home",
        "top",
        "back",
        "print",
        "dictionary",
        "share",
        "shares",
        "email",
        "e-mail",
        "mail",
        "facebook",
        "twitter",
        "x",
        "whatsapp",
        "telegram",
        "kakao",
        "kakaotalk",
        "line",
        "linkedin",
        "reddit",
        "pinterest",
        "copy",
        "link",
        "url",
        "comments",
        "comment",
        "reply",
        "replies",
        "text",
        "size",
        "font",
        "zoom",
        "increase",
        "decrease",
        "larger",
        "smaller",
        "small",
        "medium",
        "large",
        "mode",
        "view",
        "next",
        "previous",
        "prev",
        "more",
        "less",
        "read",
        "listen",
        "audio",
        "play",
        "pause",
        "video",
        "photo",
        "photos",
        "gallery",
        "icon",
        "lock",
        "image",
        "img",
        "logo",
        "button",
        "bookmark",
        "save",
        "subscribe",
        "subscribed",
        "login",
        "logout",
        "sign",
        "up",
        "register",
        "account",
        "newsletter",
        "advertisement",
        "ad",
        "ads",
        "sponsored",
        "related",
        "articles",
        "article",
        "stories",
        "story",
        "trending",
        "popular",
        "latest",
        "news",
        "section",
        "sections",
        "go",
        "page",
        "pages",
        "of",
        "and",
        "the",
        "a",
        "in",
        "on",
        "rss",
        "feed",
        "app",
        "download",
        "cookie",
        "cookies",
        "accept",
        "settings",
        "privacy",
        "terms",
        "help",
        "faq",
        "contact",
        "us",
        "about",
        "follow",
        "like",
        "tweet",
        "post",
        "posts",
    ]
)
_ACCOUNT_PROMPT = re.compile(
    r"\b(log\s?-?in|logged\s+in|log\s+out|sign\s?-?in|signed\s+in|sign\s?-?up|register|"
    r"subscribe|subscription|newsletter)\b",
    re.IGNORECASE,
)
_SOCIAL_PROMPT = re.compile(
    r"\b(social|facebook|twitter|whatsapp|telegram|instagram|follow\s+us|share\s+this)\b",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\ball rights reserved\b|\bcopyright\b", re.IGNORECASE)
# What only a copyright notice says; the bare word "copyright" also occurs in news sentences.
_COPYRIGHT_NOTICE = re.compile(
    r"©|\(c\)\s*\d{4}|\ball rights reserved\b|\bcopyright\s*(?:©|\(c\)|(?:19|20)\d{2}\b)", re.IGNORECASE
)
# A prompt speaks to the reader ("You must be logged in", "please log in", "Join us", "Subscribe to our
# newsletter"); a news sentence that mentions logging in or Twitter reports on somebody else.
_READER_ADDRESS = re.compile(r"\b(you|your|please|us|our)\b", re.IGNORECASE)
_IMPERATIVE_START = re.compile(
    r"^\W*(log\s?-?in|sign\s?-?(in|up)|subscribe|register|follow|share|join|click|tap|download)\b", re.IGNORECASE
)
# A cookie/consent banner: about cookies or the site's policies, addressed to the reader.
_CONSENT = re.compile(r"\bcookies?\b|\bprivacy\s+(policy|notice|settings)\b|\bterms\s+of\s+(use|service)\b", re.I)
_BREADCRUMB = re.compile(r"\s[>›»|/]\s")
_CREDIT = re.compile(
    r"\b(photo|image|picture|graphic)s?\s*(by|credit|courtesy|source)\b|\bvia\s+[A-Z]|"
    r"\b(credit|courtesy)\s*:",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    """A coarse script name for a letter: the first word of its Unicode name (LATIN, HANGUL, ...)."""
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"


def _dominant_script(text: str) -> str:
    counts: dict[str, int] = {}
    for ch, n in Counter(text).items():  # each distinct character once, not every character
        if ch.isalpha():
            s = _script(ch)
            counts[s] = counts.get(s, 0) + n
    return max(counts, key=lambda s: counts[s]) if counts else "LATIN"


def _foreign_script(line: str, dominant: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for ch in letters if _script(ch) != dominant)
    return foreign / len(letters) > 0.5


def is_prose(line: str) -> bool:
    """A line that reads as article text: a real sentence, not a label or a menu."""
    n = len(_words(line))
    return n >= 15 or (n >= 8 and bool(_TERMINAL.search(line)))


# Reasons that hold even for a line that reads like a sentence ("You must be logged in to ...").
_STRONG_REASONS = frozenset({"copyright", "account prompt", "social prompt", "consent notice"})


def _sentence_like(line: str, n: int) -> bool:
    """A line of a few words that ends like a sentence: it may be news ("Officials said users must
    register their phones."), so chrome words alone do not make it chrome."""
    return n >= 4 and bool(_TERMINAL.search(line))


def _addresses_reader(line: str) -> bool:
    return bool(_READER_ADDRESS.search(line) or _IMPERATIVE_START.search(line))


def chrome_reason(line: str, dominant: str = "LATIN") -> str | None:
    """Why `line` is site chrome wherever it appears, or None. Long prose lines are never chrome."""
    words = _words(line)
    n = len(words)
    if n == 0:
        # Only symbols or digits: separators, counters, "***".
        return "no words"
    sentence = _sentence_like(line, n)
    if n <= 25 and (_COPYRIGHT_NOTICE.search(line) or (_COPYRIGHT.search(line) and not sentence)):
        return "copyright"
    if _ACCOUNT_PROMPT.search(line) and n <= 15 and (not sentence or _addresses_reader(line)):
        return "account prompt"
    if _SOCIAL_PROMPT.search(line) and n <= 8 and (not sentence or _addresses_reader(line)):
        return "social prompt"
    if _CONSENT.search(line) and n <= 40 and _READER_ADDRESS.search(line):
        return "consent notice"
    if re.search(r"\bcomments?\b", line, re.IGNORECASE) and n <= 3:
        return "comments"
    if all(w.lower() in _UI_WORDS for w in words) and n <= 6:
        return "navigation"
    if len(_BREADCRUMB.findall(line)) >= 1 and n <= 8 and not _TERMINAL.search(line):
        return "breadcrumb"
    stripped = line.strip()
    if " " not in stripped and re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", stripped):
        return "identifier"
    if n <= 8 and _foreign_script(line, dominant):
        return "other script"
    if n <= 10 and _CREDIT.search(line) and not _TERMINAL.search(line):
        return "credit"
    return None


# --------------------------------------------------------------------------------------------------
# Metadata

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<y>(?:19|20)\d{2})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"),
    re.compile(_MONTH_RE + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})\b", re.I),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<y>(?:19|20)\d{2})\b", re.I),
]
_DATE_LABEL = re.compile(
    r"^\W*(published|posted|updated|modified|date[d]?|source|by|written|first published|"
    r"created|release[d]?|issued)\b",
    re.IGNORECASE,
)
_SOURCE_LINE = re.compile(r"^\W*source\s*[:：]\s*(?P<rest>.+)$", re.IGNORECASE)


def find_date(line: str) -> tuple[str, int, int] | None:
    """The first calendar date in `line` as (ISO date, start, end), or None. Invalid dates are not dates."""
    best: tuple[str, int, int] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(line):
            g = m.groupdict()
            month = int(g["m"]) if g.get("m") else _MONTHS[g["mon"].lower().rstrip(".")]
            try:
                day = dt.date(int(g["y"]), month, int(g["d"]))
            except ValueError:
                continue
            if best is None or m.start() < best[1]:
                best = (day.isoformat(), m.start(), m.end())
            break
    return best


_TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


def is_date_line(line: str) -> bool:
    """A short line that states a date as a label ("Published on: ...", "date 2025-05-21").

    A sentence that merely contains a date ("By June 5, 2020, the two sides had met three times.")
    is not one: "by" directly before the date is the preposition, not a byline, and a line that goes
    on for several words after its date and ends like a sentence is prose.
    """
    found = find_date(line)
    if found is None or len(_words(line)) > 12:
        return False
    _, start, end = found
    rest = (line[:start] + " " + line[end:]).strip()
    rest_words = _words(_TIME.sub(" ", rest))
    label = _DATE_LABEL.search(line)
    if label and label.group(1).lower() == "by" and not line[label.end() : start].strip():
        label = None
    if _TERMINAL.search(line) and len(_words(_TIME.sub(" ", line[end:]))) >= 3:
        return False
    return bool(label) or len(rest_words) <= 2


_REVISION_LABEL = re.compile(r"\b(updated|modified|revised|edited)\b", re.IGNORECASE)


def is_revision_date(line: str) -> bool:
    """A date line whose first date is when the page changed ("Updated: ...", "Last modified ...")."""
    found = find_date(line)
    return found is not None and bool(_REVISION_LABEL.search(line[: found[1]]))


def is_url_line(line: str) -> bool:
    """A line that is a link, optionally with a short label ("Arirang news https://...")."""
    m = _URL.search(line)
    if not m:
        return False
    rest = line[: m.start()] + " " + line[m.end() :]
    return len(_words(rest)) <= 6


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\(.*?\)|\bwww\.\S+", " ", name)
    name = re.sub(r"\ball rights reserved\b.*$", " ", name, flags=re.IGNORECASE)
    name = re.sub(r"^\W*(?:\d{4}\W+)?|[\s.,;:|–—-]+$", "", name.strip())
    name = re.sub(r"\s+", " ", name).strip(" .,;:-–—")
    words = _words(name)
    if not words or len(words) > 8 or not any(ch.isupper() for ch in name):
        return None
    return name


def outlet_from_line(line: str) -> str | None:
    """The outlet a metadata or footer line names, if it names one."""
    m = _SOURCE_LINE.match(line)
    if m:
        rest = m.group("rest")
        found = find_date(rest)
        if found:
            rest = rest[: found[1]]
        rest = _URL.sub(" ", rest)
        return _clean_name(rest)
    if "©" in line or re.search(r"\bcopyright\b", line, re.IGNORECASE):
        rest = re.split(r"©|\bcopyright\b", line, maxsplit=1, flags=re.IGNORECASE)[1]
        return _clean_name(rest)
    if is_url_line(line):
        label = _URL.sub(" ", line)
        return _clean_name(label) if _words(label) else None
    # A footer prompt such as "... connect with the Korea JoongAng Daily".
    m = re.search(r"(?:^|\b(?:connect|follow|join)\s+)with\s+the\s+(?P<name>[A-Z][^.!?]{2,60})$", line.strip())
    if m:
        return _clean_name(m.group("name"))
    return None


# --------------------------------------------------------------------------------------------------
# Whole-document analysis


@dataclass(frozen=True)
class Line:
    start: int  # offset of the first non-space character
    end: int  # offset after the last non-space character
    text: str
    kind: str  # "blank", "title", "content", "meta", "boilerplate", "duplicate"
    reason: str = ""


def split_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line's stripped text; blank lines give start == end."""
    pos = 0
    for raw in text.split("\n"):
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        yield pos + lead, pos + lead + len(body)
        pos += len(raw) + 1


def _key(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip().lower()


def classify_lines(text: str, markdown: bool = False) -> list[Line]:
    """Label every line of `text`: article content, the title, metadata, or boilerplate."""
    dominant = _dominant_script(text)
    spans = list(split_lines(text))
    kinds: list[str] = []
    reasons: list[str] = []
    for start, end in spans:
        line = text[start:end]
        if start == end:
            kinds.append("blank")
            reasons.append("")
            continue
        if is_date_line(line) or is_url_line(line) or _SOURCE_LINE.match(line):
            kinds.append("meta")
            reasons.append("metadata")
            continue
        reason = chrome_reason(line, dominant)
        if reason and (reason in _STRONG_REASONS or not is_prose(line)):
            kinds.append("boilerplate")
            reasons.append(reason)
            continue
        kinds.append("content")
        reasons.append("")

    content_idx = [i for i, k in enumerate(kinds) if k == "content"]
    prose_idx = [i for i in content_idx if is_prose(text[spans[i][0] : spans[i][1]])]
    first_prose = prose_idx[0] if prose_idx else len(spans)
    last_prose = prose_idx[-1] if prose_idx else -1

    # The title: the first heading-like content line above the first sentence of prose (a headline
    # can be long, but it does not end like a sentence).
    title_idx: int | None = None
    for i in content_idx:
        line = text[spans[i][0] : spans[i][1]]
        if is_prose(line) and line.rstrip().endswith((".", "!", "?", "”", '"')):
            break
        if markdown and _MD_HEADING.match(line):
            title_idx = i
            break
        n = len(_words(line))
        if 3 <= n <= 40 and len(line) <= 300 and not line.rstrip().endswith((".", ",", ";")):
            title_idx = i
            break
    if markdown and title_idx is None:
        for i in content_idx:
            if _MD_HEADING.match(text[spans[i][0] : spans[i][1]]):
                title_idx = i
                break

    # The article starts at its first sentence of prose below the title (a repeat of the headline
    # is not the article starting).
    title_key = _key(text[spans[title_idx][0] : spans[title_idx][1]]) if title_idx is not None else ""
    body_prose = [i for i in prose_idx if _key(text[spans[i][0] : spans[i][1]]) != title_key]
    first_prose = body_prose[0] if body_prose else len(spans)

    seen: set[str] = set()
    lines: list[Line] = []
    for i, (start, end) in enumerate(spans):
        line = text[start:end]
        kind, reason = kinds[i], reasons[i]
        if kind == "content":
            key = _key(line)
            n = len(_words(line))
            has_end = bool(_TERMINAL.search(line))
            if i == title_idx:
                kind = "title"
            elif len(key) >= 20 and key in seen:
                kind, reason = "duplicate", "repeats an earlier line"
            elif i < first_prose and n < 5 and not has_end:
                # Above the article: short labels, toggles and menus of the page around it.
                kind, reason = "boilerplate", "page header"
            elif i > last_prose and not has_end and n < 8:
                # Below the article: footer links, section names, "Top".
                kind, reason = "boilerplate", "page footer"
            seen.add(key)
        lines.append(Line(start, end, line, kind, reason))
    return lines


def _regions(lines: list[Line]) -> tuple[tuple[int, int], ...]:
    """Maximal runs of title/content lines (blank lines allowed inside, nothing dropped inside)."""
    regions: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for line in lines:
        if line.kind == "blank":
            continue
        if line.kind in ("title", "content"):
            cur = (cur[0], line.end) if cur else (line.start, line.end)
        else:
            if cur:
                regions.append(cur)
            cur = None
    if cur:
        regions.append(cur)
    return tuple(regions)


def _capitalised_words(name: str) -> int:
    return sum(1 for w in _words(name) if w[0].isupper())


def _preferred_spelling(name: str, text: str) -> str:
    """The document's own capitalised spelling of an outlet name found in a lower-cased label
    ("Arirang news https://..." when the article signs off "Arirang News.")."""
    best = name
    for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE):
        variant = m.group(0)
        if not variant.isupper() and _capitalised_words(variant) > _capitalised_words(best):
            best = variant
    return best


def analyse(source: str, text: str, sha256: str, encoding: str = "utf-8") -> Document:
    """Build a `Document` from decoded text: metadata, and the regions that hold the article."""
    markdown = source.lower().endswith(".md")
    lines = classify_lines(text, markdown=markdown)
    article = article_lines.select(lines)  # the span of the page that is the article
    title = None
    for line in lines:
        if line.kind == "title":
            title = _MD_HEADING.sub("", line.text).strip() if markdown else line.text.strip()
            break

    published = None
    url = None
    outlet = None
    for line in lines:
        if line.kind != "meta":
            continue
        if published is None and is_date_line(line.text):
            found = find_date(line.text)
            if found and not is_revision_date(line.text):
                published = found[0]
        if url is None:
            m = _URL.search(line.text)
            if m:
                url = m.group(0).rstrip(".,;")
    # Outlet: a "Source:" line first, then a copyright line, then a labelled link, then a footer.
    candidates: list[tuple[int, str]] = []
    for line in lines:
        if line.kind not in ("meta", "boilerplate"):
            continue
        name = outlet_from_line(line.text)
        if not name:
            continue
        if _SOURCE_LINE.match(line.text):
            rank = 0
        elif "©" in line.text or "copyright" in line.text.lower():
            rank = 1
        elif is_url_line(line.text):
            rank = 2
        else:
            rank = 3
        candidates.append((rank, name))
    if candidates:
        outlet = _preferred_spelling(min(candidates, key=lambda c: c[0])[1], text)

    return Document(
        source=source,
        text=text,
        sha256=sha256,
        title=title,
        published=published,
        outlet=outlet,
        url=url,
        encoding=encoding,
        regions=_regions(article),
    )


# --------------------------------------------------------------------------------------------------
# Files


def relative_source(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _utf8_name(name: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def list_files(root: Path, max_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """The article files under `root` (SUFFIXES), sorted; hidden files, symlinks that leave the folder,
    files over `max_bytes` and names that are not UTF-8 are skipped with a reason."""
    if not root.exists():
        raise CorpusError(f"Corpus folder {root} does not exist; create it or pass --seeds DIR.")
    if not root.is_dir():
        raise CorpusError(f"{root} is not a folder; pass the folder that holds the articles.")
    real_root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUFFIXES or path.is_dir():
            continue
        if not _utf8_name(rel.as_posix()):
            # Its name cannot be written into the index, a JSON answer or the chat; name it readably.
            shown = os.fsencode(rel.as_posix()).decode("utf-8", "backslashreplace")
            skipped.append(Skipped(shown, "has a file name that is not UTF-8; rename it to index it"))
            continue
        try:
            resolved = path.resolve()
            resolved.relative_to(real_root)
        except (ValueError, OSError):
            skipped.append(Skipped(rel.as_posix(), "is a link to a file outside the corpus folder"))
            continue
        if not path.is_file():
            skipped.append(Skipped(rel.as_posix(), "is not a regular file"))
            continue
        size = path.stat().st_size
        if size > max_bytes:
            reason = f"is {size:,} bytes, over the {max_bytes:,} limit (QA_MAX_FILE_BYTES raises it)"
            skipped.append(Skipped(rel.as_posix(), reason))
            continue
        files.append(path)
    return files, skipped


def read_document(path: Path, root: Path, raw: bytes | None = None) -> Document:
    """Read and analyse one file. Raises `CorpusError` (with the file named) if it cannot be used."""
    source = relative_source(path, root)
    if raw is None:
        raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{source}: the file is empty")
    if path.suffix.lower() in PDF_SUFFIXES:
        from qa.pdf_reader import read_pdf

        pdf: Document = read_pdf(source, raw, sha256_bytes(raw))
        return pdf
    try:
        text, encoding = decode(raw)
    except CorpusError as err:
        raise CorpusError(f"{source}: {err}") from None
    if not text.strip():  # a byte-order mark or UTF-16 white space only
        raise CorpusError(f"{source}: the file is empty")
    if path.suffix.lower() in HTML_SUFFIXES:
        from qa.html_reader import read_html

        document: Document = read_html(source, text, sha256_bytes(raw), encoding)
        return document
    return analyse(source, text, sha256_bytes(raw), encoding)
