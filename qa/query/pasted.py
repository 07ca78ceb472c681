"""A long message: a question with the reader's own words around it.

People paste a paragraph into a chat box: why they ask, what a friend said, then "So how many homes
does the flood wall protect? Any ideas?". Searched as one text, the question's words are a few among
many: its vector drifts towards the preamble and the share of its words the corpus holds falls, so it
is ranked worse and refused more often (bench/long-questions.jsonl, 60 such messages written in a
reader's words: 13 of 50 answerable ones refused). The preamble can also hold what the question needs
("... a new guiding slogan that year. What was the motto exactly?").

So a message longer than `LONG_MESSAGE` characters, of several sentences, is searched twice: as
written, and as its main question (the sentence that asks with the most content words, so not "Any
ideas?"; any sentence if none asks) in the conversation of the earlier messages' main questions. The
answer is the search the corpus answers more confidently (ties: as written), so its `query` shows
which was searched. docs/MEASUREMENTS.md ("A question with a paragraph around it") has the figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from qa.answer import Answer, is_question
from qa.chunking import FOLDED_ABBREVIATIONS, sentence_spans
from qa.query.conversation import LOOK_BACK, check_history, content_words, only_function_words, unresolved_pronoun
from qa.query.validate import MAX_QUESTION_CHARS

# No question of the evaluation sets written as questions is longer than 165 characters; the long
# messages' shortest is 342.
LONG_MESSAGE = 300

Ask = Callable[[str, int | None, dict[str, Any], Sequence[str] | None], Answer]


# A sentence's end and the word before it, with the letter after it looked at, not taken (the next
# end's word starts there). A message is read with those letters capitalised, since the splitter
# starts a sentence only at a capital (articles are edited) and people type in lower case; but not
# after an abbreviation: the splitter's ("mr. kim", "u.s. officials"), a single letter ("2.5 m.
# high"), a short capitalised word ("Acme Inc. pay", "Bros.", "Ltd.") or a lower-case one people write
# ("et al.", "approx."), nor after a closing quote or bracket. The word is read at most 12 characters
# back (unbounded: quadratic).
_AFTER_END = re.compile(r"([\w.]{0,12})([.!?…])([\"'”’)\]]*)\s+[\"'“‘(\[]?(?=[^\W\d_])")
_LOWER_ABBREVIATIONS = frozenset({"al", "approx", "ca", "cf", "esp", "etc", "incl", "vs", "viz"})


def _abbreviation(word: str) -> bool:
    word = word.rstrip(".")
    return (
        len(word) <= 1
        or word.casefold() in FOLDED_ABBREVIATIONS
        or word in _LOWER_ABBREVIATIONS
        or (word[:1].isupper() and len(word) <= 4 and "." not in word)
    )


def _capitalised(message: str) -> str:
    """`message` with each sentence's first letter capitalised, every offset kept."""
    chars = list(message)
    for m in _AFTER_END.finditer(message):
        if m[3] or (m[2] == "." and _abbreviation(m[1])):
            continue  # (after a closing quote: "the 'Meth. We're on it.' campaign" goes on)
        capital = chars[m.end()].upper()
        if len(capital) == 1:
            chars[m.end()] = capital
    return "".join(chars)


def _sentences(message: str) -> list[str]:
    """The message's sentences as the splitter reads them capitalised."""
    return [message[a:b] for a, b in sentence_spans(_capitalised(message), 0, len(message))]


def main_question(message: str) -> str | None:
    """The question a long message asks: its asking sentence with the most content words (the first
    of equals), or its sentence with the most if none asks. None for a message of at most
    `LONG_MESSAGE` characters or of one sentence."""
    if not LONG_MESSAGE < len(message) <= 4 * MAX_QUESTION_CHARS:  # (a kept chat's value may be planted)
        return None
    sentences = _sentences(message)
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if is_question(s)] or sentences
    return max(asking, key=content_words)


def carried(question: str, query: str) -> bool:
    """Whether an answer's search carried the conversation's words: what it searched is neither the
    question nor, for a long message, its main question."""
    return query not in (question, main_question(question))


def as_earlier(message: str) -> str:
    """An earlier message as a follow-up reads it: a long one as its main question, or, when that
    names nothing of its own ("Who was named to take over from him?"), its main question and the
    sentence before it, which says whom it asks about (the whole rest of it carried its chat)."""
    main = main_question(message)
    if main is None:
        return message
    if unresolved_pronoun(main) or only_function_words(main):
        before = [s for s in _sentences(message) if s != main and message.find(s) < message.find(main)]
        return f"{main} {before[-1]}" if before else main
    return main


def main_questions(history: Any) -> list[str]:
    """The conversation's earlier messages as a follow-up reads them (`as_earlier`; the last
    `LOOK_BACK`, a UsageError if `history` is not a list of text)."""
    return [as_earlier(h[: 4 * MAX_QUESTION_CHARS]) for h in check_history(history)[-LOOK_BACK:]]


def ask_long(ask: Ask, message: str, k: int | None, filters: dict[str, Any], history: list[str]) -> Answer | None:
    """The answer to a long `message` (None if it is not one): the more confident of the message's
    own search and its main question's, both in the conversation `history` (`main_questions`; `ask`
    answers one text, as `Engine._answer`)."""
    main = main_question(message)
    if main is None:
        return None
    whole = ask(message, k, filters, history)
    alone = ask(main, k, filters, history)
    if (whole.confidence or 0.0) >= (alone.confidence or 0.0):
        return whole
    return replace(alone, question=message)
