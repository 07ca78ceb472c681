"""Unit tests for `qa.ingest`: decoding (the offset contract), metadata, and boilerplate selection.

Expected values come from reading the files: the shipped seeds (seeds/, five files) and small made-up
articles written below in the styles of different sites. No model, no index.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from qa.errors import CorpusError, UnreadableFileError
from qa.ingest.boilerplate import chrome_reason, word_list
from qa.ingest.decode import decode
from qa.ingest.document import Document
from qa.ingest.files import document_of, read_document
from qa.ingest.metadata import is_dateline
from qa.ingest.scripts import dominant_script

SEEDS = Path(__file__).resolve().parents[3] / "seeds"  # the same folder as conftest.SEEDS

# --------------------------------------------------------------------------------------------------
# Helpers


def write_and_read(tmp_path: Path, name: str, raw: bytes) -> Document:
    path = tmp_path / name
    path.write_bytes(raw)
    return document_of(path, name, raw)  # the text as read, article or not


def reference_text(path: Path) -> str:
    """CITATIONS.md's definition of a file's text."""
    with open(path, encoding="utf-8-sig") as fh:
        return fh.read()


def line_spans(text: str, line: str) -> list[tuple[int, int]]:
    """(start, end) of every line of `text` whose stripped content is exactly `line`."""
    spans = []
    pos = 0
    for raw in text.split("\n"):
        body = raw.strip()
        if body == line:
            start = pos + raw.index(body)
            spans.append((start, start + len(body)))
        pos += len(raw) + 1
    return spans


def in_a_region(doc: Document, start: int, end: int) -> bool:
    return any(rs <= start and end <= re_ for rs, re_ in doc.regions)


def overlaps_a_region(doc: Document, start: int, end: int) -> bool:
    return any(start < re_ and rs < end for rs, re_ in doc.regions)


def assert_excluded(doc: Document, line: str) -> None:
    """`line` is a whole line of the document, and no region (nothing citable) touches it."""
    spans = line_spans(doc.text, line)
    assert spans, f"test bug: {line!r} is not a line of {doc.source}"
    for start, end in spans:
        assert not overlaps_a_region(doc, start, end), f"{line!r} is inside a citable region of {doc.source}"


def assert_kept(doc: Document, sentence: str) -> None:
    """`sentence` occurs in the document and lies entirely inside one region."""
    start = doc.text.find(sentence)
    assert start >= 0, f"test bug: {sentence[:60]!r} is not in {doc.source}"
    assert in_a_region(doc, start, start + len(sentence)), f"{sentence[:60]!r} was dropped from {doc.source}"


def assert_line_kept(doc: Document, line_no: int) -> None:
    lines = doc.text.split("\n")
    assert lines[line_no - 1].strip(), f"test bug: line {line_no} of {doc.source} is blank"
    assert_kept(doc, lines[line_no - 1].strip())


def seed(name: str) -> Document:
    return read_document(SEEDS / name, SEEDS)


# --------------------------------------------------------------------------------------------------
# Decoding: the document text is exactly open(path, encoding="utf-8-sig").read()

ARTICLE = "Seoul — Talks resumed.\nKim said “yes” to the café’s offer. 한국어 문장. 🙂\n\nLast line"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("plain.txt", ARTICLE.encode("utf-8")),
        ("bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode("utf-8")),
        ("crlf.txt", ARTICLE.replace("\n", "\r\n").encode("utf-8")),
        ("cr.txt", ARTICLE.replace("\n", "\r").encode("utf-8")),
        ("bom_crlf.txt", b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode("utf-8")),
        ("mixed.txt", b"a\r\nb\rc\nd\r\r\ne\n\r"),
    ],
)
def test_utf8_text_equals_what_python_universal_newlines_reads(tmp_path: Path, name: str, raw: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    text, encoding = decode(raw)
    assert encoding == "utf-8"
    assert text == reference_text(path)
    assert "\r" not in text
    assert not text.startswith("\ufeff")
    assert document_of(path, name, raw).text == reference_text(path)


def test_bom_is_removed_and_offsets_count_from_the_first_real_character(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "a.txt", b"\xef\xbb\xbfAbc\r\ndef")
    assert doc.text == "Abc\ndef"
    assert doc.text[4:7] == "def"


def test_crlf_and_lone_cr_both_become_one_newline() -> None:
    text, _ = decode(b"one\r\ntwo\rthree\n\r\nfour")
    assert text == "one\ntwo\nthree\n\nfour"


def test_document_hash_is_of_the_raw_bytes_not_the_normalised_text(tmp_path: Path) -> None:
    crlf = write_and_read(tmp_path, "crlf.txt", b"Same words here.\r\n")
    lf = write_and_read(tmp_path, "lf.txt", b"Same words here.\n")
    assert crlf.text == lf.text
    assert crlf.sha256 != lf.sha256


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded_and_reported(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    raw = bom + ARTICLE.replace("\n", "\r\n").encode(codec)
    doc = write_and_read(tmp_path, "u16.txt", raw)
    assert doc.encoding == "utf-16"
    assert doc.text == ARTICLE
    assert not doc.text.startswith("\ufeff")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_mark_is_read_not_called_binary(tmp_path: Path, codec: str) -> None:
    doc = write_and_read(tmp_path, "u16.txt", ARTICLE.encode(codec))
    assert doc.encoding == codec and doc.text == ARTICLE


def test_cp1252_bytes_are_decoded_as_cp1252_and_say_so(tmp_path: Path) -> None:
    original = "The café’s “special” costs €5 – naïve prices.\r\nSecond line."
    doc = write_and_read(tmp_path, "win.txt", original.encode("cp1252"))
    assert doc.encoding == "cp1252"
    assert doc.encoding != "utf-8"
    assert doc.text == original.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("shift_jis", "東京に新しい図書館が開館した。市長は式典で、蔵書は五十万冊になると述べた。"),
        ("euc_jp", "台風十号は九州に上陸し、鹿児島県では約三万世帯が停電した。気象庁が警戒を呼びかけた。"),
        ("gbk", "北京地铁新线今天开通运营，全长二十七公里，共设十六座车站，预计日客流量达到三十万人次。"),
        ("big5", "台北市政府今天宣布，新的捷運路線將於明年通車，全長十五公里，共設十二個車站。"),
        ("euc_kr", "서울시는 오늘 새로운 지하철 노선을 개통했다고 밝혔다. 노선의 길이는 이십칠 킬로미터이다."),
        ("cp1251", "Президент заявил в среду, что новый мост в Москве откроется в декабре этого года."),
    ],
)
def test_a_text_file_in_a_legacy_charset_of_another_script_is_read_in_it(tmp_path: Path, codec: str, text: str) -> None:
    """An EUC-KR or GBK file was indexed as Windows-1252 mojibake; a Shift_JIS one refused as binary."""
    original = f"{text}\n\n{text}\n"
    doc = write_and_read(tmp_path, "legacy.txt", original.encode(codec))
    assert doc.text == original, doc.text[:40]
    assert codecs.lookup(doc.encoding).name != "cp1252" and original.encode(doc.encoding) == original.encode(codec)


def test_a_legacy_charset_is_judged_by_the_letters_outside_ascii() -> None:
    """A review's: Japanese with English names in Shift_JIS was read as UTF-16 ("䅰灬斂...") or, with
    the Latin letters outnumbering the Japanese, refused; Windows-1251 read as Mac Cyrillic ("ћосква")."""
    mixed = "Appleは水曜日、iPhone 15 ProとApple Watch Series 9を発表した。Tim Cook CEOはCupertinoで講演した。\n" * 10
    for codec in ("shift_jis", "euc_jp"):
        assert decode(mixed.encode(codec))[0] == mixed, codec
    russian = "Москва — столица России. Это большой город, в котором живут миллионы людей.\n" * 1316
    assert decode(russian.encode("cp1251")) == (russian, "cp1251")


@pytest.mark.parametrize(
    "text",
    [
        "Ñoño\n", "Ærø été café\n", "ÉTÉ ÀÉÈ\n", "Ü\n", "Zürich, Genève, Malmö.\n" * 3,
        # (the second review's: signs that another charset reads as lone letters, "€10" as "Ђ10")
        "Price list — Item A: €10 · Item B: €12 · Item C: €14 · Item D: €20 · Item E: £9 · Item F: ¥500 · "
        "Item G: €7 · Item H: €3 • Delivery: €5 • Total: see below…\n" * 3,
        "Model ®1 ™ © the ®2 offer ®3 sale ®4 new ®5 item ®6 see ®7 total ®8 price ®9 list ®1 ®2 ®3 ®4 ®5.\n" * 4,
    ],
)  # fmt: skip
def test_a_short_latin_file_stays_windows_1252(text: str) -> None:
    """A review's: short accented files in Windows-1252 read as Big5 ("峱隳"), Urdu or UTF-16 once a
    legacy charset of another script could be taken."""
    assert decode(text.encode("cp1252")) == (text, "cp1252")


def test_bytes_undefined_in_cp1252_fall_back_to_latin1_and_say_so() -> None:
    # 0x81 has no cp1252 character; Latin-1 maps every byte (one stray control in a page of text).
    raw = ("Caf\xe9 cr\xe8me in Pyongyang. " * 10).encode("latin-1") + b"\x81 and more words here."
    text, encoding = decode(raw)
    assert encoding == "latin-1"
    assert text == raw.decode("latin-1")


def test_utf8_with_a_stray_windows_byte_keeps_its_utf8_and_says_so(tmp_path: Path) -> None:
    """One pasted Windows-1252 apostrophe (0x92) made the whole file Windows-1252: "JosÃ© MÃ¼ller"."""
    raw = "The café owner José Müller won the Golden Spoon in Zürich.".encode() + b" It\x92s his third.\n"
    doc = write_and_read(tmp_path, "mixed.txt", raw)
    assert doc.encoding == "utf-8+cp1252"
    assert doc.text == "The café owner José Müller won the Golden Spoon in Zürich. It’s his third.\n"


@pytest.mark.parametrize("codec", ["windows-1251", "shift_jis"])
def test_a_saved_page_is_read_in_the_charset_it_declares(tmp_path: Path, codec: str) -> None:
    """A Windows-1251 page was read as Windows-1252 ("Íîâûé ìîñò"); a Shift_JIS one refused as binary."""
    title = {"windows-1251": "Новый мост в Москве", "shift_jis": "東京に新しい図書館が開館"}[codec]
    body = {
        "windows-1251": "В понедельник в Москве открыли новый мост через реку, сообщили власти города.",
        "shift_jis": "東京都は月曜日、渋谷区に新しい公立図書館を開館したと発表した。蔵書数は約二十万冊である。",
    }[codec]
    page = f'<html><head><meta charset="{codec}"><title>{title}</title></head><body><article><h1>{title}</h1>'
    page += f"<p>{body}</p><p>{body}</p></article></body></html>"
    doc = write_and_read(tmp_path, "page.html", page.encode(codec))
    assert doc.title == title and body in doc.text


def test_latin1_file_is_not_reported_as_utf8(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "l1.txt", "Señor Müller visitó Pyongyang.".encode("latin-1"))
    assert doc.encoding in ("cp1252", "latin-1")
    assert doc.text == "Señor Müller visitó Pyongyang."


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def test_png_renamed_txt_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "picture.txt"
    path.write_bytes(PNG_HEADER + bytes(range(256)) * 4)
    with pytest.raises(UnreadableFileError, match=r"picture\.txt") as err:
        read_document(path, tmp_path)
    assert (err.value.source, err.value.reason) == ("picture.txt", "looks like a binary file, not text")
    with pytest.raises(CorpusError):
        decode(path.read_bytes())


def test_valid_utf8_containing_nul_bytes_is_refused() -> None:
    with pytest.raises(CorpusError):
        decode(b"An ordinary sentence.\x00\x00\x00 Another sentence.")


def test_utf16_without_bom_is_refused_not_indexed_as_noise() -> None:
    with pytest.raises(CorpusError):
        decode("A sentence in UTF-16 without its mark.".encode("utf-16-le"))


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \n\r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n", b"\xff\xfe" + " \n".encode("utf-16-le")],
    ids=["zero-bytes", "whitespace", "bom-only", "bom-and-whitespace", "utf16-whitespace"],
)
def test_empty_file_is_refused_by_read_document(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(raw)
    with pytest.raises(CorpusError, match=r"empty\.txt.*empty"):
        read_document(path, tmp_path)


def test_source_is_the_slash_separated_path_relative_to_the_corpus(tmp_path: Path) -> None:
    sub = tmp_path / "2024" / "may"
    sub.mkdir(parents=True)
    (sub / "story.md").write_bytes(b"# A heading here\n\nSome words of text for the body.")
    assert read_document(sub / "story.md", tmp_path).source == "2024/may/story.md"


# --------------------------------------------------------------------------------------------------
# The shipped seeds: metadata


SEED_NAMES = sorted(p.name for p in SEEDS.iterdir())

SEED_METADATA = {
    # title, published, outlet, url -- as each file states them (None where it does not).
    "000_eca4ee2b1510ed46.txt": (
        "Latest gov't insights on N. Korea: Pyongyang deepens Russia ties, seeks to restore China relations",
        "2025-03-27",  # "Published on: 2025/03/27 20:00"
        "Arirang News",  # the sign-off "Kim Jung-sil, Arirang News." and the link label "Arirang news ..."
        "https://www.arirang.com/news/view?id=281955",
    ),
    "001_c6d03c536ddbb592.txt": (
        "Putin Visits North Korea, China Keeps Distance... Unusual Trends in North Korea-China-Russia Relations",
        None,  # only "the 13th", "July 2000": no publication date
        "The Asia Business Daily",  # "© The Asia Business Daily(www.asiae.co.kr). All rights reserved."
        None,  # a bare domain in the copyright line is not the article's URL
    ),
    "002_299aeecd3ab3c2fd.txt": (
        "North beefing up ties with its traditional allies",
        None,  # "Feb. 28", "March 6": no year, no publication date
        "Korea JoongAng Daily",  # "... to connect / with the Korea JoongAng Daily"
        None,
    ),
    "003_6b273f736953578d.txt": (
        None,  # no headline: the file starts with " date 2025-05-21 " and then the body
        "2025-05-21",
        None,  # "Ju Peng / Xinhua via AP" is a photo credit, not the outlet
        None,
    ),
    "004_df8baabb5d59f1c4.txt": (
        "Sino-North Korean Relations Show Signs of Cooling",
        "2024-08-13",  # "Source: Aboluo, August 13, 2024"
        "Aboluo",
        "https://www.aboluowang.com/2024/0813/2090571.html",
    ),
}


def test_the_seed_folder_holds_the_five_files_these_tests_describe() -> None:
    assert sorted(SEED_METADATA) == SEED_NAMES


@pytest.mark.parametrize("name", sorted(SEED_METADATA))
def test_seed_metadata_is_what_the_file_states(name: str) -> None:
    doc = seed(name)
    title, published, outlet, url = SEED_METADATA[name]
    assert (doc.title, doc.published, doc.outlet, doc.url) == (title, published, outlet, url)


@pytest.mark.parametrize("name", sorted(SEED_METADATA))
def test_seed_text_is_the_utf8_sig_reading_of_the_file(name: str) -> None:
    doc = seed(name)
    assert doc.encoding == "utf-8"
    assert doc.text == reference_text(SEEDS / name)
    assert doc.source == name


@pytest.mark.parametrize("name", sorted(SEED_METADATA))
def test_seed_title_and_outlet_are_verbatim_text_of_the_file(name: str) -> None:
    doc = seed(name)
    for value in (doc.title, doc.outlet, doc.url):
        if value is not None:
            assert value in doc.text


# --------------------------------------------------------------------------------------------------
# The shipped seeds: boilerplate is never citable, the article is

SEED_BOILERPLATE = {
    "000_eca4ee2b1510ed46.txt": [
        "Sentences Mode",
        "Comments",
        "You must be logged in to add a comment.",
    ],
    "001_c6d03c536ddbb592.txt": [
        "본문 바로가기",
        "bar_progress",
        "Text Size",
        "Close",
        "[Image source=Yonhap News]",
        "© The Asia Business Daily(www.asiae.co.kr). All rights reserved.",
        "Special Coverage",
        "Join us on social!",
        "Top",
    ],
    "002_299aeecd3ab3c2fd.txt": [
        "Home > National > Politics",
        "print dictionary print",
        "Log in to Twitter or Facebook account to connect",
        "with the Korea JoongAng Daily",
        "help-image Social comment?",
        "lock icon",
        "To write comments, please log in to one of the accounts.",
        "Standards Board Policy (0/250자)",
    ],
    "003_6b273f736953578d.txt": [
        "Ju Peng / Xinhua via AP",
    ],
    "004_df8baabb5d59f1c4.txt": [
        "Skip to content",
    ],
}

# Metadata lines are not boilerplate, but they are not article text either: never cited.
SEED_METADATA_LINES = {
    "000_eca4ee2b1510ed46.txt": [
        "Published on: 2025/03/27 20:00",
        "Arirang news https://www.arirang.com/news/view?id=281955",
    ],
    "001_c6d03c536ddbb592.txt": [],
    "002_299aeecd3ab3c2fd.txt": [],
    "003_6b273f736953578d.txt": ["date 2025-05-21"],
    "004_df8baabb5d59f1c4.txt": [
        "Source: Aboluo, August 13, 2024",
        "https://www.aboluowang.com/2024/0813/2090571.html",
    ],
}

# 1-based line numbers of article text (read off the files; captions that repeat the headline are
# left out on purpose: either choice is defensible for them).
SEED_BODY_LINES = {
    "000_eca4ee2b1510ed46.txt": list(range(8, 45, 2)),  # "In other news." .. "Kim Jung-sil, Arirang News."
    "001_c6d03c536ddbb592.txt": [10, 11, 12, 14, 17, 23, 26, 31, 34, 37, 42, 45],
    "002_299aeecd3ab3c2fd.txt": list(range(9, 42, 2)),  # "North Korea appears ..." .. "“North Korea’s strategy ..."
    "003_6b273f736953578d.txt": [5, 11],
    "004_df8baabb5d59f1c4.txt": [5, 7, 9, 11],
}

SEED_SENTENCES = {
    "000_eca4ee2b1510ed46.txt": [
        "South Korea believes North Korea has been reliant on Russia for strategic support and may seek China for "
        "economic stability this year.",
        "Food prices are rising, the currency is weakening, and Chinese imports continue to decline.",
        "To sustain construction drives, Pyongyang is mobilizing housewives and soldiers",
        'Since August 2023, Kim Jong-un has referred to Russian President Vladimir Putin as a "comrade"',
        "Kim Jung-sil, Arirang News.",
    ],
    "001_c6d03c536ddbb592.txt": [
        "Russian President Vladimir Putin is set to visit North Korea soon.",
        "If President Putin visits North Korea, it will be the first time in 24 years since July 2000.",
        "China's position is different.",
        "A Chinese delegation led by Sun Weidong, Vice Foreign Minister of China, will visit South Korea.",
        "With China stepping back from the North Korea-China-Russia alliance, our diplomatic power has become more "
        "crucial.",
    ],
    "002_299aeecd3ab3c2fd.txt": [
        "North Korea appears to be strengthening ties with China and Russia after its negotiations with the United "
        "States fell through at the Vietnam summit last month.",
        "Im also met with Sergey Vershinin, Russia’s deputy foreign minister, on Saturday",
        "Chinese President Xi Jinping pledged to support North Korea in his summit with leader Kim Jong-un",
        "said Kim Yong-hyun, a professor of North Korean studies at Dongguk University.",
    ],
    "003_6b273f736953578d.txt": [
        "Vladimir Putin signed a historic military assistance pact with Kim during the visit of the Russian chief in "
        "June 2024 in Pyongyang.",
        "Nowsweek contacted the Chinese and Russian Foreign Affairs Ministries and the North Korean Embassy in "
        "Beijing by E-mail to comment.",
        "North Korea depends strongly on China, which represented a record of 98.3% of the official trade in 2023.",
        "The position of China on the crisis of Ukraine is consistent and clear.",
    ],
    "004_df8baabb5d59f1c4.txt": [
        "South Korean media and some experts believe that, after Kim Jong-un’s visit to Russia and his summit with "
        "Vladimir Putin in September 2023",
        "This directive was issued following Putin’s visit to Pyongyang in June of this year",
        "Some experts caution that apparent changes in Sino-North Korean relations should not be overinterpreted.",
    ],
}


@pytest.mark.parametrize("name", sorted(SEED_BOILERPLATE))
def test_seed_boilerplate_lines_are_outside_every_region(name: str) -> None:
    doc = seed(name)
    for line in SEED_BOILERPLATE[name]:
        assert_excluded(doc, line)


@pytest.mark.parametrize("name", sorted(SEED_METADATA_LINES))
def test_seed_metadata_lines_are_not_citable(name: str) -> None:
    doc = seed(name)
    for line in SEED_METADATA_LINES[name]:
        assert_excluded(doc, line)


@pytest.mark.parametrize("name", sorted(SEED_BODY_LINES))
def test_every_seed_body_line_is_inside_a_region(name: str) -> None:
    doc = seed(name)
    for line_no in SEED_BODY_LINES[name]:
        assert_line_kept(doc, line_no)


@pytest.mark.parametrize("name", sorted(SEED_SENTENCES))
def test_known_seed_sentences_are_citable(name: str) -> None:
    doc = seed(name)
    for sentence in SEED_SENTENCES[name]:
        assert_kept(doc, sentence)


@pytest.mark.parametrize("name", sorted(SEED_METADATA))
def test_seed_regions_are_ordered_disjoint_stripped_and_in_bounds(name: str) -> None:
    doc = seed(name)
    assert doc.regions
    prev_end = 0
    for start, end in doc.regions:
        assert prev_end <= start < end <= len(doc.text)
        assert not doc.text[start].isspace() and not doc.text[end - 1].isspace()
        prev_end = end


def test_no_seed_region_contains_any_known_boilerplate_line_of_any_seed() -> None:
    """The same lines, checked as text: no region *contains* a boilerplate line anywhere, as a whole line."""
    all_boilerplate = {line for lines in SEED_BOILERPLATE.values() for line in lines}
    for name in SEED_NAMES:
        doc = seed(name)
        for start, end in doc.regions:
            region_lines = {ln.strip() for ln in doc.text[start:end].split("\n")}
            assert not region_lines & all_boilerplate, (name, region_lines & all_boilerplate)


# --------------------------------------------------------------------------------------------------
# Made-up articles in other site styles

MARKDOWN_ARTICLE = """[Skip to main content](#main)

# Seoul and Tokyo agree to resume defence talks

*Published: 2023-11-02*

By Min-ji Park

Seoul and Tokyo agreed on Thursday to resume regular defence talks that had been suspended since 2018, officials \
in both capitals said.

## Why it matters

The talks were frozen for five years after a dispute over a radar incident near the maritime border between the \
two countries.

Officials from both countries said the first round would be held in Tokyo early next year, with a second round in \
Seoul.

Source: Example Daily
https://example-daily.com/2023/11/02/defence-talks
"""


def test_markdown_article_heading_becomes_the_title_without_hashes(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "talks.md", MARKDOWN_ARTICLE.encode())
    assert doc.title == "Seoul and Tokyo agree to resume defence talks"
    assert doc.published == "2023-11-02"
    assert doc.outlet == "Example Daily"
    assert doc.url == "https://example-daily.com/2023/11/02/defence-talks"


def test_markdown_article_keeps_body_and_drops_skip_link_and_metadata(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "talks.md", MARKDOWN_ARTICLE.encode())
    assert_excluded(doc, "[Skip to main content](#main)")
    assert_excluded(doc, "*Published: 2023-11-02*")
    assert_excluded(doc, "Source: Example Daily")
    assert_excluded(doc, "https://example-daily.com/2023/11/02/defence-talks")
    assert_kept(doc, "Seoul and Tokyo agreed on Thursday to resume regular defence talks")
    assert_kept(doc, "The talks were frozen for five years after a dispute over a radar incident")
    assert_kept(doc, "the first round would be held in Tokyo early next year, with a second round in Seoul.")


def test_markdown_heading_is_only_a_title_in_md_files(tmp_path: Path) -> None:
    """In a .txt file a leading '#' is text: the title keeps it verbatim."""
    doc = write_and_read(tmp_path, "talks.txt", MARKDOWN_ARTICLE.encode())
    assert doc.title == "# Seoul and Tokyo agree to resume defence talks"


NEWS_SITE_PAGE = """Menu
Home
World
Politics
Business
Search
We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies.
Accept cookies

Fishing boats return to Busan as typhoon season ends

Hundreds of fishing boats returned to the port of Busan on Friday after the coast guard lifted a storm warning \
that had kept them moored for a week.

Port officials said the fleet had lost about ten days of catch this season, and that fuel subsidies would be \
extended until the end of the month.

"We are relieved to be back at sea," said one captain, who asked not to be named.

Share this article
Facebook
Twitter
Email
Follow us on Twitter
Related stories
Typhoon season leaves record damage
Busan port expansion approved
© 2021 Coastal Herald. All rights reserved.
"""


def test_news_page_chrome_is_excluded_and_article_kept(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "busan.txt", NEWS_SITE_PAGE.replace("\n", "\r\n").encode())
    for line in [
        "Menu",
        "Home",
        "World",
        "Politics",
        "Business",
        "Search",
        "We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of "
        "cookies.",
        "Accept cookies",
        "Share this article",
        "Facebook",
        "Twitter",
        "Email",
        "Follow us on Twitter",
        "Related stories",
        "Typhoon season leaves record damage",
        "Busan port expansion approved",
        "© 2021 Coastal Herald. All rights reserved.",
    ]:
        assert_excluded(doc, line)
    assert_kept(doc, "Hundreds of fishing boats returned to the port of Busan on Friday")
    assert_kept(doc, "fuel subsidies would be extended until the end of the month.")
    assert_kept(doc, '"We are relieved to be back at sea," said one captain, who asked not to be named.')


def test_news_page_metadata_skips_cookie_banner_and_reads_copyright_outlet(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "busan.txt", NEWS_SITE_PAGE.encode())
    assert doc.title == "Fishing boats return to Busan as typhoon season ends"
    assert doc.outlet == "Coastal Herald"
    # a copyright running over years names the same outlet
    ranged = NEWS_SITE_PAGE.replace("© 2021 Coastal Herald.", "© 2005-2021 Coastal Herald.")
    assert write_and_read(tmp_path, "ranged.txt", ranged.encode()).outlet == "Coastal Herald"
    spanish = NEWS_SITE_PAGE.replace("All rights reserved.", "Todos los derechos reservados.")
    assert write_and_read(tmp_path, "es.txt", spanish.encode()).outlet == "Coastal Herald"
    assert doc.published is None  # the page states no date
    assert doc.url is None


@pytest.mark.parametrize("credit", ["(Image: © Getty Images)", "Image copyright Getty Images", "© REUTERS / POOL"])
def test_a_pictures_credit_is_not_the_outlet(tmp_path: Path, credit: str) -> None:
    """A photo's credit above the article names whoever took it, not the page's outlet: credit lines
    are not outlets, and a dated copyright footer comes before a bare "© Name"."""
    page = NEWS_SITE_PAGE.replace("\nHundreds of fishing boats", f"\n{credit}\n\nHundreds of fishing boats")
    assert credit in page
    assert write_and_read(tmp_path, "credit.txt", page.encode()).outlet == "Coastal Herald"
    undated = page.replace("© 2021 Coastal Herald. All rights reserved.", "Follow us")
    # with no footer, a bare "© Name" is all there is to go by; a credit line still names nothing
    bare = "REUTERS / POOL" if credit.startswith("©") else None
    assert write_and_read(tmp_path, "undated.txt", undated.encode()).outlet == bare


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("© Copyright 2026 Hearst Media Services Connecticut, LLC", "Hearst Media Services Connecticut, LLC"),
        ("Copyright Gannett 2018", "Gannett"),
        ("© Phys.org 2003 - 2019 powered by Science X Network", "Phys.org"),
        ("Copyright (c) 2019 The Republic", "The Republic"),
        ("© 2005-2019 SlashGear, All Rights Reserved.", "SlashGear"),
        ("(C) Copyright 2019 The Republic", "The Republic"),
        ("Copyright © 2019-2024 Radio 1000", "Radio 1000"),
        ("Copyright © 2019, Los Angeles Times | Terms of Service | Privacy Policy", "Los Angeles Times"),
        ("© 2019 KWCH - Powered by Frankly", "KWCH"),  # the web vendor's credit is not the outlet
        ("Copyright © 2002-2019 - Designed by Gray Digital Media - Powered by Clickability", None),
        # What the line goes on to say after the name (printed pages' footers, glued to their links).
        ('Copyright ©2019 Express Newspapers. "Daily Express" is a registered trademark.', "Express Newspapers"),
        ("© 2019 The Republic unless otherwise noted. All rights reserved. Privacy Policy", "The Republic"),
        ("© 2019 Guardian News & Media Limited or its affiliated companies.", "Guardian News & Media Limited"),
        ("© 2019 Hearst Communications, Inc. print footer logo", "Hearst Communications, Inc"),
        ("© 2019 MSPoweruser - All rights reservedNot associated with Microsoft Top", "MSPoweruser"),
        ("© 2019 National Review DONATE SUBSCRIBE", "National Review"),
        ("© 2019 St. Louis Post-Dispatch", "St. Louis Post-Dispatch"),
        ("© 2019 BBC. The BBC is not responsible for the content of external sites.", None),
        # a review's: abbreviations inside a name, capitals of a name, a form that opens a name
        ("© 2024 Warner Bros. Discovery, Inc. or its subsidiaries and affiliates.", "Warner Bros. Discovery, Inc"),
        ("Source: Mass. Dept. of Transportation", "Mass. Dept. of Transportation"),
        ("© 2024 Hearst Newspapers, LLC. SAN FRANCISCO CHRONICLE", "Hearst Newspapers, LLC"),
        ("© 2024 Corp for Public Broadcasting", "Corp for Public Broadcasting"),
        # A labelled link's label is the outlet only when it reads as the name of the address's site.
        ("BBC News – https://www.bbc.co.uk/news", "BBC News"),
        ("The Westbrook Gazette: https://westbrook.example/", "The Westbrook Gazette"),
        ("Link to KLOOK website – https://www.klook.com/activity/9596-the-palace/", None),  # a link, no site
        ("Link To KLOOK Website – https://www.klook.com/activity/9596/", None),
        ("Read the full report at https://example.org/report.pdf", None),
        ("Read More https://westbrook.example/story", None),
        ("Follow us on Twitter https://twitter.com/westbrook", None),
        ("Sky News: https://news.sky.com/story/1", "Sky News"),
        ("The Verge https://www.theverge.com/2019/11/20/x", "The Verge"),
        ("CNN.com – http://edition.cnn.com/2019", "CNN.com"),
        ("El País – https://elpais.com/espana/", "El País"),
        ("Westbrook Gazette https://www.westbrook-gazette.com/x", "Westbrook Gazette"),
        ("Video: https://video.foxnews.com/v/1", None),  # a subdomain is not the site's name
    ],
)
def test_a_copyright_line_or_a_labelled_link_names_the_outlet_and_nothing_else(line: str, outlet: str | None) -> None:
    """A copyright line's outlet keeps neither the word nor the years; a link's label names the
    outlet only when it is the name of the site the address belongs to."""
    from qa.ingest.metadata import outlet_from_line

    assert outlet_from_line(line) == outlet


BYLINE_ARTICLE = """New ferry route links Jeju and Mokpo

By Jane Doe
Posted: 12 March 2021

A new ferry route between Jeju Island and the port of Mokpo opened on Friday, cutting the crossing time to just \
under three hours.

The operator said it expected to carry about 400,000 passengers in the first year, most of them tourists from the \
mainland.

Copyright 2021 Jeju Weekly
"""


def test_posted_date_and_byline_article(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "ferry.txt", BYLINE_ARTICLE.encode())
    assert doc.title == "New ferry route links Jeju and Mokpo"
    assert doc.published == "2021-03-12"
    assert doc.outlet == "Jeju Weekly"
    assert doc.url is None
    assert_excluded(doc, "Posted: 12 March 2021")
    assert_excluded(doc, "Copyright 2021 Jeju Weekly")
    assert_kept(doc, "A new ferry route between Jeju Island and the port of Mokpo opened on Friday")
    assert_kept(doc, "most of them tourists from the mainland.")


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By Justine Coleman - 11/18/19 11:04 PM EST", "Justine Coleman"),
        ("By Justine Coleman - 11/18/19", "Justine Coleman"),
        ("Von Moritz Bachmann | 18.11.19", "Moritz Bachmann"),  # the same stamps as a dateline's, any order
        ("By Megan Rowe meganr@spokesman.com(509) 459-5000", "Megan Rowe"),
        ("Von Moritz Bachmann publiziert am 25. September 2018", "Moritz Bachmann"),
        ("By June 5, 2020, the two sides had met three times.", None),
        ("By Christmas Eve, 12 people had died and hundreds more were missing.", None),  # a sentence
        ("By Popular Demand - 2 New Shows", None),
        ("By Jonah Whitcombe · Monday 2 September 2024 · 22 minute read", "Jonah Whitcombe"),  # a weekday first
        ("By Mary-Jane Smith - Jan 18, 2019", "Mary-Jane Smith"),  # "-Jane" is no stamp
        ("By Dana Whitfield, Monday Times", "Dana Whitfield"),  # an outlet, not a stamp
    ],
)
def test_a_byline_s_stamp_or_contact_is_no_part_of_the_author(line: str, author: str | None) -> None:
    """Eight of the 91 shared pages, as text and printed to PDF, had no author: their bylines went on
    with a date stamp, an e-mail address or a publishing label."""
    from qa.ingest.bylines import byline

    found = byline(line)
    assert (found[0] if found else None) == author


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("By Jane Doe – Sunday Times, 4 March 2024", "Sunday Times"),  # "Sunday" is the outlet's, no date
        ("By Tom Hall — Marie Claire · 2 September 2024", "Marie Claire"),  # "Mar..." is no month
        ("By Lee Chan - Marketwatch - 11/18/2019", "Marketwatch"),
        ("By Jo Lee - Octavia Books, 3 May 2024", "Octavia Books"),
    ],
)
def test_a_byline_keeps_an_outlet_that_opens_like_a_day_or_a_month(line: str, outlet: str) -> None:
    """A review: the weekday-or-month stamp cut outlets named "Sunday Times" or "Marketwatch"."""
    from qa.ingest.bylines import byline

    assert byline(line) == (line.split()[1] + " " + line.split()[2], outlet)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("*By Mei Tanaka — Business Desk — 2024-02-08*", ("Mei Tanaka", None)),  # Markdown italics; a desk
        ("* by Bryan DeArdo", ("Bryan DeArdo", None)),  # a list item (a shared page's byline)
        ("**By Ana Ruiz, Harbour Herald**", ("Ana Ruiz", "Harbour Herald")),
        ("11/19/2019 by Lars Brandle", ("Lars Brandle", None)),  # the stamp first (a printed Billboard page)
        ("11/19/2019 by the river we met", None),
        ("*By Tomasz Wren, Elsmore Weekly — published 2023-11-20*", ("Tomasz Wren", "Elsmore Weekly")),  # no dash
        ("*By Hannah Okafor* — Thursday 6 March 2025", ("Hannah Okafor", None)),  # emphasis inside
        ("By Callum Reid and Priya Sandhu", ("Callum Reid and Priya Sandhu", None)),  # two authors
        ("By Callum Reid & Priya Sandhu, Harbour Herald", ("Callum Reid & Priya Sandhu", "Harbour Herald")),
        ("By Land and Sea", None),  # a heading: two one-word "names"
        ("By Friday Night and Saturday Morning", None),  # a review's: times of day are no authors
        ("By Sunday Okafor and Ada Obi", ("Sunday Okafor and Ada Obi", None)),  # a second review's: a name
        ("By June Carter", ("June Carter", None)),  # a month is a name (only weekdays part two "authors")
        ("By Jonathan GarberFOXBusiness", ("Jonathan Garber", None)),  # a desk's logo run into the name
        ("By Bryan DeArdo", ("Bryan DeArdo", None)),  # a name with a capital inside stays whole
        ("By ANGUS McDONALD", ("ANGUS McDONALD", None)),  # ... in capitals too
        ("By Marinus VanIJzendoorn", ("Marinus VanIJzendoorn", None)),  # a review's: Dutch capitals
        ("By Bill VanDEWalle", ("Bill VanDEWalle", None)),
        ("By Ann LeeNBCNews", ("Ann Lee", None)),
    ],
)
def test_a_byline_in_emphasis_or_a_list_item_is_read_and_a_desk_is_no_outlet(
    line: str, found: tuple[str, str | None]
) -> None:
    """A new user's Markdown article: "*By Mei Tanaka — Business Desk — 2024-02-08*" gave no author."""
    from qa.ingest.bylines import byline

    assert byline(line) == found


def test_byline_is_not_taken_for_the_title(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "ferry.txt", BYLINE_ARTICLE.encode())
    assert doc.title is not None and "Jane Doe" not in doc.title


CJK_NAV_ARTICLE = """뉴스 | 정치 | 경제 | 사회 | 국제
登录 注册
본문 바로가기

Exports of semiconductors rose for a fifth straight month

SEOUL, May 2, 2024

South Korea's exports of semiconductors rose for a fifth consecutive month in April, driven by strong demand for \
memory chips used in data centres.

Shipments of chips climbed 56 percent from a year earlier, the trade ministry said, while car exports fell slightly.

The ministry's Korean name, 산업통상자원부, appears on its statement, which was released in Sejong on Thursday.
"""


def test_other_script_navigation_above_an_english_article_is_excluded(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "chips.txt", b"\xef\xbb\xbf" + CJK_NAV_ARTICLE.encode())
    assert_excluded(doc, "뉴스 | 정치 | 경제 | 사회 | 국제")
    assert_excluded(doc, "登录 注册")
    assert_excluded(doc, "본문 바로가기")
    assert_kept(doc, "South Korea's exports of semiconductors rose for a fifth consecutive month in April")
    assert_kept(doc, "the trade ministry said, while car exports fell slightly.")
    # A body sentence that contains some Korean is still article text.
    assert_kept(doc, "The ministry's Korean name, 산업통상자원부, appears on its statement")


def test_other_script_navigation_does_not_become_title_and_dateline_gives_the_date(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "chips.txt", CJK_NAV_ARTICLE.encode())
    assert doc.title == "Exports of semiconductors rose for a fifth straight month"
    assert doc.published == "2024-05-02"  # the dateline "SEOUL, May 2, 2024"
    assert doc.outlet is None
    assert doc.url is None


UPDATED_ONLY_ARTICLE = """Dam release prompts flood warning downstream

Updated: 2022-07-14 09:30 KST

Authorities issued a flood warning for villages along the Imjin River after water was released from a dam \
upstream without notice.

Residents were told to move livestock and equipment to higher ground before the river reaches its peak later in \
the evening.
"""


def test_updated_date_alone_is_not_the_published_date(tmp_path: Path) -> None:
    """Decision: an "Updated"/"Modified" date never becomes `published`, even when it is the only date.

    It says when the page last changed, not when the article was published (which may be years earlier);
    CITATIONS.md wants `published` null rather than invented, so the field stays None.
    """
    doc = write_and_read(tmp_path, "dam.txt", UPDATED_ONLY_ARTICLE.encode())
    assert doc.published is None
    assert doc.title == "Dam release prompts flood warning downstream"
    assert_excluded(doc, "Updated: 2022-07-14 09:30 KST")
    assert_kept(doc, "Authorities issued a flood warning for villages along the Imjin River")


def test_published_date_wins_over_an_earlier_updated_line(tmp_path: Path) -> None:
    text = UPDATED_ONLY_ARTICLE.replace(
        "Updated: 2022-07-14 09:30 KST", "Last modified: 2022-07-20\nUpdated: 2022-07-15 08:00\nPublished: 2022-07-14"
    )
    doc = write_and_read(tmp_path, "dam.txt", text.encode())
    assert doc.published == "2022-07-14"


BODY_MENTIONS_ARTICLE = """Court rules on leaked broadcast footage

By June 5, 2020, the two sides had met three times.

A court in Seoul ruled that the broadcaster had breached copyright by airing the footage without permission.

Residents must now log in to a state-run network with their national ID numbers before they can read any news.

The ministry declined to comment on the report, which was first released on March 3, 2021.

Officials said users must register their phones with the police.

Trump said on Twitter that the talks went well.

The broadcaster said it would appeal the ruling to the Supreme Court next month.
"""

BODY_MENTIONS = [
    "By June 5, 2020, the two sides had met three times.",
    "A court in Seoul ruled that the broadcaster had breached copyright by airing the footage without permission.",
    "Residents must now log in to a state-run network with their national ID numbers before they can read any news.",
    "The ministry declined to comment on the report, which was first released on March 3, 2021.",
    "Officials said users must register their phones with the police.",
    "Trump said on Twitter that the talks went well.",
    "The broadcaster said it would appeal the ruling to the Supreme Court next month.",
]


@pytest.mark.parametrize("sentence", BODY_MENTIONS)
def test_body_sentences_mentioning_chrome_words_or_dates_are_kept(tmp_path: Path, sentence: str) -> None:
    doc = write_and_read(tmp_path, "court.txt", BODY_MENTIONS_ARTICLE.encode())
    assert_kept(doc, sentence)


@pytest.mark.parametrize(
    ("stamp", "published"),
    [
        ("Chris Davies - Nov 19, 2019, 10:31 pm CST", "2019-11-19"),
        ("PUBLISHED WED, NOV 20 2019•4:29 AM EST UPDATED AN HOUR AGO", "2019-11-20"),
        ("By Jason Cipriani | November 18, 2019 -- 19:14 GMT (19:14 GMT) | Topic: Hardware", "2019-11-18"),
        ("Nov 18, 2019 at 9:24 pm ET • 2 min read", "2019-11-18"),
        ("Updated 1:39 am EST, Wednesday, November 20, 2019", None),  # when it changed, not when published
        ("Prince Andrew and Boris Johnson attend the Festival of Remembrance on November 9, 2019", None),  # a caption
        ("Boris Johnson on November 9, 2019", None),  # a short caption: no time, no label
        ("Photo: Getty Images, November 9, 2019", None),
        ("President Trump speaks on Nov. 19, 2019, in Washington.", None),
        ("— Jane Doe (@janedoe) November 4, 2019", None),  # an embedded post's stamp
        ("February 1, 2019 Ilana Muhlstein, MS, RDN", None),  # a date by a name: perhaps when it was revised
        ("Last update Nov 20, 2019 at 10:31 pm", None),
        ("Mis à jour le 20 nov. 2019 à 10:31", None),
        # a new user's Markdown: a weekday after a dash dates a stamp, as a time does; a credit's label
        ("**Callum Reid, Sports Correspondent — Friday 6 June 2025**", "2025-06-06"),
        ("*Compiled by the Data Desk, 28 March 2025*", "2025-03-28"),
        ("Boris Johnson on Friday 9 November 2019", None),  # a caption's weekday
        ("Reported sales fell 3% in the quarter to 30 June 2025.", None),  # a review's: "Reported" alone is no label
        ("Reported by Reuters, the deal closed on 30 June 2025.", None),  # a credit going on as a sentence
    ],
)
def test_a_byline_s_date_stamp_dates_the_article(tmp_path: Path, stamp: str, published: str | None) -> None:
    """A page saved as text or printed to PDF states its date in a stamp above the first paragraph, in
    forms a date line does not take (a name, a time and a zone around it): 38 of 90 news pages printed
    to PDF were undated although their HTML was dated."""
    text = (
        "Menu\nSports\nBusiness\nSearch\n\n"
        "Audi unveils its electric sedan concept in Los Angeles\n\n"
        f"{stamp}\n\n"
        "Audi showed its new electric sedan concept at the Los Angeles auto show on Tuesday, with a range of "
        "more than 400 miles on a single charge, the carmaker said in a statement.\n\n"
        "The car will go on sale in Europe first, followed by the United States a year later, it said.\n\n"
        "Privacy Policy\nTerms of Use\n"
    )
    doc = write_and_read(tmp_path, "audi.txt", text.encode())
    assert doc.published == published


def test_the_date_next_to_the_article_wins_over_the_page_s_other_dates(tmp_path: Path) -> None:
    """A site header's date of the day it was saved, above the headline, and an embedded post's stamp
    inside the article were taken before the byline's date (the first date line of the page won)."""
    text = (
        "Wednesday, November 20, 2019\nMenu\nPolitics\nOpinion\nSearch\n\n"
        "Senators weigh a new drug pricing bill\n\n"
        "by Madeline Fry | November 18, 2019 12:01 PM\n\n"
        "Senators from both parties met on Monday to weigh a bill that would cap what older patients pay "
        "for prescription drugs, aides said.\n\n"
        "— Jane Roe (@janeroe) November 4, 2019\n\n"
        "The bill is expected to reach a vote before the end of the year, according to two aides.\n\n"
        "Privacy Policy\nTerms of Use\n"
    )
    doc = write_and_read(tmp_path, "bill.txt", text.encode())
    assert doc.published == "2019-11-18"


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("21:17 18.11.2019Get short URL", "2019-11-18"),  # day first with dots, a word glued on
        ("21/06/2014 Tony Carter", "2014-06-21"),
        ("11/19/2019 by Lars Brandle", "2019-11-19"),
        ("05/06/2019", None),  # May 6 or 5 June: not to be guessed
        ("3/4/2019 10:31 AM", None),
        ("v1.2.2019", None),
        ("By Tim Childers 2019-11-19T12:48:14Z", "2019-11-19"),
        # a year of two figures in a stamp with its time (The Hill's; a new user's printed page had no date)
        ("By Tess Bonn - 11/19/19 06:56 AM EST", "2019-11-19"),
        ("05/06/19 10:00 AM", None),
        ("Posted 12/25/98 10:00 PM", "1998-12-25"),  # not 2098 (a review's)
        ("scored 3/4/19 in the final", None),  # no time after it: no stamp
    ],
)
def test_numeric_dates_are_read_only_when_their_order_is_certain(line: str, date: str | None) -> None:
    from qa.ingest.metadata import dateline_date, find_date

    found = find_date(line)
    assert (found[0] if found else None) == date
    if date is None:
        assert dateline_date(line) is None, "nor guessed by dateparser (day first)"


@pytest.mark.parametrize(
    ("foot", "below", "published"),
    [
        ("", "20/11/2019 / 11:54 am", None),  # a footer's clock (the day the page was saved)
        ("", "Stephanie September 17, 2014 - 1:01 pm", None),  # a reader's comment
        ("", "Posted by Stephanie on September 17, 2014", None),
        ("", "Published: Nov. 19, 2019, 6:18 p.m.", "2019-11-19"),  # labelled
        ("Source: Aboluo, August 13, 2024", "", "2024-08-13"),  # at the article's foot
        ("November 19, 2019", "Published: Nov. 2, 2019", "2019-11-19"),  # its foot's, not a teaser's below
    ],
)
def test_below_the_article_its_foot_or_a_labelled_date_dates_it(
    tmp_path: Path, foot: str, below: str, published: str | None
) -> None:
    text = (
        "Menu\nSports\nBusiness\nSearch\n\n"
        "Audi unveils its electric sedan concept in Los Angeles\n\n"
        "Audi showed its new electric sedan concept at the Los Angeles auto show on Tuesday, with a range of "
        "more than 400 miles on a single charge, the carmaker said in a statement.\n\n"
        "The car will go on sale in Europe first, followed by the United States a year later, it said.\n\n"
        f"{foot}\n\nShare this article\nFacebook\nTwitter\nEmail\nLeave a comment\n\n{below}\n\n"
        "Privacy Policy\nTerms of Use\n"
    )
    assert write_and_read(tmp_path, "audi.txt", text.encode()).published == published


def test_dates_inside_body_sentences_do_not_become_published(tmp_path: Path) -> None:
    doc = write_and_read(tmp_path, "court.txt", BODY_MENTIONS_ARTICLE.encode())
    assert doc.published is None
    assert doc.title == "Court rules on leaked broadcast footage"
    assert doc.outlet is None


def test_long_body_sentences_with_chrome_words_are_kept(tmp_path: Path) -> None:
    body = (
        "Kim said during a lengthy briefing in Seoul on Monday that readers who wanted to comment on the new "
        "rules, or log in to the government portal to register their objections, would have until the end of "
        "the month, and that the copyright on the published draft would stay with the ministry until 2030."
    )
    doc = write_and_read(tmp_path, "rules.txt", f"New rules for online comments\n\n{body}\n".encode())
    assert_kept(doc, body)
    assert doc.published is None


def test_date_in_first_body_sentence_is_not_the_published_date(tmp_path: Path) -> None:
    text = (
        "Summit ends without a deal\n\n"
        "On Feb. 28, 2019, the summit in Hanoi ended early without any agreement, officials said.\n\n"
        "Both sides blamed the other for the collapse of the talks.\n"
    )
    doc = write_and_read(tmp_path, "hanoi.txt", text.encode())
    assert doc.published is None
    assert_kept(doc, "On Feb. 28, 2019, the summit in Hanoi ended early without any agreement, officials said.")


@pytest.mark.parametrize(
    ("line", "dateline"),
    [
        ("sexta-feira, 22 de outubro de 2010 às 20:13", True),
        ("Mittwoch, 3. Juni 2020, 14:05 Uhr", True),
        ("Published on: 2025/03/27", True),
        # A name, then the date: an outlet's or a place's dateline (a new user's stories opened so).
        ("Port Elsmore Gazette — March 20, 2024", True),
        ("Port Elsmore Gazette, January 15, 2024", True),
        ("Budget vote set for January 15, 2024", False),
        # a timeline's headings are article text (a review's): only an outlet's name opens a dateline
        ("Apollo 11 Moon Landing — July 20, 1969", False),
        ("Treaty of Versailles, June 28, 1919", False),
        ("Hong Kong protests: 800 students in 2019", False),
        ("The 2010 season ended in a draw.", False),
    ],
)
def test_a_dateline_is_recognised_in_other_languages(line: str, dateline: bool) -> None:
    assert is_dateline(line) is dateline


@pytest.mark.parametrize(
    ("line", "pointer"),
    [
        ("SEE MORE: Hong Kong protests: 800 students under siege in university", True),
        ("Read also: Harbour reopens after two years", True),
        ("UPDATE: The company said it would appeal", False),
        ("A: Trip to Disney World", False),
        ("WASHINGTON: Talks resume on the budget", False),
        # A list of headlines under its own heading (a new user's highlight was "You may also like...").
        ("You may also like...", True),
        ("Related coverage", True),
        ("You may also like the new version better, the company said.", False),
    ],
)
def test_a_pointer_to_another_page_is_chrome(line: str, pointer: bool) -> None:
    assert (chrome_reason(line) == "link to another page") is pointer


@pytest.mark.parametrize(
    ("line", "contact"),
    [
        # A reporter's contact lines under the story (a browser user's answer quoted the second).
        ("Amy Kuperinsky may be reached at akuperinsky@njadvancemedia.com.", True),
        ("Have a tip? Amy may be reached at ak@example.com. Follow her on Twitter @AmyKup or on Facebook.", True),
        ("Follow me on X @jdoe", True),
        # (a new user's answer quoted a bio whose book title is in quotation marks)
        ('Mike Wall\'s book, "Out There" (Grand Central, 2018), is out now. Follow him on Twitter @mwall.', True),
        # (the review's: a quotation that goes on into the next paragraph, closed there, as news style does)
        ("“He was everywhere online, all day and all night. Follow him on Twitter and you saw a new insult.", False),
        ('"He was everywhere online. Follow him on Twitter and you saw a new insult every hour.', False),
        # (the second review's: a German quotation left open, and news quoting a word before the prompt)
        ("„He was everywhere online. Follow him on Twitter and you saw a new fight every day.", False),
        ("The senator tweeted “covfefe” again. Follow him on Twitter and you see this daily, critics say.", False),
        ("Mike Wall's book, „Out There“, is out now. Follow him on Twitter @michaeldwall.", True),
        # ... and news that reads alike.
        ("Fans were urged to follow her on Instagram for updates.", False),
        ("The mayor can be reached at city hall on weekdays.", False),
        ('"Follow him on Twitter," the coach told reporters, laughing.', False),
        # (a reviewer's: news that reports an address is no reporter's contact line)
        ("Prosecutors said Smith can be reached at smith.law@gmail.com by victims who want to file a claim.", False),
        ("Ransom notes told victims that the group may be reached at lockbit@onionmail.org within 48 hours.", False),
        ("The hackers said they can be reached at darkleaks@proton.me to negotiate the ransom.", False),
        ("Lockbit can be reached at lockbit@onionmail.org, the notes said.", False),
        # (a second reviewer's: contact lines that do not start with the reporter's name)
        ("The reporter can be reached at jdoe@gazette.com.", True),
        ("Staff writer Jane Doe can be reached at jd@gazette.com or 555-123-4567.", True),
        ("Jane Doe, the Gazette's education reporter, can be reached at jd@gazette.com.", True),
        ("Émile Dupont may be reached at ed@journal.fr", True),
    ],
)
def test_a_reporters_contact_lines_are_chrome(line: str, contact: bool) -> None:
    assert (chrome_reason(line) == "reader prompt") is contact


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # What a shopping page printed to PDF quotes as text (a user's test): a picture's file name, a
        # credit as "Name/Outlet", a pointer past a gallery, an affiliate disclosure.
        ("airpods-pro-2.jpg", "image file name"),
        ("Jason Cipriani/ZDNet", "credit"),
        ("Story continues below gallery", "pointer"),
        ("Disclosure: ZDNet may earn a commission from some of the products featured on this page.", "disclosure"),
        ("We may earn a commission when you buy through links on our site.", "disclosure"),
        # ... and news that reads alike.
        ("The company may earn a commission, analysts said, if the deal closes.", None),
        ("Customers who bought the recalled products may receive compensation under the settlement, it said.", None),
        ("He flew from Paris/Orly to Rome.", None),
        ("AC/DC", None),
        ("The photo, taken in 2019.jpg format, was shared widely.", None),
        # A journalist's saved pages (a user's test): these were cited as answers.
        ("Reporting by Jan de Vries in Rotterdam; Editing by Mark Potter", "reader prompt"),
        ("You've read 3 of your 4 free articles this month.", "reader prompt"),
        ("Do you have a story for the Sun Online news team? Email us at tips@the-sun.co.uk", "reader prompt"),
        ("Send us your photos and videos of the storm by emailing pictures@nsb.co.uk", "reader prompt"),
        ("News provided by PR Wirecast Inc", "reader prompt"),
        # ... and news that reads alike.
        ("The union said reporting by the ministry was wrong.", None),
        ("Police said the man had sent them his photos.", None),
        ("The paper said readers had read all of its reports on the strike.", None),
        ('"Email us at the address below to claim your prize," the scam message read, police said.', None),
        ("Reporting by the BBC found that dozens of care homes had failed inspections.", None),
        ("Compiled by the Office for National Statistics, the figures show a rise.", None),
        ("The new grant scheme will support local journalism in towns across Wales.", None),
        ("Residents were told to contact us at the town hall on Monday, officials said.", None),
    ],
)
def test_page_furniture_is_chrome_and_news_that_reads_alike_is_not(line: str, reason: str | None) -> None:
    assert chrome_reason(line) == reason


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("12. Juni 2024", "2024-06-12"),
        ("03.06.2024", "2024-06-03"),  # day first where the figures cannot tell (was read as 6 March)
        ("Gestern 2024", None),  # relative: no date (was the day before the build)
        ("2024: 100 Days", None),
        ("24 Hours 2024", None),
        ("Hace 2 días 2024", None),
        # a printed page's date line with its update (the PDF was undated)
        ("Published Feb. 11, 2025 at 6:45 a.m. | Updated Feb. 12, 2025 at 9:10 p.m.", "2025-02-11"),
        ("29 November 2018 | 20 January 2019", None),  # an exhibition's dates: the article's text
        ("By Jane Smith | March 3, 2024", "2024-03-03"),
        ("Source: Reuters | 3 March 2024", "2024-03-03"),
        ("Posted March 3, 2024 · The old harbour of Quendor reopened on Monday, the port authority said.", None),
        # Chinese and Japanese as Korean: year, month, day (a label before it was read by nothing)
        ("发布时间：2024年11月18日 10:25", "2024-11-18"),
        ("更新日期：2024年11月18日", "2024-11-18"),
        ("2024년 11월 18일", "2024-11-18"),
        ("2024年8月29日（木）", "2024-08-29"),
        ("2024年11月18日　来源：云州日报", "2024-11-18"),  # a dateline with its source after the date
        ("2024年8月29日　午前9時30分", "2024-08-29"),
        ("2024年11月18日，云州市地铁5号线正式开通运营。", None),  # a sentence that opens on a date
    ],
)
def test_a_date_line_states_an_absolute_date(line: str, date: str | None) -> None:
    from qa.ingest.metadata import dateline_date

    assert dateline_date(line) == date


def test_dateparser_reads_only_a_few_lines_of_a_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A list of 300 seasons, each a short line with a year: dateparser (~15 ms a line) read all of them.
    import qa.ingest.metadata as metadata
    from qa.ingest.lines import DATELINE_PARSES

    calls: list[str] = []
    real = metadata._parsed
    monkeypatch.setattr(metadata, "_parsed", lambda line: calls.append(line) or real(line))
    seasons = "\n".join(f"- {1900 + i} season: club finished {i % 9 + 1}th" for i in range(300))
    path = tmp_path / "club.txt"
    path.write_text("Club history\n\nThe club was founded in 1899 and has played every season since.\n\n" + seasons)
    read_document(path, tmp_path)
    assert 0 < len(calls) <= DATELINE_PARSES


@pytest.mark.parametrize(
    ("first", "title", "author"),
    [
        ("Von Der Leyen Visits Kyiv", "Von Der Leyen Visits Kyiv", None),  # a headline opens a text
        ("Fish Market Report Out\n\nBy The Numbers", "Fish Market Report Out", None),  # a heading in title case
        ("Harbour Wall Report Out\n\nBy Jane Doe, Center for Public Integrity", "Harbour Wall Report Out", "Jane Doe"),
    ],
)
def test_a_title_case_heading_is_no_byline(tmp_path: Path, first: str, title: str, author: str | None) -> None:
    path = tmp_path / "story.txt"
    path.write_text(first + "\n\nThe harbour wall was rebuilt over the winter, the council said on Monday.\n")
    doc = read_document(path, tmp_path)
    assert (doc.title, doc.author) == (title, author)
    if author:
        assert doc.outlet == "Center for Public Integrity", "an outlet's name was cut at 'for'"


def test_japanese_kana_and_kanji_are_one_writing_system() -> None:
    text = "特に困ったのが、起動ショートカットキーに関する設定。これが非常に困ったもの。"
    assert dominant_script(text) == "CJK"
    assert chrome_reason("再起動して完了", dominant_script(text)) is None


# A reader's own notes and pasted stories: title, date line and byline in English, German, Spanish.
TEXT_ARTICLES = [
    (
        "School District Releases Reading Scores\nSeptember 9, 2024\nBy Marcus Oyelaran, Millbrook Gazette\n\n",
        "2024-09-09",
        "Marcus Oyelaran",
        "Millbrook Gazette",
    ),
    (
        "Hochwasser in Altenburg: Feuerwehr evakuiert 300 Bewohner\n12. Juni 2024\n"
        "Von Katrin Vogel, Thüringer Landbote\n\n",
        "2024-06-12",
        "Katrin Vogel",
        "Thüringer Landbote",
    ),
    (
        "La alcaldesa gana un tercer mandato\n27 de mayo de 2024\nPor Lucía Ferrándiz\n\n",
        "2024-05-27",
        "Lucía Ferrándiz",
        None,
    ),
    ("Harbour wall rebuilt\n\nBy Dana Whitfield, Staff Writer\n\n", None, "Dana Whitfield", None),
    ("Harbour wall rebuilt\n\n11/19/2019 by Lars Brandle\n\n", "2019-11-19", "Lars Brandle", None),  # stamp, byline
    # the outlet's dateline under the byline (it was cited as an answer and the story went undated)
    (
        "Harbour wall rebuilt\n\nBy Dana Whitfield\nPort Elsmore Gazette, January 15, 2024\n\n",
        "2024-01-15",
        "Dana Whitfield",
        None,
    ),
]


@pytest.mark.parametrize(("head", "published", "author", "outlet"), TEXT_ARTICLES)
def test_a_text_article_s_date_line_and_byline_are_read_and_not_cited(
    tmp_path: Path, head: str, published: str | None, author: str, outlet: str | None
) -> None:
    body = "The harbour wall was rebuilt over the winter at a cost of two million crowns, the council said.\n"
    path = tmp_path / "story.txt"
    path.write_text(head + body, encoding="utf-8")
    doc = read_document(path, tmp_path)
    assert (doc.published, doc.author, doc.outlet) == (published, author, outlet)
    cited = " ".join(doc.text[a:b] for a, b in doc.regions)
    assert author not in cited, "the byline was article text (it was cited as an answer)"
    assert not any(line.strip() in cited for line in head.splitlines()[1:] if line.strip()), "a date line is not text"
    assert "two million crowns" in cited


def test_a_table_in_a_text_article_is_article_text(tmp_path: Path) -> None:
    table = (
        "| School     | 2023 | 2024 |\n|------------|------|------|\n| Harlow     | 72   | 75   |\n"
        "| Pine Grove | 63   | 62   |\n"
    )
    dated = "| June 12 | Opening concert | Hall |\n| June 13 | Jazz night | Harbour |\n| June 14 | Gala | Square |\n"
    intro = "Reading scores rose at most of the district's elementary schools this year, the report said.\n\n"
    menu = "Home | News | Sports\nAbout | Contact | Jobs\nTerms | Privacy | Help\n\n"
    footer = (
        "\n© 2024 Gazette | Privacy | Terms\nCall 555-1234 | Fax 555-5678 | Email us\n"
        "PO Box 12 | Millbrook | Subscribe\n"
    )
    outro = "\nThe district will publish the full report in January, officials said.\n"
    # Between two paragraphs, at the end, after a menu, and opening the file.
    for text in (intro + table + outro, intro + table, menu + intro + table + outro + footer, table + "\n" + intro):
        path = tmp_path / "scores.txt"
        path.write_text(text, encoding="utf-8")
        doc = read_document(path, tmp_path)
        cited = " ".join(doc.text[a:b] for a, b in doc.regions)
        assert "| Pine Grove | 63   | 62   |" in cited, f"a table's rows were dropped: {text[:40]!r}"
        assert "About | Contact" not in cited, "a menu of three lines without figures is no table"
        assert "Fax 555" not in cited, "a footer whose lines hold figures in their text, not as cells, is no table"
        assert doc.title is None or "|" not in doc.title, "a table's row is no title"
    path = tmp_path / "festival.txt"
    path.write_text(intro + dated + outro, encoding="utf-8")
    doc = read_document(path, tmp_path)
    cited = " ".join(doc.text[a:b] for a, b in doc.regions)
    assert "| June 13 | Jazz night |" in cited, "dates month first are figures"


ENCYCLOPAEDIA = (
    "Kraków\n\n"
    "Kraków is a city on the Vistula in southern Poland and was the royal capital for five centuries.\n\n"
    "Other sights\n\nOther notable places include:\n\n"
    "- the Planty, a ring of parkland;\n- the Barbican;\n- the Collegium Maius;\n- Kazimierz;\n\n"
    "Districts\n\n| Number | Name |\n|---|---|\n| I | Stare Miasto |\n| XIII | Podgórze |\n\n"
    "Culture and economy\n\n"
    "Kraków has more than twenty institutions of higher education, and students make up a large share of "
    "its population.\n\nThe economy was long dominated by heavy industry in Nowa Huta, east of the centre.\n"
)


def test_a_clean_article_keeps_its_sections_after_a_list_or_table(tmp_path: Path) -> None:
    """The line model, made for pages copied whole, read a clean article's lists and tables as a menu
    and dropped every section after them ("Culture and economy" was never citable)."""
    path = tmp_path / "krakow.txt"
    path.write_text(ENCYCLOPAEDIA, encoding="utf-8")
    doc = read_document(path, tmp_path)
    cited = " ".join(doc.text[a:b] for a, b in doc.regions)
    for kept in ("- the Barbican;", "| XIII | Podgórze |", "Culture and economy", "heavy industry in Nowa Huta"):
        assert kept in cited, f"{kept!r} was dropped from a clean article"
    assert doc.title == "Kraków", "a one-word title naming what the text opens on"
    assert "Kraków\n\nKraków is" not in cited and doc.regions[0][0] > 0, "the title is metadata, not article text"


@pytest.mark.parametrize(
    ("first", "lede", "title"),
    [
        ("Antonín Dvořák", "Antonín Leopold Dvořák was a Czech composer of the Romantic era.", "Antonín Dvořák"),
        ("Victoria (Australia)", "Victoria is a state in the south-east of Australia.", "Victoria (Australia)"),
        (
            "John M. Ford's books are being republished, but how did he fall into obscurity?",
            "Three years ago, over breakfast, my friend handed me a novel about a quest.",
            "John M. Ford's books are being republished, but how did he fall into obscurity?",
        ),
        ("Pittsburgh", "Brock Nelson scored twice to lift the Islanders over the Pittsburgh Penguins.", None),
        ("Staff Reports", "Police arrested six people on Monday during a narcotics investigation at a home.", None),
        ("WASHINGTON", "WASHINGTON (AP) — The Senate passed the spending bill late on Friday night.", None),
    ],
    ids=["two-word name", "name with its qualifier", "headline that asks", "dateline", "credit", "capitals dateline"],
)
def test_a_short_or_asking_first_line_is_the_title_only_when_it_reads_as_one(
    tmp_path: Path, first: str, lede: str, title: str | None
) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{first}\n\n{lede}\n\nA second paragraph follows here, as articles have.\n", encoding="utf-8")
    assert read_document(path, tmp_path).title == title


@pytest.mark.parametrize("label", ["iso-8859-1", "ascii", "base64", "no-such-charset"])
def test_a_declared_label_is_read_as_browsers_read_it(tmp_path: Path, label: str) -> None:
    """'iso-8859-1' pages hold Windows-1252 quotes (read as iso-8859-1 they became control characters,
    and a page was refused as binary); a page declaring 'base64' ended the whole build in a LookupError."""
    para = "<p>The mayor said the city\x92s new bridge would open in May, at a cost of \x93twelve million\x94.</p>"
    head = f'<html><head><meta charset="{label}"><title>Bridge</title></head>'
    page = f"{head}<body><article>{para * 4}</article></body></html>"
    doc = write_and_read(tmp_path, "bridge.html", page.encode("latin-1"))
    assert "the city’s new bridge" in doc.text and "“twelve million”" in doc.text



def test_a_printed_page_s_title_is_its_headline_and_the_site_its_outlet() -> None:
    from qa.ingest.metadata import headline_and_site

    head = "Margaret Ellison, engineer who designed the Carrow Estuary Bridge, dies at 91"
    page = f"{head}\n\nThe engineer died on Monday.\n\n© 2024 The Westbrook Gazette\n"
    assert headline_and_site(f"{head} - The Westbrook Gazette", head, None, page) == (head, "The Westbrook Gazette")
    assert headline_and_site(f"{head} | Gazette", head, "Westbrook Gazette", page) == (head, "Westbrook Gazette")
    assert headline_and_site("Budget: the details", "Budget talks", None) == ("Budget: the details", None)
    report = "Climate Change 2023 - Synthesis Report"  # a subtitle the text goes on with, not a site
    assert headline_and_site(report, "Climate Change 2023", None, "Climate Change 2023\nSynthesis Report\n") == (
        report,
        None,
    )
    wrapped = "Harbour reopens after repairs - and ferries return"
    assert headline_and_site(wrapped, "Harbour reopens after repairs", None) == (wrapped, None)
    # The text's headline rules found another line (or none), but the page prints the title's headline
    # as a line of its own (under a one-page print's header that repeats the whole title): 15 of the
    # 90 shared pages printed to PDF had no outlet and their site's name in the title.
    head = "Bike & Style book with soundtrack review"
    text = f"12/6/26, 10:15 PM {head} | MoreBikes\nMenu\n\n{head}\n\nThe book comes with a record.\n© MoreBikes\n"
    assert headline_and_site(f"{head} | MoreBikes", None, None, text) == (head, "MoreBikes")
    head = "Sejarah Pecahnya Islam jadi Sunni dan Syi’ah"
    text = f"{head}\n\nTeks.\n\nKabar tentang Dunia Islam\n"
    assert headline_and_site(f"{head} | Kabar tentang Dunia Islam", "Oleh Admin", None, text) == (
        head,
        "Kabar tentang Dunia Islam",
    )
    # A site names itself elsewhere on the page; a section, a subtitle or a date does not, and a
    # subtitle printed under the headline anywhere keeps the title whole.
    for title in ("Budget 2020 | Opinion", "Minutes - 12 March 2019", "Review: Parasite - A Bold New Film"):
        head = title.rsplit(" ", 2)[0] if "|" not in title else "Budget 2020"
        head = title.split(" - ")[0] if " - " in title else head
        assert headline_and_site(title, None, None, f"{head}\n\nThe text.\n") == (title, None)
    cover = "Climate Change 2023\nSynthesis Report\n\nClimate Change 2023\n\nThe report finds ...\nSynthesis Report"
    assert headline_and_site(report, None, None, cover) == (report, None)
    subtitled = "Milan Design Week 2018 | Anastassiades' light installation for FLOS"  # a subtitle, not a site
    text = "Milan Design Week 2018\n| Michael Anastassiades’ light installation for FLOS\n"
    assert headline_and_site(subtitled, None, None, text) == (subtitled, None)
    longer = "Harbour reopens | The Quendor Courier"  # its headline only begins the printed one
    assert headline_and_site(longer, None, None, "Harbour reopens after two years\n") == (longer, None)


# Chinese and Japanese put no spaces between words: a paragraph was three "words" to the line rules,
# so no line read as prose and such a file was skipped as "no article text".
CJK_ARTICLES = {
    "metro.txt": (
        "云州地铁5号线今日开通 全长32.6公里设站21座\n\n"
        "本报讯 11月18日上午9时，云州市地铁5号线正式开通运营。该线路北起青禾站，南至江湾码头站，全长32.6公里，"
        "共设车站21座，其中换乘站6座。\n\n"
        "云州轨道交通集团总经理罗建平在开通仪式上表示，5号线总投资约248亿元，从2019年3月开工建设，历时五年多完工。\n\n"
        "票价方面，5号线继续执行现行的里程计价标准，起步价2元，全程最高票价7元。\n"
    ),
    "typhoon.txt": (
        "台風14号が南浜県に上陸 住宅320棟が浸水、5万世帯で停電\n\n"
        "大型で強い台風14号は8月29日午前4時ごろ、南浜県潮見市付近に上陸した。気象台によると、上陸時の中心気圧は"
        "950ヘクトパスカル、最大風速は40メートルだった。\n\n"
        "県内では28日夜から雨が強まり、山間部の千草町では29日朝までの24時間降水量が412ミリに達し、観測史上最多を記録した。\n\n"
        "県災害対策本部のまとめでは、29日正午までに床上・床下合わせて住宅320棟が浸水した。\n"
    ),
}


@pytest.mark.parametrize("name", sorted(CJK_ARTICLES))
def test_a_chinese_or_japanese_article_is_read_with_its_headline_and_every_paragraph(tmp_path: Path, name: str) -> None:
    text = CJK_ARTICLES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, tmp_path)  # raised "has no article text" before
    headline, *paragraphs = [p for p in text.split("\n") if p]
    assert doc.title == headline
    for paragraph in paragraphs:
        assert_kept(doc, paragraph)


def test_words_of_chinese_and_japanese_count_two_characters_each() -> None:
    pieces = ["云州", "地铁", "5", "号线", "今日", "开通", "hello-world"]
    assert word_list("云州地铁5号线今日开通 hello-world") == pieces
    assert len(word_list("大型で強い台風14号は8月29日午前4時ごろ、南浜県潮見市付近に上陸した。")) >= 15
    assert word_list("Exports rose, the ministry said.") == ["Exports", "rose", "the", "ministry", "said"]


JAPANESE_PAGE = """Home ›
ソフトウェア ›
ソフトウェア一般 ›

Kindle for PCをCtrl＋Alt＋Kのショートカットキーで立ち上がらなくする方法

2018-08-16

Kindle for PCをCtrl＋Alt＋Kのショートカットキーで立ち上がらなくする方法

Kindle書籍を読む場合は、一般的にスマホやタブレットなどのモバイル端末で読むことが多いと思いますが、\
何か書籍で調べながらPCで作業する場合はPCで読めると便利です。

そんな用途を考慮してか、Kindleや楽天koboにはデスクトップアプリが用意されています。今回はそのKindle\
デスクトップアプリのショートカットキーについてです。

さて、このKindle for PC、Amazonがあまり力を入れていないのか操作性などあまりよくありません。設定で変更\
できる項目も少なく、ショートカットキーの変更もできません。

特に困ったのが、起動ショートカットキーに関する設定。これが非常に困ったもの。

関連記事
人気記事ランキング
"""


def test_a_japanese_page_keeps_its_headline_and_its_first_paragraph(tmp_path: Path) -> None:
    """The headline shares its words with the lede as character pairs (a run of kana and kanji is no
    one word); the lede paragraph reads as prose (it was dropped as a page header)."""
    doc = write_and_read(tmp_path, "kindle.txt", JAPANESE_PAGE.encode())
    assert doc.title == "Kindle for PCをCtrl＋Alt＋Kのショートカットキーで立ち上がらなくする方法"
    assert doc.published == "2018-08-16"
    assert_kept(doc, "Kindle書籍を読む場合は、一般的にスマホやタブレットなどのモバイル端末で読むことが多い")
    assert_kept(doc, "特に困ったのが、起動ショートカットキーに関する設定。")
    assert_excluded(doc, "ソフトウェア一般 ›")


@pytest.mark.parametrize(
    "line",
    ["Thanks." + " " * 100_000 + "end", "Thanks" + ". " * 50_000 + "end", "By " + "\t" * 100_000 + "x"],
    ids=["spaces", "dots", "tabs"],
)
def test_a_line_of_a_hundred_thousand_blanks_or_dots_is_read_in_linear_time(line: str) -> None:
    """A reviewer's lines: a byline's tail patterns took 23 s on 20,000 spaces (minutes on 100,000), and
    the reporter-contact pattern 9 s on 20,000 ". " (both backtracked over the run at each of its
    characters). Generous bound: each takes ~0.15 s here."""
    import time

    from qa.ingest.lines import classify_lines

    text = "Harbour wall rebuilt\n\nThe harbour wall was rebuilt after the storm, the council said.\n" + line + "\n"
    t0 = time.perf_counter()
    classify_lines(text)
    assert time.perf_counter() - t0 < 5


def test_a_long_line_with_a_date_is_read_in_linear_time() -> None:
    """A review: a weekday before the date was looked for from every dash (20,000 dashes: 16 s), and
    dateparser read a line of 20,000 dashes and a date because it had few words (14 s)."""
    import time

    from qa.ingest.analyse import analyse
    from qa.ingest.metadata import stamp_date

    started = time.perf_counter()
    assert stamp_date("-" * 20_000 + " 6 June 2025") is None
    text = "Pier news\n\nThe pier " + "-" * 20_000 + " reopened 6 June 2025\n\nThe pier reopened on Thursday.\n"
    analyse("pier.txt", text, "0" * 64)
    assert time.perf_counter() - started < 3.0


def test_a_long_line_before_a_date_is_read_in_linear_time() -> None:
    """A name, 20,000 spaces and a date took 12 s in `is_date_line` (a review's)."""
    import time

    from qa.ingest.metadata import is_date_line

    t0 = time.perf_counter()
    assert not is_date_line("Port Elsmore Gazette" + " " * 20_000 + "January 15, 2024")
    assert time.perf_counter() - t0 < 1.0
