"""Bytes to text: UTF-8 (with or without BOM), UTF-16 with its mark, a page's declared charset, UTF-8
with stray Windows-1252 bytes, a legacy charset of another script (Shift_JIS, GBK, EUC-KR,
Windows-1251...), else Windows-1252; binary refused."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from pathlib import Path

from qa.errors import CorpusError, UsageError
from qa.ingest.scripts import dominant_script


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


# A page's own statement of its encoding, in its first bytes: <meta charset="windows-1251"> or
# <meta http-equiv="Content-Type" content="text/html; charset=shift_jis">.
_DECLARED = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", re.IGNORECASE)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


# What browsers read a declared label as (the WHATWG Encoding Standard): a legacy label names the
# superset its pages are really written in ("iso-8859-1" pages hold Windows-1252 quotes).
_AS_BROWSERS_READ = {
    "latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254", "tis-620": "cp874",
    "iso8859-11": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "euc_kr": "cp949",
    "big5": "big5hkscs", "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8",
}  # fmt: skip


def declared_charset(raw: bytes) -> str | None:
    """The Python codec of the text charset a saved page declares in its first 4 KB (as browsers
    read it), if it names one ("base64" or an unknown label: None)."""
    m = _DECLARED.search(raw[:4096])
    if not m:
        return None
    try:
        info = codecs.lookup(m.group(1).decode("ascii"))
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, hex, rot13: codecs, not charsets
    return _AS_BROWSERS_READ.get(info.name, info.name)


def _mostly_utf8(raw: bytes) -> str | None:
    """UTF-8 with a few stray single bytes (a Windows-1252 quote pasted in): each stray byte read as
    Windows-1252, the rest as UTF-8; None when the bytes are not mostly UTF-8 (read whole as 1252)."""
    text = raw.decode("utf-8", errors="surrogateescape")  # a stray byte b becomes U+DC00 + b
    strays = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    if strays >= len(_UTF8_SEQUENCE.findall(raw)):  # fewer strays than UTF-8 characters
        return None
    return text.translate(_STRAY)


# Each stray byte (a lone surrogate of surrogateescape) as Windows-1252 reads it (Latin-1 where 1252
# has no character).
_STRAY = {0xDC00 + b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)}


def decode(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode raw file bytes to (text, encoding name).

    UTF-8 (with or without BOM) is the norm; UTF-16 is accepted with its BOM; a saved page's bytes
    that are not UTF-8 are read in the charset it `declared`; UTF-8 with a few stray bytes keeps its
    UTF-8 ("utf-8+cp1252": each stray byte read as Windows-1252; one pasted quote garbled every
    accented letter of the file); other bytes are read as Windows-1252. The encoding is reported so
    that citations can say so. Binary data (a PNG renamed `.txt`, say) is refused with `CorpusError`
    rather than indexed as noise.
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
                text, encoding = _utf16_without_mark(raw)
            else:
                text, encoding = _other(raw, declared)
    if _looks_binary(text):
        raise CorpusError("looks like a binary file, not text")
    return normalise_newlines(text), encoding


def _utf16_without_mark(raw: bytes) -> tuple[str, str]:
    """UTF-16 saved without its byte-order mark (every other byte zero in ASCII text), else binary."""
    even, odd = raw[0::2], raw[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if len(raw) % 2 == 0 and zeros.count(0) > 0.3 * len(zeros) and other.count(0) < 0.05 * len(other):
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError:
                break
    raise CorpusError("looks like a binary file, not text")


def _other(raw: bytes, declared: str | None) -> tuple[str, str]:
    """Bytes that are not UTF-8: in the charset declared, else mostly UTF-8, else Windows-1252."""
    if declared and declared != "utf-8":
        try:
            return raw.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    mixed = _mostly_utf8(raw)
    if mixed is not None:
        return mixed.removeprefix("\ufeff"), "utf-8+cp1252"
    other = _other_script(raw)
    if other is not None:
        return other
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


# Legacy charsets of scripts other than Latin, as codecs names them: what charset-normalizer's best
# reading may be taken in. Its readings in UTF-16 or -32 without their mark (text with no NUL byte is
# not UTF-16) and in rare siblings it mistakes common files for (Mac Cyrillic for Windows-1251) are
# passed over for its next one.
_OTHER_SCRIPTS = frozenset({
        "cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213",
        "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext", "gb2312",
        "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "cp949", "euc_kr", "johab", "iso2022_kr", "cp1251",
        "koi8_r", "koi8_u", "iso8859_5", "cp866", "cp855", "cp1253", "iso8859_7", "cp1255", "iso8859_8", "cp1256",
        "iso8859_6", "cp874", "tis_620", "iso8859_11",
})  # fmt: skip
_PASSED_OVER = frozenset({"mac_cyrillic", "mac_greek", "mac_arabic", "mac_farsi", "cp1006"})
# At least this many letters outside ASCII, in runs of two or more: a short Latin file ("Ñoño" in
# Windows-1252) reads as a few characters of some other charset as well as of its own, and a price
# list's signs as lone letters ("€10" as "Ђ10" in Windows-1251, "®" as a katakana in CP932).
_OTHER_LETTERS = 20
_OTHER_WORD = re.compile(r"(?:(?![\x00-\x7f])[^\W\d_]){2,}")


def _other_script(raw: bytes) -> tuple[str, str] | None:
    """Bytes in a legacy charset of a script other than Latin (`_OTHER_SCRIPTS`), as charset-normalizer
    (MIT) reads them, with that charset's name; None when no such reading has `_OTHER_LETTERS` letters
    outside ASCII in runs (`_OTHER_WORD`), mostly of another script than Latin (judged on those letters
    alone: Japanese with English names in it is Japanese). Windows-1252 reads any bytes, as Latin: an
    EUC-KR or GBK file was indexed as mojibake and a Shift_JIS one refused as binary. A Latin reading is
    left to Windows-1252, which charset-normalizer often mistakes for a sibling (French as ISO-8859-14)."""
    from charset_normalizer import from_bytes

    for match in from_bytes(raw):
        name = match.encoding  # a Python codec's name, as codecs.aliases spells it ("iso8859_5")
        if name.startswith(("utf_16", "utf_32")) or name in _PASSED_OVER:
            continue  # its next reading
        text = str(match)
        letters = "".join(_OTHER_WORD.findall(text))
        if name in _OTHER_SCRIPTS and len(letters) >= _OTHER_LETTERS and dominant_script(letters) != "LATIN":
            return text, name
        return None  # its best reading is Latin, in no charset of `_OTHER_SCRIPTS`, or too short to tell
    return None


def read_utf8(path: Path, named: str = "") -> str:
    """A questions file's text (UTF-8, a BOM dropped); one that is not UTF-8 is a one-line UsageError
    naming the line (`named` before the path: "--questions-file ")."""
    raw = path.read_bytes()
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return normalise_newlines(body.decode("utf-8"))  # as read_text does
    except UnicodeDecodeError as err:
        at = body[: err.start].count(b"\n") + 1
        raise UsageError(f"{named}{path}:{at} is not UTF-8 text; save it as UTF-8.") from None
