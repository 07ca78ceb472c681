"""Same story, several files: the same article saved as a page and as text, or syndicated to two
outlets with different page chrome. Answers cite such a story once and name the other files in
`also_in` (CITATIONS.md).

Two documents tell the same story when most of the article text of the shorter one occurs in the
other: the share of its word 5-shingles (a deterministic sample of them; in Japanese and Chinese,
character 5-shingles) found in the other is at least MIN_SHARE. Containment rather than overlap,
because one copy often carries more (a text render keeps captions and links the saved page's
extraction drops). Groups are closed under "same story"
(union-find); each document's story is named by the first source of its group in sorted order.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable

# Words, and each character of Japanese and Chinese text (written without spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
SHINGLE = 5
SAMPLE = 4  # keep the shingles whose hash is 0 modulo this: a quarter, the same ones in every copy
MIN_SHARE = 0.8
MIN_SHINGLES = 8  # fewer sampled shingles than this (a very short text) never joins a story
COMMON = 50  # a shingle found in more documents than this is boilerplate, not evidence


def signature(text: str, regions: Iterable[Iterable[int]]) -> set[int]:
    """The sampled shingle hashes of a document's article regions."""
    words: list[str] = []
    for start, end in regions:
        words += _WORD.findall(text[start:end].casefold())
    out = set()
    for i in range(len(words) - SHINGLE + 1):
        h = zlib.crc32(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
        if h % SAMPLE == 0:
            out.add(h)
    return out


def stories(signatures: dict[str, set[int]]) -> dict[str, str]:
    """Each source's story: the first source, in sorted order, of the documents it shares it with."""
    holders: dict[int, list[str]] = defaultdict(list)
    for source, sig in signatures.items():
        for h in sig:
            holders[h].append(source)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for sources in holders.values():
        if 1 < len(sources) <= COMMON:
            for i, a in enumerate(sources):
                for b in sources[i + 1 :]:
                    shared[(a, b) if a < b else (b, a)] += 1
    parent = {s: s for s in signatures}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for (a, b), n in shared.items():
        smaller = min(len(signatures[a]), len(signatures[b]))
        if smaller >= MIN_SHINGLES and n >= MIN_SHARE * smaller:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {s: root(s) for s in signatures}
