"""Write the news pages' gold article bodies as plain-text articles, for `qa eval` / bench/cv.py.

../shared/benchmarks/news-pages holds each page three ways: the HTML, the whole page as text (menus,
captions, related links and all) and the human-checked article body. Retrieval is measured on the
article bodies (clean text, like seeds/), so that it is not confounded with boilerplate removal; the
whole-page text is the harder set-up, measured with `--pages text`; `--pages html` writes the saved
pages themselves (`<id>.html`, read by qa's HTML reader, ingestion included) and the news set's
questions with their sources renamed to them (`make eval-news-html`).

    .venv/bin/python bench/news_corpus.py [--pages bodies|text|html] [OUT]   # prints the folder
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "benchmarks" / "news-pages"
DEFAULT_OUT = ROOT / "embeddings" / "news-bodies"
HTML_OUT = ROOT / "embeddings" / "news-html"
QUESTIONS = ROOT / "bench" / "news-questions.jsonl"


def news_bodies(out: Path = DEFAULT_OUT) -> Path:
    """`out/<id>.txt` = the page's gold article body (rewritten only when it differs)."""
    truth = json.loads((NEWS / "ground-truth.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    for page_id, row in truth.items():
        path = out / f"{page_id}.txt"
        body = row["articleBody"].strip() + "\n"
        if not path.is_file() or path.read_text(encoding="utf-8") != body:
            path.write_text(body, encoding="utf-8")
    for path in out.glob("*.txt"):
        if path.stem not in truth:
            path.unlink()
    return out


def news_html(out: Path = HTML_OUT) -> Path:
    """`out/<id>.html` = the saved page, and `out.parent/<out name>-questions.jsonl` = the news set
    with each news page's source renamed to its `.html` copy (rewritten only when they differ)."""
    out.mkdir(parents=True, exist_ok=True)
    for gz in sorted((NEWS / "html").glob("*.html.gz")):
        path = out / gz.name.removesuffix(".gz")
        page = gzip.decompress(gz.read_bytes())
        if not path.is_file() or path.read_bytes() != page:
            path.write_bytes(page)
    rows = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if (row.get("source") or "").startswith("news-pages/"):
            row["source"] = row["source"].removesuffix(".txt") + ".html"
        rows.append(json.dumps(row, ensure_ascii=False))
    questions = out.parent / f"{out.name}-questions.jsonl"
    text = "\n".join(rows) + "\n"
    if not questions.is_file() or questions.read_text(encoding="utf-8") != text:
        questions.write_text(text, encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", choices=["bodies", "text", "html"], default="bodies")
    ap.add_argument("out", nargs="?", type=Path, default=None)
    args = ap.parse_args()
    if args.pages == "text":
        print(NEWS / "text")
        return
    if args.pages == "html":
        print(news_html(args.out or HTML_OUT))
        return
    out = args.out or DEFAULT_OUT
    if out.exists() and not out.is_dir():
        shutil.rmtree(out)
    print(news_bodies(out))


if __name__ == "__main__":
    main()
