"""The vendor's own response samples (livechat-public-docs payloads, as quoted in
API-FACTS.md section 1.5) mapped to rows, and malformed bodies refused."""

from __future__ import annotations

import datetime as dt
import typing as t

import jsonschema
import pytest

from tap_livechat_reports.streams import ReportStream
from tap_livechat_reports.tap import TapLivechatReports
from tapkit import TapError, Window
from tapkit.windows import WindowPolicy, get_zone, plan_windows

CONFIG = {
    "account_id": "acc",
    "personal_access_token": "pat-value",
    "start_date": "2021-04-08",
    "timezone": "UTC",
}


def stream(name: str, **config: t.Any) -> ReportStream:
    tap = TapLivechatReports(config={**CONFIG, **config}, validate_config=False)
    return t.cast("ReportStream", tap.streams[name])


def window(day: str, tz: str = "UTC") -> tuple[Window, tuple[dt.datetime, dt.datetime]]:
    zone = get_zone(tz)
    d = dt.date.fromisoformat(day)
    start = dt.datetime(d.year, d.month, d.day, tzinfo=zone)
    nxt = d + dt.timedelta(days=1)
    (w,) = plan_windows(
        start, dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone), WindowPolicy()
    )
    return w, (w.start, (w.end.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).astimezone(zone))


def rows(name: str, body: dict[str, t.Any], day: str, **config: t.Any) -> list[dict[str, t.Any]]:
    s = stream(name, **config)
    w, bounds = window(day, str(config.get("timezone", "UTC")))
    out = list(s.rows(body, w, bounds))
    validator = jsonschema.Draft7Validator(s.schema)
    for row in out:
        validator.validate(row)
    return out


def test_duration_sample_and_its_empty_day() -> None:
    body = {
        "name": "duration-report",
        "total": 369,
        "records": {
            "2021-04-08": {"agents_chatting_duration": 10800, "count": 37, "duration": 12100},
            "2021-04-12": {},
        },
    }
    (row,) = rows("chats_duration", body, "2021-04-08")
    assert (row["count"], row["duration"], row["agents_chatting_duration"]) == (37, 12100, 10800)
    assert row["window_total"] == 369 and row["period"] == "2021-04-08"
    (empty,) = rows("chats_duration", {**body, "records": {"2021-04-12": {}}}, "2021-04-12")
    assert (empty["count"], empty["duration"]) == (0, None)


def test_ratings_sample_omits_zero_fields() -> None:
    body = {
        "name": "ratings-report",
        "total": 83,
        "records": {"2021-04-11": {"bad": 1, "chats": 3}},
    }
    (row,) = rows("chats_ratings", body, "2021-04-11")
    assert (row["chats"], row["good"], row["bad"]) == (3, 0, 1)
    (only_chats,) = rows(
        "chats_ratings", {**body, "records": {"2021-04-13": {"chats": 2}}}, "2021-04-13"
    )
    assert (only_chats["good"], only_chats["bad"]) == (0, 0)


def test_engagement_sample_without_started_by_agent_or_total() -> None:
    record = {
        "started_by_customer_from_greeting": 277,
        "started_by_customer_without_greeting": 1051,
    }
    body = {"name": "engagement-report", "total": 7411, "records": {"2021-08-20": record}}
    (row,) = rows("chats_engagement", body, "2021-08-20")
    assert row["started_by_agent"] == 0 and row["total"] is None
    assert row["started_by_customer_without_greeting"] == 1051


def test_tags_and_groups_samples_become_a_row_per_key() -> None:
    tags = {
        "name": "tags-report",
        "total": 369,
        "records": {"2021-04-08": {"spam": 14, "support": 19}},
    }
    assert {(r["tag"], r["chats"]) for r in rows("chats_tags", tags, "2021-04-08")} == {
        ("spam", 14),
        ("support", 19),
    }
    groups = {"name": "groups-report", "total": 29, "records": {"2024-08-20": {"0": 1, "2": 1}}}
    got = rows("chats_groups", groups, "2024-08-20")
    assert {(r["group_id"], r["chats"]) for r in got} == {("0", 1), ("2", 1)}


def test_greetings_conversion_sample_with_empty_days() -> None:
    body = {"name": "greetings-conversion-report", "total": 3, "records": {"2021-09-20": {}}}
    (row,) = rows("chats_greetings_conversion", body, "2021-09-20")
    assert row["greeting_id"] == "(none)" and row["accepted"] is None and row["window_total"] == 3
    full = {"2021-09-24": {"1234": {"accepted": 3, "displayed": 40, "goals": 1}}}
    (row,) = rows("chats_greetings_conversion", {**body, "records": full}, "2021-09-24")
    assert (row["greeting_id"], row["accepted"], row["canceled"], row["displayed"]) == (
        "1234",
        3,
        0,
        40,
    )


def test_queued_visitors_sample() -> None:
    body = {
        "name": "queued-visitors-report",
        "total": 15,
        "records": {
            "2024-10-01": {
                "left_queue": {"count": 13, "min": 0, "max": 100, "avg": 20.5384615384615383},
                "queued": {"count": 13, "min": 0, "max": 20, "avg": 2.5384615384615383},
            }
        },
    }
    (row,) = rows("chats_queued_visitors", body, "2024-10-01")
    assert row["left_queue_max"] == 100 and row["queued_avg"] == pytest.approx(2.538461538)
    (empty,) = rows("chats_queued_visitors", {**body, "records": {"2024-10-03": {}}}, "2024-10-03")
    assert empty["queued_count"] == 0 and empty["left_queue_min"] is None


def test_availability_sample_sends_zero_hours() -> None:
    body = {"name": "availability-report", "total": 19.59, "records": {"2021-04-08": {"hours": 0}}}
    (row,) = rows("agents_availability", body, "2021-04-08")
    assert row["hours"] == 0 and row["minutes"] is None and row["window_total"] == 19.59


def test_ranking_performance_forms_usage_visitors_and_queue_left_samples() -> None:
    ranking = {
        "name": "ranking-report",
        "records": {
            "smith@example.com": {"total": 2, "good": 0, "bad": 2, "score": 0.11473482425785904}
        },
    }
    (r,) = rows("chats_ranking", ranking, "2021-04-08")
    assert (r["agent"], r["bad"], r["score"]) == ("smith@example.com", 2, 0.11473482425785904)

    performance = {
        "name": "performance-report",
        "records": {
            "smith@example.com": {
                "accepting_chats_time": 35296,
                "chats_count": 4,
                "chats_rated_bad": 0,
                "chats_rated_good": 2,
                "chatting_time": 55,
                "first_response_chats_count": 3,
                "first_response_time": 9.666666666666666,
                "logged_in_time": 45304,
                "not_accepting_chats_time": 10008,
            }
        },
        "summary": {
            "chats_count": 17,
            "chats_rated_bad": 3,
            "chats_rated_good": 7,
            "first_response_chats_count": 11,
            "first_response_time": 8.55151490909091,
        },
    }
    (p,) = rows("agents_performance", performance, "2021-04-08")
    assert (p["logged_in_time"], p["summary_chats_count"], p["summary_first_response_time"]) == (
        45304,
        17,
        8.55151490909091,
    )

    forms = {
        "name": "form-report",
        "records": [
            {
                "form_id": "163654772984908812",
                "count": 5,
                "group_id": 0,
                "fields": [
                    {
                        "field_id": "163654772984903574",
                        "label": "Question:",
                        "answers": [
                            {"answer_id": 0, "label": "First answer", "count": 3},
                            {"answer_id": 1, "label": "Second answer", "count": 2},
                        ],
                    }
                ],
            }
        ],
    }
    got = rows("chats_forms", forms, "2021-04-08")
    assert [
        (r["answer_id"], r["answer_label"], r["answer_count"], r["form_count"]) for r in got
    ] == [
        ("0", "First answer", 3, 5),
        ("1", "Second answer", 2, 5),
    ]

    usage = {"name": "tags-chat-usage-report", "records": {"docs_feedback": 4, "spam": 3}}
    assert {(r["tag"], r["chats"]) for r in rows("tags_chat_usage", usage, "2021-04-08")} == {
        ("docs_feedback", 4),
        ("spam", 3),
    }

    visitors = {"name": "visitors-report", "summary": {"unique_visitors": 4, "page_views": 23}}
    (v,) = rows("stats_visitors", visitors, "2024-01-01")
    assert (v["unique_visitors"], v["page_views"]) == (4, 23)

    left = {
        "name": "queued-visitors-left-report",
        "total": 2,
        "summary": {"left_without_details": 2, "total_pages": 1},
        "records": {
            "SK0P33W2ZJ": {
                "visitor": {"id": "0f864f86-556e-46a9-848e-d2d5fe0a8fe0", "ip": "169.50.11.126"},
                "queue": {"duration": 123, "group": 0, "start_date": "2024-10-01T20:47:07Z"},
            }
        },
    }
    (q,) = rows("chats_queued_visitors_left", left, "2024-10-01")
    assert (q["chat_id"], q["queue_duration"], q["queue_start_date"], q["window_total"]) == (
        "SK0P33W2ZJ",
        123,
        "2024-10-01T20:47:07Z",
        2,
    )


def test_a_missing_day_is_a_row_and_an_empty_foreign_day_is_ignored() -> None:
    body = {"name": "total-chats-report", "total": 0, "records": {"2021-04-07": {}}}
    (row,) = rows("chats_total_chats", body, "2021-04-08")
    assert (row["period"], row["total"]) == ("2021-04-08", 0)


def test_a_foreign_day_with_data_stops_the_run() -> None:
    # Its chats may be in `total`: the API read the day's bounds differently.
    body = {"name": "total-chats-report", "total": 5, "records": {"2021-04-07": {"total": 5}}}
    with pytest.raises(TapError, match="outside that day"):
        rows("chats_total_chats", body, "2021-04-08")


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("chats_duration", {"records": [1, 2]}, "an object of periods"),
        ("chats_duration", {"records": {"2021-04-08": 3}}, "an object per period"),
        ("chats_duration", {"records": {"last week": {}}}, "a period key"),
        (
            "chats_duration",
            {"records": {"2021-04-08 13:00:00": {"count": 1}}},
            "daily periods only",
        ),
        ("chats_forms", {"records": {"a": 1}}, "a list of forms"),
        ("chats_ranking", {"records": ["x"]}, "an object of agents"),
    ],
)
def test_malformed_bodies_stop_with_a_clear_error(
    name: str, body: dict[str, t.Any], needle: str
) -> None:
    with pytest.raises(TapError, match=needle):
        rows(name, body, "2021-04-08")


def test_hour_keys_in_several_formats() -> None:
    body = {
        "name": "total-chats-report",
        "total": 3,
        "records": {
            "2021-04-08 00:00:00": {"total": 1},
            "2021-04-08 01:00": {"total": 2},
            "2021-04-08T04:00:00+02:00": {"total": 7},  # 02:00 UTC
        },
    }
    got = rows("chats_total_chats", body, "2021-04-08", distribution="hour")
    assert len(got) == 24
    by_period = {r["period_start"]: r["total"] for r in got}
    assert by_period["2021-04-08T01:00:00+00:00"] == 2
    assert by_period["2021-04-08T02:00:00+00:00"] == 7
    assert sum(by_period.values()) == 10
