"""Bytes to text: UTF-8 (with or without BOM), UTF-16 with its mark, else Windows-1252; binary refused."""

from __future__ import annotations

import hashlib
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
