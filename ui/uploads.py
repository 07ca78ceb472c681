"""Where the chat's uploads lie while they are handled: a private folder of this server's, which
Gradio writes each upload into (GRADIO_TEMP_DIR) until the handler has stored or refused it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_UPLOADS: list[str] = []


def upload_folder() -> str:
    """This server's private folder for files being uploaded (Gradio keeps them there until the
    handler runs): created once per process, readable by its owner only, removed at exit."""
    if not _UPLOADS:
        folder = tempfile.mkdtemp(prefix="qa-uploads-")
        _UPLOADS.append(folder)
        atexit.register(shutil.rmtree, folder, True)
    os.environ["GRADIO_TEMP_DIR"] = _UPLOADS[0]
    return _UPLOADS[0]


def forget_upload(path: Path) -> None:
    """Delete an upload's temporary copy, if it lies in this server's upload folder."""
    folder = Path(upload_folder()).resolve()
    try:
        if path.resolve().is_relative_to(folder):
            path.unlink(missing_ok=True)
    except OSError:
        pass
