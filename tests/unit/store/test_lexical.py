"""BM25 over passages (qa.store.lexical): ranking, stemming, vocabulary coverage, and the pickle-free files,
the same bytes for the same texts in any process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.store import lexical as lexicon
from qa.store.analyzer import TOKEN_PATTERN, stemmer_for
from qa.store.lexical import Lexical

# Four passages of four words each (equal lengths, so length normalisation plays no part). "port" is in
# every passage, "lighthouse" only in passage 1; passage 0 repeats the common word instead.
PASSAGES = [
    "port harbour port crane",
    "port lighthouse ferry crane",
    "port harbour ferry crane",
    "port harbour ferry dock",
]
VISITS = ["The minister visits the port every spring.", "The harbour was quiet in winter."]


@pytest.fixture(scope="module")
def lexical() -> Lexical:
    return Lexical.build(PASSAGES)


def test_passage_with_the_rare_query_word_scores_highest(lexical: Lexical) -> None:
    scores = lexical.scores("port lighthouse")
    assert scores.shape == (len(PASSAGES),), f"one score per passage expected, got shape {scores.shape}"
    assert int(np.argmax(scores)) == 1, f"the only passage with 'lighthouse' did not rank first: {scores}"
    assert scores[1] > 2 * max(scores[0], scores[2], scores[3]), f"the rare word did not dominate: {scores}"


def test_a_common_word_alone_scores_every_passage_that_holds_it(lexical: Lexical) -> None:
    scores = lexical.scores("port")
    assert (scores > 0).all(), f"'port' is in every passage but some scored 0: {scores}"
    assert scores[0] > scores[2], f"the passage repeating 'port' did not score above one with it once: {scores}"


def test_stemming_makes_visited_match_visits() -> None:
    stemmed = Lexical.build(VISITS).scores("visited")
    assert stemmed[0] > 0 and stemmed[1] == 0, f"'visited' did not match 'visits' only: {stemmed}"
    unstemmed = Lexical.build(VISITS, stem=False).scores("visited")
    assert not unstemmed.any(), f"premise: without stemming 'visited' should match nothing, got {unstemmed}"


def test_an_underscore_separates_words_as_other_punctuation_does(lexical: Lexical) -> None:
    """A browser user's "Who is _Prince Andrew_?" (Markdown emphasis) asked for "_princ" and "andrew_"."""
    tokens = Lexical.tokenizer().tokens
    assert tokens("Who is _Prince Andrew_?") == tokens("Who is Prince Andrew?") == ["who", "princ", "andrew"]
    assert tokens("Director_Oh snake_case __init__ x_1") == ["director", "oh", "snake", "case", "init", "1"]
    assert tokens("20x10 rose 98.3 per cent in 5 years") == ["20x10", "rose", "98", "3", "per", "cent", "5", "year"]
    np.testing.assert_array_equal(lexical.scores("_lighthouse_ *port*"), lexical.scores("lighthouse port"))


def test_case_and_punctuation_do_not_change_scores(lexical: Lexical) -> None:
    np.testing.assert_array_equal(
        lexical.scores("LIGHTHOUSE, Port!"),
        lexical.scores("lighthouse port"),
        err_msg="capitals or punctuation changed the scores",
    )


def test_query_with_no_known_word_gives_all_zeros(lexical: Lexical) -> None:
    for query in ("zebra quantum pancake", "the of and", "?!", "ŽŽŽ 李"):
        scores = lexical.scores(query)
        assert scores.shape == (len(PASSAGES),), f"{query!r}: shape {scores.shape}"
        assert scores.dtype == np.float32, f"{query!r}: dtype {scores.dtype}"
        assert not scores.any(), f"{query!r} shares no word with the passages but scored {scores}"


def test_coverage_is_the_share_of_query_words_found_ignoring_stop_words(lexical: Lexical) -> None:
    # Words after stop words go: "lighthouse" (known) and "zebra" (unknown). Counting "the" and "and"
    # as unknown words would give 1/4 instead.
    assert lexical.coverage("the lighthouse and the zebra") == pytest.approx(0.5), "stop words counted in coverage"
    assert lexical.coverage("zebra quantum pancake") == 0.0, "unknown words counted as known"


def test_coverage_is_zero_for_a_query_of_only_stop_words_or_punctuation(lexical: Lexical) -> None:
    for query in ("the of and, is it?!", "?!...", "   "):
        assert lexical.coverage(query) == 0.0, f"{query!r} has no content words, yet coverage > 0"


def test_coverage_is_one_when_every_word_is_known_after_stemming(lexical: Lexical) -> None:
    assert lexical.coverage("Lighthouse ferries at the docks") == 1.0, "stemmed forms of known words were missed"


def test_save_then_load_gives_identical_scores_and_coverage(lexical: Lexical, tmp_path: Path) -> None:
    folder = tmp_path / "bm25" / "passages"
    lexical.save(folder)
    loaded = Lexical.load(folder, size=len(PASSAGES))
    for query in ("port lighthouse", "ferry dock", "harbours", "zebra", "the lighthouse and the zebra"):
        np.testing.assert_array_equal(
            loaded.scores(query), lexical.scores(query), err_msg=f"{query!r} scores differ after save/load"
        )
        assert loaded.coverage(query) == lexical.coverage(query), f"{query!r} coverage differs after save/load"


def test_saved_folder_holds_only_npy_arrays_without_pickle_and_json(lexical: Lexical, tmp_path: Path) -> None:
    folder = tmp_path / "bm25"
    lexical.save(folder)
    files = [p for p in folder.rglob("*") if p.is_file()]
    npy = [p for p in files if p.suffix == ".npy"]
    assert npy, f"no .npy arrays were saved: {[p.name for p in files]}"
    for p in npy:
        np.load(p, allow_pickle=False)  # raises ValueError for an object (pickled) array
    for p in files:
        if p.suffix != ".npy":
            try:
                json.loads(p.read_text(encoding="utf-8"))
            except ValueError:
                pytest.fail(f"{p.name} is neither a pickle-free .npy array nor JSON")


def test_empty_corpus_scores_are_empty() -> None:
    empty = Lexical.build([])
    scores = empty.scores("port lighthouse")
    assert scores.shape == (0,) and scores.dtype == np.float32, f"an empty corpus gave {scores!r}"


def test_empty_corpus_coverage_is_zero() -> None:
    assert Lexical.build([]).coverage("port lighthouse") == 0.0, "an empty corpus knows no words"


def test_empty_corpus_save_then_load_round_trips(tmp_path: Path) -> None:
    Lexical.build([]).save(tmp_path / "bm25")
    loaded = Lexical.load(tmp_path / "bm25", size=0)
    assert loaded.scores("port").shape == (0,), "a reloaded empty corpus did not give empty scores"


def test_stored_float16_scores_sum_like_bm25s_own_float32_ones() -> None:
    import bm25s

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(60)]
    texts = [" ".join(rng.choice(words, size=rng.integers(3, 30))) for _ in range(300)]
    ours = Lexical.build(texts, stem=False)
    assert ours.retriever.scores["data"].dtype == np.float16
    theirs = bm25s.BM25()
    theirs.index(
        bm25s.tokenize(texts, token_pattern=TOKEN_PATTERN, stopwords="en", show_progress=False), show_progress=False
    )
    for query in ("w1 w2", "w3", "w4 w5 w6 w7 w4"):
        expected = theirs.get_scores(query.split())
        got = ours.scores(query)
        assert got.dtype == np.float32 and expected.any()
        np.testing.assert_allclose(got, expected, rtol=2e-3, atol=1e-3, err_msg=query)


def test_the_same_texts_give_the_same_files_in_any_process(tmp_path: Path) -> None:
    """bm25s numbers words in a set's order, which Python's string hashing changes from process to
    process; qa renumbers them in sorted order, so an index's BM25 files are reproducible."""
    texts = [*PASSAGES, *VISITS, "Ports, harbours and lighthouses: the ministers visited them all."]
    script = (
        "import json, sys; from pathlib import Path; from qa.store.lexical import Lexical; "
        "Lexical.build(json.loads(sys.argv[1])).save(Path(sys.argv[2]))"
    )
    folders = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, json.dumps(texts), str(out)], env=env, check=True, timeout=120)
        folders.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert folders[0] and folders[0] == folders[1] == folders[2]
    # and the numbering is the words' sorted order (bm25s appends its empty token after them)
    vocab = json.loads(folders[0]["vocab.index.json"])
    words = [w for w in vocab if w]
    assert words == sorted(words) and [vocab[w] for w in words] == list(range(len(words)))


def test_tokens_made_in_batches_are_bm25s_tokens_of_the_whole_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tokenize` reads a few texts at a time into int32 arrays; the ids are bm25s's for the whole
    corpus at once (renumbered in sorted word order), so the BM25 index is the same bytes."""
    import bm25s

    texts = [*PASSAGES, "", "The the of and.", *PASSAGES[::-1], "Visits visited visiting 1998 98.3 20x10"]
    whole = bm25s.tokenize(
        texts, token_pattern=lexicon.TOKEN_PATTERN, stopwords="en", show_progress=False, stemmer=stemmer_for(True)
    )
    word_of = {i: w for w, i in whole.vocab.items()}
    expected = [[word_of[i] for i in doc] for doc in whole.ids]
    monkeypatch.setattr(lexicon, "TOKENIZE_BATCH", 3)
    batched = lexicon.tokenize(iter(texts))
    assert list(batched.vocab) == sorted(whole.vocab, key=str)
    word = {i: w for w, i in batched.vocab.items()}
    assert [[word[i] for i in doc] for doc in batched.ids] == expected
    assert len(batched.ids) == len(texts) and batched.ids[-1] == list(batched.ids)[-1]
    a, b = Lexical.from_tokens(batched), Lexical.from_tokens(lexicon.tokenize(texts))
    for key in ("data", "indices", "indptr"):
        assert np.array_equal(a.retriever.scores[key], b.retriever.scores[key])


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_the_index_scored_in_batches_is_bm25s_own_matrix(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """qa scores SCORE_BATCH passages at a time and places their pairs straight into the word-major
    matrix; the matrix is the one bm25s's own build makes (all pairs scored, then sorted), exactly."""
    import bm25s

    rng = np.random.default_rng(11)
    words = [f"w{i}" for i in range(80)]
    texts = [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(250)]
    theirs = bm25s.BM25()
    theirs.index(lexicon.tokenize(texts, stem=False), show_progress=False)  # (it adds a word to the vocab)
    monkeypatch.setattr(lexicon, "SCORE_BATCH", batch)
    ours = Lexical.from_tokens(lexicon.tokenize(texts, stem=False), stem=False).retriever.scores
    assert np.array_equal(ours["indptr"], theirs.scores["indptr"])
    assert np.array_equal(ours["indices"], theirs.scores["indices"])
    assert np.array_equal(ours["data"], theirs.scores["data"].astype(np.float16))
    assert ours["num_docs"] == theirs.scores["num_docs"] == len(texts)


def test_frequencies_count_the_passages_that_use_each_word(lexical: Lexical) -> None:
    words = ["port", "lighthouse", "harbour", "zebra", "port"]
    tokens = [t for w in words for t in lexical.tokens(w)]
    assert len(tokens) == len(words), f"premise: one token a word: {tokens}"
    counted = [sum(t in lexical.tokens(p) for p in PASSAGES) for t in tokens]
    assert lexical.frequencies(tokens).tolist() == counted == [4, 1, 3, 0, 4]
    assert Lexical.build([]).frequencies(tokens).tolist() == [0] * len(tokens), "an empty corpus uses no word"


def test_chinese_japanese_and_korean_runs_are_read_as_overlapping_character_pairs() -> None:
    assert lexicon.cjk_pairs("東京都庁") == " 東京 京都 都庁 "
    assert lexicon.cjk_pairs("iPhone版 2024年 port") == "iPhone 版  2024 年  port"  # a lone character stands apart
    assert lexicon.cjk_pairs("The port reopened.") == "The port reopened.", "other text is left as it is"
    assert lexicon.cjk_pairs("佐々木市長") == " 佐々 々木 木市 市長 ", "the iteration mark is a letter of its run"
    assert lexicon.cjk_pairs("地铁\n开通") == " 地铁 铁开 开通 ", "a hard-wrapped line goes on"
    assert lexicon.cjk_pairs("地铁\n\n开通") == " 地铁 \n\n 开通 ", "a paragraph break ends the run"
    assert Lexical.tokenizer().tokens("２０２４年にＡＩ") == Lexical.tokenizer().tokens("2024年にAI"), "full width"
    tokens = Lexical.tokenizer().tokens("云州地铁5号线一共有多少个车站？")
    assert tokens[:4] == ["云州", "州地", "地铁", "5"] and "车站" in tokens


# Without pairs, a run of Chinese between punctuation was one token, which no question repeats, and a
# Korean word carried its particle ("이도현의" against "이도현이"): BM25 found nothing.
CJK_PASSAGES = [
    "本报讯，云州市地铁5号线正式开通运营，共设车站21座。",
    "西江大学的研究团队在碧澜湖发现一种新的淡水虾。",
    "이도현이 20일 열린 마라톤에서 2시간 7분 15초로 우승했다.",
    "한솔시는 내년 3월부터 시내버스를 무료로 운영한다.",
]


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("云州地铁一共有多少个车站？", 0),
        ("碧澜湖发现了什么？", 1),
        ("이도현의 마라톤 기록은?", 2),
        ("한솔시 버스는 언제부터 무료인가요?", 3),
    ],
)
def test_bm25_finds_chinese_and_korean_passages_by_the_words_a_question_shares(question: str, passage: int) -> None:
    scores = Lexical.build(CJK_PASSAGES).scores(question)
    assert int(np.argmax(scores)) == passage and scores[passage] > 0


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Fritz von Weizsäcker", "weizsacker"),
        ("São Paulo", "Sao Paulo"),
        ("Łódź and Øresund", "Lodz Oresund"),
        ("Straße", "strasse"),
        ("STRAẞE", "strasse"),
        ("Αθήνα", "Αθηνα"),
    ],
)
def test_accents_are_folded_as_a_reader_types_without_them(written: str, typed: str) -> None:
    """A new user's "weizsacker killer age" found nothing by BM25: the article writes "Weizsäcker"."""
    lex = Lexical.tokenizer()
    assert set(lex.tokens(typed)) <= set(lex.tokens(written)) != set()
    assert len(lex.words(written)) == len(lex.tokens(written))


def test_other_scripts_keep_their_marks() -> None:
    """Not accents: Russian "й" is not "и", Japanese "が" not "か"; Hangul syllables stay whole."""
    assert lexicon.fold_marks("й") == "й"
    assert lexicon.fold_marks("が") == "が"
    assert lexicon.fold_marks("이도현") == "이도현"
    assert Lexical.tokenizer().tokens("\u0958\u0932\u092e") == ["\u0958\u0932\u092e"], "Hindi's nukta letter is whole"


def test_british_spellings_that_mean_something_else_stay_apart() -> None:
    """A review: "Labour" is a party, "Tyre" a city, "metre" no meter (breame maps them)."""
    lex = Lexical.tokenizer()
    for british, american in (("Labour", "labor"), ("tyre", "tire"), ("metres", "meters"), ("buses", "busses")):
        assert lex.tokens(british) != lex.tokens(american), british


def test_british_and_american_spellings_are_one_word() -> None:
    """A new user's "Who criticized Scooter Braun's company?" of an article where "They criticised" it."""
    lex = Lexical.tokenizer()
    assert lex.tokens("criticised colour centre vapour") == lex.tokens("criticized color center vapor")
    scores = Lexical.build(["They criticised the company.", "The company hired a critic."]).scores("Who criticized it?")
    assert int(np.argmax(scores)) == 0 and scores[0] > scores[1]
