"""Experiment: a learned ranking of evidence sentences (conditional logit), cross-validated by article.

For every question the engine's first stage runs as in `Engine.ask`; the sentences of its best
passages are the candidates, each described by a handful of features (below). A conditional
logit (softmax over one question's candidates, L2) is fitted on the training folds of both sets and
judged on the held-out fold: the first citation is the excerpt around the best-scoring sentence.

Result (docs/MEASUREMENTS.md, "Learned fusion"): `--balance --l2 0.0001`, held-out folds, against the engine on
the same questions: news hit@1 .683 vs .654 (9 questions won, 6 lost), evidence@1 .444 vs .355 (17
won, 4 lost); SQuAD hit@1 .918 vs .926 (11 won, 20 lost), evidence@1 .811 vs .815 (32 won, 40 lost).
Contextual sentence vectors (the sentence embedded with its previous sentence, next sentence or
the article title) added as features changed nothing beyond noise. Not shipped: no hit@1 gain that
holds on both sets, for 25 features and a few milliseconds a query.

    .venv/bin/python bench/ltr.py
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cv import FOLDS, engine_for, news_set, squad_set  # noqa: E402

from qa.evaluate import contains_answer, judge  # noqa: E402
from qa.ingest.boilerplate import running_text  # noqa: E402
from qa.query import cues  # noqa: E402
from qa.query.citations import evidence_window, sentence_joins  # noqa: E402
from qa.query.params import RetrievalParams  # noqa: E402
from qa.query.validate import clean_question  # noqa: E402

TOP = 16
FEATURES = (
    "sent_cos",
    "sent_cos_mm",
    "sent_bm25_mm",
    "prev_cos",
    "next_cos",
    "prev_bm25_mm",
    "next_bm25_mm",
    "passage_first",
    "passage_rank",
    "sent_fused",
    "cue",
    "coverage",
    "coverage_ctx",
    "doc_best",
    "doc_share",
    "title_coverage",
    "prose",
    "log_len",
    "novelty",
    "doc_top_cos",
    "is_doc_best",
    "next_to_doc_best",
    "window_cos",
    "cue_ctx",
    "cue_count",
)


def _mm(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return np.zeros_like(x) if hi - lo < 1e-9 else (x - lo) / (hi - lo)


@dataclass
class Candidates:
    ids: np.ndarray  # global sentence ids
    passage: np.ndarray  # the best top passage holding each
    X: np.ndarray

    def _doc(self, engine: Any, i: int) -> Any:
        d = int(engine.data.sentences[self.ids[i], 0])
        return engine.data.chunks.docs[d]

    def sources(self, engine: Any) -> list[str]:
        return [self._doc(engine, i).source for i in range(len(self.ids))]

    def sentence_texts(self, engine: Any) -> list[str]:
        out = []
        for i, s in enumerate(self.ids.tolist()):
            _, a, b = engine.data.sentences[s].tolist()
            out.append(self._doc(engine, i).text[a:b])
        return out

    def window(self, engine: Any, i: int) -> tuple[str, int, int, tuple[int, int]]:
        s = int(self.ids[i])
        d = int(engine.data.sentences[s, 0])
        lo, hi = int(engine._sentence_bounds[d]), int(engine._sentence_bounds[d + 1])
        doc = engine.data.chunks.docs[d]
        spans = engine.data.sentences[lo:hi, 1:3]
        join = sentence_joins(doc.text, spans)
        (a, b), hl = evidence_window(spans, join, s - lo, None, fill_chars=RetrievalParams().fill_chars)
        return doc.source, int(a), int(b), hl

    def windows(self, engine: Any) -> list[tuple[str, str]]:
        out = []
        for i in range(len(self.ids)):
            src, a, b, _ = self.window(engine, i)
            out.append((src, engine.data.documents[src].text[a:b]))
        return out


def _idf(lexical: Any, token: str) -> float:
    r = lexical.retriever
    t = r.vocab_dict.get(token)
    n = max(1, lexical.size)
    df = 0 if t is None else int(r.scores["indptr"][t + 1] - r.scores["indptr"][t])
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def candidates(engine: Any, question: str) -> Candidates | None:
    data = engine.data
    q = clean_question(question)
    qv = np.asarray(engine.embedder.encode([q]), dtype=np.float32)
    scored = engine._score(q, qv, None)
    order = np.argsort(-scored.passage_scores, kind="stable")[:TOP]
    if order.size == 0:
        return None
    passages = scored.passages[order]
    pscore = scored.passage_scores[order]
    indptr, sent_ids = data.passage_sentences
    best_pass: dict[int, int] = {}
    for rank_, p in enumerate(passages.tolist()):
        for s in sent_ids[indptr[p] : indptr[p + 1]].tolist():
            best_pass.setdefault(int(s), rank_)
    if not best_pass:
        return None
    ids = np.array(sorted(best_pass), dtype=np.int64)
    prank = np.array([best_pass[s] for s in ids.tolist()])
    n_s = len(data.sentences)
    rows = data.sentences
    prev = np.clip(ids - 1, 0, n_s - 1)
    nxt = np.clip(ids + 1, 0, n_s - 1)
    same_prev = (rows[prev, 0] == rows[ids, 0]) & (ids > 0)
    same_next = (rows[nxt, 0] == rows[ids, 0]) & (ids + 1 < n_s)
    allids = np.unique(np.concatenate([ids, prev, nxt]))
    cos = dict(zip(allids.tolist(), data.sentence_cosines(allids, qv[0]).tolist(), strict=True))
    tokens = scored.tokens
    bm_all = data.sentence_lexical.scores(q, tokens)
    bm_max = float(bm_all[ids].max()) if ids.size else 0.0
    bm_norm = bm_all / bm_max if bm_max > 0 else np.zeros_like(bm_all)
    sent_cos = np.array([cos[s] for s in ids.tolist()], dtype=np.float32)
    prev_cos = np.where(same_prev, [cos[s] for s in prev.tolist()], 0.0)
    next_cos = np.where(same_next, [cos[s] for s in nxt.tolist()], 0.0)
    idf = {t: _idf(data.sentence_lexical, t) for t in set(tokens)}
    total = sum(idf[t] for t in tokens) or 1.0

    def coverage(words: set[str]) -> float:
        return sum(idf[t] for t in tokens if t in words) / total

    docs = data.chunks.docs
    texts = []
    for s in ids.tolist():
        d, a, b = rows[s].tolist()
        texts.append(docs[d].text[a:b])
    toks = [set(data.sentence_lexical.tokens(t)) for t in texts]
    tok_of = dict(zip(ids.tolist(), toks, strict=True))

    def toks_at(s: int, ok: bool) -> set[str]:
        if not ok:
            return set()
        if s in tok_of:
            return tok_of[s]
        d, a, b = rows[s].tolist()
        tok_of[s] = set(data.sentence_lexical.tokens(docs[d].text[a:b]))
        return tok_of[s]

    cue = cues.Cue(q)
    qset = set(tokens)

    def novelty(words: set[str]) -> float:
        return len(words - qset) / max(1, len(words))

    def cue_count(text: str) -> int:
        if cue._pattern is None:
            return 0
        return sum(m.group(0).casefold() not in cue._asked for m in cue._pattern.finditer(text))

    doc_of_pass = data.chunk_doc[passages]
    doc_best: dict[int, float] = {}
    doc_n: dict[int, int] = {}
    for d, sc in zip(doc_of_pass.tolist(), pscore.tolist(), strict=True):
        doc_best[d] = max(doc_best.get(d, 0.0), sc)
        doc_n[d] = doc_n.get(d, 0) + 1
    title_cov: dict[int, float] = {}
    feats = []
    for j, s in enumerate(ids.tolist()):
        d = int(rows[s, 0])
        if d not in title_cov:
            title = data.documents[docs[d].source].title or ""
            title_cov[d] = coverage(set(data.sentence_lexical.tokens(title))) if title else 0.0
        ctx = toks[j] | toks_at(s - 1, bool(same_prev[j])) | toks_at(s + 1, bool(same_next[j]))
        feats.append(
            [
                sent_cos[j],
                0.0,
                0.0,
                prev_cos[j],
                next_cos[j],
                bm_norm[s - 1] if same_prev[j] else 0.0,
                bm_norm[s + 1] if same_next[j] else 0.0,
                float(pscore[prank[j]]),
                1.0 / (1 + prank[j]),
                float(scored.sentence_scores[s]),
                float(cue.offers(texts[j])),
                coverage(toks[j]),
                coverage(ctx),
                doc_best[d],
                doc_n[d] / len(passages),
                title_cov[d],
                float(running_text(texts[j])),
                math.log(1 + len(texts[j])) / 6,
                novelty(toks[j]),
                0.0,
                0.0,
                0.0,
                max(prev_cos[j], next_cos[j], sent_cos[j]),
                float(cue.offers(texts[j])) * coverage(ctx),
                min(3, cue_count(texts[j])) / 3,
            ]
        )
    X = np.array(feats, dtype=np.float64)
    X[:, 1] = _mm(sent_cos.astype(np.float64))
    X[:, 2] = bm_norm[ids]
    # document-level: each document's best sentence by cosine among the candidates
    docs_of = rows[ids, 0]
    top_of: dict[int, tuple[float, int]] = {}
    for j, d in enumerate(docs_of.tolist()):
        if d not in top_of or sent_cos[j] > top_of[d][0]:
            top_of[d] = (float(sent_cos[j]), int(ids[j]))
    for j, d in enumerate(docs_of.tolist()):
        X[j, FEATURES.index("doc_top_cos")] = top_of[d][0]
        X[j, FEATURES.index("is_doc_best")] = float(top_of[d][1] == int(ids[j]))
        X[j, FEATURES.index("next_to_doc_best")] = float(abs(top_of[d][1] - int(ids[j])) == 1)
    return Candidates(ids, passages[prank], X)


def collect(engine: Any, qs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per answerable question: candidate features, labels (window holds answer, sentence holds it)."""
    rows = []
    for q in qs:
        if not q.get("answerable"):
            continue
        cand = candidates(engine, q["question"])
        if cand is None:
            continue
        hit = (
            np.array(
                [src == q["source"] and contains_answer(text, q["answers"]) for src, text in cand.windows(engine)],
                dtype=bool,
            )
            if q.get("source")
            else np.array([contains_answer(text, q["answers"]) for _, text in cand.windows(engine)], dtype=bool)
        )
        ev = np.array([contains_answer(t, q["answers"]) for t in cand.sentence_texts(engine)], dtype=bool)
        if q.get("source"):
            ev &= np.array([s == q["source"] for s in cand.sources(engine)], dtype=bool)
        base = judge(engine.ask(q["question"], 10), q)
        rows.append({"X": cand.X, "hit": hit, "ev": ev, "fold": q["fold"], "base": base, "kind": q.get("kind")})
    return rows


def fit(rows: list[dict[str, Any]], l2: float, target: str, cols: list[int] | None = None) -> np.ndarray:
    """Conditional logit: per question, a softmax over its candidates; the loss is minus the log of the
    probability of its positive candidates (the target label, else any window holding the answer)."""
    from scipy.optimize import minimize

    use = [r for r in rows if r["hit"].any()]
    X = np.concatenate([r["X"] if cols is None else r["X"][:, cols] for r in use])
    y = np.concatenate([r[target] if r[target].any() else r["hit"] for r in use])
    sizes = np.array([len(r["hit"]) for r in use])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    qid = np.repeat(np.arange(len(use)), sizes)
    c = np.array([r.get("w", 1.0) for r in use])
    c = c / c.sum()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = X @ w
        s = s - np.maximum.reduceat(s, starts)[qid]
        p = np.exp(s)
        z = np.add.reduceat(p, starts)
        zp = np.add.reduceat(np.where(y, p, 0.0), starts)
        total = 0.5 * l2 * float(w @ w) - float(c @ (np.log(zp) - np.log(z)))
        coef = c[qid] * (p / z[qid] - np.where(y, p, 0.0) / zp[qid])
        return total, l2 * w + X.T @ coef

    res = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B")
    return np.asarray(res.x)


def score(rows: list[dict[str, Any]], w: np.ndarray) -> dict[str, float]:
    h1 = [bool(r["hit"][int(np.argmax(r["X"] @ w))]) for r in rows]
    e1 = [bool(r["ev"][int(np.argmax(r["X"] @ w))]) for r in rows]
    b1 = [r["base"]["rank"] == 1 for r in rows]
    be = [r["base"]["evidence"] for r in rows]
    reach = [bool(r["hit"].any()) for r in rows]
    n = max(1, len(rows))
    return {
        "hit@1": sum(h1) / n,
        "evidence@1": sum(e1) / n,
        "base_hit@1": sum(b1) / n,
        "base_evidence@1": sum(be) / n,
        "reachable": sum(reach) / n,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--cached", action="store_true")
    ap.add_argument("--balance", action="store_true")
    ap.add_argument("--target", choices=["hit", "ev"], default="ev")
    args = ap.parse_args()
    sets = {}
    cache = Path("/tmp/ltr-rows.pkl")
    if args.cached and cache.is_file():
        import pickle

        sets = pickle.loads(cache.read_bytes())
    for name in () if sets else ("news", "squad"):
        corpus, qs = news_set() if name == "news" else squad_set()
        engine = engine_for(corpus)
        t0 = time.time()
        sets[name] = collect(engine, qs)
        print(f"{name}: {len(sets[name])} questions collected in {time.time() - t0:.0f} s", file=sys.stderr)
    if not args.cached or not cache.is_file():
        import pickle

        cache.write_bytes(pickle.dumps(sets))
    if args.balance:
        for rows in sets.values():
            for r in rows:
                r["w"] = 1.0 / len(rows)
    everything = [r for rows in sets.values() for r in rows]
    print("features:", ", ".join(FEATURES))
    for name, rows in sets.items():
        figs = []
        paired = {"hit": [0, 0], "evidence": [0, 0]}  # [learned right where the engine is wrong, the reverse]
        for i in range(FOLDS):
            w = fit([r for r in everything if r["fold"] != i], args.l2, args.target)
            held = [r for r in rows if r["fold"] == i]
            figs.append(score(held, w))
            for r in held:
                j = int(np.argmax(r["X"] @ w))
                for key, mine, base in (
                    ("hit", r["hit"][j], r["base"]["rank"] == 1),
                    ("evidence", r["ev"][j], r["base"]["evidence"]),
                ):
                    paired[key][0] += bool(mine and not base)
                    paired[key][1] += bool(base and not mine)
        keys = list(figs[0])
        print(name, "held-out folds:")
        for k in keys:
            vals = [f[k] for f in figs]
            print(f"  {k:>16} mean {statistics.mean(vals):.3f}  " + " ".join(f"{v:.3f}" for v in vals))
        print("  questions the learned ranking gets right and the engine wrong / the reverse:", paired)
    w = fit(everything, args.l2, args.target)
    print("weights on everything:", dict(zip(FEATURES, np.round(w, 3).tolist(), strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
