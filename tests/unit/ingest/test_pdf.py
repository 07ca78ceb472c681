"""PDFs (qa/ingest/pdf_reader.py, pypdfium2): the text layer without the browser's running header and footer,
cited with its pages; files that are not readable PDFs are skipped with a one-line reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import qa
from qa.config import Settings
from qa.errors import UnreadableFileError
from qa.ingest.files import document_of, read_document
from qa.ingest.pdf_reader import _goes_on, paragraphs, running_lines
from tests.conftest import FakeEmbedder


def make_pdf(
    pages: list[list[str]],
    encrypt: bool = False,
    links: frozenset[tuple[int, int]] = frozenset(),
    title: str | None = None,
    placed: list[tuple[int, str, float, float]] = (),  # type: ignore[assignment]
) -> bytes:
    """A small valid PDF with one text line per entry (Helvetica), written by hand: no PDF library
    is needed to make the test input. `links`: (page, line) numbers of lines a link annotation covers,
    as a browser prints a link; `title`: the file's own Title (its document information); `placed`:
    (page, text, baseline y, font size) lines drawn after the page's own, where they say (a box of
    related stories printed higher up the page, a caption in smaller type)."""

    def esc(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    n = len(pages)
    page_ids = [4 + 2 * i for i in range(n)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        ("<< /Type /Pages /Kids [" + " ".join(f"{p} 0 R" for p in page_ids) + f"] /Count {n} >>").encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        content = "BT /F1 10 Tf 14 TL 40 760 Td " + " ".join(f"({esc(x)}) Tj T*" for x in lines) + " ET"
        content += "".join(f" BT /F1 {size} Tf 40 {y} Td ({esc(x)}) Tj ET" for page, x, y, size in placed if page == i)
        # line k's baseline is at 760 - 14k; its link's box spans the line's height and the page's width
        annots = " ".join(
            f"<< /Type /Annot /Subtype /Link /Rect [36 {757 - 14 * k} 590 {771 - 14 * k}] /Border [0 0 0] >>"
            for k in range(len(lines))
            if (i, k) in links
        )
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R /Annots [{annots}] >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode())
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({esc(title)}) >>".encode())
        info = f" /Info {len(objects)} 0 R"
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    if encrypt:  # the standard security handler with a user password (its /U matches no empty one)
        info += f" /Encrypt << /Filter /Standard /V 1 /R 2 /O <{'11' * 32}> /U <{'22' * 32}> /P -4 >>"
        info += f" /ID [<{'33' * 16}> <{'33' * 16}>]"
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


BODY = [
    [
        "Harbour reopens after two years of repairs",
        "",
        "The old harbour of Quendor reopened on Thursday after two years of repairs, the port",
        "authority said. Ferries to the islands resume next week, with six crossings a day.",
    ],
    [
        "The repairs cost 14 million crowns, most of it spent on the northern breakwater, which",
        "a storm broke in the winter of 2022. Fishermen had moored in the river since then.",
    ],
    [
        "Ana Veld, who has fished from the harbour for thirty years, said the catch had suffered",
        "while boats waited for the tide in the river mouth all through the last two winters.",
    ],
]


def printed(body: list[list[str]]) -> list[list[str]]:
    """Pages as a browser prints them: its header (date and title) and footer (URL and page of n)."""
    n = len(body)
    return [
        ["11/25/26, 10:04 AM Harbour reopens | The Quendor Courier", *lines, f"https://courier.example/harbour {i}/{n}"]
        for i, lines in enumerate(body, 1)
    ]


def test_the_running_header_and_footer_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf(printed(BODY)))
    doc = read_document(path, tmp_path)
    assert doc.format == "pdf" and len(doc.page_starts) == 3
    assert "10:04 AM" not in doc.text and "courier.example" not in doc.text, doc.text
    assert "14 million crowns" in doc.text and "thirty years" in doc.text
    second = doc.text[doc.page_starts[1] : doc.page_starts[2]]
    assert second.startswith("The repairs cost 14 million crowns")
    assert read_document(path, tmp_path).text == doc.text, "the same bytes give the same text"


def test_a_one_page_prints_header_and_footer_are_not_text(tmp_path: Path) -> None:
    """On one page nothing recurs: the browser's print header and footer are known by their form (a
    user's one-page print quoted "12/6/26, 12:40 PM New York ... – TechCrunch" in an answer)."""
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf(printed(BODY[:1])))
    doc = read_document(path, tmp_path)
    assert "10:04 AM" not in doc.text and "courier.example" not in doc.text, doc.text
    assert doc.text.startswith("Harbour reopens after two years of repairs")


def test_a_sentence_a_page_break_cuts_reads_as_one(tmp_path: Path) -> None:
    """A paragraph whose last line on a page runs to the margin without ending a sentence goes on
    on the next page: one sentence, not two paragraphs (a new user's PDF cited half a sentence)."""
    cut = [BODY[0] + BODY[1][:1], BODY[1][1:] + BODY[2][:1], BODY[2][1:]]
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf(printed(cut)))
    doc = read_document(path, tmp_path)
    assert "northern breakwater, which a storm broke in the winter of 2022." in doc.text, doc.text
    assert doc.text[doc.page_starts[1] :].startswith("a storm broke"), "page 2 starts where its text does"
    # a page that ends a sentence at the margin ("six crossings a day.") is a blank line from the next
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(make_pdf(printed(BODY)))
    assert "six crossings a day.\n\nThe repairs cost" in read_document(whole, tmp_path).text
    # page 2 ends at the margin mid-sentence too ("said the catch had suffered")
    assert "had suffered while boats waited" in doc.text and doc.text[doc.page_starts[2] :].startswith("while boats")
    # a page going on in upper case after a full line is most often a menu or a list of headlines
    listed = [cut[0], ["A storm broke" + cut[1][0].removeprefix("a storm broke"), *cut[1][1:]], cut[2]]
    menu = tmp_path / "menu.pdf"
    menu.write_bytes(make_pdf(printed(listed)))
    assert "breakwater, which\n\nA storm broke" in read_document(menu, tmp_path).text


@pytest.mark.parametrize(
    ("before", "page", "joined"),
    [
        ("her peers were Ellen Kushner and James Rigney,", "Jack Womack, and Daniel Abraham.", True),
        ("The two had", "\u201cmarried,\u201d but in a self-scripted ceremony.", True),
        ("The two had", "(secretly) married in 2001.", True),
        ("said the catch had suffered", "while boats waited for the tide.", True),
        ("New preventive outages set for parts of California", "White teen accused of plotting an attack", False),
        ("ショートカットの欄を", "「なし」にして下の「適用」をクリック。", True),
        ("부산항의 어선들이 다시", "바다로 나갔다.", True),
    ],
    ids=["a comma, then a name", "an opening quote", "a bracket", "lower case", "headlines", "Japanese", "Korean"],
)
def test_what_goes_on_across_a_page_break(before: str, page: str, joined: bool) -> None:
    assert _goes_on(before, page) == joined


def test_a_line_whose_next_word_would_not_fit_is_wrapped(tmp_path: Path) -> None:
    """A line can end well short of the margin when the next word is long; the characters' boxes
    show that word would not have fitted, so the line was wrapped, not ended (a new user's PDF quoted
    'partner to whom I am married' without its start)."""
    full = "The old harbour of Quendor reopened on Thursday after two years of repairs, the port"
    lines = [
        full,
        "authority said. Ferries to the islands resume next week, with six crossings a day.",
        "The repairs are described on the port authority's site at",  # the address is too long to fit
        "https://quendor-port.example/repairs/breakwater-2022 with a storm's damage. Fishermen had moored in the",
        "river since then, said Ana Veld, who fished here for thirty",  # "years" would fit
        "years and saw",
        full,
    ]
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf([lines]))
    text = read_document(path, tmp_path).text
    assert "site at https://quendor-port.example/repairs/breakwater-2022 with" in text, text
    assert "for thirty\nyears and saw" in text, "a word that would have fitted: the line ended there"


def test_a_full_line_is_not_joined_to_a_block_above_it_or_in_other_type(tmp_path: Path) -> None:
    """A paragraph's last line can run to the margin without a sentence end (it goes on over the page):
    the next line in the text is then whatever the page drew next. A new user's PDF quoted "excess
    and luxury Airbus wins increased order from Saudi": a related-stories box printed higher up the
    page. The next line of a paragraph lies just below it, in type of the same size."""
    lines = [
        "The old harbour of Quendor reopened on Thursday after two years of repairs, the port",
        "authority said. Ferries to the islands resume next week, with six crossings a day and the",
    ]
    box = "Harbour master wins award for storm rescue"
    caption = "The northern breakwater in the winter of 2022"
    cases = [
        ([(0, box, 775.0, 10)], False),  # above the paragraph: another block
        ([(0, caption, 732.0, 7)], False),  # the next baseline, smaller type: a caption
        ([(0, box, 732.0, 10)], True),  # the next baseline, same type: the paragraph goes on
    ]
    for placed, joined in cases:
        path = tmp_path / "harbour.pdf"
        path.write_bytes(make_pdf([lines], placed=placed))
        text = document_of(path, path.name, path.read_bytes()).text
        shown = placed[0][1]
        assert (f"and the {shown}" in text) == joined, text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Harbour reopens | The Quendor Courier", "Harbour reopens | The Quendor Courier"),
        ("Microsoft Word - harbour.docx", "Harbour reopens after two years of repairs"),
        (None, "Harbour reopens after two years of repairs"),
        ("file:///tmp/h5/duvet-msn.html?i10c.ua=1", "Harbour reopens after two years of repairs"),
    ],
    ids=["the page's title", "a word processor's file name", "none", "the page's address"],
)
def test_the_title_is_the_files_own_unless_it_names_a_file(tmp_path: Path, title: str | None, expected: str) -> None:
    """A browser sets a printed page's Title to the page's <title>, which names the article better
    than a headline found in the page's text; a file name left by a word processor does not."""
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf(printed(BODY), title=title))
    assert read_document(path, tmp_path).title == expected


def test_a_line_on_one_page_only_is_kept() -> None:
    pages = [["Header A", "one"], ["Header A", "two"], ["Header A", "three", "Only here"]]
    assert running_lines(pages) == {"header a"}
    assert running_lines([["Alone", "text"]]) == set(), "one page has no running lines"


def test_wrapped_lines_join_in_scripts_written_without_spaces() -> None:
    """A Japanese paragraph wrapped at the margin is one word to `split()`; it still joins (without a
    space, as Japanese is written), and a short line (a heading) still ends its paragraph."""
    wrapped = "このご時世パスワードの強化は非常に重要なことであり、日に日に増えていく"
    lines = [wrapped, "パスワード群を管理しています。", "以下、その手順。", wrapped, "次の行です。"]
    joined = [wrapped + "パスワード群を管理しています。", "以下、その手順。", wrapped + "次の行です。"]
    assert paragraphs(lines) == joined
    latin = "The repairs cost 14 million crowns, most of it spent on the northern breakwater, which"
    assert paragraphs([latin, "a storm broke.", "Short heading", latin, "end."]) == [
        latin + " a storm broke.",
        "Short heading",
        latin + " end.",
    ]
    # Korean is written in wide characters but spaces its words: its halves join at a space
    korean = "부산항에 정박해 있던 어선 수백 척이 금요일 해경이 폭풍 경보를 해제한 뒤 다시 바다로"
    assert paragraphs([korean, "나갔다.", "짧은 제목"]) == [korean + " 나갔다.", "짧은 제목"]


def test_paragraphs_that_are_mostly_link_text_are_not_article(tmp_path: Path) -> None:
    """A list of related stories under an article reads as prose; in a PDF its lines lie under link
    annotations (a browser prints each link as one), and they are kept in the text, out of the regions.
    Without the annotations the same lines are article text (the rules and the line model alone)."""
    related = [
        "Fishermen on the northern coast protest the new quotas set for the coming spring season.",
        "The ferry company of the islands orders two new boats for the crossings from the old harbour.",
    ]
    pages = [BODY[0] + BODY[1], [*BODY[2], "", "Related stories", *related]]
    last = len(pages[1])  # the last line's number on the printed page (its header is line 0)
    path = tmp_path / "linked.pdf"
    for linked, kept in ((frozenset(), True), (frozenset({(1, last - 1), (1, last)}), False)):
        path.write_bytes(make_pdf(printed(pages), links=linked))
        doc = read_document(path, tmp_path)
        regions = " ".join(doc.text[a:b] for a, b in doc.regions)
        assert "thirty years" in regions and "14 million crowns" in regions
        assert related[0] in doc.text and related[1] in doc.text, "link text stays in the document text"
        assert (related[0] in regions) is kept and (related[1] in regions) is kept, regions


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html>not a pdf</html>", "is not a PDF"),
        (b"%PDF-1.4\n" + b"\x00garbage" * 50, "cannot be read|no text layer"),
        (make_pdf([[], []]), "no text layer"),
        # a page printed before it had loaded: it has a text layer (a new user's was only told to run OCR)
        (make_pdf([["11/19/19, 9:02 AM Native Ads", "https://example.com/ads"]] * 2), "besides what every page"),
        (make_pdf([]), "has no pages"),
        (make_pdf(BODY, encrypt=True), "is an encrypted PDF"),
    ],
    ids=["not a PDF", "malformed", "scanned (no text)", "header and footer only", "no pages", "encrypted"],
)
def test_a_pdf_that_cannot_be_used_is_refused_in_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=reason) as err:
        read_document(path, tmp_path)
    assert str(err.value).startswith("bad.pdf: ") and "\n" not in str(err.value)
    # the build reads the file and the reason from the error's fields, not from its message
    assert err.value.source == "bad.pdf" and str(err.value) == f"bad.pdf: {err.value.reason}"
    assert re.search(reason, err.value.reason)


def test_a_pdf_is_refused_for_its_own_reason_not_the_last_failed_files(tmp_path: Path) -> None:
    """PDFium's error is left from the last file that failed: a PDF with no pages read after an
    encrypted one was called encrypted, and that reason recorded at every build."""
    reasons = []
    for name, content in [("locked.pdf", make_pdf(BODY, encrypt=True)), ("empty.pdf", make_pdf([]))] * 2:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(UnreadableFileError) as err:
            read_document(path, tmp_path)
        reasons.append(err.value.reason.split(";")[0])
    assert reasons == ["is an encrypted PDF", "has no pages"] * 2


def test_pdf_citations_carry_their_pages_and_slice_the_extracted_text(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.pdf").write_bytes(make_pdf(printed(BODY)))
    (seeds / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    settings = Settings(seeds_dir=seeds, index_dir=tmp_path / "index", min_confidence=0.0)
    report = qa.build(settings=settings, embedder=FakeEmbedder())
    assert [s.source for s in report.skipped] == ["broken.pdf"]
    engine = qa.load(settings.index_dir, embedder=FakeEmbedder(), settings=settings)
    c = engine.ask("How much did the breakwater repairs cost?", 3).citations[0]
    text = engine.text("harbour.pdf")
    assert c.source == "harbour.pdf" and c.text == text[c.start_char : c.end_char]
    d = c.to_dict()
    assert d["format"] == "pdf" and d["pages"][0] <= 2 <= d["pages"][1], d["pages"]
    starts = engine.data.documents["harbour.pdf"].page_starts
    first = sum(s <= c.start_char for s in starts)
    last = sum(s <= c.end_char - 1 for s in starts)
    assert d["pages"] == [first, last]


def test_a_line_after_one_broken_at_a_hyphen_goes_on_its_paragraph(tmp_path: Path) -> None:
    """PDFium gives a line broken at a hyphen and the printed line after it as one text line
    ("black\\ufffetailed ... a pair of"): where that line ends, not its middle, is just above the next
    (a new user's PDF cut "when a pair of | avocets nested" into two sentences)."""
    lines = [
        "Within two winters the mudflats of the old farm were feeding thousands of dunlin, redshank and black-",
        "tailed godwit, and in 2019 the wardens saw a pair of",
        "avocets nesting on a shingle island in the middle of the site, the first to breed there in living",
        "memory. This year there were thirty-four pairs on the island and more on the lagoon beyond it.",
    ]
    path = tmp_path / "marsh.pdf"
    path.write_bytes(make_pdf([lines]))
    text = document_of(path, path.name, path.read_bytes()).text
    assert "black-tailed godwit, and in 2019 the wardens saw a pair of avocets nesting" in text, text



def test_a_drop_cap_opens_the_line_beside_it() -> None:
    """A new user's quote read "dam Schiff's impeachment inquiry is incoherent.": the printed page's
    large "A" came first in the text layer, on a line of its own, a caption between them."""
    import numpy as np

    from qa.ingest.pdf_layout import drop_caps

    def boxes(line: str, left: float, baseline: float, size: float) -> np.ndarray:
        # (left, right, bottom, top, baseline, font size) per character, each 0.5 size wide
        return np.array(
            [
                [left + k * size / 2, left + (k + 1) * size / 2, baseline, baseline + size, baseline, size]
                for k in range(len(line))
            ]
        )

    raw = ["A", "Photo: a caption under the picture", "dam Schiff's inquiry is incoherent.", "Time is short."]
    lay = [
        boxes(raw[0], 40, 292, 100),
        boxes(raw[1], 60, 434, 15),
        boxes(raw[2], 101, 332, 20),
        boxes(raw[3], 40, 300, 20),
    ]
    assert drop_caps(raw, raw, lay) == ["", raw[1], "Adam Schiff's inquiry is incoherent.", raw[3]]
    # a capital in the body's own type, or a line starting left of it or in capitals, is no drop cap
    small = [boxes(raw[0], 40, 292, 20), *lay[1:]]
    assert drop_caps(raw, raw, small) == raw
    upper = ["A", "Dam Schiff's inquiry.", raw[3]]
    assert drop_caps(upper, upper, [lay[0], boxes(upper[1], 101, 332, 20), lay[3]]) == upper
    left = ["A", raw[2]]
    assert drop_caps(left, left, [lay[0], boxes(raw[2], 20, 332, 20)]) == left
    # a cap that is a word of its own stays one (a review's "Afederal judge"), as the page writes it
    word = ["A", "federal judge ruled on Monday."]
    assert drop_caps(word, word, [lay[0], boxes(word[1], 101, 332, 20)])[1] == "A federal judge ruled on Monday."
    new = ["A", "new study says so."]
    opened = drop_caps(new, new, [lay[0], boxes(new[1], 101, 332, 20)], ["It was a new study."])
    assert opened[1] == "A new study says so.", "the page writes 'a new' apart, not 'anew'"
