"""Writing a complete generation into a temporary folder, checksummed and fsynced, then renamed."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

from qa import stories
from qa.config import Settings
from qa.indexing.parts import Part
from qa.indexing.plan import settings_key
from qa.store import codes6, lexical, tables, vectors
from qa.store import texts as text_store
from qa.store.codes6 import packed_width, quantize_rows
from qa.store.generation import fsync_dir, fsync_file, sha256_file, write_jsonl
from qa.store.layout import (
    BM25_PASSAGES,
    BM25_SENTENCES,
    CHUNKS_FILE,
    DOCUMENTS_FILE,
    FAISS_FILE,
    MANIFEST,
    SENTENCE_SCALES,
    SENTENCE_VECTORS,
    SENTENCES_FILE,
    TEXTS_FILE,
)
from qa.store.texts import DOC_FIELDS, encode_texts


def write_generation(
    index_dir: Path,
    settings: Settings,
    dimension: int,
    parts: dict[str, Part],
    skipped: dict[str, dict[str, str]],
) -> str:
    """Write a complete generation into a temporary folder and rename it; return its name."""
    import faiss
    import numpy as np

    from qa.store.lexical import Lexical

    sources = sorted(parts)
    # Same story in several files (qa/stories.py): decided over the whole corpus at every build.
    story_of = stories.stories({s: stories.signature(parts[s].text, parts[s].doc["regions"]) for s in sources})
    # Rows in one field order (DOC_FIELDS), whether a file was read now or kept from the last build:
    # an incremental build writes the bytes a full one would.
    merged = ({**parts[s].doc, "story": story_of[s]} for s in sources)
    docs = [{f: row[f] for f in DOC_FIELDS} for row in merged]
    numbered = [
        np.column_stack([np.full(len(parts[s].chunks), d, np.int64), parts[s].chunks]) for d, s in enumerate(sources)
    ]
    chunk_rows = np.concatenate([np.zeros((0, 5), np.int64), *numbered])

    def stack(arrays: list[np.ndarray]) -> np.ndarray:
        arrays = [a for a in arrays if len(a)]
        return np.concatenate(arrays).astype(np.float32) if arrays else np.zeros((0, dimension), np.float32)

    chunk_vectors = stack([parts[s].chunk_vectors for s in sources])
    # Quantized file by file: no float32 copy of every sentence vector at once.
    quantized = [quantize_rows(parts[s].sentence_vectors) for s in sources]
    codes = np.concatenate([np.zeros((0, packed_width(dimension)), np.uint8), *(c for c, _ in quantized)])
    scales = np.concatenate([np.zeros(0, np.float32), *(sc for _, sc in quantized)])
    del quantized
    sentences = np.array(
        [(d_idx, a, b) for d_idx, s in enumerate(sources) for a, b in parts[s].sentences], dtype=np.int64
    ).reshape(-1, 3)
    texts = [parts[s].text for s in sources]
    blob, ranges = encode_texts(texts)
    docs = [{**doc, "text_bytes": list(r)} for doc, r in zip(docs, ranges, strict=True)]
    passage_texts = [texts[d][a:b] for d, a, b in chunk_rows[:, :3].tolist()]
    sentence_texts = [texts[d][a:b] for d, a, b in sentences.tolist()]

    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    try:
        write_jsonl(tmp / DOCUMENTS_FILE, docs)
        (tmp / TEXTS_FILE).write_bytes(blob)
        del blob
        np.save(tmp / CHUNKS_FILE, chunk_rows, allow_pickle=False)
        np.save(tmp / SENTENCES_FILE, sentences, allow_pickle=False)
        index = vectors.passage_index(chunk_vectors, dimension)
        faiss.write_index(index, str(tmp / FAISS_FILE))
        np.save(tmp / SENTENCE_VECTORS, codes, allow_pickle=False)
        np.save(tmp / SENTENCE_SCALES, scales, allow_pickle=False)
        Lexical.build(passage_texts).save(tmp / BM25_PASSAGES)
        Lexical.build(sentence_texts).save(tmp / BM25_SENTENCES)
        data_files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        manifest = {
            **settings_key(settings, dimension),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            # each part of the store says what its files hold
            **vectors.describe(index),
            **tables.describe(),
            **text_store.describe(),
            **codes6.describe(),
            **lexical.describe(),
            "counts": {"documents": len(docs), "chunks": len(chunk_rows), "sentences": len(sentences)},
            "files": {
                s: {
                    "sha256": parts[s].doc["sha256"],
                    "chunks": len(parts[s].chunks),
                    "sentences": len(parts[s].sentences),
                }
                for s in sources
            },
            "skipped": skipped,
            "checksums": {name: sha256_file(tmp / name) for name in data_files},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in (*data_files, MANIFEST):
            fsync_file(tmp / name)
        for sub in {(tmp / name).parent for name in data_files}:
            fsync_dir(sub)
        fsync_dir(tmp)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        os.rename(tmp, index_dir / name)
        fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name
