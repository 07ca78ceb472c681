"""Choose the follow-up constants of qa/query/conversation.py by cross-validation over conversations.

Every turn of bench/conversations.jsonl (seeds + the news pages' gold bodies, as `make eval-news`
indexes them) is asked with its conversation for each setting of the grid: CARRY_MARGIN (how much
better the carried search must match) x WITHIN_ARTICLE (the carried words choose the article only,
or the passage too). Five folds split by article (conversations sharing an article share a fold):
on each, the setting with the best training score (mean hit@1 over the answerable turns + abstention
on the off-topic turns) is picked and scored on the held-out conversations. Prints the held-out figures by kind of turn.

    .venv/bin/python bench/conversations.py
"""

from __future__ import annotations

import hashlib
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import qa  # noqa: E402
from qa.eval_conversations import load_conversations  # noqa: E402
from qa.evaluate import default_eval_index, judge, parse_corpus, stage_corpora  # noqa: E402
from qa.query import conversation  # noqa: E402

FOLDS = 5
# A negative margin keeps the carried search unless the question alone matches better by more than
# it: in a conversation, a question after another is more often a follow-up than a new subject.
GRID = [(m, w) for w in (True, False) for m in (-0.2, -0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1)]


def fold_keys(conversations: list[list[dict[str, Any]]]) -> dict[str, int]:
    """Each conversation's fold, split by article: conversations that share an article (directly or
    through others) share a fold, keyed by a stable hash of the first of their articles; one with no
    article (wholly off-topic) by its own id."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for conv in conversations:
        sources = sorted({r["source"] for r in conv if r.get("source")}) or [conv[0]["conversation"]]
        for other in sources[1:]:
            a, b = root(sources[0]), root(other)
            parent[max(a, b)] = min(a, b)
    groups: dict[str, str] = {}
    for conv in conversations:
        first = min(r["source"] for r in conv if r.get("source")) if any(r.get("source") for r in conv) else None
        groups[conv[0]["conversation"]] = root(first or conv[0]["conversation"])
    folds = {cid: int(hashlib.sha256(key.encode()).hexdigest(), 16) % FOLDS for cid, key in groups.items()}
    by_article: dict[str, set[int]] = {}
    for conv in conversations:
        for r in conv:
            if r.get("source"):
                by_article.setdefault(r["source"], set()).add(folds[conv[0]["conversation"]])
    assert all(len(f) == 1 for f in by_article.values()), "an article in two folds"
    return folds


def outcomes(engine: Any, conversations: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for conv in conversations:
        history: list[str] = []
        for row in conv:
            o = judge(engine.ask(row["question"], history=history), row)
            out.append({**o, "conversation": row["conversation"], "kind": row.get("kind")})
            history.append(row["question"])
    return out


def score(rows: list[dict[str, Any]]) -> float:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    hit = sum(r["rank"] == 1 for r in ans) / max(1, len(ans))
    return hit + (sum(r["abstained"] for r in una) / len(una) if una else 0.0)


def by_kind(rows: list[dict[str, Any]]) -> str:
    parts = []
    for kind in ("first", "followup", "switch", "offtopic"):
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        if kind == "offtopic":
            parts.append(f"offtopic abstained {sum(r['abstained'] for r in mine) / len(mine):.3f}")
        else:
            h1 = sum(r["rank"] == 1 for r in mine) / len(mine)
            h3 = sum(r["rank"] is not None and r["rank"] <= 3 for r in mine) / len(mine)
            parts.append(f"{kind} hit@1 {h1:.3f} hit@3 {h3:.3f}")
    return "; ".join(parts)


def main() -> int:
    corpus = stage_corpora([parse_corpus("seeds=seeds"), parse_corpus("news-pages=embeddings/news-bodies")])
    index = default_eval_index(corpus)
    qa.build(corpus, index)
    engine = qa.load(index)
    conversations = load_conversations(ROOT / "bench" / "conversations.jsonl")
    folds = fold_keys(conversations)
    results = {}
    for margin, within in GRID:
        conversation.CARRY_MARGIN, conversation.WITHIN_ARTICLE = margin, within
        results[(margin, within)] = outcomes(engine, conversations)
        print(f"margin {margin:.2f} within-article {within!s:5}: whole set {by_kind(results[(margin, within)])}")
    held: list[dict[str, Any]] = []
    fold_scores = []
    for k in range(FOLDS):

        def part(rows: list[dict[str, Any]], inside: bool, k: int = k) -> list[dict[str, Any]]:
            return [r for r in rows if (folds[r["conversation"]] == k) == inside]

        # Ties go to the margin nearest 0: the setting that changes fewest answers from asked alone.
        best = max(GRID, key=lambda g: (score(part(results[g], False)), -abs(g[0])))
        test = part(results[best], True)
        held += test
        fold_scores.append(
            sum(r["rank"] == 1 for r in test if r["kind"] == "followup")
            / max(1, sum(r["kind"] == "followup" for r in test))
        )
        print(f"fold {k}: picked margin {best[0]:.2f} within-article {best[1]}; held out: {by_kind(test)}")
    print(f"held-out, all folds: {by_kind(held)}")
    print(
        f"follow-up hit@1 over folds: mean {statistics.mean(fold_scores):.3f}, "
        f"stdev {statistics.stdev(fold_scores):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
