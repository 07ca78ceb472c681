"""Follow-up questions (qa/query/conversation.py and Engine.ask's `history`), the `query` of an answer, the
Markdown export and `qa ask --conversation`, on the seeds with the hashing FakeEmbedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import UsageError
from qa.query.chat import Conversation, answering_sentence, markdown
from qa.query.conversation import (
    CARRY_MARGIN,
    LOOK_BACK,
    MAX_TURNS,
    asks_a_detail,
    carried_terms,
    carried_wins,
    check_history,
    earlier_questions,
    judged_by_searched,
    names_in,
    own_names,
    search_text,
    starts_thread,
    thread_of,
    thread_start,
    unresolved_pronoun,
)
from qa.query.engine import Engine
from tests.conftest import FakeEmbedder
from tests.unit.query.test_engine import check_answer

FIRST = "Which Russian senator told TASS about the goal of the visit to Pyongyang?"
FOLLOW_UP = "What did he add?"


def test_carried_terms_are_the_earlier_content_words_most_recent_first() -> None:
    history = ["Where did Kim Jong-un meet Putin?", "Which Russian senator told TASS about their visit?"]
    terms = carried_terms("What did he add about the visit?", history)
    assert terms[:4] == ["Russian", "senator", "told", "TASS"], terms
    assert "visit" not in terms, "a word the question already has is not carried again"
    assert not {"which", "the", "about", "did"} & {t.casefold() for t in terms}, "stop words are not carried"
    assert terms.index("TASS") < terms.index("Putin"), "the most recent question comes first"
    assert carried_terms("Why?", []) == []
    assert search_text("Why?", ["TASS"]) == "Why? (TASS)" and search_text("Why?", []) == "Why?"
    assert search_text("and why", ["TASS"]) == "and why? (TASS)", "read as a question, as asked alone"


def test_a_thread_may_start_at_the_last_question_that_names_its_subject_and_points_back_at_nothing() -> None:
    swift = ["Who bought Taylor Swift's old record label Big Machine?", "Which politicians backed her?"]
    stabbing = "Where was Fritz von Weizsäcker stabbed?"
    assert thread_start([*swift, stabbing]) == 2
    assert carried_terms("How old is the suspect?", [stabbing]) == ["Fritz", "von", "Weizsäcker", "stabbed"]
    # A question that names something but leans on the one before it goes on with the same thread.
    crash = [
        "How many American troops died in the helicopter crash in Afghanistan?",
        "Where did the Taliban say it went down?",
    ]
    assert not starts_thread(crash[1]) and starts_thread(stabbing) and thread_start(crash) is None
    assert not starts_thread("Which politicians backed her?"), "no name of its own"
    assert thread_start([stabbing]) is None, "nothing older is carried: no thread to cut"
    assert thread_start(["a?", "b?", "c?", "Who is Sergey Kislyak?"]) == 3, "positions in the whole history"


def test_a_follow_up_carries_no_words_from_before_a_change_of_subject(engine: Engine, corpus: Path) -> None:
    """When the words of all the earlier questions lead to an article that does not name what the
    last thread's first question names, the older questions were about something else (a user's
    "How old is the suspect?" was searched with the words of earlier questions about Taylor Swift
    and answered from her article)."""
    footprints = [
        "What happened to the bronze footprints in Dalian?",
        "Who removed the bronze footprints of Kim Jong-un and Xi Jinping in Dalian?",
    ]
    answer = engine.ask(FOLLOW_UP, 3, history=[*footprints, "Who is Sergey Kislyak?"])
    assert answer.query == "What did he add? (Sergey Kislyak)", answer.query
    assert answer.citations[0].source.startswith("002_"), "Kislyak's article"
    check_answer(answer, corpus, 3)
    # The same question naming something the conversation's article names goes on with the thread.
    follow = engine.ask(FOLLOW_UP, 3, history=["What did Sergey Kislyak tell TASS?", "Did Putin agree?"])
    assert "TASS" in follow.query and follow.citations[0].source.startswith("002_"), follow.query


def test_a_question_off_the_corpus_does_not_change_the_conversations_subject(engine: Engine, corpus: Path) -> None:
    """A question naming what no article names ("What is the capital of Australia?", refused) starts
    no new subject: the follow-up after it goes on with the conversation before it (a new user's "Who
    scored their equaliser?" was searched with "capital Australia" alone, and refused)."""
    history = ["What did Sergey Kislyak tell TASS?", "What is the capital of Australia?"]
    thread = thread_of(FOLLOW_UP, history)
    assert thread is not None and thread.start == history[1]
    assert thread.words == ["capital", "Australia"] and "TASS" in thread.others and "Australia" not in thread.others
    answer = engine.ask(FOLLOW_UP, 3, history=history)
    assert "TASS" in answer.query and "Australia" not in answer.query, answer.query
    assert answer.citations[0].source.startswith("002_"), "Kislyak's article"
    check_answer(answer, corpus, 3)



def test_a_name_written_otherwise_than_its_article_does_still_changes_the_subject(engine: Engine) -> None:
    """Only a question naming nothing the corpus uses in any form is off it: "Sergei Kislyak" (the
    article says "Sergey") starts a new subject like "Sergey Kislyak" (a review: "Joe Biden" against an
    article's "Biden" lost the new subject, and the follow-up was answered from an older one)."""
    footprints = "Who removed the bronze footprints of Kim Jong-un and Xi Jinping in Dalian?"
    answer = engine.ask(FOLLOW_UP, 3, history=[footprints, "What did Sergei Kislyak tell TASS?"])
    assert "Kislyak" in answer.query and "footprints" not in answer.query, answer.query
    assert answer.citations[0].source.startswith("002_"), "Kislyak's article"


@pytest.mark.parametrize("bad", ["one string", [1, 2], {"q": 1}, 7])
def test_a_history_that_is_not_a_list_of_questions_is_a_usage_error(bad: object) -> None:
    with pytest.raises(UsageError, match="history"):
        check_history(bad)
    assert check_history(None) == [] and check_history(["", "  ", "Why?"]) == ["Why?"]


def test_only_a_question_of_unused_function_words_is_judged_by_the_words_searched() -> None:
    assert judged_by_searched("And when?", 0.0), "nothing of its own: judged by the carried words"
    assert not judged_by_searched("And when?", 0.5), "the corpus uses its words: judged by them"
    assert not judged_by_searched("Xylophone marmalade orbit velocity?", 0.0), "unknown content words abstain"
    q = "What did the senator add?"
    assert carried_wins(q, 0.5, 0.5 - CARRY_MARGIN - 0.01) and not carried_wins(q, 0.5, 0.5 - CARRY_MARGIN)


def test_a_question_of_function_words_always_keeps_the_conversation() -> None:
    # "When?" alone names nothing to look for (the engine refuses it), however well "when" matches
    # some other article: a user's "When?" after a question about a meeting was refused.
    for q in ("When?", "And why?", "Where?"):
        assert carried_wins(q, 0.30, 0.45), q
    assert not carried_wins("When did Kim meet Putin?", 0.30, 0.45)
    # A pronoun and no name of its own: about someone only the conversation names.
    assert carried_wins("When was she born?", 0.30, 0.45) and carried_wins("What did they decide?", 0.3, 0.45)
    assert not carried_wins("When was Jane Austen born?", 0.30, 0.45), "it names its own subject"
    # With words enough of its own, a pronoun does not hold it to the conversation: a new user's return
    # to an earlier subject was searched with the words of the questions just before it.
    back = "Going back to the meth ads: did the governor defend them?"
    assert not carried_wins(back, 0.30, 0.45) and carried_wins(back, 0.46, 0.45)
    assert not carried_wins("How many people were arrested?", 0.30, 0.45), "no pronoun: alone if it matches better"
    assert not carried_wins("How long does it take to renew a passport?", 0.10, 0.60), "'it' is often no one"


def test_a_question_of_no_word_names_nothing_even_in_a_conversation(engine: Engine) -> None:
    """A new user's "?!?! ... ???" after questions about an article was searched as a follow-up."""
    from qa.answer import NOTHING_TO_LOOK_FOR

    answer = engine.ask("?!?! ... ???", 3, history=[FIRST])
    assert answer.abstained and answer.answer == NOTHING_TO_LOOK_FOR and answer.query == answer.question
    assert not engine.ask("When?", 3, history=[FIRST]).abstained, "a word of function is a follow-up"


def test_without_history_the_query_is_the_question(engine: Engine, corpus: Path) -> None:
    alone = engine.ask(FIRST, 3)
    assert alone.query == alone.question == FIRST
    assert engine.ask(FIRST, 3, history=[]) == alone
    check_answer(alone, corpus, 3)


def test_a_follow_up_is_searched_with_the_conversation_and_answered_from_its_article(
    engine: Engine, corpus: Path
) -> None:
    first = engine.ask(FIRST, 3)
    follow = engine.ask(FOLLOW_UP, 3, history=[FIRST])
    check_answer(follow, corpus, 3)
    assert follow.question == FOLLOW_UP
    assert follow.query.startswith(FOLLOW_UP + " (") and "TASS" in follow.query, follow.query
    assert not follow.abstained and {c.source for c in follow.citations} == {first.citations[0].source}
    assert follow.to_dict()["query"] == follow.query


def test_a_conversation_the_corpus_knows_nothing_of_leaves_the_question_alone(engine: Engine) -> None:
    question = "What happened to the bronze footprints in Dalian?"
    within = engine.ask(question, 3, history=["Xylophone marmalade orbit velocity?"])
    assert within.query == question, "words the corpus lacks made a better search"
    assert within == engine.ask(question, 3)


def test_earlier_questions_are_cleaned_like_questions(engine: Engine) -> None:
    dirty = ["\x00\x01\u200b", "\x1b[31mWhich Russian senator told TASS\x1b[0m about the goal of the visit?"]
    answer = engine.ask(FOLLOW_UP, 3, history=dirty)
    assert "\x1b" not in answer.query and "\x00" not in answer.query
    assert answer == engine.ask(FOLLOW_UP, 3, history=[FIRST.replace(" to Pyongyang", "")])


def test_a_follow_up_naming_what_the_conversations_article_never_does_is_searched_alone(engine: Engine) -> None:
    carried = engine.ask("What did he add about Pyongyang?", 3, history=[FIRST])
    assert carried.query != carried.question, "the article names Pyongyang: the conversation carries"
    other = engine.ask("What did he add about Brazil?", 3, history=[FIRST])
    assert other.query == other.question, "no article the conversation leads to names Brazil"
    assert other == engine.ask("What did he add about Brazil?", 3)


def test_names_are_capitalised_words_after_the_first_without_possessives() -> None:
    assert own_names("What is the capital of France?") == ["France"]
    assert own_names("And South Korea's Kospi?") == ["South", "Korea", "Kospi"]
    assert own_names("What was the Americans' record?") == ["Americans"]
    assert own_names("Who won? Tell me.") == [] and own_names("When?") == []
    assert own_names("¿Qué dijo Özil?") == ["Özil"], "the word after ¿ starts; capitals of any script"
    assert own_names("How Much Did The New Laptop Cost?") == [], "Title Case names nothing"
    assert own_names("What did Mr. Mensah say?") == ["Mensah"], "an honorific is no name"
    assert names_in("What was the Americans' record?", "The American team lost.")
    assert not names_in("What is the capital of France?", "Police arrested a man in Addison.")
    assert names_in("And what did Muller say about teachers?", "Mayor Helen Müller said no."), "accents fold"


def test_an_off_topic_follow_up_still_abstains(engine: Engine) -> None:
    answer = engine.ask("Xylophone marmalade orbit velocity?", 3, history=[FIRST])
    assert answer.abstained and not answer.citations


def test_a_conversation_keeps_its_turns_and_exports_exact_quotes(engine: Engine) -> None:
    chat = Conversation(engine)
    a1 = chat.ask(FIRST, 2)
    a2 = chat.ask(FOLLOW_UP, 2)
    assert a2 == engine.ask(FOLLOW_UP, 2, history=[FIRST])
    md = chat.markdown()
    assert md.startswith("# Conversation with qa") and f"## 1. {FIRST}" in md and f"## 2. {FOLLOW_UP}" in md
    assert f"*Searched for: {a2.query}*" in md
    for c in (*a1.citations, *a2.citations):
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in c.text.split("\n"))
        assert quoted in md, "a citation is not quoted exactly"
        assert f"({c.source}, line" in md
        assert answering_sentence(c.highlight.text) in md, "the highlight is not named"
    chat.reset()
    assert chat.ask(FOLLOW_UP, 2).query == FOLLOW_UP, "a new conversation carries nothing"


def test_the_answering_sentence_is_quoted_once() -> None:
    assert answering_sentence("The council  voted\nno.") == "Answering sentence: “The council voted no.”"
    said = "“We thank the Afghan government,” Grisham said."
    assert answering_sentence(said) == f"Answering sentence: {said}", "a quoted remark is not quoted twice"
    assert answering_sentence('"Never," he said.') == 'Answering sentence: "Never," he said.'


def test_markdown_names_pages_and_closest_passages() -> None:
    cite = {
        "n": 1, "source": "a.pdf", "title": "T", "outlet": None, "published": "2024-01-02",
        "start_line": 3, "end_line": 3, "pages": [2, 3], "text": "Line one.\n\nLine two.",
    }  # fmt: skip
    md = markdown([{"question": "Q?", "query": "Q?", "answer": "Not in the sources.", "abstained": True,
                    "citations": [], "nearest": [cite]}])  # fmt: skip
    assert "[1] T, 2024-01-02 (a.pdf, line 3, pages 2-3)" in md
    assert "> Line one.\n>\n> Line two." in md and "Closest passages" in md and "Searched for" not in md
    assert "without the conversation" not in md
    again = markdown([{"question": "Q?", "query": "Q?", "answer": "A [1].", "abstained": False, "asked_alone": True,
                       "citations": [cite], "nearest": []}])  # fmt: skip
    assert "## 1. Q?\n\n*Asked again without the conversation" in again, "a re-asked turn reads as a repeat"
    untitled = markdown([{"question": "Q?", "query": "Q?", "answer": "A [1].", "abstained": False,
                          "citations": [{**cite, "title": None, "published": None}], "nearest": []}])  # fmt: skip
    assert "[1] a.pdf, line 3, pages 2-3\n" in untitled, "an untitled article is named by its file once"


def test_markdown_without_conversation_is_a_one_line_usage_error(tmp_path: Path) -> None:
    from tests.unit.test_cli import assert_one_line_error, run_qa

    assert_one_line_error(run_qa(tmp_path, "ask", "--markdown", FIRST), "--conversation")
    assert_one_line_error(run_qa(tmp_path, "ask", "--conversation", "--markdown", "--json", FIRST), "one of")


class _FailsOn(FakeEmbedder):
    """The fake model, failing when it is given one particular text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if self.text in texts:
            raise RuntimeError(f"the model failed on {self.text!r}")
        return super().encode(texts, progress=progress)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("failing", ["question", "carried search"])
def test_a_follow_up_whose_search_fails_raises_and_never_hangs(engine: Engine, failing: str) -> None:
    """The carried search runs beside the question's own: a failure of either reaches the caller
    (and the one waiting for the other is released), and the next question is answered."""
    text = FOLLOW_UP if failing == "question" else search_text(FOLLOW_UP, carried_terms(FOLLOW_UP, [FIRST]))
    broken = Engine(engine.data, _FailsOn(text), engine.settings)
    with pytest.raises(RuntimeError, match="the model failed"):
        broken.ask(FOLLOW_UP, 3, history=[FIRST])
    assert engine.ask(FOLLOW_UP, 3, history=[FIRST]).query.startswith(FOLLOW_UP)


class _Recording(FakeEmbedder):
    """The fake model, noting what it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts, progress=progress)


class _WithCoarse(_Recording):
    def __init__(self) -> None:
        super().__init__()
        self.copy = _Recording()

    def coarse(self) -> _Recording:
        return self.copy


def test_the_carried_search_runs_the_models_coarse_copy(engine: Engine) -> None:
    """Where the model offers a faster copy (ONNX: int8), the carried search encodes with it and the
    question's own search with the full model; a model without one does both."""
    model = _WithCoarse()
    carried = search_text(FOLLOW_UP, carried_terms(FOLLOW_UP, [FIRST]))
    Engine(engine.data, model, engine.settings).ask(FOLLOW_UP, 3, history=[FIRST])
    assert model.seen == [FOLLOW_UP] and model.copy.seen == [carried]
    plain = _Recording()
    Engine(engine.data, plain, engine.settings).ask(FOLLOW_UP, 3, history=[FIRST])
    assert sorted(plain.seen) == sorted([FOLLOW_UP, carried])


def test_a_conversation_without_an_engine_is_refused_at_once() -> None:
    # It failed only at the first question, with "'NoneType' object has no attribute 'ask'".
    for wrong in (None, "embeddings/"):
        with pytest.raises(UsageError, match="Conversation needs an engine"):
            Conversation(wrong)  # type: ignore[arg-type]


@pytest.mark.parametrize("follow_up", ["Why?", "And when?"])
def test_a_bare_follow_up_to_a_subject_no_article_holds_abstains(engine: Engine, follow_up: str) -> None:
    """"Why?" after "Who coaches him?" (refused) was answered from a space story's "Because ...":
    the follow-up's own "why" counted as evidence that the article answered the conversation. (Since
    stop 43 "Who coaches him?" carries no words of its own: the subject comes from the question before.)"""
    earlier = ["Who coaches Rafael Nadal?", "Who coaches him?"]
    assert engine.ask(earlier[0], 3).abstained, "premise: the corpus does not hold the earlier subject"
    answer = engine.ask(follow_up, 3, history=earlier)
    assert answer.query != answer.question, "premise: a bare follow-up keeps the conversation"
    assert answer.abstained and not answer.citations, f"answered from {[c.source for c in answer.citations]}"
    # After the refused "Who coaches him?" alone, nothing is carried: nothing to look for.
    assert "names nothing to look for" in engine.ask(follow_up, 3, history=earlier[1:]).answer


def test_a_conversation_refuses_a_history_of_its_own_in_one_line(engine: Engine) -> None:
    """Conversation(e).ask("q", history=[...]) ended in a TypeError (history given twice)."""
    with pytest.raises(UsageError, match="keeps its own history"):
        Conversation(engine).ask(FOLLOW_UP, history=[FIRST])


def test_only_the_turns_a_follow_up_can_carry_are_read(engine: Engine) -> None:
    """A history of 20 items of 5 MB took 14 s to clean; only the last three can be carried."""
    import time

    t0 = time.perf_counter()
    answer = engine.ask(FOLLOW_UP, 3, history=["b " * 2_500_000] * 20 + [FIRST])
    assert time.perf_counter() - t0 < 5
    assert answer == engine.ask(FOLLOW_UP, 3, history=[FIRST])


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("who did im chon-il meet in moscow", ["chon-il"]),  # a new user's change of subject, in lower case
        ("what did okafor write", ["okafor"]),
        ("when was that", []),
        ("what did he say next", []),
        ("Who did Im Chon-il meet in Moscow?", ["Im", "Chon-il", "Moscow"]),
        # A contraction typed without its apostrophe is no name (a new user's question was refused).
        ("whats the name of that lander", []),
        ("why didnt okafor write", ["okafor"]),
    ],
)
def test_a_question_in_lower_case_brings_the_words_english_does_not_know_as_names(
    question: str, names: list[str]
) -> None:
    """A lower-case question that changes the subject starts a thread as a capitalised one does: the
    chat's "when was that" after it was searched with three earlier questions' words."""
    from qa.query.conversation import own_names, starts_thread

    assert own_names(question) == names
    assert starts_thread(question) is bool(names)


def test_a_pronoun_with_hardly_a_word_more_is_unresolved_without_a_conversation() -> None:
    assert unresolved_pronoun("What did he say next?") == "he"
    assert unresolved_pronoun("who is her lawyer") == "her", "typed in lower case, too"
    assert unresolved_pronoun("When was Jane Austen born?") is None, "it names its own subject"
    # "it" and "its" point back too: asked alone, a review's "When was it first staged?" was answered
    # from an unrelated article; "there" does not, being as often existential (a review's "Has there
    # been a summit?" was refused)
    assert unresolved_pronoun("How long does it take?") == "it"
    assert unresolved_pronoun("When was it first staged?") == "it"
    assert unresolved_pronoun("And its atomic number?") == "its"
    for existential in ("Has there been a summit?", "Have there been any defections?", "Is there a vaccine?"):
        assert unresolved_pronoun(existential) is None, existential
    assert unresolved_pronoun("Is it safe to eat raw chicken?") is None, "words enough of its own"
    assert unresolved_pronoun("When did it open in Dalian?") is None, "it names its own subject"
    assert unresolved_pronoun("How much has the ice thinned since she began her measurements?") is None, (
        "words enough of its own to be searched (bench/formats-questions.jsonl)"
    )


def test_an_earlier_question_that_names_no_one_carries_no_words() -> None:
    """After "What did he say next?" (refused: no one named), "When was that?" searched "(say next)"."""
    assert carried_terms("When was that?", ["What did he say next?"]) == []
    assert carried_terms("When was that?", ["Who met Kislyak?", "What did he say next?"]) == ["met", "Kislyak"]
    # A new user's "What did he say next?" after "When did the Millbrook library reopen?", "How much did
    # it cost?", "Who paid for it?" and "What did the town manager say?" had lost Millbrook: the "it"
    # questions filled the three turns a follow-up carries.
    history = ["When did the Millbrook library reopen?", "How much did it cost?", "Who paid for it?"]
    assert earlier_questions([*history, "What did the town manager say?"])[0] == history[0]


def test_questions_that_name_no_one_do_not_push_the_subject_out_of_the_carried_turns(engine: Engine) -> None:
    """A new user's chat: "Tell me about Lucia Ferrante", then three questions about "she", two of them
    a pronoun and hardly a word more; "Who was mayor before her?" had lost her name (only the last
    three questions were read, and those two carry nothing)."""
    chat = [
        "Tell me about Lucia Ferrante",
        "where did she work before becoming mayor?",
        "How old was she when elected?",
        "what does she say she is proudest of",
    ]
    carried = earlier_questions(chat)
    assert [q for q in carried if "Ferrante" in q], carried
    assert not [q for q in carried if "old was she" in q], "a pronoun and hardly a word more carries nothing"
    assert len(carried) <= MAX_TURNS
    # Nor does a question of function words only (another new user's: "who is the chairman of wework",
    # then "how many employees will lose their jobs?", "And when?", "what about the maintenance workers").
    wework = ["who is the chairman of wework", "how many employees will lose their jobs?", "And when?"]
    wework.append("what about the maintenance workers")
    assert "wework" in carried_terms("Who is investigating the company?", earlier_questions(wework))
    answer = engine.ask("Who was mayor before her?", 3, history=chat)
    assert "Ferrante" in answer.query, answer.query
    # The look-back is bounded: a subject named LOOK_BACK questions ago or more is not read.
    long_ago = [chat[0], *["What did she say next?"] * LOOK_BACK]
    assert earlier_questions(long_ago) == []


def test_a_follow_up_of_function_words_finds_its_passage_by_the_conversation(tmp_path: Path) -> None:
    """A new user's "When?" after "Who is the T-Mobile CEO stepping down?" highlighted "This is the tech
    news you need to know this Tuesday.": its own words chose the passage inside the article, and it
    has none but "when". The conversation's words choose it; the answer stays in that article."""
    import qa

    filler = " ".join(f"Analysts covered story number {i} about chips, phones and cloud prices." for i in range(12))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "briefing.txt").write_text(
        "Tech briefing\n\nGood morning! Here is what happened when markets opened this Tuesday.\n\n"
        f"{filler}\n\nT-Mobile chief executive John Legere is stepping down in May 2020. He hands over to "
        f"Mike Sievert.\n\n{filler}\n",
        encoding="utf-8",
    )
    (seeds / "harbour.txt").write_text("Harbour news\n\nThe harbour wall was rebuilt in June.\n", encoding="utf-8")
    qa.build(seeds, tmp_path / "index", embedder=FakeEmbedder())
    engine = qa.load(tmp_path / "index", embedder=FakeEmbedder())
    earlier = ["Who is the T-Mobile chief executive stepping down?"]
    for question in ("When?", "And when?"):
        a = engine.ask(question, 3, history=earlier)
        assert not a.abstained and a.query != question, a.query
        assert "May 2020" in a.citations[0].highlight.text, a.citations[0].highlight.text
        assert {c.source for c in a.citations} == {"briefing.txt"}, "a follow-up is answered from its article"


def test_only_a_detail_question_takes_the_earlier_answers_passage() -> None:
    """"When?" asks a detail of what was just asked; "And why?" or "What did he do after that?" ask
    past it (a reviewer's "And why?" after "Who resigned as mayor?" cited the resignation, not why)."""
    for q in ("When?", "And where?", "And when?", "Where?", "By when?", "From where?", "To where?", "Or when?"):
        assert asks_a_detail(q), q
    for q in ("Why?", "And why?", "How?", "What did he do after that?", "Who was there?", "When did Kim meet Putin?"):
        assert not asks_a_detail(q), q


def test_a_question_whose_subject_is_only_it_is_refused_alone_and_kept_in_a_conversation(engine: Engine) -> None:
    """"When was it first staged?" asked alone (or after a refused question) was answered from
    whatever article says "first" and "staged"; in a conversation it is searched with its subject."""
    alone = engine.ask("When was it first staged?", 3)
    assert alone.abstained and not alone.citations and '"it" points back' in alone.answer
    follow = engine.ask("When was it first staged?", 3, history=[FIRST])
    assert follow.query != follow.question, "it keeps the conversation, however well it matches alone"
