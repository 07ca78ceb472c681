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

EVAL_K = 10  # MRR@10 needs ten ranked passages
CURVE_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES).casefold()).strip()


def contains_answer(text: str, answers: list[str]) -> bool:
    t = fold(text)
    return any(fold(a) and fold(a) in t for a in answers)


def load_questions(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise UsageError(f"--questions {path} does not exist.")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").split("\n"), 1):
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


def default_eval_index(corpus: Path) -> Path:
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:8]
    return Path("embeddings") / f"eval-{corpus.resolve().name}-{digest}"


def run_eval(
    corpus: Path,
    questions_file: Path,
    *,
    index_dir: Path | None = None,
    k: int | None = None,
    engine: Any = None,
) -> dict[str, Any]:
    import qa

    questions = load_questions(questions_file)
    if engine is None:
        index_dir = index_dir or default_eval_index(corpus)
        build = qa.build(corpus, index_dir)
        engine = qa.load(index_dir)
    else:
        build = None
    k = max(k or EVAL_K, 3)
    answerable = [q for q in questions if q.get("answerable")]
    unanswerable = [q for q in questions if not q.get("answerable")]

    hit1 = hit3 = evidence1 = false_abstain = 0
    rr = 0.0
    abstain_unanswerable = 0
    latencies: list[float] = []
    conf_answerable: list[float] = []
    conf_unanswerable: list[float] = []
    import numpy as np

    dense_latencies: list[float] = []
    search_k = min(EVAL_K, max(1, engine.data.faiss.ntotal))
    for q in questions:
        t0 = time.perf_counter()
        answer = engine.ask(q["question"], k)
        latencies.append(time.perf_counter() - t0)
        # The dense-only baseline (encode + FAISS search), timed right after on the same question, so
        # that both see the same machine load.
        t0 = time.perf_counter()
        qv = np.asarray(engine.embedder.encode([q["question"]]), dtype=np.float32)
        engine.data.faiss.search(qv, search_k)
        dense_latencies.append(time.perf_counter() - t0)
        conf = answer.confidence if answer.confidence is not None else 0.0
        (conf_answerable if q.get("answerable") else conf_unanswerable).append(conf)
        if not q.get("answerable"):
            abstain_unanswerable += int(answer.abstained)
            continue
        if answer.abstained:
            false_abstain += 1
            continue
        gold, src = q["answers"], q.get("source")
        ranks = [
            i
            for i, c in enumerate(answer.citations[:EVAL_K], 1)
            if (src is None or c.source == src) and contains_answer(c.text, gold)
        ]
        first = ranks[0] if ranks else None
        hit1 += int(first == 1)
        hit3 += int(first is not None and first <= 3)
        rr += 1.0 / first if first else 0.0
        c1 = answer.citations[0]
        evidence1 += int((src is None or c1.source == src) and contains_answer(c1.highlight.text, gold))

    p50, dense_p50 = _percentile(latencies, 0.5), _percentile(dense_latencies, 0.5)

    n = max(1, len(answerable))
    return {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": round(hit1 / n, 4),
        "hit@3": round(hit3 / n, 4),
        "mrr@10": round(rr / n, 4),
        "evidence@1": round(evidence1 / n, 4),
        "false_abstention": round(false_abstain / n, 4),
        "abstention_unanswerable": round(abstain_unanswerable / max(1, len(unanswerable)), 4),
        "latency_p50_ms": round(1000 * _percentile(latencies, 0.5), 2),
        "latency_p95_ms": round(1000 * _percentile(latencies, 0.95), 2),
        "dense_only_latency_p50_ms": round(1000 * dense_p50, 2),
        "latency_ratio_vs_dense_only": round(p50 / dense_p50, 3) if dense_p50 else None,
        "abstention_curve": [
            {
                "min_confidence": t,
                "false_abstention": round(sum(c < t for c in conf_answerable) / max(1, len(conf_answerable)), 4),
                "abstention_unanswerable": round(
                    sum(c < t for c in conf_unanswerable) / max(1, len(conf_unanswerable)), 4
                ),
            }
            for t in CURVE_THRESHOLDS
        ],
        "min_confidence": engine.settings.min_confidence,
        "chunks": len(engine.data.chunks),
        "index": str(engine.path),
        "index_seconds": round(build.seconds, 2) if build else None,
    }


def format_report(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"questions: {r['questions']} ({r['answerable']} answerable, {r['unanswerable']} unanswerable); "
            f"{r['chunks']} passages",
            f"hit@1            {r['hit@1']:.3f}",
            f"hit@3            {r['hit@3']:.3f}",
            f"MRR@10           {r['mrr@10']:.3f}",
            f"evidence@1       {r['evidence@1']:.3f}",
            f"false abstention {r['false_abstention']:.3f}  (answerable questions that abstained)",
            f"abstention       {r['abstention_unanswerable']:.3f}  (unanswerable questions that abstained)",
            f"latency          p50 {r['latency_p50_ms']:.1f} ms, p95 {r['latency_p95_ms']:.1f} ms; "
            f"dense-only encode+search p50 {r['dense_only_latency_p50_ms']:.1f} ms "
            f"(ratio {r['latency_ratio_vs_dense_only']})",
            f"abstention trade-off (current min_confidence {r['min_confidence']}):",
            "  min_confidence  false abstention  abstention on unanswerable",
            *(
                f"  {c['min_confidence']:<14.2f}  {c['false_abstention']:<16.3f}  {c['abstention_unanswerable']:.3f}"
                for c in r["abstention_curve"]
            ),
        ]
    )
