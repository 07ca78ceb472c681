"""Compare sentence segmenters on real news text: qa's own regex splitter vs maintained libraries.

    pip install pysbd syntok nupunkt blingfire numpy sentencex   # any missing one is skipped
    python bench/sentences.py [--todo FILE] [--examples 4] [--repeats 3]

Texts: the gold article bodies of the 91 news pages (../shared/benchmarks/news-pages/ground-truth.json)
and the five articles in seeds/. qa always breaks at line ends, so every text is cut into its non-blank
lines first and each candidate segments one line at a time.

Boundaries: a candidate's boundary is the offset (in the whole text) of the first non-space character
of a sentence that is not the first of its line. A split inside a token that only leaves closing
quotes or brackets behind (`?|" she`) is moved past them, so candidates that keep or drop a closing
quote at the same place agree.

Gold, on a fixed random sample of 40 news articles plus all five seeds: where every candidate splits
at a point, that point is a boundary; where none does, it is not; every point where they disagree was
judged by reading it in context, and the verdicts are in bench/sentence-boundaries.jsonl (one object per
point: id, offset, context with a `|` at the point, boundary true/false). Adding a candidate can create
new disagreement points: `--todo FILE` writes the unjudged ones (boundary null) to judge and append.
Limits of this method: a boundary that every candidate misses is not in the gold (recall is relative
to the union of the candidates), and a false split that every candidate makes counts as a boundary.
When the gold was made, every point of the sample with sentence-final punctuation and white space
that no candidate split at (123) and every agreed split after a short or capitalised token or before
a lower-case word was read: none was a gold error. A sentence end with no punctuation at all (a
caption run into the next sentence) is invisible to all candidates and to this benchmark.

Judgement calls, applied throughout: sentences inside a quotation are sentences ("We lost. We'll be
back."); a quote followed by lower-case attribution is not a boundary ('?" she said'); an ellipsis
that ends a sentence belongs to it (the boundary is after "… ", not before it); list numbers and
leaders that open a line ("1. Ditch the diet", "... Penn State") are not sentences of their own;
neither are datelines ("DEKALB, Ill. — "), product names ("ID. SPACE VIZZION"), units ("1 tsp.
olive oil") or a citation's journal name ("Curr Opin Anaesthesiol. 2015; 28").

Output: per candidate, boundary precision, recall and F1 (micro, over the sample), a 95% bootstrap
interval of F1 over articles and how often it beats qa's splitter in the resamples, errors by type
with examples, and speed in ms per 100 KB of UTF-8 text (all 96 texts, lines pre-split, best of
`--repeats` runs, model loading excluded and shown separately).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chunking import sentence_spans  # noqa: E402

NEWS = ROOT.parent / "shared" / "benchmarks" / "news-pages" / "ground-truth.json"
SEEDS = ROOT / "seeds"
JUDGED = ROOT / "bench" / "sentence-boundaries.jsonl"
SAMPLE_SEED = 20250327
SAMPLE_SIZE = 40
CONTEXT = 60
CLOSERS = "\"'”’)]»"

Spans = list[tuple[int, int]]
Segmenter = Callable[[str], Spans]

LICENCES = {
    "qa": "project's own (MIT)",
    "pysbd": "MIT",
    "syntok": "MIT",
    "nupunkt": "MIT",
    "blingfire": "MIT",
    "sentencex": "MIT",
}


# --- candidates: each maps one line to (start, end) spans of its sentences, offsets in the line ---


def make_candidates() -> tuple[dict[str, Segmenter], dict[str, float]]:
    """The installed candidates and the time each took to load (models, rule tables)."""
    candidates: dict[str, Segmenter] = {"qa": lambda line: sentence_spans(line, 0, len(line))}
    load: dict[str, float] = {"qa": 0.0}

    def add(name: str, build: Callable[[], Segmenter]) -> None:
        t0 = time.perf_counter()
        try:
            seg = build()
            seg("Warm up. This loads everything.")
        except ImportError as err:
            print(f"skipping {name}: {err}", file=sys.stderr)
            return
        load[name] = time.perf_counter() - t0
        candidates[name] = seg

    def pysbd_() -> Segmenter:
        import pysbd

        seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
        return lambda line: [(s.start, s.end) for s in seg.segment(line)]

    def syntok_() -> Segmenter:
        from syntok.segmenter import analyze

        def seg(line: str) -> Spans:
            return [
                (sent[0].offset, sent[-1].offset + len(sent[-1].value))
                for para in analyze(line)
                for sent in para
                if sent
            ]

        return seg

    def nupunkt_() -> Segmenter:
        import nupunkt

        return nupunkt.sent_spans

    def blingfire_() -> Segmenter:
        import blingfire

        return lambda line: list(blingfire.text_to_sentences_and_offsets(line)[1])

    def sentencex_() -> Segmenter:
        import sentencex

        return lambda line: [(b["start_index"], b["end_index"]) for b in sentencex.get_sentence_boundaries("en", line)]

    for name, build in [
        ("pysbd", pysbd_),
        ("syntok", syntok_),
        ("nupunkt", nupunkt_),
        ("blingfire", blingfire_),
        ("sentencex", sentencex_),
    ]:
        add(name, build)
    return candidates, load


# --- texts, lines and boundaries ---


def load_texts() -> dict[str, str]:
    texts = {k: v["articleBody"] for k, v in json.loads(NEWS.read_text(encoding="utf-8")).items()}
    for path in sorted(SEEDS.glob("*.txt")):
        texts[f"seeds/{path.name}"] = path.read_text(encoding="utf-8")
    return texts


def sample_ids(texts: dict[str, str]) -> list[str]:
    news = sorted(k for k in texts if not k.startswith("seeds/"))
    seeds = sorted(k for k in texts if k.startswith("seeds/"))
    return sorted(random.Random(SAMPLE_SEED).sample(news, SAMPLE_SIZE)) + seeds


def lines_of(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their offsets: qa never lets a sentence cross a line end."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


def canonical(line: str, pos: int) -> int:
    """Where a sentence starting at `pos` really starts: its first non-space character, after any
    closing quotes/brackets the candidate cut off the previous sentence."""
    n = len(line)
    if 0 < pos < n and not line[pos - 1].isspace() and not line[pos].isspace():
        q = pos
        while q < n and line[q] in CLOSERS:
            q += 1
        if q == n or line[q].isspace():
            pos = q
    while pos < n and line[pos].isspace():
        pos += 1
    return pos


def boundaries(seg: Segmenter, text: str) -> set[int]:
    out: set[int] = set()
    for offset, line in lines_of(text):
        first = len(line) - len(line.lstrip())
        for start, _ in seg(line):
            p = canonical(line, start)
            if first < p < len(line):
                out.add(offset + p)
    return out


def context(text: str, offset: int, width: int = CONTEXT) -> str:
    return text[max(0, offset - width) : offset] + "|" + text[offset : offset + width]


# --- error types ---

# Abbreviations, for naming error types only (no candidate uses this list).
_ABBREV_WORDS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "gov", "sen", "rep", "lt", "col", "capt", "sgt",
    "cmdr", "adm", "maj", "rev", "hon", "pres", "supt", "det", "no", "nos", "vol", "vs", "etc", "inc", "ltd",
    "co", "corp", "bros", "dept", "est", "approx", "fig", "op", "ft", "mt", "ave", "blvd", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur",
    "thurs", "fri", "sat", "sun", "a.m", "p.m", "i.e", "e.g", "tsp", "tbsp", "oz", "lb", "lbs", "orig",
}  # fmt: skip


def inside_quotation(text: str, offset: int) -> bool:
    """Whether `offset` is inside a quotation opened earlier on its line (curly or straight quotes)."""
    before = text[text.rfind("\n", 0, offset) + 1 : offset]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def error_type(text: str, offset: int) -> str:
    left = text[:offset].rstrip()
    word = left.rsplit(None, 1)[-1] if left.split() else ""
    bare = word.rstrip(CLOSERS)
    last = bare[-1:]
    right = text[offset : offset + 1]
    core = bare.lstrip("\"'“‘([").rstrip(".")
    if bare.endswith(("...", "…")) or text.startswith(("...", "…"), offset):
        return "ellipsis"
    if word != bare and last in ("?", "!", ".", ",") and right.islower():
        return 'quote + attribution (?" she said)'
    if not last or last not in ".?!":
        return "no sentence-final punctuation"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]|[A-Z]{1,4}", core):
        return "initial / acronym (J. Smith, U.S., ID.)"
    if core.lower() in _ABBREV_WORDS:
        return "abbreviation (Mr., Jan., etc.)"
    if right.islower():
        return "lower-case next word"
    if re.fullmatch(r"\d{1,2}", core) or right.isdigit():
        return "number / list item (1. Ditch)"
    if inside_quotation(text, offset):
        return "inside a quotation"
    return "ordinary end (. ! ? + capital)"


# --- scoring ---


def load_judged() -> dict[tuple[str, int], bool]:
    judged: dict[tuple[str, int], bool] = {}
    if JUDGED.exists():
        for line in JUDGED.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["boundary"] is not None:
                    judged[row["id"], row["offset"]] = bool(row["boundary"])
    return judged


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def time_one_pass(name: str) -> float:
    """Seconds one candidate takes over every line of every text (run in a fresh process)."""
    candidates, _ = make_candidates()
    seg = candidates[name]
    lines = [line for text in load_texts().values() for _, line in lines_of(text)]
    t0 = time.perf_counter()
    for line in lines:
        seg(line)
    return time.perf_counter() - t0


def speed(names: list[str], texts: dict[str, str], repeats: int) -> dict[str, float]:
    """ms per 100 KB of UTF-8 text: the best of `repeats` passes, each in a new process, because some
    libraries (nupunkt) memoise whole documents and a second pass in one process would time the cache."""
    size = sum(len(line.encode()) for text in texts.values() for _, line in lines_of(text))
    out = {}
    for name in names:
        runs = [
            float(subprocess.run([sys.executable, __file__, "--time-one", name], check=True, capture_output=True,
                                 text=True).stdout)
            for _ in range(repeats)
        ]  # fmt: skip
        out[name] = min(runs) * 1000 * 100_000 / size
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--todo", type=Path, help="write unjudged disagreement points here (JSONL) and stop")
    ap.add_argument("--examples", type=int, default=4, help="examples per candidate and error type")
    ap.add_argument("--repeats", type=int, default=3, help="timing passes (the best counts)")
    ap.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples of the articles")
    ap.add_argument("--time-one", metavar="NAME", help=argparse.SUPPRESS)  # internal: one timing pass
    args = ap.parse_args()
    if args.time_one:
        print(time_one_pass(args.time_one))
        return 0

    candidates, load = make_candidates()
    names = list(candidates)
    texts = load_texts()
    ids = sample_ids(texts)
    judged = load_judged()

    found = {doc: {name: boundaries(seg, texts[doc]) for name, seg in candidates.items()} for doc in ids}
    gold: dict[str, set[int]] = {}
    todo, disputed = [], 0
    for doc in ids:
        sets = found[doc].values()
        agreed, union = set.intersection(*sets), set.union(*sets)
        for offset in sorted(union - agreed):
            disputed += 1
            if (doc, offset) not in judged:
                split_by = [n for n in names if offset in found[doc][n]]
                todo.append({"id": doc, "offset": offset, "context": context(texts[doc], offset), "boundary": None,
                             "split_by": split_by})  # fmt: skip
        # A verdict wins over agreement too: it can add a boundary every candidate missed or drop a
        # split every candidate made.
        verdicts = {o: v for (d, o), v in judged.items() if d == doc}
        gold[doc] = {o for o in agreed if verdicts.get(o, True)} | {o for o, v in verdicts.items() if v}

    if args.todo or todo:
        if not args.todo:
            print(f"{len(todo)} disagreement points are not judged yet: run with --todo FILE", file=sys.stderr)
            return 1
        args.todo.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in todo), encoding="utf-8")
        print(f"{len(todo)} unjudged points of {disputed} written to {args.todo}")
        return 0

    # per article counts, for the totals and for the bootstrap
    counts = {n: {d: (len(found[d][n] & gold[d]), len(found[d][n] - gold[d]), len(gold[d] - found[d][n])) for d in ids}
              for n in names}  # fmt: skip
    size = sum(len(texts[d].encode()) for d in ids)
    n_gold = sum(len(g) for g in gold.values())
    n_lines = sum(len(lines_of(texts[d])) for d in ids)
    print(f"sample: {len(ids)} articles ({SAMPLE_SIZE} news + {len(ids) - SAMPLE_SIZE} seeds), "
          f"{size / 1000:.0f} KB, {n_lines} lines, {n_gold} gold boundaries inside lines, "
          f"{disputed} disputed points judged by hand")  # fmt: skip
    print("speed: all texts, best of fresh-process passes; load = import + model load + first call\n")

    rng = random.Random(0)
    resamples = [[rng.choice(ids) for _ in ids] for _ in range(args.bootstrap)]

    def f1_of(name: str, docs: list[str]) -> float:
        tp, fp, fn = (sum(counts[name][d][i] for d in docs) for i in range(3))
        return f1(tp, fp, fn)[2]

    boot = {n: [f1_of(n, s) for s in resamples] for n in names}
    ms = speed(names, texts, args.repeats)

    header = f"{'candidate':<10} {'P':>6} {'R':>6} {'F1':>6}  {'F1 95% CI':<13} {'beats qa':>8} {'FP':>4} {'FN':>4}"
    header += f" {'ms/100KB':>9} {'load s':>7}  licence"
    print(header)
    print("-" * len(header))
    for n in names:
        tp, fp, fn = (sum(c[i] for c in counts[n].values()) for i in range(3))
        p, r, f = f1(tp, fp, fn)
        lo, hi = sorted(boot[n])[int(0.025 * len(boot[n]))], sorted(boot[n])[int(0.975 * len(boot[n])) - 1]
        wins = "" if n == "qa" else f"{sum(a > b for a, b in zip(boot[n], boot['qa'], strict=True)) / len(boot[n]):.0%}"
        print(f"{n:<10} {p:6.3f} {r:6.3f} {f:6.3f}  {lo:.3f}-{hi:.3f}   {wins:>8} {fp:4d} {fn:4d} "
              f"{ms[n]:9.1f} {load[n]:7.2f}  {LICENCES.get(n, '?')}")  # fmt: skip

    print("\nerrors by type (FP = split where there is no sentence end, FN = sentence end missed)")
    for n in names:
        errors: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for d in ids:
            for o in sorted(found[d][n] - gold[d]):
                errors["FP " + error_type(texts[d], o)].append((d, o))
            for o in sorted(gold[d] - found[d][n]):
                errors["FN " + error_type(texts[d], o)].append((d, o))
        total = Counter({k: len(v) for k, v in errors.items()})
        print(f"\n{n}: " + ", ".join(f"{k} {c}" for k, c in total.most_common()) if total else f"\n{n}: no errors")
        for kind, _ in total.most_common():
            for d, o in errors[kind][: args.examples]:
                print(f"  {kind:<42} {context(texts[d], o, 40)!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
