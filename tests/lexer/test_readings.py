"""The tap's numbers under every reading the Lexer docs allow (tests/lexer/fakes.py).

Each reading is a knob of the fake: where an nps_volume bucket is labelled, whether
``date_to`` is inclusive, how "less than 4 days" is measured. Truth is computed from the
fake's events per local day of the configured timezone.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from tap_lexer_activity.tap import TapLexerActivity
from tapkit.errors import TapError
from tapkit.testing import catalog_selecting, run_sync
from tapkit.windows import add_days, get_zone
from tests.lexer import fakes

SYD = get_zone("Australia/Sydney")
BOUNDS = ["inclusive", "exclusive"]
EXE = str(Path(sys.executable).parent / "tap-lexer-activity")
HOURLY = ["seconds", "seconds_inclusive", "calendar", "calendar_inclusive"]


def local_day(day: str, tz: t.Any = SYD) -> tuple[float, float]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0), tzinfo=tz)
    return start.timestamp(), add_days(start, 1).timestamp()


def truth(day: str) -> list[tuple[float, str]]:
    return fakes.events_between(*local_day(day))


def days(first: str, last: str) -> list[str]:
    d0, d1 = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(d0 + dt.timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def sync(app: fakes.FakeLexer, streams: list[str], **settings: t.Any):
    with fakes.serve(app) as url:
        return run_sync(TapLexerActivity, fakes.config(url, **settings), streams=streams)


def by_day(rows: list[dict[str, t.Any]], field: str) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {}
    for row in rows:
        assert row["bucket_date"] not in out, f"two rows for {row['bucket_date']}"
        out[row["bucket_date"]] = row[field]
    return out


def state_counts(rows: list[dict[str, t.Any]]) -> dict[tuple[str, str], int]:
    return {(r["bucket_date"], r["state"]): r["value"] for r in rows}


def true_state_counts(dates: list[str]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for day in dates:
        for _, state in truth(day):
            out[(day, state)] = out.get((day, state), 0) + 1
    return out


# -- item 2: where nps_volume labels a day -------------------------------------------------


@pytest.mark.parametrize("label", ["start", "end"])
@pytest.mark.parametrize("end_bound", BOUNDS)
def test_nps_volume_days_are_right_whichever_end_labels_them(label, end_bound) -> None:
    app = fakes.FakeLexer(fakes.Reading(label=label, end_bound=end_bound))
    dates = days("2026-04-06", "2026-04-15")
    result = sync(app, ["nps_volume"], start_date=dates[0], end_date=dates[-1])
    rows = result.records["nps_volume"]
    assert by_day(rows, "total_sent") == {d: len(truth(d)) for d in dates}
    assert by_day(rows, "total_promoters") == {
        d: fakes.nps_data(truth(d))["total_promoters"] for d in dates
    }
    first = next(r for r in rows if r["bucket_date"] == dates[0])
    assert first["bucket_start"] == "2026-04-05T14:00:00+00:00"  # local midnight, +10:00


def test_the_docs_nps_volume_sample_gives_its_first_day_to_the_requested_start() -> None:
    """The docs' sample answers a request from 2018-04-01T00:00:00+11:00 with a first
    bucket dated 2018-04-01T13:00:00+00:00 (the next local midnight): day 1 is 1 April."""
    app = fakes.FakeLexer(canned={"nps_volume": fakes.DOCS_NPS_VOLUME})
    result = sync(
        app, ["nps_volume"], timezone="Etc/GMT-11", start_date="2018-04-01", end_date="2018-04-06"
    )
    assert app.requests[0]["date_from"] == "2018-04-01T00:00:00+11:00"
    rows = result.records["nps_volume"]
    assert [r["bucket_date"] for r in rows] == days("2018-04-01", "2018-04-06")
    assert rows[0]["bucket_start"] == "2018-03-31T13:00:00+00:00"
    assert rows[0]["timestamp"] == 1522587600  # the API's own label, as sent


@pytest.mark.parametrize("label", ["start", "end"])
def test_nps_volume_may_leave_out_the_day_not_over_yet(label) -> None:
    app = fakes.FakeLexer(fakes.Reading(label=label), omit_unfinished=True)
    today = dt.datetime.now(dt.UTC).date()
    past = [(today - dt.timedelta(days=n)).isoformat() for n in (2, 1)]
    result = sync(app, ["nps_volume"], timezone="UTC", start_date=past[0])
    got = by_day(result.records["nps_volume"], "total_sent")
    assert got == {d: len(fakes.events_between(*local_day(d, dt.UTC))) for d in past}


def test_an_nps_volume_answer_that_fits_neither_convention_stops_with_one_line() -> None:
    # The sample without its first day: the first label is two days after the start.
    app = fakes.FakeLexer(canned={"nps_volume": fakes.DOCS_NPS_VOLUME[1:]})
    with pytest.raises(TapError) as info:
        sync(
            app,
            ["nps_volume"],
            timezone="Etc/GMT-11",
            start_date="2018-04-01",
            end_date="2018-04-06",
        )
    message = str(info.value)
    assert "neither the start" in message and "nps_volume" in message
    assert "\n" not in message


@pytest.mark.parametrize("range_label", ["start", "end"])
@pytest.mark.parametrize("dates", [("2026-04-20", "2026-04-26"), ("2026-04-20", "2026-04-20")])
def test_date_range_series_read_end_labels_when_the_answer_proves_them(range_label, dates) -> None:
    """The docs' samples label ``date_range.date_from`` at the start; an answer with a
    label one day past the last day asked for can only be labelled at the end."""
    app = fakes.FakeLexer(fakes.Reading(range_label=range_label))
    wanted = days(*dates)
    result = sync(app, ["states_volume", "case_volume"], start_date=dates[0], end_date=dates[1])
    assert state_counts(result.records["states_volume"]) == true_state_counts(wanted)
    assert by_day(result.records["case_volume"], "open") == {d: len(truth(d)) for d in wanted}


def test_date_range_labels_past_both_ends_stop_the_run() -> None:
    # Asked: buckets 2026-04-16 .. 2026-04-21 (the window 04-20 widened to 5 days, plus
    # one); a label at 04-16 (a start) and at 04-22 (an end) cannot both be right.
    items = [
        {"value": 1, "date_range": {"date_from": "2026-04-16 00:00"}},
        {"value": 2, "date_range": {"date_from": "2026-04-22 00:00"}},
    ]
    app = fakes.FakeLexer(canned={"case_volume": {"open": items}})
    with pytest.raises(TapError, match="more periods than were asked"):
        sync(app, ["case_volume"], start_date="2026-04-20", end_date="2026-04-20")


def test_an_nps_volume_answer_with_a_missing_day_stops_the_run() -> None:
    sample = fakes.DOCS_NPS_VOLUME[:2] + fakes.DOCS_NPS_VOLUME[3:]
    app = fakes.FakeLexer(canned={"nps_volume": sample})
    with pytest.raises(TapError, match="not one per day"):
        sync(
            app,
            ["nps_volume"],
            timezone="Etc/GMT-11",
            start_date="2018-04-01",
            end_date="2018-04-06",
        )


# -- item 3: daily under every reading of "less than 4 days" -------------------------------


@pytest.mark.parametrize("hourly", HOURLY)
def test_a_one_day_incremental_run_gets_daily_buckets_under_every_reading(hourly) -> None:
    app = fakes.FakeLexer(fakes.Reading(hourly=hourly))
    day = "2026-04-20"
    streams = ["states_volume", "response_volume", "case_volume", "nps_volume"]
    result = sync(app, streams, start_date=day, end_date=day)
    records = result.records
    assert state_counts(records["states_volume"]) == true_state_counts([day])
    assert by_day(records["case_volume"], "open") == {day: len(truth(day))}
    assert by_day(records["response_volume"], "avg_response_time") == {day: 1.5 * len(truth(day))}
    assert by_day(records["nps_volume"], "total_sent") == {day: len(truth(day))}
    assert len(app.requests) == len(streams)  # one daily request each, no retry at hourly


@pytest.mark.parametrize("stream", ["states_volume", "nps_volume", "case_volume"])
def test_hourly_buckets_sent_to_a_daily_stream_stop_the_run_with_one_line(stream) -> None:
    app = fakes.FakeLexer(fakes.Reading(hourly="always"))
    with pytest.raises(TapError) as info:
        sync(app, [stream], start_date="2026-04-20", end_date="2026-04-21")
    message = str(info.value)
    assert "not on a day boundary of the request" in message and stream in message
    assert "\n" not in message


def test_hourly_buckets_end_the_cli_run_with_one_line_and_no_traceback(tmp_path) -> None:
    app = fakes.FakeLexer(fakes.Reading(hourly="always"))
    with fakes.serve(app) as url:
        path = tmp_path / "config.json"
        path.write_text(
            json.dumps(fakes.config(url, start_date="2026-04-20", end_date="2026-04-21"))
        )
        catalog = tmp_path / "catalog.json"
        tap = TapLexerActivity(config=json.loads(path.read_text()))
        catalog.write_text(json.dumps(catalog_selecting(tap, ["states_volume"])))
        out = subprocess.run(
            [EXE, "--config", str(path), "--catalog", str(catalog)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 1
    (line,) = [x for x in out.stderr.splitlines() if "tap-lexer-activity failed:" in x]
    assert "not on a day boundary of the request" in line
    assert "Traceback" not in out.stderr


def test_requests_stay_inside_every_reading_of_12_months() -> None:
    app = fakes.FakeLexer()
    sync(app, ["case_volume"], timezone="UTC", start_date="2024-01-01", end_date="2025-06-30")
    for body in app.requests:
        span = dt.datetime.fromisoformat(body["date_to"]) - dt.datetime.fromisoformat(
            body["date_from"]
        )
        assert span + dt.timedelta(seconds=1) < dt.timedelta(days=365)


# -- item 4: the last second of a day ------------------------------------------------------


@pytest.mark.parametrize("end_bound", BOUNDS)
def test_every_day_is_exact_under_either_reading_of_date_to(end_bound) -> None:
    """Every hour has an event at hh:00:00 and at hh:59:59.5, so a day asked up to
    23:59:59 misses one under an exclusive bound and a day asked up to the next midnight
    counts one more under an inclusive bound: the tap asks both, sees them differ, tells
    the reading with one zero-width request and is exact either way."""
    app = fakes.FakeLexer(fakes.Reading(end_bound=end_bound))
    dates = days("2026-04-20", "2026-04-26")
    result = sync(app, ["summary", "states_volume"], start_date=dates[0], end_date=dates[-1])
    totals = {r["window_date"]: r["total_volume"] for r in result.records["summary"]}
    stop = local_day(dates[0])[1]
    assert fakes.events_between(stop, stop + 1) and fakes.events_between(stop - 1, stop)
    assert totals == {day: len(truth(day)) for day in dates}
    summaries = [b for b in app.requests if b["type"] == "summary"]
    probes = [b for b in summaries if b["date_from"] == b["date_to"]]
    assert len(probes) == 1  # told once, then one request per day
    assert len(summaries) == 2 + 1 + (len(dates) - 1)
    assert state_counts(result.records["states_volume"]) == true_state_counts(dates)


@pytest.mark.parametrize("end_bound", BOUNDS)
def test_the_date_to_reading_setting_asks_each_day_once_and_exactly(end_bound) -> None:
    app = fakes.FakeLexer(fakes.Reading(end_bound=end_bound))
    dates = days("2026-04-20", "2026-04-22")
    result = sync(
        app, ["summary"], start_date=dates[0], end_date=dates[-1], date_to_reading=end_bound
    )
    totals = {r["window_date"]: r["total_volume"] for r in result.records["summary"]}
    assert totals == {day: len(truth(day)) for day in dates}
    assert len(app.requests) == len(dates)
    suffix = "T00:00:00" if end_bound == "exclusive" else "T23:59:59"
    assert all(suffix in b["date_to"] for b in app.requests)


# -- item 5: DST-change days ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "dst_day", "hours"),
    [
        ("2026-04-02", "2026-04-08", "2026-04-05", 25),  # Sydney leaves DST
        ("2026-10-01", "2026-10-07", "2026-10-04", 23),  # Sydney enters DST
    ],
)
@pytest.mark.parametrize("label", ["start", "end"])
def test_counts_on_a_dst_change_day_are_exact(first, last, dst_day, hours, label) -> None:
    start, stop = local_day(dst_day)
    assert stop - start == hours * 3600
    app = fakes.FakeLexer(fakes.Reading(label=label, range_label=label))
    dates = days(first, last)
    result = sync(app, ["states_volume", "nps_volume"], start_date=first, end_date=last)
    assert state_counts(result.records["states_volume"]) == true_state_counts(dates)
    nps = {r["bucket_date"]: r for r in result.records["nps_volume"]}
    assert sorted(nps) == dates
    for day in dates:
        exact = fakes.nps_data(truth(day))
        for name in fakes.nps_data([]):
            if name == "nps_score":  # derived from the summed counts on the DST day
                assert nps[day][name] == pytest.approx(exact[name]), (day, name)
            else:
                assert nps[day][name] == exact[name], (day, name)
    # The DST day was asked once more on its own, from its local midnight written in the
    # offset in force at its end, to one day past its end.
    spans = {
        b["date_from"]: dt.datetime.fromisoformat(b["date_to"])
        - dt.datetime.fromisoformat(b["date_from"])
        for b in app.requests
        if b["type"] == "states_volume"
    }
    (own,) = [f for f, span in spans.items() if span < dt.timedelta(days=3)]
    assert dt.datetime.fromisoformat(own).timestamp() == start
    assert spans[own] == dt.timedelta(hours=hours + 24, seconds=-1)


# -- keys: every dimension, one row per key ------------------------------------------------


def test_case_volume_keeps_only_its_documented_series_one_row_per_day() -> None:
    app = fakes.FakeLexer(extra_case_series="closed")
    dates = days("2026-04-20", "2026-04-26")
    result = sync(app, ["case_volume"], start_date=dates[0], end_date=dates[-1])
    assert by_day(result.records["case_volume"], "open") == {d: len(truth(d)) for d in dates}


def test_a_repeated_bucket_stops_the_run_instead_of_loading_one_of_them() -> None:
    label = {"date_from": "2026-04-16 00:00"}
    canned = {
        "states_volume": {
            "closed": [
                {"state": "closed", "value": 3, "date_range": label},
                {"state": "closed", "value": 4, "date_range": label},
            ]
        }
    }
    with pytest.raises(TapError, match="two buckets"):
        sync(fakes.FakeLexer(canned=canned), ["states_volume"], start_date="2026-04-16")


@pytest.mark.parametrize(
    "answer", [fakes.DOCS_USER_VOLUME_STATES, fakes.DOCS_USER_VOLUME_AGENTS], ids=["team", "agents"]
)
def test_user_volume_docs_shapes_give_distinct_keys_and_names_in_place(answer) -> None:
    app = fakes.FakeLexer(canned={"user_volume": answer})
    result = sync(app, ["user_volume"], start_date="2026-04-20", end_date="2026-04-20")
    rows = result.records["user_volume"]
    keys = [(r["window_start"], r["user_id"], r["state"]) for r in rows]
    assert len(keys) == len(set(keys)) and None not in {k for key in keys for k in key}
    if answer is fakes.DOCS_USER_VOLUME_STATES:
        assert {(r["user_id"], r["state"], r["volume"]) for r in rows} == {
            ("all", s["state"], s["volume"]) for s in answer
        }
    else:
        assert len(rows) == 2 * 12
        jane = [r for r in rows if r["user_id"] == "123"]
        assert {(r["first_name"], r["last_name"]) for r in jane} == {("Jane", "Pear")}
        assert {r["state"]: r["volume"] for r in jane} == answer[0]["states"]


@pytest.mark.parametrize(
    "answer",
    [
        [{"state": "closed", "volume": 1}, {"state": "closed", "volume": 2}],
        [{"first_name": "Jane", "last_name": "Pear", "states": {"closed": 1}}],
    ],
    ids=["repeated", "no-user-id"],
)
def test_an_aggregate_row_without_a_unique_key_stops_the_run(answer) -> None:
    app = fakes.FakeLexer(canned={"user_volume": answer})
    with pytest.raises(TapError, match="is missing or repeated"):
        sync(app, ["user_volume"], start_date="2026-04-20", end_date="2026-04-20")


def test_every_report_key_holds_every_dimension() -> None:
    tap = TapLexerActivity(config=fakes.config("http://127.0.0.1:9/v1", start_date="2026-04-01"))
    dimensions = {
        "summary": {"window_start"},
        "case_summary": {"window_start"},
        "nps_summary": {"window_start", "form_id", "nps_category"},
        "user_volume": {"window_start", "user_id", "state"},
        "classifications": {"window_start", "classification_id", "state"},
        "case_classifications": {"window_start", "classification_id"},
        "user_summary": {"window_start", "user_id"},
        "states_volume": {"bucket_start", "state"},
        "response_volume": {"bucket_start"},
        "case_volume": {"bucket_start"},
        "nps_volume": {"bucket_start", "form_id", "nps_category"},
    }
    for name, dims in dimensions.items():
        assert set(tap.streams[name].primary_keys) == dims, name


def test_a_refused_zero_width_probe_stops_naming_the_setting() -> None:
    class NoZeroWidth(fakes.FakeLexer):
        def answer(self, body: dict[str, t.Any]) -> tuple[int, t.Any]:
            if body.get("date_from") == body.get("date_to"):
                return 400, {"error": "Invalid report", "message": "empty range"}
            return super().answer(body)

    app = NoZeroWidth(fakes.Reading(end_bound="inclusive"))
    with pytest.raises(TapError, match=r"zero-width request.*`date_to_reading`"):
        sync(app, ["summary"], start_date="2026-04-20", end_date="2026-04-21")
