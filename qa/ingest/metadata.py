"""Dates, datelines and outlet names in the lines of a page."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from qa.ingest.boilerplate import TERMINAL, URL, word_list

_MONTH_NAMES = [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june")]
_MONTH_NAMES += [("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october")]
_MONTH_NAMES += [("nov", "november"), ("dec", "december")]
MONTHS = {m: i for i, names in enumerate(_MONTH_NAMES, start=1) for m in names}
_MONTH_RE = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"),  # 2019-11-19T12:48Z
    # Day first with dots ("18.11.2019", as every country that writes dots does); with slashes only
    # when one of the two can only be the day ("21/06/2014", "11/19/2019"): "05/06/2019" is either.
    re.compile(r"(?<![\w.])(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d{2})(?!\d)"),
    # and with a year of two figures in a stamp, a time of day after it ("By Tess Bonn - 11/19/19 06:56 AM
    # EST", The Hill's): a new user's printed page had no date
    re.compile(r"(?<![\w./])(?P<a>\d{1,2})(?P<sep>/)(?P<b>\d{1,2})/(?P<yy>\d{2})(?=\s+\d{1,2}:\d{2}\b)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[년年]\s*(?P<m>\d{1,2})\s*[월月]\s*(?P<d>\d{1,2})\s*[일日]"),  # CJK
    re.compile(_MONTH_RE + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})\b", re.I),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<y>(?:19|20)\d{2})\b", re.I),
]
_DATE_LABEL = re.compile(
    r"^\W*(published|posted|updated|modified|date[d]?|source|by|written|first published|"
    r"created|release[d]?|issued|compiled by|reported by)\b",
    re.IGNORECASE,
)
SOURCE_LINE = re.compile(r"^\W*source\s*[:：]\s*(?P<rest>.+)$", re.IGNORECASE)


def _century(yy: int) -> int:
    """A year of two figures as POSIX reads it (`strptime`'s %y): 69-99 the 1900s, 00-68 the 2000s (a
    review's "12/15/98 06:56 AM" was dated 2098)."""
    return (1900 if yy >= 69 else 2000) + yy


def find_date(line: str) -> tuple[str, int, int] | None:
    """The first calendar date in `line` as (ISO date, start, end), or None. Invalid dates are not dates."""
    best: tuple[str, int, int] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(line):
            g = m.groupdict()
            if g.get("a"):
                a, b = int(g["a"]), int(g["b"])
                if g["sep"] == "/" and (a > 12) == (b > 12):
                    continue  # which is the month cannot be told
                g["d"], g["m"] = (g["b"], g["a"]) if g["sep"] == "/" and b > 12 else (g["a"], g["b"])
            month = int(g["m"]) if g.get("m") else MONTHS[g["mon"].lower().rstrip(".")]
            try:
                day = dt.date(int(g["y"]) if g.get("y") else _century(int(g["yy"])), month, int(g["d"]))
            except ValueError:
                continue
            if best is None or m.start() < best[1]:
                best = (day.isoformat(), m.start(), m.end())
            break
    return best


TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


_SEGMENTS = re.compile(r"\s[|·•]\s")


def labelled(line: str) -> bool:
    """Whether a date line says what its date is ("Published: ...", "Date: ..."): not a byline's or a
    comment's "By ..." / "Posted by ..."."""
    label = _DATE_LABEL.search(line)
    if not label or label.group(1).lower() == "by":
        return False
    return not line[label.end() :].lstrip(" :").lower().startswith("by ")


def is_date_line(line: str) -> bool:
    """A short line that states a date as a label ("Published on: ...", "date 2025-05-21").

    A sentence that merely contains a date ("By June 5, 2020, the two sides had met three times.")
    is not one: "by" directly before the date is the preposition, not a byline, and a line that goes
    on for several words after its date and ends like a sentence is prose.
    """
    parts = _SEGMENTS.split(line)
    if (
        len(parts) > 1
        and _DATE_LABEL.search(parts[0])
        and find_date(parts[0]) is not None
        and all(find_date(p) is not None or len(word_list(p)) <= 5 for p in parts[1:])  # "5 min read"
    ):
        # "Published Feb. 11, 2025 at 6:45 a.m. | Updated Feb. 12, 2025": its first part, labelled (an
        # exhibition's "29 November 2018 | 20 January 2019" is the article's)
        return is_date_line(parts[0])
    found = find_date(line)
    if found is None or len(word_list(line)) > 12:
        return False
    _, start, end = found
    rest = (line[:start] + " " + line[end:]).strip()
    rest_words = word_list(TIME_OF_DAY.sub(" ", rest))
    label = _DATE_LABEL.search(line)
    if label and label.group(1).lower() == "by" and not line[label.end() : start].strip():
        label = None
    if label and label.group(1).lower().endswith(" by"):  # "Reported by Reuters, the deal closed on ...":
        label = None  # a credit, dated only as a stamp (`stamp_date`: a few words besides), not a date line
    if _goes_on(line, end):
        return False
    if not line[:start].strip() and "年" in line[start:end] and not TERMINAL.search(line):
        return True  # "2024年11月18日　来源：云州日报": a Chinese or Japanese dateline, a source or time after it
    return bool(label) or len(rest_words) <= 2 or _named_before(line[:start], rest_words)


# An outlet's name, then the date after a comma or a dash: "Port Elsmore Gazette — March 20, 2024".
_DATE_WORDS = frozenset(MONTHS) | {d + "day" for d in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")}
_NAME_CHARS = 80  # longer is no name (and `_NAME_THEN_DATE` took 12 s over 20,000 spaces, a review found)
_OUTLET_WORD = re.compile(
    r"\b(?:Gazette|Times|News|Post|Herald|Tribune|Journal|Daily|Weekly|Press|Chronicle|Observer|Review|"
    r"Standard|Telegraph|Courier|Examiner|Dispatch|Bulletin|Register|Record|Sentinel|Globe|Star|Mail|"
    r"Express|Guardian|Independent|Reporter|Leader|Advertiser|Mercury|Gazzetta|Zeitung|Radio|TV)\b"
)
_NAME_THEN_DATE = re.compile(r"^\W*(?P<name>[^\W\d_].*?)\s*(?:,|\s[-–—|·•]|[–—|·•])\s*$")


def _named_before(before: str, rest_words: list[str]) -> bool:
    """Whether the words besides a line's date are an outlet's name before it (`_site_name`, with a word
    papers name themselves by; a new user's stories opened so, went undated and had the line cited); not
    any name: a timeline's "Apollo 11 Moon Landing — July 20, 1969" is article text (a review's)."""
    if len(before) > _NAME_CHARS or not _OUTLET_WORD.search(before):
        return False
    m = _NAME_THEN_DATE.match(before)
    if not m or len(word_list(m["name"])) != len(rest_words):  # nothing after the date, but a time
        return False
    words = m["name"].split()
    named = all(_SITE_WORD.match(w) or w in _SITE_JOINS for w in words[1:])  # "We met, ...": no name
    return named and _site_name(m["name"]) and not any(w.casefold().rstrip(".,") in _DATE_WORDS for w in words)


def _goes_on(line: str, end: int) -> bool:
    """Whether `line` ends like a sentence three words or more after its date (ending at `end`): prose
    that mentions a date ("By June 5, 2020, the two sides had met three times.")."""
    return bool(TERMINAL.search(line)) and len(word_list(TIME_OF_DAY.sub(" ", line[end:]))) >= 3


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def maybe_dateline(line: str) -> bool:
    """Whether dateparser should read `line`: short (in characters too: it took 14 s over a line of
    20,000 dashes and a date, a review found), with a year, no sentence end."""
    short = len(line) <= 200 and len(word_list(line)) <= 10
    return short and not TERMINAL.search(line) and bool(_YEAR.search(line))


# Absolute dates only ("Gestern 2024", "24 Hours 2024" are no dates), day before month where the
# figures alone cannot tell ("03.06.2024" is 3 June, as written outside the US).
_DATEPARSER = {"STRICT_PARSING": True, "PARSERS": ["absolute-time"], "DATE_ORDER": "DMY"}


@lru_cache(maxsize=4096)
def _parsed(line: str) -> dt.date | None:
    """dateparser's reading of a date line (once: the line's kind and the article's date both ask)."""
    import dateparser

    parsed = dateparser.parse(line, settings=_DATEPARSER)
    return parsed.date() if parsed else None


def is_dateline(line: str) -> bool:
    """A short line that is a date and nothing else, in any language dateparser reads ("sexta-feira,
    22 de outubro de 2010 às 20:13", "Mittwoch, 3. Juni 2020"), or a labelled date line. Only short
    lines with a year and no sentence end are given to dateparser (about 10 ms a call)."""
    return is_date_line(line) or (maybe_dateline(line) and _parsed(line) is not None)


NUMERIC_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}(?!\d)")


def dateline_date(line: str) -> str | None:
    """The date a date line states, as YYYY-MM-DD: an English one by the patterns above, another
    language's by dateparser ("12. Juni 2024", "27 de mayo de 2024"); None if `line` is none."""
    if is_date_line(line):
        found = find_date(line)
        return found[0] if found else None
    if NUMERIC_DATE.search(line):
        return None  # figures whose order `find_date` could not tell ("05/06/2019"): dateparser would guess
    parsed = _parsed(line) if maybe_dateline(line) else None
    return parsed.isoformat() if parsed else None


_REVISION_LABEL = re.compile(
    r"\b(updated?|modified|revised|edited|mis à jour|actuali[sz]ado|atualizado|aktualisiert|aggiornato|bijgewerkt)\b",
    re.IGNORECASE,
)


def is_revision_date(line: str) -> bool:
    """A date line whose first date is when the page changed ("Updated: ...", "Last modified ...")."""
    found = find_date(line)
    return found is not None and bool(_REVISION_LABEL.search(line[: found[1]]))


# What a date stamp holds besides its dates and times: a weekday, "am", a time zone ("EST", "PT", "UTC").
_STAMP_WORDS = 6
_CLOCK_WORDS = re.compile(
    r"^(?:(?i:[ap]m|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)|[A-Z]{1,4}T|UTC|Z)$"
)


# A weekday just before the date, after a dash, bar or comma or at the line's start: a stamp's ("Callum
# Reid, Sports Correspondent — Friday 6 June 2025"), where a caption says "on Friday 6 June 2025".
_WEEKDAY = r"(?i:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*"
_WEEKDAY_AFTER_MARK = re.compile(rf"[-–—|·•,]\W{{0,4}}{_WEEKDAY}$")
_WEEKDAY_FIRST = re.compile(rf"\W{{0,4}}{_WEEKDAY}")
_BY_AFTER = re.compile(r"\s*[-–—|,]?\s*(?i:by)\s+[A-Z]")  # a byline after a date stamp


def _weekday_before(prefix: str) -> bool:
    """Whether `prefix` (a line up to its date) ends on a weekday after a mark or is one (read from
    its last 40 characters: a line of 20,000 dashes took 16 s, a review found)."""
    return bool(_WEEKDAY_AFTER_MARK.search(prefix[-40:]) or _WEEKDAY_FIRST.fullmatch(prefix))


def opens_byline(line: str, found: tuple[str, int, int]) -> bool:
    """Whether the date `found` in `line` opens it and a byline follows: "11/19/2019 by Lars Brandle"."""
    return not line[: found[1]].strip(" *_") and bool(_BY_AFTER.match(line[found[2] :]))


def stamp_date(line: str) -> str | None:
    """The first date of a line that is a byline's date stamp in another form than a date line: with
    a time of day or a date label, and at most a few other words ("Chris Davies - Nov 19, 2019, 10:31
    pm CST", "By Jason Cipriani | November 18, 2019 -- 19:14 GMT | Topic: Hardware", "PUBLISHED WED,
    NOV 20 2019•4:29 AM EST"). A date with a name or a few words and neither is a caption or a
    headline ("Boris Johnson on November 9, 2019"), one that goes on like a sentence after it prose."""
    found = find_date(line)
    if found is None or _goes_on(line, found[2]):
        return None
    labelled = TIME_OF_DAY.search(line) or _DATE_LABEL.search(line) or opens_byline(line, found)
    if not (labelled or _weekday_before(line[: found[1]])):
        return None
    rest = line
    for pattern in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    words = [w for w in word_list(TIME_OF_DAY.sub(" ", rest)) if not _CLOCK_WORDS.match(w)]
    return found[0] if len(words) <= _STAMP_WORDS else None


def is_url_line(line: str) -> bool:
    """A line that is a link, optionally with a short label ("Arirang news https://...")."""
    m = URL.search(line)
    if not m:
        return False
    rest = line[: m.start()] + " " + line[m.end() :]
    return len(word_list(rest)) <= 6


# "All rights reserved" as footers say it in the languages of the news pages qa reads most.
_RIGHTS_RESERVED = (
    r"\b(?:all rights reserved|todos os direitos reservados|todos los derechos reservados|"
    r"tous droits réservés|alle rechte vorbehalten|tutti i diritti riservati).*$"  # "reservedNot ...": a
)  # printed page's footer glued to the next link


_RESERVATION = re.compile(
    r"(?:\s+unless otherwise (?:noted|stated|indicated)|,?\s+(?:or|and) its (?:affiliat|subsidiar)).*$"
)
_FORM_TAIL = re.compile(r"\b(Inc|LLC|Ltd|Corp|GmbH|plc)\.\s+[a-z].*$")  # the company's form, then words
_CAPS_RUN = re.compile(r"(?:\s+[A-Z]{2,}){2,}$")  # "... DONATE SUBSCRIBE", "... SAN FRANCISCO CHRONICLE"
_VENDOR = re.compile(r"(?:^|[\s,|–—-]+)(?i:(?:web ?)?(?:site )?(?:designed|powered|built|hosted|developed) by)\b.*$")


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\(.*?\)|\bwww\.\S+", " ", name)
    name = name.split(" | ")[0]  # "Los Angeles Times | Terms of Service | Privacy Policy": footer links
    name = re.sub(_RIGHTS_RESERVED, " ", name, flags=re.IGNORECASE)
    name = re.sub(r"^(?:\s*(?:©|\(c\)|copyright\b))+", "", name.strip(), flags=re.IGNORECASE)  # "© Copyright X"
    name = re.sub(r"^\W*(?:\d{4}(?:\s*[-–—]\s*\d{4})?\W+)?|[\s.,;:|–—-]+$", "", name.strip())  # "© 2005-2019 X"
    # The name ends at a year after it: "Copyright Gannett 2018", "© Phys.org 2003 - 2019 powered by ...",
    # and at the web vendor's credit: "© 2019 KWCH - Powered by Frankly"; "© 2019 - Designed by Gray
    # Digital Media" names the vendor alone.
    name = re.sub(r"[\s,]+(?:19|20)\d\d\b.*$", "", name)
    name = _VENDOR.sub("", name)
    # Not what the line goes on: a quoted sentence ('Express Newspapers. "Daily Express" is ...'), a reservation
    # ("... or its affiliates"), words after "Inc.", a printed menu in capitals ("National Review DONATE").
    name = re.sub(r"(?<=[a-z]{3})\.\s+[\"“‘].*$", "", name)  # (not "Warner Bros. Discovery", "Mass. Dept.")
    name = _FORM_TAIL.sub(r"\1", _RESERVATION.sub("", name))
    if re.search(r"[a-z]", name) and (caps := _CAPS_RUN.search(name)) and re.search(r"[A-Z]{4}", caps[0]):
        name = name[: caps.start()]
    name = re.sub(r"\s+", " ", name).strip(" .,;:-–—")
    words = word_list(name)
    if not words or len(words) > 8 or not any(ch.isupper() for ch in name):
        return None
    return name


# Words that make a copyright line a credit for a picture, not the page's own footer.
_CREDIT = re.compile(r"\b(?:image|photo|photograph|picture|pic|credit|illustration|video|graphic)s?\b", re.IGNORECASE)


def _names_host(label: str, url: str) -> bool:
    """Whether `label` (squeezed, accents folded, a leading article dropped) starts with the host's own
    name (before its public suffix) or is its start: "BBC News" bbc.co.uk, "El País" elpais.com, "Sky
    News" news.sky.com; not "Video" video.foxnews.com."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", label.casefold()) if not unicodedata.combining(c))
    squeezed = re.sub(r"[^a-z0-9]", "", folded)
    article = re.match(r"(?:the|le|la|les|el|il|lo|die|der|das|de)\s+", folded)
    names = {squeezed, re.sub(r"[^a-z0-9]", "", folded[article.end() :]) if article else squeezed}
    host = re.sub(r"^[a-z]+://", "", url.casefold()).split("/")[0].split(":")[0]
    parts = [p for p in host.split(".") if p][:-1]  # without the top-level domain
    if len(parts) > 1 and parts[-1] in ("co", "com", "org", "net", "gov", "edu", "ac", "ne", "or", "go"):
        parts = parts[:-1]  # "co.uk", "com.tr"
    own = re.sub(r"[^a-z0-9]", "", parts[-1]) if parts else ""
    return len(own) >= 2 and any(len(n) >= 3 and (n.startswith(own) or own.startswith(n)) for n in names)


def is_dated_copyright(line: str) -> bool:
    """A copyright line with a year or "all rights reserved": the page's own footer, more likely
    than a bare "© Name" (which is often a picture's credit)."""
    return bool(re.search(r"\b(?:19|20)\d\d\b", line) or re.search(_RIGHTS_RESERVED, line, re.IGNORECASE))


def outlet_from_line(line: str) -> str | None:
    """The outlet a metadata or footer line names, if it names one."""
    m = SOURCE_LINE.match(line)
    if m:
        rest = m.group("rest")
        found = find_date(rest)
        if found:
            rest = rest[: found[1]]
        rest = URL.sub(" ", rest)
        return _clean_name(rest)
    if "©" in line or re.search(r"\bcopyright\b", line, re.IGNORECASE):
        before, rest = re.split(r"©|\bcopyright\b", line, maxsplit=1, flags=re.IGNORECASE)
        if _CREDIT.search(before) or re.sub(r"^\s*\(c\)", "", before, flags=re.IGNORECASE).strip().startswith("("):
            return None  # a picture's credit ("(Image: © NASA/ESA)", "Image copyright Getty Images")
        return _clean_name(rest)
    if is_url_line(line):
        # "BBC News – https://bbc.co.uk" names its site; "Link to KLOOK website – https://...", "Read
        # More https://..." do not: the label is the outlet when it reads as the address's site's name.
        m = URL.search(line)
        label = _clean_name(URL.sub(" ", line)) if word_list(URL.sub(" ", line)) else None
        return label if m and label and _site_name(label) and _names_host(label, m.group(0)) else None
    # A footer prompt such as "... connect with the Korea JoongAng Daily".
    m = re.search(r"(?:^|\b(?:connect|follow|join)\s+)with\s+the\s+(?P<name>[A-Z][^.!?]{2,60})$", line.strip())
    if m:
        return _clean_name(m.group("name"))
    return None


_SITE_SUFFIX = re.compile(r"^(.*\S)\s+[-–—|·]\s+([^-–—|·:]{2,60})$")
# A site's name: up to six capitalised words, figures or brands with one ("9to5Mac", "my6sense"),
# English, French or German function words between, and at most one other lower-case word ("The Westbrook
# Gazette", "BBC News", "Kabar tentang Dunia Islam", "Moneycontrol.com"), not a subtitle ("Anastassiades'
# light installation for FLOS").
_SITE_WORD = re.compile(r"^(?:[A-Z0-9]|[a-z]+\d)[\w.&'’]*$")
_SITE_JOINS = frozenset(("of", "the", "and", "for", "on", "in", "de", "la", "le", "die", "der", "&"))
# How far into a printed page's text its headline is looked for (under the print header, a menu).
_HEADLINE_REACH = 3000


def headline_and_site(
    title: str | None, headline: str | None, outlet: str | None, text: str = ""
) -> tuple[str | None, str | None]:
    """A page's <title> "<headline> - <site>" (what a browser prints into a PDF) as the headline and
    the site's name (the outlet, if there is none yet); otherwise as it is. The headline line was then
    neither the title nor article text, and was highlighted as the answer. It is one when the text's
    own headline (`headline`) is the part before the dash, or the text prints that part near its top;
    the rest is a site's name only if it reads as one and the text does not go on with it after the
    headline (a subtitle, "Climate Change 2023 - Synthesis Report", or a headline wrapped before its
    dash; a one-page print's header repeats the whole title above the headline)."""
    site = _SITE_SUFFIX.match(title or "")
    if not site or not _site_name(name := site.group(2).strip()):
        return title, outlet
    head, top = site.group(1), text[:_HEADLINE_REACH]
    # Where the text prints it as a line of its own (perhaps wrapped), and what follows that line.
    line = re.compile(r"(?:^|\n)[ \t]*" + r"\s+".join(map(re.escape, head.split())) + r"[ \t]*(?=\n|$)", re.I)
    after = [" ".join(top[m.end() : m.end() + len(name) + 8].split()).casefold() for m in line.finditer(top)]
    if headline and head.casefold() == headline.casefold() and not after:
        after = [""]  # the text's own headline (read from lines the text joins otherwise)
    if not after or any(a.startswith(name.casefold()) for a in after):
        return title, outlet  # not printed, or printed going on with it: a subtitle ("- Synthesis Report")
    # A site names itself elsewhere on the page too (its logo, a footer, a copyright line); a section
    # ("| Opinion") may as well, a subtitle or a date ("- 12 March 2019") not.
    if find_date(name) or _YEAR.search(name) or not _named_elsewhere(name, head, text):
        return title, outlet
    return headline if headline and head.casefold() == headline.casefold() else head, outlet or name


def _named_elsewhere(name: str, head: str, text: str) -> bool:
    """Whether a line of `text` other than one holding the headline `head` names `name`."""
    said, named = " ".join(head.split()).casefold(), name.casefold()
    return any(named in ln.casefold() and said not in " ".join(ln.split()).casefold() for ln in text.splitlines())


def _site_name(name: str) -> bool:
    """Whether `name` reads as a site's name (`_SITE_WORD`, `_SITE_JOINS`)."""
    words = name.split()
    others = [w for w in words[1:] if not _SITE_WORD.match(w) and w not in _SITE_JOINS]
    return 0 < len(words) <= 6 and bool(_SITE_WORD.match(words[0])) and len(others) <= 1
