"""Serving the chat with safe defaults (`launch`, `serve`): loopback only (and only under loopback host
names), no share link, a bounded queue, an upload size limit, no extra file paths, uploads in a
private folder of this server (ui/app.py), requests from other sites refused and the pages not
frameable (see `Guard`), and `/original/SOURCE` for an indexed file as it is on disk. The Blocks are
mounted on an outer app that holds those rules (Gradio's documented way to add middleware), served by
uvicorn.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gradio as gr

from qa.errors import QAError
from qa.service import MAX_UPLOAD_BYTES, Service
from qa.store.texts import document_text
from ui.app import API_DEFAULTS, build_app
from ui.render import CSS, article_page
from ui.scripts import RESTORING_HEAD


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


class Guard:
    """Outermost ASGI layer: a request that carries another site's `Origin` is refused (403) before
    anything runs, whatever its Host header says, and every response tells browsers not to frame the
    page (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`), so another site can neither drive
    the API nor trick clicks on Rebuild. Same-origin requests (the chat's own page) pass."""

    HEADERS = ((b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"))

    def __init__(self, app: Any) -> None:
        self.app = app

    @staticmethod
    def same_origin(origin: str, host: str | None, scheme: str) -> bool:
        if not host:
            return False
        try:
            parts = urlsplit(origin)
            default = {"http": 80, "https": 443}.get(parts.scheme)
            port = parts.port or default
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.scheme != scheme.replace("ws", "http"):
            return False
        own = urlsplit(f"{parts.scheme}://{host}")
        try:
            own_port = own.port or default
        except ValueError:
            return False
        return (parts.hostname, port) == (own.hostname, own_port)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is not None and not self.same_origin(origin, headers.get("host"), scope.get("scheme", "http")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = b"Requests from other sites are refused.\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), *self.HEADERS],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ApiDefaults:
    """ASGI layer: a raw HTTP call of a named endpoint (`POST /gradio_api/call/ask` with `{"data":
    [...]}`) that leaves out trailing parameters gets their defaults, as gradio_client fills them in.
    Gradio itself refuses such a call with an empty error and a traceback in the log. A call with more
    values than the endpoint takes is refused (422, {"detail": ...}): Gradio dropped them in silence.
    `defaults`: for each API name, its parameters' defaults after the required first one."""

    def __init__(self, app: Any, defaults: dict[str, list[Any]]) -> None:
        self.app = app
        self.defaults = defaults

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        name = path.rsplit("/", 1)[-1]
        if scope.get("method") != "POST" or name not in self.defaults or "/gradio_api/" not in path:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        body, error = self.filled(body, self.defaults[name], name)
        if error:  # Gradio would drop the extra values in silence: a caller's mistake, answered
            await self.refuse(send, error)
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers}, replay, send)

    @staticmethod
    def filled(body: bytes, defaults: list[Any], name: str = "") -> tuple[bytes, str | None]:
        """The body with the left-out parameters filled in, or a one-line error for too many."""
        import json

        try:
            payload = json.loads(body)
        except ValueError:
            return body, None  # not JSON: Gradio answers it as it does
        data = payload.get("data", []) if isinstance(payload, dict) else None
        if isinstance(data, list) and len(data) > 1 + len(defaults):
            return body, f'/{name} takes at most {1 + len(defaults)} values in "data", not {len(data)}.'
        if not isinstance(data, list) or len(data) == 1 + len(defaults):
            return body, None
        # No question at all is an empty one: refused in one line, as Gradio would not (a traceback).
        data = data or [""]
        payload["data"] = data + defaults[len(data) - 1 :]
        return json.dumps(payload).encode(), None

    @staticmethod
    async def refuse(send: Any, error: str) -> None:
        """A 422 answer with the error as FastAPI words one: {"detail": "..."}."""
        import json

        body = json.dumps({"detail": error}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 422, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class Running:
    """A started server: its address, and `close()` to stop it."""

    url: str
    server: Any
    thread: threading.Thread | None

    def close(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket of the server, or a one-line error if the port is taken. Bound once and
    handed to uvicorn, so nothing can take the port between a check and the start; SO_REUSEADDR, so
    a restart is not refused for the connections the previous run left in TIME_WAIT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise QAError(f"Port {port} on {host} is in use; stop the other server or pass --port N.") from None
        raise QAError(f"Cannot listen on {host}:{port} ({err.strerror}); pass another --host or --port.") from None
    sock.set_inheritable(False)
    return sock


def _server(outer: Any, config: Any, service: Service | None) -> Any:
    """uvicorn's server, stopping Gradio's open streams first: a browser tab keeps a heartbeat stream
    open that ends only when Gradio's stop event is set, so without it Ctrl-C would wait for every
    tab to close. A rebuild under way is stopped first. Shutdown also waits at most 2 s for other
    requests."""
    import uvicorn
    from starlette.routing import Mount

    gradio_apps = [r.app for r in outer.routes if isinstance(r, Mount)]

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            if service is not None:
                service.workers.stop()  # a rebuild's request then ends (as a stopped build) before the 2 s are up
            for app in gradio_apps:
                stop = getattr(app, "stop_event", None)
                if stop is not None:
                    stop.set()
            await super().shutdown(sockets)

    return Server(config)


# How an original file is sent: always as a download (a saved page is never rendered, so its scripts
# never run), with the type it has and no sniffing.
_ORIGINAL_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/plain"}


def original_response(service: Service, source: str) -> Any:
    """GET /original/SOURCE: the indexed file's bytes as an attachment, or 404 with one line."""
    from urllib.parse import quote

    from starlette.responses import PlainTextResponse, Response

    try:
        data = service.original(source)
    except QAError as err:
        return PlainTextResponse(str(err), status_code=404)
    name = Path(source).name
    media = _ORIGINAL_TYPES.get(Path(source).suffix.lower(), "application/octet-stream")
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=media, headers=headers)


def article_response(service: Service, source: str, spans: dict[str, str]) -> Any:
    """GET /article/SOURCE: the article's text as a page, its cited passage marked (ui.render.article_page)."""
    from starlette.responses import HTMLResponse, PlainTextResponse

    try:
        documents = service.engine.data.documents  # one generation's table: the text and its metadata
        text = document_text(documents, source)
    except QAError as err:
        return PlainTextResponse(str(err), status_code=404)
    page = article_page(source, documents[source].describe(), text, spans)
    return HTMLResponse(page, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def launch(
    app: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
    sock: socket.socket | None = None,
    service: Service | None = None,
) -> Running:
    """Serve `app` with the safe defaults. Loopback by default; a public bind must be asked for.

    Blocks until the server stops, or (`block=False`) returns once it accepts connections. `sock`: a
    socket already bound to `host`:`port` (see `bind`). With `service`, `/original/SOURCE` offers
    each indexed file as it is on disk (the source panel links to it)."""
    import uvicorn
    from fastapi import FastAPI
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    sock = sock or bind(host, port)
    app.queue(max_size=64, default_concurrency_limit=2)
    hosts = loopback_hosts(host)
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if hosts else []
    # A CORS layer that allows no other origin: Gradio then adds none of its own grants (its rule for
    # loopback hosts does not know [::1]); Guard has refused other origins before it anyway.
    middleware += [Middleware(Guard), Middleware(CORSMiddleware, allow_origins=[])]
    middleware += [Middleware(ApiDefaults, defaults=API_DEFAULTS)]
    outer = FastAPI(middleware=middleware, docs_url=None, redoc_url=None, openapi_url=None)
    if service is not None:
        serving = service

        @outer.get("/original/{source:path}")
        def original(source: str) -> Any:
            return original_response(serving, source)

        @outer.get("/article/{source:path}")
        def article(
            source: str, s: str = "", e: str = "", hs: str = "", he: str = "", sha: str = "", p: str = ""
        ) -> Any:
            return article_response(serving, source, {"s": s, "e": e, "hs": hs, "he": he, "sha": sha, "p": p})

    gr.mount_gradio_app(
        outer,
        app,
        path="",
        server_name=host,
        server_port=port,
        show_error=False,
        # In bytes, so the server refuses exactly what Service.add_article would.
        max_file_size=MAX_UPLOAD_BYTES,
        allowed_paths=[],
        css=CSS,
        head=RESTORING_HEAD,
        ssr_mode=False,
        footer_links=["api"],
    )
    config = uvicorn.Config(outer, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    server = _server(outer, config, service)
    url = address(host, port)
    if block:
        server.run(sockets=[sock])
        return Running(url, server, None)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="qa-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise QAError(f"The chat server did not start on {host}:{port}.")
        time.sleep(0.05)
    return Running(url, server, thread)


def address(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(service: Service, host: str = "127.0.0.1", port: int = 7860) -> None:
    """`qa serve`: the chat on `host`:`port` until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    sock = bind(host, port)
    # `kill` (SIGTERM) stops the server as Ctrl-C does, and then the process exits through Python, so
    # that its exit handlers run (the upload folder is removed); by default SIGTERM ends it at once.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    app = build_app(service)
    print(f"qa: serving {len(service.documents())} articles on {address(host, port)}", flush=True)
    try:
        launch(app, host, port, sock=sock, service=service)
    finally:
        # A rebuild under way ends with the server (killed, as a stopped build: the previous index
        # stays): it held the process open for a minute after `kill` and published after it.
        service.workers.stop()
