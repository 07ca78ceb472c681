"""The outlet qa reads from the news pages' whole-page text, against the site name each saved page
declares (`og:site_name` of `../shared/benchmarks/news-pages/html/`): agrees, none, or another name
(most often the owner: "Hearst Communications, Inc" for the Connecticut Post).

    .venv/bin/python bench/outlets.py [-v]
"""

from __future__ import annotations

import argparse
import gzip
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGES = ROOT.parent / "shared" / "benchmarks" / "news-pages"
_SITE = (
    re.compile(r"<meta[^>]+property=[\"']og:site_name[\"'][^>]*content=[\"']([^\"']+)"),
    re.compile(r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]*property=[\"']og:site_name"),
)


def site_name(page: Path) -> str | None:
    """The site name a saved page declares, if it declares one."""
    if not page.exists():
        return None
    raw = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
    for pattern in _SITE:
        m = pattern.search(raw)
        if m:
            return html.unescape(m.group(1)).strip()
    return None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def main() -> None:
    from qa.ingest.files import read_document

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every page's outlet and site name")
    args = parser.parse_args()
    counts = {"agrees": 0, "none": 0, "another name": 0, "page names no site": 0}
    for text in sorted((PAGES / "text").iterdir()):
        site = site_name(PAGES / "html" / f"{text.stem}.html.gz")
        outlet = read_document(text, text.parent).outlet
        if site is None:
            kind = "page names no site"
        elif outlet is None:
            kind = "none"
        elif _norm(site) in _norm(outlet) or _norm(outlet) in _norm(site):
            kind = "agrees"
        else:
            kind = "another name"
        counts[kind] += 1
        if args.verbose:
            print(f"{kind:20} {text.name[:12]}  {outlet!r}  (site: {site!r})")
    print(", ".join(f"{kind} {n}" for kind, n in counts.items()))


if __name__ == "__main__":
    main()
