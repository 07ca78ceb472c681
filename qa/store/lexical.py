"""BM25 over the chunks with `bm25s`: names, numbers and dates that dense vectors blur.

The index is saved as bm25s's own inspectable files (`.npy` arrays and JSON, no pickle) in a `bm25/`
folder of the index generation. It is rebuilt in full on every change (its statistics depend on all
chunks), which costs only tokenisation, no model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# bm25s's own default pattern, minus the underscore (as in "\w"), so "20x10" and "98.3" stay tokens.
TOKEN_PATTERN = r"(?u)\b\w\w+\b|\b\d\b"
_WORD = re.compile(TOKEN_PATTERN)
EMPTY_MARKER = "empty.json"


def _stemmer(stem: bool) -> Any:
    if not stem:
        return None
    try:
        import Stemmer
    except ImportError:
        return None
    return Stemmer.Stemmer("english")


def _relevance(
    data: np.ndarray, indptr: np.ndarray, indices: np.ndarray, num_docs: int, query_tokens_ids: np.ndarray, dtype: Any
) -> np.ndarray:
    """bm25s's sum of the query words' stored scores per passage, reading float16 scores as float32
    first: numpy's `add.at` of float16 into float32 takes a slow path (measured: 9.3 ms vs 0.4 ms for
    200k postings). bm25s calls this through the same hook its numba backend replaces."""
    import numpy as np

    scores = np.zeros(num_docs, dtype=dtype)
    for start, end in zip(indptr[query_tokens_ids], indptr[query_tokens_ids + 1], strict=True):
        np.add.at(scores, indices[start:end], np.asarray(data[start:end], dtype=dtype))
    return scores


def _sorted_vocabulary(tokens: Any) -> Any:
    """`tokens` with word ids in the words' sorted order. bm25s numbers stemmed words in the order of
    a Python set, which varies from process to process, so the same corpus gave other index files on
    every build; in sorted order they are the same bytes (scores never depended on the numbering)."""
    from bm25s.tokenization import Tokenized

    vocab = sorted(tokens.vocab, key=str)
    new_id = {word: i for i, word in enumerate(vocab)}
    remap = [0] * len(vocab)
    for word, old in tokens.vocab.items():
        remap[old] = new_id[word]
    return Tokenized(ids=[[remap[i] for i in doc] for doc in tokens.ids], vocab=new_id)


class Lexical:
    def __init__(self, retriever: Any, stem: bool, size: int) -> None:
        retriever._compute_relevance_from_scores = _relevance
        self.retriever = retriever
        self.stem = stem
        self.size = size
        self._stemmer = _stemmer(stem)

    @classmethod
    def build(cls, texts: list[str], *, stem: bool = True) -> Lexical:
        import bm25s
        import numpy as np

        stemmer = _stemmer(stem)
        tokens = bm25s.tokenize(
            texts, token_pattern=TOKEN_PATTERN, stopwords="en", stemmer=stemmer, show_progress=False
        )
        tokens = _sorted_vocabulary(tokens)
        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokens, show_progress=False)
            # Each (word, passage) score as float16, summed per query in float32 (bm25s's dtype): half
            # the memory of the largest array; every `qa eval` figure on the SQuAD subset unchanged.
            retriever.scores["data"] = retriever.scores["data"].astype(np.float16)
        return cls(retriever, stem, len(texts))

    def tokens(self, text: str) -> list[str]:
        import bm25s

        out = bm25s.tokenize(
            [text],
            token_pattern=TOKEN_PATTERN,
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )
        return list(out[0]) if out else []

    def scores(self, query: str, tokens: list[str] | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query word is in the vocabulary).

        `tokens` may pass `self.tokens(query)` computed once for several indexes.
        """
        import numpy as np

        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self.retriever.vocab_dict
        toks = [t for t in (self.tokens(query) if tokens is None else tokens) if t in vocab]
        if not toks:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(toks), dtype=np.float32)

    def coverage(self, query: str, tokens: list[str] | None = None) -> float:
        """The share of the query's words (stop words aside) that occur anywhere in the corpus."""
        if self.size == 0:
            return 0.0
        toks = self.tokens(query) if tokens is None else tokens
        if not toks:
            return 0.0
        vocab = self.retriever.vocab_dict
        return sum(t in vocab for t in toks) / len(toks)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size == 0:
            # bm25s cannot save an index of nothing; an empty corpus is a marker file.
            (folder / EMPTY_MARKER).write_text('{"documents": 0}\n', encoding="utf-8")
            return
        self.retriever.save(str(folder), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, *, size: int, stem: bool = True) -> Lexical:
        import bm25s

        if size == 0 and (folder / EMPTY_MARKER).is_file():
            return cls(bm25s.BM25(), stem, 0)
        retriever = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False, allow_pickle=False)
        return cls(retriever, stem, size)


def describe() -> dict[str, Any]:
    """The BM25 indexes' entry in the manifest."""
    return {"lexical": {"library": "bm25s", "stemmer": "snowball english", "stopwords": "en"}}
