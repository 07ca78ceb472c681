"""`qa eval --conversations FILE`: each turn of a conversation asked with its earlier questions and
alone (qa/query/conversation.py), scored by kind of turn (first, followup, switch, offtopic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.errors import UsageError
from qa.evaluate import eval_engine, judge, load_questions, summarise, warn_unindexed
from qa.query import pasted

CONVERSATION_KINDS = ("first", "followup", "switch", "offtopic")


def load_conversations(path: Path) -> list[list[dict[str, Any]]]:
    """The turns of a conversations file (JSONL rows with `conversation` and `turn` besides the
    question fields), grouped by conversation in file order, each in turn order."""
    rows = load_questions(path)
    groups: dict[str, list[dict[str, Any]]] = {}
    for n, row in enumerate(rows, 1):
        cid = row.get("conversation")
        if not isinstance(cid, str) or not isinstance(row.get("turn"), int):
            raise UsageError(f'{path}: question {n} has no "conversation" id and "turn" number.')
        groups.setdefault(cid, []).append(row)
    return [sorted(turns, key=lambda r: r["turn"]) for turns in groups.values()]


def same_answer(a: Any, b: Any) -> bool:
    """The same citations (sources and offsets, in order) and the same abstention."""
    key = [(c.source, c.start_char, c.end_char) for c in (*a.citations, *a.nearest)]
    return a.abstained == b.abstained and key == [
        (c.source, c.start_char, c.end_char) for c in (*b.citations, *b.nearest)
    ]


def run_conversations(
    corpus: Path | list[tuple[str | None, Path]],
    conversations_file: Path,
    *,
    index_dir: Path | None = None,
    k: int | None = None,
    engine: Any = None,
) -> dict[str, Any]:
    """Each turn asked with the conversation's earlier questions and asked alone: hit@1/hit@3 by
    kind of turn both ways, how often a first turn or a topic switch is answered exactly as alone,
    and abstention on off-topic turns."""

    conversations = load_conversations(conversations_file)
    engine, _build = eval_engine(corpus, index_dir, engine)
    k = k or engine.settings.k
    warn_unindexed([row for conv in conversations for row in conv], engine.data.documents)
    turns: list[dict[str, Any]] = []
    for conv in conversations:
        history: list[str] = []
        for row in conv:
            with_history = engine.ask(row["question"], k, history=history)
            alone = engine.ask(row["question"], k)
            turns.append(
                {
                    "conversation": row["conversation"],
                    "turn": row.get("turn"),
                    "question": row["question"],
                    "kind": row.get("kind"),
                    "query": with_history.query,
                    # (a long message's main question searched alone is not carried: what the chat says)
                    "carried": pasted.carried(with_history.question, with_history.query),
                    "same_as_alone": same_answer(with_history, alone),
                    "with": judge(with_history, row),
                    "alone": judge(alone, row),
                }
            )
            history.append(row["question"])
    kinds: dict[str, Any] = {}
    for kind in sorted({str(t["kind"]) for t in turns}):
        mine = [t for t in turns if str(t["kind"]) == kind]
        kinds[kind] = {
            "turns": len(mine),
            "with": summarise([t["with"] for t in mine]),
            "alone": summarise([t["alone"] for t in mine]),
            "carried": round(sum(t["carried"] for t in mine) / len(mine), 4),
            "same_as_alone": round(sum(t["same_as_alone"] for t in mine) / len(mine), 4),
        }
    return {"conversations": len(conversations), "turns": len(turns), "by_kind": kinds, "per_turn": turns}


def format_conversations(r: dict[str, Any]) -> str:
    lines = [
        f"conversations: {r['conversations']}, turns: {r['turns']}",
        "kind          turns  with: hit@1  hit@3  abstained | alone: hit@1  hit@3  abstained | carried  same as alone",
    ]
    for kind, f in r["by_kind"].items():
        w, a = f["with"], f["alone"]
        if w["answerable"]:
            w_abs, a_abs = w["false_abstention"], a["false_abstention"]
        else:
            w_abs, a_abs = w["abstention_unanswerable"], a["abstention_unanswerable"]
        lines.append(
            f"{kind:<13} {f['turns']:>5}        {w['hit@1']:.3f}  {w['hit@3']:.3f}  {w_abs:.3f}     "
            f"|        {a['hit@1']:.3f}  {a['hit@3']:.3f}  {a_abs:.3f}     "
            f"| {f['carried']:.3f}    {f['same_as_alone']:.3f}"
        )
    lines.append("(abstained: false abstention on answerable turns; abstention on off-topic turns)")
    return "\n".join(lines)
