"""Question sets of several corpora, folds by article, and the per-question judge of `qa eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
from qa.errors import UsageError
from qa.evaluate import assign_folds, parse_corpus, run_eval, stage_corpora, summarise
from tests.conftest import SEEDS, FakeEmbedder


def test_parse_corpus() -> None:
    assert parse_corpus("seeds") == (None, Path("seeds"))
    assert parse_corpus("news=../pages/text") == ("news", Path("../pages/text"))
    with pytest.raises(UsageError, match="NAME=DIR"):
        parse_corpus("a/b=dir")


def test_one_unnamed_corpus_is_used_where_it_is(tmp_path: Path) -> None:
    assert stage_corpora([(None, SEEDS)], tmp_path / "staged") == SEEDS
    assert not (tmp_path / "staged").exists()


def test_several_corpora_are_staged_as_named_subfolders_and_kept_in_step(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("Alpha.\n", encoding="utf-8")
    (other / "notes.bin").write_bytes(b"\x00")
    root = stage_corpora([("seeds", SEEDS), ("other", other)], tmp_path / "staged")
    assert sorted(p.name for p in (root / "seeds").iterdir()) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert (root / "other" / "a.txt").read_text(encoding="utf-8") == "Alpha.\n"
    assert not (root / "other" / "notes.bin").exists()
    (other / "a.txt").write_text("Beta.\n", encoding="utf-8")
    (other / "b.txt").write_text("Gamma.\n", encoding="utf-8")
    stage_corpora([("seeds", SEEDS), ("other", other)], tmp_path / "staged")
    assert (root / "other" / "a.txt").read_text(encoding="utf-8") == "Beta.\n"
    (other / "b.txt").unlink()
    stage_corpora([("seeds", SEEDS), ("other", other)], tmp_path / "staged")
    assert not (root / "other" / "b.txt").exists(), "a file gone from its corpus stayed in the staged copy"
    with pytest.raises(UsageError, match="different name"):
        stage_corpora([("x", SEEDS), ("x", other)], tmp_path / "staged2")


def test_folds_by_article_keep_an_article_in_one_fold() -> None:
    qs = [{"question": f"q{i}", "source": f"art{i % 7}.txt", "id": str(i)} for i in range(40)] + [
        {"question": f"u{i}", "source": None, "id": f"u{i}"} for i in range(10)
    ]
    assert assign_folds(qs, "5") == 5
    by_article: dict[str, set[int]] = {}
    for q in qs:
        if q["source"]:
            by_article.setdefault(q["source"], set()).add(q["fold"])
    assert all(len(f) == 1 for f in by_article.values())
    assert len({q["fold"] for q in qs}) > 1


def test_leave_one_article_out_puts_unanswerables_with_the_article_before_them() -> None:
    qs = [
        {"question": "a1", "source": "b.txt"},
        {"question": "u1", "source": None},
        {"question": "a2", "source": "a.txt"},
        {"question": "u2", "source": None},
    ]
    assert assign_folds(qs, "articles") == 2
    assert [q["fold"] for q in qs] == [1, 1, 0, 0]
    with pytest.raises(UsageError):
        assign_folds(qs, "1")


def test_summarise_counts_an_abstention_as_a_miss() -> None:
    out = summarise(
        [
            {"answerable": True, "abstained": False, "rank": 1, "evidence": True, "confidence": 1.0},
            {"answerable": True, "abstained": True, "rank": None, "evidence": False, "confidence": 0.1},
            {"answerable": False, "abstained": True, "rank": None, "evidence": False, "confidence": 0.1},
        ]
    )
    assert (out["hit@1"], out["false_abstention"], out["abstention_unanswerable"]) == (0.5, 0.5, 1.0)


def test_eval_over_two_named_corpora_reports_folds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "lighthouse.txt").write_text(
        "The Brannoch lighthouse\n\nThe keeper of the Brannoch light was Ewan Rask, who kept it for forty years.\n",
        encoding="utf-8",
    )
    questions = tmp_path / "q.jsonl"
    rows = [
        {"question": "Who kept the Brannoch light?", "source": "other/lighthouse.txt", "answers": ["Ewan Rask"]},
        {"question": "Who met in Moscow?", "source": "seeds/002_299aeecd3ab3c2fd.txt", "answers": ["Morgulov"]},
        {"question": "What is a sourdough starter?", "source": None, "answers": [], "answerable": False},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    corpus = stage_corpora([("seeds", SEEDS), ("other", other)])
    embedder = FakeEmbedder()
    qa.build(corpus, tmp_path / "idx", embedder=embedder)
    engine = qa.load(tmp_path / "idx", embedder=embedder)
    report = run_eval(corpus, questions, engine=engine, folds="2")
    assert report["answerable"] == 2 and report["unanswerable"] == 1
    assert len(report["folds"]) == 2
    assert sum(f["questions"] for f in report["folds"]) == 3
    top = engine.ask("Who kept the Brannoch light?").citations[0]
    assert top.source == "other/lighthouse.txt"


@pytest.mark.parametrize(
    "name",
    [
        "news-questions.jsonl",
        "conversations.jsonl",
        "conversations-held-out.jsonl",
        "conversations-user.jsonl",
        "conversations-long.jsonl",
        "conversations-fresh.jsonl",
        "short-questions.jsonl",
        "cjk-questions.jsonl",
    ],
)
def test_the_committed_question_sets_pass_their_checks(name: str) -> None:
    """Gold answers verbatim in their articles, questions in a reader's words (bench/check_set.py)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    if not (root.parent / "shared" / "benchmarks" / "news-pages").is_dir():
        pytest.skip("../shared/benchmarks/news-pages is not beside this checkout")
    out = subprocess.run(
        [sys.executable, str(root / "bench" / "check_set.py"), str(root / "bench" / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:]
