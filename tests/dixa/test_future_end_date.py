"""An ``end_date`` weeks after today is capped at today (see tests/future_end.py)."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest

from sandbox.dixa import DixaApp
from tap_analytics.tap import TapAnalytics
from tapkit.reports import DateWindowStream
from tapkit.testing import run_sync
from tapkit.windows import get_zone
from tests.future_end import assert_capped_at_today, record_requests

NOW = dt.datetime(2026, 10, 25, 10, 0, tzinfo=dt.UTC)  # 11:00 on the 25-hour day
STREAMS = ["metric_data", "closed_conversations", "ratings"]


def test_a_future_end_date_is_capped_at_today(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    dixa_app.set_now(NOW)
    monkeypatch.setattr(DateWindowStream, "now", lambda self: dixa_app.now())
    monkeypatch.setattr(TapAnalytics, "now", lambda self: dixa_app.now())
    requests = record_requests(dixa_app)
    config = {**dixa_config, "start_date": "2026-10-22", "end_date": "2026-12-10"}
    result = run_sync(TapAnalytics, config, streams=STREAMS, raise_errors=False)
    assert_capped_at_today(result, requests, NOW, get_zone(config["timezone"]), STREAMS)
