"""The browser chat: a Gradio Blocks app over a `qa.service.Service`.

It only displays answers (the CITATIONS.md object, rendered by `ui/render.py`); retrieval, rebuilds and
uploads all happen in `qa/`. `build_app(service)` returns the Blocks; `serve()` launches it with safe
defaults: loopback only (and only under loopback host names), no share link, a bounded queue, an upload
size limit, no extra file paths.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import QAError, UsageError
from qa.service import MAX_UPLOAD_BYTES, Service
from ui.render import CSS, answer_html, documents_html, esc, source_html

ALL = "All articles"
EXAMPLES = [
    "Since when has Kim Jong-un called Putin a comrade?",
    "Why has the New Amnok River Bridge not opened?",
    "What share of North Korea's official trade did China represent in 2023?",
    "Who did Im Chon-il meet in Moscow?",
]
# Scroll the marked passage of the source panel into view once it is rendered.
SCROLL_JS = """() => { setTimeout(() => {
  const el = document.getElementById('qa-cited');
  if (el) { el.scrollIntoView({block: 'center'}); }
}, 150); }"""


def _filters(source: str | None, since: str | None, until: str | None) -> dict[str, Any]:
    return {
        "source": None if not source or source == ALL else source,
        "since": _text(since),
        "until": _text(until),
    }


def _text(value: Any) -> Any:
    """A text box's value, stripped; anything else (from an API caller) is left for the engine to refuse."""
    return (value.strip() or None) if isinstance(value, str) else value


def _k(value: Any) -> int:
    """The slider's number of citations (a float from the UI); an API caller may send anything."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"k must be a whole number of at least 1, not {value!r}.") from None


def _choice(c: dict[str, Any]) -> str:
    lines = f"{c['start_line']}" if c["start_line"] == c["end_line"] else f"{c['start_line']}-{c['end_line']}"
    return f"[{c['n']}] {c['source']} · lines {lines}"


def build_app(service: Service) -> gr.Blocks:
    def sources() -> list[str]:
        return [ALL] + [str(d["source"]) for d in service.documents()]

    def respond(
        question: str, history: list[dict[str, Any]], source: str, since: str, until: str, k: float
    ) -> tuple[list[dict[str, Any]], str, dict[str, Any] | None, Any]:
        history = list(history or [])
        if not (question or "").strip():
            return history, "", None, gr.update()
        history.append({"role": "user", "content": esc(question)})
        try:
            d = service.ask(question, _k(k), **_filters(source, since, until)).to_dict()
        except QAError as err:
            history.append({"role": "assistant", "content": f"<div class='qa-abstain'>⚠ {esc(err)}</div>"})
            return history, "", None, gr.update(choices=[], value=None)
        history.append({"role": "assistant", "content": answer_html(d)})
        cites = d["citations"] or d["nearest"]
        return history, "", d, gr.update(choices=[_choice(c) for c in cites], value=None)

    def open_source(choice: str | None, last: dict[str, Any] | None) -> str:
        if not choice or not last:
            return "<p class='qa-meta'>Pick a citation above to read the whole article here.</p>"
        for c in last["citations"] or last["nearest"]:
            if _choice(c) == choice:
                try:
                    text = service.document_text(c["source"])
                except QAError as err:
                    return f"<p>{esc(err)}</p>"
                return source_html(c["source"], c.get("title"), text, c)
        return "<p class='qa-meta'>That citation is no longer shown.</p>"

    def rebuild(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, str, Any]:  # noqa: B008
        progress(0, desc="Reading seeds/")
        try:
            report = service.rebuild(progress=True)
        except QAError as err:
            return f"⚠ {esc(err)}", documents_html(service.documents()), gr.update()
        skipped = "".join(f"<br>skipped {esc(s.source)}: {esc(s.reason)}" for s in report.skipped)
        return esc(report.summary()) + skipped, documents_html(service.documents()), gr.update(choices=sources())

    def upload(
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008
    ) -> tuple[str, str, Any, None]:
        if not files:
            return "", documents_html(service.documents()), gr.update(), None
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
                messages.append(f"⚠ {esc(err)}")
            except OSError as err:
                messages.append(f"⚠ could not read {esc(name)}: {esc(err.strerror)}")
        # The file box is cleared either way: what was stored is listed in the sidebar.
        if stored:
            status, docs, choices = rebuild(progress)
            messages.append(status)
            return "<br>".join(messages), docs, choices, None
        return "<br>".join(messages), documents_html(service.documents()), gr.update(), None

    def ask_api(question: str, k: int = 5, source: str = "", since: str = "", until: str = "") -> dict[str, Any]:
        """Answer a question from the indexed articles; returns the CITATIONS.md answer object."""
        try:
            return service.ask(question, _k(k), **_filters(source, since, until)).to_dict()
        except QAError as err:
            raise gr.Error(str(err)) from None

    with gr.Blocks(title="qa · cited answers from your articles") as app:
        last = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=340):
                gr.Markdown("### Articles")
                docs_view = gr.HTML(documents_html(service.documents()), elem_id="qa-docs")
                source = gr.Dropdown(sources(), value=ALL, label="Source", elem_id="qa-source-filter")
                with gr.Row():
                    since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="qa-since")
                    until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="qa-until")
                k = gr.Slider(1, 10, value=service.settings.k, step=1, label="Citations", elem_id="qa-k")
                rebuild_btn = gr.Button("Rebuild index from seeds/", elem_id="qa-rebuild")
                files = gr.File(
                    label="Add articles (.txt, .md)",
                    file_types=[".txt", ".md"],
                    file_count="multiple",
                    elem_id="qa-upload",
                )
                status = gr.HTML("", elem_id="qa-status")
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="qa",
                    height=560,
                    elem_id="qa-chat",
                    sanitize_html=True,
                    render_markdown=False,
                    placeholder="Ask a question about the articles. Answers are exact excerpts with citations.",
                )
                question = gr.Textbox(
                    placeholder="Ask a question and press Enter", show_label=False, elem_id="qa-question", max_lines=3
                )
                gr.Examples(EXAMPLES, inputs=question, label="Examples")
                cite_pick = gr.Radio([], label="Open the article of a citation", elem_id="qa-open")
                viewer = gr.HTML(open_source(None, None), elem_id="qa-viewer")

        question.submit(
            respond,
            [question, chat, source, since, until, k],
            [chat, question, last, cite_pick],
            api_visibility="private",
        )
        cite_pick.change(open_source, [cite_pick, last], viewer, api_visibility="private").then(
            None, None, None, js=SCROLL_JS
        )
        rebuild_btn.click(rebuild, None, [status, docs_view, source], api_visibility="private", concurrency_id="index")
        upload_outputs = [status, docs_view, source, files]
        files.upload(upload, files, upload_outputs, api_visibility="private", concurrency_id="index")
        gr.api(ask_api, api_name="ask")  # type: ignore[attr-defined]
    return app  # type: ignore[no-any-return]


def loopback_hosts(host: str) -> list[str] | None:
    """The Host names a server bound to `host` answers to: its own loopback names if `host` is a
    loopback address, else None (any; a public bind was asked for and is served under any name).

    A page on another site whose name an attacker re-points at 127.0.0.1 (DNS rebinding) is
    same-origin with its own requests, so CORS does not stop it; its Host header still names it.
    """
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    return sorted({"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host})


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True) -> Any:
    """Start `app` with the safe defaults. Loopback by default; a public bind must be asked for."""
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app.queue(max_size=64, default_concurrency_limit=2)
    hosts = loopback_hosts(host)
    return app.launch(
        server_name=host,
        server_port=port,
        share=False,
        show_error=False,
        # In bytes, so the server refuses exactly what Service.add_article would ("2mb" is 2 MiB).
        max_file_size=MAX_UPLOAD_BYTES,
        allowed_paths=[],
        app_kwargs={"middleware": [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]} if hosts else None,
        css=CSS,
        ssr_mode=False,
        footer_links=["api"],
        prevent_thread_lock=not block,
        quiet=not block,
    )


def serve(service: Service, host: str = "127.0.0.1", port: int = 7860) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    launch(build_app(service), host, port)
