"""The Dixa token never leaks, whatever the API echoes back (see tests/secret_echo.py)."""

from __future__ import annotations

import typing as t

from sandbox.dixa import DixaApp
from tap_analytics.tap import TapAnalytics
from tests.secret_echo import (
    Credential,
    leak_tests,
)

TOKEN = "dx-Tok/3n+Sp=cial&q<9>"


def _config(url: str) -> dict[str, t.Any]:
    return {
        "api_token": TOKEN,
        "api_url": url,
        "start_date": "2026-10-24",
        "end_date": "2026-10-24",
        "timezone": "UTC",
        "record_ids": ["ratings"],
        "page_limit": 20,
        "rate_limit_max_requests": 200,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 2,
    }


CREDENTIALS = [
    Credential(
        label="Dixa api_token",
        tap_cls=TapAnalytics,
        script="tap-analytics",
        build=lambda: DixaApp(token=TOKEN, rate_per_second=1000, burst=200),
        config=_config,
        streams=["ratings"],
        secrets={"api_token": TOKEN},
    )
]


(
    test_a_fatal_echo_leaks_nothing_in_process,
    test_a_fatal_echo_leaks_nothing_from_the_console_script,
    test_a_retried_echo_leaks_nothing_in_logs_state_or_records,
) = leak_tests(CREDENTIALS)
