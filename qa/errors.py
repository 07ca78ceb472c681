"""Errors a user can act on.

Every message says what went wrong and what to do about it; the CLI prints it as one line and exits
non-zero, the UI shows it in the chat. Anything that is not a `QAError` is a bug.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: a problem the user can fix. `str(err)` is the one-line message."""

    exit_code = 1


class UsageError(QAError):
    """Bad input from the user: an empty question, an unknown option value."""

    exit_code = 2


class CorpusError(QAError):
    """The corpus folder is missing, empty, or a file in it cannot be read."""


class UnreadableFileError(CorpusError):
    """One file of the corpus cannot be used: `source` names it, `reason` says why in a few words
    ("is an encrypted PDF; save a copy without a password"). The message is "source: reason"; a
    build skips the file with its reason, nothing parses the message."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IndexMissingError(QAError):
    """No index has been built at the given folder yet."""


class IndexWriteError(QAError):
    """The index folder cannot be written (a file in its place, no permission, a full disk); the
    previous index, if any, is unchanged."""


class IndexInvalidError(QAError):
    """The index on disk is damaged, out of date, or built with another model."""


class ModelError(QAError):
    """The model cannot be loaded: a QA_MODEL_PATH that holds no model, an ONNX cache that cannot be
    written."""


class RayClusterError(QAError):
    """The Ray cluster cannot be used: unreachable, or a node or worker lost beyond Ray's retries
    (while building, or while holding a sharded index's shards)."""
