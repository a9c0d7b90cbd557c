"""Incremental runs: bookmarks, lookback as upserts, resume after an interruption, a
far-future state, and no request reaching into the future."""

from __future__ import annotations

import datetime as dt
import typing as t

from sandbox.core import json_response
from tap_livechat_reports.tap import TapLivechatReports
from tapkit.testing import SyncResult, run_sync

from .conftest import Sandbox

STREAMS = ["chats_total_chats", "chats_tags", "agents_performance", "chats_queued_visitors_left"]
KEYS = {
    "chats_total_chats": ("period_start", "distribution"),
    "chats_tags": ("period_start", "distribution", "tag"),
    "agents_performance": ("window_start", "agent"),
    "chats_queued_visitors_left": ("window_start", "chat_id"),
}


def upsert(*results: SyncResult) -> dict[str, dict[tuple[t.Any, ...], dict[str, t.Any]]]:
    """What a warehouse holds after loading the runs in order (rows upserted by key)."""
    table: dict[str, dict[tuple[t.Any, ...], dict[str, t.Any]]] = {s: {} for s in STREAMS}
    for result in results:
        for name, rows in result.records.items():
            for row in rows:
                table[name][tuple(row[k] for k in KEYS[name])] = row
    return table


def bookmark(result: SyncResult, stream: str) -> str:
    assert result.final_state is not None
    return str(result.final_state["bookmarks"][stream]["replication_key_value"])


def test_two_sequential_runs_fetch_only_the_lookback_and_upsert(
    sandbox: Sandbox, pin_now: t.Callable[[dt.datetime], None]
) -> None:
    config = sandbox.config(start_date="2026-10-05", end_date=None, lookback_days=1)
    pin_now(dt.datetime(2026, 10, 8, 15, 30, 12, tzinfo=dt.UTC))
    first = run_sync(TapLivechatReports, config, streams=STREAMS)
    days = sorted({r["window_date"] for r in first.records["chats_total_chats"]})
    assert days == ["2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"]
    # Today is fetched up to now, never beyond, and stays the bookmark.
    assert (
        sandbox.bodies("chats/total_chats")[-1]["filters"]["to"]
        == "2026-10-08T15:30:12.000000+00:00"
    )
    assert bookmark(first, "chats_total_chats") == "2026-10-08T00:00:00+00:00"

    sandbox.app.requests_seen.clear()
    pin_now(dt.datetime(2026, 10, 9, 6, 0, tzinfo=dt.UTC))
    second = run_sync(TapLivechatReports, config, state=first.final_state, streams=STREAMS)
    for name in ("chats_total_chats", "chats_tags", "agents_performance"):
        assert {r["window_date"] for r in second.records[name]} == {
            "2026-10-07",
            "2026-10-08",
            "2026-10-09",
        }
    assert [b["filters"]["from"][:10] for b in sandbox.bodies("chats/total_chats")] == [
        "2026-10-07",
        "2026-10-08",
        "2026-10-09",
    ]
    assert bookmark(second, "chats_total_chats") == "2026-10-09T00:00:00+00:00"

    # Loaded in order, the two runs hold exactly what one run over the whole range holds.
    fresh = run_sync(TapLivechatReports, config, streams=STREAMS)
    merged, expected = upsert(first, second), upsert(fresh)
    for name in STREAMS:
        assert merged[name] == expected[name], name
    # The re-fetched 2026-10-08 replaced its partial first version.
    key = ("2026-10-08T00:00:00+00:00", "day")
    assert (
        merged["chats_total_chats"][key]["total"] > upsert(first)["chats_total_chats"][key]["total"]
    )


def test_resume_after_an_interruption_loses_nothing(sandbox: Sandbox) -> None:
    config = sandbox.config(start_date="2026-10-01", end_date="2026-10-08", lookback_days=0)
    original = sandbox.app.handle
    served = {"n": 0}

    def flaky(req: t.Any) -> t.Any:
        if req.path.endswith("/chats/tags"):
            served["n"] += 1
            if served["n"] > 4:  # the fifth day of chats_tags never answers
                return json_response({"error": {"type": "internal", "message": "boom"}}, 500)
        return original(req)

    sandbox.app.handle = flaky  # type: ignore[method-assign]
    broken = run_sync(TapLivechatReports, config, streams=STREAMS, raise_errors=False)
    assert broken.error is not None
    assert "gave up" in str(broken.error) or "500" in str(broken.error)
    got = {r["window_date"] for r in broken.records["chats_tags"]}
    assert got == {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"}
    last_state = broken.final_state
    assert last_state is not None
    assert bookmark(broken, "chats_tags") == "2026-10-04T00:00:00+00:00"

    sandbox.app.handle = original  # type: ignore[method-assign]
    sandbox.app.requests_seen.clear()
    resumed = run_sync(TapLivechatReports, config, state=last_state, streams=STREAMS)
    starts = [b["filters"]["from"][:10] for b in sandbox.bodies("chats/tags")]
    assert starts[0] == "2026-10-04"  # the bookmarked window again, nothing earlier
    full = run_sync(TapLivechatReports, config, streams=STREAMS)
    merged, expected = upsert(broken, resumed), upsert(full)
    for name in STREAMS:
        assert merged[name] == expected[name], name


def test_far_future_state_yields_no_records_and_a_valid_state(sandbox: Sandbox) -> None:
    future = "2099-01-01T00:00:00+00:00"
    state = {
        "bookmarks": {
            name: {"replication_key": "window_start", "replication_key_value": future}
            for name in STREAMS
        }
    }
    result = run_sync(
        TapLivechatReports, sandbox.config(end_date=None), state=state, streams=STREAMS
    )
    assert not any(result.records.values())
    assert sandbox.app.requests_seen == type(sandbox.app.requests_seen)()
    assert result.final_state is not None
    for name in STREAMS:
        assert bookmark(result, name) == future


def test_a_state_that_is_not_a_date_is_a_clear_error(sandbox: Sandbox) -> None:
    state = {
        "bookmarks": {
            "chats_tags": {"replication_key": "window_start", "replication_key_value": "yesterday"}
        }
    }
    result = run_sync(
        TapLivechatReports,
        sandbox.config(),
        state=state,
        streams=["chats_tags"],
        raise_errors=False,
    )
    assert result.error is not None
    assert "meltano state clear" in str(result.error)


def test_end_date_and_start_date_are_local_days_west_of_utc(sandbox: Sandbox) -> None:
    run_sync(
        TapLivechatReports,
        sandbox.config(start_date="2026-10-05", end_date="2026-10-06", timezone="America/Phoenix"),
        streams=["chats_total_chats"],
    )
    assert [b["filters"] for b in sandbox.bodies("chats/total_chats")] == [
        {"from": "2026-10-05T00:00:00-07:00", "to": "2026-10-05T23:59:59.999999-07:00"},
        {"from": "2026-10-06T00:00:00-07:00", "to": "2026-10-06T23:59:59.999999-07:00"},
    ]


def test_hourly_today_stops_at_the_current_hour(
    sandbox: Sandbox, pin_now: t.Callable[[dt.datetime], None]
) -> None:
    pin_now(dt.datetime(2026, 10, 8, 15, 30, tzinfo=dt.UTC))
    result = run_sync(
        TapLivechatReports,
        sandbox.config(start_date="2026-10-08", end_date=None, distribution="hour"),
        streams=["chats_total_chats"],
    )
    periods = [r["period"] for r in result.records["chats_total_chats"]]
    assert periods[0] == "2026-10-08 00:00:00" and periods[-1] == "2026-10-08 15:00:00"
    assert len(periods) == 16
    assert (
        sandbox.bodies("chats/total_chats")[0]["filters"]["to"]
        == "2026-10-08T15:30:00.000000+00:00"
    )
