"""Settings (qa/config.py): defaults, the QA_* environment read once by `Settings.from_env`, and a
one-line UsageError naming the variable for every value out of range, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.config import BACKENDS, PASSAGE_VECTORS, Settings
from qa.errors import UsageError


def test_settings_are_the_defaults_whatever_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_K", "9")
    monkeypatch.setenv("QA_INDEX_DIR", "elsewhere")
    assert Settings().k == 5 and Settings().index_dir == Path("embeddings")
    assert Settings.from_env().k == 9 and Settings.from_env().index_dir == Path("elsewhere")


def test_from_env_reads_every_variable_and_overrides_win() -> None:
    env = {
        "QA_SEEDS_DIR": "articles",
        "QA_INDEX_DIR": "idx",
        "QA_BACKEND": "torch",
        "QA_PASSAGE_VECTORS": "encoded",
        "QA_CHUNK_TOKENS": "96",
        "QA_CHUNK_OVERLAP": "16",
        "QA_K": "3",
        "QA_MIN_CONFIDENCE": "0.25",
        "QA_MIN_RELATIVE_SCORE": "0.5",
        "QA_BATCH_SIZE": "8",
        "QA_MAX_FILE_BYTES": "1000",
    }
    s = Settings.from_env(env, k=7, index_dir=None)
    assert (s.seeds_dir, s.index_dir, s.backend, s.passage_vectors) == (
        Path("articles"),
        Path("idx"),
        "torch",
        "encoded",
    )
    assert (s.chunk_tokens, s.chunk_overlap, s.k, s.batch_size, s.max_file_bytes) == (96, 16, 7, 8, 1000)
    assert (s.min_confidence, s.min_relative_score) == (0.25, 0.5)
    assert Settings.from_env({"QA_K": "  "}).k == 5  # blank is unset


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("QA_CHUNK_TOKENS", "abc"),
        ("QA_CHUNK_TOKENS", "0"),
        ("QA_CHUNK_TOKENS", "-5"),
        ("QA_CHUNK_TOKENS", "100000"),
        ("QA_CHUNK_OVERLAP", "-1"),
        ("QA_CHUNK_OVERLAP", "128"),
        ("QA_K", "0"),
        ("QA_MIN_CONFIDENCE", "7"),
        ("QA_MIN_CONFIDENCE", "nan"),
        ("QA_MIN_RELATIVE_SCORE", "-0.1"),
        ("QA_BATCH_SIZE", "-1"),
        ("QA_MAX_FILE_BYTES", "0"),
        ("QA_BACKEND", "gpu"),
        ("QA_PASSAGE_VECTORS", "mean"),
    ],
)
def test_a_bad_value_is_a_one_line_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(UsageError) as err:
        Settings.from_env({name: value})
    message = str(err.value)
    assert name in message and "\n" not in message


def test_modes_are_the_literal_choices() -> None:
    assert BACKENDS == ("onnx", "torch", "onnx-int8") and PASSAGE_VECTORS == ("pooled", "encoded")
    with pytest.raises(UsageError, match="QA_BACKEND"):
        Settings(backend="cuda")  # type: ignore[arg-type]


def test_qa_index_with_a_bad_chunk_size_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text("A sentence about something.\n", encoding="utf-8")
    env = {**os.environ, "QA_CHUNK_TOKENS": "0", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "qa", "index"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "QA_CHUNK_TOKENS" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "embeddings").exists()
