"""Fixtures for the LiveChat tap tests: an in-process simulator and the tap's config."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import typing as t
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from sandbox import livechat_data as data
from sandbox.core import serve
from sandbox.livechat import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_OAUTH_TOKEN,
    DEFAULT_PAT,
    LiveChatApp,
    build,
)
from tap_livechat_reports.client import LiveChatStream
from tap_livechat_reports.streams import PROBE_METHOD

SEED = 11


class Sandbox:
    def __init__(self, app: LiveChatApp, url: str) -> None:
        self.app = app
        self.url = url

    def config(self, **overrides: t.Any) -> dict[str, t.Any]:
        config: dict[str, t.Any] = {
            "api_url": self.url,
            "account_id": DEFAULT_ACCOUNT_ID,
            "personal_access_token": DEFAULT_PAT,
            "start_date": "2026-10-05",
            "end_date": "2026-10-07",
            "timezone": "UTC",
            "lookback_days": 1,
            "rate_limit_max_requests": 10_000,
            "rate_limit_window_seconds": 1,
            "max_retries": 3,
            "backoff_base_seconds": 0.01,
            "request_timeout_seconds": 5,
        }
        config.update(overrides)
        return {k: v for k, v in config.items() if v is not None}

    def bodies(self, method: str) -> list[dict[str, t.Any]]:
        """The bodies of ``method``'s day requests (without the tap's ``to`` probe)."""
        return [b for m, b in self.app.requests_seen if m == method and not is_probe(m, b)]

    def probes(self) -> list[dict[str, t.Any]]:
        """The bodies of the tap's once-a-run question: how is ``filters.to`` read?"""
        return [b for m, b in self.app.requests_seen if is_probe(m, b)]


def is_probe(method: str, body: dict[str, t.Any]) -> bool:
    """The tap asks ``chats/total_chats`` once per run from the last second before a local
    midnight to that midnight (every day's own request starts at a local midnight)."""
    start = str((body.get("filters") or {}).get("from", ""))
    return method == PROBE_METHOD and "T00:00:00" not in start


@pytest.fixture
def sandbox_factory() -> Iterator[t.Callable[..., Sandbox]]:
    with contextlib.ExitStack() as stack:

        def make(**options: t.Any) -> Sandbox:
            options.setdefault("seed", SEED)
            app = build(**options)
            url = stack.enter_context(serve(app))
            return Sandbox(app, url)

        yield make


@pytest.fixture
def sandbox(sandbox_factory: t.Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory()


@pytest.fixture
def pin_now(monkeypatch: pytest.MonkeyPatch) -> t.Callable[[dt.datetime], None]:
    """Pin the tap's clock (and so today's window and the cap on ``filters.to``)."""

    def pin(moment: dt.datetime) -> None:
        monkeypatch.setattr(LiveChatStream, "now", lambda self: moment)

    return pin


def local_day(day: str, tz: str) -> tuple[float, float]:
    """Epoch bounds of a local calendar day (23, 24 or 25 hours)."""
    zone = ZoneInfo(tz)
    d = dt.date.fromisoformat(day)
    start = dt.datetime(d.year, d.month, d.day, tzinfo=zone)
    nxt = d + dt.timedelta(days=1)
    end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return start.timestamp(), end.timestamp()


def quiet_utc_day(after: str) -> str:
    """The first UTC day after ``after`` on which the simulator has no activity, nor on
    the day before (so that day is empty in UTC and in any zone east of UTC)."""
    day = dt.date.fromisoformat(after)
    while True:
        day += dt.timedelta(days=1)
        hour = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() // 3600)
        if data.quiet_hour(hour) and data.quiet_hour(hour - 24):
            return day.isoformat()


def basic_header() -> str:
    return "Basic " + base64.b64encode(f"{DEFAULT_ACCOUNT_ID}:{DEFAULT_PAT}".encode()).decode()


OAUTH_TOKEN = DEFAULT_OAUTH_TOKEN
