"""Numbers that must be right under every reading of the docs, checked against a small
fake written from the docs (``fakes.py``), not against the simulator: day bounds at
microsecond resolution, the greetings cap, schema types and keys, omitted zeros."""

from __future__ import annotations

import datetime as dt
import json
import logging
import typing as t
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from tap_livechat_reports.streams import STREAMS
from tap_livechat_reports.tap import TapLivechatReports
from tapkit import TapError
from tapkit.testing import SyncResult, keys_of, run_sync

from .fakes import FakeLiveChat, serve

SCHEMAS = Path(__file__).parents[2] / "tap_livechat_reports" / "schemas"


def config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    base: dict[str, t.Any] = {
        "api_url": url,
        "account_id": "acc",
        "personal_access_token": "pat-value",
        "start_date": "2026-10-05",
        "end_date": "2026-10-06",
        "timezone": "UTC",
        "lookback_days": 0,
        "rate_limit_max_requests": 10_000,
        "rate_limit_window_seconds": 1,
        "max_retries": 0,
        "request_timeout_seconds": 5,
    }
    return {**base, **overrides}


def sync(fake: FakeLiveChat, stream: str, **overrides: t.Any) -> SyncResult:
    with serve(fake) as url:
        return run_sync(TapLivechatReports, config(url, **overrides), streams=[stream])


def at(text: str, tz: str = "UTC") -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


# -- item 4: the last second of each day -----------------------------------------------------


@pytest.mark.parametrize("reading", ["inclusive", "exclusive"])
def test_the_last_microsecond_of_a_day_is_counted_in_its_day(reading: str) -> None:
    fake = FakeLiveChat(
        chats=[
            at("2026-10-05T12:00:00"),
            at("2026-10-05T23:59:59.500000"),
            at("2026-10-05T23:59:59.999999"),
            at("2026-10-06T00:00:00"),
        ],
        to_reading=reading,
    )
    result = sync(fake, "chats_total_chats")
    days = {r["window_date"]: r for r in result.records["chats_total_chats"]}
    assert (days["2026-10-05"]["total"], days["2026-10-05"]["window_total"]) == (3, 3)
    assert (days["2026-10-06"]["total"], days["2026-10-06"]["window_total"]) == (1, 1)
    # Asked once: the last second of 10-04 up to 10-05's midnight lists 10-05 only when
    # `to` is inclusive. Then days end at their last microsecond, or at the next midnight.
    assert fake.probes() == [
        {
            "timezone": "UTC",
            "distribution": "day",
            "filters": {
                "from": "2026-10-04T23:59:59.000000+00:00",
                "to": "2026-10-05T00:00:00.000000+00:00",
            },
        }
    ]
    ends = {
        "inclusive": ["2026-10-05T23:59:59.999999+00:00", "2026-10-06T23:59:59.999999+00:00"],
        "exclusive": ["2026-10-06T00:00:00.000000+00:00", "2026-10-07T00:00:00.000000+00:00"],
    }[reading]
    assert [b["filters"] for b in fake.bodies("chats/total_chats")] == [
        {"from": "2026-10-05T00:00:00+00:00", "to": ends[0]},
        {"from": "2026-10-06T00:00:00+00:00", "to": ends[1]},
    ]


def test_an_answer_that_fits_no_reading_of_to_stops_with_one_line() -> None:
    fake = FakeLiveChat(fixed={"chats/total_chats": {"total": 0, "records": {}}})
    fake.is_probe = lambda method, body: False  # type: ignore[method-assign]
    with serve(fake) as url, pytest.raises(TapError) as info:
        run_sync(TapLivechatReports, config(url), streams=["chats_ranking"])
    message = str(info.value)
    assert "\n" not in message and "filters.to" in message and "[]" in message


def test_the_last_second_of_a_25_hour_dst_day_is_counted() -> None:
    # Europe/Warsaw falls back on 2026-10-25: that local day has 25 hours.
    tz = "Europe/Warsaw"
    fake = FakeLiveChat(chats=[at("2026-10-25T02:30:00", tz), at("2026-10-25T23:59:59.500000", tz)])
    result = sync(
        fake, "chats_total_chats", start_date="2026-10-25", end_date="2026-10-25", timezone=tz
    )
    (row,) = result.records["chats_total_chats"]
    assert (row["total"], row["window_total"]) == (2, 2)
    assert fake.bodies("chats/total_chats")[0]["filters"] == {
        "from": "2026-10-25T00:00:00+02:00",
        "to": "2026-10-25T23:59:59.999999+01:00",
    }


def test_today_is_asked_up_to_now_with_microseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    from tap_livechat_reports.client import LiveChatStream

    now = dt.datetime(2026, 10, 6, 15, 30, 12, 250000, tzinfo=dt.UTC)
    monkeypatch.setattr(LiveChatStream, "now", lambda self: now)
    fake = FakeLiveChat(chats=[at("2026-10-06T15:30:12.100000")])
    result = sync(fake, "chats_total_chats", start_date="2026-10-06", end_date=None)
    assert (
        fake.bodies("chats/total_chats")[0]["filters"]["to"] == "2026-10-06T15:30:12.250000+00:00"
    )
    assert result.records["chats_total_chats"][0]["total"] == 1


def test_an_answer_with_data_outside_the_day_stops_with_one_line() -> None:
    # A server that rounds `to` up to the whole second reads neither documented way: the
    # day's answer then holds the next day's first chats, and its `total` counts them.
    fake = FakeLiveChat(
        chats=[at("2026-10-05T10:00:00"), at("2026-10-06T00:00:00")], to_reading="round_up"
    )
    with serve(fake) as url, pytest.raises(TapError) as info:
        run_sync(TapLivechatReports, config(url), streams=["chats_total_chats"])
    message = str(info.value)
    assert "\n" not in message
    assert "'2026-10-06'" in message and "`timezone`" in message


# -- item 9: the greetings cap -------------------------------------------------------------


def test_a_greetings_day_at_the_cap_is_flagged_and_warned_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeLiveChat(greetings_per_day={"2026-10-05": 150, "2026-10-06": 99, "2026-10-07": 100})
    with caplog.at_level(logging.WARNING):
        result = sync(fake, "chats_greetings_conversion", end_date="2026-10-07")
    rows = result.records["chats_greetings_conversion"]
    flagged = {r["window_date"] for r in rows if r["truncated"]}
    assert flagged == {"2026-10-05", "2026-10-07"}
    assert {r["window_date"] for r in rows if r["truncated"] is False} == {"2026-10-06"}
    assert sum(1 for r in rows if r["window_date"] == "2026-10-05") == 100
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "100 values" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "2026-10-05" in warnings[0] and "2026-10-07" in warnings[0]
    assert "2026-10-06" not in warnings[0]
    # The stream's schema as emitted: the vendor's fields (its file) and the kit's columns.
    schema = result.schemas["chats_greetings_conversion"]["schema"]
    validator = jsonschema.Draft7Validator(schema)
    for row in rows:
        validator.validate(row)


def test_hourly_greetings_count_the_values_of_the_whole_day() -> None:
    # 60 values at 10:00 and 40 at 11:00: 100 in the day, the cap under either reading.
    hour = {str(1000 + i): {"displayed": 1} for i in range(60)}
    later = {str(2000 + i): {"displayed": 1} for i in range(40)}
    body = {
        "name": "greetings-conversion-report",
        "total": 100,
        "records": {"2026-10-05 10:00:00": hour, "2026-10-05 11:00:00": later},
    }
    fake = FakeLiveChat(fixed={"chats/greetings_conversion": body})
    result = sync(fake, "chats_greetings_conversion", end_date="2026-10-05", distribution="hour")
    rows = result.records["chats_greetings_conversion"]
    assert len(rows) == 100 + 22  # the 22 quiet hours keep their "(none)" row
    assert all(r["truncated"] for r in rows)


def test_greetings_days_under_the_cap_log_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeLiveChat(greetings_per_day={"2026-10-05": 3})
    with caplog.at_level(logging.WARNING):
        result = sync(fake, "chats_greetings_conversion")
    assert not any(r["truncated"] for r in result.records["chats_greetings_conversion"])
    assert not [r for r in caplog.records if "100 values" in r.getMessage()]


# -- types and descriptions follow the docs --------------------------------------------------


def schema(name: str) -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", json.loads((SCHEMAS / f"{name}.json").read_text()))


@pytest.mark.parametrize(
    ("stream", "field"),
    [
        ("chats_duration", "duration"),
        ("chats_duration", "agents_chatting_duration"),
        ("chats_response_time", "response_time"),
        ("chats_first_response_time", "first_response_time"),
        ("chats_ranking", "score"),
        ("agents_performance", "first_response_time"),
        ("agents_performance", "summary_first_response_time"),
        ("agents_availability", "hours"),
        ("agents_availability", "minutes"),
        ("agents_availability", "window_total"),
        ("chats_queued_visitors", "queued_avg"),
    ],
)
def test_averages_and_hours_are_numbers(stream: str, field: str) -> None:
    kinds = schema(stream)["properties"][field]["type"]
    assert "number" in kinds and "integer" not in kinds


def test_descriptions_say_what_the_docs_say() -> None:
    def desc(stream: str, field: str) -> str:
        return str(schema(stream)["properties"][field]["description"])

    assert "all chats" in desc("chats_ratings", "chats")
    assert "total number of chats in the period" in desc("chats_ratings", "chats")
    assert "all chats" in desc("chats_ranking", "total")
    for stream in (
        "chats_duration",
        "chats_tags",
        "chats_total_chats",
        "chats_ratings",
        "chats_engagement",
        "chats_greetings_conversion",
        "chats_response_time",
        "chats_first_response_time",
    ):
        text = desc(stream, "window_total")
        assert "the total number of chats in the specified date range" in text, stream
        assert "whole request range" in text and "never sum" in text, stream


# -- keys name every dimension -------------------------------------------------------------

DIMENSIONS = {
    "agent",
    "tag",
    "greeting_id",
    "group_id",
    "form_id",
    "field_id",
    "answer_id",
    "chat_id",
}


@pytest.mark.parametrize("cls", STREAMS, ids=lambda c: c.name)
def test_every_key_includes_every_dimension_and_the_day(cls: t.Any) -> None:
    keys = set(cls.primary_keys)
    columns = set(schema(cls.name)["properties"])
    assert columns & DIMENSIONS <= keys
    assert keys & {"window_start", "period_start"}


def test_a_chat_that_leaves_the_queue_on_two_days_keeps_both_rows() -> None:
    sample = {
        "name": "queued-visitors-left-report",
        "total": 1,
        "summary": {"left_without_details": 0, "total_pages": 1},
        "records": {
            "SK0P33W2ZJ": {
                "visitor": {"id": "0f864f86-556e-46a9-848e-d2d5fe0a8fe0", "ip": "169.50.11.126"},
                "queue": {"duration": 123, "group": 0, "start_date": "2024-10-01T20:47:07Z"},
            }
        },
    }
    fake = FakeLiveChat(fixed={"chats/queued_visitors_left": sample})
    result = sync(fake, "chats_queued_visitors_left")
    rows = result.records["chats_queued_visitors_left"]
    tap = TapLivechatReports(config=config("http://x"), validate_config=False)
    keys = keys_of(rows, tap.streams["chats_queued_visitors_left"].primary_keys)
    assert len(rows) == 2 and len(set(keys)) == 2
    assert rows[0]["visitor_id"] == "0f864f86-556e-46a9-848e-d2d5fe0a8fe0"
    assert rows[0]["visitor_ip"] == "169.50.11.126"


# -- omitted zeros and nulls -------------------------------------------------------------------


def test_an_empty_engagement_day_has_total_zero_and_a_busy_one_without_total_null() -> None:
    sample = {
        "name": "engagement-report",
        "total": 1328,
        "records": {
            "2026-10-05": {
                "started_by_customer_from_greeting": 277,
                "started_by_customer_without_greeting": 1051,
            }
        },
    }
    empty = {"name": "engagement-report", "total": 0, "records": {"2026-10-06": {}}}
    busy = sync(
        FakeLiveChat(fixed={"chats/engagement": sample}), "chats_engagement", end_date="2026-10-05"
    )
    (row,) = busy.records["chats_engagement"]
    assert (row["started_by_agent"], row["total"]) == (0, None)
    quiet = sync(
        FakeLiveChat(fixed={"chats/engagement": empty}), "chats_engagement", start_date="2026-10-06"
    )
    (row,) = quiet.records["chats_engagement"]
    assert (row["total"], row["started_by_agent"], row["window_total"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("stream", "method", "record"),
    [
        ("chats_ratings", "chats/ratings", {"chats": 3, "good": None, "bad": 1}),
        ("chats_total_chats", "chats/total_chats", {"total": 2, "continuous": None}),
        ("chats_duration", "chats/duration", {"count": None, "duration": 12100.5}),
    ],
)
def test_null_values_load_as_null_and_fractions_as_numbers(
    stream: str, method: str, record: dict[str, t.Any]
) -> None:
    body = {"name": "r", "total": 3, "records": {"2026-10-05": record}}
    result = sync(FakeLiveChat(fixed={method: body}), stream, end_date="2026-10-05")
    (row,) = result.records[stream]
    validator = jsonschema.Draft7Validator(result.schemas[stream]["schema"])
    validator.validate(row)
    for field, value in record.items():
        assert row[field] == value
