"""The ONNX export's cache key (qa/embed/onnx_backend.py): one export per model, shared by every checkout
and virtual environment that holds the same weights, never shared by different weights."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qa.embed import onnx_backend
from qa.embed.onnx_backend import _model_key


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "config.json").write_text('{"hidden_size": 384}')
    return folder


def test_the_same_weights_in_two_places_share_one_export(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _model(tmp_path / "venv-a" / "model", b"weights" * 1000)
    second = tmp_path / "venv-b" / "model"
    shutil.copytree(first, second)
    os.utime(second / "model.safetensors", ns=(1, 1))  # another install: another path and time
    key = _model_key(first, cache)
    assert _model_key(second, cache) == key, "each checkout exported its own ~110 MB copy"
    assert len(list((cache / "by-file").iterdir())) == 2, "the digest is remembered per file"
    assert _model_key(first, cache) == key, "and read back the same"


def test_other_weights_or_config_get_their_own_export(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = _model_key(_model(tmp_path / "a", b"weights" * 1000), cache)
    tuned = _model(tmp_path / "b", b"weighTs" * 1000)  # same size, as a fine-tuned copy would be
    assert _model_key(tuned, cache) != base
    other = _model(tmp_path / "c", b"weights" * 1000)
    (other / "config.json").write_text('{"hidden_size": 768}')
    assert _model_key(other, cache) != base


def test_a_cache_that_cannot_be_written_still_gives_the_key(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    model = _model(tmp_path / "m", b"weights" * 1000)
    assert _model_key(model, blocked) == _model_key(model, tmp_path / "cache")


def test_a_rewritten_config_or_new_package_versions_are_not_served_the_old_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest is remembered by what changes when the files are rewritten and by the versions, so
    a record made before never answers for them (found by a review)."""
    cache = tmp_path / "cache"
    model = _model(tmp_path / "m", b"weights" * 1000)
    key = _model_key(model, cache)
    (model / "config.json").write_text('{"hidden_size": 768}')
    edited = _model_key(model, cache)
    assert edited != key
    monkeypatch.setattr(onnx_backend, "_version", lambda package: "99.0")
    assert _model_key(model, cache) not in (key, edited)


def test_an_empty_or_damaged_record_is_made_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    model = _model(tmp_path / "m", b"weights" * 1000)
    key = _model_key(model, cache)
    (record,) = (cache / "by-file").iterdir()
    for damaged in ("", "../../etc", "zz" * 8):
        record.write_text(damaged)
        assert _model_key(model, cache) == key, f"{damaged!r} was trusted"
    assert [p.name for p in (cache / "by-file").iterdir()] == [record.name], "a temporary file was left"


@pytest.mark.parametrize("where", ["no model", "cache not writable"])
def test_a_model_that_cannot_be_loaded_is_a_one_line_error_naming_the_settings(tmp_path: Path, where: str) -> None:
    """QA_MODEL_PATH=/nonexistent, a folder without a model, or QA_ONNX_CACHE=/dev/null/x ended qa ask
    in an OSError, ValueError or NotADirectoryError traceback."""
    from qa.config import MODEL_DIMENSION, MODEL_NAME, default_model_path
    from qa.errors import ModelError

    model = tmp_path / "empty-folder" if where == "no model" else default_model_path()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = tmp_path / "cache" if where == "no model" else blocker / "cache"
    embedder = onnx_backend.OnnxEmbedder(model, MODEL_NAME, MODEL_DIMENSION, cache=cache)
    with pytest.raises(ModelError) as err:
        embedder.encode(["a question"])
    message = str(err.value)
    assert "\n" not in message and "QA_MODEL_PATH" in message and "QA_ONNX_CACHE" in message
