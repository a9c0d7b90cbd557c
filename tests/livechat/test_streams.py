"""Every stream against the simulator: valid records, unique non-null keys, and values that
equal the simulator's ground truth (including a DST day in a non-UTC timezone)."""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import Counter, defaultdict

import jsonschema
import pytest

from sandbox import livechat_data as data
from tap_livechat_reports.streams import STREAMS
from tap_livechat_reports.tap import TapLivechatReports
from tapkit.testing import SyncResult, keys_of, run_sync

from .conftest import SEED, Sandbox, local_day, quiet_utc_day

ALL = [cls.name for cls in STREAMS]


@pytest.fixture(scope="module")
def utc_sync() -> t.Iterator[tuple[Sandbox, SyncResult]]:
    """One sync of every stream over three UTC days, shared by the read-only tests."""
    import contextlib

    from sandbox.core import serve
    from sandbox.livechat import build

    app = build(seed=SEED, page_size=2)
    with contextlib.ExitStack() as stack:
        sb = Sandbox(app, stack.enter_context(serve(app)))
        yield sb, run_sync(TapLivechatReports, sb.config())


def by_key(rows: list[dict[str, t.Any]], *cols: str) -> dict[tuple[t.Any, ...], dict[str, t.Any]]:
    return {tuple(r[c] for c in cols): r for r in rows}


def test_every_stream_syncs_with_valid_records_and_unique_keys(utc_sync: t.Any) -> None:
    _, result = utc_sync
    assert sorted(result.records) == sorted(ALL)
    tap = TapLivechatReports(config=utc_sync[0].config(), validate_config=False)
    for name, stream in tap.streams.items():
        rows = result.records[name]
        assert rows, name
        validator = jsonschema.Draft7Validator(stream.schema)
        for row in rows:
            validator.validate(row)
        keys = keys_of(rows, stream.primary_keys)
        assert all(v is not None for key in keys for v in key), name
        assert len(keys) == len(set(keys)), f"{name}: duplicate keys"
        assert result.schemas[name]["key_properties"] == stream.primary_keys


def test_every_day_has_rows_in_every_period_stream(utc_sync: t.Any) -> None:
    _, result = utc_sync
    days = {"2026-10-05", "2026-10-06", "2026-10-07"}
    for name in ALL:
        if name == "chats_queued_visitors_left":
            continue
        assert {r["window_date"] for r in result.records[name]} == days, name


def test_distributed_values_equal_the_ground_truth(utc_sync: t.Any) -> None:
    _, result = utc_sync
    for day in ("2026-10-05", "2026-10-07"):
        a, b = local_day(day, "UTC")
        rows = {name: [r for r in result.records[name] if r.get("period") == day] for name in ALL}
        (duration,) = rows["chats_duration"]
        truth = data.duration_bucket(SEED, a, b)
        assert duration["count"] == truth["count"] > 0
        assert duration["duration"] == truth["duration"]
        assert duration["agents_chatting_duration"] == truth["agents_chatting_duration"]
        assert duration["window_total"] == len(data.chats(SEED, a, b))
        (total,) = rows["chats_total_chats"]
        assert (total["total"], total["continuous"]) == (
            data.total_chats_bucket(SEED, a, b)["total"],
            data.total_chats_bucket(SEED, a, b).get("continuous", 0),
        )
        ratings = data.ratings_bucket(SEED, a, b)
        (rating,) = rows["chats_ratings"]
        assert {k: rating[k] for k in ("chats", "good", "bad")} == {
            k: ratings.get(k, 0) for k in ("chats", "good", "bad")
        }
        assert {r["tag"]: r["chats"] for r in rows["chats_tags"]} == data.tags_bucket(SEED, a, b)
        assert {r["group_id"]: r["chats"] for r in rows["chats_groups"]} == data.groups_bucket(
            SEED, a, b
        )
        greetings = data.greetings_conversion_bucket(SEED, a, b)
        assert {r["greeting_id"]: r["displayed"] for r in rows["chats_greetings_conversion"]} == {
            g: v.get("displayed", 0) for g, v in greetings.items()
        }
        (first,) = rows["chats_first_response_time"]
        assert (
            first["first_response_time"]
            == data.first_response_time_bucket(SEED, a, b)["first_response_time"]
        )
        (queued,) = rows["chats_queued_visitors"]
        truth_q = data.queued_visitors_bucket(SEED, a, b)
        assert queued["left_queue_count"] == truth_q["left_queue"]["count"]
        assert queued["queued_avg"] == pytest.approx(truth_q["queued"]["avg"])
        (avail,) = rows["agents_availability"]
        assert avail["hours"] == round(data.availability_seconds(SEED, a, b) / 3600, 2)
        assert avail["minutes"] is None


def test_window_reports_equal_the_ground_truth(utc_sync: t.Any) -> None:
    _, result = utc_sync
    a, b = local_day("2026-10-06", "UTC")
    day = [r for r in result.records["chats_ranking"] if r["window_date"] == "2026-10-06"]
    assert {r["agent"]: (r["good"], r["bad"], r["score"]) for r in day} == {
        agent: (v["good"], v["bad"], v["score"]) for agent, v in data.ranking(SEED, a, b).items()
    }
    perf = [r for r in result.records["agents_performance"] if r["window_date"] == "2026-10-06"]
    truth = data.performance(SEED, a, b)
    assert {r["agent"]: r["logged_in_time"] for r in perf} == {
        agent: v.get("logged_in_time", 0) for agent, v in truth["records"].items()
    }
    assert {r["summary_chats_count"] for r in perf} == {truth["summary"]["chats_count"]}
    usage = [r for r in result.records["tags_chat_usage"] if r["window_date"] == "2026-10-06"]
    assert {r["tag"]: r["chats"] for r in usage} == data.chat_usage(SEED, a, b)
    (visitors,) = [r for r in result.records["stats_visitors"] if r["window_date"] == "2026-10-06"]
    assert visitors["unique_visitors"] == data.unique_visitors(SEED, a, b)["unique_visitors"]
    forms = [r for r in result.records["chats_forms"] if r["window_date"] == "2026-10-06"]
    expected = {
        (f["form_id"], field["field_id"], str(ans["answer_id"])): ans["count"]
        for f in data.forms(SEED, a, b)
        for field in f["fields"]
        for ans in field["answers"]
    }
    assert {
        (r["form_id"], r["field_id"], r["answer_id"]): r["answer_count"] for r in forms
    } == expected


def test_queued_visitors_left_reads_every_page(utc_sync: t.Any) -> None:
    sb, result = utc_sync
    start, _ = local_day("2026-10-05", "UTC")
    _, stop = local_day("2026-10-07", "UTC")
    truth = {q.chat_id: q for q in data.queued_visitors_left(SEED, start, stop)}
    rows = result.records["chats_queued_visitors_left"]
    assert {r["chat_id"] for r in rows} == set(truth)
    assert any(b.get("page", 1) > 1 for b in sb.bodies("chats/queued_visitors_left"))
    # `window_total` is the API's `total` for the row's day: the simulator's own count of
    # the day's queued visitors who left (not a count of the tap's rows).
    day_totals = {
        day: len(data.queued_visitors_left(SEED, *local_day(day, "UTC")))
        for day in ("2026-10-05", "2026-10-06", "2026-10-07")
    }
    assert max(day_totals.values()) > 2  # more than one page (page_size=2) on some day
    for row in rows:
        assert row["queue_duration"] == truth[row["chat_id"]].duration
        assert row["window_total"] == day_totals[row["window_date"]], row["window_date"]


def test_requests_are_posts_with_the_documented_body(utc_sync: t.Any) -> None:
    sb, _ = utc_sync
    (first, *_) = sb.bodies("chats/duration")
    assert first == {
        "timezone": "UTC",
        "filters": {"from": "2026-10-05T00:00:00+00:00", "to": "2026-10-05T23:59:59.999999+00:00"},
        "distribution": "day",
    }
    ranking = sb.bodies("chats/ranking")[0]
    assert "distribution" not in ranking
    greeting = sb.bodies("chats/greetings_conversion")[0]
    assert set(greeting["filters"]) == {"greetings"}
    assert sb.bodies("stats/visitors")[0] == {"timezone": "UTC", "filters": first["filters"]}


def test_empty_days_become_rows_never_gaps(sandbox: Sandbox) -> None:
    quiet = quiet_utc_day("2026-10-01")
    result = run_sync(TapLivechatReports, sandbox.config(start_date=quiet, end_date=quiet))
    rec = result.records
    (duration,) = rec["chats_duration"]
    assert (duration["count"], duration["duration"], duration["window_total"]) == (0, None, 0)
    (ratings,) = rec["chats_ratings"]
    assert (ratings["chats"], ratings["good"], ratings["bad"]) == (0, 0, 0)
    (tags,) = rec["chats_tags"]
    assert (tags["tag"], tags["chats"]) == ("(none)", None)
    (greeting,) = rec["chats_greetings_conversion"]
    assert greeting["greeting_id"] == "(none)" and greeting["displayed"] is None
    (queued,) = rec["chats_queued_visitors"]
    assert queued["queued_count"] == 0 and queued["queued_avg"] is None
    (avail,) = rec["agents_availability"]
    assert avail["hours"] == 0
    (ranking,) = rec["chats_ranking"]
    assert ranking["agent"] == "(none)"
    (form,) = rec["chats_forms"]
    assert (form["form_id"], form["group_id"]) == ("(none)", -1)
    assert rec["chats_queued_visitors_left"] == []
    (visitors,) = rec["stats_visitors"]
    assert visitors["unique_visitors"] == 0


def test_dst_day_in_a_non_utc_timezone(sandbox: Sandbox) -> None:
    """2026-11-01 in New York lasts 25 hours: the request covers it exactly and the values
    equal the ground truth over that local day."""
    tz = "America/New_York"
    result = run_sync(
        TapLivechatReports,
        sandbox.config(start_date="2026-10-31", end_date="2026-11-02", timezone=tz),
        streams=["chats_total_chats", "agents_availability", "stats_visitors"],
    )
    bodies = sandbox.bodies("chats/total_chats")
    assert [b["filters"] for b in bodies] == [
        {"from": "2026-10-31T00:00:00-04:00", "to": "2026-10-31T23:59:59.999999-04:00"},
        {"from": "2026-11-01T00:00:00-04:00", "to": "2026-11-01T23:59:59.999999-05:00"},
        {"from": "2026-11-02T00:00:00-05:00", "to": "2026-11-02T23:59:59.999999-05:00"},
    ]
    assert all(b["timezone"] == tz for b in bodies)
    a, b = local_day("2026-11-01", tz)
    assert b - a == 25 * 3600
    rows = {r["period"]: r for r in result.records["chats_total_chats"]}
    assert rows["2026-11-01"]["total"] == len(data.chats(SEED, a, b)) > 0
    assert rows["2026-11-01"]["period_start"] == "2026-11-01T04:00:00+00:00"
    assert rows["2026-11-01"]["period_end"] == "2026-11-02T05:00:00+00:00"
    avail = {r["period"]: r for r in result.records["agents_availability"]}
    assert avail["2026-11-01"]["hours"] == round(data.availability_seconds(SEED, a, b) / 3600, 2)
    visitors = {r["window_date"]: r for r in result.records["stats_visitors"]}
    assert visitors["2026-11-01"]["page_views"] == data.unique_visitors(SEED, a, b)["page_views"]


def test_hour_distribution_across_dst(sandbox: Sandbox) -> None:
    """Hourly periods: a row per local hour; the repeated 01:00 of the fall-back day is one
    two-hour period (the API's wall-clock key cannot tell the hours apart); the hours add
    up to the day."""
    tz = "America/New_York"
    result = run_sync(
        TapLivechatReports,
        sandbox.config(
            start_date="2026-11-01", end_date="2026-11-01", timezone=tz, distribution="hour"
        ),
        streams=["chats_total_chats", "agents_availability", "chats_tags"],
    )
    rows = result.records["chats_total_chats"]
    assert len(rows) == 24
    assert {r["distribution"] for r in rows} == {"hour"}
    a, b = local_day("2026-11-01", tz)
    assert sum(r["total"] for r in rows) == len(data.chats(SEED, a, b))
    repeated = next(r for r in rows if r["period"] == "2026-11-01 01:00:00")
    start = dt.datetime.fromisoformat(repeated["period_start"])
    end = dt.datetime.fromisoformat(repeated["period_end"])
    assert end - start == dt.timedelta(hours=2)
    assert repeated["total"] == len(data.chats(SEED, start.timestamp(), end.timestamp()))
    minutes = sum(r["minutes"] for r in result.records["agents_availability"])
    assert minutes == pytest.approx(data.availability_seconds(SEED, a, b) / 60, abs=0.1)
    per_hour = defaultdict(int)
    for r in result.records["chats_tags"]:
        per_hour[r["tag"]] += r["chats"] or 0
    assert {k: v for k, v in per_hour.items() if k != "(none)"} == data.tags_bucket(SEED, a, b)


def test_filters_reach_the_api_and_the_numbers(sandbox: Sandbox) -> None:
    result = run_sync(
        TapLivechatReports,
        sandbox.config(
            start_date="2026-10-06",
            end_date="2026-10-06",
            group_ids=[0, 42],
            agent_ids=["anna@acme.example", "eve@acme.example"],
            tags=["sales", "support"],
        ),
        streams=[
            "chats_total_chats",
            "agents_performance",
            "tags_chat_usage",
            "chats_greetings_conversion",
        ],
    )
    body = sandbox.bodies("chats/total_chats")[0]["filters"]
    assert body["groups"] == {"values": [0, 42]}
    assert body["agents"] == {"values": ["anna@acme.example", "eve@acme.example"]}
    assert body["tags"] == {"values": ["sales", "support"]}
    assert sandbox.bodies("tags/chat_usage")[0]["filters"].keys() == {"from", "to", "groups"}
    assert sandbox.bodies("chats/greetings_conversion")[0]["filters"]["greetings"]["groups"] == {
        "values": [0, 42]
    }
    a, b = local_day("2026-10-06", "UTC")
    flt = data.Filters(
        groups=(0, 42), agents=("anna@acme.example", "eve@acme.example"), tags=("sales", "support")
    )
    (row,) = result.records["chats_total_chats"]
    assert row["total"] == len(data.chats(SEED, a, b, flt)) > 0
    assert row["total"] < len(data.chats(SEED, a, b))
    agents = Counter(r["agent"] for r in result.records["agents_performance"])
    assert set(agents) <= {"anna@acme.example", "eve@acme.example"}


def test_oauth_bearer_token_syncs(sandbox: Sandbox) -> None:
    from .conftest import OAUTH_TOKEN

    result = run_sync(
        TapLivechatReports,
        sandbox.config(account_id=None, personal_access_token=None, access_token=OAUTH_TOKEN),
        streams=["chats_total_chats"],
    )
    assert len(result.records["chats_total_chats"]) == 3
