"""The one place the model is made: the packaged MiniLM, run by the backend the settings name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.embed.protocol import Embedder

# Texts per model call when building (measured: ONNX Runtime is fastest at 8 on 2 cores).
ONNX_BATCH = 8


def create(settings: Settings) -> Embedder:
    """The packaged MiniLM, run by ONNX Runtime (default) or by sentence-transformers (torch)."""
    from qa.config import MODEL_DIMENSION, MODEL_NAME, default_model_path

    if settings.backend in ("onnx", "onnx-int8"):
        from qa.embed.onnx_backend import OnnxEmbedder

        return OnnxEmbedder(
            default_model_path(),
            MODEL_NAME,
            MODEL_DIMENSION,
            quantize=settings.backend == "onnx-int8",
            batch_size=settings.batch_size or ONNX_BATCH,
        )
    from qa.embed.torch_backend import TORCH_BATCH, SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        default_model_path(), MODEL_NAME, MODEL_DIMENSION, settings.batch_size or TORCH_BATCH
    )
