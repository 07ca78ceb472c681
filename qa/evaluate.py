"""`qa eval`: retrieval and abstention figures on a benchmark, through the same path as `qa ask`.

The benchmark is a folder of articles and a JSONL file of questions with `question`, `source` (the
article that answers it, or null), `answers` (gold strings) and `answerable`. A hit at rank r is a
citation at rank r from `source` whose text contains a gold answer, after folding case, curly quotes
and white space.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from qa.errors import UsageError
from qa.ingest.decode import read_utf8
from qa.stories import CJK, HANGUL

# `qa eval` asks for as many citations as a reader gets (Settings.k, QA_K; 5 by default). Any k up to
# Engine's POOL (10) gives the first k citations of the same list, so only hit@k's reach depends on it.
# The rank-based figures are over those k: hit@1, hit@3 and MRR@k.
CURVE_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES).casefold()).strip()


# Letters an answer may touch: Chinese, Japanese (no spaces), Korean (particles); no other word character.
_GLUED = CJK + HANGUL
_EDGES = (rf"(?<![^\W{_GLUED}])", rf"(?![^\W{_GLUED}])")


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether `text` holds one of the gold `answers` as whole words (case, quotes and white space
    folded): the gold "P" is not found in "Polynomial", nor "5" in "15". Next to Chinese, Japanese
    or Korean letters any edge is a word's ("21座" in "共设车站21座", "가람시" in "가람시에")."""
    t = fold(text)
    for a in answers:
        fa = fold(a)
        edges = ["" if re.match(f"[{_GLUED}]", c) else look for c, look in zip((fa[:1], fa[-1:]), _EDGES, strict=True)]
        if fa and re.search(edges[0] + re.escape(fa) + edges[1], t):
            return True
    return False


def load_questions(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise UsageError(f"--questions {path} does not exist.")
    rows = []
    for n, line in enumerate(read_utf8(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise UsageError(f"{path}:{n} is not JSON; each line must be one question object.") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise UsageError(f'{path}:{n} has no "question" string.')
        answers = row.get("answers") or []
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise UsageError(f'{path}:{n}: "answers" must be a list of strings.')
        row["answers"] = answers
        row.setdefault("answerable", bool(row.get("answers")))
        rows.append(row)
    if not rows:
        raise UsageError(f"{path} holds no questions.")
    return rows


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[i]


def judge(answer: Any, q: dict[str, Any]) -> dict[str, Any]:
    """One question's outcome: the rank of the first citation from the gold source holding a gold
    answer (None if no citation does), whether the first highlight holds one, abstention."""
    out: dict[str, Any] = {
        "answerable": bool(q.get("answerable")),
        "abstained": bool(answer.abstained),
        "confidence": answer.confidence if answer.confidence is not None else 0.0,
        "rank": None,
        "evidence": False,
        "kind": q.get("kind"),
    }
    if not out["answerable"] or answer.abstained:
        return out
    gold, src = q["answers"], q.get("source")

    def from_gold(c: Any) -> bool:
        # A story told in several files is cited once, naming the others in `also_in` (CITATIONS.md):
        # the gold file is then cited through its copy, whose text holds the same answer.
        return src is None or c.source == src or src in (getattr(c, "also_in", None) or ())

    for i, c in enumerate(answer.citations, 1):
        if from_gold(c) and contains_answer(c.text, gold):
            out["rank"] = i
            break
    c1 = answer.citations[0]
    out["highlight_chars"] = len(c1.highlight.text)
    out["citation_chars"] = len(c1.text)
    out["evidence"] = from_gold(c1) and contains_answer(c1.highlight.text, gold)
    return out


def summarise(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """hit@1, hit@3, MRR (over the citations asked for), evidence@1 over the answerable questions (an
    abstention counts as a miss), false abstention, and abstention on the unanswerable ones."""
    ans = [o for o in outcomes if o["answerable"]]
    una = [o for o in outcomes if not o["answerable"]]
    n, m = max(1, len(ans)), max(1, len(una))
    ranks = [o["rank"] for o in ans]
    return {
        "questions": len(outcomes),
        "answerable": len(ans),
        "unanswerable": len(una),
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 4),
        "mrr": round(sum(1.0 / r for r in ranks if r) / n, 4),
        "evidence@1": round(sum(o["evidence"] for o in ans) / n, 4),
        "false_abstention": round(sum(o["abstained"] for o in ans) / n, 4),
        "highlight_chars": round(_mean([o["highlight_chars"] for o in ans if "highlight_chars" in o])),
        "citation_chars": round(_mean([o["citation_chars"] for o in ans if "citation_chars" in o])),
        "abstention_unanswerable": round(sum(o["abstained"] for o in una) / m, 4),
    }


def assign_folds(questions: list[dict[str, Any]], folds: str) -> int:
    """Split the questions into cross-validation folds by article; set each one's "fold"; return the
    number of folds. `folds` = "articles": one fold per source article (leave one article out), an
    unanswerable question going with the article of the answerable question before it (SQuAD's order);
    a number N: N folds by a stable hash of the source article (unanswerable ones by their id)."""
    if folds == "articles":
        articles = sorted({q["source"] for q in questions if q.get("source")})
        if not articles:
            raise UsageError("--folds articles needs questions with a source article.")
        number = {a: i for i, a in enumerate(articles)}
        current = articles[0]
        for q in questions:
            current = q.get("source") or current
            q["fold"] = number[current]
        return len(articles)
    try:
        n = int(folds)
    except ValueError:
        n = 0
    if n < 2:
        raise UsageError(f"--folds {folds!r}: give a number of folds of at least 2, or 'articles'.")
    for i, q in enumerate(questions):
        key = q.get("source") or str(q.get("id", i))
        q["fold"] = int(hashlib.sha256(key.encode()).hexdigest(), 16) % n
    return n


def by_kind(outcomes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The figures per question kind (who, why, two-sentence, ...), when the set names kinds."""
    kinds = sorted({o["kind"] for o in outcomes if o["kind"]})
    return {kd: summarise([o for o in outcomes if o["kind"] == kd]) for kd in kinds}


def abstention_curve(
    outcomes: list[dict[str, Any]], thresholds: tuple[float, ...] = CURVE_THRESHOLDS
) -> list[dict[str, Any]]:
    conf_a = [o["confidence"] for o in outcomes if o["answerable"]]
    conf_u = [o["confidence"] for o in outcomes if not o["answerable"]]
    return [
        {
            "min_confidence": t,
            "false_abstention": round(sum(c < t for c in conf_a) / max(1, len(conf_a)), 4),
            "abstention_unanswerable": round(sum(c < t for c in conf_u) / max(1, len(conf_u)), 4),
        }
        for t in thresholds
    ]


def default_eval_index(corpus: Path) -> Path:
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:8]
    return Path("embeddings") / f"eval-{corpus.resolve().name}-{digest}"


def parse_corpus(spec: str) -> tuple[str | None, Path]:
    """`DIR` or `NAME=DIR` (the articles of DIR then appear as `NAME/<file>` in sources)."""
    name, sep, folder = spec.partition("=")
    if not sep:
        return None, Path(spec)
    if not name or "/" in name or name.startswith("."):
        raise UsageError(f"--corpus {spec!r}: NAME in NAME=DIR must be a plain folder name, e.g. news=pages/.")
    return name, Path(folder)


def stage_corpora(corpora: list[tuple[str | None, Path]], root: Path | None = None) -> Path:
    """One folder holding several corpora, each as a subfolder named as asked (its files copied).

    A single unnamed corpus is used where it is. Copies are refreshed only where the bytes differ and
    files gone from a corpus are removed, so the incremental build re-embeds only what changed.
    """
    from qa.ingest.document import SUFFIXES

    if len(corpora) == 1 and corpora[0][0] is None:
        return corpora[0][1]
    names = [n for n, _ in corpora]
    if any(n is None for n in names) or len(set(names)) != len(names):
        raise UsageError("With several --corpus, give each a different name: --corpus NAME=DIR.")
    key = "|".join(f"{n}={d.resolve()}" for n, d in corpora)
    root = root or Path("embeddings") / f"eval-corpus-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    for name, folder in corpora:
        if not folder.is_dir():
            raise UsageError(f"--corpus {name}={folder}: no such folder.")
        target = root / str(name)
        wanted = {}
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                wanted[path.relative_to(folder)] = path
        for rel, path in wanted.items():
            dest = target / rel
            data = path.read_bytes()
            if not dest.is_file() or dest.read_bytes() != data:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
        if target.is_dir():
            for dest in target.rglob("*"):
                if dest.is_file() and dest.relative_to(target) not in wanted:
                    dest.unlink()
    return root


def eval_engine(corpus: Path | list[tuple[str | None, Path]], index_dir: Path | None, engine: Any) -> tuple[Any, Any]:
    """The engine to evaluate and the report of the build that made it: `engine` as given (no
    build), or the corpus (several corpora staged into one folder) built incrementally into
    `index_dir` (default: a cache folder per corpus) and loaded."""
    import qa

    if engine is not None:
        return engine, None
    if isinstance(corpus, list):
        corpus = stage_corpora(corpus)
    if not corpus.is_dir():
        raise UsageError(f"--corpus {corpus}: no such folder.")
    if index_dir is not None:
        from qa.store.layout import recorded_seeds

        other = recorded_seeds(index_dir)
        if other is not None and other != corpus.resolve():
            # It would be rebuilt from the corpus: someone's serving index (embeddings/) lost.
            raise UsageError(
                f"--index {index_dir} holds the index of {other}; give qa eval a folder of its own "
                "(or leave --index out: it builds under embeddings/eval-*)."
            )
    index_dir = index_dir or default_eval_index(corpus)
    build = qa.build(corpus, index_dir)
    return qa.load(index_dir), build


def _dense_seconds(engine: Any, flat: Any, question: str, search_k: int) -> float:
    import numpy as np

    t0 = time.perf_counter()
    qv = np.asarray(engine.embedder.encode([question]), dtype=np.float32)
    flat.search(qv, search_k)
    return time.perf_counter() - t0


def warn_unindexed(questions: list[dict[str, Any]], documents: Any) -> None:
    """One line on stderr when gold sources are not in the index (a question about them can only
    miss): a source misspelt, or named without the NAME/ of `--corpus NAME=DIR`."""
    import sys

    missing = sorted({q["source"] for q in questions if q.get("source") and q["source"] not in documents})
    if missing:
        print(
            f"qa eval: warning: {len(missing)} gold source(s) are not in the index, so their questions can "
            f"only miss (e.g. {missing[0]}); check the file names and any --corpus NAME= prefix.",
            file=sys.stderr,
        )


def run_eval(
    corpus: Path | list[tuple[str | None, Path]],
    questions_file: Path,
    *,
    index_dir: Path | None = None,
    k: int | None = None,
    engine: Any = None,
    folds: str | None = None,
) -> dict[str, Any]:
    questions = load_questions(questions_file)
    n_folds = assign_folds(questions, folds) if folds else 0
    engine, build = eval_engine(corpus, index_dir, engine)
    k = k or engine.settings.k
    warn_unindexed(questions, engine.data.documents)

    outcomes: list[dict[str, Any]] = []
    latencies: list[float] = []
    dense_latencies: list[float] = []
    # A sharded index has no one FAISS index in this process: no dense-only baseline then.
    flat = getattr(engine.data, "faiss", None)
    search_k = min(k, max(1, flat.ntotal)) if flat is not None else 0
    for i, q in enumerate(questions):
        # The dense-only baseline (encode + FAISS search) is timed on the same question beside the
        # answer, so that both see the same machine load, before it on every other question, so that
        # neither always runs on caches the other warmed.
        if flat is not None and i % 2:
            dense_latencies.append(_dense_seconds(engine, flat, q["question"], search_k))
        t0 = time.perf_counter()
        answer = engine.ask(q["question"], k)
        latencies.append(time.perf_counter() - t0)
        if flat is not None and not i % 2:
            dense_latencies.append(_dense_seconds(engine, flat, q["question"], search_k))
        outcomes.append(judge(answer, q))
        if n_folds:
            outcomes[-1]["fold"] = q["fold"]
    p50, dense_p50 = _percentile(latencies, 0.5), _percentile(dense_latencies, 0.5)

    return {
        **summarise(outcomes),
        "k": k,
        "latency_p50_ms": round(1000 * _percentile(latencies, 0.5), 2),
        "latency_p95_ms": round(1000 * _percentile(latencies, 0.95), 2),
        "dense_only_latency_p50_ms": round(1000 * dense_p50, 2),
        "latency_ratio_vs_dense_only": round(p50 / dense_p50, 3) if dense_p50 else None,
        "abstention_curve": abstention_curve(outcomes),
        "by_kind": by_kind(outcomes),
        "folds": [summarise([o for o in outcomes if o["fold"] == i]) for i in range(n_folds)],
        "min_confidence": engine.settings.min_confidence,
        "chunks": len(engine.data.chunks),
        "index": str(engine.path),
        "index_seconds": round(build.seconds, 2) if build else None,
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _fold_spread(folds: list[dict[str, Any]]) -> list[str]:
    folds = [f for f in folds if f["answerable"]]  # a fold of unanswerable questions only has no hit@1
    if not folds:
        return []
    return [
        f"  {key:<10} over folds: mean {_mean([f[key] for f in folds]):.3f}, "
        f"min {min(f[key] for f in folds):.3f}, max {max(f[key] for f in folds):.3f}"
        for key in ("hit@1", "hit@3", "evidence@1")
    ]


def format_report(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"questions: {r['questions']} ({r['answerable']} answerable, {r['unanswerable']} unanswerable); "
            f"{r['chunks']} passages",
            f"hit@1            {r['hit@1']:.3f}",
            f"hit@3            {r['hit@3']:.3f}",
            f"{'MRR@' + str(r['k']):<16} {r['mrr']:.3f}",
            f"evidence@1       {r['evidence@1']:.3f}",
            f"false abstention {r['false_abstention']:.3f}  (answerable questions that abstained)",
            f"abstention       {r['abstention_unanswerable']:.3f}  (unanswerable questions that abstained)",
            f"latency          p50 {r['latency_p50_ms']:.1f} ms, p95 {r['latency_p95_ms']:.1f} ms"
            + (
                f"; dense-only encode+search p50 {r['dense_only_latency_p50_ms']:.1f} ms "
                f"(ratio {r['latency_ratio_vs_dense_only']})"
                if r["latency_ratio_vs_dense_only"] is not None
                else " (sharded: no dense-only baseline)"
            ),
            f"abstention trade-off (current min_confidence {r['min_confidence']}):",
            "  min_confidence  false abstention  abstention on unanswerable",
            *(
                f"  {c['min_confidence']:<14.2f}  {c['false_abstention']:<16.3f}  {c['abstention_unanswerable']:.3f}"
                for c in r["abstention_curve"]
            ),
            *(["by kind:                 n  hit@1  hit@3  evidence@1  abstained"] if r.get("by_kind") else []),
            *(
                f"  {kd:<20} {f['questions']:>4}  {f['hit@1']:.3f}  {f['hit@3']:.3f}  {f['evidence@1']:.3f}       "
                f"{f['false_abstention'] if f['answerable'] else f['abstention_unanswerable']:.3f}"
                for kd, f in r.get("by_kind", {}).items()
            ),
            *(
                ["per fold (split by article):  n  hit@1  hit@3  evidence@1  false abst.  abst. unanswerable"]
                if r.get("folds")
                else []
            ),
            *(
                f"  fold {i:<20} {f['questions']:>4}  {f['hit@1']:.3f}  {f['hit@3']:.3f}  {f['evidence@1']:.3f}       "
                f"{f['false_abstention']:.3f}        {f['abstention_unanswerable']:.3f}"
                for i, f in enumerate(r.get("folds", []))
            ),
            *(_fold_spread(r["folds"]) if r.get("folds") else []),
        ]
    )
