"""Check a question set before it is used: every gold answer verbatim in its article, questions in a
reader's own words (no run of five words copied from the article), ids unique.

    .venv/bin/python bench/check_set.py bench/news-questions.jsonl [more.jsonl ...]

Sources are named as `qa eval --corpus NAME=DIR` stages them: `seeds/<file>` (this repo's seeds/) and
`news-pages/<id>.txt` (../shared/benchmarks/news-pages/text, the whole page as text) and `cjk/<file>`
(bench/cjk, made-up news in Chinese, Japanese and Korean). For a news page
the answer must also be in the page's gold article body, so that it is article text, not a menu.
Exits 1 and prints one line per problem.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.eval_conversations import CONVERSATION_KINDS  # noqa: E402

NEWS = ROOT.parent / "shared" / "benchmarks" / "news-pages"
CORPORA = {"seeds": ROOT / "seeds", "news-pages": NEWS / "text", "cjk": ROOT / "bench" / "cjk"}
CORPORA["formats"] = ROOT / "bench" / "formats"  # made-up articles of ten kinds (bench/formats-questions.jsonl)
KINDS = {"who", "what", "when", "where", "why", "how", "how-many", "which", "two-sentence", "unanswerable"}
KINDS |= set(CONVERSATION_KINDS)  # the turns of bench/conversations*.jsonl
KINDS |= {"rare-name", "absent-name", "off-topic", "foreign"}  # bench/short-questions.jsonl
KINDS |= {"misspelled", "lowercase", "numbers-dates-spelling", "very-short"}  # bench/sloppy-questions.jsonl
KINDS |= {"correction", "feature-pdf", "financial", "interview", "listicle", "liveblog", "match-table"}
KINDS |= {"obituary", "oped", "pressrelease"}  # bench/formats-questions.jsonl
KINDS |= {"long"}  # bench/long-questions.jsonl
COPY_RUN = 5  # a question sharing this many consecutive words with its article is not paraphrased
_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES).casefold()).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def copied_run(question: str, article: str, n: int = COPY_RUN) -> str | None:
    qw, aw = words(question), words(article)
    grams = {tuple(aw[i : i + n]) for i in range(len(aw) - n + 1)}
    for i in range(len(qw) - n + 1):
        if tuple(qw[i : i + n]) in grams:
            return " ".join(qw[i : i + n])
    return None


def source_text(source: str) -> tuple[str, str | None]:
    """(file text, gold article body or None) of a source named `corpus/file`."""
    corpus, _, name = source.partition("/")
    if corpus not in CORPORA:
        raise KeyError(f"unknown corpus {corpus!r} (use one of {', '.join(CORPORA)})")
    path = CORPORA[corpus] / name
    if path.suffix.lower() in (".html", ".htm", ".pdf"):  # the text qa reads from it, citations slice
        from qa.ingest.files import read_document

        text = read_document(path, CORPORA[corpus]).text
    else:
        text = path.read_text(encoding="utf-8-sig")
    gold = None
    if corpus == "news-pages":
        truth = json.loads((NEWS / "ground-truth.json").read_text(encoding="utf-8"))
        gold = truth[name.removesuffix(".txt")]["articleBody"]
    return text, gold


def check(path: Path, seen_ids: set[str], seen_q: set[str]) -> list[str]:
    problems = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except ValueError:
            problems.append(f"{where}: not JSON")
            continue
        qid, question = row.get("id"), row.get("question")
        turn = "conversation" in row  # a turn of a conversation: named by conversation and turn
        if turn:
            qid = f"{row.get('conversation')}-{row.get('turn')}"
        if not isinstance(qid, str) or not isinstance(question, str) or not question.strip():
            problems.append(f"{where}: needs an 'id' and a 'question' string")
            continue
        if qid in seen_ids:
            problems.append(f"{where}: id {qid} repeated")
        seen_ids.add(qid)
        if fold(question) in seen_q and not turn:  # "Why?" may follow up in two conversations
            problems.append(f"{where}: question repeated")
        seen_q.add(fold(question))
        if row.get("kind") not in KINDS:
            problems.append(f"{where}: kind {row.get('kind')!r} is not one of {sorted(KINDS)}")
        if not row.get("answerable"):
            if row.get("source") is not None or row.get("answers"):
                problems.append(f"{where}: an unanswerable question has source null and no answers")
            continue
        source, answers = row.get("source"), row.get("answers")
        if not isinstance(source, str) or not isinstance(answers, list) or not answers:
            problems.append(f"{where}: an answerable question needs 'source' and a non-empty 'answers' list")
            continue
        try:
            text, gold = source_text(source)
        except (KeyError, OSError) as err:
            problems.append(f"{where}: source {source}: {err}")
            continue
        for a in answers:
            if not isinstance(a, str) or not a.strip() or len(a) > 160:
                problems.append(f"{where}: answer {a!r} must be a short non-empty string (<= 160 chars)")
            elif fold(a) not in fold(text):
                problems.append(f"{where}: answer {a!r} is not verbatim in {source}")
            elif gold is not None and fold(a) not in fold(gold):
                problems.append(f"{where}: answer {a!r} is not in the page's gold article body")
        run = copied_run(question, gold or text)
        if run:
            problems.append(f"{where}: copies {COPY_RUN} words from the article ({run!r}); say it in a reader's words")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    seen_ids: set[str] = set()
    seen_q: set[str] = set()
    problems = [p for f in argv for p in check(Path(f), seen_ids, seen_q)]
    for p in problems:
        print(p)
    print(f"{len(seen_ids)} questions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
