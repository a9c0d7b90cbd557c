"""The Dixa simulator itself: the documented behaviour the tap relies on."""

from __future__ import annotations

import base64
import datetime as dt
import typing as t
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from sandbox import dixa_data as data
from sandbox.dixa import DEFAULT_TOKEN, DixaApp

from .conftest import serve

AUTH = {"Authorization": DEFAULT_TOKEN}
DAY = {"_type": "Interval", "start": "2026-10-24T00:00:00Z", "end": "2026-10-25T00:00:00Z"}


def body(ident: str = "closed_conversations", **extra: t.Any) -> dict[str, t.Any]:
    return {"id": ident, "periodFilter": DAY, "timezone": "UTC", **extra}


def key_of(payload: dict[str, t.Any]) -> str:
    return parse_qs(urlparse(payload["meta"]["next"]).query)["pageKey"][0]


def test_records_page_until_meta_next_is_absent(dixa_url: str) -> None:
    url = f"{dixa_url}/v1/analytics/records"
    first = requests.post(
        url, json=body(), headers=AUTH, params={"pageLimit": 30}, timeout=5
    ).json()
    rows, payload = list(first["data"]), first
    while "meta" in payload and "next" in payload["meta"]:
        payload = requests.post(
            url, json=body(), headers=AUTH, params={"pageKey": key_of(payload)}, timeout=5
        ).json()
        rows += payload["data"]
    start = dt.datetime(2026, 10, 24, tzinfo=dt.UTC).timestamp()
    expected = data.records(11, "closed_conversations", start, start + 86400, {})
    assert len(rows) == len(expected) > 30  # two pages at least
    assert [r["fields"][1]["field"]["value"] for r in rows] == [c.csid for c in expected]


@pytest.mark.parametrize("mutate", ["edit", "other_body", "garbage"])
def test_edited_or_misused_page_keys_are_refused(dixa_url: str, mutate: str) -> None:
    url = f"{dixa_url}/v1/analytics/records"
    first = requests.post(
        url, json=body(), headers=AUTH, params={"pageLimit": 10}, timeout=5
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
    resp = requests.post(url, json=sent, headers=AUTH, params={"pageKey": key}, timeout=5)
    assert resp.status_code == 400
    assert resp.json() == {"message": "Invalid value for: query parameter pageKey"}


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
    dixa_url: str, path: str, sent: t.Any, params: dict[str, t.Any], message: str
) -> None:
    resp = requests.post(
        f"{dixa_url}/v1/analytics/{path}", json=sent, headers=AUTH, params=params, timeout=5
    )
    assert resp.status_code == 400
    assert resp.json() == {"message": message}


def test_undecodable_body_and_unknown_filter_attribute(dixa_url: str) -> None:
    resp = requests.post(f"{dixa_url}/v1/analytics/metrics", data=b"{nope", headers=AUTH, timeout=5)
    assert (resp.status_code, resp.json()) == (400, {"message": "Decoding failure in request"})
    resp = requests.get(f"{dixa_url}/v1/analytics/filter/colour", headers=AUTH, timeout=5)
    assert (resp.status_code, resp.json()) == (
        400,
        {"message": "Invalid value extracted from request context"},
    )


def test_preset_periods_and_count_equals_records(dixa_app: DixaApp, dixa_url: str) -> None:
    dixa_app.set_now(dt.datetime(2026, 10, 28, 12, tzinfo=dt.UTC))  # a Wednesday
    preset = {"_type": "Preset", "value": {"_type": "PreviousWeek"}}
    resp = requests.post(
        f"{dixa_url}/v1/analytics/metrics", json=body(periodFilter=preset), headers=AUTH, timeout=5
    )
    count = resp.json()["data"]["aggregates"][0]
    start = dt.datetime(2026, 10, 19, tzinfo=dt.UTC).timestamp()
    assert count == {
        "value": len(data.records(11, "closed_conversations", start, start + 7 * 86400, {})),
        "measure": "Count",
        "_type": "LongAggregateValue",
    }


def test_auth_raw_or_bearer_and_401_otherwise(dixa_url: str) -> None:
    url = f"{dixa_url}/v1/analytics/metrics"
    assert requests.get(url, headers=AUTH, timeout=5).status_code == 200
    assert (
        requests.get(
            url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=5
        ).status_code
        == 200
    )
    for headers in ({}, {"Authorization": "wrong"}):
        resp = requests.get(url, headers=headers, timeout=5)
        assert resp.status_code == 401
        assert resp.json() == {"message": "User is unauthorized to perform an underlying operation"}


def test_rate_limit_is_a_burst_of_4_then_10_per_second() -> None:
    app = DixaApp()
    with serve(app) as url, requests.Session() as session:
        statuses = [
            session.get(f"{url}/v1/analytics/metrics", headers=AUTH, timeout=5).status_code
            for _ in range(6)
        ]
    assert statuses[:4] == [200] * 4
    assert 429 in statuses[4:]
    assert app.stats["429"] >= 1
