"""An optional ONNX Runtime backend for the same all-MiniLM-L6-v2 model (`QA_BACKEND=onnx` or `onnx-int8`).

The ONNX file is exported once, locally, from the packaged model (torch is needed for that one export
only) into a cache folder (`QA_ONNX_CACHE`, default `~/.cache/qa/onnx`); nothing is downloaded.
`onnx-int8` also quantises the weights dynamically to int8. Queries then need neither torch nor
sentence-transformers: the model's own tokenizer (`tokenizers`), ONNX Runtime, mean pooling and
normalisation, exactly what sentence-transformers does for this model.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
import uuid
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import MODEL_MAX_TOKENS
from qa.errors import ModelError, QAError

if TYPE_CHECKING:
    import numpy as np


def default_cache() -> Path:
    return Path(os.environ.get("QA_ONNX_CACHE", Path.home() / ".cache" / "qa" / "onnx"))


def _model_key(model_path: Path, cache: Path) -> str:
    """The export's folder name: a digest of the model's weights and config and of the versions of
    the packages that export and quantise it, so that every checkout and virtual environment with
    the same model shares one export (keyed by the model's path, each exported its own ~110 MB).
    Hashing ~90 MB of weights takes a fraction of a second, so the digest is remembered under
    `cache/by-file/`, by what changes when the weights or the config are rewritten (path, size,
    times, inode) and by the package versions."""
    weights = model_path / "model.safetensors"
    if not weights.exists():  # not a packaged model qa knows: keyed by its path, as before
        return hashlib.sha256(f"{model_path.resolve()}|0|0".encode()).hexdigest()[:16]
    config = model_path / "config.json"
    versions = f"torch {_version('torch')}|onnxruntime {_version('onnxruntime')}"
    files = "|".join(_file_stamp(p) for p in (weights, config))
    stamp = hashlib.sha256(f"{files}|{versions}".encode()).hexdigest()[:16]
    remembered = cache / "by-file" / stamp
    try:
        key = remembered.read_text(encoding="ascii").strip()
        if _KEY.fullmatch(key):  # an empty or damaged record is made again, never trusted
            return key
    except (OSError, UnicodeDecodeError):
        pass
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    digest.update(config.read_bytes() if config.exists() else b"")
    digest.update(f"|{versions}".encode())
    key = digest.hexdigest()[:16]
    tmp = remembered.with_name(f".{stamp}.{uuid.uuid4().hex[:8]}")
    try:  # remembered atomically; a cache that cannot be written only costs the hash next time
        remembered.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(key, encoding="ascii")
        tmp.replace(remembered)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return key


_KEY = re.compile(r"[0-9a-f]{16}")


def _file_stamp(path: Path) -> str:
    """What changes when a file is replaced or rewritten: its path, size, times and inode."""
    try:
        st = path.stat()
    except OSError:
        return f"{path}|missing"
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


# One export at a time in a process: two threads may load the model and its int8 copy at once (a
# question and a follow-up), and two torch exports at once (torch.onnx.export is not thread-safe) can
# stall both. The second waits, then finds the file. Other processes are covered by the atomic rename.
_EXPORT_LOCK = threading.Lock()


def export_onnx(model_path: Path, target: Path, quantize: bool) -> Path:
    """Export the packaged model to ONNX (and int8) under `target`; atomic, reused when present."""
    with _EXPORT_LOCK:
        return _export(model_path, target, quantize)


def _export(model_path: Path, target: Path, quantize: bool) -> Path:
    fp32 = target / "model.onnx"
    int8 = target / "model.int8.onnx"
    want = int8 if quantize else fp32
    if want.exists():
        return want
    target.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

        class _Encoder(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.inner(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        ids = torch.ones((2, 8), dtype=torch.long)
        tmp = target / f".model.{uuid.uuid4().hex[:8]}.onnx"
        axes = {0: "batch", 1: "tokens"}
        with warnings.catch_warnings():
            # The tracer's notes on this graph (constant shapes in the mask code) are about inputs a
            # BERT encoder never gets; tests/integration/test_onnx_backend.py checks the vectors.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(model),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        tmp.replace(fp32)
    if quantize and not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = target / f".model.int8.{uuid.uuid4().hex[:8]}.onnx"
        # Its advice to run pre-processing first goes to the root logger ("WARNING:root:Please consider
        # ..."), in the middle of a user's first follow-up: not for them (the copy is measured as is).
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        tmp.replace(int8)
    return want


def _omp_threads() -> int:
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 4


class OnnxEmbedder:
    def __init__(
        self,
        model_path: Path,
        name: str,
        dimension: int,
        *,
        quantize: bool = False,
        batch_size: int = 32,
        cache: Path | None = None,
        intra_threads: int = 1,
    ) -> None:
        self.model_path = Path(model_path)
        self.intra_threads = intra_threads
        self.name = name
        self.dimension = dimension
        self.quantize = quantize
        self.batch_size = batch_size
        root = cache or default_cache()
        self.cache = root / _model_key(self.model_path, root)
        # Threads for batches side by side (ONNX Runtime's run is thread-safe); one per core, up to 4,
        # and no more than OMP_NUM_THREADS when it is set (Ray sets it to an actor's CPUs).
        self.workers = max(1, min(4, os.cpu_count() or 1, _omp_threads()))
        self._session: Any = None
        self._tokenizer: Any = None
        self._coarse: OnnxEmbedder | None = None
        self._lock = threading.Lock()

    def coarse(self) -> OnnxEmbedder:
        """The same model with int8 weights, for a search that only has to find the right article (a
        follow-up's carried search, qa/query/engine.py): a question encodes in about half the time
        (SQuAD questions: 4.0 ms vs 7.1 ms), its vector at cosine ~.97 to this one's. Made once;
        itself when this one is int8 already."""
        if self.quantize:
            return self
        with self._lock:
            if self._coarse is None:
                self._coarse = OnnxEmbedder(
                    self.model_path,
                    self.name,
                    self.dimension,
                    quantize=True,
                    batch_size=self.batch_size,
                    cache=self.cache.parent,
                    # Late interaction reads the first citations with this copy, one batch of ~450
                    # word pieces: two threads split it with the same output (docs/MEASUREMENTS.md, "Late
                    # interaction"). The copy also encodes a follow-up's carried search beside the
                    # full model's encode of the question (on one thread): three threads on two cores
                    # there, measured no slower (follow-up mean 35.7 vs 38.4 ms on one, SQuAD pairs).
                    intra_threads=min(2, self.workers),
                )
            return self._coarse

    def _load(self) -> tuple[Any, Any]:
        if self._session is None:
            try:
                return self._open()
            except QAError:
                raise
            except Exception as err:  # a model folder without a model, an unwritable or damaged cache
                raise ModelError(
                    f"The model at {self.model_path} cannot be loaded into the ONNX cache {self.cache} "
                    f"({type(err).__name__}: {' '.join(str(err).split())[:160]}); check QA_MODEL_PATH "
                    "(unset: the packaged model) and QA_ONNX_CACHE (a folder you can write)."
                ) from None
        return self._session, self._tokenizer

    def _open(self) -> tuple[Any, Any]:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = export_onnx(self.model_path, self.cache, self.quantize)
        try:
            session = self._session_of(ort, path)
        except Exception:  # a damaged export (a copy cut short): made again, once
            path.unlink(missing_ok=True)
            session = self._session_of(ort, export_onnx(self.model_path, self.cache, self.quantize))
        tok = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tok.enable_truncation(MODEL_MAX_TOKENS)
        tok.no_padding()
        self._session, self._tokenizer = session, tok
        return session, tok

    def _session_of(self, ort: Any, path: Path) -> Any:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # One thread per run (`intra_threads`; two for the int8 copy of `coarse`): a question
        # encodes as fast on one thread as on two (2.95 ms, 2 cores),
        # and a build runs batches side by side on `workers` threads instead (sentences of the
        # SQuAD subset: 2.2 s vs 2.7 s for one run at a time on two threads; torch takes 2.3 s).
        options.intra_op_num_threads = self.intra_threads
        options.inter_op_num_threads = 1
        # No busy-waiting between questions: spinning threads starve the numpy and FAISS work that
        # follows each encode (measured at 11k passages on 2 cores: 13 ms of overhead instead of 2).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        return self._pooled(texts, progress, None)

    def encode_with_states(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode` and `token_states` from one run (a question the late interaction reads again)."""
        states: list[Any] = [None] * len(texts)
        return self._pooled(texts, False, states), states

    def _pooled(self, texts: list[str], progress: bool, states: list[Any] | None) -> np.ndarray:
        """Mean pooling of each text's last hidden states, unit length; the states kept in `states`."""
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, h in self._run(texts, progress):
            v = h.mean(axis=0)
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
            if states is not None:
                states[i] = h
        return out

    def token_sums(self, texts: list[str], *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        sums = np.zeros((len(texts), self.dimension), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        for i, h in self._run(texts, progress):
            sums[i] = h.sum(axis=0)
            counts[i] = len(h)
        return sums, counts

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's last hidden states, one row per word piece ([CLS] and [SEP] included)."""
        out: list[Any] = [None] * len(texts)
        for i, h in self._run(texts, False):
            out[i] = h
        return out

    def _run(self, texts: list[str], progress: bool) -> Iterator[tuple[int, np.ndarray]]:
        """(text number, its unpadded last hidden states), batch by batch. Batches of similar length
        (least padding) run on up to `workers` threads at once, a bounded number ahead, in order."""
        if not texts:
            return
        # The lock guards the one-time load only: ONNX Runtime's run is thread-safe, so a question's
        # encode never queues behind the batches of a build running in another thread.
        with self._lock:
            session, tok = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        iterator: Any = batches
        if progress:
            from tqdm import tqdm

            iterator = tqdm(batches, desc="Batches")

        def infer(batch: list[int]) -> list[tuple[int, np.ndarray]]:
            import numpy as np

            enc = tok.encode_batch([texts[i] for i in batch])
            width = max(len(e.ids) for e in enc)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, e in enumerate(enc):
                ids[row, : len(e.ids)] = e.ids
                mask[row, : len(e.ids)] = 1
            hidden = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            return [(i, hidden[row, : len(enc[row].ids)]) for row, i in enumerate(batch)]

        if self.workers <= 1 or len(batches) == 1:
            for batch in iterator:
                yield from infer(batch)
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="qa-onnx") as pool:
            pending: deque[Future[list[tuple[int, np.ndarray]]]] = deque()
            for batch in iterator:
                pending.append(pool.submit(infer, batch))
                if len(pending) >= 2 * self.workers:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    def count_tokens(self, text: str) -> int:
        from qa.chunking import model_token_counter

        return model_token_counter(str(self.model_path))(text)
