"""Fit and judge the line model of qa/ingest/article_lines.py on the shared news pages' text renders.

Every non-blank line of `news-pages/text/<id>.txt` is labelled article text when at least half of its
word 4-shingles occur in the page's gold article body (a line of fewer than four words: when its
words occur in the body in that order). A logistic model over `article_lines.FEATURES` is fitted
with each line weighted by its shingles (what the benchmark's score counts).

Default: five folds split by a stable hash of the page id; each fold's model is fitted on the other
four and its pages' article regions (the whole `qa.ingest.analyse.analyse` path: rules, model, span) are
scored by the benchmark's rule (bench/extraction.py). Prints every held-out fold, their mean and
spread, against the rules alone on the same pages. Nothing is chosen on the held-out folds: the
regularisation is scikit-learn's default (C=1) and the span keeps lines more likely article than not.

`--write` fits on every page and writes qa/ingest/line_model.json (what qa ships).

    .venv/bin/python bench/lines.py [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extraction import PAGES, page_score, summary  # noqa: E402

from qa.ingest import article_lines  # noqa: E402
from qa.ingest.lines import Line, article_regions, classify_lines, link_text  # noqa: E402

FOLDS = 5
_TOKEN = re.compile(r"\w+")


def fold_of(page_id: str) -> int:
    return int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % FOLDS


def label(line: str, gold_tokens: str, gold_shingles: set[tuple[str, ...]]) -> bool:
    tokens = _TOKEN.findall(line)
    if len(tokens) >= 4:
        sh = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
        return sum(s in gold_shingles for s in sh) / len(sh) >= 0.5
    return bool(tokens) and f" {' '.join(tokens)} " in gold_tokens


class Page:
    def __init__(self, page_id: str, body: str, text: str | None = None, links: frozenset[int] = frozenset()) -> None:
        """The page's text render, or `text` (its gold body as a clean article, its PDF's text, with
        where its link-text lines start)."""
        self.id, self.body = page_id, body
        self.text = text if text is not None else (PAGES / "text" / f"{page_id}.txt").read_text(encoding="utf-8")
        self.lines: list[Line] = link_text(classify_lines(self.text), links)
        body_lines = [ln for ln in self.lines if ln.kind != "blank"]
        tokens = _TOKEN.findall(body)
        joined = f" {' '.join(tokens)} "
        shingles = {tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)}
        self.x = article_lines.features(body_lines)
        self.y = np.array([label(ln.text, joined, shingles) for ln in body_lines], dtype=float)
        self.w = np.array([max(len(_TOKEN.findall(ln.text)) - 3, 1) for ln in body_lines], dtype=float)

    def score(self, weights: np.ndarray | None) -> tuple[float | None, float]:
        lines = self.lines if weights is None else article_lines.select(self.lines, weights)
        return page_score("\n\n".join(self.text[a:b] for a, b in article_regions(lines)), self.body)


def fit(pages: list[Page]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    w = np.concatenate([p.w for p in pages])
    model = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False).fit(x, y, sample_weight=w)
    return np.asarray(model.coef_[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="fit on every page and write qa/ingest/line_model.json")
    ap.add_argument("--pdfs", type=Path, help="also score the pages printed to PDF (bench/print_pdf.py) in this folder")
    ap.add_argument("--train-pdfs", action="store_true", help="fit on the PDFs' text too (with --pdfs)")
    args = ap.parse_args()
    if not PAGES.is_dir():
        print(f"lines: {PAGES} is missing (the shared benchmark lies beside the project)", file=sys.stderr)
        return 1
    gold = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [Page(pid, g["articleBody"]) for pid, g in sorted(gold.items())]
    clean = [Page(pid, g["articleBody"], g["articleBody"].strip() + "\n") for pid, g in sorted(gold.items())]
    pdfs = []
    if args.pdfs:
        from print_pdf import print_pages

        from qa.ingest.pdf_reader import pdf_text

        printed, _ = print_pages(sorted(gold), args.pdfs)
        pdfs = []
        for f in printed:
            text, _, links, _ = pdf_text(f.name, f.read_bytes())
            pdfs.append(Page(f.stem, gold[f.stem]["articleBody"], text, links))

    held: list[dict[str, Any]] = []
    all_rules, all_model = [], []
    clean_rules: list[tuple[float | None, float]] = []
    clean_model: list[tuple[float | None, float]] = []
    pdf_scores: list[tuple[float | None, float]] = []
    print(f"{'fold':>4} {'pages':>5}  {'rules P / R / F1':>20}  {'model P / R / F1':>20}")
    for k in range(FOLDS):
        train = [p for p in pages if fold_of(p.id) != k]
        test = [p for p in pages if fold_of(p.id) == k]
        weights = fit(train + ([p for p in pdfs if fold_of(p.id) != k] if args.train_pdfs else []))
        ptest = [p for p in pdfs if fold_of(p.id) == k]
        pdf_scores += [p.score(weights) for p in ptest]
        rules = [p.score(None) for p in test]
        model = [p.score(weights) for p in test]
        # The same fold's gold bodies as clean plain-text articles: what the model costs a clean file.
        ctest = [p for p in clean if fold_of(p.id) == k]
        clean_rules += [p.score(None) for p in ctest]
        clean_model += [p.score(weights) for p in ctest]
        all_rules += rules
        all_model += model
        r, m = summary(rules), summary(model)
        held.append(m)
        print(
            f"{k:>4} {len(test):>5}  {r['precision']:.3f} / {r['recall']:.3f} / {r['f1']:.3f}"
            f"  {m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}"
        )
    f1s = [h["f1"] for h in held]
    r, m = summary(all_rules), summary(all_model)
    print(
        f"held-out pages pooled: rules F1 {r['f1']:.3f} (P {r['precision']:.3f}), model F1 {m['f1']:.3f} "
        f"(P {m['precision']:.3f}, R {m['recall']:.3f}); fold F1 mean {statistics.mean(f1s):.3f} "
        f"stdev {statistics.stdev(f1s):.3f} min {min(f1s):.3f}"
    )
    cr, cm = summary(clean_rules), summary(clean_model)
    print(f"clean articles (the gold bodies as .txt), recall kept: rules {cr['recall']:.3f}, model {cm['recall']:.3f}")
    if pdfs:
        f = summary(pdf_scores)
        print(
            f"the pages printed to PDF by Chromium ({f['pages']}), held out: "
            f"P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}"
        )
    if args.write:
        weights = fit(pages + (pdfs if args.train_pdfs else []))
        data = {
            "about": "qa/ingest/article_lines.py line model; written by bench/lines.py --write",
            "fitted_on": f"{len(pages)} text renders of ../shared/benchmarks/news-pages",
            "written": dt.date.today().isoformat(),
            "weights": {f: round(float(v), 6) for f, v in zip(article_lines.FEATURES, weights, strict=True)},
        }
        article_lines.MODEL_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {article_lines.MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
