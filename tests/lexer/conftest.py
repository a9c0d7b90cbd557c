from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest

from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp


@pytest.fixture
def lexer_app() -> LexerApp:
    # 100 requests per second instead of per 300 s: the same rule, compressed.
    return LexerApp(rate_limit_max=100, rate_limit_window=1.0)


@pytest.fixture
def lexer_url(lexer_app: LexerApp) -> Iterator[str]:
    with serve(lexer_app) as url:
        yield url


@pytest.fixture
def lexer_config(lexer_url: str) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": f"{lexer_url}/v1",
        "exports_api_url": f"{lexer_url}/api/public/v1",
        "start_date": "2026-04-01",
        "end_date": "2026-04-10",
        "timezone": "Australia/Sydney",
        "rate_limit_max_requests": 100,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 3,
    }
