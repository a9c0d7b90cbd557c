"""Every Lexer stream against the sandbox: valid records, unique keys, true values."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

from sandbox import lexer_data as data
from tap_lexer_activity.reports import of_kind
from tap_lexer_activity.tap import TapLexerActivity
from tapkit.testing import run_sync
from tapkit.windows import add_days, get_zone, local_midnight

LISTS = [report.name for report in of_kind("list")]
#: Every report stream of the tap's table (the exports have their own tests).
REPORTS = [report.name for report in of_kind("aggregate", "series")]
SYD = get_zone("Australia/Sydney")


@pytest.fixture(scope="module")
def synced():
    """One full sync of every stream over 2026-04-01..10 in Australia/Sydney (shared)."""
    from sandbox.core import serve
    from sandbox.lexer import DEFAULT_TOKEN, LexerApp

    with serve(LexerApp(rate_limit_window=1.0)) as url:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{url}/v1",
            "start_date": "2026-04-01",
            "end_date": "2026-04-10",
            "timezone": "Australia/Sydney",
            "rate_limit_window_seconds": 1.0,
        }
        return run_sync(TapLexerActivity, config, streams=[*LISTS, *REPORTS])


def test_every_stream_validates_and_has_unique_non_null_keys(synced) -> None:
    schemas = synced.schemas
    assert set(synced.records) == {*LISTS, *REPORTS}
    for stream, records in synced.records.items():
        schema_msg = schemas[stream]
        validator = jsonschema.Draft7Validator(
            schema_msg["schema"], format_checker=jsonschema.FormatChecker()
        )
        keys = schema_msg["key_properties"]
        assert keys, stream
        seen = set()
        for record in records:
            errors = list(validator.iter_errors(record))
            assert not errors, f"{stream}: {errors[0].message}"
            key = tuple(record[k] for k in keys)
            assert None not in key, (stream, record)
            seen.add(key)
        assert len(seen) == len(records), f"{stream} has duplicate keys"


def day_bounds(day: dt.date) -> tuple[float, float]:
    start = local_midnight(day, SYD)
    return start.timestamp(), add_days(start, 1).timestamp()


def test_summary_equals_ground_truth_including_the_25_hour_dst_day(synced) -> None:
    rows = {r["window_date"]: r for r in synced.records["summary"]}
    assert sorted(rows) == [f"2026-04-{d:02d}" for d in range(1, 11)]
    for day in (dt.date(2026, 4, 2), dt.date(2026, 4, 5)):  # 2026-04-05: Sydney leaves DST
        start, end = day_bounds(day)
        assert end - start == (25 if day.day == 5 else 24) * 3600
        truth = data.summary(data.messages(7, start, end))
        row = rows[day.isoformat()]
        assert row["total_volume"] == truth["total_volume"] > 0
        assert row["broke_sla"] == truth["broke_sla"]
        assert row["avg_response_time"] == pytest.approx(truth["avg_response_time"])
        assert row["window_start"] == dt.datetime.fromtimestamp(start, dt.UTC).isoformat()


def test_dimension_reports_match_ground_truth(synced) -> None:
    start, end = day_bounds(dt.date(2026, 4, 3))
    msgs = data.messages(7, start, end)
    day = "2026-04-03"
    volume = {
        (r["user_id"], r["state"]): r["volume"]
        for r in synced.records["user_volume"]
        if r["window_date"] == day
    }
    assert volume == {("all", row["state"]): row["volume"] for row in data.state_totals(msgs)}
    classes = {
        (r["classification_id"], r["state"]): r["volume"]
        for r in synced.records["classifications"]
        if r["window_date"] == day
    }
    assert classes == {
        (r["classification_id"], r["state"]): r["volume"] for r in data.classifications(msgs)
    }
    agents = {
        r["user_id"]: r["mentions_assigned"]
        for r in synced.records["user_summary"]
        if r["window_date"] == day
    }
    assert agents == {r["user_id"]: r["mentions_assigned"] for r in data.user_summary(msgs)}
    cases = data.cases_closed(7, start, end)
    (case_row,) = [r for r in synced.records["case_summary"] if r["window_date"] == day]
    assert case_row["total_cases"] == len(cases)


def test_nps_reports_cover_every_nps_form(synced) -> None:
    nps_forms = sorted(f[0] for f in data.FORMS if f[6])
    assert sorted({r["form_id"] for r in synced.records["nps_summary"]}) == nps_forms
    start, end = day_bounds(dt.date(2026, 4, 4))
    truth = data.nps_summary(data.submissions(7, start, end, 55))
    (row,) = [
        r
        for r in synced.records["nps_summary"]
        if r["form_id"] == 55 and r["window_date"] == "2026-04-04"
    ]
    assert {k: row[k] for k in truth} == pytest.approx(truth)


def test_time_series_are_daily_only_and_true(synced) -> None:
    states = synced.records["states_volume"]
    dates = sorted({r["bucket_date"] for r in states})
    assert dates == [f"2026-04-{d:02d}" for d in range(1, 11)]
    for row in states:
        local = dt.datetime.fromisoformat(row["bucket_start"]).astimezone(SYD)
        assert local.time() == dt.time(0), row  # no hourly rows in a daily table
    # A bucket after the DST change lines up with local midnight and holds the true count.
    start, end = day_bounds(dt.date(2026, 4, 8))
    truth = {r["state"]: r["volume"] for r in data.state_totals(data.messages(7, start, end))}
    got = {r["state"]: r["value"] for r in states if r["bucket_date"] == "2026-04-08"}
    assert got == truth
    nps = [r for r in synced.records["nps_volume"] if r["form_id"] == 56]
    assert len(nps) == 10


def test_series_window_shorter_than_four_days_still_gets_daily_buckets(
    lexer_config, lexer_app
) -> None:
    config = {**lexer_config, "start_date": "2026-04-08", "end_date": "2026-04-09"}
    result = run_sync(TapLexerActivity, config, streams=["states_volume", "case_volume"])
    assert sorted({r["bucket_date"] for r in result.records["case_volume"]}) == [
        "2026-04-08",
        "2026-04-09",
    ]
    assert lexer_app.stats["POST /v1/activity/reports"] == 2  # one request per stream


def test_user_volume_per_agent_shape(lexer_url) -> None:
    from sandbox.core import serve
    from sandbox.lexer import DEFAULT_TOKEN, LexerApp

    app = LexerApp(user_volume_shape="per_agent", rate_limit_window=1.0)
    with serve(app) as url:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{url}/v1",
            "start_date": "2026-04-03",
            "end_date": "2026-04-03",
        }
        rows = run_sync(TapLexerActivity, config, streams=["user_volume"]).records["user_volume"]
    start, end = (
        dt.datetime(2026, 4, 3, tzinfo=dt.UTC).timestamp(),
        dt.datetime(2026, 4, 4, tzinfo=dt.UTC).timestamp(),
    )
    truth = data.user_states(data.messages(7, start, end))
    assert {r["user_id"] for r in rows} == {str(u["user_id"]) for u in truth}
    jane = {r["state"]: r["volume"] for r in rows if r["user_id"] == "101"}
    assert jane == next(u["states"] for u in truth if u["user_id"] == 101)
