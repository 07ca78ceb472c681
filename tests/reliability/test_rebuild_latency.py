"""Questions through the HTTP API while the server rebuilds its index (in its worker process).

A server of its own over the seeds (under QA_STRESS=1, the seeds and ~10k passages of synthetic
articles) answers a chat user's questions, idle and then while a rebuild adds a large article.
Asserted: no question fails, every citation is an exact slice of its file, and the rebuild really
ran while questions were asked. The latency figures are printed, not asserted (timing targets live
in bench/: `make bench` reports the same measurement as a ratio with its target).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qa.config import Settings
from qa.service import Service
from tests.conftest import ROOT
from tests.reliability.conftest import STRESS, Case
from tests.ui.conftest import free_port

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

sys.path.insert(0, str(ROOT / "bench"))

BASE_CHARS = 4_500_000 if STRESS else 0  # ~10k passages of synthetic news beside the seeds
ARTICLE_CHARS = 145_000


def test_questions_during_a_rebuild_are_answered_without_waiting_for_it(
    tmp_path: Path, tally: Callable[..., Case]
) -> None:
    from gradio_client import Client
    from rebuild_latency import corpus, large_article, phases

    import qa
    from ui.app import build_app
    from ui.server import launch

    case = tally("latency: questions during a rebuild")
    seeds = corpus(tmp_path, BASE_CHARS)
    settings = Settings(seeds_dir=seeds, index_dir=tmp_path / "embeddings")
    qa.build(settings=settings)
    service = Service(settings)
    running = launch(build_app(service), "127.0.0.1", free_port(), block=False)
    client = Client(running.url, verbose=False)
    article = tmp_path / "long_report.txt"
    large_article(article, ARTICLE_CHARS)

    def ask(question: str) -> Any:
        return client.predict(question, 5, "", "", "", api_name="/ask")

    try:
        r = phases(service, lambda: shutil.copy(article, seeds / article.name), ask, idle_n=40)
    finally:
        client.close()
        running.close()
    for error in r["errors"]:
        case.check(False, f"a question failed during the rebuild: {error}")
    for answer in r["answers"]:
        for c in answer["citations"]:
            text = (seeds / c["source"]).read_text(encoding="utf-8-sig")
            case.check(c["text"] == text[c["start_char"] : c["end_char"]], f"{c['source']}: not the file's slice")
    case.check(r["during"]["n"] >= 3, f"only {r['during']['n']} questions were asked during the rebuild")
    i, d = r["idle"], r["during"]
    print(
        f"latency: {r['passages']} passages, rebuild {r['rebuild_s']:.1f} s; idle p50 {i['p50_ms']:.0f} ms "
        f"p95 {i['p95_ms']:.0f} ms ({i['n']} q); during p50 {d['p50_ms']:.0f} ms p95 {d['p95_ms']:.0f} ms "
        f"({d['n']} q); p95 ratio {d['p95_ms'] / i['p95_ms']:.2f}x"
    )
    case.assert_all_held()
