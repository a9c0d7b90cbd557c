"""HTTP error handling (the kit's behaviour, exercised through the Lexer tap)."""

from __future__ import annotations

import time

import pytest
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from sandbox.lexer import DEFAULT_TOKEN
from tap_lexer_activity.tap import TapLexerActivity
from tapkit.testing import run_sync

# One request per day: the reading of date_to is set, so the tap does not ask each day
# both ways (see test_readings.py for the detection).
ONE_DAY = {"start_date": "2026-04-02", "end_date": "2026-04-02", "date_to_reading": "inclusive"}


def sync(config, **kwargs):
    return run_sync(TapLexerActivity, {**config, **ONE_DAY}, streams=["summary"], **kwargs)


def test_wrong_token_stops_at_once_naming_the_setting_without_the_secret(
    lexer_config, lexer_app
) -> None:
    config = {**lexer_config, "api_token": "wrong-token-12345"}
    with pytest.raises(FatalAPIError) as info:
        sync(config)
    message = str(info.value)
    assert "HTTP 401" in message and "`api_token`" in message
    assert "api token not matching" in message  # the API's own text
    assert "wrong-token-12345" not in message
    assert lexer_app.stats["requests"] == 1  # no retry of a 401


def test_400_stops_with_the_api_message(lexer_config, lexer_app) -> None:
    lexer_app.faults.add(
        "status", status=400, body={"error": "Invalid report - date range is too long"}
    )
    with pytest.raises(FatalAPIError, match="date range is too long"):
        sync(lexer_config)


def test_404_names_the_url_setting(lexer_config) -> None:
    config = {**lexer_config, "api_url": lexer_config["api_url"].replace("/v1", "/v9")}
    with pytest.raises(FatalAPIError, match=r"404.*`api_url`"):
        sync(config)


class CompressedClock:
    """The kit's waits without the wall clock: the client's sleeps and the rate limiter's
    clock read one counter that a sleep moves forward at once."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.waits: list[float] = []

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> CompressedClock:
    import tapkit.client
    import tapkit.ratelimit

    fake = CompressedClock()
    monkeypatch.setattr(tapkit.client, "time", fake)
    monkeypatch.setattr(tapkit.ratelimit, "time", fake)
    return fake


def test_429_waits_what_retry_after_asks_when_that_is_longer_than_the_floor(
    lexer_config, lexer_app, clock: CompressedClock
) -> None:
    # 3 s: above the 1 s floor and above the doubling backoff (1 s, then 2 s).
    lexer_app.faults.add("status", status=429, retry_after=3, count=2, path="/activity/reports")
    result = sync(lexer_config)
    assert len(result.records["summary"]) == 1
    assert lexer_app.stats["POST /v1/activity/reports"] == 3
    assert len(clock.waits) == 2
    assert all(3.0 <= wait < 3.5 for wait in clock.waits), clock.waits


def test_429_without_retry_after_waits_for_the_budget_to_free(
    lexer_config, lexer_app, clock: CompressedClock
) -> None:
    # One request per 10 s: the 429 meets a spent budget that frees 10 s after the send,
    # far longer than the 1 s floor the wait would otherwise take.
    config = {**lexer_config, "rate_limit_max_requests": 1, "rate_limit_window_seconds": 10.0}
    lexer_app.faults.add("status", status=429, count=1, path="/activity/reports")
    result = sync(config)
    assert len(result.records["summary"]) == 1
    assert lexer_app.stats["POST /v1/activity/reports"] == 2
    assert len(clock.waits) == 1
    assert 9.0 < clock.waits[0] <= 10.0, clock.waits


@pytest.mark.parametrize("kind", ["status", "reset", "truncate", "html"])
def test_transient_faults_are_retried(lexer_config, lexer_app, kind) -> None:
    lexer_app.faults.add(kind, status=503, count=2, path="/activity/reports")
    result = sync(lexer_config)
    assert len(result.records["summary"]) == 1
    assert lexer_app.stats["POST /v1/activity/reports"] == 3


def test_retries_are_bounded_then_a_clear_failure_without_state_past_good_data(
    lexer_config, lexer_app
) -> None:
    lexer_app.faults.add("status", status=502, count=100, path="/activity/reports")
    result = sync(lexer_config, raise_errors=False)
    assert isinstance(result.error, RetriableAPIError)
    assert "HTTP 502" in str(result.error)
    assert lexer_app.stats["POST /v1/activity/reports"] == lexer_config["max_retries"] + 1
    assert result.records == {}
    for state in result.states:
        assert "replication_key_value" not in state["bookmarks"].get("summary", {})


def test_rate_limiter_prevents_429s_in_a_multi_stream_run(lexer_url) -> None:
    from sandbox.core import serve
    from sandbox.lexer import LexerApp

    app = LexerApp(rate_limit_max=20, rate_limit_window=0.5)
    with serve(app) as url:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{url}/v1",
            "start_date": "2026-04-01",
            "end_date": "2026-04-08",
            "rate_limit_max_requests": 20,
            "rate_limit_window_seconds": 0.5,
        }
        run_sync(
            TapLexerActivity,
            config,
            streams=["users", "summary", "classifications", "nps_summary", "states_volume"],
        )
    assert app.stats["requests"] > 40  # well past one window's budget
    assert app.stats["429"] == 0
