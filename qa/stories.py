"""Same story, several files: the same article saved as a page and as text, or syndicated to two
outlets with different page chrome. Answers cite such a story once and name the other files in
`also_in` (CITATIONS.md).

Two documents tell the same story when most of the article text of the shorter one occurs in the
other: the share of its word 5-shingles (a deterministic sample of them; in Japanese and Chinese,
character 5-shingles) found in the other is at least MIN_SHARE. Containment rather than overlap,
because one copy often carries more (a text render keeps captions and links the saved page's
extraction drops). Groups are closed under "same story" (union-find); each document's story is
named by the first source of its group in sorted order.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Words, and each character of Japanese and Chinese text (written without spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
SHINGLE = 5
SAMPLE = 4  # keep the shingles whose hash is 0 modulo this: a quarter, the same ones in every copy
MIN_SHARE = 0.8
MIN_SHINGLES = 8  # fewer sampled shingles than this (a very short text) never joins a story
COMMON = 50  # a shingle found in more documents than this is boilerplate, not evidence


def signature(text: str, regions: Iterable[Iterable[int]]) -> np.ndarray:
    """The sampled shingle hashes of a document's article regions, sorted, each once (uint32)."""
    import numpy as np

    words: list[str] = []
    for start, end in regions:
        words += _WORD.findall(text[start:end].casefold())
    out = set()
    for i in range(len(words) - SHINGLE + 1):
        h = zlib.crc32(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
        if h % SAMPLE == 0:
            out.add(h)
    return np.array(sorted(out), dtype=np.uint32)


def stories(signatures: dict[str, np.ndarray]) -> dict[str, str]:
    """Each source's story: the first source, in sorted order, of the documents it shares it with.

    Arrays, not dicts of Python ints: the hashes of every document sorted together, and the pairs of
    documents that share each hash (held by 2 to COMMON documents) counted with numpy; at a million
    passages a dict of every shingle took gigabytes."""
    import numpy as np

    names = sorted(signatures)
    sizes = np.array([len(signatures[n]) for n in names], dtype=np.int64)
    hashes = np.concatenate([np.zeros(0, np.uint32), *(signatures[n] for n in names)])
    holder = np.repeat(np.arange(len(names), dtype=np.int64), sizes)
    order = np.lexsort((holder, hashes))
    hashes, holder = hashes[order], holder[order]
    first = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]]) if len(hashes) else np.zeros(0, np.int64)
    run = np.diff(np.r_[first, len(hashes)])
    keys = [np.zeros(0, np.int64)]
    for length in range(2, COMMON + 1):
        starts = first[run == length]
        if not len(starts):
            continue
        members = holder[starts[:, None] + np.arange(length)]  # one row per hash: its documents, ascending
        i, j = np.triu_indices(length, 1)
        keys.append((members[:, i] * len(names) + members[:, j]).ravel())
    pairs, shared = np.unique(np.concatenate(keys), return_counts=True)
    parent = list(range(len(names)))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for key, n in zip(pairs.tolist(), shared.tolist(), strict=True):
        a, b = divmod(key, len(names))
        smaller = int(min(sizes[a], sizes[b]))
        if smaller >= MIN_SHINGLES and n >= MIN_SHARE * smaller:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {name: names[root(i)] for i, name in enumerate(names)}
