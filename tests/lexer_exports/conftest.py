from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest

from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.lexer_exports import ExportService, exports_of


@pytest.fixture
def app() -> LexerApp:
    # 100 requests per second instead of per 300 s: the same rule, compressed.
    return LexerApp(rate_limit_max=100, rate_limit_window=1.0)


@pytest.fixture
def exports(app: LexerApp) -> ExportService:
    return exports_of(app)


@pytest.fixture
def base_url(app: LexerApp) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture
def config(base_url: str) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": f"{base_url}/v1",
        "exports_api_url": f"{base_url}/api/public/v1",
        "start_date": "2026-10-01",
        "end_date": "2026-10-05",
        "timezone": "Australia/Sydney",  # DST starts on 2026-10-04 (a 23-hour day)
        "nps_form_ids": [55],
        "lookback_days": 0,
        "rate_limit_max_requests": 100,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 2,
        "export_window_days": 2,
        "export_poll_interval_seconds": 0.005,
        "export_timeout_seconds": 10,
    }
