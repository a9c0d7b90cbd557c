"""The Lexer token never leaks, whatever the API echoes back (see tests/secret_echo.py)."""

from __future__ import annotations

import typing as t

from sandbox.lexer import LexerApp
from tap_lexer_activity.tap import TapLexerActivity
from tests.secret_echo import (
    Credential,
    leak_tests,
)

#: Characters that change under URL, HTML and base64 encoding.
TOKEN = "lx-Tok/3n+Sp=cial&q<9>"


def _config(url: str) -> dict[str, t.Any]:
    return {
        "api_token": TOKEN,
        "api_url": f"{url}/v1",
        "exports_api_url": f"{url}/api/public/v1",
        "start_date": "2026-04-01",
        "end_date": "2026-04-02",
        "timezone": "UTC",
        "rate_limit_max_requests": 100,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 3,
    }


CREDENTIALS = [
    Credential(
        label="Lexer api_token",
        tap_cls=TapLexerActivity,
        script="tap-lexer-activity",
        build=lambda: LexerApp(token=TOKEN, rate_limit_max=100, rate_limit_window=1.0),
        config=_config,
        streams=["summary"],
        secrets={"api_token": TOKEN},
    )
]


(
    test_a_fatal_echo_leaks_nothing_in_process,
    test_a_fatal_echo_leaks_nothing_from_the_console_script,
    test_a_retried_echo_leaks_nothing_in_logs_state_or_records,
) = leak_tests(CREDENTIALS)
