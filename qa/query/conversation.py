"""Follow-up questions: what a conversation carries into a question's search, without an LLM.

People talk to a chatbot: "What did Sergey Kislyak tell TASS?", then "What did he add?". The second
question has nothing to find on its own. qa searches a question of a conversation twice, alone and
with the content words of the conversation's earlier questions (`carried_terms`: most recent
question first, stop words and the question's own words left out), and keeps the search the corpus
answers better (`Engine._choose`, `carried_wins`): the carried one when its confidence (the closest
sentence's cosine times the share of the question's own words the corpus uses) beats the alone one
by more than `CARRY_MARGIN` (0: any margin), or the question leans back with few words of its own,
and the article it leads to mentions every name the question brings of its own (`names_in`: "What
is the capital of France?" after questions about an arrest is about something else, however well
the carried words match). The carried words then choose the article (the one holding the carried
search's best passage) and the question's own words the passage in it (`WITHIN_ARTICLE`): carried
words would pull the search back to the passage that answered the earlier question ("When?" has no
words of its own and asks a detail of it: the carried words choose its passage too, `asks_a_detail`).
This is query performance prediction, as in historical query expansion (Lin et al., 2020), with qa's
own abstention signal: a question that stands on its own or changes the subject matches at least as
well alone, so it is searched alone and answered exactly as outside the conversation; the answer's
`query` shows what was searched. Abstention keeps judging the question's own words, so a follow-up
to nothing the corpus holds still abstains.

`qa.query.chat.Conversation` keeps the turns for the Python API; `markdown` exports them, the same
export as `qa ask --conversation --markdown` and the chat's button.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.answer import NOTHING_TO_LOOK_FOR, no_one_named
from qa.errors import UsageError
from qa.ingest.boilerplate import WORD as _WORD
from qa.ingest.boilerplate import english_stop_words
from qa.query.names import fold, function_word, name_runs
from qa.query.validate import MAX_QUESTION_CHARS, as_question, clean_question

# Chosen by bench/conversations.py's folds (docs/MEASUREMENTS.md, "Follow-up questions"): how much
# better the carried search must do, and whether the carried words pick the article only (the passage
# then by the question's own words).
CARRY_MARGIN = 0.0
WITHIN_ARTICLE = True
MAX_TURNS = 3  # earlier questions whose words may be carried, most recent first
MAX_TERMS = 12
LOOK_BACK = 12  # earlier questions read at most, to find MAX_TURNS that carry words



def check_history(history: Any) -> list[str]:
    """The earlier questions of a conversation as a list of non-blank strings (a UsageError else)."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise UsageError("history must be a list of the conversation's earlier questions.")
    if not all(isinstance(h, str) for h in history):
        raise UsageError("history must be a list of the conversation's earlier questions (text).")
    return [h for h in history if h.strip()]


def earlier_questions(history: Any) -> list[str]:
    """The conversation's last `MAX_TURNS` earlier questions that carry words (all a follow-up
    carries), oldest first, each cleaned like a question. One with nothing left is dropped, and so is
    one that carries no words, which does not count towards `MAX_TURNS`: function words only ("And
    when?"), or a pronoun and hardly a word more (`unresolved_pronoun`: its few words are none of the
    subject's). After "Tell me about Lucia Ferrante", "How old was she when elected?" and "What does
    she say she is proudest of?", "Who was mayor before her?" still carries her name (a new user's
    chat lost it). A UsageError if `history` is not a list of text. At most `LOOK_BACK` questions are
    read: a history of 20 items of 5 MB took 14 s of cleaning."""
    earlier: list[str] = []
    for h in reversed(check_history(history)[-LOOK_BACK:]):
        try:
            # (white space collapsed and cut before the character-by-character cleaning)
            question = clean_question(" ".join(h.split())[: 4 * MAX_QUESTION_CHARS], cut=True)
        except UsageError:
            continue
        if unresolved_pronoun(question) or only_function_words(question):
            continue  # it carries no words ("What did he say next?", "And when?")
        earlier.append(question)
        if len(earlier) == MAX_TURNS:
            break
    return earlier[::-1]


def asks_a_detail(question: str) -> bool:
    """Whether a question of function words only asks a detail of what the conversation just asked
    about ("When?", "And where?"): its passage is the one the carried words find, as
    the earlier answer's detail is beside it ("When?" after "Who is the T-Mobile CEO stepping
    down?" highlighted "This is the tech news you need to know this Tuesday." when its own words
    chose). Not "Why?" or "What did he do after that?", which ask past that passage (a reviewer's
    "And why?" after "Who resigned as mayor?" cited the resignation over its reason)."""
    return only_function_words(question) and bool(_WHEN_OR_WHERE.search(question))


# (anywhere in a question of function words: "And when?", "By when?", "From where?")
_WHEN_OR_WHERE = re.compile(r"\b(?:when|where)\b", re.IGNORECASE)


def judged_by_searched(question: str, coverage: float) -> bool:
    """Whether a follow-up's carried search is judged by the words it searched rather than the
    question's own: only for a question of function words, none of which the corpus uses ("When?"
    over articles that never say "when"), which has nothing of its own to be judged by (a question
    of unknown content words still is)."""
    return coverage == 0 and only_function_words(question)


# A question that `leans_back` with at most this many words of its own beyond function words keeps the
# conversation however well it matches alone; one with more is judged like any other follow-up, by
# which search the corpus answers better. A new user's "Going back to the meth ads: did the governor
# defend them?" (six) was searched with the words of the Emirates questions just before it and cited
# only the Emirates article. The four conversation sets: at 2 or 3, three follow-ups lose their first
# citation and one off-topic turn is answered; from 4 on, every turn is as when every such question
# kept the conversation (docs/MEASUREMENTS.md, "Follow-up questions").
LEANING_OWN_WORDS = 4


def carried_wins(question: str, carried_confidence: float, own_confidence: float) -> bool:
    """Whether the search that carries the conversation is kept: when the corpus answers it clearly
    better than the question alone, and always for a question of function words ("When?", "And
    why?"), which alone names nothing to look for (it matched "when" in some other article better
    than the conversation's words did, and was refused), or one that `leans_back` with few words of
    its own (`LEANING_OWN_WORDS`)."""
    if carried_confidence > own_confidence + CARRY_MARGIN or only_function_words(question):
        return True
    if unresolved_pronoun(question):
        return True  # "How much did it cost?": alone it names nothing
    return leans_back(question) and content_words(question) <= LEANING_OWN_WORDS


def content_words(question: str) -> int:
    """How many words of `question` are not function words."""
    return sum(not function_word(w) for w in _WORD.findall(question))


_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

# Personal pronouns, for `leans_back`: "it" is as often no one ("How long does it take to learn Go?"),
# so a question with "it" and more than `LEANING_WORDS` words of its own is judged like any other (with
# "it", "its" and "there" up to four, the conversation sets lost as many turns as they gained:
# docs/MEASUREMENTS.md); with at most that many, it points back (`unresolved_pronoun`).
_PERSONAL = "he|she|they|him|her|them|his|their|hers|theirs"
_PRONOUN = re.compile(rf"\b(?:{_PERSONAL})\b", re.IGNORECASE)


def leans_back(question: str) -> bool:
    """Whether a question points back with a pronoun and names nothing of its own ("When was she
    born?"): alone it could be about anyone, so with few words of its own (`carried_wins`) it keeps
    the conversation however well they match elsewhere (alone it was answered from whichever birth
    the corpus mentions)."""
    return bool(_PRONOUN.search(question)) and not own_names(question)


# A question that points back (`pointer`) with at most this many words of its own beyond function
# words ("What did he say next?", "Who is his lawyer?", "How much did it cost?") is about nothing
# without the conversation it leans on. Of the ~2,000 questions of the standalone sets (SQuAD's among
# them) none is such; of the follow-ups of the conversation sets many are (docs/MEASUREMENTS.md,
# "Follow-up questions").
LEANING_WORDS = 2

# What points back for `pointer`: a personal pronoun, "it" or "its". Not "there", which is as often
# existential ("Has there been a summit?", "Will there be a vote?": a review's, refused as pointing back).
_POINTER = re.compile(rf"\b(?:{_PERSONAL}|it|its)\b", re.IGNORECASE)


def pointer(question: str) -> str | None:
    """The first word of a question that points back to something said before (a personal pronoun,
    "it" or "its"), when the question names nothing of its own (None otherwise)."""
    if own_names(question):
        return None
    found = _POINTER.search(question)
    return found.group(0) if found else None


def unresolved_pronoun(question: str) -> str | None:
    """The pronoun of a question that says nothing of its own beyond it (`LEANING_WORDS`), when asked
    without a conversation: refused, since its few words match whatever article uses them (a new
    user's "what did he say next" after "New conversation" was answered from a random article, and a
    review's "When was it first staged?" from one about tennis). In a conversation it keeps the
    conversation's subject (`carried_wins`) and carries no words of its own to later questions
    (`earlier_questions`). None for any other question."""
    found = pointer(question)
    return found if found and content_words(question) <= LEANING_WORDS else None


def nothing_to_look_for(question: str, filtered: bool = False) -> str | None:
    """The refusal of a question that nothing carried into (no conversation, or one of function words)
    and that has nothing of its own to look for: function words only ("When?"), or a pronoun and
    hardly a word more (`unresolved_pronoun`), unless a source filter (`filtered`) says whose article
    it is about. Decided before any search: whatever its few words matched was noise (no nearest
    passages either). None for any other question."""
    if only_function_words(question):
        return NOTHING_TO_LOOK_FOR
    pronoun = None if filtered else unresolved_pronoun(question)
    return no_one_named(pronoun) if pronoun else None


def own_names(question: str) -> list[str]:
    """The names a question brings of its own: the words of its runs of capitals after the first
    word, without a possessive ending ("Korea's" -> "Korea"; qa/query/names.py); in a question typed
    all in lower case, the words English does not know ("who did im chon-il meet in moscow": a new
    user's change of subject was carried on as a follow-up; word_evidence.lowercase_names)."""
    names = [word for run in name_runs(question) for word in run]
    if names or question != question.lower():
        return names
    from qa.query.word_evidence import lowercase_names

    # words of three letters or more, a hyphenated name one word ("chon-il"; "im" says too little)
    return lowercase_names([w for w in _HYPHENATED.findall(question) if len(w) >= 3])


@functools.lru_cache(maxsize=32)
def _folded(article: str) -> str:
    return fold(article)


def names_in(question: str, article: str) -> bool:
    """Whether the article the conversation's words lead to mentions every name the question brings
    of its own (as written, or without a plural s): a follow-up that names something the article
    never does ("What is the capital of France?" after three questions about an arrest) asks about
    something else, and is searched alone."""
    text = _folded(article)
    return all(fold(n) in text or fold(n).rstrip("s") in text for n in own_names(question))


# Words that point back to something said before.
_POINTS_BACK = re.compile(rf"\b(?:{_PERSONAL}|it|its|there)\b", re.IGNORECASE)


def starts_thread(question: str) -> bool:
    """Whether a question names its subject and points back at nothing ("Where was Fritz von
    Weizsäcker stabbed?"): it may have changed the subject (`thread_start`). ("Where did the Taliban
    say it went down?" names something but leans on the crash asked about before it.)"""
    return bool(own_names(question)) and not _POINTS_BACK.search(question)


def thread_start(earlier: Sequence[str]) -> int | None:
    """Where the conversation's last thread may start among the earlier questions a follow-up carries
    (`earlier`, oldest first, at most `MAX_TURNS`): the position of the last question that
    `starts_thread`, if questions older than it are carried too (None otherwise). Whether it did
    change the subject the corpus says (`Engine._carried`): when the words of all the earlier
    questions lead to an article that does not name what it names, the older ones were about
    something else (after questions about Taylor Swift's label, then "Where was Fritz von Weizsäcker
    stabbed?", "How old is the suspect?" was searched with Swift's words too and answered from her
    article), and the follow-up carries the words from it on only; "Did Putin agree?" after a
    question about Kislyak's words, in an article that names Putin, goes on with the same thread."""
    first = max(0, len(earlier) - MAX_TURNS)  # the oldest carried
    for i in range(len(earlier) - 1, first, -1):
        if starts_thread(earlier[i]):
            return i
    return None


@dataclass(frozen=True)
class Thread:
    """Where a follow-up's conversation may have changed subject (`thread_start`): that question, the
    words carried from it on, and those of the other earlier questions (if it named nothing the
    corpus holds, it changed nothing: "Who scored their equaliser?" after "Who did Harbour City beat?",
    then "What is the capital of Australia?", refused)."""

    start: str
    words: list[str]
    others: list[str]


def thread_of(question: str, earlier: Sequence[str]) -> Thread | None:
    """The `Thread` of a follow-up `question` after `earlier` (None when no earlier question may
    start one)."""
    i = thread_start(earlier)
    if i is None:
        return None
    others = [*earlier[:i], *earlier[i + 1 :]]
    return Thread(earlier[i], carried_terms(question, earlier[i:]), carried_terms(question, others))


def carried_terms(question: str, history: Sequence[str]) -> list[str]:
    """The content words of the last `MAX_TURNS` earlier questions, most recent first, that the
    question does not already use: what a follow-up leaves out ("he", "there", "that deal"). An
    earlier question of a pronoun and hardly a word more (`unresolved_pronoun`) gives none: after
    "What did he say next?" was refused, "When was that?" searched "(say next)" and answered from a
    random article (a new user's); on the conversation sets, one more off-topic turn of the held-out
    set abstains and one more follow-up of the long set is right, none lost (docs/MEASUREMENTS.md)."""
    # bm25s's stop words, not `function_word`, which keeps "won" and "US": carrying them, "Who was
    # their coach?" after "Who won the 2018 men's football World Cup?" was answered, not refused
    # (stop 47; every other turn of the four conversation sets the same).
    stop = english_stop_words()
    own = {w.casefold() for w in _WORD.findall(question)}
    seen: set[str] = set()
    out: list[str] = []
    for earlier in reversed(list(history)[-MAX_TURNS:]):
        if unresolved_pronoun(earlier):
            continue  # "What did he say next?" names no subject: its few words ("say next") are none either
        for word in _WORD.findall(earlier):
            key = word.casefold()
            if key in stop or key in own or key in seen or (len(word) < 2 and not word.isdigit()):
                continue
            seen.add(key)
            out.append(word)
    return out[:MAX_TERMS]


def has_words(question: str) -> bool:
    """Whether the question holds a word at all (not "?!?! ... ???")."""
    return bool(_WORD.search(question))


def only_function_words(question: str) -> bool:
    """Whether the question has no word of its own beyond function words ("When?", "And why?"):
    nothing but the conversation can say what it asks about."""
    return all(function_word(w) for w in _WORD.findall(question))


def search_text(question: str, terms: Sequence[str]) -> str:
    """What is searched for a follow-up: the question (read as one: `as_question`), then the carried
    words in brackets."""
    return f"{as_question(question)} ({' '.join(terms)})" if terms else question
