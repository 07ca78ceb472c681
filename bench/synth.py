"""Synthetic but realistic corpora for the scale benchmark, made offline from articles we already have.

Each synthetic article takes a handful of paragraphs of one source article (the benchmark's and the
seeds'), in a shuffled order, under a headline and a "Published on:" line, with its numbers shifted
and a share of its proper names swapped for other names of the corpus. Everything is seeded, so the
same target size gives the same files byte for byte, and no two articles are copies of each other
(duplicates would flatter any index: FAISS and BM25 cost the same, but the model sees fewer distinct
texts than the passage count says).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

# A paragraph worth keeping: prose (ends like a sentence) and not a short label or navigation line.
MIN_PARAGRAPH_CHARS = 60
_SENTENCE_END = (".", "!", "?", '"', "”", "’", ")")
# A capitalised word that follows a lower-case word is a name, not a sentence start.
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}(?:-[A-Z]?[a-z]+)?\b")
_NUMBER = re.compile(r"\b\d+\b")
_WORD = re.compile(r"\b[A-Z][a-z]{2,}(?:-[A-Z]?[a-z]+)?\b")


@dataclass(frozen=True)
class Source:
    stem: str
    title: str
    paragraphs: tuple[str, ...]


def load_sources(folders: list[Path]) -> list[Source]:
    """The prose paragraphs of every .txt/.md article in `folders` (first non-empty line = title)."""
    sources = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".txt", ".md") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
            if not blocks:
                continue
            title = blocks[0].split("\n", 1)[0].strip()
            paragraphs = tuple(
                " ".join(b.split())
                for b in blocks[1:]
                if len(b) >= MIN_PARAGRAPH_CHARS and b.rstrip().endswith(_SENTENCE_END)
            )
            if paragraphs:
                sources.append(Source(path.stem, title, paragraphs))
    if not sources:
        raise ValueError(f"no usable articles in {', '.join(map(str, folders))}")
    return sources


def _perturb(text: str, names: dict[str, str], shift: int) -> str:
    text = _NUMBER.sub(lambda m: str(int(m.group()) + shift), text)
    return _WORD.sub(lambda m: names.get(m.group(), m.group()), text)


def write_corpus(out_dir: Path, sources: list[Source], target_chars: int, seed: int = 0) -> dict[str, int]:
    """Write synthetic articles into `out_dir` until they hold at least `target_chars` characters.

    Returns {"files": n, "chars": total, "bytes": total utf-8 bytes}.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    pool = sorted({m.group() for s in sources for p in s.paragraphs for m in _NAME.finditer(p)})
    files = chars = nbytes = 0
    variant = 0
    while chars < target_chars:
        for src in sources:
            rng = random.Random(f"{seed}:{variant}:{src.stem}")
            paragraphs = list(src.paragraphs)
            rng.shuffle(paragraphs)
            part = 0
            while paragraphs and chars < target_chars:
                take = rng.randint(4, 8)
                group, paragraphs = paragraphs[:take], paragraphs[take:]
                present = sorted({m.group() for p in group for m in _NAME.finditer(p)})
                names = {n: rng.choice(pool) for n in present if rng.random() < 0.4}
                shift = rng.randint(1, 9)
                date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
                headline = f"{_perturb(src.title, names, shift)}: {' '.join(group[0].split()[:8]).rstrip(',.;:')}"
                body = "\n\n".join(_perturb(p, names, shift) for p in group)
                text = f"{headline}\n\nPublished on: {date:%Y/%m/%d}\n\n{body}\n"
                (out_dir / f"{files:06d}_{src.stem}_{variant}_{part}.txt").write_text(text, encoding="utf-8")
                files += 1
                part += 1
                chars += len(text)
                nbytes += len(text.encode("utf-8"))
            if chars >= target_chars:
                break
        variant += 1
    return {"files": files, "chars": chars, "bytes": nbytes}
