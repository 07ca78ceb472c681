"""Bytes to text: UTF-8 (with or without BOM), UTF-16 with its mark, a page's declared charset, UTF-8
with stray Windows-1252 bytes, else Windows-1252; binary refused."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

from qa.errors import CorpusError


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


def declared_charset(raw: bytes) -> str | None:
    """The Python codec of the charset a saved page declares in its first 4 KB, if it names one."""
    m = _DECLARED.search(raw[:4096])
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None


def _mostly_utf8(raw: bytes) -> str | None:
    """UTF-8 with a few stray single bytes (a Windows-1252 quote pasted in): each stray byte read as
    Windows-1252, the rest as UTF-8; None when the bytes are not mostly UTF-8 (read whole as 1252)."""
    budget = len(_UTF8_SEQUENCE.findall(raw)) - 1  # fewer strays than UTF-8 characters
    parts: list[str] = []
    pos = 0
    while True:
        try:
            parts.append(raw[pos:].decode("utf-8"))
            return "".join(parts)
        except UnicodeDecodeError as err:
            budget -= 1
            if budget < 0:
                return None
            parts.append(raw[pos : pos + err.start].decode("utf-8"))
            byte = raw[pos + err.start : pos + err.start + 1]
            parts.append(byte.decode("cp1252", errors="ignore") or byte.decode("latin-1"))
            pos += err.start + 1


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
    if declared and declared not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        try:
            return raw.decode(declared), declared
        except UnicodeDecodeError:
            pass
    mixed = _mostly_utf8(raw)
    if mixed is not None:
        return mixed.removeprefix("\ufeff"), "utf-8+cp1252"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"
