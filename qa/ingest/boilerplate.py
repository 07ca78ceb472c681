"""Site chrome by the shape of its lines: general rules about web-page text (short navigation lines,
log-in and social prompts, copyright lines, lines in another script), not a list of phrases from
particular sites."""

from __future__ import annotations

import re
from functools import lru_cache

from qa.ingest.scripts import foreign_script
from qa.stories import CJK, CJK_LETTER

WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)
URL = re.compile(r"\bhttps?://[^\s<>\"'）)\]]+", re.IGNORECASE)
# Emoji and pictographs a line may end on after its last sentence ("... on KLOOK! 🙂", "below~⬇️"):
# the sentence still ends there. (Not arrows or shapes such as "↗", "▶": those end a link's label.)
_SYMBOLS = "\u2600-\u27bf\u2b00-\u2bff\u20e3\u200d\ufe0e\ufe0f\U0001f000-\U0001faff\U000e0020-\U000e007f"
TERMINAL = re.compile(rf"(?:[.!?…。！？][\"”’')\]」』）]*|[\"”」』])[\s{_SYMBOLS}]*$")
# ... and hashtags ("All opinions are mine alone. #HealthyHydration #ad", a disclosure taken for a title).
TRAILING_SYMBOLS = re.compile(rf"(?:[\s{_SYMBOLS}]|#[^\W_][\w-]*)+$")

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
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
# A pointer to another page set into the article: a label of a few chrome words and a colon before a
# headline ("SEE MORE: ...", "Read also: ...", "RELATED: ..."). A label of other words ("UPDATE:",
# "WASHINGTON:") is the article's own.
_POINTER = re.compile(r"^\W*((?:[^\W\d_]+\s+){0,2}[^\W\d_]+)\s*[:：|»›]\s*\S")
# A photo's credit as "Name Surname/Outlet"; a picture's file name; a pointer past an insert; a
# shopping site's affiliate disclosure.
_NAME_SLASH_OUTLET = re.compile(r"^[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}\s*/\s*[A-Z][\w.&'’ -]{1,40}$")
_IMAGE_FILE = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp|svg|avif|bmp|tiff?)$", re.IGNORECASE)
_CONTINUES = re.compile(r"\b(?:story|article|text|reading)\s+continues\s+(?:below|after|under)\b", re.IGNORECASE)
_DISCLOSURE = re.compile(
    r"\b(?:may|might|could)\s+(?:earn|receive|get)\s+(?:an?\s+)?(?:small\s+)?(?:affiliate\s+)?"
    r"(?:commission|share of sales|compensation)\b",
    re.IGNORECASE,
)
# ... that speaks of this page or its links: "the recalled products may receive compensation" is news.
_SHOPPING = re.compile(
    r"\b(?:this (?:page|article|site|post|story)|our (?:site|links?|partners?)"
    r"|(?:through|via|from) (?:our |these )?links?)\b",
    re.IGNORECASE,
)
# What a news site asks of its reader, inside or below the article: a metered paywall's count, a call
# for support, a call for tips or pictures; and a wire story's own credits ("Reporting by ...;
# Editing by ..."), which name no one the story is about.
_READER_ASK = re.compile(
    r"\b(?:you(?:'|’)ve|you have) (?:read|reached|used) (?:\d+|all) of (?:your |the )?(?:\d+ )?free\b"
    r"|\bfree (?:articles?|stories) (?:left|remaining)\b"
    r"|\b(?:needs?|relies on) your (?:support|subscription)\b|\bsupport (?:local|independent|quality) journalism\b"
    r"|\b(?:do you have|have you got|got) a (?:story|tip|news tip|picture|photo)\b"
    r"|\bsend (?:us|in) your (?:photos|pictures|videos|stories|story|tips?)\b"
    r"|\b(?:e-?mail|whatsapp|message|contact) us (?:at|on)\b",
    re.IGNORECASE,
)
_YOU = re.compile(r"\byou(?:r|'|’|\b)", re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”«»„]")
_WIRE_CREDIT = re.compile(
    r"^\W*(?:additional )?(?:reporting|writing|editing|edited|compiled|produced) by\b|^\W*news provided by\b",
    re.IGNORECASE,
)
# A reporter's contact lines below the story ("Amy Kuperinsky may be reached at ak@example.com. Follow
# her on Twitter @AmyKup or on Facebook."), and a list of other pages' links under its own heading
# ("You may also like...", "Recommended for you"), without the colon `_POINTER` looks for.
_AUTHOR_CONTACT = re.compile(
    r"(?:^|[.?!]\s)\W?follow (?:him|her|them|me|us) (?:on (?:twitter|facebook|instagram|x|bluesky|threads|"
    r"linkedin)\b|@\w)|\bfollow (?:him|her|them|me) (?:on \w+ )?@\w",
    re.IGNORECASE,
)
# ... and "... can be reached at <address>" where the address (or a phone number after it) ends the
# sentence: "Prosecutors said Smith can be reached at s@law.com by victims ..." and "... at x@y.org, the
# notes said" report (a reviewer's: requiring a name at the sentence's start lost "The reporter can be
# reached at ...", "Staff writer Jane Doe ...", "Émile Dupont ...").
_REACHED_AT = re.compile(
    r"\b(?:may|can) be reached (?:by e-?mail )?at [\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"(?:\s+or\s+(?:at\s+)?\+?[\d(][\d\s().-]{5,20}\d)?(?:\.?\s*$|\.\s+(?=[^\W\d_]))",
    re.IGNORECASE,
)
_MORE_LINKS = re.compile(
    r"^\W*(?:you (?:may|might|will) also (?:like|enjoy|be interested in)|recommended for you|more (?:stories|news|"
    r"articles) (?:for you|like this)|related (?:stories|articles|coverage|reading))\W*$",
    re.IGNORECASE,
)
_POINTER_WORDS = _UI_WORDS | {"see", "also", "watch", "recommended", "editor's", "editors", "picks", "must"}
_POINTING = frozenset(["see", "read", "watch", "listen", "related", "more", "also", "recommended", "trending"])


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """English function words (bm25s's list, case-folded): what neither a headline's naming words nor
    a follow-up's carried words count."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(w.casefold() for w in STOPWORDS_EN_PLUS)


_CJK_PIECE = re.compile(f"[{CJK}]{{1,2}}|[^{CJK}]+")


def word_list(line: str) -> list[str]:
    """The words of a line. Chinese and Japanese put no spaces between words: a run of their letters
    counts one word per two characters, as `running_text` counts them (a paragraph of Chinese was
    three "words", so no line of a Chinese or Japanese text read as prose and the file was skipped)."""
    words = WORD.findall(line)
    if not CJK_LETTER.search(line):
        return words
    return [piece for w in words for piece in (_CJK_PIECE.findall(w) if CJK_LETTER.search(w) else (w,))]


def is_prose(line: str) -> bool:
    """A line that reads as article text: a real sentence, not a label or a menu."""
    n = len(word_list(line))
    return n >= 15 or (n >= 8 and bool(TERMINAL.search(line)))


_SENTENCE_END = re.compile(r"[.!?…:;。！？][\"'”’)\]」』）】]*$")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def running_text(sentence: str) -> bool:
    """Whether a sentence reads as running text, the kind that answers a question, rather than a
    heading, a caption label, a list item or a link line: at least six words and sentence-final
    punctuation, or a long line whatever its end. Chinese and Japanese characters, written without
    spaces, count two to a word."""
    from qa.stories import CJK

    n = len(_TOKEN.findall(sentence)) + len(re.findall(f"[{CJK}]", sentence)) // 2
    return n >= 14 or (
        n >= 6 and bool(_SENTENCE_END.search(sentence.rstrip())) and not sentence.lstrip().startswith(("*", "•"))
    )


# Reasons that hold even for a line that reads like a sentence ("You must be logged in to ...").
STRONG_REASONS = frozenset(
    {"copyright", "account prompt", "social prompt", "consent notice", "disclosure", "reader prompt"}
)


def sentence_like(line: str, n: int) -> bool:
    """A line of a few words that ends like a sentence: it may be news ("Officials said users must
    register their phones."), so chrome words alone do not make it chrome."""
    return n >= 4 and bool(TERMINAL.search(line))


def addresses_reader(line: str) -> bool:
    return bool(_READER_ADDRESS.search(line) or _IMPERATIVE_START.search(line))


def _asks_reader(line: str, sentence: bool) -> bool:
    """A site's own words to its reader, or a wire story's credits; not news that quotes or reports
    such words ("'Email us at ...,' the scam message read", "Reporting by the BBC found ...")."""
    if _QUOTE_MARK.search(line):
        return False
    if _WIRE_CREDIT.match(line):
        return not TERMINAL.search(line) or ";" in line  # "Reporting by X in Y; Editing by Z"
    if not _READER_ASK.search(line):
        return False
    # A sentence must speak to the reader ("you"); "Residents were told to contact us at ..." reports.
    return bool(_YOU.search(line)) if sentence else bool(_READER_ADDRESS.search(line))


def _contact(line: str) -> bool:
    """A reporter's contact line: an address to reach them at, with no quotation in the line, or an
    account to follow, outside any quotation (a bio's book title before it: "Mike Wall's book ...,
    "Out There" ..., is out now. Follow him on Twitter @michaeldwall."; but a quotation opened before
    it is a source speaking, closed in a later paragraph as news style does: "“He was everywhere
    online ... Follow him on Twitter and you saw ...")."""
    follow = _AUTHOR_CONTACT.search(line)
    if follow and not _QUOTE_MARK.search(line, follow.start()):
        before = line[: follow.start()]
        if not _QUOTE_MARK.search(before):
            return True
        # after a quotation: a bio names the account ("... @michaeldwall"), news quoting someone does not
        if not _open_quotation(before) and _HANDLE.search(line, follow.start()):
            return True
    return bool(_REACHED_AT.search(line)) and not _QUOTE_MARK.search(line)


def _open_quotation(text: str) -> bool:
    """Whether `text` leaves a quotation open: more opening quotes than closing ones (German „ opens
    and “ closes; English “ opens and ” closes), or an odd number of straight double quotes."""
    if "„" in text:
        opened, closed = text.count("„") + text.count("«"), text.count("“") + text.count("”") + text.count("»")
    else:
        opened, closed = text.count("“") + text.count("«"), text.count("”") + text.count("»")
    return opened > closed or text.count('"') % 2 == 1


_HANDLE = re.compile(r"@\w")


def chrome_reason(line: str, dominant: str = "LATIN") -> str | None:
    """Why `line` is site chrome wherever it appears, or None. Long prose lines are never chrome."""
    words = word_list(line)
    n = len(words)
    if n == 0:
        # Only symbols or digits: separators, counters, "***".
        return "no words"
    sentence = sentence_like(line, n)
    if n <= 25 and (_COPYRIGHT_NOTICE.search(line) or (_COPYRIGHT.search(line) and not sentence)):
        return "copyright"
    if _ACCOUNT_PROMPT.search(line) and n <= 15 and (not sentence or addresses_reader(line)):
        return "account prompt"
    if _SOCIAL_PROMPT.search(line) and n <= 8 and (not sentence or addresses_reader(line)):
        return "social prompt"
    if _CONSENT.search(line) and n <= 40 and _READER_ADDRESS.search(line):
        return "consent notice"
    if re.search(r"\bcomments?\b", line, re.IGNORECASE) and n <= 3:
        return "comments"
    if all(w.lower() in _UI_WORDS for w in words) and n <= 6:
        return "navigation"
    if len(_BREADCRUMB.findall(line)) >= 1 and n <= 8 and not TERMINAL.search(line):
        return "breadcrumb"
    stripped = line.strip()
    if " " not in stripped and re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", stripped):
        return "identifier"
    if n <= 8 and foreign_script(line, dominant):
        return "other script"
    if n <= 10 and (_CREDIT.search(line) or _NAME_SLASH_OUTLET.match(stripped)) and not TERMINAL.search(line):
        return "credit"  # "Photo by ...", "Jason Cipriani/ZDNet"
    if _IMAGE_FILE.match(stripped):
        return "image file name"  # "airpods-pro-2.jpg", what a printed page shows of a missing picture
    if n <= 8 and _CONTINUES.search(line):
        return "pointer"  # "Story continues below gallery"
    if n <= 40 and _asks_reader(line, sentence):
        return "reader prompt"  # "You've read 3 of your 4 free articles", "Reporting by ...; Editing by ..."
    if n <= 40 and _contact(line):
        return "reader prompt"  # a reporter's e-mail address and accounts, under the story
    if _MORE_LINKS.match(line):
        return "link to another page"  # "You may also like...", over a list of headlines
    if n <= 40 and _DISCLOSURE.search(line) and _SHOPPING.search(line):
        return "disclosure"  # "Disclosure: ZDNet may earn a commission from some of the products ..."
    pointer = _POINTER.match(line)
    if pointer and n <= 25 and not TERMINAL.search(line):
        label = [w.lower() for w in pointer.group(1).split()]
        if all(w in _POINTER_WORDS for w in label) and any(w in _POINTING for w in label):
            return "link to another page"
    return None
