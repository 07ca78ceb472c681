"""Which sentence of a passage answers: the word overlap of a question with a sentence (idf-weighted,
for citations whose evidence the vectors did not choose) and the rule that a heading or a question
never is the highlight.

Nothing here touches the disk or the model; `citations.py` and `engine.py` feed it texts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from qa.answer import is_question
from qa.chunking import sentence_spans
from qa.ingest.boilerplate import running_text
from qa.stories import CJK_LETTER

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "s",
        "t",
        "can",
        "will",
        "just",
        "don",
        "should",
        "now",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "am",
        "would",
        "could",
        "also",
        "as",
    ]
)


def terms(text: str) -> list[str]:
    """Lower-cased word tokens without stop words (for lexical overlap)."""
    return [t for t in (m.group(0).lower() for m in _TOKEN.finditer(text)) if t not in STOPWORDS]


def best_sentence(
    text: str, start: int, end: int, question: str, idf: dict[str, float], title: str | None = None
) -> tuple[int, int]:
    """The sentence of `text[start:end]` that best matches the question.

    Scored by the idf-weighted share of the question's terms it contains (with a small bonus for
    consecutive question words, i.e. names); ties go to the earlier sentence. A heading or a question
    is chosen only when the passage holds nothing else (`reads_as_answer`).
    """
    spans = sentence_spans(text, start, end) or [(start, end)]
    usable = [(a, b) for a, b in spans if reads_as_answer(text[a:b], title)] or spans  # never a heading or a question
    q_terms = terms(question)
    if not q_terms:
        return usable[0]
    q_set = set(q_terms)
    q_bigrams = set(pairwise(q_terms))
    default_idf = max(idf.values(), default=1.0)
    best, best_score = usable[0], -1.0
    for a, b in usable:
        s_terms = terms(text[a:b])
        present = q_set.intersection(s_terms)
        score = sum(idf.get(t, default_idf) for t in present)
        score += 0.5 * sum(idf.get(x, default_idf) for x, y in q_bigrams.intersection(pairwise(s_terms)))
        if score > best_score + 1e-9:
            best, best_score = (a, b), score
    return best


def compute_idf(texts: Iterable[str]) -> dict[str, float]:
    df: dict[str, int] = {}
    n = 0
    for t in texts:
        n += 1
        for term in set(terms(t)):
            df[term] = df.get(term, 0) + 1
    return {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}


_FIGURE = re.compile(r"\d")
_ENDS = re.compile(r"[.!…:;。！]\W*$")


def leads_in(sentence: str) -> bool:
    """Whether `sentence` introduces what follows it (ends with a colon): a list's lead-in, a quote's."""
    return sentence.rstrip().endswith((":", "："))


# Quotation marks of any kind: a page's <title> writes 'The Medium is the Message' where its heading
# writes ‘The Medium is the Message’ (a new user's highlight was that heading).
_QUOTE_MARKS = re.compile("[\"'‘’‚‛“”„‟«»]")


def _as_titled(text: str) -> str:
    """`text` as a title is compared: white space collapsed, case folded, without quotation marks."""
    return " ".join(_QUOTE_MARKS.sub("", text).split()).casefold()


def reads_as_answer(sentence: str, title: str | None = None) -> bool:
    """False for what asks or titles rather than answers: a question ("How did this happen?"), a
    heading (a few words, no figure, no sentence's end: "What the experts say"), or the article's
    `title` or its start (a headline can read as a sentence: "Browns player on Rudolph's role in
    fight: He asked for it")."""
    sentence = sentence.strip()
    if not any(c.isalnum() for c in sentence):
        return False  # "…" or "* * *" between paragraphs (a new user's highlight was "…")
    if title:
        # The title, or its start repeated over a picture ("Putin Visits North Korea, China Keeps
        # Distance..." of a headline that goes on): a title, not an answer.
        said, titled = _as_titled(sentence).rstrip(".…"), _as_titled(title)
        if said == titled.rstrip(".…") or (len(said.split()) >= 4 and titled.startswith(said)):
            return False
    if is_question(sentence):
        return False
    head, newline, _ = sentence.partition("\n")
    if newline and leads_in(head):
        return True  # a lead-in with what it introduces ("The headliners are three bands:" / "The Blue Notes")
    return running_text(sentence) or bool(_FIGURE.search(sentence) or _ENDS.search(sentence))


def answering(
    text: str, spans: Any, scores: Any, excerpt: tuple[int, int], highlight: tuple[int, int], title: str | None = None
) -> tuple[int, int]:
    """The highlight of an excerpt: `highlight` itself, unless it reads as no answer (a heading such
    as "What the experts say", a question such as "How did this happen?"); then the best-scored
    sentence of the excerpt that does (`scores`: one per sentence of `spans`, the document's
    sentences). The excerpt stays as it is: only what is marked in it moves."""
    import numpy as np

    def answers(a: int, b: int) -> bool:
        return reads_as_answer(text[a:b], title)

    inside = np.flatnonzero((spans[:, 0] >= excerpt[0]) & (spans[:, 1] <= excerpt[1]))
    if not answers(*highlight):
        usable = [int(i) for i in inside if answers(int(spans[i, 0]), int(spans[i, 1]))]
        if usable:
            best = max(usable, key=lambda i: float(scores[i]))
            highlight = int(spans[best, 0]), int(spans[best, 1])
    return whole_quote(text, spans[inside], whole_phrase(text, spans[inside], highlight))


FRAGMENT_WORDS = 3  # a "sentence" of one word is a fragment of a phrase cut at its full stops; so is one
FRAGMENT_PART = 6  # this short that follows it, up to a phrase of FRAGMENT_WORDS


def whole_phrase(text: str, spans: Any, highlight: tuple[int, int]) -> tuple[int, int]:
    """`highlight`, or with the short sentences after it in its paragraph (of `spans`, the excerpt's)
    when it is a single word: a slogan written with full stops ("Meth. We're on it.", "Get. It. OUT,")
    is several sentences to the splitter, and a browser user's highlight was "Meth." alone. Taken in
    while the phrase has fewer than `FRAGMENT_WORDS` words, each of at most `FRAGMENT_PART` words and
    not a question, in the same paragraph: "He resigned." is a sentence (a reviewer's: it took in the
    whole next sentence)."""
    a, b = highlight
    if len(text[a:b].split()) != 1 or CJK_LETTER.search(text[a:b]):
        return highlight  # (Chinese and Japanese write a whole sentence as one "word": a reviewer's)
    for s, e in spans.tolist():
        if s < b:
            continue
        part = text[s:e]
        if "\n" in text[b:s] or len(part.split()) > FRAGMENT_PART or is_question(part):
            break
        b = e
        if len(text[a:b].split()) >= FRAGMENT_WORDS:
            break
    return a, b


QUOTE_REACH = 500  # characters a highlight may grow to, to hold a whole quotation


_HEIGHT = re.compile(r"\b\d'\d{1,2}\"")


def quotations(paragraph: str) -> list[tuple[int, int]]:
    """Where the quotations of a paragraph lie: “curly” pairs, and "straight" ones paired in order
    when the paragraph holds an even number of them (an odd number cannot be paired: a quotation that
    runs on into the next paragraph opens each with a mark of its own); a height's inch mark is none."""
    out = [(m.start(), m.end()) for m in re.finditer(r"“[^“”]*”", paragraph)]
    # (not a height's inch mark, "the 6'2" guard": a review's; "Area 51" is a quotation)
    inches = {m.end() - 1 for m in _HEIGHT.finditer(paragraph)}
    marks = [i for i, c in enumerate(paragraph) if c == '"' and i not in inches]
    if len(marks) % 2 == 0:
        out += [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks), 2)]
    return out


def whole_quote(text: str, spans: Any, highlight: tuple[int, int]) -> tuple[int, int]:
    """`highlight`, or the sentences of `spans` (the excerpt's) that hold a whole quotation it cuts:
    a quotation of two sentences is two to the splitter, and a new user's answer to 'Who said "We
    could not match that money"?' was `"We could not match that money.` alone, its quotation mark
    open and "he said" in the next sentence. Only in its paragraph, up to `QUOTE_REACH` characters."""
    a, b = highlight
    start = text.rfind("\n", 0, a) + 1
    end = text.find("\n", b)
    end = len(text) if end < 0 else end
    lo, hi = a, b
    for qs, qe in quotations(text[start:end]):
        qs, qe = qs + start, qe + start
        if qs < b and qe > a and (qs < a or qe > b):  # the quotation runs past the highlight
            lo, hi = min(lo, qs), max(hi, qe)
    cover = [(s, e) for s, e in spans.tolist() if e > lo and s < hi]
    if (lo, hi) == (a, b) or not cover:
        return highlight
    grown = min(a, cover[0][0]), max(b, cover[-1][1])
    return grown if grown[1] - grown[0] <= QUOTE_REACH else highlight
