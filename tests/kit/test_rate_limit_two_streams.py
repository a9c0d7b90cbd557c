"""A 429 storm met by one stream holds every stream on the credential: while ``summary``
waits out its 429s, ``users`` (another path, never answered 429) sends nothing, because
the wait spends the shared budget (``RateLimiter.penalize``)."""

from __future__ import annotations

import threading
import time
import typing as t
from collections.abc import Iterator

import pytest

from sandbox.core import Request, serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from tap_lexer_activity.client import LexerStream
from tap_lexer_activity.tap import TapLexerActivity

REPORTS = "/activity/reports"
#: Each 429 asks for this wait; the test looks at the server during its first half.
RETRY_AFTER = 0.8
STORM = 3


@pytest.fixture
def app() -> LexerApp:
    return LexerApp(rate_limit_max=1000, rate_limit_window=1.0)


@pytest.fixture
def url(app: LexerApp) -> Iterator[str]:
    with serve(app) as base:
        yield base


def test_while_one_stream_waits_out_429s_the_other_sends_nothing(
    app: LexerApp, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LexerStream, "min_rate_limit_wait", 0.01)
    tap = TapLexerActivity(
        config={
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{url}/v1",
            "start_date": "2026-04-02",
            "end_date": "2026-04-02",
            "rate_limit_max_requests": 100,
            "rate_limit_window_seconds": 2.0,
        }
    )
    waiting, other = tap.streams["summary"], tap.streams["users"]
    limiter = waiting.limiter  # type: ignore[attr-defined]
    assert other.limiter is limiter  # type: ignore[attr-defined]

    arrivals: list[str] = []
    handle = app.handle

    def recording(req: Request) -> t.Any:
        arrivals.append(req.path)
        return handle(req)

    app.handle = recording  # type: ignore[method-assign]

    def users_sent() -> int:
        return sum(path.endswith("/users") for path in arrivals)

    # The budget's own record: when each wait held it (from just after the penalty was
    # set until its end), and when `users` took its slot (the limiter serialises both).
    held: list[tuple[float, float]] = []
    taken: list[float] = []
    penalize, acquire = limiter.penalize, limiter.acquire

    def spend(seconds: float) -> None:
        before = limiter._clock()
        penalize(seconds)
        held.append((limiter._clock(), before + seconds))

    def take() -> float:
        stamp = acquire()
        if threading.current_thread() is other_thread:
            taken.append(stamp)
        return stamp

    monkeypatch.setattr(limiter, "penalize", spend)
    monkeypatch.setattr(limiter, "acquire", take)

    other_rows: list[t.Any] = []
    other_thread = threading.Thread(
        target=lambda: other_rows.append(
            other.send_json("GET", f"{other.url_base}/users")  # type: ignore[attr-defined]
        )
    )
    first_wait: list[int] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        """``summary`` waits out a 429: on the first, ``users`` asks to send at once,
        and the server is looked at half-way through the wait."""
        if other_thread.ident is None:
            other_thread.start()
            real_sleep(seconds / 2)
            first_wait.append(users_sent())
        else:
            real_sleep(seconds / 2)

    monkeypatch.setattr("tapkit.client.time.sleep", sleep)
    app.faults.add("status", status=429, count=STORM, path=REPORTS, retry_after=RETRY_AFTER)
    body = {"type": "summary", "date_from": "2026-04-02T00:00:00+00:00"}
    body["date_to"] = "2026-04-03T00:00:00+00:00"
    answer = waiting.send_json("POST", waiting.url_base + REPORTS, json=body)  # type: ignore[attr-defined]
    other_thread.join(timeout=30)

    assert isinstance(answer, dict)
    assert app.faults.injected["status"] == STORM
    assert first_wait == [0], "`users` sent a request while `summary` waited out its 429"
    assert len(held) == STORM, "a 429's wait did not spend the shared budget"
    assert len(taken) == 1 and users_sent() == 1  # `users` did send, once
    for start, end in held:
        assert not start < taken[0] < end, "`users` took a slot while the budget was held"
    assert other_rows and isinstance(other_rows[0], list)
    assert app.stats["429"] == STORM  # `users` never met the storm's 429s
