"""The Dixa simulator against the vendor docs (api-docs/dixa-analytics-api.txt), its
revisions, its knobs and its truth functions."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import typing as t
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

from sandbox import dixa_data as data
from sandbox.core import serve
from sandbox.dixa import DEFAULT_TOKEN, DixaApp

AUTH = {"Authorization": DEFAULT_TOKEN}
CPH = "Europe/Copenhagen"
#: The simulator's clock in these tests: volatile days (UTC) are 10-26, 10-27 and 10-28.
NOW = dt.datetime(2026, 10, 28, 12, 0, 0, 123000, tzinfo=dt.UTC)
OLD_DAY = dt.date(2026, 10, 24)
RECENT_DAY = dt.date(2026, 10, 27)
DAY = {"_type": "Interval", "start": "2026-10-24T00:00:00Z", "end": "2026-10-25T00:00:00Z"}
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# -- the docs' samples, copied from the docs' text (not from the simulator) -------------------

FILTERS_ALL = [
    {"filterAttribute": a, "description": f"Used to filter by the {a}"}
    for a in ["agent_id", "queue_id", "channel", "initial_direction", "tag_id", "contact_point"]
]
CSAT = {
    "id": "csat",
    "description": "(Number of satisfied customers (4 and 5)/ Number of survey responses) x 100"
    " = % of satisfied customers",
    "filters": FILTERS_ALL,
    "aggregations": [{"measure": "Percentage", "description": "Calculated Percentage"}],
    "relatedRecordIds": ["ratings"],
}
DOCS_METRICS_CATALOGUE = {
    "data": [
        CSAT,
        {
            "id": "closed_conversations",
            "description": "Closed conversation data",
            "filters": FILTERS_ALL[1:],
            "aggregations": [{"measure": "Count", "description": "Conversation closed count"}],
            "relatedRecordIds": ["closed_conversations"],
        },
    ]
}
RATINGS = {
    "id": "ratings",
    "description": "Conversation Ratings",
    "filters": FILTERS_ALL,
    "relatedMetricIds": ["csat"],
    "fieldsMetadata": [
        {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
        {
            "field": "agent_id",
            "description": "The agent assigned to the conversation",
            "nullable": True,
        },
        {
            "field": "queue_id",
            "description": "The queue which the conversation was part of when the conversation"
            " was offered",
            "nullable": True,
        },
    ],
}
DOCS_RECORDS_CATALOGUE = {
    "data": [
        RATINGS,
        {
            "id": "closed_conversations",
            "description": "Closed conversation data",
            "filters": FILTERS_ALL[1:],
            "relatedMetricIds": ["closed_conversations"],
            "fieldsMetadata": [
                {
                    "field": "closed_at",
                    "description": "Timestamp of when the conversation was closed",
                    "nullable": False,
                },
                {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
                {
                    "field": "agent_id",
                    "description": "The agent closing the conversation",
                    "nullable": True,
                },
                {
                    "field": "queue_id",
                    "description": "The queue which the conversation was part of when the"
                    " conversation was closed",
                    "nullable": True,
                },
                {
                    "field": "closed_by",
                    "description": "User closing the conversation (Agent, Enduser or Unknown)",
                    "nullable": False,
                },
            ],
        },
    ]
}
DOCS_METRIC_REQUEST = json.loads(
    """{"id": "closed_conversations",
        "periodFilter": {"value": {"_type": "PreviousWeek"}, "_type": "Preset"},
        "filters": [{"attribute": "channel", "values": ["email"]}],
        "aggregations": ["Count"], "timezone": "Europe/Copenhagen"}"""
)
DOCS_METRIC_RESPONSE = json.loads(
    """{"data": {"id": "closed_conversations",
        "aggregates": [{"value": 42, "measure": "Count", "_type": "LongAggregateValue"}]}}"""
)
DOCS_RECORDS_REQUEST = json.loads(
    """{"id": "closed_conversations",
        "periodFilter": {"value": {"_type": "PreviousWeek"}, "_type": "Preset"},
        "filters": [{"attribute": "initial_direction", "values": ["INBOUND"]}],
        "timezone": "Europe/Copenhagen"}"""
)
DOCS_RECORDS_RESPONSE = json.loads(
    """{"data": [
  {"primaryTimestampField": {"name": "created_at", "timestamp": "2023-04-21T10:23:14.293Z"},
   "fields": [
     {"name": "csid", "field": {"value": 184472, "_type": "LongField"}},
     {"name": "initial_direction",
      "field": {"value": "INBOUND", "label": "Inbound", "_type": "StringField"}},
     {"name": "initial_channel",
      "field": {"value": "PSTN_PHONE", "label": "Phone", "_type": "StringField"}},
     {"name": "contact_point",
      "field": {"value": "+4511223344", "label": "+4511223344", "_type": "StringField"}}]},
  {"primaryTimestampField": {"name": "created_at", "timestamp": "2023-04-21T10:24:04.259Z"},
   "fields": [
     {"name": "csid", "field": {"value": 184473, "_type": "LongField"}},
     {"name": "initial_direction",
      "field": {"value": "INBOUND", "label": "Inbound", "_type": "StringField"}},
     {"name": "initial_channel",
      "field": {"value": "EMAIL", "label": "Email", "_type": "StringField"}},
     {"name": "contact_point",
      "field": {"value": "dixa@email.com", "label": "dixa@email.com", "_type": "StringField"}}]}
]}"""
)
DOCS_FILTER_RESPONSE = {
    "data": [
        {"value": "CALLBACK", "label": "Callback"},
        {"value": "CONTACT_FORM", "label": "Contact Form"},
    ]
}

# -- helpers ------------------------------------------------------------------------------


@pytest.fixture
def app() -> DixaApp:
    sim = DixaApp(rate_per_second=1000, burst=200)
    sim.set_now(NOW)
    return sim


@pytest.fixture
def url(app: DixaApp) -> Iterator[str]:
    with serve(app) as base:
        yield base


def body(ident: str = "closed_conversations", **extra: t.Any) -> dict[str, t.Any]:
    return {"id": ident, "periodFilter": DAY, "timezone": "UTC", **extra}


def day_body(
    ident: str, day: dt.date, tz: str = "UTC", days: int = 1, **extra: t.Any
) -> dict[str, t.Any]:
    start, end = data.day_bounds(day, tz)
    end = data.day_bounds(day + dt.timedelta(days=days - 1), tz)[1]
    period = {
        "_type": "Interval",
        "start": (data.EPOCH + dt.timedelta(microseconds=start)).isoformat(),
        "end": (data.EPOCH + dt.timedelta(microseconds=end)).isoformat(),
    }
    return {"id": ident, "periodFilter": period, "timezone": tz, **extra}


def filters_of(filters: dict[str, list[str]]) -> list[dict[str, t.Any]]:
    return [{"attribute": k, "values": v} for k, v in filters.items()]


def key_of(payload: dict[str, t.Any]) -> str:
    return parse_qs(urlparse(payload["meta"]["next"]).query)["pageKey"][0]


def all_rows(
    base: str, sent: dict[str, t.Any], limit: int = 25
) -> tuple[list[dict[str, t.Any]], list[dict[str, t.Any]]]:
    """(rows of every page, the pages) of ``POST /records``, following ``meta.next``."""
    first = requests.post(
        f"{base}/v1/analytics/records",
        json=sent,
        headers=AUTH,
        params={"pageLimit": limit},
        timeout=5,
    )
    assert first.status_code == 200, first.text
    pages = [first.json()]
    while "next" in pages[-1].get("meta", {}):
        nxt = pages[-1]["meta"]["next"]
        assert nxt.startswith("/v1/analytics/records?pageKey=")  # relative, like the docs
        resp = requests.post(f"{base}{nxt}", json=sent, headers=AUTH, timeout=5)
        assert resp.status_code == 200, resp.text
        pages.append(resp.json())
    return [row for page in pages for row in page["data"]], pages


def metric(base: str, sent: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    resp = requests.post(f"{base}/v1/analytics/metrics", json=sent, headers=AUTH, timeout=5)
    assert resp.status_code == 200, resp.text
    assert "meta" not in resp.json()
    assert resp.json()["data"]["id"] == sent["id"]
    return t.cast("list[dict[str, t.Any]]", resp.json()["data"]["aggregates"])


def count(aggregates: list[dict[str, t.Any]]) -> int:
    return next((a["value"] for a in aggregates if a["measure"] == "Count"), 0)


def csid(row: dict[str, t.Any]) -> int:
    names = {f["name"]: f.get("field") for f in row["fields"]}
    return int((names.get("csid") or names["conversation_id"])["value"])


def set_revision(base: str, revision: int) -> None:
    resp = requests.post(f"{base}/__sandbox__/revision", json={"revision": revision}, timeout=5)
    assert resp.json() == {"revision": revision}


def set_knobs(base: str, **knobs: t.Any) -> None:
    resp = requests.post(f"{base}/__sandbox__/knobs", json=knobs, timeout=5)
    assert resp.status_code == 200, resp.text


# -- catalogues and the docs' samples --------------------------------------------------------


def test_catalogues_and_descriptions_are_the_docs_samples(url: str) -> None:
    get = lambda path: requests.get(f"{url}/v1/analytics/{path}", headers=AUTH, timeout=5)  # noqa: E731
    assert get("metrics").json() == DOCS_METRICS_CATALOGUE
    assert get("records").json() == DOCS_RECORDS_CATALOGUE
    assert get("metrics/csat").json() == {"data": CSAT}
    assert get("records/ratings").json() == {"data": RATINGS}
    channels = get("filter/channel").json()["data"]
    assert {"value": "CALLBACK", "label": "Callback"} in channels
    assert {"value": "CONTACT_FORM", "label": "Contact Form"} in channels


def test_docs_dataset_replays_the_samples_verbatim(app: DixaApp, url: str) -> None:
    set_knobs(url, dataset="docs")
    resp = requests.post(
        f"{url}/v1/analytics/metrics", json=DOCS_METRIC_REQUEST, headers=AUTH, timeout=5
    )
    assert resp.json() == DOCS_METRIC_RESPONSE
    resp = requests.post(
        f"{url}/v1/analytics/records", json=DOCS_RECORDS_REQUEST, headers=AUTH, timeout=5
    )
    assert resp.json() == DOCS_RECORDS_RESPONSE  # no ``meta``: a single, last page
    assert '"timestamp": "2023-04-21T10:23:14.293Z"' in resp.text
    resp = requests.get(f"{url}/v1/analytics/filter/channel", headers=AUTH, timeout=5)
    assert resp.json() == DOCS_FILTER_RESPONSE
    # Other requests are answered from the two sample rows.
    week = {"_type": "Interval", "start": "2023-04-17T00:00:00Z", "end": "2023-04-24T00:00:00Z"}
    sent = {"id": "closed_conversations", "periodFilter": week, "timezone": "UTC"}
    assert count(metric(url, sent)) == 2
    email = {**sent, "filters": [{"attribute": "channel", "values": ["EMAIL"]}]}
    assert all_rows(url, email)[0] == DOCS_RECORDS_RESPONSE["data"][1:]
    assert count(metric(url, email)) == 1


def test_generated_records_look_like_the_docs_example(app: DixaApp, url: str) -> None:
    rows, _ = all_rows(url, body())
    assert len(rows) > 30
    channels, directions = Counter(), Counter()
    for row in rows:
        assert set(row) == {"primaryTimestampField", "fields"}
        assert row["primaryTimestampField"]["name"] == "created_at"
        assert INSTANT.match(row["primaryTimestampField"]["timestamp"])
        assert [f["name"] for f in row["fields"]] == [
            "csid",
            "initial_direction",
            "initial_channel",
            "contact_point",
        ]
        csid_field, direction, channel, point = (f["field"] for f in row["fields"])
        assert csid_field["_type"] == "LongField" and isinstance(csid_field["value"], int)
        assert point["label"] == point["value"] and point["_type"] == "StringField"
        channels[(channel["value"], channel["label"])] += 1
        directions[(direction["value"], direction["label"])] += 1
    assert set(channels) == {
        ("EMAIL", "Email"),
        ("PSTN_PHONE", "Phone"),
        ("CALLBACK", "Callback"),
        ("CONTACT_FORM", "Contact Form"),
    }
    assert set(directions) == {("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")}


def test_catalogue_shape_and_ratings_rows(url: str) -> None:
    set_knobs(url, record_shape="catalogue")
    rows, _ = all_rows(url, body())
    names = [f["name"] for f in rows[0]["fields"]]
    assert names == ["closed_at", "conversation_id", "agent_id", "queue_id", "closed_by"]
    for row in rows:
        assert row["primaryTimestampField"]["name"] == "closed_at"
        closed_at = row["fields"][0]["field"]
        assert closed_at == {
            "value": row["primaryTimestampField"]["timestamp"],
            "_type": "InstantField",
        }
        assert row["fields"][4]["field"]["value"] in {"Agent", "Enduser", "Unknown"}
    ratings, _ = all_rows(url, body("ratings"))
    assert ratings
    for row in ratings:
        assert row["value"]["_type"] == "LongField" and 1 <= row["value"]["value"] <= 5
        assert [f["name"] for f in row["fields"]] == ["conversation_id", "agent_id", "queue_id"]
        assert INSTANT.match(row["primaryTimestampField"]["timestamp"])


# -- records, counts and the truth ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "knobs"),
    [
        ("UTC", {}),
        (CPH, {}),
        (CPH, {"record_shape": "catalogue", "null_field": "null"}),
        (CPH, {"closed_period_by": "created_at", "long_values": "mixed"}),
        ("UTC", {"interval_end": "inclusive", "rename_scope": "all", "null_field": "omitted"}),
    ],
)
@pytest.mark.parametrize("revision", [0, 1, 3])
def test_http_answers_equal_the_truth(
    app: DixaApp, url: str, tz: str, knobs: dict[str, t.Any], revision: int
) -> None:
    app.set_knobs(**knobs)
    app.set_revision(revision)
    for day in (OLD_DAY, dt.date(2026, 10, 25), RECENT_DAY, NOW.date()):
        for record_id, metric_id in (
            ("closed_conversations", "closed_conversations"),
            ("ratings", "csat"),
        ):
            rows, _ = all_rows(url, day_body(record_id, day, tz), limit=40)
            truth = app.truth_records(record_id, day, tz)
            assert rows == truth
            assert truth == data.truth_records(
                record_id, day, tz=tz, revision=revision, now=NOW, knobs=knobs
            )
            assert metric(url, day_body(metric_id, day, tz)) == app.truth_metric(metric_id, day, tz)
            if metric_id == "closed_conversations":
                assert count(app.truth_metric(metric_id, day, tz)) == len(rows)
            elif rows:
                satisfied = sum(1 for r in rows if r["value"]["value"] >= 4)
                percentage = app.truth_metric(metric_id, day, tz)[0]["value"]
                assert percentage == 100.0 * satisfied / len(rows)


@pytest.mark.parametrize(
    "filters",
    [
        {"channel": ["EMAIL"]},
        {"channel": ["email", "CALLBACK"], "initial_direction": ["OUTBOUND"]},
        {"tag_id": [data.TAGS[1][0]]},
        {"queue_id": [data.QUEUES[2][1]], "contact_point": ["dixa@email.com"]},
        {"agent_id": [data.AGENTS[1][1]]},
    ],
)
def test_filtered_answers_equal_the_truth(
    app: DixaApp, url: str, filters: dict[str, list[str]]
) -> None:
    app.set_knobs(record_shape="catalogue")
    everything = {
        r: app.truth_records(r, OLD_DAY, CPH) for r in ("closed_conversations", "ratings")
    }
    for record_id, metric_id in (
        ("closed_conversations", "closed_conversations"),
        ("ratings", "csat"),
    ):
        sent = day_body(record_id, OLD_DAY, CPH, filters=filters_of(filters))
        rows, _ = all_rows(url, sent)
        assert rows == app.truth_records(record_id, OLD_DAY, CPH, filters)
        sent_metric = day_body(metric_id, OLD_DAY, CPH, filters=filters_of(filters))
        assert metric(url, sent_metric) == app.truth_metric(metric_id, OLD_DAY, CPH, filters)
        if record_id == "closed_conversations" and "agent_id" in filters:
            # closed_conversations does not list agent_id: the filter is "simply ignored"
            assert rows == everything[record_id]
        else:
            assert 0 < len(rows) < len(everything[record_id])


def test_a_reopened_conversation_is_two_records_within_one_day(url: str) -> None:
    rows, _ = all_rows(url, day_body("closed_conversations", OLD_DAY))
    twice = [c for c, n in Counter(csid(r) for r in rows).items() if n == 2]
    assert twice
    same = [r for r in rows if csid(r) == twice[0]]
    assert same[0] == same[1]  # the docs' row shape cannot tell the two closes apart
    assert count(metric(url, day_body("closed_conversations", OLD_DAY))) == len(rows)
    set_knobs(url, record_shape="catalogue")
    rows, _ = all_rows(url, day_body("closed_conversations", OLD_DAY))
    closes = [r["fields"][0]["field"]["value"] for r in rows if csid(r) == twice[0]]
    assert len(closes) == 2 and closes[0] < closes[1]


# -- revisions ----------------------------------------------------------------------------


def test_revisions_change_only_recent_days(app: DixaApp, url: str) -> None:
    days = [NOW.date() - dt.timedelta(days=n) for n in range(6)]
    before = {d: app.truth_records("closed_conversations", d, CPH) for d in days}
    set_revision(url, 1)
    after = {d: app.truth_records("closed_conversations", d, CPH) for d in days}
    assert requests.get(f"{url}/__sandbox__/revision", timeout=5).json() == {"revision": 1}
    for d in days:
        if d <= dt.date(2026, 10, 24):
            assert after[d] == before[d], d
    for d in (dt.date(2026, 10, 26), RECENT_DAY, NOW.date()):
        assert after[d] != before[d], d
    # Counts move with the records on every revision step.
    counts = []
    for revision in range(4):
        set_revision(url, revision)
        counts.append(count(metric(url, day_body("closed_conversations", RECENT_DAY))))
        assert counts[-1] == len(all_rows(url, day_body("closed_conversations", RECENT_DAY))[0])
    assert len(set(counts)) == 4


def test_late_closes_and_reopens_between_revisions(app: DixaApp) -> None:
    app.set_knobs(record_shape="catalogue")
    rev0 = Counter(csid(r) for r in app.truth_records("closed_conversations", RECENT_DAY))
    app.set_revision(1)
    rev1 = Counter(csid(r) for r in app.truth_records("closed_conversations", RECENT_DAY))
    assert set(rev1) - set(rev0)  # closed late
    assert [c for c in rev0 if rev0[c] == 1 and rev1[c] == 2]  # reopened and closed again


def test_an_agent_leaves_a_tag_vanishes_and_labels_are_renamed(app: DixaApp, url: str) -> None:
    leaving = data.AGENTS[data.LEAVING_AGENT][1]
    tag = data.TAGS[data.VANISHING_TAG][0]
    by_agent = [{"attribute": "agent_id", "values": [leaving]}]
    by_tag = [{"attribute": "tag_id", "values": [tag]}]
    recent = [dt.date(2026, 10, 26), RECENT_DAY, NOW.date()]

    def agent_ratings() -> int:
        return sum(len(all_rows(url, day_body("ratings", d, filters=by_agent))[0]) for d in recent)

    def tag_count(day: dt.date) -> int:
        return count(metric(url, day_body("closed_conversations", day, filters=by_tag)))

    old_agent = len(all_rows(url, day_body("ratings", OLD_DAY, filters=by_agent))[0])
    old_tag = tag_count(OLD_DAY)
    assert agent_ratings() > 0 and tag_count(RECENT_DAY) > 0
    filters = requests.get(f"{url}/v1/analytics/filter/agent_id", headers=AUTH, timeout=5).json()
    assert leaving in [v["value"] for v in filters["data"]]
    set_revision(url, 1)
    assert agent_ratings() == 0
    assert all(
        metric(url, day_body("csat", d, filters=by_agent)) == [] for d in recent
    )  # no ratings: Percentage left out
    assert tag_count(RECENT_DAY) == 0 and tag_count(NOW.date()) == 0
    set_knobs(url, zero_count="empty")
    assert metric(url, day_body("closed_conversations", RECENT_DAY, filters=by_tag)) == []
    assert len(all_rows(url, day_body("ratings", OLD_DAY, filters=by_agent))[0]) == old_agent
    assert tag_count(OLD_DAY) == old_tag
    filters = requests.get(f"{url}/v1/analytics/filter/agent_id", headers=AUTH, timeout=5).json()
    assert leaving not in [v["value"] for v in filters["data"]]
    renamed = {v["value"]: v["label"] for v in filters["data"]}
    assert renamed[data.AGENTS[0][1]] == "Ada King"
    queues = requests.get(f"{url}/v1/analytics/filter/queue_id", headers=AUTH, timeout=5).json()
    assert {"value": data.QUEUES[1][1], "label": "Billing & Payments"} in queues["data"]
    set_revision(url, 2)
    queues = requests.get(f"{url}/v1/analytics/filter/queue_id", headers=AUTH, timeout=5).json()
    assert {"value": data.QUEUES[1][1], "label": "Billing & Payments (2)"} in queues["data"]


@pytest.mark.parametrize("scope", ["recent", "all"])
def test_rename_scope(app: DixaApp, scope: str) -> None:
    app.set_knobs(rename_scope=scope)
    app.set_revision(1)

    def labels(day: dt.date) -> set[str]:
        out = set()
        for row in app.truth_records("ratings", day):
            for f in row["fields"]:
                if f["name"] == "agent_id" and "field" in f:
                    out.add(f["field"]["label"])
        return out

    assert "Ada King" in labels(RECENT_DAY)
    assert "Ada Lovelace" not in labels(RECENT_DAY)
    old = labels(OLD_DAY)
    assert ("Ada Lovelace" in old) == (scope == "recent")
    assert ("Ada King" in old) == (scope == "all")


def test_no_future_data(app: DixaApp, url: str) -> None:
    tomorrow = NOW.date() + dt.timedelta(days=1)
    assert all_rows(url, day_body("closed_conversations", tomorrow))[0] == []
    assert metric(url, day_body("closed_conversations", tomorrow)) == [
        {"value": 0, "measure": "Count", "_type": "LongAggregateValue"}
    ]
    assert metric(url, day_body("csat", tomorrow)) == []
    today, _ = all_rows(url, day_body("closed_conversations", NOW.date()))
    set_knobs(url, record_shape="catalogue")
    for row in all_rows(url, day_body("closed_conversations", NOW.date()))[0]:
        assert row["primaryTimestampField"]["timestamp"] <= "2026-10-28T12:00:00.123Z"
    app.set_now(NOW + dt.timedelta(hours=6))
    later = app.truth_records("closed_conversations", NOW.date())
    assert len(later) > len(today)


# -- knobs --------------------------------------------------------------------------------


def test_knobs_over_http(url: str) -> None:
    got = requests.get(f"{url}/__sandbox__/knobs", timeout=5).json()
    assert got["record_shape"] == "example" and got["volatile_days"] == 2
    bad = requests.post(f"{url}/__sandbox__/knobs", json={"record_shape": "wide"}, timeout=5)
    assert bad.status_code == 400
    bad = requests.post(f"{url}/__sandbox__/knobs", json={"colour": "red"}, timeout=5)
    assert bad.status_code == 400
    bad = requests.post(f"{url}/__sandbox__/revision", json={"revision": -1}, timeout=5)
    assert bad.status_code == 400
    set_knobs(url, filter_case="exact")
    assert requests.get(f"{url}/__sandbox__/knobs", timeout=5).json()["filter_case"] == "exact"


def test_filter_case(url: str) -> None:
    lower = [{"attribute": "channel", "values": ["email"]}]
    upper = [{"attribute": "channel", "values": ["EMAIL"]}]
    n = count(metric(url, body(filters=upper)))
    assert n > 0 and count(metric(url, body(filters=lower))) == n
    set_knobs(url, filter_case="exact")
    assert count(metric(url, body(filters=lower))) == 0
    assert count(metric(url, body(filters=upper))) == n


def test_long_values_as_doubles(url: str) -> None:
    set_knobs(url, long_values="double")
    resp = requests.post(f"{url}/v1/analytics/records", json=body(), headers=AUTH, timeout=5)
    assert re.search(r'"value": \d+\.0, "_type": "LongField"', resp.text)
    assert all(isinstance(r["fields"][0]["field"]["value"], float) for r in resp.json()["data"])
    set_knobs(url, long_values="mixed")
    kinds = {
        type(r["fields"][0]["field"]["value"])
        for r in requests.post(
            f"{url}/v1/analytics/records", json=body(), headers=AUTH, timeout=5
        ).json()["data"]
    }
    assert kinds == {int, float}


def test_null_fields(app: DixaApp) -> None:
    absent = app.truth_records("ratings", OLD_DAY)
    nulls = [i for i, r in enumerate(absent) if {"name": "agent_id"} in r["fields"]]
    assert nulls and len(nulls) < len(absent)
    app.set_knobs(null_field="null")
    as_null = app.truth_records("ratings", OLD_DAY)
    app.set_knobs(null_field="omitted")
    omitted = app.truth_records("ratings", OLD_DAY)
    for i, row in enumerate(absent):
        if i in nulls:
            assert {"name": "agent_id", "field": None} in as_null[i]["fields"]
            assert "agent_id" not in [f["name"] for f in omitted[i]["fields"]]
        else:
            assert as_null[i] == row == omitted[i] or "field" not in row["fields"][2]


def test_interval_end_reading(url: str) -> None:
    # A conversation closes exactly at 2026-10-25T00:00:00.000Z (the period's end).
    set_knobs(url, record_shape="catalogue")
    exclusive, _ = all_rows(url, body())
    set_knobs(url, interval_end="inclusive")
    inclusive, _ = all_rows(url, body())
    assert inclusive[:-1] == exclusive
    assert inclusive[-1]["primaryTimestampField"]["timestamp"] == "2026-10-25T00:00:00.000Z"


def test_closed_period_by_created_at(app: DixaApp, url: str) -> None:
    stamps = [
        r["primaryTimestampField"]["timestamp"]
        for r in app.truth_records("closed_conversations", OLD_DAY)
    ]
    assert any(not s.startswith("2026-10-24T") for s in stamps)  # created on an earlier day
    set_knobs(url, closed_period_by="created_at")
    rows, _ = all_rows(url, body())
    assert rows
    assert all(r["primaryTimestampField"]["timestamp"].startswith("2026-10-24T") for r in rows)
    assert count(metric(url, body())) == len(rows)


# -- paging -------------------------------------------------------------------------------


def test_documented_page_keys_and_a_page_boundary_inside_a_day(app: DixaApp, url: str) -> None:
    sent = day_body("closed_conversations", dt.date(2026, 10, 23), CPH, days=2)
    app.set_knobs(record_shape="catalogue")
    first_day = app.truth_records("closed_conversations", dt.date(2026, 10, 23), CPH)
    second_day = app.truth_records("closed_conversations", OLD_DAY, CPH)
    limit = len(first_day) // 2 + 1  # the second page starts inside the first day
    rows, pages = all_rows(url, sent, limit=limit)
    assert rows == first_day + second_day
    assert len(pages) >= 3 and all(len(p["data"]) == limit for p in pages[:-1])
    assert pages[1]["data"][0] in first_day
    raw = unquote(key_of(pages[0]))
    assert base64.b64decode(raw).decode() == f"pageLimit={limit}&page=1"
    assert "meta" not in pages[-1] or "next" not in pages[-1]["meta"]
    assert pages[1]["meta"]["previous"].startswith("/v1/analytics/records?pageKey=")


@pytest.mark.parametrize("reading", ["keep_offset", "page_times_limit"])
def test_changing_page_limit_between_pages(app: DixaApp, url: str, reading: str) -> None:
    app.set_knobs(page_limit_change=reading)
    every = app.truth_records("closed_conversations", OLD_DAY)
    first = requests.post(
        f"{url}/v1/analytics/records",
        json=body(),
        headers=AUTH,
        params={"pageLimit": 10},
        timeout=5,
    ).json()
    second = requests.post(
        f"{url}/v1/analytics/records",
        json=body(),
        headers=AUTH,
        params={"pageKey": key_of(first), "pageLimit": 15},
        timeout=5,
    ).json()
    start = 10 if reading == "keep_offset" else 15
    assert second["data"] == every[start : start + 15]
    third = requests.post(
        f"{url}/v1/analytics/records",
        json=body(),
        headers=AUTH,
        params={"pageKey": key_of(second)},
        timeout=5,
    ).json()
    assert third["data"] == every[start + 15 : start + 30]


def test_page_key_works_for_any_body_when_documented(url: str) -> None:
    first = requests.post(
        f"{url}/v1/analytics/records",
        json=body(),
        headers=AUTH,
        params={"pageLimit": 10},
        timeout=5,
    ).json()
    other = body("ratings")
    resp = requests.post(
        f"{url}/v1/analytics/records",
        json=other,
        headers=AUTH,
        params={"pageKey": key_of(first)},
        timeout=5,
    )
    assert resp.status_code == 200
    everything, _ = all_rows(url, other, limit=100)
    assert resp.json()["data"] == everything[10:20]


@pytest.mark.parametrize("mutate", ["edit", "other_body", "garbage"])
def test_signed_page_keys_refuse_edits_and_misuse(url: str, mutate: str) -> None:
    set_knobs(url, page_key="signed")
    endpoint = f"{url}/v1/analytics/records"
    first = requests.post(
        endpoint, json=body(), headers=AUTH, params={"pageLimit": 10}, timeout=5
    ).json()
    key = key_of(first)
    sent = body()
    if mutate == "edit":
        raw = base64.urlsafe_b64decode(key).replace(b'"o":10', b'"o":20')
        key = base64.urlsafe_b64encode(raw).decode()
    elif mutate == "other_body":
        sent = body(filters=[{"attribute": "channel", "values": ["EMAIL"]}])
    else:
        key = "not base64 at all!"
    resp = requests.post(endpoint, json=sent, headers=AUTH, params={"pageKey": key}, timeout=5)
    assert resp.status_code == 400
    assert resp.json() == {"message": "Invalid value for: query parameter pageKey"}


def test_undecodable_documented_page_key(url: str) -> None:
    for key in ("not base64 at all!", base64.b64encode(b"page=x").decode()):
        resp = requests.post(
            f"{url}/v1/analytics/records",
            json=body(),
            headers=AUTH,
            params={"pageKey": key},
            timeout=5,
        )
        assert (resp.status_code, resp.json()) == (
            400,
            {"message": "Invalid value for: query parameter pageKey"},
        )


def test_catalogue_paging(url: str) -> None:
    first = requests.get(
        f"{url}/v1/analytics/metrics", headers=AUTH, params={"pageLimit": 1}, timeout=5
    ).json()
    assert [m["id"] for m in first["data"]] == ["csat"]
    second = requests.get(f"{url}{first['meta']['next']}", headers=AUTH, timeout=5).json()
    assert [m["id"] for m in second["data"]] == ["closed_conversations"]
    assert "next" not in second["meta"]


# -- errors, auth, limits (kept) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "sent", "params", "message"),
    [
        ("records", body(), {"pageLimit": 0}, "Invalid value for: query parameter pageLimit"),
        ("records", body(), {"pageLimit": "ten"}, "Invalid value for: query parameter pageLimit"),
        ("records", {"id": "ratings", "periodFilter": DAY}, {}, "Invalid value for: body"),
        (
            "records",
            body(periodFilter={"_type": "Interval", "start": "2026-10-24T00:00:00"}),
            {},
            "Invalid value for: body",
        ),
        ("metrics", body(timezone="Mars/Olympus"), {}, "Invalid value for: body"),
        ("metrics", body(aggregations=["Average"]), {}, "Invalid value in request"),
        ("metrics", body("no_such_metric"), {}, "Invalid value in request"),
        (
            "metrics",
            body(periodFilter={"_type": "Preset", "value": {"_type": "LastDecade"}}),
            {},
            "Invalid value for: body",
        ),
    ],
)
def test_documented_400s(
    url: str, path: str, sent: t.Any, params: dict[str, t.Any], message: str
) -> None:
    resp = requests.post(
        f"{url}/v1/analytics/{path}", json=sent, headers=AUTH, params=params, timeout=5
    )
    assert resp.status_code == 400
    assert resp.json() == {"message": message}


def test_undecodable_body_and_unknown_filter_attribute(url: str) -> None:
    resp = requests.post(f"{url}/v1/analytics/metrics", data=b"{nope", headers=AUTH, timeout=5)
    assert (resp.status_code, resp.json()) == (400, {"message": "Decoding failure in request"})
    resp = requests.get(f"{url}/v1/analytics/filter/colour", headers=AUTH, timeout=5)
    assert (resp.status_code, resp.json()) == (
        400,
        {"message": "Invalid value extracted from request context"},
    )


def test_preset_previous_week_equals_its_days(app: DixaApp, url: str) -> None:
    preset = {"_type": "Preset", "value": {"_type": "PreviousWeek"}}
    sent = body(periodFilter=preset, timezone=CPH)
    days = [dt.date(2026, 10, 19) + dt.timedelta(days=n) for n in range(7)]
    expected = sum(count(app.truth_metric("closed_conversations", d, CPH)) for d in days)
    assert count(metric(url, sent)) == expected > 0
    rows, _ = all_rows(url, sent, limit=300)
    assert rows == [r for d in days for r in app.truth_records("closed_conversations", d, CPH)]


def test_auth_raw_or_bearer_and_401_otherwise(url: str) -> None:
    endpoint = f"{url}/v1/analytics/metrics"
    assert requests.get(endpoint, headers=AUTH, timeout=5).status_code == 200
    bearer = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    assert requests.get(endpoint, headers=bearer, timeout=5).status_code == 200
    for headers in ({}, {"Authorization": "wrong"}):
        resp = requests.get(endpoint, headers=headers, timeout=5)
        assert resp.status_code == 401
        assert resp.json() == {"message": "User is unauthorized to perform an underlying operation"}


def test_rate_limit_is_a_burst_of_4_then_10_per_second() -> None:
    sim = DixaApp()
    with serve(sim) as base, requests.Session() as session:
        statuses = [
            session.get(f"{base}/v1/analytics/metrics", headers=AUTH, timeout=5).status_code
            for _ in range(6)
        ]
    assert statuses[:4] == [200] * 4
    assert 429 in statuses[4:]
    assert sim.stats["429"] >= 1


def test_factory_options_set_knobs_and_revision() -> None:
    from sandbox import build_app

    sim = t.cast("DixaApp", build_app("dixa", record_shape="catalogue", revision=2))
    assert sim.knobs.record_shape == "catalogue" and sim.revision == 2
    with pytest.raises(ValueError, match="record_shape"):
        build_app("dixa", record_shape="wide")


def test_first_response_time_only_behind_its_knob(app: DixaApp, url: str) -> None:
    sent = day_body("first_response_time", OLD_DAY, CPH)
    resp = requests.post(f"{url}/v1/analytics/metrics", json=sent, headers=AUTH, timeout=5)
    assert (resp.status_code, resp.json()) == (400, {"message": "Invalid value in request"})
    set_knobs(url, first_response_time=True)
    ids = [
        m["id"]
        for m in requests.get(f"{url}/v1/analytics/metrics", headers=AUTH, timeout=5).json()["data"]
    ]
    assert ids == ["csat", "closed_conversations", "first_response_time"]
    rows, _ = all_rows(url, sent)
    assert rows == app.truth_records("first_response_time", OLD_DAY, CPH) != []
    assert [f["name"] for f in rows[0]["fields"]] == ["csid", "queue", "current_channel"]
    seconds = [r["value"]["value"] for r in rows]
    assert all(r["value"]["_type"] == "DoubleField" for r in rows)
    got = {a["measure"]: a for a in metric(url, sent)}
    assert got["Count"] == {"value": len(rows), "measure": "Count", "_type": "LongAggregateValue"}
    assert got["Sum"] == {"value": sum(seconds), "measure": "Sum", "_type": "DoubleAggregateValue"}
    assert got["Min"]["value"] == min(seconds) and got["Max"]["value"] == max(seconds)
    assert got["Average"]["value"] == sum(seconds) / len(seconds)


def test_no_close_after_now_under_either_period_reading(app: DixaApp) -> None:
    start, end = data.day_bounds(NOW.date() - dt.timedelta(days=1), "UTC")
    for reading in ("closed_at", "created_at"):
        app.set_knobs(closed_period_by=reading)
        events = app.world().events("closed_conversations", start, end + data.DAY * 1000)
        assert events
        assert all(e.close is not None and e.close.at <= data.to_ms(NOW) for e in events)
        later = DixaApp(rate_per_second=1000, burst=200, closed_period_by=reading)
        later.set_now(NOW + dt.timedelta(days=2))
        assert len(later.world().events("closed_conversations", start, end)) > len(
            app.world().events("closed_conversations", start, end)
        )
