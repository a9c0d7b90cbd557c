from __future__ import annotations

import contextlib
import socket
import threading
import typing as t
from collections.abc import Iterator

import pytest

from sandbox import core
from sandbox.dixa import DEFAULT_TOKEN, DixaApp

#: Copenhagen leaves summer time on 2026-10-25: that local day has 25 hours.
TZ = "Europe/Copenhagen"


@contextlib.contextmanager
def serve(app: core.SandboxApp) -> Iterator[str]:
    """``sandbox.core.serve`` with TCP_NODELAY on each connection.

    core's handler writes the headers and the body of a response in two sends; with
    Nagle's algorithm on, the body waits for the client's delayed ACK (~40 ms on Linux)
    on every keep-alive request. Same app, same behaviour, without that stall.
    """
    base = core._make_handler(app)

    class Handler(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server = core._Server(("127.0.0.1", 0), Handler)
    app.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def dixa_app() -> DixaApp:
    # The documented rate (4 per 0.4 s) compressed less than it is generous: tests that
    # check the limit build their own app.
    return DixaApp(rate_limit_max=200, rate_limit_window=1.0)


@pytest.fixture
def dixa_url(dixa_app: DixaApp) -> Iterator[str]:
    with serve(dixa_app) as url:
        yield url


@pytest.fixture
def dixa_config(dixa_url: str) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": dixa_url,
        "start_date": "2026-10-24",
        "end_date": "2026-10-26",
        "timezone": TZ,
        "page_limit": 20,
        "rate_limit_max_requests": 200,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 2,
    }
