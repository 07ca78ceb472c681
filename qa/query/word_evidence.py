"""The word evidence of the abstention signal: how much of a question the corpus and the cited article hold.

The confidence qa abstains on (qa/query/engine.py) is the closest sentence's cosine times two word
shares, because the cosine alone is fooled by a question that shares only a topic, or that the model
cannot read (another language):

- coverage: the share of the question's words that the corpus uses at all;
- article share: the share of the question's word weight (BM25's idf over the passages) that the
  first cited article holds. An article that answers a question holds its rare words (a name, a place,
  a subject); one that only shares its topic or its common words does not ("How fast can a common
  swift fly?" matching a sentence about flights).

A word counts as held in any of its inflections: BM25's stemmer joins "negotiations" and "negotiate"
but not "write" and "wrote", "tell" and "told", "buy" and "bought", and a reader asks "What did
Eveleth write?" of an article where he "wrote on X". Without this, a short question built around a
rare name lost a quarter of its coverage and most of its article share to its verb, and abstained.
Inflections are judged by their lemma (simplemma, MIT: a dictionary lemmatiser, no model), only for
the words the article does not hold as they are.

A name the question brings that the corpus uses in no form ("What did Okafor write?" over articles
that never mention him) lowers the confidence by `UNKNOWN_NAME` (`unknown_name`; the names and their
near forms: qa/query/names.py): the corpus cannot answer a question about someone or something it
never names, yet the question's other words ("write") and its form can match a sentence well. In no
form: none of its BM25 tokens occurs in any passage, and the first cited article holds no near form
of it (accents, a demonym or plural, a misspelling, glued into another script). Chosen with the
threshold by bench/abstention.py's folds (docs/MEASUREMENTS.md, "Abstention signals").

A year the question names that no cited article mentions, in its text or as the year of its date
("Who won the Tour de France in 2021?" answered from a 2019 tennis report), lowers the confidence by
`MISSING_YEAR` (`missing_year`): a question about a year is about that year, and an article that
answers it says it.

An English function word ("when", "did") that the corpus never uses counts in neither share: in a
folder of three short articles, "When did the library reopen?" lost half its coverage and most of its
article share to "when" and "did", and abstained with the answering sentence nearest. A corpus of any
size uses them, so there nothing changes.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from qa.query.names import ArticleForms, function_word, name_heads
from qa.query.years import Years
from qa.stories import CJK

_lock = threading.Lock()
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
UNKNOWN_NAME = 0.7  # the confidence's factor for a name the corpus uses in no form (bench/abstention.py)
MISSING_YEAR = 0.3  # the factor for a year no cited article mentions (bench/abstention.py)
ENGLISH_SHARE = 0.6  # of a lower-case question's words, for its unknown words to stand in for names


@functools.lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """`word`'s English dictionary form ("wrote" -> "write", "told" -> "tell"); itself if unknown, or
    if it has no Latin letter (a Chinese article's ~200k character pairs took 5 s to look up)."""
    if not _LATIN.search(word):
        return word
    import simplemma

    with _lock:  # simplemma loads its English dictionary on the first call
        out: str = simplemma.lemmatize(word, lang="en")
    return out


def lowercase_names(words: Sequence[str]) -> list[str]:
    """A question typed in lower case ("what did okafor write?") shows no names by its capitals: of
    its `words` (lower case), those of three letters or more that English does not know (simplemma's
    dictionary) stand in for them, when most of them are English (another language's are all unknown)."""
    words = [w for w in words if w.replace("-", "").isalpha()]  # "chon-il" is a word
    if _english_share(words) < ENGLISH_SHARE:
        return []
    return [w for w in words if len(w) >= 3 and not _english(w)]


def _english(word: str) -> bool:
    """A (lower-case) word English knows: a function word or one of simplemma's dictionary."""
    return function_word(word) or _known_word(word)


def _english_share(words: Sequence[str]) -> float:
    """The share of `words` that English knows (1 for none)."""
    return sum(map(_english, words)) / len(words) if words else 1.0


# Over this share of words English knows (names aside), a question reads as English: of the 2,304
# questions of the sets in English, two are at .5 ("kepa fee", "And leanFIRE?") but have too few words
# to judge (`_FEW_WORDS`), every other is above it; of 8 in Spanish, French, German, Portuguese and
# Indonesian 7 are at .5 or below (French "Quand aura lieu la prochaine grève de la SNCF ?" .62:
# simplemma's English knows "la", "de", "grève"...). Words in scripts other than Latin and CJK (which
# qa's BM25 reads, with Korean) are unknown: such text is at 0.
ENGLISH_QUESTION = 0.5
_FEW_WORDS = 3  # fewer words than this say too little to judge ("Kislyak TASS?": names, lower-case or not)
_TEXT_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_CONTRACTION = re.compile(r"['’](?:s|re|ve|ll|d|t|m)$")
_CJK_TEXT = re.compile(f"[{CJK}\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")  # and Hangul


def reads_as_english(question: str) -> bool:
    """Whether an abstention on `question` needs no hint that the model reads English: its words are
    mostly ones English knows (its capitalised words after the first, names in any language, aside),
    or too few to judge, or it is written in Chinese, Japanese or Korean, which BM25 reads as such
    (bench/cjk-questions.jsonl). A Spanish question got a bare "Not in the sources" over a nearest
    passage that answered it."""
    if _CJK_TEXT.search(question):
        return True
    words = _TEXT_WORD.findall(question)
    words = [_CONTRACTION.sub("", w.lower()) for i, w in enumerate(words) if i == 0 or not w[:1].isupper()]
    if len(words) < _FEW_WORDS:
        return True
    return _english_share(words) > ENGLISH_QUESTION


def _known_word(word: str) -> bool:
    import simplemma

    with _lock:
        return bool(simplemma.is_known(word, lang="en"))


def preload() -> None:
    """Load the lemmatiser's dictionary (~0.4 s) ahead of the first question that needs it."""
    lemma("wrote")


class WordEvidence:
    """Coverage and article share of a question, its words held in any inflection.

    `words(text)`: the text's words before stemming, one per BM25 token of `tokens(text)` and in the
    same order (qa/store/lexical.py); `article_text(source)`: the text of an indexed article."""

    def __init__(
        self,
        tokens: Callable[[str], list[str]],
        words: Callable[[str], list[str]],
        article_text: Callable[[str], str],
        published: Callable[[str], str | None] = lambda source: None,
    ) -> None:
        self._words = words
        self._tokens = tokens
        self._years = Years(article_text, published)
        # An article's folded text and words: made when a name the corpus lacks asks about it.
        self._article_forms = functools.lru_cache(maxsize=16)(lambda source: ArticleForms(article_text(source)))
        # An article's BM25 tokens and the lemmas of its words: made when it is first cited.
        self._article_tokens = functools.lru_cache(maxsize=1024)(lambda source: frozenset(tokens(article_text(source))))
        self._article_lemmas = functools.lru_cache(maxsize=256)(
            lambda source: frozenset(lemma(w) for w in set(words(article_text(source))))
        )

    def held(self, text: str, tokens: Sequence[str], source: str) -> list[bool]:
        """For each BM25 token of `text` (`tokens`), whether article `source` uses the word in any form."""
        stems = self._article_tokens(source)
        held = [t in stems for t in tokens]
        if all(held):
            return held
        words = self._words(text)
        if len(words) != len(tokens):  # not aligned (cannot happen with one tokeniser): stems only
            return held
        lemmas = self._article_lemmas(source)
        return [h or lemma(w) in lemmas for h, w in zip(held, words, strict=True)]

    def shares(
        self, own: Any, searched: Any, source: str, passages: int, *, by_searched: bool = False
    ) -> tuple[float, float]:
        """(coverage, article share) for the first citation's article `source`. `own`: the question's
        own search (its tokens, and how many passages use each); `searched`: the search whose citations
        these are (a follow-up's carried one, or `own`), with `text`, `tokens` and `frequencies`.

        Coverage: the share of `own`'s tokens the corpus uses, or whose word the article uses in
        another form. Article share: the idf-weighted share of `searched`'s tokens the article holds in
        any form; a word the corpus never uses weighs as the rarest, unless the article holds it in
        another form (then it weighs nothing, below)."""
        import numpy as np

        if not own.tokens or not searched.tokens:
            return 0.0, 0.0
        held_own = np.asarray(self.held(own.text, own.tokens, source), dtype=bool)
        f_own = self._used(own)
        counted = self._counted(own.text, own.tokens, f_own | held_own)
        coverage = float((f_own | held_own)[counted].sum()) / counted.sum()
        f = np.asarray(searched.frequencies, dtype=np.float64)
        # The idf is the whole index's, filters or not: under a one-article filter the article's own
        # words are in all of its passages, and a word it lacks would outweigh them all (a reviewer's:
        # narrowing a question to the article that answers it lowered its confidence); counts of the
        # filters' passages over the index's size made a common word weigh as a rare one (another's).
        every = getattr(searched, "corpus_frequencies", None)
        f_all = f if every is None else np.asarray(every, dtype=np.float64)
        idf = np.log1p((passages - f_all + 0.5) / (f_all + 0.5))
        # The question's own search, unless a follow-up was searched with carried words: held once.
        held = held_own if searched is own else np.asarray(self.held(searched.text, searched.tokens, source), bool)
        # A carried search is judged by the conversation's words, not the question's function words:
        # "Why?" after "Who coaches him?" (abstained) matched "why" in a space story and was answered.
        used = f_own if searched is own else self._used(searched)
        counted = counted if searched is own else self._counted(searched.text, searched.tokens, used | held, True)
        if by_searched:
            # A follow-up of function words the corpus never uses ("When?"): judged by the words it
            # was searched with, as its search was chosen (Engine.ask).
            coverage = float((used | held)[counted].sum()) / counted.sum()
        idf[~counted] = 0.0
        # A word the corpus uses only in another form ("write" where it says "wrote") has no idf of its
        # own here: weighing it as the rarest word would let a verb outweigh a missing name ("What did
        # Delacroix tell reporters?" of an article where someone "told journalists"). It is left out.
        idf[held & (f_all == 0)] = 0.0
        share = float(idf[held].sum() / idf.sum()) if idf.sum() > 0 else 0.0
        return float(coverage), share

    def _used(self, scored: Any) -> Any:
        """For each of `scored`'s tokens, whether the corpus uses it: under filters, a name's by the
        allowed passages ("Why is WeWork being investigated?" with a date range that leaves out the WeWork
        articles asks of articles that never name it), any other word's by the whole index's (a
        question narrowed to the article that answers it, "What happened to the footprints in Dalian
        last week according to officials?", was refused: the article never says "according")."""
        import numpy as np

        used = np.asarray(scored.frequencies) > 0
        every = getattr(scored, "corpus_frequencies", None)
        if every is None or np.array_equal(every, scored.frequencies):
            return used  # no filter, or one that leaves every word its passages: no names to look for
        names = {t for name in self._names(scored.text) for t in self._tokens(name)}
        return np.where([t in names for t in scored.tokens], used, np.asarray(every) > 0)

    def confidence(
        self, chosen: Any, own: Any, sources: Sequence[str], passages: int, earlier: Sequence[str] = ()
    ) -> float:
        """The confidence qa abstains on (module docstring): the closest sentence's cosine of the
        search the answer comes from (`chosen`, Engine._choose) x coverage x the square root of the
        first cited article's share (`shares`) x `factor`. `own`: the question's own search;
        `sources`: the cited articles, first first; `passages`: how many the index holds; `earlier`:
        the conversation's earlier questions, whose words a follow-up's search may carry."""
        coverage, share = self.shares(own, chosen.searched, sources[0], passages, by_searched=chosen.by_searched)
        carried = chosen.searched is not own and self.carries_unknown_name(earlier, chosen.searched, sources[0])
        return float(chosen.cosine * coverage * share**0.5 * self.factor(own, sources, carried))

    def factor(self, own: Any, sources: Sequence[str], carried_unknown: bool = False) -> float:
        """The confidence's factor for what the cited articles (`sources`, first first) lack of the
        question (`own`: its search): a name the corpus uses in no form (judged by the first), brought
        by the question or carried into its search from the conversation (`carried_unknown`), and a
        year none of them mentions."""
        unknown = carried_unknown or self.unknown_name(own, sources[0])
        return (UNKNOWN_NAME if unknown else 1.0) * (MISSING_YEAR if self.missing_year(own.text, sources) else 1.0)

    def missing_year(self, question: str, sources: Sequence[str]) -> bool:
        """Whether `question` names a year that none of the articles `sources` mentions (qa/query/years.py)."""
        return self._years.missing(question, sources)

    def unknown_name(self, own: Any, source: str) -> bool:
        """Whether the question (`own`: its search, with `text`, `tokens` and their passage
        `frequencies`) brings a name the corpus uses in no form: no passage holds any of its BM25
        tokens, and article `source` (the first cited) holds no near form of it (module docstring)."""
        names = self._names(own.text)
        if not names and own.text == own.text.lower():
            names = self._lowercase_names(own.text)
        frequency = dict(zip(own.tokens, own.frequencies, strict=True))
        return any(self._unused(name, frequency, source) for name in names)

    def carries_unknown_name(self, earlier: Sequence[str], searched: Any, source: str) -> bool:
        """Whether a follow-up's search (`searched`: its text, tokens and their passage frequencies)
        carries a name of the conversation's earlier questions (`earlier`) that the corpus uses in no
        form, as `unknown_name` judges a question's own: the carried words make the question ("When was
        it first staged?" after "Who composed the opera Carmen?", refused, asks when Carmen was first
        staged, and was answered from an article that never names her)."""
        searched_tokens = set(searched.tokens)
        carried = {n for text in earlier for n in self._names(text) if set(self._tokens(n)) <= searched_tokens}
        frequency = dict(zip(searched.tokens, searched.frequencies, strict=True))
        return any(self._unused(name, frequency, source) for name in carried)

    def names_nothing_used(self, text: str, searched: Any, source: str) -> bool:
        """Whether `text` (an earlier question of a conversation) names something, and nothing it names
        is used in any form, as `unknown_name` judges a name (`searched`: a search whose text holds
        those names, for their passage frequencies; `source`: the article it leads to): a question
        off the corpus ("What is the capital of Australia?"), not a misspelt or fuller name
        ("Zelenskyy", "Joe Biden" where the article says "Zelensky", "Biden")."""
        names = self._names(text)
        frequency = dict(zip(searched.tokens, searched.frequencies, strict=True))
        return bool(names) and all(self._unused(name, frequency, source) for name in names)

    def _names(self, text: str) -> list[str]:
        return name_heads(text, lambda word: bool(self._tokens(word)) and not function_word(word))

    def _unused(self, name: str, frequency: dict[str, int], source: str) -> bool:
        """Whether `name` is used in no form: none of its BM25 tokens in any passage (`frequency`: a
        search's tokens and how many passages use each) and no near form in article `source`."""
        tokens = self._tokens(name)
        # The corpus's word counts are of stems: "Manning" counts as "man", so a stemmed name is
        # looked for in the article only.
        if tokens == self._words(name) and any(frequency.get(t, 1) > 0 for t in tokens):
            return False  # a word the corpus uses
        return not self._article_forms(source).near(name)

    def _lowercase_names(self, text: str) -> list[str]:
        return lowercase_names(self._words(text))

    def _counted(self, text: str, tokens: Sequence[str], known: Any, content_only: bool = False) -> Any:
        """Which of `text`'s BM25 tokens count as evidence: all but the English function words that
        neither the corpus nor the article uses (`known`), or (`content_only`) all but the function
        words; all of them if nothing else would be left."""
        import numpy as np

        words = self._words(text)
        if len(words) != len(tokens):  # not aligned (cannot happen with one tokeniser): every token
            return np.ones(len(tokens), dtype=bool)
        # The words come lower-cased: a word the question writes in capitals ("WHO", "US") is a name.
        capitals = {w.casefold() for w in _CAPITALS.findall(text)}
        counted = np.asarray(
            [
                (bool(k) and not content_only) or w.casefold() in capitals or not function_word(w)
                for w, k in zip(words, known, strict=True)
            ]
        )
        return counted if counted.any() else np.ones(len(tokens), dtype=bool)
