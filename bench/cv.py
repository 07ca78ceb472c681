"""Choose retrieval constants by cross-validation split by article, and report held-out folds.

Two question sets, each split into five folds by article:
- the news set (bench/news-questions.jsonl over seeds/ + ../shared/benchmarks/news-pages/text): folds
  by a stable hash of the source article; unanswerable questions by a hash of their id;
- the SQuAD subset: leave one article out (its unanswerable questions go with the article they were
  written against, the one of the answerable question before them in the file).

Every candidate setting (a grid over the query-time constants: fusion weights, the evidence share of
the previous sentence, the relative score cut) is run on every question once; then, for each fold
i, the setting with the best mean objective on the other four folds of both sets is picked and
scored on fold i alone. The held-out figures of those picks are what generalises; a setting that
wins on the tuned folds but not on the held-out ones is overfitting. The abstention threshold is
picked the same way: the highest threshold whose false abstention on the training folds is at most
0.5 %, then reported on the held-out fold.

    .venv/bin/python bench/cv.py [--grid default|fusion|...] [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from qa.evaluate import assign_folds, default_eval_index, judge, load_questions, stage_corpora, summarise  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
FOLDS = 5
MAX_FALSE_ABSTENTION = 0.005
THRESHOLDS = tuple(round(x, 3) for x in np.arange(0.10, 0.55, 0.01))


def news_set(pages: str = "bodies") -> tuple[Path, list[dict[str, Any]]]:
    from news_corpus import news_bodies

    folder = news_bodies() if pages == "bodies" else SHARED / "news-pages" / "text"
    corpus = stage_corpora([("seeds", ROOT / "seeds"), ("news-pages", folder)])
    qs = load_questions(ROOT / "bench" / "news-questions.jsonl")
    assign_folds(qs, str(FOLDS))
    return corpus, qs


def squad_set() -> tuple[Path, list[dict[str, Any]]]:
    corpus = SHARED / "squad-subset" / "articles"
    qs = load_questions(SHARED / "squad-subset" / "questions.jsonl")
    n = assign_folds(qs, "articles")
    assert n == FOLDS, f"the SQuAD subset has {n} articles; the folds here assume {FOLDS}"
    return corpus, qs


class CachedEmbedder:
    """The engine's embedder, remembering question vectors (every setting asks the same questions)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self.cache: dict[str, np.ndarray] = {}
        self.states: dict[str, list[np.ndarray]] = {}

    def encode(self, texts: list[str], **kw: Any) -> np.ndarray:
        if len(texts) == 1 and texts[0] in self.cache:
            return self.cache[texts[0]]
        out = self.inner.encode(texts, **kw)
        if len(texts) == 1:
            self.cache[texts[0]] = out
        return out

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        key = "\x00states\x00" + "\x00".join(texts)
        if key not in self.states:
            self.states[key] = self.inner.token_states(texts)
        return self.states[key]


def engine_for(corpus: Path) -> Any:
    import qa

    index_dir = default_eval_index(corpus)
    qa.build(corpus, index_dir)
    engine = qa.load(index_dir)
    engine.embedder = CachedEmbedder(engine.embedder)
    return engine


GRIDS: dict[str, dict[str, list[Any]]] = {
    # The shipped setting alone: its per-fold figures.
    "default": {},
    "fusion": {
        "passage_dense": [0.4, 0.5, 0.6, 0.7, 0.8],
        "sentence_dense": [0.4, 0.5, 0.6, 0.7, 0.8],
        "sentence": [0.5, 1.0, 1.5, 2.0],
    },
    "evidence": {"previous_share": [0.0, 0.1, 0.15, 0.2, 0.3]},
    "cut": {"relative_cut": [0.0, 0.3, 0.5, 0.7]},
    "heading": {"heading": [1.0, 0.8, 0.6, 0.4]},
    "cue": {"cue": [0.0, 0.1, 0.2, 0.3, 0.5]},
    "joint": {"heading": [1.0, 0.8, 0.6], "cue": [0.0, 0.3], "relative_cut": [0.0, 0.5]},
    "fill": {"fill_chars": [0, 400, 700]},
    "fusion2": {
        "passage_dense": [0.4, 0.5, 0.6],
        "sentence_dense": [0.4, 0.5, 0.6],
        "sentence": [0.5, 1.0, 1.5],
        "cue": [0.3],
    },
    "stage2b": {
        "cue": [0.3, 0.5, 0.7],
        "heading": [0.7, 1.0],
        "fill_chars": [400, 700],
        "previous_share": [0.15, 0.3],
    },
    "late": {"late": [0.0, 1.0, 1.5, 2.0, 3.0], "late_window": [0.1, 0.2]},
    "late2": {"late": [2.0, 3.0, 4.0, 6.0], "late_window": [0.2, 0.3]},
    "pair": {"pair_ratio": [1.01, 0.9, 0.8], "pair_context": [False, True]},
    "stage2": {"heading": [1.0, 0.7, 0.4], "cue": [0.0, 0.1, 0.2, 0.3]},
}


def settings_of(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def apply(engine: Any, base_params: Any, base_settings: Any, setting: dict[str, Any]) -> None:
    """The engine with `setting`: its RetrievalParams fields replaced, the rest as Settings."""
    fields = set(base_params.__dataclass_fields__)
    engine.params = replace(base_params, **{k: v for k, v in setting.items() if k in fields})
    rest = {k: v for k, v in setting.items() if k not in fields}
    if "relative_cut" in rest:
        rest["min_relative_score"] = rest.pop("relative_cut")
    engine.settings = replace(base_settings, min_confidence=0.0, **rest)


def run(engine: Any, qs: list[dict[str, Any]], setting: dict[str, Any]) -> list[dict[str, Any]]:
    base_w, base_s = engine.params, engine.settings
    apply(engine, base_w, base_s, setting)
    try:
        out = []
        for q in qs:
            o = judge(engine.ask(q["question"]), q)  # k citations, as a reader gets them
            o["fold"] = q["fold"]
            out.append(o)
        return out
    finally:
        engine.params, engine.settings = base_w, base_s


def objective(outcomes: list[dict[str, Any]]) -> float:
    s = summarise(outcomes)
    return s["hit@1"] + 0.5 * s["evidence@1"] + 0.25 * s["mrr"]


def pick_threshold(outcomes: list[dict[str, Any]]) -> float:
    conf = [o["confidence"] for o in outcomes if o["answerable"]]
    best = THRESHOLDS[0]
    for t in THRESHOLDS:
        if sum(c < t for c in conf) / max(1, len(conf)) <= MAX_FALSE_ABSTENTION:
            best = t
    return best


def with_threshold(outcomes: list[dict[str, Any]], t: float) -> list[dict[str, Any]]:
    out = []
    for o in outcomes:
        o = dict(o)
        if o["confidence"] < t:
            o["abstained"] = True
            o["rank"], o["evidence"] = None, False
        out.append(o)
    return out


def fold_table(name: str, per_fold: list[dict[str, Any]]) -> list[str]:
    keys = ["hit@1", "hit@3", "mrr", "evidence@1", "false_abstention", "abstention_unanswerable", "highlight_chars"]
    lines = [f"{name}: fold  " + "  ".join(f"{k:>10}" for k in keys) + "  chosen"]
    for i, f in enumerate(per_fold):
        lines.append(f"  {i:>10}  " + "  ".join(f"{f[k]:>10.3f}" for k in keys) + f"  {f.get('chosen', '')}")
    for label, fn in (("mean", statistics.mean), ("min", min), ("max", max), ("stdev", statistics.pstdev)):
        lines.append(f"  {label:>10}  " + "  ".join(f"{fn([f[k] for f in per_fold]):>10.3f}" for k in keys))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", default="default", help=f"one of {', '.join(GRIDS)}, or several joined by +")
    ap.add_argument("--sets", default="news,squad")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--pages", choices=["bodies", "text"], default="bodies", help="news pages as gold bodies or whole-page text"
    )
    args = ap.parse_args()
    grid: dict[str, list[Any]] = {}
    for g in args.grid.split("+"):
        grid.update(GRIDS[g])
    candidates = settings_of(grid)
    sets = {}
    for name in args.sets.split(","):
        corpus, qs = news_set(args.pages) if name == "news" else squad_set()
        sets[name] = (engine_for(corpus), qs)
    t0 = time.time()
    results: dict[str, list[list[dict[str, Any]]]] = {name: [] for name in sets}
    for n, setting in enumerate(candidates, 1):
        for name, (engine, qs) in sets.items():
            results[name].append(run(engine, qs, setting))
        if n % 10 == 0:
            print(f"  {n}/{len(candidates)} settings, {time.time() - t0:.0f} s", file=sys.stderr)

    report: dict[str, Any] = {"grid": grid, "candidates": len(candidates), "sets": {}}
    lines = [f"{len(candidates)} candidate settings over {args.grid}; picks by training folds of {args.sets}"]
    picks = []
    for i in range(FOLDS):
        scores = [
            statistics.mean(objective([o for o in results[name][c] if o["fold"] != i]) for name in sets)
            for c in range(len(candidates))
        ]
        picks.append(int(np.argmax(scores)))
    for name in sets:
        held = []
        for i in range(FOLDS):
            c = picks[i]
            # one threshold for every set: picked on the training folds of all of them pooled
            train = [o for other in sets for o in results[other][c] if o["fold"] != i]
            test = [o for o in results[name][c] if o["fold"] == i]
            t = float(pick_threshold(train))
            fig = summarise(with_threshold(test, t))
            fig["chosen"] = {**candidates[c], "min_confidence": t}
            held.append(fig)
        whole = max(range(len(candidates)), key=lambda c: objective(results[name][c]))
        report["sets"][name] = {"held_out": held, "best_on_whole": candidates[whole]}
        lines += fold_table(f"{name} held-out", held)
        lines.append(f"  best on the whole {name} set: {candidates[whole]} {summarise(results[name][whole])}")
    for c, setting in enumerate(candidates):  # every setting on the whole sets, to see the curve
        figs = {name: summarise(results[name][c]) for name in sets}
        shown = (
            f"{n} hit@1 {f['hit@1']:.3f} hit@3 {f['hit@3']:.3f} ev@1 {f['evidence@1']:.3f}"
            for n, f in figs.items()
        )
        lines.append(f"  {setting}: " + "; ".join(shown))
    counts: dict[str, int] = {}
    for c in picks:
        counts[json.dumps(candidates[c])] = counts.get(json.dumps(candidates[c]), 0) + 1
    lines.append("picked per fold: " + "; ".join(f"{k} x{v}" for k, v in counts.items()))
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
