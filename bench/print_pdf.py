"""Print the shared news pages to PDF with Chromium, as a reader does with "Save as PDF", and score
the article regions qa reads from those PDFs against the gold bodies.

Each page is printed by headless Chromium (Debian's `chromium`, driven by Playwright) with its
default header and footer (date, title, URL, "1/3"), with JavaScript off and every network request
refused (the saved page is all there is). A page is printed in a process of its own with a time
limit, since a few pages keep Chromium's layout busy for minutes; such a page is reported and left
out. The PDFs are kept in OUT (default: embeddings/news-pdfs) and reused.

    .venv/bin/python bench/print_pdf.py [--out DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extraction import PAGES, page_score, regions_text, summary  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DEFAULT_OUT = ROOT / "embeddings" / "news-pdfs"
PAGE_SECONDS = 60.0


# Playwright prints no header or footer unless given templates; these lay out what Chromium's print
# dialog prints by default: the date and the page title at the top, the address and "page/pages" at
# the bottom.
_STYLE = "font-size:8px;width:100%;margin:0 1cm;display:flex;justify-content:space-between"
HEADER = f'<div style="{_STYLE}"><span class="date"></span><span class="title"></span><span></span></div>'
_PAGE = '<span class="pageNumber"></span>/<span class="totalPages"></span>'
FOOTER = f'<div style="{_STYLE}"><span class="url"></span><span>{_PAGE}</span></div>'


def print_html(html: bytes, pdf: Path, seconds: float = PAGE_SECONDS) -> None:
    """Print a saved page to `pdf` with Chromium's default header and footer, JavaScript off and
    every request but the page itself refused. The page is saved beside `pdf` while it prints, so
    the footer shows a file address as it does for a reader's saved page."""
    from playwright.sync_api import sync_playwright

    saved = pdf.with_suffix(".html")
    saved.write_bytes(html)
    url = saved.resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(java_script_enabled=False)
            context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded", timeout=int(seconds * 1000))
            tmp = pdf.with_suffix(".part")
            margin = {"top": "1.5cm", "bottom": "1.5cm", "left": "1cm", "right": "1cm"}
            tmp.write_bytes(
                page.pdf(display_header_footer=True, header_template=HEADER, footer_template=FOOTER, margin=margin)
            )
            tmp.replace(pdf)
        finally:
            browser.close()
            saved.unlink(missing_ok=True)


def print_pages(ids: list[str], out: Path, seconds: float = PAGE_SECONDS) -> tuple[list[Path], list[str]]:
    """PDFs of the pages `ids` in `out` (printed if missing), and the ids that could not be printed."""
    out.mkdir(parents=True, exist_ok=True)
    done, failed = [], []
    for page_id in ids:
        pdf = out / f"{page_id}.pdf"
        if not pdf.is_file():
            cmd = [sys.executable, __file__, "--one", page_id, "--out", str(out)]
            try:
                subprocess.run(cmd, check=True, timeout=seconds, capture_output=True)
            except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
                failed.append(page_id)
                continue
        done.append(pdf)
    return done, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (by id)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print_html(gzip.decompress((PAGES / "html" / f"{args.one}.html.gz").read_bytes()), args.out / f"{args.one}.pdf")
        return 0
    if not PAGES.is_dir():
        print(f"print_pdf: {PAGES} is missing (the shared benchmark lies beside the project)", file=sys.stderr)
        return 1
    gold = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(gold)[: args.limit or None]
    t0 = time.perf_counter()
    pdfs, failed = print_pages(ids, args.out)
    printed = time.perf_counter() - t0
    scores, skipped = [], []
    for pdf in pdfs:
        text, reason = regions_text(pdf, pdf.parent)
        if reason:
            skipped.append(reason)
        scores.append(page_score(text, gold[pdf.stem]["articleBody"]))
    f = summary(scores)
    print(
        f"Chromium PDFs (.pdf)             {f['pages']} pages: precision {f['precision']:.3f} recall {f['recall']:.3f} "
        f"F1 {f['f1']:.3f}  ({len(skipped)} skipped; {len(failed)} of {len(ids)} could not be printed "
        f"in {PAGE_SECONDS:.0f} s; printing took {printed:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
