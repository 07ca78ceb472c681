"""The confidence's word shares count a word the article holds in another form (qa/query/word_evidence.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from qa.query.engine import Engine
from qa.query.word_evidence import WordEvidence, lemma, reads_as_english
from qa.store.lexical import Lexical

ARTICLES = {
    "a.txt": "Commenting on the report, Eveleth wrote on X that the two countries do not trust each other.",
    "b.txt": "Eveleth, an analyst based in Virginia, spoke at a conference about satellites.",
    "sky.txt": "Sky won the Premier League rights after Setanta Sports collapsed; Victoria's suburbs cheered.",
    "kindle.txt": "のKindleデスクトップアプリをインストールすると、ショートカットが使えなくなります。",
}


@pytest.fixture
def evidence() -> WordEvidence:
    lex = Lexical.tokenizer()
    return WordEvidence(lex.tokens, lex.words, ARTICLES.__getitem__)


def searched(text: str, frequencies: list[int]) -> SimpleNamespace:
    lex = Lexical.tokenizer()
    tokens = lex.tokens(text)
    assert len(tokens) == len(frequencies), tokens
    return SimpleNamespace(text=text, tokens=tokens, frequencies=frequencies)


def test_words_line_up_with_tokens() -> None:
    lex = Lexical.tokenizer()
    text = "What did Eveleth write about the negotiations on X in 2024?"
    assert len(lex.words(text)) == len(lex.tokens(text))
    assert lex.words(text)[lex.tokens(text).index("negoti")] == "negotiations"


def test_irregular_forms_share_a_lemma() -> None:
    assert lemma("wrote") == lemma("written") == lemma("write")
    assert lemma("told") == lemma("tell")
    assert lemma("eveleth") == "eveleth"


def test_a_word_without_latin_letters_is_its_own_lemma_without_a_dictionary_look_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An article's words are looked up once each: a Chinese one's ~200k character pairs took 5 s in
    the English dictionary, which knows none of them."""
    import simplemma

    def look_up(word: str, lang: str) -> str:
        raise AssertionError(f"{word!r} was looked up")

    monkeypatch.setattr(simplemma, "lemmatize", look_up)
    words = ["云州", "東京", "서울에서", "москва", "2024"]
    assert [lemma(w) for w in words] == words


def test_a_word_held_in_another_form_counts_as_held(evidence: WordEvidence) -> None:
    q = "What did Eveleth write?"
    tokens = Lexical.tokenizer().tokens(q)
    held = dict(zip(tokens, evidence.held(q, tokens, "a.txt"), strict=True))
    assert held["eveleth"] and held["write"], held  # "wrote" in a.txt
    held_b = dict(zip(tokens, evidence.held(q, tokens, "b.txt"), strict=True))
    assert held_b["eveleth"] and not held_b["write"], held_b


def test_coverage_and_share_count_the_inflected_word(evidence: WordEvidence) -> None:
    # "write" is a word no passage uses (frequency 0): before, it cost a quarter of the coverage and,
    # weighing as the rarest word, most of the article share. Held as "wrote", it counts as used and
    # weighs nothing in the share (it has no idf of its own); "did" is held as "do", "what" is not.
    own = searched("What did Eveleth write?", [4, 1, 2, 0])
    coverage, share = evidence.shares(own, own, "a.txt", passages=10)
    assert coverage == 1.0
    assert share == pytest.approx(1.0 - _idf(10, 4) / sum(_idf(10, f) for f in (4, 1, 2)))
    coverage_b, share_b = evidence.shares(own, own, "b.txt", passages=10)
    assert coverage_b == 0.75 and share_b < share


def test_function_words_the_corpus_never_uses_count_in_neither_share(evidence: WordEvidence) -> None:
    # A folder of a few short articles may never say "when" or "did": "When did Eveleth write?" lost
    # half its coverage and most of its article share to them, and abstained with the answer nearest.
    own = searched("When did Eveleth write?", [0, 0, 2, 0])
    coverage, share = evidence.shares(own, own, "a.txt", passages=10)
    assert coverage == 1.0 and share == 1.0
    # Content words the corpus never uses still count against the question: of "did" (held as "do"),
    # "Eveleth", "play" and "xylophone", two are held ("when" is left out).
    unknown = searched("When did Eveleth play xylophone?", [0, 0, 2, 0, 0])
    coverage, share = evidence.shares(unknown, unknown, "a.txt", passages=10)
    assert coverage == 0.5 and share < 0.5
    # A word the question writes in capitals is a name, not a function word: "WHO" counts.
    who = searched("What did WHO tell Eveleth?", [4, 1, 0, 0, 2])
    assert evidence.shares(who, who, "a.txt", passages=10)[0] == pytest.approx(0.6)
    # A corpus that uses them: they count as before ("when" held by neither article).
    used = searched("When did Eveleth write?", [3, 1, 2, 0])
    assert evidence.shares(used, used, "a.txt", passages=10)[1] < 1.0


def test_no_tokens_no_evidence(evidence: WordEvidence) -> None:
    own = SimpleNamespace(text="", tokens=[], frequencies=[])
    assert evidence.shares(own, own, "a.txt", passages=10) == (0.0, 0.0)


def _idf(n: int, f: int) -> float:
    import math

    return math.log1p((n - f + 0.5) / (f + 0.5))


def asked(text: str, unknown: set[str]) -> SimpleNamespace:
    """A question's search whose tokens in `unknown` no passage holds (frequency 0), the rest used."""
    return searched(text, [0 if t in unknown else 3 for t in Lexical.tokenizer().tokens(text)])


@pytest.mark.parametrize(
    ("question", "unknown", "source", "expected"),
    [
        ("What did Okafor write?", {"okafor"}, "sky.txt", True),  # named nowhere, nothing near it
        ("What did Okafor write?", set(), "sky.txt", False),  # some passage names him
        ("Who held the Primier League rights?", {"primier"}, "sky.txt", False),  # one edit from Premier
        ("What did Sentanta Sports plan?", {"sentanta"}, "sky.txt", False),  # Setanta, one letter less
        ("How many Victorians are Buddhist?", {"victorian"}, "sky.txt", False),  # Victoria + "ns"
        ("Which hotkey does Kindle for PC set up?", {"kindl"}, "kindle.txt", False),  # glued into Japanese
        ("Which hotkey does Kindle for PC set up?", {"kindl"}, "sky.txt", True),
        ("what did the premier league say?", {"premier"}, "kindle.txt", False),  # English words, no name
        ("what did okafor write?", {"okafor"}, "sky.txt", True),  # typed in lower case: unknown to English
        ("What did okafor write?", {"okafor"}, "sky.txt", False),  # a capital: names only by capitals
        ("berapa jumlah korban jiwa dalam perang?", {"berapa", "jumlah"}, "sky.txt", False),  # not English
        ("Who is Ruggiero at Sky?", {"ruggiero"}, "sky.txt", True),
    ],
)
def test_a_name_the_corpus_never_uses_in_any_form(
    evidence: WordEvidence, question: str, unknown: set[str], source: str, expected: bool
) -> None:
    assert evidence.unknown_name(asked(question, unknown), source) is expected


def test_a_stemmed_name_is_looked_for_in_the_article_not_in_the_corpus_counts(evidence: WordEvidence) -> None:
    """BM25's stems count "Manning" as "man": a name its stemmer changes is judged by the article."""
    assert evidence.unknown_name(asked("What did Councillor Manning say?", set()), "sky.txt")
    assert not evidence.unknown_name(asked("What did Councillor Okafor say?", set()), "sky.txt")


def test_within_edits_counts_insertions_deletions_and_substitutions() -> None:
    from qa.query.names import within_edits

    assert within_edits("primier", "premier", 1) and not within_edits("primeier", "premier", 1)
    assert within_edits("primeier", "premier", 2) and within_edits("leage", "league", 1)
    assert not within_edits("okafor", "oxford", 2) and within_edits("abc", "abc", 0)


@pytest.mark.parametrize(
    ("question", "heads"),
    [
        ("What did Okafor tell Reuters?", ["Okafor", "Reuters"]),
        ("How many goals did Kwame Mensah Jr. score?", ["Mensah"]),  # a run, judged by its surname
        ("What did Mr. Mensah and Dr. Okonkwo do?", ["Mensah", "Okonkwo"]),
        ("Where did Apple CEO Tim Cook speak?", ["Cook"]),
        ("How Much Did The New Laptop Cost?", []),  # Title Case: the capitals name nothing
        ("WHAT DID THE MAYOR SAY ABOUT THE NEW BUILDING?", []),
        ("¿Qué dijo la alcaldesa sobre el nuevo edificio?", []),  # the first word after "¿"
        ("Was it Özil's goal? Did Ørsted pay?", ["Özil", "Ørsted"]),  # "Did" starts a sentence
        ("Did the U.S. Senate vote? J. Smith said so.", ["Senate", "Smith"]),  # abbreviations end none
        ("Which Korea's ports, and Japan's, reopened?", ["Korea", "Japan"]),
        ("How much has Lumina Labs Ltd raised?", ["Labs"]),  # a company's form is no name
        ("Who coaches Westbrook Rovers FC?", ["Rovers"]),
        ("Who is Will Smith's agent? Did Smith And Will agree?", ["Smith", "Smith"]),  # "Will" a stop word
    ],
)
def test_a_questions_names_are_runs_of_capitals_judged_by_their_last_word(question: str, heads: list[str]) -> None:
    from qa.query.names import name_heads

    assert name_heads(question) == heads


@pytest.mark.parametrize(
    ("article", "name", "near"),
    [
        ("Çağlar Söyüncü signed on Friday.", "Soyuncu", True),  # accents folded
        ("Mayor Helen Mueller said no.", "Müller", True),  # ü folds to u, one letter from "ue"
        ("Coach O'Brien praised the defence.", "OBrien", True),  # apostrophes folded away
        ("Ørsted will build the farm.", "Orsted", True),
        ("A woman from the senator's office spoke.", "Oman", False),  # not inside an English word
        ("A woman from the senator's office spoke.", "Nato", False),
        ("のKindleデスクトップアプリ", "Kindle", True),  # glued into another script
        ("Victoria's suburbs cheered.", "Victorians", True),
        ("Korea reopened its ports.", "Koreans", True),
        ("Koreans reopened their ports.", "Korea", True),
        ("The Premier League rights went to Sky.", "Primier", True),
        ("The Premier League rights went to Sky.", "Okafor", False),
        ("Ignacio Sanchez-Galan spoke.", "Sánchez-Galán", True),  # each part, folded
        ("Ignacio Sanchez spoke.", "Sánchez-Galán", False),
        ("Leaders met To Lam in Hanoi.", "Lâm", True),  # a short name, folded equal
        ("Встреча Путина и Си.", "Путин", True),  # one edit, any script
        ("They will modify the battery.", "Modi", False),  # no demonym's ending, too short to misspell
        ("The iron ore price fell.", "Iran", False),
        ("Vietnam's exports rose.", "Vietnamese", True),
        ("Iraq's oil output rose.", "Iraqi", True),
    ],
)
def test_an_article_holds_a_name_in_a_near_form(article: str, name: str, near: bool) -> None:
    from qa.query.names import ArticleForms

    assert ArticleForms(article).near(name) is near


def test_the_engine_lowers_the_confidence_of_a_question_naming_what_no_article_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the seeds (fake model), "Kislyak" is named and "Okafor" is not: the same question about
    the one who is not loses `UNKNOWN_NAME` of its confidence, the other keeps it."""
    from qa.query import word_evidence

    asked_about = {}
    for factor in (1.0, word_evidence.UNKNOWN_NAME):
        monkeypatch.setattr(word_evidence, "UNKNOWN_NAME", factor)
        for name in ("Kislyak", "Okafor"):
            asked_about[factor, name] = engine.ask(f"What did {name} tell TASS about the visit?").confidence
    low = word_evidence.UNKNOWN_NAME
    assert asked_about[low, "Okafor"] == pytest.approx(low * asked_about[1.0, "Okafor"]) and low < 1
    assert asked_about[low, "Kislyak"] == asked_about[1.0, "Kislyak"] > 0



def test_a_follow_up_carrying_a_name_no_article_uses_loses_as_if_it_named_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A follow-up searched with the conversation's words is the question they make: "What did he add?"
    after a question about Okafor, whom no seed names, asks what Okafor added, and loses `UNKNOWN_NAME`
    of its confidence as that question does (the conversation sets' "When was it first staged?" after a
    refused question about Carmen was answered from an article that never names her); after a
    question about Kislyak, named, it keeps it."""
    from qa.query import word_evidence

    followed = {}
    for factor in (1.0, word_evidence.UNKNOWN_NAME):
        monkeypatch.setattr(word_evidence, "UNKNOWN_NAME", factor)
        for name in ("Kislyak", "Okafor"):
            answer = engine.ask("What did he add?", history=[f"What did {name} tell TASS about the visit?"])
            assert name in answer.query, "premise: the follow-up is searched with the conversation's words"
            followed[factor, name] = answer.confidence
    low = word_evidence.UNKNOWN_NAME
    assert followed[low, "Okafor"] == pytest.approx(low * followed[1.0, "Okafor"]) and followed[1.0, "Okafor"] > 0
    assert followed[low, "Kislyak"] == followed[1.0, "Kislyak"] > 0


YEARS = {
    "tour.txt": "In 2019 the band toured again; about 2,000 fans came, dressed as in the 1990s.",
    "undated.txt": "The band toured again last summer.",
    "dated.txt": "The band toured again last summer.",
    "forms.txt": "In 2015 the club began. Its 2019–20 season, FY24 results, ’90s kit and ２０１７年 tour; 1 500 fans.",
}
PUBLISHED = {"tour.txt": "2020-01-02", "undated.txt": None, "dated.txt": "2021-06-01", "forms.txt": None}


@pytest.mark.parametrize(
    ("question", "sources", "missing"),
    [
        ("Who toured in 2019?", ["tour.txt"], False),
        ("Who toured in 2020?", ["tour.txt"], False),  # the year of the article's date
        ("Who toured in 2018?", ["tour.txt"], True),
        ("Who toured in 2018?", ["dated.txt", "tour.txt"], True),
        ("Who toured in 2018?", ["undated.txt"], False),  # no year and no date: it cannot say
        ("Who toured in 2018?", ["undated.txt", "tour.txt"], False),  # the first cited cannot say
        ("Who toured in 2018?", ["tour.txt", "undated.txt"], True),  # the first gives years, not this one
        ("How did the 2019/2020 season go?", ["forms.txt"], False),  # "2019–20"
        ("What were the FY2024 results?", ["forms.txt"], False),  # "FY24"
        ("What did they wear in the 1990s?", ["forms.txt"], False),  # "’90s"
        ("Where did they tour in 2017?", ["forms.txt"], False),  # full-width digits
        ("Where did 1500 fans go?", ["forms.txt"], False),  # "1 500"
        ("What happened on 18.11.2016?", ["forms.txt"], True),  # a year inside a date is asked
        ("What did 1.2016 cost?", ["forms.txt"], False),  # a decimal, not a year
        ("Who toured in 2019?", ["undated.txt", "tour.txt"], False),  # a later citation's article says it
        ("How did 2000 fans dress?", ["tour.txt"], False),  # a count, written "2,000"
        ("Which music of the 1990s?", ["tour.txt"], False),
        ("Which music of the 1980s?", ["tour.txt"], True),
        ("Which music of the 1900s?", ["tour.txt"], False),  # a century: any year 1900-1999
        ("Who toured last summer?", ["undated.txt"], False),  # no year asked
        ("What costs 20190 dollars?", ["undated.txt"], False),  # not a year
    ],
)
def test_a_year_no_cited_article_mentions(question: str, sources: list[str], missing: bool) -> None:
    lex = Lexical.tokenizer()
    evidence = WordEvidence(lex.tokens, lex.words, YEARS.__getitem__, PUBLISHED.__getitem__)
    assert evidence.missing_year(question, sources) is missing


def test_the_engine_lowers_the_confidence_of_a_question_about_a_year_no_cited_article_mentions(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the seeds (fake model): the same question asked of a year they mention (2023: the trade
    figures) and of one they do not (1931) differ by `MISSING_YEAR` when their citations do."""
    from qa.query import word_evidence

    asked = {}
    for factor in (1.0, word_evidence.MISSING_YEAR):
        monkeypatch.setattr(word_evidence, "MISSING_YEAR", factor)
        for year in ("2023", "1931"):
            asked[factor, year] = engine.ask(f"How much trade did China and North Korea do in {year}?")
    low = word_evidence.MISSING_YEAR
    assert low < 1
    assert asked[1.0, "1931"].confidence > 0
    assert asked[low, "1931"].confidence == pytest.approx(low * asked[1.0, "1931"].confidence)
    assert asked[low, "2023"].confidence == asked[1.0, "2023"].confidence > 0


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("Who did Im Chon-il meet in Moscow?", True),
        ("What's the patient's name?", True),  # contractions are English words
        ("weizsacker killer age", True),  # mostly English words, one lower-case name
        ("Kislyak TASS?", True),  # too few words to judge: names
        ("kepa fee", True),
        ("¿Quién se reunió con Im Chon-il en Moscú?", False),
        ("Wie backe ich einen Apfelstrudel?", False),
        ("Кто встретился с Путиным приехавшим в Москву?", False),
        ("富士山の標高は何メートルですか？", True),  # CJK questions are read (BM25 by character pairs)
        ("루미 S2의 판매 가격은 얼마인가요?", True),  # and Korean (bench/cjk-questions.jsonl)
        ("2019?", True),  # no words at all: nothing says it is another language
    ],
)
def test_a_question_reads_as_english_by_the_words_english_knows(question: str, english: bool) -> None:
    assert reads_as_english(question) is english


def test_under_filters_the_words_counts_are_the_allowed_passages_and_the_idf_the_whole_index(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under filters the allowed articles are the corpus whose words the question must use (coverage,
    a name no allowed article uses), while the idf stays the whole index's: counts of 12 passages over
    23,826 made a common word weigh as a rare one (a reviewer's), and under a one-article filter that
    article's own words, in all its passages, weighed nothing (another's)."""
    seen: list[tuple[list[int], list[int], int]] = []
    real = WordEvidence.shares

    def shares(self: WordEvidence, own: Any, searched: Any, source: str, passages: int, **kw: Any) -> Any:
        seen.append((list(own.frequencies), list(own.corpus_frequencies), passages))
        return real(self, own, searched, source, passages, **kw)

    monkeypatch.setattr(WordEvidence, "shares", shares)
    question = "What did Kislyak tell TASS about the visit?"
    engine.ask(question)
    engine.ask(question, source="002_*")
    (whole, whole_all, n), (filtered, filtered_all, n_filtered) = seen
    assert whole == whole_all == filtered_all and n == n_filtered == len(engine.data.chunks)
    assert all(f <= w for f, w in zip(filtered, whole, strict=True)) and filtered != whole
