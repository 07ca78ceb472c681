"""Measure retrieval choices side by side on a benchmark (default: ../shared/benchmarks/squad-subset).

For each chunk size it embeds the chunks once, then scores dense-only, BM25-only and several fusions
of the two over the same chunks, printing hit@1 / hit@3 / MRR@10 at passage level. This is how the
defaults now in qa/query/params.py and qa/query/citations.py were first chosen; rerun it after changing ingestion.

    .venv/bin/python bench/tune_retrieval.py [--sizes 96/24,128/32,192/48]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chunking import Chunker, model_token_counter  # noqa: E402
from qa.config import Settings, default_model_path  # noqa: E402
from qa.embed.create import create  # noqa: E402
from qa.evaluate import contains_answer  # noqa: E402
from qa.ingest.files import list_files, read_document  # noqa: E402
from qa.query import fusion  # noqa: E402
from qa.query.params import RetrievalParams  # noqa: E402
from qa.store.lexical import Lexical  # noqa: E402

BENCH = ROOT.parent / "shared" / "benchmarks" / "squad-subset"


def sentence_windows(doc, w, counter, budget=160):
    """Windows of w consecutive sentences inside each paragraph, stride 1."""
    from qa.chunking import make_chunk, sentence_spans

    out = []
    for a, b in doc.regions:
        pos = a
        for para in doc.text[a:b].split("\n\n"):
            ps, pe = pos, pos + len(para)
            pos = pe + 2
            sents = sentence_spans(doc.text, ps, pe)
            if not sents:
                continue
            for i in range(max(1, len(sents) - w + 1)):
                j = min(len(sents), i + w)
                while j > i + 1 and counter(doc.text[sents[i][0] : sents[j - 1][1]]) > budget:
                    j -= 1
                out.append(make_chunk(doc, sents[i][0], sents[j - 1][1]))
    return out


def ranks_of(order: np.ndarray, chunk_src: list[str], chunk_text: list[str], q: dict) -> int | None:
    for r, i in enumerate(order[:10], 1):
        if chunk_src[i] == q["source"] and contains_answer(chunk_text[i], q["answers"]):
            return r
    return None


def summarise(name: str, firsts: list[int | None]) -> dict:
    n = len(firsts)
    h1 = sum(1 for f in firsts if f == 1) / n
    h3 = sum(1 for f in firsts if f and f <= 3) / n
    mrr = sum(1 / f for f in firsts if f) / n
    print(f"  {name:<40} hit@1 {h1:.3f}  hit@3 {h3:.3f}  MRR@10 {mrr:.3f}")
    return {"name": name, "hit@1": h1, "hit@3": h3, "mrr@10": mrr}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=BENCH / "articles")
    ap.add_argument("--questions", type=Path, default=BENCH / "questions.jsonl")
    ap.add_argument("--sizes", default="64/16,96/24,128/32,160/32,192/48")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--title", action="store_true", help="prefix each passage with its article title for scoring")
    ap.add_argument("--alphas", default="0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--windows", default="", help="sentence-window sizes to try instead of --sizes, e.g. 2,3,4")
    args = ap.parse_args()

    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    answerable = [q for q in questions if q["answerable"]]
    embedder = create(Settings())
    qvec = embedder.encode([q["question"] for q in answerable])
    counter = model_token_counter(str(default_model_path()))
    paths, _ = list_files(args.corpus, 10_000_000)
    docs = [read_document(p, args.corpus) for p in paths]
    results = []
    configs = [("w", int(w)) for w in args.windows.split(",") if w] or [("s", s) for s in args.sizes.split(",")]
    for mode, size in configs:
        if mode == "w":
            chunks = [c for d in docs for c in sentence_windows(d, size, counter)]
            tokens, overlap = size, -1
        else:
            tokens, overlap = (int(x) for x in str(size).split("/"))
            chunker = Chunker(counter, tokens, overlap)
            chunks = [c for d in docs for c in chunker.split(d)]
        texts = [c.text for c in chunks]
        srcs = [c.source for c in chunks]
        titles = {d.source: d.title or "" for d in docs}
        scored = [f"{titles[c.source]}. {c.text}" if args.title else c.text for c in chunks]
        vecs = embedder.encode(scored)
        dense = qvec @ vecs.T
        print(f"chunks {tokens}/{overlap}: {len(chunks)} passages")
        for stem in (False, True):
            lex = Lexical.build(scored, stem=stem)
            bm = np.stack([lex.scores(q["question"]) for q in answerable])
            tag = "stem" if stem else "nostem"
            if not stem:
                results.append(
                    {
                        "size": size,
                        **summarise(
                            "dense",
                            [ranks_of(np.argsort(-dense[i]), srcs, texts, q) for i, q in enumerate(answerable)],
                        ),
                    }
                )
            results.append(
                {
                    "size": size,
                    **summarise(
                        f"bm25 {tag}", [ranks_of(np.argsort(-bm[i]), srcs, texts, q) for i, q in enumerate(answerable)]
                    ),
                }
            )
            empty = np.zeros(0, np.int64)
            for alpha in (float(a) for a in args.alphas.split(",")):
                # qa's own passage fusion (min-max over the candidates, qa/query/fusion.py) with its
                # parameters, passage terms only; then the alternative it was chosen over: BM25 scaled
                # by its maximum, dense as it is.
                params = replace(RetrievalParams(), passage_dense=alpha, sentence=0.0)
                firsts = []
                for i, q in enumerate(answerable):
                    fused = fusion.passage_scores(dense[i], bm[i], np.zeros(0, np.float32), empty, empty, params)
                    firsts.append(ranks_of(np.argsort(-fused), srcs, texts, q))
                results.append({"size": size, **summarise(f"fuse {tag} a={alpha} minmax", firsts)})
                firsts = []
                for i, q in enumerate(answerable):
                    b = bm[i]
                    fused = alpha * dense[i] + (1 - alpha) * (b / b.max() if b.max() > 0 else b)
                    firsts.append(ranks_of(np.argsort(-fused), srcs, texts, q))
                results.append({"size": size, **summarise(f"fuse {tag} a={alpha} max", firsts)})
            firsts = []
            for i, q in enumerate(answerable):
                rd = np.argsort(np.argsort(-dense[i]))
                rb = np.argsort(np.argsort(-bm[i]))
                rrf = 1 / (60 + rd) + 1 / (60 + rb)
                firsts.append(ranks_of(np.argsort(-rrf), srcs, texts, q))
            results.append({"size": size, **summarise(f"rrf {tag}", firsts)})
    best = max(results, key=lambda r: (r["hit@1"], r["hit@3"]))
    print("best:", best)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
