"""`qa ask`: questions from arguments, a file or standard input, asked alone or as the turns of
conversations, printed for a terminal, as JSON or as a Markdown export.

Kept apart from `qa/cli.py` (the parser and the other commands); `run` is called with the Ray address
the command line chose.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import where
from qa.errors import QAError, UsageError
from qa.ingest.decode import read_utf8, sha256_bytes
from qa.query.validate import blank
from qa.stories import CJK_LETTER

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.query.engine import Engine

PROG = "qa"


def _iter_questions(args: argparse.Namespace) -> Iterator[str]:
    """The questions of the arguments, then the lines of --questions-file; a blank line of the file
    comes through as "" (a new conversation with --conversation, skipped otherwise)."""
    yield from args.questions
    if args.questions_file is not None:
        try:
            content = read_utf8(args.questions_file, "--questions-file ")
        except FileNotFoundError:
            raise UsageError(f"--questions-file {args.questions_file} does not exist.") from None
        except OSError as err:
            raise UsageError(f"Cannot read --questions-file {args.questions_file}: {err.strerror}.") from None
        yield ""
        for line in content.split("\n"):
            yield "" if blank(line) else line.rstrip("\r")  # a line of control characters is blank too


def conversations(lines: list[str]) -> list[list[str]]:
    """Lines as conversations: a blank line ends one."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _read_stdin() -> str:
    """Standard input as text, whatever the locale: bytes that are not UTF-8 become lone surrogates, as
    Python does for command-line arguments, and `clean_question` drops them (a strict locale would
    otherwise end `qa ask` with a UnicodeDecodeError traceback)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.read()
    return str(buffer.read().decode("utf-8", "surrogateescape"))


def render(answer: Answer) -> str:
    """A readable terminal rendering of an answer."""
    out = []
    if answer.query and answer.query != answer.question:
        out.append(f"(searched for: {answer.query})")
    if answer.abstained:
        out.append(answer.answer)
        for c in answer.nearest:
            out.append(f"  (nearest) {c.source}, {where(c.to_dict())}: {c.highlight.text}")
        return "\n".join(out)
    out.append(answer.answer)
    out.append("")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.title, c.outlet, c.published) if x)
        out.append(f"[{c.n}] {c.source}, {where(c.to_dict())} (score {c.score:.3f})")
        if meta:
            out.append(f"    {meta}")
        if c.also_in:
            out.append(f"    same story also in: {', '.join(c.also_in)}")
        out.append(f"    » {' '.join(c.highlight.text.split())}")
    return "\n".join(out)


def _typed_without_quotes(arguments: list[str]) -> bool:
    """Whether several arguments are one question typed without quotes: each a single word (no white
    space), none in Chinese or Japanese (which write no spaces: "東京都の知事は誰ですか" is a question),
    and no question mark but after the last ("who is im chon-il?"; "Who?" "When?" are two; reviewers')."""
    if len(arguments) < 2 or any(len(a.split()) != 1 or CJK_LETTER.search(a) for a in arguments):
        return False
    return not any(a.rstrip("\"'”’)").endswith(("?", "？")) for a in arguments[:-1])


def _check_questions(questions: list[str]) -> None:
    """A mistake in the input is reported (and fails the command) before the index and model load,
    naming the question among several: a questions file of hundreds of lines said only "The question
    is empty"."""
    from qa.query.validate import clean_question

    for n, q in enumerate(questions, 1):
        try:
            clean_question(q)
        except UsageError as err:
            if len(questions) == 1:
                raise
            shown = " ".join(q.split())
            shown = f" ({shown if len(shown) <= 40 else shown[:40] + '...'!r})" if shown else ""
            raise UsageError(f"Question {n} of {len(questions)}{shown}: {err} Nothing was asked.") from None


class ChangedFiles:
    """A note on stderr, once per file, when a cited file is no longer on disk as it was indexed: its
    citations quote the indexed text (`qa text`), which no longer equals the file (a new user edited
    an article and asked again without `qa index`: the offsets sliced the new file mid-word)."""

    def __init__(self, engine: Engine) -> None:
        data = getattr(engine, "data", None)
        seeds = getattr(data, "manifest", {}).get("seeds_dir")
        self.documents = getattr(data, "documents", {}) if seeds else {}  # no folder known: nothing to check
        self.root = Path(str(seeds or "."))
        self.seen: set[str] = set()

    def note(self, answer: Answer) -> None:
        for source in dict.fromkeys(c.source for c in (*answer.citations, *answer.nearest)):
            if source in self.seen or source not in self.documents:
                continue
            self.seen.add(source)
            try:
                same = sha256_bytes((self.root / source).read_bytes()) == self.documents[source].sha256
                now = "" if same else "has changed in"
            except OSError:
                now = "is no longer in"
            if now:
                print(
                    f"{PROG}: note: {source} {now} {self.root} since it was indexed; its citations quote the"
                    f" text indexed then (qa text {source}); run `qa index` to update.",
                    file=sys.stderr,
                )


NEW = "/new"  # typed at the prompt: a new conversation


def _ask(engine: Engine, question: str, args: argparse.Namespace, history: list[str]) -> Answer:
    return engine.ask(question, args.k, source=args.source, since=args.since, until=args.until, history=history)


def run(args: argparse.Namespace, ray: str | None) -> int:
    import qa

    if args.markdown and not args.conversation:
        raise UsageError("--markdown exports a conversation; add --conversation.")
    if args.markdown and args.json:
        raise UsageError("Choose one of --markdown and --json.")
    from qa.query.validate import check_dates

    if _typed_without_quotes(args.questions):
        # `qa ask who is priya raman` asked "who", "is", "priya" and "raman" (a new user's).
        print(
            f"{PROG}: note: read the {len(args.questions)} words as one question; quote each question to ask"
            ' several (qa ask "first question" "second question").',
            file=sys.stderr,
        )
        args.questions = [" ".join(args.questions)]
    _check_questions(args.questions)  # (a question given as an argument must not be blank either)
    lines = list(_iter_questions(args))
    interactive = not any(lines) and args.questions_file is None and sys.stdin.isatty()
    if not any(lines) and args.questions_file is None and not interactive:
        lines = ["" if blank(line) else line for line in _read_stdin().split("\n")]
    # Each conversation is a list of turns; without --conversation every question stands alone.
    groups = conversations(lines) if args.conversation else [[q] for q in lines if q.strip()]
    questions = [q for g in groups for q in g]
    if not questions and not interactive:
        raise UsageError('No question given; run qa ask "your question" (or --questions-file FILE).')
    _check_questions(questions)
    check_dates(args.since, args.until)
    engine = qa.load(args.index, ray=ray)
    changed = ChangedFiles(engine)
    if not interactive:
        from qa.query.chat import markdown

        for group in groups:
            history: list[str] = []
            turns = []
            for q in group:
                try:
                    answer = _ask(engine, q, args, history)
                except UsageError as err:
                    if args.json or args.markdown:
                        raise
                    print(f"{PROG}: {err}", file=sys.stderr)
                    continue
                history.append(q)
                changed.note(answer)
                if args.markdown:
                    turns.append(answer.to_dict())
                elif args.json:
                    print(answer.to_json(), flush=True)
                elif len(questions) > 1:
                    # Several answers in a row: each under its question, apart from the one before.
                    print(f"== {q}\n{render(answer)}\n", flush=True)
                else:
                    print(render(answer), flush=True)
            if args.markdown:
                print(markdown(turns), flush=True)
        return 0
    n_docs = len(engine.data.documents)
    print(
        f"qa: {n_docs} articles, {len(engine.data.chunks)} passages. Ask a question; follow-ups use the"
        f" conversation ({NEW} starts a new one; an empty line or Ctrl-D quits)."
    )
    # The prompt is a conversation, as the chat is: "What did he say?" after "Who is Harold Vance?"
    # was refused as naming no one (a new user's; only --conversation carried the questions before).
    asked: list[str] = []
    while True:
        try:
            q = input("qa> ")
        except EOFError:
            print()
            return 0
        if not q.strip():
            return 0
        if q.strip().casefold() == NEW:
            asked = []
            print("qa: a new conversation.\n")
            continue
        try:
            answer = _ask(engine, q, args, asked)
            changed.note(answer)
            print(answer.to_json() if args.json else render(answer))
            asked.append(q)
        except QAError as err:
            print(f"{PROG}: {err}", file=sys.stderr)
        print()
