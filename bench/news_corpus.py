"""Write the news pages' gold article bodies as plain-text articles, for `qa eval` / bench/cv.py.

../shared/benchmarks/news-pages holds each page three ways: the HTML, the whole page as text (menus,
captions, related links and all) and the human-checked article body. Retrieval is measured on the
article bodies (clean text, like seeds/), so that it is not confounded with boilerplate removal; the
whole-page text is the harder set-up, measured with `--pages text`.

    .venv/bin/python bench/news_corpus.py [--pages bodies|text] [OUT]   # prints the folder
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "benchmarks" / "news-pages"
DEFAULT_OUT = ROOT / "embeddings" / "news-bodies"


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", choices=["bodies", "text"], default="bodies")
    ap.add_argument("out", nargs="?", type=Path, default=None)
    args = ap.parse_args()
    if args.pages == "text":
        print(NEWS / "text")
        return
    out = args.out or DEFAULT_OUT
    if out.exists() and not out.is_dir():
        shutil.rmtree(out)
    print(news_bodies(out))


if __name__ == "__main__":
    main()
