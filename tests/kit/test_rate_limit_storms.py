"""A 429 storm from a neighbour on the same credential: waited out for as long as the
vendor's window requires, then one clear line; the wait spends the shared budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from tap_lexer_activity.client import LexerStream
from tap_lexer_activity.tap import TapLexerActivity
from tapkit.errors import RateLimitedError
from tapkit.ratelimit import FileLog, RateLimiter
from tapkit.testing import run_sync

REPORTS = "/activity/reports"
#: The rate-limit window, compressed from Lexer's 300 s.
WINDOW = 2.0
#: The shortest wait, compressed too: the old rule (30 retries of it) gave up after 0.3 s.
FLOOR = 0.01


@pytest.fixture
def app() -> LexerApp:
    return LexerApp(rate_limit_max=1000, rate_limit_window=1.0)


@pytest.fixture
def url(app: LexerApp) -> Iterator[str]:
    with serve(app) as base:
        yield base


def config(url: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": f"{url}/v1",
        "start_date": "2026-04-02",
        "end_date": "2026-04-02",
        "rate_limit_max_requests": 100,
        "rate_limit_window_seconds": WINDOW,
        # the reading of date_to is set, so each day is one request (detecting it takes a
        # second request, which would blur the count of tries below)
        "date_to_reading": "inclusive",
        **extra,
    }


@pytest.fixture
def short_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LexerStream, "min_rate_limit_wait", FLOOR)


def test_a_storm_longer_than_the_old_retries_but_shorter_than_the_window_is_survived(
    app: LexerApp, url: str, short_floor: None
) -> None:
    # 429s without Retry-After for 1 s (half the window; the old 30 x floor gave up at 0.3 s)
    app.faults.add("status", status=429, count=100_000, path=REPORTS)
    calm = threading.Timer(1.0, app.faults.clear)
    calm.start()
    try:
        result = run_sync(TapLexerActivity, config(url), streams=["summary"])
    finally:
        calm.cancel()
    assert len(result.records["summary"]) == 1
    storm = app.stats["429"]
    assert storm >= 3  # the storm was met several times and waited out
    assert app.stats[f"POST /v1{REPORTS}"] == storm + 1  # then the one answer that counted
    # waits double from the floor: far fewer tries than one per floor-long wait
    assert storm <= 12


def test_a_storm_longer_than_the_window_fails_with_one_clear_line(
    app: LexerApp, url: str, short_floor: None
) -> None:
    app.faults.add("status", status=429, count=100_000, path=REPORTS)
    result = run_sync(TapLexerActivity, config(url), streams=["summary"], raise_errors=False)
    assert isinstance(result.error, RateLimitedError)
    message = str(result.error)
    assert "\n" not in message
    assert "HTTP 429" in message and "still rate-limited after" in message
    assert "`rate_limit_window_seconds` = 2 s" in message
    assert DEFAULT_TOKEN not in message
    # doubling waits from 0.01 s pass 2 s after 8 of them: a bounded number of tries
    tries = app.stats[f"POST /v1{REPORTS}"]
    assert 8 <= tries <= 12
    assert result.records == {}


def test_the_console_script_ends_a_storm_with_one_line_naming_the_setting(
    app: LexerApp, url: str, tmp_path: Path
) -> None:
    app.faults.add("status", status=429, count=100_000, path=REPORTS)
    path = tmp_path / "config.json"
    # floor 1 s (Lexer's), window 2 s, and no more than 1 shortest wait: 1 + 2 s of waits
    path.write_text(json.dumps(config(url, max_rate_limit_retries=1)))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tap_lexer_activity.tap import main; main()",
            "--config",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert "tap-lexer-activity failed: gave up after retries: " in last
    assert "HTTP 429" in last and "`rate_limit_window_seconds` = 2 s" in last
    assert DEFAULT_TOKEN not in proc.stderr


def test_a_429_stops_every_stream_and_process_on_the_credential(
    app: LexerApp, url: str, short_floor: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one stream waits out a 429, another stream of the run and another process
    using the same credential find the budget spent (their next send waits)."""
    tap = TapLexerActivity(config=config(url))
    first, second = tap.streams["summary"], tap.streams["classifications"]
    limiter = first.limiter  # type: ignore[attr-defined]
    assert second.limiter is limiter  # type: ignore[attr-defined]
    assert isinstance(limiter.log, FileLog)
    # What another process sees: its own limiter over the same file.
    elsewhere = RateLimiter(100, WINDOW, clock=limiter._clock, log=FileLog(limiter.log.path))
    seen: list[tuple[float, float, float]] = []
    real_sleep = __import__("time").sleep

    def sleep(seconds: float) -> None:
        seen.append(
            (seconds, second.limiter.seconds_until_free(), elsewhere.seconds_until_free())  # type: ignore[attr-defined]
        )
        real_sleep(seconds)

    monkeypatch.setattr("tapkit.client.time.sleep", sleep)
    app.faults.add("status", status=429, count=2, path=REPORTS)
    body = {"type": "summary", "date_from": "2026-04-02T00:00:00+00:00"}
    body["date_to"] = "2026-04-03T00:00:00+00:00"
    first.send_json("POST", first.url_base + REPORTS, json=body)  # type: ignore[attr-defined]
    assert len(seen) == 2
    for wait, other_stream, other_process in seen:
        assert wait >= FLOOR
        assert other_stream > 0 and other_process > 0  # both would hold off
    assert app.stats[f"POST /v1{REPORTS}"] == 3
