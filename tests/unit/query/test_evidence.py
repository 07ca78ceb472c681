"""Evidence-shaped excerpts, answer-type cues, the article term and the CV helpers, without a model."""

from __future__ import annotations

from typing import Any

import pytest

from qa.ingest.boilerplate import running_text as is_prose
from qa.query import cues
from qa.query.citations import At, Copies, Hit, evidence_window, merge_hits, one_per_story, sentence_joins
from qa.query.highlight import reads_as_answer


def spans_of(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for s in sentences:
        a = text.index(s, pos)
        out.append((a, a + len(s)))
        pos = a + len(s)
    return out


SENTS = ["One a.", "Two b.", "Three c.", "Four d.", "Five e."]
TEXT = "One a. Two b. Three c.\n\nFour d. Five e."


def test_window_holds_the_evidence_with_context_on_both_sides():
    spans = spans_of(TEXT, SENTS)
    (start, end), (hs, he) = evidence_window(spans, sentence_joins(TEXT, spans), 1, max_chars=40, fill_chars=0)
    assert TEXT[hs:he] == "Two b."
    # the whole paragraph of the evidence, not past the paragraph break (fill 0)
    assert TEXT[start:end] == "One a. Two b. Three c."


def test_window_never_exceeds_the_budget_and_grows_after_first():
    spans = spans_of(TEXT, SENTS)
    (start, end), _ = evidence_window(spans, sentence_joins(TEXT, spans), 1, max_chars=15, fill_chars=0)
    assert end - start <= 15
    assert TEXT[start:end] == "Two b. Three c."


def test_short_paragraph_fills_from_its_neighbours():
    spans = spans_of(TEXT, SENTS)
    (start, end), _ = evidence_window(spans, sentence_joins(TEXT, spans), 3, max_chars=100, fill_chars=60)
    assert TEXT[start:end] == TEXT  # "Four d. Five e." alone is under 60 characters
    (start, end), _ = evidence_window(spans, sentence_joins(TEXT, spans), 3, max_chars=100, fill_chars=0)
    assert TEXT[start:end] == "Four d. Five e."


def test_window_stops_at_skipped_boilerplate():
    text = "Alpha one. Menu Home Login Beta two."
    spans = [(0, 10), (27, 36)]  # the menu between them is not a sentence of the index
    (start, end), _ = evidence_window(spans, sentence_joins(text, spans), 1, max_chars=200, fill_chars=200)
    assert text[start:end] == "Beta two."


def test_highlight_spans_two_sentences_when_paired():
    spans = spans_of(TEXT, SENTS)
    _, (hs, he) = evidence_window(spans, sentence_joins(TEXT, spans), 1, pair=2, max_chars=100)
    assert TEXT[hs:he] == "Two b. Three c."
    _, (hs, he) = evidence_window(spans, sentence_joins(TEXT, spans), 1, pair=3, max_chars=100)
    assert TEXT[hs:he] == "Two b."  # not adjacent: one sentence


def test_ordered_merge_reads_hits_lazily():
    seen = []

    def hits():
        for i in range(100):
            seen.append(i)
            yield Hit(type("P", (), {"source": f"f{i}", "start": 0, "end": 10})(), 1.0 - i / 100, (0, 5))

    spans = merge_hits(hits(), 3, ordered=True)
    assert [s.source for s in spans] == ["f0", "f1", "f2"]
    assert len(seen) <= 4
    assert spans[0].highlight == (0, 5)


@pytest.mark.parametrize(
    ("sentence", "prose"),
    [
        ("VOLKSWAGEN ID. SPACE VIZZION CONCEPT", False),
        ("* Arrowhead bottled water", False),
        ("The researchers observed Europa for 17 nights, from February 2016.", True),
        ("Read more", False),
    ],
)
def test_is_prose(sentence, prose):
    assert is_prose(sentence) is prose


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When is he due to be sentenced?", "date"),
        ("Since when has Kim called Putin a comrade?", "date"),
        ("How many workers remain in China?", "number"),
        ("Who did Im Chon-il meet in Moscow?", "name"),
        ("Where did they meet?", "place"),
        ("Why does China want the workers sent home?", "reason"),
        ("How did the talks fall apart?", "manner"),
        ("What did Eveleth write?", None),
        ("¿Quién ganó la Copa América?", None),
    ],
)
def test_answer_type(question, kind):
    assert cues.answer_type(question) == kind


def test_offers_needs_a_phrase_the_question_does_not_hold():
    q = "In 2016 the astronomers watched Europa; on which date did they see the water?"
    assert cues.Cue(q, kind="date").offers("The signal came on April 26, 2016.")
    assert not cues.Cue(q, kind="date").offers("They watched it in 2016.")  # 2016 is the question's own
    assert cues.Cue("How many workers remain?").offers("About 90,000 workers remain.")
    assert not cues.Cue("What?").offers("Anything at all.")


def test_a_month_counts_only_capitalised():
    cue = cues.Cue("When did the bridge open?")
    assert not cue.offers("The bridge may open soon, and protesters march on it.")  # verbs, not months
    assert cue.offers("The bridge opened in May.")
    assert cue.offers("Work began on March 3.")


def test_an_excerpt_too_long_to_merge_is_cut_to_what_it_adds():
    P = type("P", (), {})

    def place(a: int, b: int):
        p = P()
        p.source, p.start, p.end = "f", a, b
        return p

    hits = [Hit(place(0, 600), 1.0, (100, 200)), Hit(place(400, 1000), 0.9, (800, 900))]
    spans = merge_hits(hits, 5, ordered=True)
    assert [(s.start, s.end) for s in spans] == [(0, 600), (600, 1000)]
    # its own evidence inside the part already cited: dropped, never cited twice
    hits = [Hit(place(0, 600), 1.0, (100, 200)), Hit(place(400, 1000), 0.9, (450, 550))]
    assert [(s.start, s.end) for s in merge_hits(hits, 5, ordered=True)] == [(0, 600)]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mWho did Im Chon-il meet?\x1b[0m\x07", "Who did Im Chon-il meet?"),
        ("\x1b]0;window title\x07Who met?", "Who met?"),
        ("Who\u202e met\x00 in  Moscow?", "Who met in Moscow?"),
    ],
)
def test_clean_question_drops_terminal_escapes_and_control_characters(raw, clean):
    from qa.query.validate import clean_question

    assert clean_question(raw) == clean


def test_an_overlong_question_is_refused_and_an_overlong_earlier_one_cut_at_a_word() -> None:
    from qa.errors import UsageError
    from qa.query.validate import MAX_QUESTION_CHARS, clean_question

    long = "Who met Vershinin " * (MAX_QUESTION_CHARS // 18 + 1)
    with pytest.raises(UsageError, match=f"characters long; ask it in at most {MAX_QUESTION_CHARS:,}"):
        clean_question(long)  # was cut silently, and the answer's question changed with it
    cut = clean_question(long, cut=True)
    assert len(cut) <= MAX_QUESTION_CHARS and long.startswith(cut) and cut.split()[-1] in ("Who", "met", "Vershinin")
    assert clean_question("x" * (MAX_QUESTION_CHARS + 5), cut=True) == "x" * MAX_QUESTION_CHARS


def test_date_filters_take_python_dates() -> None:
    import datetime as dt

    from qa.query.validate import check_dates

    assert check_dates(dt.date(2019, 1, 1), dt.datetime(2019, 12, 31, 23, 0)) == ("2019-01-01", "2019-12-31")
    assert check_dates("2019-01-01", None) == ("2019-01-01", None)


def test_scores_stay_in_unit_range_with_the_cue(tmp_path):
    import qa
    from tests.conftest import FakeEmbedder

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text("The harbour of Kell has 40 fishing boats.\n", encoding="utf-8")
    (corpus / "bakery.txt").write_text("The bakery sells bread every morning.\n", encoding="utf-8")
    (corpus / "rail.txt").write_text("The railway opened a new station.\n", encoding="utf-8")
    emb = FakeEmbedder()
    qa.build(corpus, tmp_path / "idx", embedder=emb)
    engine = qa.load(tmp_path / "idx", embedder=emb)
    top = engine.ask("How many fishing boats has the harbour of Kell?", k=3).citations[0]
    assert top.source == "harbour.txt"
    # the best passage in every first-stage term, and its sentence offers the number asked for
    assert 0.9 < top.score <= 1.0 + 1e-6, top.score


def test_window_holds_a_highlight_whose_sentence_nests_a_later_one():
    # sentences of overlapping chunks can overlap; a later one ending first must not cut the excerpt short
    spans = [(0, 100), (10, 50), (60, 80)]
    (start, end), (hs, he) = evidence_window(spans, lambda i: 2 if i < 2 else 0, 0, max_chars=200)
    assert start <= hs < he <= end
    assert (hs, he) == (0, 100)


def test_number_cue_reads_whole_numbers():
    cue = cues.Cue("How many jobs did the plant cut in 2019?")
    assert cue.offers("They cut 910 jobs.")
    assert not cue.offers("It happened in 2019.")


@pytest.mark.parametrize("word", ["thirteen", "nineteen", "sixteen", "sixty", "ninety", "seventy"])
def test_number_cue_reads_every_number_word(word: str) -> None:
    """Written-out numbers are common in news copy ("the captain is nineteen"): a new user found
    thirteen to nineteen and sixty to ninety missing."""
    assert cues.Cue("How old is the captain?").offers(f"The captain is {word}.")
    assert not cues.Cue("How old is the captain?").offers("The captain is a teenager.")


def _sentences(text: str, *parts: str) -> Any:
    import numpy as np

    return np.asarray([(text.index(p), text.index(p) + len(p)) for p in parts])


@pytest.mark.parametrize(
    ("marked", "expected"),
    [
        ("What the experts say", "Lead in water harms children even at low levels, Dr. Ames said."),  # a heading
        ("How did this happen?", "Lead in water harms children even at low levels, Dr. Ames said."),  # a question
        ("Tickets cost $40", "Tickets cost $40"),  # a short line with a figure can be the answer
        ("Dr. Ames, Reuters.", "Dr. Ames, Reuters."),  # a sentence's end: kept
    ],
)
def test_the_highlight_is_never_a_heading_or_a_question(marked: str, expected: str) -> None:
    from qa.query.highlight import answering

    parts = (marked, "Lead in water harms children even at low levels, Dr. Ames said.", "Read more")
    text = "\n\n".join(parts)
    spans = _sentences(text, *parts)
    scores = [0.9, 0.5, 0.7]  # the heading scores best, then a link line ("Read more"): neither answers
    a, b = answering(text, spans, scores, (0, len(text)), (int(spans[0, 0]), int(spans[0, 1])))
    assert text[a:b] == expected


def test_a_heading_stays_marked_when_the_excerpt_has_nothing_better() -> None:
    from qa.query.highlight import answering

    text = "What the experts say\n\nMore soon"
    spans = _sentences(text, "What the experts say", "More soon")
    assert answering(text, spans, [0.9, 0.1], (0, len(text)), (0, 20)) == (0, 20)


def test_the_highlight_is_never_the_article_s_title() -> None:
    """A headline can read as a sentence ("... fight with Myles Garrett: He asked for it"); it was
    highlighted as the answer when it was cited with the text below it."""
    from qa.query.highlight import answering

    title = "Browns player on Mason Rudolph's role in fight with Myles Garrett: He asked for it"
    lede = "Cleveland defensive lineman Larry Ogunjobi said Rudolph started the fight on Thursday."
    text = f"{title}\n\n{lede}"
    spans = _sentences(text, title, lede)
    first = (int(spans[0, 0]), int(spans[0, 1]))
    assert answering(text, spans, [0.9, 0.5], (0, len(text)), first) == first, "premise: a headline reads as an answer"
    a, b = answering(text, spans, [0.9, 0.5], (0, len(text)), first, title)
    assert text[a:b] == lede
    # Nor its start repeated over a picture ("Putin Visits North Korea, China Keeps Distance..."),
    # while a sentence that merely opens as the title does is an answer.
    from qa.query.highlight import reads_as_answer

    headline = "Putin Visits North Korea, China Keeps Distance... Unusual Trends in North Korea-China Relations"
    assert not reads_as_answer("Putin Visits North Korea, China Keeps Distance...", headline)
    assert not reads_as_answer("Putin Visits North Korea, China Keeps Distance", headline)
    assert reads_as_answer("Putin visits North Korea next week, officials said.", headline)
    assert reads_as_answer("Putin Visits", headline) is reads_as_answer("Putin Visits"), "too short to say"
    # the page's <title> in straight quotes, its heading in curly ones (a new user's highlight was the heading)
    titled = "'The Medium is the Message': the 7th Amsterdam Light Festival | Inexhibit"
    assert not reads_as_answer("‘The Medium is the Message’: the 7th Amsterdam Light Festival", titled)


@pytest.mark.parametrize(
    "tail",
    ["Lower course and delta", "Other important uses include:"],
    ids=["the next section's heading", "a lead-in to a list left out"],
)
def test_an_excerpt_does_not_end_on_what_opens_the_next_part(tail: str) -> None:
    """Excerpts ended "...in the 1980s.\\n\\nLower course and delta" or on "Other uses include:"."""
    parts = (
        "The river was dammed at the Iron Gates in the 1970s.",
        "A second dam followed in the 1980s.",
        tail,
        "Below the gorge the river widens into a plain.",
    )
    text = "\n\n".join(parts)
    spans = _sentences(text, *parts)
    join = sentence_joins(text, spans)
    (start, end), _ = evidence_window(spans, join, 1, max_chars=150, fill_chars=150)
    assert text[start:end].endswith(tail), "premise: the excerpt fills to the heading"
    (start, end), (hs, he) = evidence_window(spans, join, 1, max_chars=150, fill_chars=150, text=text)
    assert text[hs:he] == parts[1]
    assert text[start:end].endswith("in the 1980s." if tail.startswith("Lower") else tail)


@pytest.mark.parametrize(
    ("lead_in", "after", "marked"),
    [
        ("The band's 2020 tour dates:", "June 1 - West Palm Beach, Florida", "both"),
        ("The headliners are three bands:", "The Blue Notes", "both"),
        ("On X, Eveleth wrote:", "“The rocket is ready.”", "both"),
        ("Seven big questions ahead of the debate:", "WHO IS THE FRONT-RUNNER?", "lead-in"),
        ("Here is what we know so far:", "\nBackground", "lead-in"),  # a heading after a blank line
        ("Here is what we know so far:", "\nThe storm formed over the Gulf on Friday.", "both"),
        ("The band's 2020 tour dates:", "June 1 - West Palm Beach, Florida. " * 12, "lead-in"),  # over the limit
    ],
)
def test_a_lead_in_is_highlighted_with_what_it_introduces(lead_in: str, after: str, marked: str) -> None:
    """A sentence ending in a colon does not answer alone: "... tour dates:" was the highlight and the
    first date, the answer, was left unmarked below it. A question after it is not taken in."""
    text = f"The band met in 1970.\n\n{lead_in}\n{after}\nThe band is touring again.\n"
    after = after.strip()
    spans = _sentences(text, "The band met in 1970.", lead_in, after, "The band is touring again.")
    _, (hs, he) = evidence_window(spans, sentence_joins(text, spans), 1, max_chars=200, fill_chars=200, text=text)
    assert text[hs:he] == (text[text.index(lead_in) : text.index(after) + len(after)] if marked == "both" else lead_in)
    assert reads_as_answer(text[hs:he]), "the highlight stays (Engine._window's `answering` keeps what reads so)"
    _, (hs, he) = evidence_window(spans, sentence_joins(text, spans), 1, max_chars=200, fill_chars=200)
    assert text[hs:he] == lead_in, "without the text, nothing to read the sentences by"


def test_an_excerpt_keeps_the_items_of_a_list_after_its_lead_in() -> None:
    """The heading rule cut a list's short items one by one, leaving "...are three bands:" alone."""
    parts = ("The festival opens on Friday in the old town.", "The headliners are three bands:", "The Blue Notes",
             "Harbour Brass", "Silver Strings")  # fmt: skip
    text = f"{parts[0]}\n\n{parts[1]}\n{parts[2]}\n{parts[3]}\n{parts[4]}\n"
    spans = _sentences(text, *parts)
    (start, end), _ = evidence_window(spans, sentence_joins(text, spans), 1, max_chars=200, fill_chars=200, text=text)
    assert text[start:end].endswith("Silver Strings")
    items = "\n\n".join(("The tour visits three cities:", "- Paris", "- Lyon", "- Nice"))
    spans = _sentences(items, "The tour visits three cities:", "- Paris", "- Lyon", "- Nice")
    (start, end), _ = evidence_window(spans, sentence_joins(items, spans), 0, max_chars=200, fill_chars=200, text=items)
    assert items[start:end].endswith("- Nice"), "items set apart by blank lines are a list too"


@pytest.mark.parametrize("mark", ["…", "* * *", "—", "###"])
def test_a_line_of_marks_alone_is_never_the_highlight(mark: str) -> None:
    """A new user's citation highlighted "…", a line between two paragraphs of a quote."""
    assert not reads_as_answer(mark)
    assert reads_as_answer("He said the fine was unfair …")


def test_a_story_is_cited_in_its_copy_that_says_most_about_itself() -> None:
    """A story saved as a page and as a bare .txt copy was cited by the copy with no title or date."""
    body = "The ferry leaves at dawn. The answer is here. More follows."
    texts = {
        "copy.txt": body + "\n",
        "page.html": "Ferry story\n\n" + body + "\n",
        "other.txt": "Another story entirely.\n",
    }
    regions = {"copy.txt": [[0, len(body)]], "page.html": [[13, 13 + len(body)]], "other.txt": [[0, 23]]}
    story = {"copy.txt": "s1", "page.html": "s1", "other.txt": "s2"}
    copies = {"copy.txt": ("page.html",), "page.html": ("copy.txt",), "other.txt": ()}
    read = Copies(texts.__getitem__, regions.__getitem__, {"copy.txt": 0, "page.html": 2, "other.txt": 0})
    s, e = body.index("The answer"), body.index(" More")
    hits = [Hit(At("copy.txt", 0, len(body)), 0.9, (s, e)), Hit(At("other.txt", 0, 8), 0.5)]
    hits.append(Hit(At("copy.txt", 0, 9), 0.4))
    out = list(one_per_story(hits, story, copies, read))
    first = out[0]
    assert first.chunk.source == "page.html" and first.highlight is not None
    assert texts["page.html"][first.chunk.start : first.chunk.end] == body
    assert texts["page.html"][first.highlight[0] : first.highlight[1]] == "The answer is here."
    assert [h.chunk.source for h in out] == ["page.html", "other.txt", "page.html"], "the story stays in one file"
    # Not into a copy the question's filters leave out (a reviewer: --source a.txt cited b.html) ...
    filtered = Copies(read.text, read.regions, read.described, allowed={"copy.txt", "other.txt"})
    assert next(one_per_story(hits[:1], story, copies, filtered)).chunk.source == "copy.txt"
    # ... nor onto the excerpt's words outside the copy's article (a teaser repeating them) ...
    outside = Copies(read.text, {**regions, "page.html": [[0, 11]]}.__getitem__, read.described)
    assert next(one_per_story(hits[:1], story, copies, outside)).chunk.source == "copy.txt"
    # ... nor when the copy no longer holds the excerpt.
    texts["page.html"] = "Ferry story\n\nThe ferry leaves at noon.\n"
    assert next(one_per_story(hits[:1], story, copies, read)).chunk.source == "copy.txt"


def test_a_slogan_cut_at_its_full_stops_is_highlighted_whole() -> None:
    """A browser user's highlight was "Meth." alone: the slogan "Meth. We're on it." is two sentences to
    the splitter. A fragment takes in the sentences after it in its paragraph, up to three words."""
    from qa.query.highlight import answering

    parts = ("The state unveiled its new slogan on Monday.", "Meth.", "We're on it.", "It drew ridicule online.")
    text = f"{parts[0]}\n\n{parts[1]} {parts[2]} {parts[3]}"
    spans = _sentences(text, *parts)
    meth = (int(spans[1, 0]), int(spans[1, 1]))
    a, b = answering(text, spans, [0.1, 0.9, 0.5, 0.3], (0, len(text)), meth)
    assert text[a:b] == "Meth. We're on it."
    # A short sentence at its paragraph's end stays as it is; so does a sentence of three words or more.
    end = "Did he agree?\n\nNo.\n\nThe talks went on."
    spans = _sentences(end, "Did he agree?", "No.", "The talks went on.")
    no = (int(spans[1, 0]), int(spans[1, 1]))
    assert answering(end, spans, [0.1, 0.9, 0.5], (0, len(end)), no) == no
    full = (int(spans[2, 0]), int(spans[2, 1]))
    assert answering(end, spans, [0.1, 0.1, 0.9], (0, len(end)), full) == full
    # A sentence of two words is one; a long or asking sentence after a word is not part of its phrase.
    for after in ("He resigned. The board will meet on Friday to choose a successor.", "No. Why would he?"):
        first = after.split(". ")[0] + "."
        spans = _sentences(after, first, after[len(first) + 1 :])
        one = (int(spans[0, 0]), int(spans[0, 1]))
        assert answering(after, spans, [0.9, 0.1], (0, len(after)), one) == one, after
    # Chinese writes a sentence with no space: it is no one-word fragment (a reviewer's).
    zh = ("他辞职了。", "董事会将于周五开会选出继任者。")
    spans = _sentences("".join(zh), *zh)
    first = (int(spans[0, 0]), int(spans[0, 1]))
    assert answering("".join(zh), spans, [0.9, 0.1], (0, len("".join(zh))), first) == first


def test_a_quotation_cut_by_the_splitter_is_highlighted_whole() -> None:
    """A new user's 'Who said "We could not match that money"?' was highlighted `"We could not match
    that money.`: a quotation of two sentences, its mark left open and "he said" in the next one."""
    from qa.query.highlight import QUOTE_REACH, answering

    said = 'Steve Oduya said he was "disappointed but not surprised".'
    parts = (said, '"We could not match that money.', 'I hope Mr Delaney means it," he said.', "The vote is on Friday.")
    text = " ".join(parts)
    spans = _sentences(text, *parts)
    whole = '"We could not match that money. I hope Mr Delaney means it," he said.'
    for i in (1, 2):  # from the quotation's first sentence or its last
        marked = (int(spans[i, 0]), int(spans[i, 1]))
        a, b = answering(text, spans, [0.1, 0.9, 0.9, 0.1], (0, len(text)), marked)
        assert text[a:b] == whole
    # A sentence holding a whole quotation, or none, stays as it is; so do curly quotation marks paired.
    for i in (0, 3):
        marked = (int(spans[i, 0]), int(spans[i, 1]))
        assert answering(text, spans, [0.9, 0.1, 0.1, 0.9], (0, len(text)), marked) == marked
    curly = ("“It is over.", "We lost,” she said.")
    spans = _sentences(" ".join(curly), *curly)
    a, b = answering(" ".join(curly), spans, [0.9, 0.1], (0, len(" ".join(curly))), (0, len(curly[0])))
    assert " ".join(curly)[a:b] == " ".join(curly)
    # Not across paragraphs (a long quotation opens each of its paragraphs with a mark), nor past the
    # excerpt, nor beyond QUOTE_REACH characters.
    text = '"We could not match that money.\n\nI hope he means it," he said.'
    spans = _sentences(text, '"We could not match that money.', 'I hope he means it," he said.')
    first = (int(spans[0, 0]), int(spans[0, 1]))
    assert answering(text, spans, [0.9, 0.1], (0, len(text)), first) == first
    text = '"We could not match that money. ' + "It was a lot. " * 40 + 'We tried," he said.'
    spans = _sentences(text, '"We could not match that money.', text[32:].strip())
    assert len(text) > QUOTE_REACH
    assert answering(text, spans, [0.9, 0.1], (0, len(text)), (0, 31)) == (0, 31)
    assert answering(text, spans, [0.9, 0.1], (0, 31), (0, 31)) == (0, 31), "the excerpt ends at the first"
    # "Area 51" is a quotation (a second review's), as the quotations after it are.
    from qa.query.highlight import quotations

    area = 'He spent a week on "Area 51" files. "We found nothing. Nothing," he said.'
    assert [area[a:b] for a, b in quotations(area)] == ['"Area 51"', '"We found nothing. Nothing,"']
    # A height's inch mark is no quotation mark (a review's: it paired with the quotation's).
    parts = ("Coach Lee praised the 6'2\" guard.", '"We could not match that money.', 'I hope he does well," he said.')
    text = " ".join(parts)
    spans = _sentences(text, *parts)
    quote = (int(spans[1, 0]), int(spans[1, 1]))
    a, b = answering(text, spans, [0.1, 0.9, 0.1], (0, len(text)), quote)
    assert text[a:b] == " ".join(parts[1:])
