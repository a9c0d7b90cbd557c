"""Gaps that mutation testing (docs/mutation.md) found in the LiveChat tap."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest
import requests

from tap_livechat_reports.tap import TapLivechatReports
from tapkit.errors import TapError
from tapkit.testing import run_sync
from tapkit.windows import Window
from tests.responses import json_response

from .conftest import Sandbox

DAY = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
WINDOW = Window(DAY, DAY + dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1))


def _stream(sandbox: Sandbox, name: str) -> t.Any:
    return TapLivechatReports(config=sandbox.config()).streams[name]


def _response(status: int, body: t.Any) -> requests.Response:
    return json_response(status, body, "http://127.0.0.1:9/v3.6/reports/chats/total_chats")


def test_error_text_of_a_body_that_is_not_an_object_is_the_plain_text(sandbox: Sandbox) -> None:
    stream = _stream(sandbox, "chats_queued_visitors_left")
    assert "unexpected" in stream.api_error_text(_response(400, ["unexpected"]))
    typed = _response(400, {"error": {"type": "validation", "message": "bad filters"}})
    assert stream.api_error_text(typed) == "validation: bad filters"


def test_queued_left_summary_omitted_is_zero_left_without_details(sandbox: Sandbox) -> None:
    stream = _stream(sandbox, "chats_queued_visitors_left")
    rows = list(stream.rows({"total": 1, "records": {"c1": {}}}, WINDOW, None))
    assert rows and all(r["summary_left_without_details"] == 0 for r in rows)


def test_queued_left_summary_that_is_not_an_object_is_named_in_the_error(
    sandbox: Sandbox,
) -> None:
    stream = _stream(sandbox, "chats_queued_visitors_left")
    with pytest.raises(TapError, match="a str where a summary object was documented"):
        list(stream.rows({"total": 0, "summary": "n/a", "records": {}}, WINDOW, None))


def test_visitors_fallback_logs_each_method_that_answered_404(
    sandbox_factory: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    current = sandbox_factory(visitors_paths=("stats/unique_visitors",))
    config = current.config(start_date="2026-10-05", end_date="2026-10-05")
    with caplog.at_level("WARNING"):
        run_sync(TapLivechatReports, config, streams=["stats_visitors"])
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "stats_visitors: stats/visitors answered 404" in warned
    assert "stats_visitors: customers/unique_visitors answered 404" in warned


def test_visitors_summary_that_is_not_an_object_is_named_in_the_error(sandbox: Sandbox) -> None:
    stream = _stream(sandbox, "stats_visitors")
    with pytest.raises(TapError, match="a str where a summary object was documented"):
        list(stream.rows({"summary": "n/a", "records": {}}, WINDOW, None))


def test_a_paged_whole_answer_total_is_kept_not_summed(sandbox: Sandbox) -> None:
    """Each page repeating the whole answer's total (60, of which two pages of 25 were
    read) is that total; only pages whose totals equal their own counts add up."""
    stream = _stream(sandbox, "chats_queued_visitors_left")
    assert stream.day_total({"total": 60}, [(60, 25), (60, 25)]) == 60
    assert stream.day_total({"total": 25}, [(25, 25), (7, 7)]) == 32


def test_an_instant_period_key_is_read_in_the_configured_zone(sandbox: Sandbox) -> None:
    tap = TapLivechatReports(config=sandbox.config(timezone="Europe/Warsaw"))
    stream = next(s for s in tap.streams.values() if hasattr(s, "parse_period"))
    local = stream.parse_period("2026-10-05T10:00:00Z")
    assert (local.hour, str(local.tzinfo)) == (12, "Europe/Warsaw")
