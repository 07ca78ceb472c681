"""The sentence-transformers model (torch), loaded lazily from the packaged folder, never from the network.

torch and sentence-transformers are imported only when the first text is encoded, so commands that do
not embed (`qa --help`, a no-op `qa index`) never pay for them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Texts per model call when building (measured: torch is fastest at 32 on 2 cores).
TORCH_BATCH = 32


class SentenceTransformerEmbedder:
    def __init__(self, model_path: Path, name: str, dimension: int, batch_size: int = 32) -> None:
        self.model_path = Path(model_path)
        self.name = name
        self.dimension = dimension
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            # Belt and braces: the model is a local folder, but make sure nothing tries the hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

            if not (self.model_path / "modules.json").exists():
                from qa.errors import QAError

                raise QAError(
                    f"No sentence-transformers model at {self.model_path}; reinstall with "
                    "`make install` or set QA_MODEL_PATH to the model folder."
                )
            model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
            get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            dim = get_dim()
            if dim != self.dimension:
                from qa.errors import QAError

                raise QAError(
                    f"The model at {self.model_path} gives {dim}-dimensional vectors, "
                    f"expected {self.dimension}; point QA_MODEL_PATH at {self.name}."
                )
            self._model = model
        return self._model

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        import numpy as np

        with self._lock:
            model = self._load()
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        sums = np.zeros((len(texts), self.dimension), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        step = 64 * self.batch_size  # sentence-transformers returns every text's states: bound them
        with self._lock:
            model = self._load()
            for lo in range(0, len(texts), step):
                states = model.encode(
                    texts[lo : lo + step],
                    batch_size=self.batch_size,
                    output_value="token_embeddings",
                    convert_to_numpy=False,
                    show_progress_bar=progress,
                )
                for i, h in enumerate(states, lo):
                    sums[i] = h.float().sum(dim=0).numpy()
                    counts[i] = len(h)
        return sums, counts

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's last hidden states, one row per word piece ([CLS] and [SEP] included)."""
        with self._lock:
            states = self._load().encode(
                texts, batch_size=self.batch_size, output_value="token_embeddings", convert_to_numpy=False
            )
        return [h.float().numpy() for h in states]

    def count_tokens(self, text: str) -> int:
        from qa.chunking import model_token_counter

        return model_token_counter(str(self.model_path))(text)
