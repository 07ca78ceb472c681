"""Same story, several files: the same article saved as a page and as text, or syndicated to two
outlets with different page chrome. Answers cite such a story once and name the other files in
`also_in` (CITATIONS.md).

Two documents tell the same story when most of the article text of the shorter one occurs in the
other: the share of its word 5-shingles (a deterministic sample of them; in Japanese and Chinese,
character 5-shingles) found in the other is at least MIN_SHARE. Containment rather than overlap,
because one copy often carries more (a text render keeps captions and links the saved page's
extraction drops). When one copy's article regions are wrong (a page's text whose line model kept a
table or a list instead of the article), the other copy's article still lies in its whole text: so
two documents are also one story when the article of one (at least PAGE_SHARE of the other's
sampled shingles: an article, not a teaser or a newsletter blurb that a site repeats on every page)
is found, at MIN_SHARE, anywhere in the other's text (`outside` gives the shingles beyond its
regions). Groups are closed under "same story" (union-find); each document's story is named by the
first source of its group in sorted order.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Words, and each character of Japanese and Chinese text (written without spaces between words): kana,
# ideographs and the iteration mark 々 (佐々木, 人々).
CJK = "\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HANGUL = "\uac00-\ud7af"  # Korean syllables: spaces between words, but a word carries its particles
CJK_LETTER = re.compile(f"[{CJK}]")  # a letter of a script written without spaces between words


def char_pairs(run: str) -> list[str]:
    """A run of letters written without spaces between words ("東京都庁") as its overlapping pairs of
    characters (東京 京都 都庁), which two texts share wherever a word starts; a lone letter as itself."""
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]
_WORD = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
SHINGLE = 5
SAMPLE = 4  # keep the shingles whose hash is 0 modulo this: a quarter, the same ones in every copy
MIN_SHARE = 0.8
MIN_SHINGLES = 8  # fewer sampled shingles than this (a very short text) never joins a story
COMMON = 50  # a shingle found in more documents than this is boilerplate, not evidence
# An article found in another document's whole text joins its story if it is at least this share of
# that text's sampled shingles (README: the 91 shared pages' saved articles are .07-.96 of their text
# renders, the two whose render the line model gets wrong .46 and .53; a site's repeated blurb, a few %).
PAGE_SHARE = 0.25


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


def outside(text: str, regions: Iterable[Iterable[int]]) -> np.ndarray:
    """The sampled shingle hashes of `text` (as `signature` takes them) of the shingles not wholly
    inside one of its regions, sorted, each once: with `signature`, the whole text's. Its words are
    found over the whole text (as `signature` finds the regions' again); only the shingles outside
    the regions are hashed, so a clean article costs little more than that scan."""
    import numpy as np

    spans = sorted((int(a), int(b)) for a, b in regions)
    folded = text.casefold()
    found = list(_WORD.finditer(folded))
    if len(found) < SHINGLE:
        return np.zeros(0, dtype=np.uint32)
    starts = np.array([m.start() for m in found], dtype=np.int64)
    ends = np.array([m.end() for m in found], dtype=np.int64)
    region_starts = np.array([a for a, _ in spans] or [0], dtype=np.int64)
    region_ends = np.array([b for _, b in spans] or [0], dtype=np.int64)
    which = np.searchsorted(region_starts, starts, side="right") - 1
    inside = (which >= 0) & (ends <= region_ends[np.maximum(which, 0)]) if spans else np.zeros(len(found), bool)
    region = np.where(inside, which, -1)
    n = len(found) - SHINGLE + 1
    within = (region[:n] >= 0) & (region[:n] == region[SHINGLE - 1 :])  # regions are runs: ends decide
    words = [m.group(0) for m in found]
    out = set()
    for i in np.flatnonzero(~within).tolist():
        h = zlib.crc32(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
        if h % SAMPLE == 0:
            out.add(h)
    return np.array(sorted(out), dtype=np.uint32)


def stories(signatures: dict[str, np.ndarray], rest: dict[str, np.ndarray] | None = None) -> dict[str, str]:
    """Each source's story: the first source, in sorted order, of the documents it shares it with.
    `rest`: each source's `outside` shingles, for an article found in another's whole text.

    Arrays, not dicts of Python ints: the hashes of every document sorted together, and the pairs of
    documents that share each hash (held by 2 to COMMON documents) counted with numpy; at a million
    passages a dict of every shingle took gigabytes. A document's rest is held by number n + its own."""
    import numpy as np

    names = sorted(signatures)
    n_docs = len(names)
    sizes = np.array([len(signatures[n]) for n in names], dtype=np.int64)
    rest_sizes = np.array([len(rest[n]) if rest else 0 for n in names], dtype=np.int64)
    arrays = [signatures[n] for n in names] + ([rest[n] for n in names] if rest else [])
    hashes = np.concatenate([np.zeros(0, np.uint32), *arrays])
    holder = np.repeat(np.arange(len(arrays), dtype=np.int64), np.r_[sizes, rest_sizes[: len(arrays) - n_docs]])
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
        first_of, second_of = members[:, i].ravel(), members[:, j].ravel()
        keep = first_of < n_docs  # an article with an article or a rest; two rests say nothing
        keys.append(first_of[keep] * 2 * n_docs + second_of[keep])
    pairs, shared = np.unique(np.concatenate(keys), return_counts=True)
    parent = list(range(n_docs))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    # shared[a, b]: article a's shingles in b's article (b < n) or in b's rest (b - n)
    shared_of: dict[int, int] = dict(zip(pairs.tolist(), shared.tolist(), strict=True))

    size: list[int] = sizes.tolist()
    whole: list[int] = (sizes + rest_sizes).tolist()

    def count(a: int, b: int) -> int:
        return shared_of.get(min(a, b) * 2 * n_docs + max(a, b), 0)

    def within(a: int, b: int) -> bool:
        """Article a lies in document b's whole text, and is an article's share of it."""
        found = count(a, b) + (shared_of.get(a * 2 * n_docs + n_docs + b, 0) if rest else 0)
        return size[a] >= MIN_SHINGLES and found >= MIN_SHARE * size[a] and size[a] >= PAGE_SHARE * whole[b]

    candidates = set()
    for key in shared_of:
        a, b = divmod(key, 2 * n_docs)
        b %= n_docs  # a document, whether its article or its rest shared the hashes
        if a != b:
            candidates.add((min(a, b), max(a, b)))
    for a, b in sorted(candidates):
        smaller = min(size[a], size[b])
        if (smaller >= MIN_SHINGLES and count(a, b) >= MIN_SHARE * smaller) or within(a, b) or within(b, a):
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {name: names[root(i)] for i, name in enumerate(names)}


# How systems name a copy of a file: "report - Copy.txt", "report copy.txt", "Copy of report.txt",
# "copy_of_report.txt", "report_copy.txt", "ferry-strike-copy.md", "page (1).html" (a browser's second
# download; not "Top 10 (2019).txt"), "report - Kopie.txt".
_COPY_NAME = re.compile(
    r"(?i)^(?:copy[ _-]of[ _-])|[ _-](?:copy|kopie|copie|copia)(?:[ _-]?\d{1,2})?$|\s\(\d{1,2}\)$"
)


def copy_name(source: str) -> bool:
    """Whether `source`'s file name reads as a copy's of another (`_COPY_NAME`; not "copy-editors.txt")."""
    name = source.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return bool(_COPY_NAME.search(stem))

