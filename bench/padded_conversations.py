"""The conversation sets with every turn padded to a long message: the turn's question with two or
three sentences of generic chat around it (why the reader asks; none names anything), before it,
after it, or before it with a closing "Any ideas?", chosen by a hash of the turn. A stress set for
long messages in a conversation (qa/query/pasted.py): the padding carries no information, so a
padded turn should score as the turn does unpadded.

    .venv/bin/python bench/padded_conversations.py OUT_DIR
    .venv/bin/qa eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \\
        --conversations OUT_DIR/conversations.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETS = ("conversations", "conversations-held-out", "conversations-user", "conversations-long")
CHAT = (
    "I'm putting together a short briefing for my team this afternoon and I keep going back and forth "
    "between different sources on this.",
    "My colleague and I were arguing about this over lunch and neither of us could remember the detail, "
    "so I said I would check.",
    "Sorry if this is a basic thing to ask, I only skimmed the coverage when it first came out and the "
    "details have become a bit blurry.",
    "It matters because I'm writing a summary for a newsletter and I really don't want to get any of the "
    "facts wrong in print.",
    "I read several reports at the time but they all seemed to say slightly different things, which has "
    "left me rather confused.",
)


def padded(turn: dict[str, Any]) -> str:
    h = int(hashlib.sha1(f"{turn['conversation']}-{turn['turn']}".encode()).hexdigest(), 16)
    a, b = CHAT[h % 5], CHAT[(h // 5) % 5]
    if a == b:
        b = CHAT[(h % 5 + 1) % 5]
    q = turn["question"]
    if len(a) + len(b) + len(q) < 305:
        b = b + " " + next(c for c in CHAT if c not in (a, b))
    return (f"{a} {b} {q}", f"{q} {a} {b}", f"{a} {b} {q} Any ideas?")[(h // 25) % 3]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in SETS:
        rows = [json.loads(line) for line in (ROOT / "bench" / f"{name}.jsonl").read_text().splitlines() if line]
        text = "".join(json.dumps({**r, "question": padded(r)}) + "\n" for r in rows)
        (out / f"{name}.jsonl").write_text(text, encoding="utf-8")
        print(f"{out / name}.jsonl: {len(rows)} turns")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
