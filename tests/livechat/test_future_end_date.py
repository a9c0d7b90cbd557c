"""An ``end_date`` weeks after today is capped at today (see tests/future_end.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_livechat_reports.tap import TapLivechatReports
from tapkit.reports import DateWindowStream
from tapkit.testing import run_sync
from tapkit.windows import get_zone
from tests.future_end import assert_capped_at_today, record_requests

from .conftest import Sandbox

NOW = dt.datetime(2026, 10, 7, 12, 0, tzinfo=dt.UTC)
STREAMS = ["chats_total_chats", "agents_performance", "chats_forms"]


def test_a_future_end_date_is_capped_at_today(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.app.set_now(NOW)
    monkeypatch.setattr(DateWindowStream, "now", lambda self: sandbox.app.now())
    requests = record_requests(sandbox.app)
    config = sandbox.config(start_date="2026-10-04", end_date="2026-11-25")
    result = run_sync(TapLivechatReports, config, streams=STREAMS, raise_errors=False)
    assert_capped_at_today(result, requests, NOW, get_zone(config["timezone"]), STREAMS)
