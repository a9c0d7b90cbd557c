"""A small HTTP server framework for the vendor simulators (standard library only).

Every simulator is a :class:`SandboxApp` with routes, a server-side rate limiter, request
statistics and fault knobs. It runs in-process for tests (:func:`serve`) or on its own
(``python -m sandbox <vendor> --port N``). Faults and stats are reachable over HTTP too,
so tests that drive a subprocess (``meltano run``) can inject them:

* ``POST /__sandbox__/faults`` with ``{"kind": "status", "status": 503, "count": 2}``
* ``GET /__sandbox__/stats``, ``POST /__sandbox__/reset``

Fault kinds: ``status`` (any status, optional ``retry_after``), ``reset`` (drop the
connection without answering), ``delay`` (answer after ``seconds``), ``truncate`` (send
less body than Content-Length says), ``html`` (200 with an HTML error page), ``mutate``
(the real answer with its JSON changed: ``op`` ``add_field`` / ``drop_field`` /
``stringify`` / ``tamper`` applied to every object key named ``field``, see
:func:`mutate_json`). Any fault may wait for ``after`` matching requests before it fires,
``count`` times, and only match paths searched by the regex ``path``.

Credential echoes (a real API, a proxy's HTML page or a login redirect that quotes what it
was sent): each puts every credential the request carried (see :func:`credentials_of`:
the ``Authorization`` value and its decoded Basic ``user:password``, Bearer token and
OAuth parameters, ``Auth-Api-Token``-style headers, token-like query parameters) into

* ``echo_body``: an error answer with ``status`` (default 503); ``format`` ``json``
  (``{"error": ..., "message": ..., "received": {...}}``) or ``html`` (a proxy page);
  ``pad`` filler characters come before the echo (to place it across a message's cut);
* ``echo_header``: an error answer with ``status`` whose header ``header`` (default
  ``WWW-Authenticate``) holds the echo (its JSON body does not);
* ``echo_redirect``: a ``status`` 3xx (302 unless a 3xx is given) whose ``Location`` is
  ``location`` (default ``<base_url>/login``) with each credential URL-encoded in its
  query string (``?token=...&token=...``).

``retry_after`` adds a ``Retry-After`` header to any of them (a 429 that echoes).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import html
import json
import re
import socket
import threading
import time
import typing as t
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlparse


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_lists: dict[str, list[str]] = field(default_factory=dict)

    def json(self) -> t.Any:
        if not self.body:
            return None
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def json_response(obj: t.Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(obj).encode(), dict(headers or {}))


class HTTPError(Exception):
    """Raise from a handler to answer with a JSON error body."""

    def __init__(self, status: int, body: t.Any, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str | None = None
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    body: t.Any = None
    #: let this many matching requests through before the fault starts firing
    after: int = 0
    #: ``mutate`` only: what to change (see :func:`mutate_json`)
    op: str = "add_field"
    field: str = ""
    value: t.Any = None
    #: ``add_field`` only: add to objects that have this key (default: every object)
    beside: str | None = None
    #: ``echo_body`` only: ``json`` or ``html``; filler characters before the echo
    format: str = "json"
    pad: int = 0
    #: ``echo_header`` only: the response header that carries the echo
    header: str = "WWW-Authenticate"
    #: ``echo_redirect`` only: where the redirect points (default ``<base_url>/login``)
    location: str | None = None

    def matches(self, req: Request) -> bool:
        return self.path is None or re.search(self.path, req.path) is not None


def mutate_json(
    obj: t.Any, op: str, name: str, value: t.Any = None, beside: str | None = None
) -> t.Any:
    """A copy of ``obj`` changed the way a vendor's response shape drifts.

    ``add_field``: every object that has keys (or only those with key ``beside``) gains
    ``name`` = ``value`` (an undocumented field). ``drop_field``: key ``name`` disappears from every object. ``stringify``: every
    number under key ``name`` becomes its text (``12`` -> ``"12"``). ``tamper``: every
    string under key ``name`` gets an ``X`` appended (a page key or link altered in transit).
    """
    if isinstance(obj, list):
        return [mutate_json(item, op, name, value, beside) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, t.Any] = {}
    for key, item in obj.items():
        if key == name and op == "drop_field":
            continue
        if key == name and op == "stringify" and isinstance(item, int | float):
            if not isinstance(item, bool):
                out[key] = str(item)
                continue
        if key == name and op == "tamper" and isinstance(item, str):
            out[key] = item + "X"
            continue
        out[key] = mutate_json(item, op, name, value, beside)
    if op == "add_field" and obj and name not in out and (beside is None or beside in obj):
        out[name] = value
    return out


def mutate_response(resp: Response, fault: Fault) -> Response:
    """``resp`` with its JSON body changed by ``fault`` (other bodies pass unchanged)."""
    if resp.content_type != "application/json" or not isinstance(resp.body, bytes | bytearray):
        return resp
    try:
        body = json.loads(resp.body)
    except ValueError:
        return resp
    changed = mutate_json(body, fault.op, fault.field, fault.value, fault.beside)
    return Response(
        resp.status, json.dumps(changed).encode(), dict(resp.headers), resp.content_type
    )


#: Request headers that carry a credential (lower case).
CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "auth-api-token",
    "x-api-key",
    "api-key",
    "x-auth-token",
)
#: A query parameter whose name contains one of these carries a credential.
CREDENTIAL_PARAM_HINTS = ("token", "key", "secret", "password", "auth", "signature")


def credentials_of(req: Request) -> list[str]:
    """Every credential ``req`` carried, as sent and decoded, in a stable order.

    ``Authorization: Basic <b64>`` gives the decoded password and ``user:password``, the
    base64 text and the header value; ``Bearer <t>`` gives ``t``; ``OAuth k="v", ...``
    gives each parameter's value percent-decoded; then the header value as sent. Other
    credential headers give their value, query parameters named like a credential their
    (decoded) value.
    """
    found: list[str] = []

    def add(value: str | None) -> None:
        if value and value not in found:
            found.append(value)

    for name in CREDENTIAL_HEADERS:
        value = req.header(name)
        if not value:
            continue
        # The innermost values first: a ``pad`` then puts the credential itself at the cut.
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if scheme.lower() == "basic" and rest:
            try:
                pair = base64.b64decode(rest, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                pair = ""
            add(pair.partition(":")[2])
            add(pair)
            add(rest)
        elif scheme.lower() == "bearer" and rest:
            add(rest)
        elif scheme.lower() == "oauth" and rest:
            for key, raw in re.findall(r'(\w+)="([^"]*)"', rest):
                if key.startswith("oauth_"):
                    add(unquote(raw))
        add(value)
    for name, values in (req.query_lists or {k: [v] for k, v in req.query.items()}).items():
        if any(hint in name.lower() for hint in CREDENTIAL_PARAM_HINTS):
            for value in values:
                add(value)
    return found


def echo_response(req: Request, fault: Fault, base_url: str) -> Response:
    """The answer of an ``echo_*`` fault to ``req`` (see the module docstring)."""
    creds = credentials_of(req)
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    echo = "; ".join(creds) or "(no credential)"
    if fault.kind == "echo_redirect":
        status = fault.status if 300 <= fault.status < 400 else 302
        where = fault.location or f"{base_url}/login"
        query = urlencode([("token", c) for c in creds])
        headers["Location"] = f"{where}{'&' if '?' in where else '?'}{query}"
        return Response(status, b"", headers, "text/plain")
    if fault.kind == "echo_header":
        headers[fault.header] = f'Basic realm="api", error="invalid_token", received="{echo}"'
        return json_response(
            {"error": "invalid_token", "message": "Unauthorized"}, fault.status, headers
        )
    text = "x" * fault.pad + f"Credentials rejected: {echo}"
    if fault.format == "html":
        page = (
            f"<html><head><title>{html.escape(text)}</title></head><body>"
            f"<h1>Request refused</h1><pre>{html.escape(echo)}</pre></body></html>"
        )
        return Response(fault.status, page.encode(), headers, "text/html")
    body = {
        "error": text,
        "message": text,
        "received": {name: req.header(name) for name in CREDENTIAL_HEADERS if req.header(name)},
        "query": req.query,
    }
    return json_response(body, fault.status, headers)


class FaultPlan:
    """Queued faults, consumed in order by matching requests."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def add(self, kind: str, **kwargs: t.Any) -> None:
        with self._lock:
            self._faults.append(Fault(kind, **kwargs))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, req: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(req):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.injected[fault.kind] += 1
                    return fault
        return None


class SlidingWindowLimit:
    """Server-side limit: at most ``max_requests`` per ``window_seconds`` per key."""

    def __init__(self, max_requests: int, window_seconds: float) -> None:
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record a request; return None if allowed, else seconds until one is allowed."""
        now = time.monotonic()
        with self._lock:
            log = self._log.setdefault(key, deque())
            while log and log[0] <= now - self.window_seconds:
                log.popleft()
            if len(log) >= self.max_requests:
                return log[0] + self.window_seconds - now
            log.append(now)
            return None


Handler = Callable[..., Response]


class SandboxApp:
    """Base of a simulator: routing, stats, faults, rate limit."""

    name = "sandbox"

    def __init__(self, *, rate_limit: tuple[int, float] | None = None) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults = FaultPlan()
        self.stats: Counter[str] = Counter()
        self.request_log: deque[tuple[float, str, str]] = deque(maxlen=100_000)
        self.limit = SlidingWindowLimit(*rate_limit) if rate_limit else None
        self._now: dt.datetime | None = None
        self.base_url = ""

    # -- clock ---------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The server's clock (tests may pin it with :meth:`set_now`)."""
        return self._now or dt.datetime.now(dt.UTC)

    def set_now(self, moment: dt.datetime | None) -> None:
        self._now = moment

    # -- routing -------------------------------------------------------------------------

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(pattern), handler))

    def rate_limited(self, key: str) -> Response | None:
        """Count a request against ``key``; a 429 response when over the limit."""
        if self.limit is None:
            return None
        wait = self.limit.hit(key)
        if wait is None:
            return None
        self.stats["429"] += 1
        return self.too_many_requests(wait)

    def too_many_requests(self, wait: float) -> Response:  # vendors override the body
        return json_response({"error": "Rate limited exceeded"}, 429)

    def handle(self, req: Request) -> Response | Fault:
        self.stats["requests"] += 1
        self.stats[f"{req.method} {req.path}"] += 1
        self.request_log.append((time.monotonic(), req.method, req.path))
        if req.path.startswith("/__sandbox__/"):
            return self.control(req)
        fault = self.faults.take(req)
        if fault is not None:
            self.stats[f"fault:{fault.kind}"] += 1
            if fault.kind == "status":
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                body = fault.body if fault.body is not None else {"error": "injected fault"}
                if fault.status == 429:
                    self.stats["429"] += 1
                return json_response(body, fault.status, headers)
            if fault.kind == "html":
                return Response(200, b"<html><body>502 Bad Gateway</body></html>", {}, "text/html")
            if fault.kind == "mutate":
                return mutate_response(self.route(req), fault)
            if fault.kind in ("echo_body", "echo_header", "echo_redirect"):
                if fault.status == 429:
                    self.stats["429"] += 1
                return echo_response(req, fault, self.base_url)
            return fault
        return self.route(req)

    def route(self, req: Request) -> Response:
        """The simulator's own answer to ``req`` (no faults)."""
        for method, pattern, handler in self.routes:
            match = pattern.match(req.path)
            if match and method == req.method:
                try:
                    return handler(req, **match.groupdict())
                except HTTPError as exc:
                    return json_response(exc.body, exc.status, exc.headers)
        if any(p.match(req.path) for _, p, _ in self.routes):
            return json_response({"error": "method not allowed"}, 405)
        return self.not_found(req)

    def not_found(self, req: Request) -> Response:
        return json_response({"error": "Not found"}, 404)

    def control(self, req: Request) -> Response:
        if req.path == "/__sandbox__/faults" and req.method == "POST":
            spec = req.json() or {}
            self.faults.add(spec.pop("kind"), **spec)
            return json_response({"ok": True})
        if req.path == "/__sandbox__/faults" and req.method == "DELETE":
            self.faults.clear()
            return json_response({"ok": True})
        if req.path == "/__sandbox__/stats":
            return json_response(dict(self.stats))
        if req.path == "/__sandbox__/reset" and req.method == "POST":
            self.stats.clear()
            self.faults.clear()
            return json_response({"ok": True})
        if req.path == "/__sandbox__/now" and req.method == "POST":
            value = (req.json() or {}).get("now")
            self.set_now(dt.datetime.fromisoformat(value) if value else None)
            return json_response({"ok": True})
        return json_response({"error": "unknown control path"}, 404)


def _make_handler(app: SandboxApp) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without TCP_NODELAY every
            # keep-alive request would wait ~40 ms for the delayed ACK.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: t.Any) -> None:  # quiet
            return

        def _serve(self) -> None:
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            lists = parse_qs(parsed.query, keep_blank_values=True)
            req = Request(
                method=self.command,
                path=parsed.path,
                query={k: v[-1] for k, v in lists.items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                query_lists=lists,
            )
            try:
                result = app.handle(req)
            except Exception as exc:  # a simulator bug should look like a 500, not hang
                result = json_response({"error": f"sandbox error: {exc!r}"}, 500)
            if isinstance(result, Fault):
                self._fault(result)
                return
            self._respond(result)

        def _fault(self, fault: Fault) -> None:
            if fault.kind == "reset":
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                self._respond(json_response({"error": "slow"}, 503))
                return
            if fault.kind == "truncate":
                payload = b'{"truncated": tr'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload) + 100))
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True
                return
            self._respond(json_response({"error": f"unknown fault {fault.kind}"}, 500))

        def _respond(self, resp: Response) -> None:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            if isinstance(resp.body, bytes | bytearray):
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(resp.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for chunk in resp.body:
                    if chunk:
                        self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve

    return _Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``app`` on a background thread; yields its base URL (``http://127.0.0.1:N``)."""
    server = _Server((host, port), _make_handler(app))
    app.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-{app.name}",
        daemon=True,
    )
    thread.start()
    try:
        yield app.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_forever(app: SandboxApp, host: str, port: int) -> None:
    server = _Server((host, port), _make_handler(app))
    app.base_url = f"http://{host}:{server.server_address[1]}"
    print(f"{app.name} sandbox listening on {app.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
