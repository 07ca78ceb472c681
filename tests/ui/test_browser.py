"""Real Chromium (Debian's, driven by Playwright) against the live chat: ask, see the card, open the
source, upload an article, rebuild; hostile article text renders inert. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = """Harbour Authority Reopens the Old Lighthouse Pier

Published on: 2024/05/02 09:00

The harbour authority said the zanzibarine lighthouse pier reopened on Thursday after repairs. \
<script>window.__pwned = 'script';</script> Officials added that <img src=x onerror="window.__pwned='img'"> \
ferries resume next week and <a href="javascript:window.__pwned='link'">tickets</a> are on sale.
"""


@pytest.fixture(scope="module")
def page(live_server: LiveServer) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(live_server.url)
        pg.wait_for_selector("#qa-question textarea", timeout=60_000)
        yield pg
        browser.close()


def ask(page: Any, question: str) -> Any:
    before = page.locator("#qa-chat .qa-answer").count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#qa-chat .qa-answer').length > {before}", timeout=60_000)
    return page.locator("#qa-chat .qa-answer").last


# Whether the last question asked shows inside the chat's scrolled box (below its icon bar).
IN_VIEW = """(question) => {
  const wrap = document.querySelector('#qa-chat .bubble-wrap');
  const asked = [...document.querySelectorAll('#qa-chat .user-row')];
  const last = asked[asked.length - 1];
  if (!wrap || !last || !last.innerText.includes(question)) return false;
  const box = wrap.getBoundingClientRect(), row = last.getBoundingClientRect();
  return row.top >= box.top + 30 && row.bottom <= box.bottom;
}"""


# Records, every 2 ms, how many answers the chat shows when the question box is first empty.
EMPTIED_BEFORE_ANSWER = """() => {
  window.__emptied = undefined;
  const iv = setInterval(() => {
    const box = document.querySelector('#qa-question textarea');
    if (box && box.value === '') {
      window.__emptied = document.querySelectorAll('#qa-chat .qa-answer').length;
      clearInterval(iv);
    }
  }, 2);
}"""


def first_card(answer: Any) -> Any:
    """The first citation card of an answer (the cards follow the answer text in its message)."""
    return answer.locator("xpath=following-sibling::div[contains(@class, 'qa-card')][1]")


def test_question_shows_citation_cards_with_file_lines_and_highlight(page: Any, artifacts: Path) -> None:
    card = first_card(ask(page, "Who did Im Chon-il meet in Moscow?"))
    card.wait_for(timeout=30_000)
    assert "002_299aeecd3ab3c2fd.txt" in card.inner_text()
    assert "line" in card.locator(".qa-card-head").inner_text()
    assert "North beefing up ties" in card.inner_text(), "the card shows the article title"
    mark = card.locator("mark").first.inner_text()
    assert "Igor Morgulov" in mark, f"the highlighted sentence should answer the question, got {mark!r}"
    page.screenshot(path=str(artifacts / "chat-answer.png"), full_page=True)
    # A marker of the answer shows its card (a browser user expected the [n] to lead to it).
    answer = page.locator("#qa-chat .qa-answer").last
    marker = answer.locator("sup.qa-ref").last
    n = int(marker.inner_text().strip("[]"))
    page.wait_for_function("document.querySelector('#qa-chat sup.qa-ref.qa-live') !== null", timeout=10_000)
    marker.click()
    cards = answer.locator("xpath=following-sibling::div[contains(@class, 'qa-card')]")
    target = cards.nth(n - 1)
    expect_flash = "(el) => el.classList.contains('qa-flash')"
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#qa-chat .qa-card')].some({expect_flash})", timeout=5_000
    )
    assert target.evaluate(expect_flash), f"card [{n}] was not the one shown"


def test_citation_opens_the_article_with_the_passage_marked(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    page.locator("#qa-open label").first.click()
    cited = page.locator("#qa-viewer #qa-cited")  # the passage, one marked box per paragraph
    cited.wait_for(timeout=30_000)
    assert "Igor Morgulov" in cited.inner_text()
    assert "Korea JoongAng Daily" not in cited.inner_text(), "boilerplate must not be part of the cited passage"
    assert "North beefing up ties" in page.locator("#qa-viewer .qa-source").inner_text()
    # The original file, one click away: a download of the file as it is on disk.
    link = page.locator("#qa-viewer a.qa-original")
    assert link.count() == 1 and link.get_attribute("download") is not None
    response = page.request.get(page.url.rstrip("/") + "/" + (link.get_attribute("href") or ""))
    assert response.status == 200 and response.body() == (live_server.seeds / "002_299aeecd3ab3c2fd.txt").read_bytes()
    page.screenshot(path=str(artifacts / "source-panel.png"), full_page=True)


def test_abstention_reads_plainly_with_nearest_folded(page: Any) -> None:
    answer = ask(page, "What is the best recipe for lasagna?")
    assert "Not in the sources" in answer.inner_text()
    details = page.locator("#qa-chat details").last
    assert details.count() == 1 and details.get_attribute("open") is None, "nearest passages are folded away"


def test_uploaded_hostile_article_is_indexed_and_renders_inert(
    page: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    f = tmp_path / "harbour.txt"
    f.write_text(HOSTILE, encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(f))
    page.wait_for_function(
        "document.querySelector('#qa-status') && /added harbour/.test(document.querySelector('#qa-status').innerText)"
        " && /Indexed/.test(document.querySelector('#qa-status').innerText)",
        timeout=120_000,
    )
    assert (live_server.seeds / "harbour.txt").read_bytes() == HOSTILE.encode()
    answer = ask(page, "When did the zanzibarine lighthouse pier reopen?")
    card = first_card(answer)
    assert "harbour.txt" in card.inner_text()
    assert "<script>" in card.inner_text(), "the script tag must show as text"
    assert card.locator("script, img, .qa-excerpt a").count() == 0, "no live element may come from article text"
    assert card.locator("a").count() == 1, "the only link is the one to the whole article"
    page.locator("#qa-open label").first.click()
    page.locator("#qa-viewer #qa-cited").wait_for(timeout=30_000)
    viewer = "#qa-viewer .qa-source"
    assert page.locator(f"{viewer} script, {viewer} img, {viewer} a, #qa-viewer script").count() == 0
    assert page.locator("#qa-viewer a").count() == 1, "the only link is the one to the original file"
    assert page.evaluate("window.__pwned === undefined"), "article markup ran in the page"
    page.screenshot(path=str(artifacts / "hostile-article.png"), full_page=True)


def test_a_new_tab_after_an_upload_lists_the_new_article(page: Any, live_server: LiveServer, artifacts: Path) -> None:
    """The article list and the source filter are read when a page loads, not when the app was made."""
    from ui.uploads import upload_folder

    assert (live_server.seeds / "harbour.txt").exists(), "runs after the upload test"
    tab = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        tab.goto(live_server.url)
        tab.wait_for_selector("#qa-question textarea", timeout=60_000)
        tab.wait_for_function("/harbour\\.txt/.test(document.querySelector('#qa-docs').innerText)", timeout=30_000)
        tab.locator("#qa-source-filter input").click()
        tab.get_by_role("option", name="harbour.txt").wait_for(timeout=30_000)
        tab.screenshot(path=str(artifacts / "new-tab-after-upload.png"), full_page=True)
    finally:
        tab.close()
    # The upload's temporary copy is gone once the article is stored: no file of this server's upload
    # folder holds its bytes (Gradio may leave an empty temporary file of the multipart parse).
    folders = [p for p in Path(upload_folder()).iterdir() if p.is_dir()]
    assert folders, "the upload did not land in this server's upload folder"
    kept = [p for p in Path(upload_folder()).rglob("*") if p.is_file() and p.stat().st_size]
    assert not [p for p in kept if HOSTILE.encode() in p.read_bytes()], "the upload is still served from its folder"


def test_duplicate_upload_is_refused_with_a_message(page: Any, tmp_path: Path) -> None:
    f = tmp_path / "copy-of-harbour.txt"
    f.write_text(HOSTILE, encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(f))
    page.wait_for_function(
        "/already in the corpus/.test(document.querySelector('#qa-status').innerText)", timeout=60_000
    )


def test_a_duplicate_uploaded_while_another_upload_is_indexed_keeps_its_refusal_shown(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    """A new user's duplicate refusal showed a moment, then the rebuild notes of the upload before it
    wrote over it: now uploads are handled one at a time, and the refusal is the last status."""
    import time

    new, dup = tmp_path / "ferry-three.txt", tmp_path / "again-002.txt"
    new.write_text("Ferry news\n\nThe Ostmark ferry now leaves the old harbour at 6:15 every morning.\n")
    dup.write_bytes((live_server.seeds / "002_299aeecd3ab3c2fd.txt").read_bytes())
    upload = page.locator("#qa-upload input[type=file]")
    try:
        upload.set_input_files(str(new))
        page.wait_for_function("/added ferry-three/.test(document.querySelector('#qa-status').innerText)")
        upload.set_input_files(str(dup))  # while the first is being indexed
        refused = "/already in the corpus/.test(document.querySelector('#qa-status').innerText)"
        page.wait_for_function(refused, timeout=180_000)
        deadline = time.monotonic() + 120
        while live_server.service.rebuilding and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        page.wait_for_timeout(1_500)
        status = page.locator("#qa-status").inner_text()
        assert "already in the corpus" in status, f"the refusal was written over: {status!r}"
        assert "ferry-three.txt" in page.locator("#qa-docs").inner_text()
    finally:
        (live_server.seeds / "ferry-three.txt").unlink(missing_ok=True)
        live_server.service.rebuild()


def test_rebuild_button_reports_the_index(page: Any, artifacts: Path) -> None:
    page.locator("#qa-rebuild").click()
    page.wait_for_function("/up to date|Indexed/.test(document.querySelector('#qa-status').innerText)", timeout=120_000)
    assert "harbour.txt" in page.locator("#qa-docs").inner_text(), "the sidebar lists the uploaded article"
    page.screenshot(path=str(artifacts / "after-rebuild.png"), full_page=True)


def test_a_rebuild_shows_its_notes_and_leaves_the_sidebar_usable(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    """During a rebuild the status line says what the build is doing ("embedding 900 passages ..."),
    and the source filter and article list are not greyed out behind spinners (a user's 195 s
    rebuild showed only a timer, and the filter could not be opened)."""
    import re

    big = live_server.seeds / "big-harbour-report.txt"
    rows = (f"Paragraph {i}: the council of town {i} met on Monday about ferry line {i}." for i in range(2500))
    big.write_text("Harbour report\n\n" + "\n\n".join(rows) + "\n", encoding="utf-8")
    try:
        page.locator("#qa-rebuild").click()
        noted = "/embedding \\d+ passages/.test(document.querySelector('#qa-status').innerText)"
        page.wait_for_function(noted, timeout=120_000)
        assert live_server.service.rebuilding, "the note came while the build ran"
        assert not re.search(r"\d\.\ds", page.locator("#qa-source-filter").inner_text()), "no timer over the filter"
        assert not re.search(r"\d\.\ds", page.locator("#qa-docs").inner_text()), "no timer over the list"
        page.screenshot(path=str(artifacts / "during-rebuild.png"), full_page=True)
        page.wait_for_function("/Indexed/.test(document.querySelector('#qa-status').innerText)", timeout=300_000)
        assert "big-harbour-report.txt" in page.locator("#qa-docs").inner_text()
    finally:
        big.unlink()
        live_server.service.rebuild()


def test_two_uploads_in_a_row_are_both_indexed_and_a_removed_filtered_article_is_a_plain_answer(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    """A file added while the last upload was still being indexed was dropped in silence (Gradio
    ignored the second event); an article picked in the source filter, then removed and rebuilt away,
    left the filter blank and an error badge over the chat (a traceback in the log)."""
    files = []
    for name, town in (("ferry-one.txt", "Quendor"), ("ferry-two.txt", "Belvast")):
        f = tmp_path / name
        f.write_text(f"Ferry news\n\nThe {town} ferry now leaves the old harbour at 7:40 every morning.\n")
        files.append(f)
    upload = page.locator("#qa-upload input[type=file]")
    upload.set_input_files(str(files[0]))
    page.wait_for_function("/added ferry-one/.test(document.querySelector('#qa-status').innerText)", timeout=60_000)
    upload.set_input_files(str(files[1]))  # while the first is being indexed
    # The second upload's rebuild reports "Indexed ..." or, when the first one's rebuild had started
    # reading seeds/ after the second file was stored (and so indexed both), "... is up to date".
    page.wait_for_function(
        "/added ferry-two/.test(document.querySelector('#qa-status').innerText)"
        " && /Indexed|is up to date/.test(document.querySelector('#qa-status').innerText)",
        timeout=180_000,
    )
    tab = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})  # its filter lists them
    try:
        assert (live_server.seeds / "ferry-one.txt").exists() and (live_server.seeds / "ferry-two.txt").exists()
        docs = page.locator("#qa-docs").inner_text()
        assert "ferry-one.txt" in docs and "ferry-two.txt" in docs
        tab.goto(live_server.url)
        tab.wait_for_selector("#qa-question textarea", timeout=60_000)
        tab.locator("#qa-source-filter input").click()
        tab.get_by_role("option", name="ferry-two.txt").click()
        (live_server.seeds / "ferry-two.txt").unlink()
        tab.locator("#qa-rebuild").click()
        tab.wait_for_function("/1 removed/.test(document.querySelector('#qa-status').innerText)", timeout=180_000)
        answer = ask(tab, "When does the Belvast ferry leave?")
        assert "no indexed article matches the filters (source 'ferry-two.txt')" in answer.inner_text()
        assert tab.locator("#qa-chat .error, #qa-question .error").count() == 0
    finally:
        tab.close()
        for name in ("ferry-one.txt", "ferry-two.txt"):
            (live_server.seeds / name).unlink(missing_ok=True)
        live_server.service.rebuild()


def test_typing_goes_on_while_an_answer_comes_and_any_answer_s_citation_opens_its_article(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    page.locator("#qa-new").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    ask(page, "Who did Im Chon-il meet in Moscow?")
    # The next question typed while the answer is on its way keeps its first letters (the answer
    # emptied the box when it came, wiping them: a new user's browser test).
    box = page.locator("#qa-question textarea")
    box.fill("Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?")
    page.evaluate(EMPTIED_BEFORE_ANSWER)
    box.press("Enter")
    page.wait_for_function("window.__emptied !== undefined", timeout=60_000)
    assert page.evaluate("window.__emptied") == 1, "the box was emptied only when the answer came"
    box.press_sequentially("Where is", delay=50)  # typing on while the answer is on its way
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 2", timeout=60_000)
    page.wait_for_timeout(500)  # the rest of the turn's events (its scroll)
    assert box.input_value() == "Where is"
    asked = page.locator("#qa-chat .user-row").last.inner_text().strip()
    assert asked == "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?", asked
    box.fill("")

    # A question sent while the last one is being answered stays in the box (it was dropped, after the
    # box had let it go); sent again once the answer is in, it is answered.
    first, second = "Why does China want North Korean workers sent home?", "What did Eveleth write?"
    box.fill(first)
    box.press("Enter")
    page.wait_for_function("document.querySelector('#qa-question textarea').value === ''", timeout=10_000)
    box.fill(second)
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 3", timeout=60_000)
    page.wait_for_timeout(1500)  # the turn's last events, and any answer the second Enter set off
    if page.locator("#qa-chat .user-row").count() == 3:  # sent while the first was answered: kept
        assert box.input_value() == second, "the question sent too soon was lost"
        box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 4", timeout=60_000)
    rows = page.locator("#qa-chat .user-row").all_inner_texts()
    assert [r.strip() for r in rows[-2:]] == [first, second]

    # A question too long to ask stays in the box to be cut down; the refusal says how long it may be.
    long = "Why " + "very " * 420 + "long?"
    box.fill(long)
    box.press("Enter")
    page.wait_for_function(
        "[...document.querySelectorAll('#qa-chat .qa-abstain')].some(e => e.innerText.includes('at most 2,000'))",
        timeout=60_000,
    )
    assert box.input_value() == long
    # ... and the chat shows only its start (a browser user's 3,000 characters filled the screen).
    shown = page.locator("#qa-chat .user-row").last.inner_text()
    assert len(shown) < 400 and "2,109 characters" in shown, shown
    box.fill("")

    # The first answer's citation opens its article in a tab of its own, the passage marked (the
    # article panel follows the last answer only).
    link = first_card(page.locator("#qa-chat .qa-answer").first).locator("a.qa-whole")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert "Igor Morgulov" in tab.locator("#qa-cited mark.qa-evidence").inner_text()
    assert "North beefing up ties" in tab.locator(".qa-source-head").inner_text()
    original = tab.locator("a.qa-original").evaluate("a => a.href")
    response = tab.request.get(original)
    assert response.status == 200 and response.body() == (live_server.seeds / "002_299aeecd3ab3c2fd.txt").read_bytes()
    tab.screenshot(path=str(artifacts / "article-page.png"), full_page=True)
    tab.close()


def test_a_conversation_follows_up_shows_its_search_and_exports_as_markdown(page: Any, artifacts: Path) -> None:
    page.locator("#qa-new").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    ask(page, "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?")
    follow = ask(page, "What committee role does he hold?")
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-query').length === 1", timeout=30_000)
    searched = page.locator("#qa-chat .qa-query").first.inner_text()
    assert searched.startswith("Searched for: What committee role does he hold? (") and "TASS" in searched
    assert "first deputy chairman" in first_card(follow).inner_text()
    # The turn is shown from its question down: the chat had scrolled to the end of the last card,
    # with the question and the answer out of sight above it.
    page.wait_for_function(IN_VIEW, arg="What committee role does he hold?", timeout=10_000)
    # A screen reader reads each answer's text, not its HTML (Gradio labels a message with its content).
    label = "[...document.querySelectorAll('#qa-chat [aria-label]')].map(e => e.getAttribute('aria-label'))"
    page.wait_for_function(f"{label}.some(l => l.includes(\"'s message: \") && l.includes('first deputy'))")
    labels = [x for x in page.evaluate(label) if "'s message: " in x]
    assert labels and not any("<div" in x for x in labels), labels[-1][:300]
    page.screenshot(path=str(artifacts / "conversation.png"), full_page=True)

    # No "share" button (an unlabelled icon: it posts to Hugging Face, and did nothing offline).
    labels = page.locator("#qa-chat button").evaluate_all("bs => bs.map(b => b.getAttribute('aria-label') || b.title)")
    assert "" not in labels and "Clear" in labels, f"the chat's buttons: {labels}"

    # One click asks it again on its own words: nothing is carried, so no "Searched for".
    page.locator("#qa-alone").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 3", timeout=60_000)
    assert "without the conversation" in page.locator("#qa-chat").inner_text()
    assert page.locator("#qa-chat .qa-query").count() == 1

    # One click downloads the notes (the button had only offered a file row to click in turn).
    with page.expect_download(timeout=30_000) as download:
        page.locator("#qa-export").click()
    page.locator("#qa-notes a").first.wait_for(timeout=30_000)  # and the file stays offered
    notes = Path(download.value.path()).read_text(encoding="utf-8")
    assert notes.startswith("# Conversation with qa") and "## 2. What committee role does he hold?" in notes
    assert "*Searched for: " in notes and "(002_299aeecd3ab3c2fd.txt, line" in notes
    assert "## 3. What committee role does he hold?\n\n*Asked again without the conversation" in notes

    page.locator("#qa-new").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    # The earlier conversation's notes are not offered for the new one.
    page.wait_for_function("!document.querySelector('#qa-notes a')", timeout=30_000)
    alone = ask(page, "What committee role does he hold?")
    assert page.locator("#qa-chat .qa-query").count() == 0, "a new conversation carried the old one"
    assert alone.count() == 1

    # The chat's own clear (trash) icon starts a new conversation too: it emptied the screen while
    # the next question was still searched with the cleared ones.
    ask(page, "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?")
    page.locator("#qa-chat button[aria-label='Clear']").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    # The screen empties at once; the server's reset is done when the citation list is empty too.
    page.wait_for_function("document.querySelectorAll('#qa-open label').length === 0", timeout=30_000)
    ask(page, "What committee role does he hold?")
    assert page.locator("#qa-chat .qa-query").count() == 0, "the cleared conversation was carried"


def test_a_reload_keeps_the_conversation_and_its_follow_ups(page: Any) -> None:
    """A browser user lost a whole conversation to one reload of the page."""
    page.locator("#qa-new").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    ask(page, "Which Russian senator told TASS about the goal of the delegation's trip to Pyongyang?")
    ask(page, "What committee role does he hold?")
    page.reload()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 2", timeout=60_000)
    # from its last question down, as after a turn (it opened at the first), its [n] markers live
    page.wait_for_function(IN_VIEW, arg="What committee role does he hold?", timeout=10_000)
    page.wait_for_function("document.querySelectorAll('#qa-chat sup.qa-ref.qa-live').length > 0", timeout=10_000)
    assert page.locator("#qa-chat .qa-query").count() == 1 and page.locator("#qa-alone").is_visible()
    assert page.locator("#qa-open label").count() >= 1, "the last answer's citations open their articles"
    # A follow-up after the reload still carries the conversation (its earlier questions were kept).
    ask(page, "When was he ambassador to the US?")
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-query').length === 2", timeout=30_000)
    assert "TASS" in page.locator("#qa-chat .qa-query").last.inner_text()
    # A question sent the moment the page is back waits for the kept conversation (a review: it was
    # asked without it, and the restore then painted over its answer).
    page.reload()
    box = page.locator("#qa-question textarea")
    box.wait_for(timeout=60_000)
    box.fill("Where did he serve?")
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 4", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-query').length === 3", timeout=30_000)
    assert "Where did he serve? (" in page.locator("#qa-chat .qa-query").last.inner_text()
    # A new conversation is what a reload shows after it.
    page.locator("#qa-new").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-answer').length === 0", timeout=30_000)
    page.wait_for_timeout(500)  # the empty conversation is kept after the chat is cleared
    page.reload()
    page.wait_for_selector("#qa-question textarea", timeout=60_000)
    page.wait_for_timeout(2_000)
    assert page.locator("#qa-chat .qa-answer").count() == 0
    ask(page, "What committee role does he hold?")
    assert page.locator("#qa-chat .qa-query").count() == 0, "a reload brought the old conversation back"


def test_on_a_phone_the_chat_comes_first_with_the_question_box_ready(page: Any, live_server: LiveServer) -> None:
    """A browser user at 390x844: the article list and filters came first, the question box 1,760 px
    down, nothing had focus, and the whole-article page was laid out 980 px wide in tiny type."""
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto(live_server.url)
        phone.wait_for_selector("#qa-question textarea", timeout=60_000)
        phone.wait_for_function("document.activeElement && document.activeElement.closest('#qa-question')")
        box = phone.locator("#qa-question textarea").bounding_box()
        side = phone.locator("#qa-side").bounding_box()
        assert box["y"] < side["y"] and box["y"] < 844, (box, side)
        phone.keyboard.type("Where did Kim Jong-un meet Putin?")  # no click: the box has the focus
        phone.keyboard.press("Enter")
        phone.wait_for_selector("#qa-chat .qa-card a.qa-whole", timeout=60_000)
        href = phone.locator("#qa-chat .qa-card a.qa-whole").first.get_attribute("href")
        phone.goto(live_server.url.rstrip("/") + "/" + href.lstrip("/"))
        phone.wait_for_selector(".qa-source")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()
