"""Every tap-analytics stream against the Dixa sandbox: valid rows, unique keys, true values,
complete paging, incremental runs, resume and far-future state."""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import Counter

import jsonschema
import pytest

from sandbox import dixa_data as data
from sandbox.core import Request, Response, json_response
from sandbox.dixa import DixaApp
from tap_analytics.tap import TapAnalytics
from tapkit.testing import SyncResult, run_sync
from tapkit.windows import add_days, get_zone, local_midnight

from .conftest import TZ

#: The docs' records catalogue.
RECORD_STREAMS = ["closed_conversations", "ratings"]
ALL_STREAMS = ["metrics", "records", "filter_values", "metric_data", *RECORD_STREAMS]
DAYS = [dt.date(2026, 10, 24), dt.date(2026, 10, 25), dt.date(2026, 10, 26)]
ZONE = get_zone(TZ)
SEED = 11


def day_bounds(day: dt.date) -> tuple[float, float]:
    start = local_midnight(day, ZONE)
    return start.timestamp(), add_days(start, 1).timestamp()


def truth(
    record_id: str, day: dt.date, filters: dict[str, set[str]] | None = None
) -> list[data.Event]:
    return data.records(SEED, record_id, *day_bounds(day), filters or {})


def by_day(rows: list[dict[str, t.Any]]) -> Counter[str]:
    return Counter(r["window_date"] for r in rows)


def assert_valid(result: SyncResult, stream: str) -> None:
    schema_msg = result.schemas[stream]
    validator = jsonschema.Draft7Validator(
        schema_msg["schema"], format_checker=jsonschema.FormatChecker()
    )
    keys = schema_msg["key_properties"]
    assert keys, stream
    seen = set()
    for record in result.records[stream]:
        errors = list(validator.iter_errors(record))
        assert not errors, f"{stream}: {errors[0].message}"
        key = tuple(record[k] for k in keys)
        assert None not in key, (stream, record)
        seen.add(key)
    assert len(seen) == len(result.records[stream]), f"{stream} has duplicate keys"


@pytest.fixture
def synced(dixa_config: dict[str, t.Any]) -> SyncResult:
    return run_sync(TapAnalytics, dixa_config)


def test_every_stream_syncs_valid_rows_with_unique_non_null_keys(synced: SyncResult) -> None:
    assert set(synced.records) == set(ALL_STREAMS)
    for stream in ALL_STREAMS:
        assert synced.records[stream], stream
        assert_valid(synced, stream)
    assert {r["id"] for r in synced.records["metrics"]} == {"csat", "closed_conversations"}
    assert {r["id"] for r in synced.records["records"]} == set(RECORD_STREAMS)
    values = {(r["attribute"], r["value"]) for r in synced.records["filter_values"]}
    assert ("channel", "CONTACT_FORM") in values
    assert {a for a, _ in values} == set(data.ALL_FILTERS)


def test_record_streams_equal_the_sandbox_truth_day_by_day(synced: SyncResult) -> None:
    for record_id in RECORD_STREAMS:
        counts = by_day(synced.records[record_id])
        for day in DAYS:
            assert counts[day.isoformat()] == len(truth(record_id, day)) > 0, (record_id, day)
    rows = {r["conversation_id"]: r for r in synced.records["ratings"]}
    event = truth("ratings", DAYS[1])[0]
    conv = event.conv
    row = rows[conv.csid]
    assert row["value"] == conv.rating  # the rating is the record's value
    assert row["primary_timestamp"] == data.iso(t.cast("int", conv.rated))
    assert row["primary_timestamp_field"] == "created_at"
    if conv.agent is not None:
        assert (row["agent_id"], row["agent_id_label"]) == data.AGENTS[conv.agent][::-1]
    # The docs' example shape of closed_conversations: csid and the initial channel.
    closed = synced.records["closed_conversations"]
    first = truth("closed_conversations", DAYS[0])[0].conv
    match = [r for r in closed if r["csid"] == first.csid]
    assert match and match[0]["initial_channel"] == first.channel


def test_the_25_hour_dst_day_is_one_window(synced: SyncResult) -> None:
    windows = {
        (r["window_date"], r["window_start"], r["window_end"])
        for r in synced.records["metric_data"]
    }
    assert ("2026-10-25", "2026-10-24T22:00:00+00:00", "2026-10-25T23:00:00+00:00") in windows
    assert {r["timezone"] for r in synced.records["closed_conversations"]} == {TZ}


def test_metric_data_equals_the_simulators_aggregates_day_by_day(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    """Counts, first-response measures and CSAT against the simulator's own aggregates
    (not against other rows of the tap), with the extra metric Dixa's MCP uses (not in the
    docs' catalogue) as well."""
    dixa_app.set_knobs(first_response_time=True)
    synced = run_sync(TapAnalytics, dixa_config)
    got = {
        (r["metric_id"], r["window_date"], r["measure"]): (r["value"], r["value_type"])
        for r in synced.records["metric_data"]
    }
    assert len(got) == len(synced.records["metric_data"])  # one row per metric, day, measure
    want: dict[tuple[str, str, str], tuple[t.Any, str]] = {}
    metric_ids = sorted({key[0] for key in got})
    assert {"closed_conversations", "first_response_time", "csat"} <= set(metric_ids)
    for metric_id in metric_ids:
        for day in DAYS:
            for aggregate in data.truth_metric(
                metric_id,
                day,
                tz=TZ,
                seed=dixa_app.seed,
                revision=dixa_app.revision,
                now=dixa_app.now(),
                knobs=dixa_app.knobs,
            ):
                key = (metric_id, day.isoformat(), aggregate["measure"])
                want[key] = (aggregate["value"], aggregate["_type"])
    assert set(got) == set(want)
    for key, (value, value_type) in want.items():
        assert got[key][1] == value_type, key
        assert got[key][0] == pytest.approx(value, rel=1e-9), key
    # The figures are not trivial: several closes per day, and CSAT neither 0 nor 100.
    for day in DAYS:
        assert want[("closed_conversations", day.isoformat(), "Count")][0] > 1
    csat = [v for (m, _d, _x), (v, _t) in want.items() if m == "csat"]
    assert csat and any(0 < v < 100 for v in csat)
    # Every measure the metric offers, once per day.
    assert sum(1 for k in got if k[0] == "first_response_time") == 5 * len(DAYS)


def test_many_pages_per_day_arrive_complete_and_no_page_is_fetched_twice(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    config = {**dixa_config, "page_limit": 7, "record_ids": ["closed_conversations"]}
    result = run_sync(TapAnalytics, config, streams=["closed_conversations"])
    counts = by_day(result.records["closed_conversations"])
    for day in DAYS:
        assert counts[day.isoformat()] == len(truth("closed_conversations", day))
    assert_valid(result, "closed_conversations")
    pages = {
        k: v for k, v in dixa_app.page_fetches.items() if k[0].endswith("/records") and k[2] > 0
    }
    # Several pages per day, each served once.
    assert len(pages) >= 3 * len(DAYS)
    assert set(pages.values()) == {1}


def test_filters_apply_where_the_metric_or_record_accepts_the_attribute(
    dixa_config: dict[str, t.Any],
) -> None:
    agent = data.AGENTS[0][1]
    config = {**dixa_config, "filters": {"channel": ["EMAIL"], "agent_id": [agent]}}
    result = run_sync(
        TapAnalytics, config, streams=["metric_data", "closed_conversations", "ratings"]
    )
    closed = result.records["closed_conversations"]
    assert closed and {r["initial_channel"] for r in closed} == {"EMAIL"}
    # closed_conversations does not accept agent_id: only the channel filter applies.
    for day in DAYS:
        expected = truth("closed_conversations", day, {"channel": {"EMAIL"}})
        assert by_day(closed)[day.isoformat()] == len(expected) > 0
    assert {r["agent_id"] for r in result.records["ratings"]} == {agent}
    metric = {
        (r["metric_id"], r["window_date"], r["measure"]): r for r in result.records["metric_data"]
    }
    for day in DAYS:
        expected = truth("closed_conversations", day, {"channel": {"email"}})
        row = metric[("closed_conversations", day.isoformat(), "Count")]
        assert row["value"] == len(expected)
        assert row["filters"] == {"channel": ["EMAIL"]}
    assert metric[("csat", "2026-10-24", "Percentage")]["filters"] == {
        "channel": ["EMAIL"],
        "agent_id": [agent],
    }


def test_second_incremental_run_only_refetches_the_lookback_days(
    dixa_config: dict[str, t.Any],
) -> None:
    streams = ["metric_data", *RECORD_STREAMS]
    first = run_sync(TapAnalytics, {**dixa_config, "lookback_days": 1}, streams=streams)
    assert first.final_state is not None
    second = run_sync(
        TapAnalytics, {**dixa_config, "lookback_days": 1}, streams=streams, state=first.final_state
    )
    for stream in streams:
        assert {r["window_date"] for r in first.records[stream]} == {d.isoformat() for d in DAYS}
        # The bookmark is the last day's window; one lookback day before it.
        assert {r["window_date"] for r in second.records[stream]} == {"2026-10-25", "2026-10-26"}, (
            stream
        )
    key = ["record_key"]
    again = {tuple(r[k] for k in key) for r in second.records["closed_conversations"]}
    before = {tuple(r[k] for k in key) for r in first.records["closed_conversations"]}
    assert again <= before  # re-fetched rows are upserts of rows already loaded


def test_an_interrupted_run_resumes_without_losing_rows(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    config = {
        **dixa_config,
        "lookback_days": 0,
        "page_limit": 15,
        "record_ids": ["closed_conversations"],
    }
    original = dixa_app.handle
    served = Counter[str]()

    def failing(req: Request) -> Response | t.Any:
        body = req.json() if req.method == "POST" else None
        period = body.get("periodFilter") or {} if isinstance(body, dict) else {}
        third_day = local_midnight(DAYS[2], ZONE).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if req.path.endswith("/records") and period.get("start") == third_day:
            served["records"] += 1
            if served["records"] == 3:  # the third day, mid-way through its pages
                return json_response({"message": "Invalid value in request"}, 400)
        return original(req)

    dixa_app.handle = failing  # type: ignore[method-assign]
    first = run_sync(TapAnalytics, config, streams=["closed_conversations"], raise_errors=False)
    assert first.error is not None and "HTTP 400" in str(first.error)
    state = first.final_state
    assert state is not None
    bookmark = state["bookmarks"]["closed_conversations"]["replication_key_value"]
    dixa_app.handle = original  # type: ignore[method-assign]
    second = run_sync(TapAnalytics, config, streams=["closed_conversations"], state=state)
    loaded = {r["csid"] for r in first.records["closed_conversations"]}
    loaded |= {r["csid"] for r in second.records["closed_conversations"]}
    expected = {c.csid for day in DAYS for c in truth("closed_conversations", day)}
    assert loaded == expected
    # The second run starts at the bookmarked window, not at start_date.
    assert (
        min(r["window_start"] for r in second.records["closed_conversations"])
        == bookmark
        > "2026-10-23"
    )


def test_a_far_future_state_yields_no_rows_and_a_valid_state(dixa_config: dict[str, t.Any]) -> None:
    future = "2100-01-01T00:00:00+00:00"
    state = {
        "bookmarks": {
            "closed_conversations": {
                "replication_key": "window_start",
                "replication_key_value": future,
            },
            "metric_data": {
                "partitions": [
                    {
                        "context": {"metric_id": m},
                        "replication_key": "window_start",
                        "replication_key_value": future,
                    }
                    for m in ("csat", "closed_conversations")
                ]
            },
        }
    }
    result = run_sync(
        TapAnalytics, dixa_config, streams=["closed_conversations", "metric_data"], state=state
    )
    assert not result.records.get("closed_conversations")
    assert not result.records.get("metric_data")
    final = result.final_state
    assert final is not None
    assert final["bookmarks"]["closed_conversations"]["replication_key_value"] == future


def test_a_refused_page_key_restarts_the_day_once(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    config = {**dixa_config, "page_limit": 10, "record_ids": ["ratings"]}
    original = dixa_app.handle
    refused = Counter[str]()

    def expiring(req: Request) -> Response | t.Any:
        if req.method == "POST" and "pageKey" in req.query and not refused["done"]:
            refused["done"] += 1
            return json_response({"message": "Invalid value for: query parameter pageKey"}, 400)
        return original(req)

    dixa_app.handle = expiring  # type: ignore[method-assign]
    result = run_sync(TapAnalytics, config, streams=["ratings"])
    assert refused["done"] == 1
    counts = by_day(result.records["ratings"])
    for day in DAYS:
        assert counts[day.isoformat()] == len(truth("ratings", day))
    assert_valid(result, "ratings")
