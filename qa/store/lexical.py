"""BM25 over the chunks with `bm25s`: names, numbers and dates that dense vectors blur.

The index is saved as bm25s's own inspectable files (`.npy` arrays and JSON, no pickle) in a `bm25/`
folder of the index generation. It is rebuilt in full on every change (its statistics depend on all
chunks), which costs only tokenisation, no model.

A shard of a sharded index (qa/store/shards.py) is built with the statistics of the whole corpus
(`CorpusStats`: passage count, total length, each word's document frequency), so that every passage
scores what it would in one index over everything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from qa.store.analyzer import TOKEN_PATTERN, TOKENS_VERSION, cjk_pairs, fold_marks, stemmer_for

if TYPE_CHECKING:
    import numpy as np

__all__ = ["TOKENS_VERSION", "Lexical", "cjk_pairs", "fold_marks", "tokenize"]

EMPTY_MARKER = "empty.json"


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


TOKENIZE_BATCH = 20_000  # texts tokenised at a time (bm25s's lists of one batch, then int32 arrays)


class TokenIds(Sequence[list[int]]):
    """A corpus's token ids as one int32 array and offsets: 4 bytes a token, where bm25s's lists of
    Python ints take ~36 (gigabytes at a million passages). bm25s reads it as its list of lists:
    each row becomes a list when it is read, and is dropped after."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self.flat = flat
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> list[int]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[int]]: ...
    def __getitem__(self, i: int | slice) -> list[int] | list[list[int]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        row: list[int] = self.flat[self.offsets[i] : self.offsets[i + 1]].tolist()
        return row

    def __iter__(self) -> Iterator[list[int]]:
        for i in range(len(self)):
            yield self[i]


def tokenize(texts: Iterable[str], *, stem: bool = True) -> Any:
    """bm25s's `Tokenized` of `texts`, its ids a `TokenIds` numbered in the words' sorted order.

    Tokenised TOKENIZE_BATCH texts at a time (each text's tokens do not depend on the others), so
    memory holds one batch's lists, not the corpus's. Numbering in sorted order: bm25s numbers
    stemmed words in the order of a Python set, which varies from process to process, so the same
    corpus gave other index files on every build; in sorted order they are the same bytes (scores
    never depended on the numbering)."""
    import bm25s
    import numpy as np
    from bm25s.tokenization import Tokenized

    stemmer = stemmer_for(stem)
    number: dict[str, int] = {}  # word -> its number in first-seen order
    pieces: list[np.ndarray] = []
    lengths: list[int] = []
    batches = iter(texts)
    while batch := list(islice(batches, TOKENIZE_BATCH)):
        batch = [cjk_pairs(t) for t in batch]
        part = bm25s.tokenize(batch, token_pattern=TOKEN_PATTERN, stopwords="en", stemmer=stemmer, show_progress=False)
        words = sorted(part.vocab, key=part.vocab.__getitem__)  # bm25s numbers a batch's words 0..n-1
        to_number = np.array([number.setdefault(w, len(number)) for w in words], dtype=np.int64)
        lengths += [len(doc) for doc in part.ids]
        ids = np.fromiter(chain.from_iterable(part.ids), dtype=np.int64, count=sum(len(d) for d in part.ids))
        pieces.append(to_number[ids].astype(np.int32))
    vocab = {word: i for i, word in enumerate(sorted(number, key=str))}
    renumber = np.zeros(len(number), dtype=np.int32)
    for word, first_seen in number.items():
        renumber[first_seen] = vocab[word]
    flat = renumber[np.concatenate(pieces)] if pieces else np.zeros(0, np.int32)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Tokenized(ids=TokenIds(flat, offsets), vocab=vocab)


@dataclass(frozen=True)
class CorpusStats:
    """What BM25 scores depend on beyond a passage itself: the number of passages, their total
    length in tokens, and each word's document frequency, over the whole corpus."""

    documents: int
    length: int
    frequencies: dict[str, int]

    @staticmethod
    def of(tokens: Any) -> CorpusStats:
        """The statistics of one `Tokenized` set of passages."""
        import numpy as np

        words = sorted(tokens.vocab, key=tokens.vocab.__getitem__)
        counts = np.zeros(len(words), np.int64)
        for doc in tokens.ids:
            if doc:
                counts[np.unique(np.asarray(doc, np.int64))] += 1
        return CorpusStats(
            len(tokens.ids), sum(len(doc) for doc in tokens.ids), dict(zip(words, counts.tolist(), strict=True))
        )

    @staticmethod
    def merge(parts: list[CorpusStats]) -> CorpusStats:
        frequencies: dict[str, int] = {}
        for part in parts:
            for word, n in part.frequencies.items():
                frequencies[word] = frequencies.get(word, 0) + n
        return CorpusStats(
            sum(p.documents for p in parts), sum(p.length for p in parts), dict(sorted(frequencies.items()))
        )

    def fingerprint(self) -> str:
        """A short hash naming these statistics: every shard of one index records the same."""
        body = json.dumps([self.documents, self.length, sorted(self.frequencies.items())], separators=(",", ":"))
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


SCORE_BATCH = 100_000  # passages scored at a time when the index is built (see _bm25)


def _bm25(stats: CorpusStats | None = None, vocab: dict[str, int] | None = None) -> Any:
    """A bm25s retriever whose index is built in batches of SCORE_BATCH passages, through bm25s's
    documented hook for building differently (`build_index_from_ids`), with bm25s's own functions
    for the scores. bm25s scores every (word, passage) pair of the corpus at once and then sorts them
    all into its word-major matrix (about 44 bytes a pair at its peak: 2 GB for 2.8M sentences); a
    batch's pairs are scored and placed straight into the final arrays (8 bytes a pair), at the
    places bm25s's sort gives them, so the index is the same, bit for bit.

    `stats`: the whole corpus's statistics (number of passages, total length, document frequencies
    of `vocab`'s words), when these passages are one shard of it: a shard's stored scores then equal
    the single index's. By default the passages' own, as bm25s computes them."""
    import bm25s
    import numpy as np

    class BatchedBM25(bm25s.BM25):  # type: ignore[misc]
        def build_index_from_ids(
            self, unique_token_ids: Any, corpus_token_ids: Any, show_progress: bool = True, leave_progress: bool = False
        ) -> dict[str, Any]:
            assert self.method not in self.methods_requiring_nonoccurrence
            n_docs, n_vocab = len(corpus_token_ids), len(unique_token_ids)
            # These passages' own document frequencies: the number of pairs of each word.
            own = bm25s._calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
            if stats is None:
                avg_doc_len = np.array([len(ids) for ids in corpus_token_ids]).mean()  # as bm25s does
                frequencies, documents = own, n_docs
            else:
                # bm25s: np.array(lengths).mean(), exact for integer sums below 2**53, then one division
                avg_doc_len = np.float64(stats.length) / stats.documents
                words = {i: w for w, i in (vocab or {}).items()}
                frequencies = {t: stats.frequencies.get(words.get(t, ""), 0) for t in unique_token_ids}
                documents = stats.documents
            idf_array = bm25s._build_idf_array(
                doc_frequencies=frequencies,
                n_docs=documents,
                compute_idf_fn=bm25s._select_idf_scorer(self.idf_method),
                dtype=self.dtype,
            )
            self.nonoccurrence_array = None
            # The word-major (CSC) matrix bm25s's _np_csc makes: word w's pairs at indptr[w]:indptr[w+1],
            # in passage order. Each batch's pairs go to the next free places of their words.
            pairs = np.zeros(n_vocab, dtype=np.int64)
            for t, n in own.items():
                pairs[t] = n
            indptr = np.zeros(n_vocab + 1, dtype=np.int64)
            np.cumsum(pairs, out=indptr[1:])
            data = np.empty(int(indptr[-1]), dtype=self.dtype)
            indices = np.empty(int(indptr[-1]), dtype=self.int_dtype)
            free = indptr[:-1].copy()
            for first in range(0, n_docs, SCORE_BATCH):
                batch = [corpus_token_ids[i] for i in range(first, min(first + SCORE_BATCH, n_docs))]
                scores, rows, cols = bm25s._build_scores_and_indices_for_matrix(
                    corpus_token_ids=batch,
                    idf_array=idf_array,
                    avg_doc_len=avg_doc_len,
                    doc_frequencies={0: sum(len(set(ids)) for ids in batch)},  # sizes its arrays
                    k1=self.k1,
                    b=self.b,
                    delta=self.delta,
                    show_progress=False,
                    leave_progress=False,
                    dtype=self.dtype,
                    int_dtype=self.int_dtype,
                    method=self.method,
                    nonoccurrence_array=None,
                )
                order = np.argsort(cols, kind="stable")  # word-major, passages in order within a word
                words_sorted = cols[order]
                counts = np.bincount(cols, minlength=n_vocab)
                starts = np.zeros(n_vocab, dtype=np.int64)
                np.cumsum(counts[:-1], out=starts[1:])
                places = free[words_sorted] + (np.arange(len(order)) - starts[words_sorted])
                data[places] = scores[order]
                indices[places] = rows[order] + first
                free += counts
            return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}

    return BatchedBM25()


class Lexical:
    def __init__(self, retriever: Any, stem: bool, size: int) -> None:
        retriever._compute_relevance_from_scores = _relevance
        self.retriever = retriever
        self.stem = stem
        self.size = size
        self._stemmer = stemmer_for(stem)

    @classmethod
    def tokenizer(cls, *, stem: bool = True) -> Lexical:
        """An empty index, for its `tokens` alone."""
        import bm25s

        return cls(bm25s.BM25(), stem, 0)

    @classmethod
    def build(cls, texts: list[str], *, stem: bool = True) -> Lexical:
        return cls.from_tokens(tokenize(texts, stem=stem), stem=stem)

    @classmethod
    def from_tokens(cls, tokens: Any, *, stem: bool = True, stats: CorpusStats | None = None) -> Lexical:
        """BM25 over the passages `tokens` (their `tokenize`). `stats`: the whole corpus's, when these
        passages are one shard of it; by default their own."""
        import numpy as np

        retriever = _bm25(stats, tokens.vocab)
        if tokens.ids:
            retriever.index(tokens, show_progress=False)
            # Each (word, passage) score as float16, summed per query in float32 (bm25s's dtype): half
            # the memory of the largest array; every `qa eval` figure on the SQuAD subset unchanged.
            retriever.scores["data"] = retriever.scores["data"].astype(np.float16)
        return cls(retriever, stem, len(tokens.ids))

    def tokens(self, text: str) -> list[str]:
        return self._split(text, self._stemmer)

    def words(self, text: str) -> list[str]:
        """The words of `tokens(text)` before stemming: one per token, in the same order."""
        return self._split(text, None)

    @staticmethod
    def _split(text: str, stemmer: Any) -> list[str]:
        import bm25s

        out = bm25s.tokenize(
            [cjk_pairs(text)],
            token_pattern=TOKEN_PATTERN,
            stopwords="en",
            stemmer=stemmer,
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

    def frequencies(self, tokens: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """How many passages use each of `tokens` (0 for a word the index does not know): the length
        of its row in bm25s's word-major matrix; with `allowed` (a mask over the passages: a question's
        filters), how many of the allowed ones."""
        import numpy as np

        if self.size == 0:
            return np.zeros(len(tokens), dtype=np.int64)
        vocab, indptr = self.retriever.vocab_dict, self.retriever.scores["indptr"]
        ids = [vocab.get(t) for t in tokens]
        if allowed is None:
            return np.array([0 if i is None else int(indptr[i + 1] - indptr[i]) for i in ids], dtype=np.int64)
        indices = self.retriever.scores["indices"]
        return np.array(
            [0 if i is None else int(allowed[indices[indptr[i] : indptr[i + 1]]].sum()) for i in ids], dtype=np.int64
        )

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
    return {
        "lexical": {"library": "bm25s", "stemmer": "snowball english", "stopwords": "en", "cjk": "character pairs"}
    }
