"""Bylines: who wrote an article, and for which outlet, from a line such as "By Dana Whitfield,
Millbrook Gazette" (qa/ingest/lines.py marks such lines as the page's, not the article's text;
qa/ingest/analyse.py takes the author and outlet)."""

from __future__ import annotations

import re

from qa.ingest.boilerplate import english_stop_words, word_list
from qa.ingest.metadata import MONTHS, NUMERIC_DATE, TIME_OF_DAY, find_date, opens_byline

# "By Dana Whitfield, Millbrook Gazette", "Von Katrin Vogel, Thüringer Landbote", "Por Lucía Ferrándiz":
# a byline's label in the languages of the news qa reads most, two to four capitalised names, and
# perhaps the outlet after a comma, a bar or a dash.
_NAME_WORD = r"[^\W\d_][\w.'’-]*"
_FULL_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}"
_BYLINE = re.compile(  # two authors too ("By Callum Reid and Priya Sandhu"), each of two words or more
    rf"^(?i:by|von|por|par)\s+(?P<name>{_FULL_NAME}(?:\s+(?:and|und|y|et|&)\s+{_FULL_NAME})?)"
    rf"(?:\s*(?:,|\||–|—|\s-)\s*(?P<outlet>[^\W\d_][^,|]{{1,60}}))?$"
)


# What may follow a byline's name: a date stamp ("- 11/18/19 11:04 PM EST", "· Monday 2 September 2024
# · 22 minute read"), an e-mail address, a publishing label ("publiziert am ..."). Only such a tail is
# cut: "By Christmas Eve, 12 people had died" stays a sentence.
_BYLINE_CONTACT = re.compile(r"\s+\S+@\S+.*$|\s+(?i:published|posted|publiziert|veröffentlicht|publicado|publié)\b.*$")
_BYLINE_STAMP = re.compile(r"\s*[-–—|,•·]\s*(?=\d)(?P<stamp>.*)$")
# ... or a weekday or a month, a whole word, with the date right after it, only after a dash, a bar or
# a dot ("· Monday 2 September 2024"; not "- Sunday Times, 4 March 2024", nor "Digby, Monday": a name).
_BYLINE_DAY = re.compile(r"(?:\s*[–—|•·]|\s+-)\s*(?P<stamp>(?P<word>[A-Za-z]{3,9})\b.*)$")
_WEEKDAYS = {d + "day" for d in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")}
_WEEKDAYS |= {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
_DAY_OR_MONTH = frozenset(_WEEKDAYS | MONTHS.keys())


def _byline_head(line: str) -> str:
    """`line` without a byline's tail (`_BYLINE_CONTACT`, or a stamp that holds a date or a time)."""
    line = _BYLINE_CONTACT.sub("", line)
    m = _BYLINE_STAMP.search(line)
    if m and (find_date(m["stamp"]) or TIME_OF_DAY.search(m["stamp"]) or NUMERIC_DATE.match(m["stamp"])):
        return line[: m.start()]
    for m in _BYLINE_DAY.finditer(line):
        word, found = m["word"], find_date(m["stamp"])
        if word.casefold() in _DAY_OR_MONTH and found and found[1] <= len(word) + 2:
            return line[: m.start()]
    return line


# A desk's logo run into the name's last word, as a page's text gives it ("By Jonathan GarberFOXBusiness",
# a new user's Fox Business page): four capitals or more after a lower-case letter, then lower case
# again (not "DeArdo", "McDONALD", nor a review's "VanIJzendoorn" or "VanDEWalle").
_GLUED = re.compile(r"(?<=[a-z]{2})[A-Z]{4,}[a-z]\w*$")
_PART_OF_DAY = re.compile(r"(?i:day)\s+(?i:night|morning|evening|afternoon)\b")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")
_AUTHORS_JOIN = re.compile(r"\s+(?:and|und|y|et|&)\s+")
BYLINE_CHARS = 300  # longer is no byline (longest seen: 108); the tails above took 23 s on 20,000 spaces

def byline(line: str) -> tuple[str, str | None] | None:
    """(author, outlet or None) of a byline ("By Dana Whitfield, Millbrook Gazette"), or None. Its date
    stamp, contact or publishing label is no part of it ("By Justine Coleman - 11/18/19 11:04 PM EST",
    "By Megan Rowe meganr@spokesman.com", "Von Moritz Bachmann publiziert am 25. September 2018")."""
    if len(line) > BYLINE_CHARS:
        return None
    # Markdown emphasis around it or its parts: "*By ...*", "*By Hannah Okafor* — Thursday 6 March 2025";
    # the date stamp before it: "11/19/2019 by Lars Brandle" (a new user's printed Billboard page)
    head = _EMPHASIS.sub("", line).strip()
    if (found := find_date(head)) and opens_byline(head, found):
        head = head[found[2] :].strip(" -–—|,")
    m = _BYLINE.match(_byline_head(head))
    if not m or line.rstrip().endswith(("?", "!")):
        return None
    name, outlet = _GLUED.sub("", m.group("name")), m.group("outlet")
    words = name.split()
    if len(names := _AUTHORS_JOIN.split(name)) == 2:  # two authors of two words or more each, and no
        words = [w for n in names for w in n.split()] if all(len(n.split()) >= 2 for n in names) else []
        if _PART_OF_DAY.search(name):  # "Friday Night" ("By Sunday Okafor and Ada Obi" are two authors)
            words = []
    if not words:
        return None  # "By Land and Sea", "By Friday Night and Saturday Morning": headings
    if not all(w[0].isupper() for w in words) or (outlet and not outlet[0].isupper()):
        return None
    if any(w.casefold() in english_stop_words() for w in words):
        return None  # a heading in title case: "By The Numbers", "Par For The Course"
    if outlet:
        outlet = outlet.strip().rstrip(" .,;:|-–—")  # "Elsmore Weekly — published ...": the dash too
        media, _, site = outlet.rpartition(" for ")
        if media and "." in site and " " not in site:
            outlet = site  # "NJ Advance Media for NJ.com" (not "Center for Public Integrity")
        if _ROLE.search(outlet) or any(ch.isdigit() for ch in outlet) or len(word_list(outlet)) > 6:
            outlet = None  # "Staff Writer", "Business Columnist", a time stamp: no outlet
    return name, outlet or None


def named_pair(line: str) -> str | None:
    """Two authors on a line of their own ("Hannah Okafor and Tom Lindqvist" under a headline): a
    byline without its "By", by the checks of `byline`, two names of two words or more and nothing
    else. One name alone is not read so: it is too like a section label ("Print Edition")."""
    text = line.strip()
    if len(text) > BYLINE_CHARS:  # (the split below backtracks over a long run of spaces)
        return None
    by = byline(f"By {text}") if len(_AUTHORS_JOIN.split(text)) == 2 else None
    return by[0] if by and by[1] is None and by[0] == text else None


_ROLE = re.compile(
    r"\b(?:staff|writer|reporter|correspondent|editor|contributor|columnist|author|journalist|desk|"
    r"redakteur\w*|korrespondent\w*|periodista|redactor\w*|corresponsal|journaliste|rédact\w*)\b",
    re.IGNORECASE,
)


# What a page's author field says after the name: a publishing label or the first word of the
# page's date run into it ("JERUSALEM POST STAFF NOVEMBER", "Carrie Arnold November", "Detroit News
# wire services Published"), as trafilatura reads some pages' bylines.
_AUTHOR_LABEL = re.compile(r"\s+(?i:published|updated|posted)$")
_LAST_WORD = re.compile(r"\s+(\w+)$")


def page_author(value: str | None, published: str | None = None, site: tuple[str | None, ...] = ()) -> str | None:
    """A saved page's author field as a reader would write it: without the month of the page's own
    date (`published`, YYYY-MM-DD) or a publishing label after the name ("Fredric March" on a
    page of November stays), and without a part after the first that is only a role ("Tom Krisher;
    Ap Auto Writer": the first part is kept whatever it says, "Kim Min-ji reporter; Lee Ji-eun"), or
    that names no person (`_names_no_one`: "Jill Disis; CNN Business" on a CNN page, `site` being the
    names the page goes by: its outlet, site name, host)."""
    if not value or len(value) > BYLINE_CHARS:
        return value or None
    own = {w for name in site if name for w in _NAME_WORDS.findall(name.casefold())} - english_stop_words()
    month = int(published[5:7]) if isinstance(published, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", published) else None
    parts: list[str] = []
    for part in value.split(";"):
        last = _LAST_WORD.search(part.strip())
        if last and month is not None and len(last[1]) > 3 and MONTHS.get(last[1].casefold()) == month:
            part = part.strip()[: last.start()]  # "Carrie Arnold November", then "... Updated"
        part = _AUTHOR_LABEL.sub("", part.strip()).strip()
        if part and not (parts and (_ROLE_ONLY.search(part) or _HOST_AS_WORDS.match(part) or _names_no_one(part, own))):
            parts.append(part)
    # One person named twice ("Troy Smith; Troy L Smith", a new user's Cleveland page): the fuller name.
    words = [_NAME_WORDS.findall(p.casefold()) for p in parts]
    parts = [p for i, p in enumerate(parts) if not any(_within(words, i, j) for j in range(len(parts)))]
    return "; ".join(parts) or None


def _names_no_one(part: str, site_words: set[str]) -> bool:
    """Whether a part of an author field after the first names no person: one word (an outlet, "CNN";
    a credential, "RDN"; a login, "Kevin-R": a byline names a person in two words or more), or words
    opening with one of the page's own names' ("CNN Business", "Business Insider", "NJ Advance Media"
    on NJ.com; new users' CNN, Business Insider and Real Deal pages)."""
    words = part.split()
    return len(words) < 2 or (_NAME_WORDS.findall(words[0].casefold()) or [""])[0] in site_words


def _within(words: list[list[str]], i: int, j: int) -> bool:
    """Whether part i's name is part j's with words left out, in order ("Troy Smith" in "Troy L Smith";
    the same name: j comes first). Not "Kim Lee" in "Lee Kim", nor "John Smith" in "John Smith Jr"."""
    a, b = words[i], words[j]
    if i == j or len(a) > len(b) or (len(a) == len(b) and (a != b or j > i)) or _SUFFIX.intersection(set(b) - set(a)):
        return False
    rest = iter(b)
    return all(w in rest for w in a)


_SUFFIX = frozenset(("jr", "sr", "ii", "iii", "iv"))


_NAME_WORDS = re.compile(r"[^\W\d_]+")
_HOST_AS_WORDS = re.compile(r"^[A-Za-z0-9-]+\s(?i:com|org|net)$")  # "Cleveland com": the site, its dot gone


# A part of an author field that names a role, not a person: a few words ending in the role.
_ROLE_ONLY = re.compile(
    r"^(?:\S+\s+){0,3}(?i:writer|reporter|correspondent|editor|contributor|columnist|journalist)$"
)
