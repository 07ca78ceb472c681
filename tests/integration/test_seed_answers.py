"""The real packaged model and real FAISS on the shipped seeds: known questions find the right article,
and every citation is the exact slice of the file it names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import qa

pytestmark = pytest.mark.integration

# (question, the file that answers it, a phrase the answering passage must contain) — each checked by
# reading the article.
KNOWN = [
    ("Since when has Kim Jong-un called Putin a comrade?", "000_eca4ee2b1510ed46.txt", "August 2023"),
    ("Who did Im Chon-il meet in Moscow?", "002_299aeecd3ab3c2fd.txt", "Igor Morgulov"),
    ("What share of North Korea's official trade did China represent in 2023?", "003_6b273f736953578d.txt", "98.3%"),
    ("What happened to Kim Jong-un's bronze footprints in Dalian?", "004_df8baabb5d59f1c4.txt", "asphalt"),
    ("How many North Korean workers remain in China since the pandemic?", "001_c6d03c536ddbb592.txt", "90,000"),
    ("Who was absent from the armistice anniversary event in Pyongyang?", "004_df8baabb5d59f1c4.txt", "ambassador"),
    ("What is the 20x10 campaign?", "000_eca4ee2b1510ed46.txt", "new factory each year"),
    ("Why has the New Amnok River Bridge not opened?", "001_c6d03c536ddbb592.txt", "Amnok"),
]


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SEEDS

    index_dir = tmp_path_factory.mktemp("idx") / "embeddings"
    report = qa.build(SEEDS, index_dir)
    assert report.chunks > 20, report.summary()
    return index_dir


@pytest.fixture(scope="module")
def engine(seed_index: Path) -> qa.query.engine.Engine:  # type: ignore[name-defined]
    return qa.load(seed_index)


def file_text(name: str) -> str:
    from tests.conftest import SEEDS

    with open(SEEDS / name, encoding="utf-8-sig") as f:
        return f.read()


def check_citation(c: dict) -> None:
    text = file_text(c["source"])
    s, e = c["start_char"], c["end_char"]
    assert c["text"] == text[s:e], f"citation text is not the file's slice [{s}:{e}] of {c['source']}"
    h = c["highlight"]
    assert s <= h["start_char"] < h["end_char"] <= e, "highlight must lie inside the citation"
    assert h["text"] == text[h["start_char"] : h["end_char"]], "highlight text is not the file's slice"
    assert c["start_line"] == text.count("\n", 0, s) + 1
    assert c["end_line"] == text.count("\n", 0, e - 1) + 1
    assert len(c["text"]) <= 800, "a citation should be a readable excerpt"


@pytest.mark.parametrize(("question", "source", "phrase"), KNOWN)
def test_known_question_cites_the_answering_article_first(
    engine: qa.query.engine.Engine,  # type: ignore[name-defined]
    question: str,
    source: str,
    phrase: str,
) -> None:
    answer = engine.ask(question, k=5).to_dict()
    assert not answer["abstained"], f"{question!r} abstained"
    first = answer["citations"][0]
    assert first["source"] == source, f"{question!r}: first citation is {first['source']}, expected {source}"
    assert any(phrase in c["text"] for c in answer["citations"][:3] if c["source"] == source), (
        f"{question!r}: no top-3 passage of {source} contains {phrase!r}"
    )
    for c in answer["citations"] + answer["nearest"]:
        check_citation(c)


def test_cli_ask_json_emits_one_checkable_object_per_question(seed_index: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "questions.txt"
    qfile.write_text("\n".join(q for q, _, _ in KNOWN[:4]) + "\n\n", encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "ask",
            "--json",
            "-k",
            "5",
            "--index",
            str(seed_index),
            "--questions-file",
            str(qfile),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["question"] for a in lines] == [q for q, _, _ in KNOWN[:4]], "one object per question, in order"
    for a in lines:
        assert set(a) == {"question", "query", "abstained", "answer", "citations", "nearest"}
        assert 1 <= len(a["citations"]) <= 5
        for n, c in enumerate(a["citations"], 1):
            assert c["n"] == n
            check_citation(c)


def test_no_citation_contains_boilerplate(engine: qa.query.engine.Engine) -> None:  # type: ignore[name-defined]
    boilerplate = [
        "Skip to content",
        "Text Size",
        "You must be logged in",
        "본문 바로가기",
        "bar_progress",
        "All rights reserved",
        "Join us on social",
        "Home > National",
        "print dictionary print",
        "Log in to Twitter",
        "please log in",
        "Sentences Mode",
    ]
    questions = [q for q, _, _ in KNOWN] + ["comments", "log in", "copyright", "social media", "navigation"]
    for q in questions:
        for c in engine.ask(q, k=10).to_dict()["citations"]:
            for b in boilerplate:
                assert b not in c["text"], f"citation for {q!r} from {c['source']} contains boilerplate {b!r}"
            assert "\nComments\n" not in c["text"] and not c["text"].strip().endswith("Top")


CONVERSATION = [
    "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?",
    "What committee role does he hold?",
]


def ask_cli(seed_index: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "qa", "ask", "--index", str(seed_index), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_a_follow_up_in_a_conversation_finds_what_it_leans_on(seed_index: Path) -> None:
    out = ask_cli(seed_index, "--conversation", "--json", "-k", "3", *CONVERSATION)
    assert out.returncode == 0, out.stderr
    first, follow = (json.loads(line) for line in out.stdout.splitlines())
    assert first["query"] == first["question"], "a first turn is searched as it is"
    assert follow["query"] != follow["question"] and "Kislyak" not in follow["question"]
    c = follow["citations"][0]
    assert c["source"] == "002_299aeecd3ab3c2fd.txt" and "first deputy chairman" in c["text"], follow["query"]
    for c in first["citations"] + follow["citations"]:
        check_citation(c)
    alone = ask_cli(seed_index, "--json", "-k", "3", CONVERSATION[1])
    assert json.loads(alone.stdout)["query"] == CONVERSATION[1], "asked alone, nothing is carried"


def test_the_qa_prompt_is_a_conversation_and_new_starts_another(seed_index: Path) -> None:
    """`qa ask` at a terminal (`make ask`): a follow-up carries the question before it, as the chat's
    does; `/new` forgets it. A new user's "What did he say?" at the prompt was refused as naming no one."""
    import pty

    main, child = pty.openpty()
    cmd = [sys.executable, "-m", "qa", "ask", "--index", str(seed_index), "-k", "3"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    typed = "\n".join([CONVERSATION[0], CONVERSATION[1], "/new", "What did he add?", "", ""])
    proc = subprocess.Popen(cmd, stdin=child, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    os.close(child)
    os.write(main, typed.encode())
    out, err = proc.communicate(timeout=300)
    os.close(main)
    assert proc.returncode == 0 and "Traceback" not in err, err
    answers = out.split("qa> ")[1:]
    assert len(answers) == 5, out  # four questions (one of them /new), then the empty line
    assert "first deputy chairman" in answers[1] and "searched for" in answers[1].lower(), answers[1]
    assert "a new conversation" in answers[2]
    assert "points back" in answers[3], "after /new nothing is carried: the follow-up names no one"


def test_a_question_that_stands_alone_is_answered_as_alone_within_a_conversation(engine: Any) -> None:
    question = "What happened to Kim Jong-un's bronze footprints in Dalian?"
    within = engine.ask(question, 3, history=CONVERSATION)
    assert within.query == question, f"a self-contained question carried the conversation: {within.query}"
    assert within == engine.ask(question, 3)


def test_a_follow_up_of_only_words_the_articles_never_use_is_searched_with_the_conversation(engine: Any) -> None:
    """The README's example: the five seeds never say "when", so "When?" has nothing of its own to be
    judged by; it is searched, and judged, with the words the conversation carries (it abstained)."""
    earlier = ["Who did Im Chon-il meet in Moscow?"]
    for question in ("When?", "And when?"):
        a = engine.ask(question, 3, history=earlier)
        assert not a.abstained and a.query != question, f"{question!r} was not searched with the conversation"
        assert a.citations[0].source == "002_299aeecd3ab3c2fd.txt", a.citations[0].source
    assert engine.ask("When?", 3).abstained, "asked alone, a bare 'When?' has nothing to answer"
    assert engine.ask("When?", 3, history=["Who composed the opera Carmen?"]).abstained, "a follow-up to nothing held"


def test_an_off_topic_question_with_a_name_of_its_own_is_not_carried_into_the_conversation(engine: Any) -> None:
    """A new user's "What is the capital of France?" after questions about an arrest was searched
    with the arrest's words and answered from that article; asked alone it abstains."""
    earlier = ["Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?"]
    for question in ("Who is the president of Brazil?", "What is the capital of France?"):
        a = engine.ask(question, 3, history=earlier)
        assert a.query == question and a.abstained, f"{question!r}: searched {a.query!r}"
    follow = engine.ask("What committee role does he hold?", 3, history=earlier)
    assert follow.query != follow.question and not follow.abstained, "a follow-up still carries"


def test_a_conversation_exports_as_markdown_with_exact_quotes(seed_index: Path, engine: Any) -> None:
    out = ask_cli(seed_index, "--conversation", "--markdown", "-k", "2", *CONVERSATION)
    assert out.returncode == 0, out.stderr
    md = out.stdout
    chat = qa.Conversation(engine)
    for question in CONVERSATION:
        for c in chat.ask(question, 2).citations:
            quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in c.text.split("\n"))
            assert quoted in md and f"{c.source}, line" in md
    assert "*Searched for: " in md


def test_a_question_pasted_with_a_paragraph_around_it_is_answered_from_its_own_words(
    engine: qa.query.engine.Engine,  # type: ignore[name-defined]
) -> None:
    # Searched as one text, the family's dinner bet outweighed the question and it was refused (.19).
    asked = "What happened to Kim Jong-un's bronze footprints in Dalian?"
    message = (
        "Quick one before my shift starts. My uncle swears he saw a photo of a statue being removed "
        "somewhere in northern China, and we had a bet about it over dinner with the whole family on "
        f"Sunday, which got rather heated by dessert. {asked} Thanks in advance!"
    )
    answer = engine.ask(message, k=5).to_dict()
    assert not answer["abstained"], f"refused at confidence {answer.get('confidence')}"
    assert (answer["question"], answer["query"]) == (message, asked)
    assert answer["citations"][0]["source"] == "004_df8baabb5d59f1c4.txt"
    for c in answer["citations"]:
        check_citation(c)
    # A follow-up carries the message's question, not its chat (a new user's follow-ups after a long
    # message were searched with "(Hi I'm foreign desk tonight picking story ...)").
    follow = engine.ask("When were they removed?", k=5, history=[message]).to_dict()
    assert follow["query"] == "When were they removed? (happened Kim Jong-un's bronze footprints Dalian)"
    assert follow["citations"][0]["source"] == "004_df8baabb5d59f1c4.txt"


def test_the_first_k_citations_are_the_same_for_any_k_up_to_the_pool(engine: Any) -> None:
    """A review: with the real model, k=1 cited [720:1143] first and k=10 [4846:5460] for the same
    question, and k=5 answered where k=10 did not, or the reverse; 9 of 46 seed questions differed.
    The citations are made `POOL` at a time and the abstention reads the first `CHECKED`."""
    from qa.query.engine import POOL

    bench = Path(__file__).resolve().parents[2] / "bench" / "news-questions.jsonl"
    rows = [json.loads(line) for line in bench.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if str(r.get("source") or "").startswith("seeds/")]
    assert len(questions) >= 30
    for question in questions:
        most = engine.ask(question, POOL)
        for k in (1, 3, 5):
            fewer = engine.ask(question, k)
            assert (fewer.abstained, fewer.confidence) == (most.abstained, most.confidence), (question, k)
            assert [c.to_dict() for c in fewer.citations] == [c.to_dict() for c in most.citations[:k]], (question, k)
