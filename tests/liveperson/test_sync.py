"""tap-agentactivity against the sandbox: exact slots, schedules, gaps, state."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import jsonschema

import sandbox.liveperson as lp
from tap_agentactivity.tap import TapAgentActivity
from tapkit.testing import run_sync

from .conftest import Clock
from .helpers import (
    DURATIONS,
    KEY,
    SLOT,
    key_of,
    oauth_config,
    truth_rows,
    upsert,
    values_of,
)

STREAM = "agent_activity"
at = lp.at


def rows_of(result) -> list[dict]:
    return result.records[STREAM]


def bookmark(result) -> str | None:
    state = result.final_state or {}
    return state.get("bookmarks", {}).get(STREAM, {}).get("replication_key_value")


def test_first_run_full_day_exact_and_valid(app, url, clock: Clock) -> None:
    now = clock.set("2026-11-20T08:07:30")
    result = run_sync(TapAgentActivity, oauth_config(url))
    rows = rows_of(result)
    validator = jsonschema.Draft7Validator(result.schemas[STREAM]["schema"])
    for row in rows:
        validator.validate(row)
        assert all(row[k] is not None for k in KEY)
    keys = [key_of(r) for r in rows]
    assert len(keys) == len(set(keys))
    assert result.schemas[STREAM]["key_properties"] == list(KEY)
    # 24 hours back from 08:07:30: the partial 08:05-08:10 (yesterday) and the open
    # 08:05-08:10 (today) are dropped; 287 complete slots remain.
    first, stop = at("2026-11-19T08:10"), at("2026-11-20T08:05")
    assert min(r["interval_start"] for r in rows) >= first.isoformat()
    assert max(r["interval_end"] for r in rows) == stop.isoformat()
    table: dict = {}
    upsert(table, rows)
    assert values_of(table) == truth_rows(first, stop)
    assert bookmark(result) == stop.isoformat()
    assert app.stats["GET /operations/api/account/12345678/agentactivity"] == 1
    assert now - stop < SLOT


def test_runs_at_odd_minutes_hours_apart_count_every_slot_once(app, url, clock: Clock) -> None:
    """lookback 0: no key is ever emitted twice and the slots tile time without gaps."""
    schedule = [
        "2026-11-20T08:07:30",
        "2026-11-20T09:02:10",
        "2026-11-20T13:41:05",
        "2026-11-20T13:44:59",  # same open slot as the previous run: nothing new
        "2026-11-20T21:55:00",  # exactly on the grid
        "2026-11-21T06:33:20",  # across the empty night
    ]
    config = oauth_config(url, lookback_minutes=0, start_date="2026-11-20T06:00:00Z")
    state = None
    emitted: list[dict] = []
    for when in schedule:
        clock.set(when)
        result = run_sync(TapAgentActivity, config, state=state)
        emitted += rows_of(result)
        state = result.final_state
    keys = [key_of(r) for r in emitted]
    assert len(keys) == len(set(keys)), "a slot was emitted twice"
    # Intervals of one (agent, state, reason) never overlap.
    spans: dict[tuple, list[tuple[str, str]]] = {}
    for row in emitted:
        spans.setdefault((row["agent_id"], row["state_id"], row["away_reason_id"]), []).append(
            (row["interval_start"], row["interval_end"])
        )
    for series in spans.values():
        series.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(series))
    last = at(bookmark(result))
    assert last == at("2026-11-21T06:30")
    table: dict = {}
    upsert(table, emitted)
    assert values_of(table) == truth_rows(at("2026-11-20T06:00"), last)


def test_default_lookback_reemits_only_the_last_slot_and_upserts(app, url, clock: Clock) -> None:
    config = oauth_config(url, start_date="2026-11-20T06:00:00Z")
    table: dict = {}
    state = None
    runs = []
    for when in ("2026-11-20T08:07:30", "2026-11-20T09:02:10", "2026-11-20T10:30:00"):
        clock.set(when)
        result = run_sync(TapAgentActivity, config, state=state)
        if state is not None:
            previous = at(bookmark_of(state))
            oldest = min(at(r["interval_start"]) for r in rows_of(result))
            assert oldest == previous - dt.timedelta(minutes=5)
        runs.append(result)
        upsert(table, rows_of(result))
        state = result.final_state
    assert values_of(table) == truth_rows(at("2026-11-20T06:00"), at(bookmark(runs[-1])))


def bookmark_of(state: dict) -> str:
    return state["bookmarks"][STREAM]["replication_key_value"]


def test_hourly_intervals_are_stable_across_runs(app, url, clock: Clock) -> None:
    """08:07 then 09:02: API hours would end at 08:10 and 09:05 and overlap; ours do not."""
    config = oauth_config(url, interval_minutes=60, lookback_minutes=0)
    clock.set("2026-11-20T08:07:00")
    first = run_sync(TapAgentActivity, config)
    clock.set("2026-11-20T09:02:00")
    second = run_sync(TapAgentActivity, config, state=first.final_state)
    assert bookmark(first) == "2026-11-20T08:00:00+00:00"
    ends_second = {r["interval_end"] for r in rows_of(second)}
    assert ends_second == {"2026-11-20T09:00:00+00:00"}
    rows = rows_of(first) + rows_of(second)
    assert all(at(r["interval_start"]).minute == 0 and r["interval_minutes"] == 60 for r in rows)
    keys = [key_of(r) for r in rows]
    assert len(keys) == len(set(keys))
    # Each hour equals the sum of its twelve true 5-minute slots.
    hour = at("2026-11-20T08:00")
    slots = truth_rows(hour, hour + dt.timedelta(hours=1))
    summed: dict[tuple, dict[str, int]] = {}
    for (acct, _end, agent, state, reason), values in slots.items():
        acc = summed.setdefault(
            (acct, "2026-11-20T09:00:00+00:00", agent, state, reason), dict.fromkeys(DURATIONS, 0)
        )
        for c in DURATIONS:
            acc[c] += values[c]
    got = {key_of(r): {c: r[c] for c in DURATIONS} for r in rows_of(second)}
    assert got == summed


def test_gap_longer_than_24_hours_is_reported_with_the_lost_hours(
    url, clock: Clock, caplog
) -> None:
    clock.set("2026-11-20T08:07:30")
    state = {
        "bookmarks": {
            STREAM: {
                "replication_key": "interval_end",
                "replication_key_value": "2026-11-19T02:00:00+00:00",
            }
        }
    }
    with caplog.at_level(logging.WARNING):
        result = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=0), state=state)
    lost = [r.getMessage() for r in caplog.records if "are lost" in r.getMessage()]
    assert len(lost) == 1
    # Available from 08:10 yesterday (24 h before 08:10, the open slot's end): 02:00-08:10 lost.
    assert "6.17 hours" in lost[0]
    assert "2026-11-19T02:00:00+00:00 to 2026-11-19T08:10:00+00:00" in lost[0]
    assert rows_of(result), "the run carries on after the warning"
    assert min(r["interval_start"] for r in rows_of(result)) == "2026-11-19T08:10:00+00:00"
    assert bookmark(result) == "2026-11-20T08:05:00+00:00"


def test_no_warning_when_the_gap_fits(url, clock: Clock, caplog) -> None:
    clock.set("2026-11-20T08:07:30")
    state = {
        "bookmarks": {
            STREAM: {
                "replication_key": "interval_end",
                "replication_key_value": "2026-11-19T08:10:00+00:00",
            }
        }
    }
    with caplog.at_level(logging.WARNING):
        result = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=0), state=state)
    assert not [r for r in caplog.records if "lost" in r.getMessage()]
    assert min(r["interval_start"] for r in rows_of(result)) == "2026-11-19T08:10:00+00:00"


def test_old_start_date_is_a_floor_and_warns(url, clock: Clock, caplog) -> None:
    clock.set("2026-11-20T08:07:30")
    with caplog.at_level(logging.WARNING):
        old = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-01T00:00:00Z"))
    assert any("not available from this API" in r.getMessage() for r in caplog.records)
    assert min(r["interval_start"] for r in rows_of(old)) == "2026-11-19T08:10:00+00:00"
    recent = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T07:02:00Z"))
    assert min(r["interval_start"] for r in rows_of(recent)) == "2026-11-20T07:05:00+00:00"


def test_partial_intervals_never_land(url, clock: Clock) -> None:
    now = clock.set("2026-11-20T10:03:17")
    result = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T09:00:00Z"))
    rows = rows_of(result)
    assert max(at(r["interval_end"]) for r in rows) == at("2026-11-20T10:00")
    assert all(at(r["interval_end"]) <= now for r in rows)
    for row in rows:
        assert at(row["interval_end"]) - at(row["interval_start"]) == SLOT
    # A logged-in agent's full slot is exactly 300 s (up to the API's 1-second rounding).
    logged_in = [r["total"] for r in rows if r["state_id"] == -1]
    assert logged_in and max(logged_in) <= 300


def test_far_future_state_yields_nothing_and_a_valid_state(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T08:07:30")
    value = "2030-01-01T00:00:00+00:00"
    state = {
        "bookmarks": {STREAM: {"replication_key": "interval_end", "replication_key_value": value}}
    }
    result = run_sync(TapAgentActivity, oauth_config(url), state=state)
    assert rows_of(result) == []
    assert bookmark(result) == value
    assert app.stats["requests"] == 0


def test_empty_night_moves_the_bookmark_without_rows(url, clock: Clock) -> None:
    clock.set("2026-11-21T03:00:30")
    state = {
        "bookmarks": {
            STREAM: {
                "replication_key": "interval_end",
                "replication_key_value": "2026-11-21T00:00:00+00:00",
            }
        }
    }
    result = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=0), state=state)
    assert rows_of(result) == []
    assert bookmark(result) == "2026-11-21T03:00:00+00:00"


def test_agents_come_and_go_between_slots(url, clock: Clock) -> None:
    clock.set("2026-11-20T13:20:00")
    result = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T05:00:00Z"))
    per_slot: dict[str, set[str]] = {}
    for row in rows_of(result):
        per_slot.setdefault(row["interval_end"], set()).add(row["agent_id"])
    sizes = {len(agents) for agents in per_slot.values()}
    assert len(sizes) > 1, "the sandbox day should have slots with different agent sets"
    table: dict = {}
    upsert(table, rows_of(result))
    assert values_of(table) == truth_rows(at("2026-11-20T05:00"), at("2026-11-20T13:15"))


def test_away_reasons_are_rows_of_their_own(url, clock: Clock) -> None:
    clock.set("2026-11-20T12:00:30")
    rows = rows_of(run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T09:00:00Z")))
    away = [r for r in rows if r["state_id"] == 4]
    reasons = [r for r in away if r["away_reason_id"] != "none"]
    assert reasons and {r["away_reason_id"] for r in reasons} <= {
        "2642559712",
        "2642559112",
        "2642559999",
    }
    # The reason rows break the Away row down (reasons never exceed the state's total).
    totals = {
        (r["interval_end"], r["agent_id"]): r["total"]
        for r in away
        if r["away_reason_id"] == "none"
    }
    for r in reasons:
        assert r["total"] <= totals[(r["interval_end"], r["agent_id"])]


def test_empty_reasons_array(url, clock: Clock) -> None:
    app = lp.build(seed=11, away_reasons=False)
    from sandbox.core import serve

    with serve(app) as base:
        clock.app = app
        clock.set("2026-11-20T12:00:30")
        rows = rows_of(
            run_sync(TapAgentActivity, oauth_config(base, start_date="2026-11-20T09:00:00Z"))
        )
    assert {r["away_reason_id"] for r in rows} == {"none"}
    assert any(r["state_id"] == 4 and r["total"] > 0 for r in rows)


def test_server_clock_ahead_is_caught_up_without_a_gap(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T08:07:30")
    first = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=0))
    # The tap's clock runs 12 minutes behind the server's.
    clock.set("2026-11-20T09:31:00", tap_skew=-dt.timedelta(minutes=12))
    app.stats.clear()
    second = run_sync(
        TapAgentActivity, oauth_config(url, lookback_minutes=0), state=first.final_state
    )
    assert app.stats["GET /operations/api/account/12345678/agentactivity"] == 2
    assert min(r["interval_start"] for r in rows_of(second)) == "2026-11-20T08:05:00+00:00"
    assert bookmark(second) == "2026-11-20T09:30:00+00:00"


def test_failed_run_keeps_the_bookmark_and_the_next_run_loses_nothing(
    app, url, clock: Clock
) -> None:
    config = oauth_config(url, lookback_minutes=0, max_retries=1, start_date="2026-11-20T06:00:00Z")
    clock.set("2026-11-20T08:07:30")
    first = run_sync(TapAgentActivity, config)
    clock.set("2026-11-20T09:02:10")
    app.faults.add("status", status=503, count=2)
    failed = run_sync(TapAgentActivity, config, state=first.final_state, raise_errors=False)
    assert failed.error is not None and rows_of(failed) == []
    assert bookmark(failed) in (None, bookmark(first))
    clock.set("2026-11-20T11:12:00")
    third = run_sync(TapAgentActivity, config, state=first.final_state)
    table: dict = {}
    upsert(table, rows_of(first) + rows_of(third))
    assert values_of(table) == truth_rows(at("2026-11-20T06:00"), at("2026-11-20T11:10"))


def test_bad_bookmark_is_a_clear_state_error(url, clock: Clock) -> None:
    clock.set("2026-11-20T08:07:30")
    state = {
        "bookmarks": {
            STREAM: {"replication_key": "interval_end", "replication_key_value": "yesterday"}
        }
    }
    result = run_sync(TapAgentActivity, oauth_config(url), state=state, raise_errors=False)
    assert "meltano state clear" in str(result.error)


def test_lookback_rows_never_pull_the_bookmark_back(url, clock: Clock) -> None:
    """Lookback rows end before trailing empty slots; the bookmark stays where it was."""
    clock.set("2026-11-20T22:03:00")
    state = {
        "bookmarks": {
            STREAM: {
                "replication_key": "interval_end",
                "replication_key_value": "2026-11-20T22:00:00+00:00",
            }
        }
    }
    result = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=60), state=state)
    rows = rows_of(result)
    assert rows and max(r["interval_end"] for r in rows) < "2026-11-20T22:00:00+00:00"
    assert bookmark(result) == "2026-11-20T22:00:00+00:00"


def test_bookmark_just_ahead_of_the_server_asks_and_emits_nothing(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T08:07:30")
    value = "2026-11-20T09:00:00+00:00"
    state = {
        "bookmarks": {STREAM: {"replication_key": "interval_end", "replication_key_value": value}}
    }
    result = run_sync(TapAgentActivity, oauth_config(url, lookback_minutes=0), state=state)
    assert rows_of(result) == []
    assert bookmark(result) == value
