"""The browser chat: a Gradio Blocks app over a `qa.service.Service`.

It displays answers (the CITATIONS.md object, rendered by `ui/render.py`) and keeps the conversation:
`history` is the chat's messages, `asked` the earlier questions it passes as the engine's `history`
(after "Ask again without the conversation" the conversation goes on from that question only). Retrieval,
rebuilds and uploads all happen in `qa/`. `build_app(service)` returns the Blocks: the chat, the source panel, the
conversation's export, uploads and rebuilds, and the `/ask` and `/rebuild` API. `ui/server.py` serves
them with safe defaults.
"""

from __future__ import annotations

import contextvars
import queue
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa.answer import where
from qa.errors import QAError
from qa.ingest.document import SUFFIXES, suffix_list
from qa.query import pasted
from qa.query.chat import markdown
from qa.query.validate import MAX_QUESTION_CHARS, check_k, cleaned_text
from qa.service import MAX_UPLOAD_BYTES, Service
from ui.keep import ALONE, keep, kept_conversation, restore
from ui.render import (
    answer_html,
    choice_label,
    documents_html,
    esc,
    examples_for,
    message_html,
    short_title,
    source_html,
)
from ui.scripts import EXPORT_JS, SCROLL_JS, TAKE_JS, TURN_JS
from ui.uploads import forget_upload, upload_folder

ALL = "All articles"
SHOWN_CHARS = 300  # of a question too long to ask, shown in the chat above its refusal
def _filters(source: str | None, since: str | None, until: str | None) -> dict[str, Any]:
    return {
        "source": None if not source or source == ALL else source,
        "since": _text(since),
        "until": _text(until),
    }


def _text(value: Any) -> Any:
    """A text box's value, stripped; anything else (from an API caller) is left for the engine to refuse."""
    return (value.strip() or None) if isinstance(value, str) else value


def _k(value: Any) -> int | None:
    """The slider's number of citations (a whole float from the UI, 5.0); an API caller may send
    anything, and gets what the Python API would give it: a whole number or a one-line refusal
    (2.7, "3" and true are not quietly made 2, 3 and 1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if value is None else check_k(value, 0)  # None: the index's default


def refusal(err: QAError) -> gr.Error:
    """The API's answer to a question or request qa refuses: its one-line message, logged as one line."""
    say(f"refused: {err}")
    return gr.Error(str(err), print_exception=False)


# The `ask` endpoint's parameters after the question, with their defaults: a raw HTTP call may leave
# out any trailing ones (ui/server.py fills them in, as gradio_client does). k None: the server's
# setting (QA_K), as in the chat and `qa ask`.
API_DEFAULTS: dict[str, list[Any]] = {"ask": [None, "", "", "", None]}


def say(line: str) -> None:
    """One line to the server's log (stderr)."""
    print(f"qa: {line}", file=sys.stderr, flush=True)


def build_app(service: Service) -> gr.Blocks:
    upload_folder()  # before the Blocks exist: Gradio reads the folder when they are made
    # A `qa index` run by another process publishes a new generation: switch to it without a restart.
    service.watch(log=say)

    def sources() -> list[tuple[str, str]]:
        """The source filter's choices: each article by its title and file (its value the file)."""
        def label(d: dict[str, Any]) -> str:
            return f"{short_title(d['title'])} · {d['source']}" if d.get("title") else str(d["source"])

        return [(ALL, ALL)] + [(label(d), str(d["source"])) for d in service.documents()]

    def lists() -> tuple[str, Any]:
        """The article list and the source choices as the index has them now (every page load)."""
        return documents_html(service.documents()), gr.update(choices=sources())

    def respond(
        question: str,
        history: list[dict[str, Any]],
        source: str,
        since: str,
        until: str,
        k: float,
        asked: list[str],
        turns: list[dict[str, Any]],
        *,
        alone: bool = False,
    ) -> tuple[Any, ...]:
        """One turn: the question asked with the conversation's earlier questions (none if `alone`)."""
        history, asked, turns = list(history or []), list(asked or []), list(turns or [])
        if not (question or "").strip():
            return history, None, gr.update(), asked, turns, gr.update(), gr.update(), gr.update()
        shown, cleaned = esc(question), cleaned_text(question)
        if len(cleaned) > MAX_QUESTION_CHARS:  # refused below: its start is enough to know it again
            shown = f"{esc(cleaned[:SHOWN_CHARS])}… <span class='qa-meta'>({len(cleaned):,} characters)</span>"
        shown += ALONE if alone else ""
        history.append({"role": "user", "content": shown})
        try:
            earlier = [] if alone else asked
            d = service.ask(question, _k(k), history=earlier, **_filters(source, since, until)).to_dict()
        except Exception as err:  # a QAError says what to do; anything else is logged, and the question stays shown
            if not isinstance(err, QAError):
                say(f"answering {question[:80]!r} failed: {err!r}")
                traceback.print_exc(file=sys.stderr)  # for the server's log; the reader gets one line
                err = QAError("qa could not answer this question (the server's log says why); ask it again.")
            history.append({"role": "assistant", "content": f"<div class='qa-abstain'>⚠ {message_html(err)}</div>"})
            picked = gr.update(choices=[], value=None)
            return history, None, picked, asked, turns, gr.update(visible=False), open_source(None, None), gr.update()
        history.append({"role": "assistant", "content": answer_html(d)})
        cites = d["citations"] or d["nearest"]
        # Asked again without the conversation: the reader said its words were wrong here, so the
        # conversation goes on from this question (its next follow-up carried the older words again).
        asked = [question] if alone else [*asked, question]
        turns.append({**d, "asked_alone": True} if alone else d)  # the export says so (chat.markdown)
        carried = pasted.carried(d["question"], d["query"])  # (not a long message's own question)
        pick = gr.update(choices=[choice_label(c) for c in cites], value=None)
        shown_alone = gr.update(visible=carried)
        return history, d, pick, asked, turns, shown_alone, open_source(None, None), keep(d, asked, turns)

    def ask_alone(history: list[dict[str, Any]], last: dict[str, Any] | None, *rest: Any) -> tuple[Any, ...]:
        """The last question again, searched on its own words only (`rest`: the filters, k, the
        conversation's questions and turns, as `respond` takes them)."""
        return respond(last["question"] if last else "", history, *rest, alone=True)

    def new_conversation() -> tuple[Any, ...]:
        # The earlier conversation's notes go too: they are not this conversation's.
        hide = gr.update(visible=False)
        notes = gr.update(value=None, visible=False)
        return [], None, gr.update(choices=[], value=None), [], [], hide, open_source(None, None), notes, keep()

    def export(turns: list[dict[str, Any]]) -> Any:
        """The conversation as Markdown notes, offered as a file to download."""
        if not turns:
            return gr.update(value=None, visible=False)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(tempfile.mkdtemp(dir=upload_folder())) / f"qa-conversation-{stamp}.md"
        path.write_text(markdown(turns), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def open_source(choice: str | None, last: dict[str, Any] | None) -> str:
        if not choice or not last:
            return "<p class='qa-meta'>Pick a citation above to read the whole article here.</p>"
        for c in last["citations"] or last["nearest"]:
            if choice_label(c) == choice:
                try:
                    text = service.document_text(c["source"])
                except QAError as err:
                    return f"<p>{esc(err)}</p>"
                about = " · ".join([*(str(c[k]) for k in ("outlet", "published") if c.get(k)), where(c, "–")])
                return source_html(c["source"], c.get("title"), text, c, about=about)
        return "<p class='qa-meta'>That citation is no longer shown.</p>"

    def rebuild_clicked() -> Iterator[tuple[str, Any, Any]]:
        # Waits for a rebuild under way, then runs: refused, a tab kept "already running" (a new user's).
        yield from rebuilding("", wait=True)

    def rebuilding(before: str, wait: bool = False) -> Iterator[tuple[str, Any, Any]]:
        """A rebuild with its notes ("embedding 40 passages ...") streamed into the status line as it
        runs, then its report; the article list and the source filter stay usable meanwhile (only
        the status line shows the event's progress) and change when the new index serves. `wait`:
        after a rebuild under way, instead of being refused (the chat's; the HTTP API's is refused)."""
        notes: queue.Queue[str | None] = queue.Queue()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["report"] = service.rebuild(progress=True, log=notes.put, wait=wait)
            except QAError as err:
                outcome["error"] = err
                say(f"rebuild: {err}")  # in the server log, as the API's refusals are (the tab may be gone)
            except Exception as err:
                outcome["error"] = err
                say(f"rebuild failed: {type(err).__name__}: {err}; the previous index is still serving")
            finally:
                notes.put(None)

        # (the context carries Gradio's progress tracking to a build in this process: a test's fake model)
        threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True).start()
        folder = esc(f"{service.settings.seeds_dir}/")
        yield f"{before}Rebuilding from {folder} ...", gr.update(), gr.update()
        while (line := notes.get()) is not None:
            yield f"{before}Rebuilding from {folder}: {esc(line)} ...", gr.update(), gr.update()
        err = outcome.get("error")
        if isinstance(err, QAError):
            yield f"{before}⚠ {message_html(err)}", documents_html(service.documents()), gr.update()
            return
        if err is not None:  # a bug, said in one line here and in the server log: the old index serves on
            failed = f"The rebuild failed ({type(err).__name__}); the previous index is still serving (server log)."
            yield f"{before}⚠ {esc(failed)}", documents_html(service.documents()), gr.update()
            return
        report = outcome["report"]
        skipped = "".join(f"<br>skipped {esc(s.source)}: {esc(s.reason)}" for s in report.skipped)
        status = before + esc(report.summary()) + skipped
        yield status, documents_html(service.documents()), gr.update(choices=sources())

    def upload(files: list[Any] | None) -> Iterator[tuple[str, str, Any, None]]:
        if not files:
            yield "", documents_html(service.documents()), gr.update(), None
            return
        messages = []
        stored = 0
        for f in files:
            path = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
            name = getattr(f, "orig_name", None) or path.name
            try:
                if path.stat().st_size > MAX_UPLOAD_BYTES:
                    raise QAError(f"{name} is over the {MAX_UPLOAD_BYTES:,}-byte limit.")
                stored_name = service.add_article(name, path.read_bytes())
                messages.append(f"added {esc(stored_name)}")
                stored += 1
            except QAError as err:
                messages.append(f"⚠ {message_html(err)}")
            except OSError as err:
                messages.append(f"⚠ could not read {esc(name)}: {esc(err.strerror)}")
            finally:
                # Stored in seeds/ or refused: the upload's temporary copy is not kept or served.
                forget_upload(path)
        # The file box is cleared either way (what was stored is listed in the sidebar), at once: a
        # clear at the end of the rebuild also emptied a file the reader had added meanwhile.
        if stored:  # indexed now, or after a rebuild under way (one from another tab, or an upload's)
            cleared: Any = None
            for status, docs, choices in rebuilding("<br>".join(messages) + "<br>", wait=True):
                yield status, docs, choices, cleared
                cleared = gr.update()
            return
        yield "<br>".join(messages), documents_html(service.documents()), gr.update(), None

    def ask_api(
        question: str,
        k: int | None = API_DEFAULTS["ask"][0],
        source: str = API_DEFAULTS["ask"][1],
        since: str = API_DEFAULTS["ask"][2],
        until: str = API_DEFAULTS["ask"][3],
        history: list[str] | None = API_DEFAULTS["ask"][4],
    ) -> dict[str, Any]:
        """Answer a question from the indexed articles; returns the CITATIONS.md answer object.
        `history`: the conversation's earlier questions, oldest first (a follow-up)."""
        try:
            n = _k(k)
            # The API's filters are the Python API's: "All articles" is the chat's menu entry, not a glob.
            filters = {"source": source or None, "since": _text(since), "until": _text(until)}
            return service.ask(question, n, history=[] if history is None else history, **filters).to_dict()
        except QAError as err:
            raise refusal(err) from None

    def rebuild_api() -> dict[str, Any]:
        """Update the index from the seeds folder (new, changed and removed files) and switch to it;
        returns the build report. Refused with a message while another rebuild runs."""
        try:
            return service.rebuild().to_dict()
        except QAError as err:
            raise refusal(err) from None

    with gr.Blocks(title="qa · cited answers from your articles") as app:
        last = gr.State(None)
        asked = gr.State([])  # this conversation's questions, for follow-ups
        turns = gr.State([])  # this conversation's answers, for the Markdown export
        kept = kept_conversation(service.settings.index_dir)  # all three and the chat, across reloads
        with gr.Row():
            with gr.Column(scale=1, min_width=340, elem_id="qa-side"):
                gr.Markdown("### Articles")
                docs_view = gr.HTML(documents_html(service.documents()), elem_id="qa-docs")
                # A value not among the choices is a glob of file names ("00[12]_*"), as in `qa ask
                # --source`, or an article removed since it was picked: answered "no indexed article
                # matches", where Gradio refused it with a traceback and an error over the chat.
                source = gr.Dropdown(
                    sources(), value=ALL, label="Source", elem_id="qa-source-filter", allow_custom_value=True
                )
                with gr.Row():
                    since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="qa-since")
                    until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="qa-until")
                k = gr.Slider(
                    1, max(10, service.settings.k), value=service.settings.k, step=1, label="Citations", elem_id="qa-k"
                )
                rebuild_btn = gr.Button(f"Rebuild index from {service.settings.seeds_dir}/", elem_id="qa-rebuild")
                limit = MAX_UPLOAD_BYTES // 2**20
                files = gr.File(
                    label=f"Add articles ({suffix_list('and')}: text, saved web pages, PDFs; up to {limit} MB each)",
                    file_types=list(SUFFIXES),
                    file_count="multiple",
                    elem_id="qa-upload",
                )
                status = gr.HTML("", elem_id="qa-status")
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="qa",
                    height="72vh",  # more of an answer in view (at 560 px a new user saw one card of five at a time)
                    elem_id="qa-chat",
                    sanitize_html=True,
                    render_markdown=False,
                    autoscroll=False,  # TURN_JS shows each new turn from its question down
                    buttons=["copy", "copy_all"],  # no "share": it posts to Hugging Face, and qa is offline
                    placeholder="Ask a question about the articles. Answers are exact excerpts with citations.",
                )
                question = gr.Textbox(
                    placeholder="Ask a question and press Enter",
                    show_label=False,
                    elem_id="qa-question",
                    max_lines=3,
                    autofocus=True,  # typing starts a question, as in any chat (it was the 11th Tab stop)
                )
                pending = gr.Textbox(visible=False, elem_id="qa-pending")  # the question being answered
                with gr.Row():
                    alone_btn = gr.Button(
                        "Ask again without the conversation", visible=False, size="sm", elem_id="qa-alone"
                    )
                    new_btn = gr.Button("New conversation", size="sm", elem_id="qa-new")
                    export_btn = gr.Button("Export conversation (Markdown)", size="sm", elem_id="qa-export")
                export_file = gr.File(label="Conversation notes", visible=False, interactive=False, elem_id="qa-notes")
                examples = examples_for({str(d["source"]) for d in service.documents()})
                if examples:
                    gr.Examples(examples, inputs=question, label="Examples")
                cite_pick = gr.Radio([], label="Open the article of a citation", elem_id="qa-open")
                viewer = gr.HTML(open_source(None, None), elem_id="qa-viewer")

        # A new answer clears the citation list and the article panel itself: the panel follows the
        # reader's pick (`input`), not every change of the list, since that chain of events (a new
        # conversation's list reset opening the panel again) overlapping the next question left its
        # answer undelivered in Gradio 6 (the browser test, about two runs in three with a fresh cache).
        turn_outputs = [chat, last, cite_pick, asked, turns, alone_btn, viewer, kept]
        # The box is emptied in the browser the moment Enter is pressed, the question kept in `pending`
        # for the search: emptied by the answer instead, it wiped the first letters of a next question
        # typed while the answer was on its way (a new user's browser test).
        question.submit(None, question, pending, js=TAKE_JS, api_visibility="private").then(
            respond, [pending, chat, source, since, until, k, asked, turns], turn_outputs, api_visibility="private"
        ).then(None, None, None, js=TURN_JS)
        alone_btn.click(
            ask_alone, [chat, last, source, since, until, k, asked, turns], turn_outputs, api_visibility="private"
        ).then(None, None, None, js=TURN_JS)
        # "New conversation", and the chat's own clear (trash) icon, which emptied the screen but left
        # the conversation behind: the next question was still searched with the cleared ones.
        cleared = [chat, last, cite_pick, asked, turns, alone_btn, viewer, export_file, kept]
        new_btn.click(new_conversation, None, cleared, api_visibility="private")
        chat.clear(new_conversation, None, cleared, api_visibility="private")
        export_btn.click(export, turns, export_file, api_visibility="private").then(None, None, None, js=EXPORT_JS)
        cite_pick.input(open_source, [cite_pick, last], viewer, api_visibility="private").then(
            None, None, None, js=SCROLL_JS
        )
        # Only the status line shows a rebuild's progress: the article list and the source filter
        # (outputs too) were greyed out behind spinners for the whole rebuild.
        # Its own group: a click waiting for a rebuild held one of the "index" group's places (a review's).
        rebuild_btn.click(
            rebuild_clicked,
            None,
            [status, docs_view, source],
            api_visibility="private",
            concurrency_id="rebuild-button",
            concurrency_limit=1,
            show_progress_on=[status],
        )
        upload_outputs = [status, docs_view, source, files]
        # "multiple": a file added while the last upload is still being indexed waits its turn (by
        # default Gradio dropped the event, and the file with it, in silence). One upload at a time:
        # beside a rebuild (the "index" group runs two), a duplicate's refusal showed a moment, then
        # the earlier upload's rebuild notes wrote over it (a new user's). Rebuilds wait for each other.
        files.upload(
            upload,
            files,
            upload_outputs,
            api_visibility="private",
            concurrency_id="upload",
            concurrency_limit=1,
            show_progress_on=[status],
            trigger_mode="multiple",
        )
        gr.api(ask_api, api_name="ask")  # type: ignore[attr-defined]
        gr.api(rebuild_api, api_name="rebuild", concurrency_id="index")  # type: ignore[attr-defined]
        app.load(lists, None, [docs_view, source], api_visibility="private")
        # A reload shows the conversation as it was, from its last question down (TURN_JS, as after a turn).
        app.load(restore, kept, [chat, last, cite_pick, asked, turns, alone_btn], api_visibility="private").then(
            None, None, None, js=TURN_JS
        )
    return app  # type: ignore[no-any-return]
