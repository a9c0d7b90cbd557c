"""An ``end_date`` weeks after today is capped at today (see tests/future_end.py)."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest

from sandbox.lexer import LexerApp
from tap_lexer_activity.tap import TapLexerActivity
from tapkit.reports import DateWindowStream
from tapkit.testing import run_sync
from tapkit.windows import get_zone
from tests.future_end import assert_capped_at_today, record_requests

NOW = dt.datetime(2026, 4, 8, 3, 0, tzinfo=dt.UTC)  # 13:00 on 8 April in Sydney
STREAMS = ["summary", "states_volume", "user_volume", "response_volume"]


def test_a_future_end_date_is_capped_at_today(
    lexer_app: LexerApp, lexer_config: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lexer_app.set_now(NOW)
    monkeypatch.setattr(DateWindowStream, "now", lambda self: lexer_app.now())
    requests = record_requests(lexer_app)
    config = {**lexer_config, "start_date": "2026-04-03", "end_date": "2026-05-20"}
    result = run_sync(TapLexerActivity, config, streams=STREAMS, raise_errors=False)
    assert_capped_at_today(result, requests, NOW, get_zone(config["timezone"]), STREAMS)
