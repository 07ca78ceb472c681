"""Property tests for `qa.chunking`: every chunk is an exact, stripped, budget-sized span of one region of
the document text, and no article text is lost. Texts are generated (hypothesis), written to disk as
bytes and read back through `qa.ingest.files.read_document`, so the offset contract is checked end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qa.chunking import Chunk, Chunker, line_of, sentence_spans
from qa.errors import CorpusError
from qa.ingest.document import Document
from qa.ingest.files import document_of, read_document

SEEDS = Path(__file__).resolve().parents[3] / "seeds"  # the same folder as conftest.SEEDS

# Texts the size of a small article and many examples would be slow; these settle in a few seconds.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FASTER = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SIZES = [(32, 8), (96, 24)]


def count_tokens(text: str) -> int:
    """The same count as conftest.FakeEmbedder.count_tokens (words and punctuation marks)."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def test_local_token_counter_matches_the_fake_embedder(fake_embedder: object) -> None:
    sample = "Kim met U.S. President Biden — “comrade” 한국어 🙂 3.5%!"
    assert count_tokens(sample) == fake_embedder.count_tokens(sample)  # type: ignore[attr-defined]


_CHUNKERS: dict[tuple[int, int], Chunker] = {}


def chunker(size: tuple[int, int]) -> Chunker:
    if size not in _CHUNKERS:
        _CHUNKERS[size] = Chunker(count_tokens, chunk_tokens=size[0], chunk_overlap=size[1])
    return _CHUNKERS[size]


# --------------------------------------------------------------------------------------------------
# Text generation

WORDS = [
    "the", "talks", "were", "held", "in", "Pyongyang", "on", "Monday", "and", "officials", "said", "that",
    "Kim", "Jong-un", "met", "Putin", "café", "naïve", "Zürich", "São", "Paulo", "한국", "북한의", "외교부는",
    "中国", "🙂", "🇰🇷", "“comrade”", "‘ally’", "(KCNA)", "[Image]", "3.5%", "2,000", "—", "e-mail", "it’s",
    "N. Korea", "U.S. President", "Mr. Kim", "Dr. Lee", "Prof. Park", "Gen. Choi", "on Feb. 28", "at 3 p.m. local",
    "comment", "log in", "Twitter", "copyright", "Share", "Top", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    "가나다라마바사아자차카타파하가나다라마바사아자차카타파하", "https://example.com/a/b?c=1",
]  # fmt: skip
STARTERS = ["The", "Kim", "North", "Officials", "“We", "Émile", "한국", "Analysts", "In", "42", "(Seoul)"]
ENDS = [".", "!", "?", ".”", "…", "?’", ""]
BOILERPLATE = [
    "Skip to content", "Comments", "Text Size", "Close", "Top", "Share this article", "Follow us on Twitter",
    "You must be logged in to add a comment.", "© 2024 The Daily. All rights reserved.", "본문 바로가기",
    "bar_progress", "Home > National > Politics", "print dictionary print", "Published on: 2025/03/27 20:00",
    "https://www.example.com/news/1", "***", "Source: Example, May 2, 2024", "Related stories",
]  # fmt: skip
WHITESPACE = ["", " ", "  ", "\t", "\u00a0", "\u3000", "\u2028", "\x0c"]
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r", "\n\r\n"]

sentence = st.builds(
    lambda first, rest, end: " ".join([first, *rest]) + end,
    st.sampled_from(STARTERS),
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=24),
    st.sampled_from(ENDS),
)
# One line of prose: often a paragraph, sometimes a very long single line of many sentences.
prose_line = st.lists(sentence, min_size=1, max_size=40).map(" ".join)
line = st.one_of(
    prose_line,
    prose_line,
    st.sampled_from(BOILERPLATE),
    st.sampled_from(WHITESPACE),
    st.builds(lambda a, body, b: a + body + b, st.sampled_from(WHITESPACE), prose_line, st.sampled_from(WHITESPACE)),
)


@st.composite
def article_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(line, min_size=1, max_size=25))
    text = lines[0]
    for ln in lines[1:]:
        text += draw(st.sampled_from(NEWLINES)) + ln
    text += draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))
    bom = draw(st.booleans())
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


# Any printable text too (no control characters other than newlines, which would make it "binary").
free_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(["\n", "\r", "\r\n", " ", ".", ". ", "? ", "“", "”", "\ufeff"]),
    ),
    min_size=1,
    max_size=400,
).map(lambda parts: "".join(parts).encode("utf-8"))


# --------------------------------------------------------------------------------------------------
# The properties


def read_back(tmp_path: Path, raw: bytes) -> tuple[Path, Document]:
    path = tmp_path / "article.txt"
    path.write_bytes(raw)
    try:
        doc = document_of(path, "article.txt", raw)  # chunked whether or not it reads as an article
    except CorpusError:
        assume(False)  # an all-white-space file is refused, not chunked
        raise
    return path, doc


def assert_chunk_contract(path: Path, doc: Document, chunks: list[Chunk], chunk_tokens: int) -> None:
    with open(path, encoding="utf-8-sig") as fh:
        assert doc.text == fh.read()
    text = doc.text
    for c in chunks:
        assert c.text, c
        assert c.source == doc.source
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.text
        assert c.start_line == text.count("\n", 0, c.start) + 1
        assert c.end_line == text.count("\n", 0, c.end - 1) + 1
        assert not c.text[0].isspace() and not c.text[-1].isspace(), repr(c.text)
        assert sum(rs <= c.start and c.end <= re_ for rs, re_ in doc.regions) == 1, (c, doc.regions)
        assert count_tokens(c.text) <= chunk_tokens, (count_tokens(c.text), c.text)


def assert_no_text_lost(doc: Document, chunks: list[Chunk]) -> None:
    covered = bytearray(len(doc.text))
    for c in chunks:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    for rs, re_ in doc.regions:
        lost = [i for i in range(rs, re_) if not doc.text[i].isspace() and not covered[i]]
        assert not lost, f"characters {lost[:10]} ({doc.text[lost[0] : lost[0] + 40]!r}) are in no chunk"


def assert_regions_sane(doc: Document) -> None:
    prev = 0
    for rs, re_ in doc.regions:
        assert prev <= rs < re_ <= len(doc.text)
        assert not doc.text[rs].isspace() and not doc.text[re_ - 1].isspace()
        prev = re_


def check_chunks(tmp_path: Path, size: tuple[int, int], raw: bytes) -> None:
    """The file's chunks at `size`: exact, stripped, within budget, inside sane regions, losing no text."""
    path, doc = read_back(tmp_path, raw)
    chunks = chunker(size).split(doc)
    assert_regions_sane(doc)
    assert_chunk_contract(path, doc, chunks, size[0])
    assert_no_text_lost(doc, chunks)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}t-{s[1]}o")
@FAST
@given(raw=article_bytes())
def test_generated_articles_chunk_into_exact_stripped_budgeted_spans_without_losing_text(
    tmp_path: Path, size: tuple[int, int], raw: bytes
) -> None:
    check_chunks(tmp_path, size, raw)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}t-{s[1]}o")
@FASTER
@given(raw=free_text)
def test_arbitrary_printable_text_chunks_into_exact_spans_without_losing_text(
    tmp_path: Path, size: tuple[int, int], raw: bytes
) -> None:
    check_chunks(tmp_path, size, raw)


@FASTER
@given(raw=article_bytes())
def test_chunks_are_in_document_order_and_cover_each_region_from_its_start(tmp_path: Path, raw: bytes) -> None:
    _, doc = read_back(tmp_path, raw)
    chunks = chunker((32, 8)).split(doc)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    for rs, re_ in doc.regions:
        inside = [c for c in chunks if rs <= c.start and c.end <= re_]
        assert inside, "a region produced no chunk"
        assert inside[0].start == rs
        assert max(c.end for c in inside) == re_


def test_chunker_rejects_sizes_it_cannot_honour() -> None:
    with pytest.raises(ValueError):
        Chunker(count_tokens, chunk_tokens=4, chunk_overlap=0)
    with pytest.raises(ValueError):
        Chunker(count_tokens, chunk_tokens=32, chunk_overlap=32)
    with pytest.raises(ValueError):
        Chunker(count_tokens, chunk_tokens=32, chunk_overlap=-1)


def test_line_of_follows_the_citation_definition() -> None:
    text = "ab\ncd\n\nef"
    assert line_of(text, 0, 2) == (1, 1)
    assert line_of(text, 0, 3) == (1, 1)  # the span ends with the newline of line 1
    assert line_of(text, 3, 9) == (2, 4)
    assert line_of(text, 7, 9) == (4, 4)


# --------------------------------------------------------------------------------------------------
# Sentences

# Sentences whose boundaries are known by construction: they start with a capital and end with a plain
# lower-case word and . ! or ?, and abbreviations occur only inside them.
INNER = [
    "N. Korea", "U.S. President", "Mr. Kim", "Mrs. Park", "Dr. Lee", "Prof. Choi", "Gen. Ri", "on Feb. 28",
    "St. Petersburg", "J. Smith", "the", "talks", "were", "held", "with", "officials", "in", "Seoul", "café",
    "한국의", "“comrade”", "3.5%", "—",
]  # fmt: skip
FINAL = ["today", "again", "there", "ties", "talks", "abroad", "soon"]


def known_sentences(max_inner: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda first, inner, last, end: " ".join([first, *inner, last]) + end,
        st.sampled_from(["The", "Kim", "North", "Officials", "Analysts", "한국", "Émile"]),
        st.lists(st.sampled_from(INNER), min_size=0, max_size=max_inner),
        st.sampled_from(FINAL),
        st.sampled_from([".", "!", "?", ".”"]),
    )


known_sentence = known_sentences(12)
# At most 5 inner items of at most 5 tokens: every sentence fits a 32-token chunk on its own.
short_sentence = known_sentences(5)


@settings(max_examples=150, deadline=None)
@given(sentences=st.lists(known_sentence, min_size=1, max_size=12), pad=st.sampled_from(["", "  ", "\n"]))
def test_sentence_spans_split_exactly_at_sentence_ends_never_after_abbreviations(
    sentences: list[str], pad: str
) -> None:
    text = pad + " ".join(sentences) + pad
    spans = sentence_spans(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == sentences


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=0, max_size=300), data=st.data())
def test_sentence_spans_are_ordered_disjoint_stripped_and_inside_the_range(text: str, data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    spans = sentence_spans(text, lo, hi)
    prev = lo
    for a, b in spans:
        assert prev <= a < b <= hi
        assert not text[a].isspace() and not text[b - 1].isspace()
        assert "\n" not in text[a:b]  # lines are always separate sentences
        prev = b
    covered = set()
    for a, b in spans:
        covered.update(range(a, b))
    assert all(i in covered for i in range(lo, hi) if not text[i].isspace())


def test_sentence_spans_known_example() -> None:
    text = "Mr. Kim met U.S. President Joe Biden. N. Korea objected! Was it news? Yes.\nNext line"
    spans = sentence_spans(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == [
        "Mr. Kim met U.S. President Joe Biden.",
        "N. Korea objected!",
        "Was it news?",
        "Yes.",
        "Next line",
    ]


def test_a_full_stop_before_a_number_does_not_end_a_sentence() -> None:
    """ "Boeing Co. 787-10" was cut in two; news style spells out a number that opens a sentence."""
    text = "Emirates ordered 30 Boeing Co. 787-10 jets. The order is worth $8.8 billion."
    spans = sentence_spans(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == [
        "Emirates ordered 30 Boeing Co. 787-10 jets.",
        "The order is worth $8.8 billion.",
    ]


def test_sentence_spans_offsets_are_absolute_within_a_subrange() -> None:
    text = "Header line\nFirst one here. Second one here.\nFooter"
    start = text.index("First")
    end = text.index("\nFooter")
    assert sentence_spans(text, start, end) == [
        (start, start + len("First one here.")),
        (start + len("First one here. "), end),
    ]


# --------------------------------------------------------------------------------------------------
# Long single lines are cut at sentence ends


def sentence_bounds(text: str, start: int, end: int) -> tuple[set[int], set[int], list[tuple[int, int]]]:
    spans = sentence_spans(text, start, end)
    return {a for a, _ in spans}, {b for _, b in spans}, spans


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentences=st.lists(short_sentence, min_size=40, max_size=80))
def test_a_very_long_single_line_is_cut_only_at_sentence_ends(tmp_path: Path, sentences: list[str]) -> None:
    body = " ".join(sentences)
    assert all(count_tokens(s) <= 32 for s in sentences)
    raw = ("A headline for the story\n\n" + body + "\n").encode()
    _, doc = read_back(tmp_path, raw)
    line_start = doc.text.index(body)
    chunks = [c for c in chunker((32, 8)).split(doc) if c.start_line == 3]
    assert len(chunks) >= 5
    assert all(c.end_line == 3 for c in chunks)
    starts, ends, _ = sentence_bounds(doc.text, line_start, line_start + len(body))
    for c in chunks:
        assert c.start in starts, f"chunk starts mid-sentence: {c.text[:60]!r}"
        assert c.end in ends, f"chunk ends mid-sentence: {c.text[-60:]!r}"


def test_five_thousand_character_line_is_split_into_several_chunks_at_sentence_ends(tmp_path: Path) -> None:
    sentences = [
        f"Officials in Seoul said on Monday that talks number {i} with N. Korea and the U.S. would resume soon."
        for i in range(60)
    ]
    body = " ".join(sentences)
    assert len(body) >= 5000 and "\n" not in body
    _, doc = read_back(tmp_path, (" date 2025-05-21 \n\n\n\n" + body + "\n").encode())
    chunks = chunker((32, 8)).split(doc)
    assert len(chunks) >= 20
    line_start = doc.text.index(body)
    starts, ends, _ = sentence_bounds(doc.text, line_start, line_start + len(body))
    assert len(starts) == 60
    for c in chunks:
        assert c.start_line == c.end_line == 5
        assert c.start in starts and c.end in ends, c.text
        assert c.text.endswith("soon.") and c.text.startswith("Officials")
    assert_no_text_lost(doc, chunks)


def test_seed_003_long_line_is_split_into_many_budgeted_chunks_at_sentence_ends() -> None:
    doc = read_document(SEEDS / "003_6b273f736953578d.txt", SEEDS)
    lines = doc.text.split("\n")
    long_line = lines[4]
    assert len(long_line) > 2000  # the seed's 5th line is one long paragraph of about 20 sentences
    line_start = doc.text.index(long_line)
    chunks = [c for c in chunker((32, 8)).split(doc) if c.start_line == 5]
    assert len(chunks) >= 10
    assert all(c.end_line == 5 and count_tokens(c.text) <= 32 for c in chunks)
    starts, ends, spans = sentence_bounds(doc.text, line_start, line_start + len(long_line.rstrip()))
    for c in chunks:
        # A sentence longer than the budget has to be cut inside; every other cut is at a sentence end.
        touching = [(a, b) for a, b in spans if a < c.end and c.start < b]
        if all(count_tokens(doc.text[a:b]) <= 32 for a, b in touching):
            assert c.start in starts, f"starts mid-sentence: {c.text[:60]!r}"
            assert c.end in ends, f"ends mid-sentence: {c.text[-60:]!r}"
    assert_no_text_lost(doc, [c for c in chunker((32, 8)).split(doc)])


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.iterdir()))
@pytest.mark.parametrize("size", [*SIZES, (128, 32)], ids=lambda s: f"{s[0]}t-{s[1]}o")
def test_every_seed_chunks_under_the_contract(name: str, size: tuple[int, int]) -> None:
    path = SEEDS / name
    doc = read_document(path, SEEDS)
    chunks = chunker(size).split(doc)
    assert chunks
    assert_chunk_contract(path, doc, chunks, size[0])
    assert_no_text_lost(doc, chunks)


def test_a_line_of_abbreviations_splits_in_linear_time() -> None:
    """Each full stop after an abbreviation searched the whole sentence so far: a line of 8,000
    characters of "A U. " took 0.5 s (a long message's history is split so, and any indexed line)."""
    import time

    line = "A U. " * 8000  # 40,000 characters: ~12 s when quadratic
    t0 = time.perf_counter()
    spans = sentence_spans(line, 0, len(line))
    assert time.perf_counter() - t0 < 2.0
    assert spans == [(0, len(line) - 1)], "no sentence ends after an abbreviation"


def test_an_abbreviation_is_read_with_the_letter_before_it() -> None:
    """The abbreviation check reads the sentence's last characters only (linear time), the character
    before the abbreviation among them: "XProf." is no "Prof.", so the sentence ends there."""
    text = "He met XProf. Smith there. Then Prof. Smith left."
    assert [text[a:b] for a, b in sentence_spans(text, 0, len(text))] == [
        "He met XProf.",
        "Smith there.",
        "Then Prof. Smith left.",
    ]
