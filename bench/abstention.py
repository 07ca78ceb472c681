"""Choose the abstention signal by cross-validation, split by article, and report held-out folds.

The confidence qa abstains on is (closest sentence's cosine) x (share of the question's words the
corpus uses) x (share of the question's idf weight that the first cited article holds) ** E. This
script chooses E, and the threshold with it, so that answerable questions are not refused while
questions the corpus does not answer are:

- answerable: the news set (bench/news-questions.jsonl over seeds + the news pages' bodies), the first
  turns of bench/conversations.jsonl that have a source, and the SQuAD subset;
- not answerable: the news set's 25 (off-topic and near-topic), SQuAD's adversarial ones (written
  against the article: near-topic), and off-topic questions: the first turns of the off-topic
  conversations over the news corpus and the off-topic probes of
  tests/integration/test_abstention_and_filters.py over the SQuAD articles (not over the news pages,
  which hold a flu story and a World Cup one).

Five folds, by article (news: the stable hash of `qa eval --folds 5`; SQuAD: one article each;
conversation first turns by their article's hash too, off-topic ones and probes round robin). For
each fold and each E, the threshold is the highest (step
0.01) with at most 0.5 % false abstention on the other folds' answerable questions; E is the one whose
training folds abstain most on the three unanswerable groups (each weighted alike); both are then
scored on the held-out fold.

    .venv/bin/python bench/abstention.py
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from cv import FOLDS, MAX_FALSE_ABSTENTION, THRESHOLDS, engine_for, news_set, squad_set  # noqa: E402

from qa.eval_conversations import load_conversations  # noqa: E402
from qa.evaluate import assign_folds, load_questions  # noqa: E402

EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0)
GROUPS = ("news unanswerable", "SQuAD unanswerable", "off-topic")


def rows_of(engine: Any, questions: list[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    """Each question's confidence without the article share, and the share, by the engine's own code.
    The engine decides on the first stage's first citation, before late interaction may re-order
    them (qa/query/late.py), so the engines here run with it off: the first citation is that one."""
    out = []
    evidence = engine._word_evidence
    real_shares = evidence.shares
    seen: list[float] = []

    def shares(*args: Any, **kwargs: Any) -> tuple[float, float]:
        # The engine's own word shares, the article share recorded and left out of its confidence,
        # which is then exactly the base (cosine x coverage), even where the share is 0.
        coverage, share = real_shares(*args, **kwargs)
        seen.append(share)
        return coverage, 1.0

    evidence.shares = shares
    try:
        for q in questions:
            seen.clear()
            a = engine.ask(q["question"])
            share = seen[-1] if seen else 0.0
            out.append({"group": group, "fold": q["fold"], "base": a.confidence, "share": share, "q": q["question"]})
    finally:
        evidence.shares = real_shares
    return out


def confidence(r: dict[str, Any], e: float) -> float:
    return float(r["base"] * r["share"] ** e)


def threshold(rows: list[dict[str, Any]], e: float) -> float:
    conf = [confidence(r, e) for r in rows if r["group"] == "answerable"]
    best = THRESHOLDS[0]
    for t in THRESHOLDS:
        if sum(c < t for c in conf) / len(conf) <= MAX_FALSE_ABSTENTION:
            best = t
    return best


def rates(rows: list[dict[str, Any]], e: float, t: float) -> dict[str, float]:
    out = {}
    for g in ("answerable", *GROUPS):
        conf = [confidence(r, e) for r in rows if r["group"] == g]
        out[g] = sum(c < t for c in conf) / len(conf) if conf else float("nan")
    return out


def main() -> None:
    from test_abstention_and_filters import OFF_TOPIC

    engine = engine_for(news_set()[0])
    engine.settings = replace(engine.settings, min_confidence=0.0, late_top=0)
    _, news = news_set()
    rows = rows_of(engine, [q for q in news if q.get("answerable")], "answerable")
    rows += rows_of(engine, [q for q in news if not q.get("answerable")], "news unanswerable")
    firsts = [c[0] for c in load_conversations(ROOT / "bench" / "conversations.jsonl")]
    assign_folds(firsts, str(FOLDS))  # by the hash of their article, as the news set
    rows += rows_of(engine, [t for t in firsts if t.get("source")], "answerable")
    rows += rows_of(engine, [t for t in firsts if t["kind"] == "offtopic"], "off-topic")

    # Short questions built around a rare name (bench/short-questions.jsonl): answerable over the news
    # corpus, and again over the seeds alone for those about a seed (a small corpus, where a word of
    # the question the corpus never uses costs most); its unanswerable ones (names no article holds,
    # off-topic, other languages) count as off-topic.
    short = load_questions(ROOT / "bench" / "short-questions.jsonl")
    assign_folds(short, str(FOLDS))
    rows += rows_of(engine, [q for q in short if q["answerable"]], "answerable")
    rows += rows_of(engine, [q for q in short if not q["answerable"]], "off-topic")
    engine = engine_for(ROOT / "seeds")
    engine.settings = replace(engine.settings, min_confidence=0.0, late_top=0)
    rows += rows_of(engine, [q for q in short if q["answerable"] and q["source"].startswith("seeds/")], "answerable")
    rows += rows_of(engine, [q for q in short if not q["answerable"]], "off-topic")

    corpus, squad = squad_set()
    engine = engine_for(corpus)
    engine.settings = replace(engine.settings, min_confidence=0.0, late_top=0)
    rows += rows_of(engine, [q for q in squad if q.get("answerable")], "answerable")
    rows += rows_of(engine, [q for q in squad if not q.get("answerable")], "SQuAD unanswerable")
    probes = [{"question": q, "fold": i % FOLDS} for i, q in enumerate(OFF_TOPIC)]
    rows += rows_of(engine, probes, "off-topic")

    counts = ", ".join(f"{g} {sum(r['group'] == g for r in rows)}" for g in ("answerable", *GROUPS))
    print(f"{len(rows)} questions: {counts}")
    held: dict[float, list[dict[str, float]]] = {e: [] for e in EXPONENTS}
    picks = []
    for f in range(FOLDS):
        train = [r for r in rows if r["fold"] != f]
        test = [r for r in rows if r["fold"] == f]
        scored = []
        for e in EXPONENTS:
            t = threshold(train, e)
            objective = statistics.fmean(rates(train, e, t)[g] for g in GROUPS)
            scored.append((objective, e, t))
            held[e].append({**rates(test, e, threshold(train, e)), "t": t})
        objective, e, t = max(scored, key=lambda s: (round(s[0], 9), -s[1]))
        picks.append((e, t, rates(test, e, t)))
    print("held-out fold by fold (E and threshold picked on the other folds):")
    print("  fold  E     threshold  false abstention  " + "  ".join(f"{g:>18}" for g in GROUPS))
    for f, (e, t, r) in enumerate(picks):
        print(f"  {f:<4}  {e:<4}  {t:<9.2f}  {r['answerable']:<16.3f}  " + "  ".join(f"{r[g]:>18.3f}" for g in GROUPS))
    print("every E, held-out means (stdev over folds):")
    print("  E     threshold  false abstention  " + "  ".join(f"{g:>18}" for g in GROUPS))
    for e in EXPONENTS:
        ts = [h["t"] for h in held[e]]

        def m(g: str, e: float = e) -> str:
            vals = [h[g] for h in held[e] if not np.isnan(h[g])]
            return f"{statistics.fmean(vals):.3f} ({statistics.pstdev(vals):.3f})"

        groups = "  ".join(f"{m(g):>18}" for g in GROUPS)
        print(f"  {e:<4}  {min(ts):.2f}-{max(ts):.2f}  {m('answerable'):<16}  {groups}")
    print("on all folds (the shipped threshold for the shipped E):")
    for e in EXPONENTS:
        t = threshold(rows, e)
        print(f"  E {e}: threshold {t:.2f}, " + ", ".join(f"{g} {v:.3f}" for g, v in rates(rows, e, t).items()))


if __name__ == "__main__":
    main()
