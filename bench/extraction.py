"""Article extraction on the shared news pages: qa's article regions against the gold bodies.

For every page of ../shared/benchmarks/news-pages, qa reads the saved page (`html/<id>.html.gz`) and
its whole-page text render (`text/<id>.txt`) as it would in a corpus folder; the article regions
(what `qa documents --json` lists, the spans citations may come from) are scored against the gold
article body by the benchmark's own rule (its README): word 4-shingles, per-page shares, precision
and recall averaged over pages, F1 their harmonic mean.

With `--retrieval`, the 91 saved pages are indexed together (the real model) and a sentence from the
middle of each gold body is asked as a question: how often the first citation is that page, and how
often its excerpt lies inside the gold body (at least 90 % of its 4-shingles in the body).

    .venv/bin/python bench/extraction.py [--retrieval] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.errors import CorpusError  # noqa: E402
from qa.ingest.files import read_document  # noqa: E402

PAGES = ROOT.parent / "shared" / "benchmarks" / "news-pages"
_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_score(extracted: str, gold: str) -> tuple[float | None, float]:
    """(precision or None when nothing was extracted and nothing was to find, recall) of one page."""
    e, g = shingles(extracted), shingles(gold)
    tp = sum((e & g).values())
    fp, fn = sum(e.values()) - tp, sum(g.values()) - tp
    if fp == 0 and fn == 0:
        return (1.0 if tp else None), 1.0
    total = tp + fp + fn
    tp_s, fp_s, fn_s = tp / total, fp / total, fn / total
    precision = tp_s / (tp_s + fp_s) if tp_s + fp_s else None
    recall = tp_s / (tp_s + fn_s) if tp_s + fn_s else 1.0
    return precision, recall


def summary(scores: list[tuple[float | None, float]]) -> dict[str, float]:
    ps = [p for p, _ in scores if p is not None]
    rs = [r for _, r in scores]
    p = sum(ps) / max(1, len(ps))
    r = sum(rs) / max(1, len(rs))
    return {"pages": len(scores), "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def regions_text(path: Path, root: Path) -> tuple[str, str | None]:
    """The article regions of one file joined by blank lines, and a skip reason if qa skips it."""
    try:
        doc = read_document(path, root)
    except CorpusError as err:
        return "", str(err)
    return "\n\n".join(doc.text[a:b] for a, b in doc.regions), None


def measure() -> dict[str, Any]:
    gold = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for kind in ("html", "text"):
            scores, skipped, t0 = [], [], time.perf_counter()
            for page_id, g in sorted(gold.items()):
                if kind == "html":
                    path = root / f"{page_id}.html"
                    path.write_bytes(gzip.decompress((PAGES / "html" / f"{page_id}.html.gz").read_bytes()))
                else:
                    path = PAGES / "text" / f"{page_id}.txt"
                text, reason = regions_text(path, path.parent)
                if reason:
                    skipped.append(reason)
                scores.append(page_score(text, g["articleBody"]))
            out[kind] = {**summary(scores), "skipped": skipped, "seconds": round(time.perf_counter() - t0, 1)}
    return out


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


def middle_sentence(body: str) -> str | None:
    """A sentence of at least eight words from the middle of a gold body."""
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(body.split())) if len(s.split()) >= 8]
    return sentences[len(sentences) // 2] if sentences else None


def retrieval() -> dict[str, Any]:
    import qa

    gold = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pages"
        root.mkdir()
        for page_id in gold:
            (root / f"{page_id}.html").write_bytes(
                gzip.decompress((PAGES / "html" / f"{page_id}.html.gz").read_bytes())
            )
        qa.build(root, Path(tmp) / "index")
        engine = qa.load(Path(tmp) / "index")
        asked = first = inside = 0
        misses = []
        for page_id, g in sorted(gold.items()):
            question = middle_sentence(g["articleBody"])
            if question is None:
                continue
            asked += 1
            answer = engine.ask(question, 3)
            cites = answer.citations or answer.nearest
            if not cites:
                misses.append(page_id)
                continue
            c = cites[0]
            if c.source == f"{page_id}.html":
                first += 1
            else:
                misses.append(page_id)
            body = shingles(gold[c.source.removesuffix(".html")]["articleBody"])
            mine = shingles(c.text)
            if mine and sum((mine & body).values()) >= 0.9 * sum(mine.values()):
                inside += 1
        return {"pages": asked, "first_is_page": first / asked, "first_inside_body": inside / asked, "misses": misses}


def same_story() -> dict[str, Any]:
    """Each page as HTML and as its text render, grouped by qa/stories.py: how many pairs are one
    story, and how many stories join two different pages."""
    from qa.ingest.files import read_document
    from qa.stories import outside, signature, stories

    gold = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    sigs: dict[str, Any] = {}
    rests: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for page_id in gold:
            html = root / f"{page_id}.html"
            html.write_bytes(gzip.decompress((PAGES / "html" / f"{page_id}.html.gz").read_bytes()))
            for path in (html, PAGES / "text" / f"{page_id}.txt"):
                try:
                    doc = read_document(path, path.parent)
                except CorpusError:
                    continue
                sigs[path.name] = signature(doc.text, doc.regions)
                rests[path.name] = outside(doc.text, doc.regions)
    story = stories(sigs, rests)
    paired = sum(
        1 for p in gold if story.get(f"{p}.html") is not None and story.get(f"{p}.html") == story.get(f"{p}.txt")
    )
    pages_of: dict[str, set[str]] = {}
    for name, s in story.items():
        pages_of.setdefault(s, set()).add(name.split(".")[0])
    return {
        "pages": len(gold),
        "pairs_one_story": paired,
        "stories_joining_pages": sum(len(v) > 1 for v in pages_of.values()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--retrieval", action="store_true", help="also index the pages and ask a sentence of each")
    args = ap.parse_args()
    if not PAGES.is_dir():
        print(f"extraction: {PAGES} is missing (the shared benchmark lies beside the project)", file=sys.stderr)
        return 1
    r = measure()
    for kind, label in (("html", "saved pages (.html)"), ("text", "whole-page text renders (.txt)")):
        f = r[kind]
        print(
            f"{label:32} {f['pages']} pages: precision {f['precision']:.3f} recall {f['recall']:.3f} "
            f"F1 {f['f1']:.3f}  ({len(f['skipped'])} skipped, {f['seconds']} s)"
        )
    r["stories"] = st = same_story()
    print(
        f"each page as HTML and as text: {st['pairs_one_story']} of {st['pages']} pairs are one story; "
        f"{st['stories_joining_pages']} stories join different pages"
    )
    if args.retrieval:
        r["retrieval"] = q = retrieval()
        print(
            f"a middle sentence of each gold body asked ({q['pages']} pages): first citation is the page "
            f"{q['first_is_page']:.3f}, inside the gold body {q['first_inside_body']:.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
