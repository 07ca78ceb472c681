"""The `qa` command: index, ask (in `qa/cli_ask.py`), serve, text, documents, eval.

User errors (`QAError`) print one line to stderr and exit non-zero; nothing here prints a traceback
for a mistake the user can fix. Heavy modules are imported inside the commands, so `qa --help` and a
no-op `qa index` start instantly.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.errors import QAError, UsageError

PROG = "qa"


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _port(value: str) -> int:
    n = _positive_int(value)
    if n > 65535:
        raise argparse.ArgumentTypeError("must be a port number, 1-65535")
    return n


def _env_port() -> int:
    raw = os.environ.get("QA_PORT", "").strip() or "7860"
    try:
        return _port(raw)
    except argparse.ArgumentTypeError:
        raise UsageError(f"QA_PORT={raw!r} is not a port number; set it to 1-65535, e.g. 7860.") from None


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviated options: `qa index --seed DIR` was taken for --seeds, a typo of --see... for
        # something else would be too.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, with the usage hint, exit 2 (argparse's own convention)."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Ask questions of a folder of articles; get exact, cited excerpts back.",
    )
    from qa import __version__
    from qa.ingest.document import SUFFIXES

    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p_index = sub.add_parser("index", help="build or update the index from a folder of articles")
    p_index.add_argument(
        "--seeds", type=Path, help=f"folder of {'/'.join(SUFFIXES)} articles (env QA_SEEDS_DIR; default seeds/)"
    )
    p_index.add_argument("--index", type=Path, help="index folder (env QA_INDEX_DIR; default embeddings/)")
    p_index.add_argument("--quiet", "-q", action="store_true", help="print only errors and skipped files")
    _ray_option(p_index, "embed on a Ray cluster at ADDRESS")
    p_index.add_argument(
        "--shards",
        type=_positive_int,
        help="write the index as N shards, to serve with --ray (env QA_SHARDS; default: as the index has, 1 if new)",
    )

    p_ask = sub.add_parser("ask", help="answer questions with cited excerpts")
    p_ask.add_argument(
        "questions", nargs="*", help="questions; none: a qa> prompt, one conversation (/new: another), or stdin lines"
    )
    p_ask.add_argument("--questions-file", type=Path, help="a file with one question per line")
    p_ask.add_argument(
        "-k", type=_positive_int, default=None, help="the largest number of citations (env QA_K; default 5)"
    )
    p_ask.add_argument("--index", type=Path, help="index folder (env QA_INDEX_DIR; default embeddings/)")
    p_ask.add_argument("--json", action="store_true", help="one JSON answer object per line (CITATIONS.md)")
    p_ask.add_argument("--source", help="only articles whose file name matches this glob, e.g. '00[12]_*'")
    p_ask.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    p_ask.add_argument("--until", help="only articles published on or before YYYY-MM-DD")
    p_ask.add_argument(
        "--conversation",
        action="store_true",
        help="the questions are the turns of one conversation (in a file, a blank line starts a new one)",
    )
    p_ask.add_argument(
        "--markdown", action="store_true", help="with --conversation: print each conversation as Markdown notes"
    )
    _ray_option(p_ask, "hold the index's shards in actors on a Ray cluster at ADDRESS")

    p_serve = sub.add_parser("serve", help="start the browser chat (http://127.0.0.1:7860)")
    p_serve.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to bind (loopback)")
    p_serve.add_argument("--port", type=_port, help="port (env QA_PORT; 7860)")
    p_serve.add_argument("--index", type=Path, help="index folder (env QA_INDEX_DIR; default embeddings/)")
    p_serve.add_argument("--seeds", type=Path, help="articles folder for rebuilds and uploads (default seeds/)")
    _ray_option(p_serve, "hold the index's shards in actors on a Ray cluster at ADDRESS")

    p_text = sub.add_parser("text", help="print exactly the text that citations of SOURCE slice")
    p_text.add_argument("source", help="the source as citations name it, e.g. 002_299aeecd3ab3c2fd.txt")
    p_text.add_argument("--index", type=Path, help="index folder (env QA_INDEX_DIR; default embeddings/)")

    p_docs = sub.add_parser("documents", help="list the indexed documents: format, metadata, article regions")
    p_docs.add_argument("--index", type=Path, help="index folder (env QA_INDEX_DIR; default embeddings/)")
    p_docs.add_argument(
        "--json", action="store_true", help="one JSON object per line, one line per document (CITATIONS.md)"
    )

    p_eval = sub.add_parser("eval", help="measure retrieval on a benchmark (hit@1, hit@3, MRR, evidence@1, abstention)")
    p_eval.add_argument(
        "--corpus",
        action="append",
        required=True,
        metavar="[NAME=]DIR",
        help="folder of the benchmark's articles; repeat as NAME=DIR to search several (sources NAME/<file>)",
    )
    which = p_eval.add_mutually_exclusive_group(required=True)
    which.add_argument("--questions", type=Path, help="JSONL: question, source, answers, answerable")
    which.add_argument(
        "--conversations", type=Path, help="JSONL of turns (conversation, turn, question, ...): follow-ups measured"
    )
    p_eval.add_argument("--index", type=Path, help="index folder (default: a cache folder per corpus)")
    p_eval.add_argument(
        "-k", type=_positive_int, default=None, help="citations per question, as a reader gets them (default: QA_K, 5)"
    )
    p_eval.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p_eval.add_argument(
        "--folds", help="also print figures per fold split by article: N folds, or 'articles' (one per article)"
    )
    return parser


# --------------------------------------------------------------------------------------------------


def _ray_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help=f"{what} (env QA_RAY_ADDRESS; 'auto' joins a running one; none starts one on this machine)",
    )


def _ray_address(args: argparse.Namespace) -> str | None:
    """None: no Ray; "" a Ray instance started here; else the address given (or QA_RAY_ADDRESS).
    A value with spaces is a question argparse took for the address (`qa ask --ray "Who ...?"`)."""
    if args.ray is not None and (any(ch.isspace() for ch in args.ray.strip()) or "?" in args.ray):
        raise UsageError(
            f"--ray took {args.ray!r} for a cluster address; put the questions before --ray, "
            "or write --ray=ADDRESS."
        )
    return None if args.ray is None else (args.ray or os.environ.get("QA_RAY_ADDRESS", ""))


def _settings(args: argparse.Namespace) -> object:
    from qa.config import Settings
    from qa.store.layout import with_own_seeds

    settings = Settings.from_env().with_(
        seeds_dir=getattr(args, "seeds", None),
        index_dir=getattr(args, "index", None),
        shards=getattr(args, "shards", None),
    )
    # no folder given: the one the index was built from (qa serve --index X rebuilt X from seeds/)
    return with_own_seeds(settings, getattr(args, "seeds", None) is not None)


def _build_notes(message: str) -> None:
    """What a build says while it runs (skipped files are listed from its report, after it)."""
    if message.startswith(("waiting for another build", "going on from")):
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def cmd_index(args: argparse.Namespace) -> int:
    import qa
    from qa.config import Settings

    settings = _settings(args)
    assert isinstance(settings, Settings)
    progress = sys.stderr.isatty() and not args.quiet
    try:
        report = qa.build(settings=settings, progress=progress, ray=_ray_address(args), log=_build_notes)
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; the previous index is unchanged, and `qa index` goes on from the files "
            "this build had embedded",
            file=sys.stderr,
        )
        return 130
    for s in report.skipped:
        print(f"warning: skipped {s.source}: {s.reason}", file=sys.stderr)
    if not args.quiet:
        print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.cli_ask import run

    return run(args, _ray_address(args))


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.eval_conversations import format_conversations, run_conversations
    from qa.evaluate import format_report, parse_corpus, run_eval

    if args.conversations:
        report = run_conversations(
            [parse_corpus(c) for c in args.corpus], args.conversations, index_dir=args.index, k=args.k
        )
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
        else:
            print(format_conversations(report))
        return 0
    report = run_eval(
        [parse_corpus(c) for c in args.corpus], args.questions, index_dir=args.index, k=args.k, folds=args.folds
    )
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from qa.config import Settings
    from qa.service import Service

    try:
        from ui.server import serve
    except ImportError as err:
        raise QAError(f"The chat UI cannot start ({err}); run `make install`.") from None
    settings = _settings(args)
    assert isinstance(settings, Settings)
    _check_something_to_serve(settings)
    serve(Service(settings, ray=_ray_address(args)), args.host, args.port or _env_port())
    return 0


def _check_something_to_serve(settings: Any) -> None:
    """No index, and no folder to build one from: a mistyped --index (a new user's `qa serve --index
    /tmp/nonexistent` served an empty chat, whose Rebuild then named a flag a browser cannot pass).
    No index but the folder: the chat starts empty, its Rebuild builds from that folder (said here)."""
    from qa.errors import IndexMissingError
    from qa.store.layout import generation_dir

    try:
        generation_dir(settings.index_dir)
    except IndexMissingError:
        seeds = Path(settings.seeds_dir)
        if Path(settings.index_dir).is_file():
            raise  # "... is a file, not an index folder"
        if not seeds.is_dir():
            raise UsageError(
                f"No index at {settings.index_dir} and no folder {seeds}/ to build one from; pass --index DIR"
                " where the index is, or --seeds DIR with the articles."
            ) from None
        note = f"no index at {settings.index_dir} yet; the chat's Rebuild builds it from {seeds}/."
        print(f"{PROG}: {note}", file=sys.stderr)


def _documents(index: Path | None) -> dict[str, Any]:
    from qa.config import Settings
    from qa.store.loader import load_documents

    return load_documents(Settings.from_env().with_(index_dir=index).index_dir)


def _indexed_source(docs: dict[str, Any], given: str) -> str:
    """The indexed source `given` names: itself, or the one source a path to the file ends with (a
    path completed in the shell, "seeds/000_x.txt" or "/home/me/qa/seeds/000_x.txt")."""
    if given in docs:
        return given
    path = "/" + Path(given).as_posix().lstrip("/")
    found = [s for s in docs if path.endswith("/" + s)]
    return found[0] if len(found) == 1 else given


def cmd_text(args: argparse.Namespace) -> int:
    from qa.store.texts import document_text

    docs = _documents(args.index)
    # exactly: no newline added, so offsets into the output are the citations'
    sys.stdout.write(document_text(docs, _indexed_source(docs, args.source)))
    sys.stdout.flush()
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    docs = _documents(args.index)
    for source in sorted(docs):
        d = docs[source].describe()
        if args.json:
            print(json.dumps(d, ensure_ascii=False))
            continue
        article = sum(b - a for a, b in d["regions"])
        meta = " · ".join(str(d[k]) for k in ("title", "published", "outlet", "author") if d[k])
        print(f"{source}  [{d['format']}, {d['characters']:,} chars, {article:,} of article]  {meta}")
    return 0


COMMANDS = {
    "index": cmd_index,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "serve": cmd_serve,
    "text": cmd_text,
    "documents": cmd_documents,
}


def _json_escape(err: UnicodeError) -> tuple[str, int]:
    """What an output encoding cannot show, as JSON's \\uXXXX escapes (a surrogate pair above U+FFFF)."""
    assert isinstance(err, UnicodeEncodeError)
    out = []
    for ch in err.object[err.start : err.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), err.end


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    codecs.register_error("qa-json-escape", _json_escape)
    for stream in (sys.stdout, sys.stderr):
        # A terminal that is not UTF-8 (PYTHONIOENCODING=ascii, LANG=C on old systems): what it cannot
        # show is escaped ("Jos\u00e9", inside --json strings the same character), not a
        # UnicodeEncodeError traceback.
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="qa-json-escape")  # type: ignore[union-attr]
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named by the command's own parser: "see qa ask --help", not "see qa --help"
        commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command = commands.get(args.command) if args.command else None
        (command or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except QAError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
