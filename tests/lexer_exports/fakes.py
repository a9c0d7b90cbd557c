"""A tiny Lexer export server built from the 2022 docs alone, on 127.0.0.1.

The docs show, for each CSV export, three steps and their answers verbatim:

1. ``POST /v1/activity/reports`` with ``type`` -> ``{"status": "pending", "url": null,
   "token": "<report_token>"}``;
2. ``GET /api/public/v1/activity/reports/status?token=<report_token>`` (``Auth-Api-Token``)
   -> ``{"status": "complete", "url": "<CSV File Location>", "token": "<report_token>"}``;
3. ``GET <CSV File Location>`` -> the CSV file.

They show no column of any file, so a test sets each file's text itself
(``FakeLexer.files[type]``); a job serves the text set when it was started.
"""

from __future__ import annotations

import json
import threading
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "fake-api-token-0123"


class FakeLexer:
    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.jobs: dict[str, tuple[dict[str, t.Any], str]] = {}
        self.lock = threading.Lock()
        self.base = ""

    def start_job(self, body: dict[str, t.Any]) -> str:
        with self.lock:
            token = f"report-token-{len(self.jobs) + 1}"
            self.jobs[token] = (body, self.files.get(str(body.get("type")), ""))
        return token


def _handler(fake: FakeLexer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: t.Any) -> None:
            return None

        def reply(self, code: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def json(self, code: int, value: t.Any) -> None:
            self.reply(code, json.dumps(value).encode())

        def authorised(self) -> bool:
            if self.headers.get("Auth-Api-Token") == TOKEN:
                return True
            self.json(401, {"error": "Unauthorized - api token not matching"})
            return False

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if urlparse(self.path).path != "/v1/activity/reports":
                self.json(404, {"error": "Not found"})
            elif self.authorised():
                token = fake.start_job(body)
                self.json(200, {"status": "pending", "url": None, "token": token})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/api/public/v1/activity/reports/status":
                if not self.authorised():
                    return
                token = parse_qs(url.query).get("token", [""])[0]
                if token not in fake.jobs:
                    self.json(404, {"error": "Not found"})
                    return
                location = f"{fake.base}/files/{token}.csv"
                self.json(200, {"status": "complete", "url": location, "token": token})
            elif url.path.startswith("/files/") and url.path.endswith(".csv"):
                token = url.path[len("/files/") : -len(".csv")]
                if token not in fake.jobs or "Auth-Api-Token" in self.headers:
                    self.json(403, {"error": "Forbidden"})
                    return
                self.reply(200, fake.jobs[token][1].encode(), "text/csv")
            else:
                self.json(404, {"error": "Not found"})

    return Handler


@contextmanager
def serve(fake: FakeLexer) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        fake.base = f"http://127.0.0.1:{server.server_address[1]}"
        yield fake.base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
