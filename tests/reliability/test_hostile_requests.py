"""Hostile HTTP requests against the live chat server (plain HTTP on loopback, every request bounded).

The file routes serve nothing outside the app: no traversal, no absolute paths, no encoded traversal,
not the articles or the index, no fetching of loopback URLs. Another site's page gets no CORS grant,
and a request that names another host (DNS rebinding) is refused. Uploads over the limit are refused.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from qa.service import MAX_UPLOAD_BYTES
from qa.store.layout import generation_dir
from tests.reliability.conftest import Case
from tests.ui.conftest import LiveServer

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

TIMEOUT = 30
FILE_ROUTES = ("/gradio_api/file=", "/file=", "/gradio_api/file/")
EVIL = "http://evil.example"


def port_of(server: LiveServer) -> int:
    return int(urlsplit(server.url).port or 80)


def request(
    server: LiveServer, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send exactly `target` (no client-side normalisation of `..` or escapes); the Host is the server's
    own unless `headers` names another."""
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=TIMEOUT)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{port_of(server)}", **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def secret(path: Path) -> bytes:
    """A piece of the file that must not appear in any response."""
    data = path.read_bytes()
    return data[:60].strip() or data


def test_file_routes_serve_nothing_outside_the_app(live_server: LiveServer, tally: Callable[..., Case]) -> None:
    case = tally("hostile: file routes")
    seed = sorted(live_server.seeds.glob("*.txt"))[0]
    manifest = generation_dir(live_server.service.settings.index_dir) / "manifest.json"
    upload_dir = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    up = "../" * 12
    targets: list[tuple[str, str, Path | None]] = [
        ("traversal", up + "etc/passwd", Path("/etc/passwd")),
        ("absolute path", "/etc/passwd", Path("/etc/passwd")),
        ("URL-encoded traversal", "..%2f" * 12 + "etc%2fpasswd", Path("/etc/passwd")),
        ("URL-encoded dots", "%2e%2e/" * 12 + "etc/passwd", Path("/etc/passwd")),
        ("double-encoded traversal", "..%252f" * 12 + "etc%252fpasswd", Path("/etc/passwd")),
        ("backslash traversal", "..%5c" * 12 + "etc%5cpasswd", Path("/etc/passwd")),
        ("dot-dot-slash doubled", "....//" * 12 + "etc/passwd", Path("/etc/passwd")),
        ("process environment", "/proc/self/environ", None),
        ("a seed article, absolute", quote(str(seed)), seed),
        ("a seed article, relative", quote(os.path.relpath(seed)), seed),
        ("a seed article, out of the upload folder", quote(f"{upload_dir}/{up}{str(seed).lstrip('/')}"), seed),
        ("the index manifest", quote(str(manifest)), manifest),
        ("the project's README", "README.md", Path("README.md").resolve()),
        ("the project's source", "qa/config.py", Path("qa/config.py").resolve()),
        ("a loopback URL (SSRF)", f"http://127.0.0.1:{port_of(live_server)}/gradio_api/info", None),
    ]
    for route in FILE_ROUTES:
        for label, path, content_of in targets:
            target = route + path
            status, _, body = request(live_server, "GET", target)
            leaked = content_of is not None and content_of.is_file() and secret(content_of) in body
            ok = status in (400, 401, 403, 404) and not leaked and b"named_endpoints" not in body
            case.check(ok, f"{label}: GET {target[:120]} -> {status} {body[:120]!r}")
    case.assert_all_held()


def test_the_original_and_article_routes_offer_indexed_files_only(
    live_server: LiveServer, tally: Callable[..., Case]
) -> None:
    case = tally("hostile: original files and article pages")
    seed = sorted(live_server.seeds.glob("*.txt"))[0]
    status, headers, body = request(live_server, "GET", "/original/" + quote(seed.name))
    case.check(status == 200 and body == seed.read_bytes(), f"an indexed file is not offered: {status}")
    case.check(headers.get("content-disposition", "").startswith("attachment"), f"not a download: {headers}")
    case.check(headers.get("x-content-type-options") == "nosniff", "the browser may sniff the type")
    status, headers, body = request(live_server, "GET", "/article/" + quote(seed.name))
    case.check(status == 200 and b"qa-source" in body, f"an indexed article has no page: {status}")
    up = "../" * 12
    for (label, target, content_of), route in itertools.product((
        ("traversal", up + "etc/passwd", Path("/etc/passwd")),
        ("URL-encoded traversal", "..%2f" * 12 + "etc%2fpasswd", Path("/etc/passwd")),
        ("URL-encoded dots", "%2e%2e/" * 12 + "etc/passwd", Path("/etc/passwd")),
        ("absolute path", quote(str(seed)), seed),
        ("a seed by a longer path", quote(f"x/../{seed.name}"), seed),
        ("the project's README", "README.md", Path("README.md").resolve()),
        ("nothing", "", None),
    ), ("/original/", "/article/")):
        status, _, body = request(live_server, "GET", route + target)
        leaked = content_of is not None and content_of.is_file() and secret(content_of) in body
        case.check(status in (400, 403, 404) and not leaked, f"{label}: GET {route}{target[:80]} -> {status}")
    case.assert_all_held()


def test_another_site_gets_no_cors_grant_and_another_host_is_refused(
    live_server: LiveServer, tally: Callable[..., Case]
) -> None:
    case = tally("hostile: origin and host")
    port = port_of(live_server)
    ask = json.dumps({"data": ["Who did Im Chon-il meet in Moscow?"]}).encode()
    for origin in (EVIL, "null", f"http://127.0.0.1.evil.example:{port}"):
        for method, target, extra, body in (
            ("GET", "/gradio_api/info", {}, None),
            ("GET", "/config", {}, None),
            ("POST", "/gradio_api/call/ask", {"Content-Type": "application/json"}, ask),
            ("OPTIONS", "/gradio_api/call/ask", {"Access-Control-Request-Method": "POST"}, None),
        ):
            status, headers, _ = request(live_server, method, target, {"Origin": origin, **extra}, body)
            granted = headers.get("access-control-allow-origin")
            case.check(
                granted not in (origin, "*"),
                f"Origin {origin}: {method} {target} -> {status}, allow-origin {granted!r}",
            )
    # Whatever the server is called in the Host header (Gradio's own rule granted any Origin under
    # [::1]), another site's request gets no grant and is not served.
    for host in (f"[::1]:{port}", f"localhost:{port}", f"127.0.0.1:{port}"):
        for method, target, extra, body in (
            ("GET", "/config", {}, None),
            ("POST", "/gradio_api/call/ask", {"Content-Type": "application/json"}, ask),
            ("OPTIONS", "/gradio_api/call/ask", {"Access-Control-Request-Method": "POST"}, None),
        ):
            status, headers, data = request(live_server, method, target, {"Host": host, "Origin": EVIL, **extra}, body)
            granted = headers.get("access-control-allow-origin")
            case.check(
                granted is None and status == 403,
                f"Host {host}, Origin {EVIL}: {method} {target} -> {status}, allow-origin {granted!r}",
            )
    # DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 is same-origin with its
    # requests, so CORS does not apply; only refusing a Host that is not this server's stops it.
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}"):
        for method, target, body in (
            ("GET", "/gradio_api/info", None),
            ("GET", "/config", None),
            ("POST", "/gradio_api/call/ask", ask),
        ):
            extra = {"Origin": f"http://{host}", "Content-Type": "application/json"}
            status, headers, data = request(live_server, method, target, {"Host": host, **extra}, body)
            served = status < 400 or b"named_endpoints" in data or b"event_id" in data
            case.check(not served, f"Host {host}: {method} {target} -> {status} {data[:80]!r}")
    # The server's own names still work, and a page's own origin is not refused.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        status, _, data = request(live_server, "GET", "/gradio_api/info", {"Host": host})
        case.check(status == 200 and b"/ask" in data, f"Host {host}: /gradio_api/info -> {status}")
        status, _, data = request(live_server, "GET", "/config", {"Host": host, "Origin": f"http://{host}"})
        case.check(status == 200, f"Host {host}, its own Origin: /config -> {status}")
    case.assert_all_held()


def test_no_page_can_be_framed_by_another_site(live_server: LiveServer, tally: Callable[..., Case]) -> None:
    case = tally("hostile: framing")
    for target in ("/", "/config", "/gradio_api/info"):
        status, headers, _ = request(live_server, "GET", target)
        case.check(
            status == 200
            and headers.get("x-frame-options") == "DENY"
            and "frame-ancestors 'none'" in headers.get("content-security-policy", ""),
            f"GET {target} -> {status}, X-Frame-Options {headers.get('x-frame-options')!r}, "
            f"CSP {headers.get('content-security-policy')!r}",
        )
    case.assert_all_held()


def multipart(filename: str, content: bytes) -> tuple[dict[str, str], bytes]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


def forget_upload(status: int, data: bytes) -> None:
    """Remove what an accepted upload stored in Gradio's upload folder (megabytes, never used)."""
    if status == 200:
        for path in json.loads(data):
            Path(path).unlink(missing_ok=True)


def test_uploads_over_the_limit_are_refused(live_server: LiveServer, tally: Callable[..., Case]) -> None:
    case = tally("hostile: uploads")
    article = b"An article line of plain text for the upload test.\n"
    for size, refused in ((MAX_UPLOAD_BYTES, False), (MAX_UPLOAD_BYTES + 1, True), (3 * MAX_UPLOAD_BYTES, True)):
        headers, body = multipart("article.txt", (article * (size // len(article) + 1))[:size])
        status, _, data = request(live_server, "POST", "/gradio_api/upload", headers, body)
        forget_upload(status, data)
        ok = status == 413 if refused else status == 200
        case.check(
            ok, f"an upload of {size:,} bytes ({'over' if refused else 'at'} the limit) -> {status} {data[:100]!r}"
        )
    # A file name that climbs out of the upload folder lands inside it, under its own base name.
    escape = Path(tempfile.gettempdir()) / f"qa-escape-{uuid.uuid4().hex}.txt"
    headers, body = multipart("../" * 12 + str(escape).lstrip("/"), article)
    status, _, data = request(live_server, "POST", "/gradio_api/upload", headers, body)
    stored = json.loads(data) if status == 200 else []
    forget_upload(status, data)
    case.check(not escape.exists(), f"an upload named with ../ was written to {escape}")
    case.check(
        status >= 400 or (len(stored) == 1 and Path(stored[0]).name == escape.name and Path(stored[0]) != escape),
        f"upload named with ../ -> {status} {data[:160]!r}",
    )
    case.assert_all_held()
