"""Timeframe planning, complete-interval selection and fixed-grid roll-up (no HTTP)."""

from __future__ import annotations

import pytest

import sandbox.liveperson as lp
from tap_agentactivity.planning import (
    ShapeError,
    buckets,
    ceil_grid,
    complete_slots,
    floor_grid,
    plan_timeframe,
)

at = lp.at


def body_at(now: str, timeframe: int, interval: int = 5) -> dict:
    app = lp.build(seed=11)
    app.set_now(at(now))
    return app.activity(timeframe, interval, None)


def test_timeframe_is_the_smallest_multiple_reaching_back() -> None:
    now = at("2026-11-20T08:07:30")
    assert plan_timeframe(now, at("2026-11-20T08:00")) == 10
    assert plan_timeframe(now, at("2026-11-20T07:05")) == 65
    assert plan_timeframe(at("2026-11-20T08:10"), at("2026-11-20T07:10")) == 60
    assert plan_timeframe(now, at("2026-11-19T09:00")) == 1390
    assert plan_timeframe(now, at("2026-11-19T08:00")) == 1440  # capped
    assert plan_timeframe(now, None) == 1440
    assert plan_timeframe(now, at("2026-11-20T08:07")) == 5  # never below one interval


def test_docs_example_rounding_and_partial_intervals() -> None:
    # "Now: 8:07 ... timeframe=20&interval=10": 8:00-8:10 (actual 7 min), 7:50-8:00, 7:47-7:50.
    body = body_at("2026-11-20T08:07:00", 20, 10)
    ends = [item["timestamp"] for item in body["metricsByIntervals"]]
    expected = [at(t) for t in ("2026-11-20T08:10", "2026-11-20T08:00", "2026-11-20T07:50")]
    assert ends == [int(e.timestamp() * 1000) for e in expected]  # newest first


def test_only_complete_slots_are_kept_when_now_is_off_grid() -> None:
    answer = complete_slots(body_at("2026-11-20T08:07:30", 30), 30)
    assert answer is not None
    assert answer.latest_end == at("2026-11-20T08:10")
    # Window 07:37:30-08:07:30: 07:35-07:40 is partial, 08:05-08:10 is still open.
    assert [s.start for s in answer.slots] == [
        at(f"2026-11-20T{t}") for t in ("07:40", "07:45", "07:50", "07:55", "08:00")
    ]
    assert answer.complete_from == at("2026-11-20T07:40")


def test_on_grid_now_keeps_the_earliest_slot() -> None:
    answer = complete_slots(body_at("2026-11-20T08:10:00", 15), 15)
    assert answer is not None
    # Window 07:55-08:10 is whole: three slots, but the last (ending at now) is not trusted
    # as complete and is fetched again next run.
    assert [s.start for s in answer.slots] == [at("2026-11-20T07:55"), at("2026-11-20T08:00")]
    assert answer.complete_from == at("2026-11-20T07:55")


def test_empty_night_slots_are_still_slots() -> None:
    answer = complete_slots(body_at("2026-11-20T03:00:30", 60), 60)
    assert answer is not None
    assert len(answer.slots) == 11
    assert all(s.per_agent == {} for s in answer.slots)


def test_envelope_and_shape_errors() -> None:
    body = body_at("2026-11-20T08:07:30", 10)
    wrapped = complete_slots({"meta": {"responseCode": 200}, "body": body}, 10)
    assert wrapped is not None and len(wrapped.slots) == 1
    assert complete_slots({"metricsByIntervals": []}, 10) is None
    with pytest.raises(ShapeError):
        complete_slots({"agentsMetrics": {}}, 10)
    with pytest.raises(ShapeError):
        complete_slots({"metricsByIntervals": [{"timestamp": 1_000, "metricsData": {}}]}, 10)
    with pytest.raises(ShapeError):
        complete_slots({"metricsByIntervals": [{"timestamp": "soon"}]}, 10)


def test_hour_buckets_are_fixed_grid_and_whole() -> None:
    answer = complete_slots(body_at("2026-11-20T10:02:00", 180), 180)
    assert answer is not None
    hours = buckets(answer.slots, 60)
    # Complete slots 07:05-10:00: the 07:00 hour misses its first slot, so only 08:00 and 09:00.
    assert [(s, e) for s, e, _ in hours] == [
        (at("2026-11-20T08:00"), at("2026-11-20T09:00")),
        (at("2026-11-20T09:00"), at("2026-11-20T10:00")),
    ]
    assert all(len(members) == 12 for _, _, members in hours)


def test_grid_helpers() -> None:
    moment = at("2026-11-20T08:07:30")
    assert floor_grid(moment, 5) == at("2026-11-20T08:05")
    assert ceil_grid(moment, 5) == at("2026-11-20T08:10")
    assert floor_grid(moment, 60) == at("2026-11-20T08:00")
    assert ceil_grid(at("2026-11-20T08:00"), 60) == at("2026-11-20T08:00")
