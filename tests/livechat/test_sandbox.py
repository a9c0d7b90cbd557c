"""The simulator behaves as the LiveChat docs and API-FACTS.md describe (the tap's tests
rely on it, so it is tested on its own)."""

from __future__ import annotations

import typing as t

import pytest
import requests

from sandbox import livechat_data as data
from sandbox.livechat import NO_SCOPE_TOKEN

from .conftest import OAUTH_TOKEN, Sandbox, basic_header, local_day, quiet_utc_day

RANGE = {"from": "2026-10-05T00:00:00+00:00", "to": "2026-10-07T23:59:59+00:00"}


def post(
    sb: Sandbox,
    method: str,
    body: t.Any,
    *,
    auth: str | None = None,
    version: str = "3.6",
) -> requests.Response:
    headers = {"Authorization": auth if auth is not None else basic_header()}
    return requests.post(
        f"{sb.url}/v{version}/reports/{method}", json=body, headers=headers, timeout=5
    )


def test_day_keys_totals_and_values_match_the_data_model(sandbox: Sandbox) -> None:
    body = post(sandbox, "chats/total_chats", {"timezone": "UTC", "filters": RANGE}).json()
    assert body["name"] == "total-chats-report"
    assert list(body["records"]) == ["2026-10-05", "2026-10-06", "2026-10-07"]
    a, b = local_day("2026-10-06", "UTC")
    assert body["records"]["2026-10-06"] == data.total_chats_bucket(11, a, b)
    start, _ = local_day("2026-10-05", "UTC")
    _, stop = local_day("2026-10-07", "UTC")
    assert body["total"] == len(data.chats(11, start, stop)) > 0


def test_empty_day_is_an_empty_object_and_zero_fields_are_omitted(sandbox: Sandbox) -> None:
    quiet = quiet_utc_day("2026-10-01")
    rng = {"from": f"{quiet}T00:00:00+00:00", "to": f"{quiet}T23:59:59+00:00"}
    for method in ("chats/duration", "chats/tags", "chats/ratings", "chats/greetings_conversion"):
        body = post(sandbox, method, {"timezone": "UTC", "filters": rng}).json()
        assert body["records"] == {quiet: {}}, method
    availability = post(sandbox, "agents/availability", {"timezone": "UTC", "filters": rng}).json()
    assert availability["records"] == {quiet: {"hours": 0}}
    ratings = post(sandbox, "chats/ratings", {"timezone": "UTC", "filters": RANGE}).json()[
        "records"
    ]
    for record in ratings.values():
        assert all(v != 0 for v in record.values())


def test_timezone_decides_the_days_and_defaults_to_the_agents_zone(sandbox: Sandbox) -> None:
    warsaw = post(
        sandbox, "chats/total_chats", {"timezone": "Europe/Warsaw", "filters": RANGE}
    ).json()
    # 2026-10-05T00:00Z is 02:00 in Warsaw: still the 5th; 2026-10-07T23:59:59Z is the 8th.
    assert list(warsaw["records"]) == ["2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"]
    a, b = local_day("2026-10-06", "Europe/Warsaw")
    assert warsaw["records"]["2026-10-06"] == data.total_chats_bucket(11, a, b)
    default = post(sandbox, "chats/total_chats", {"filters": RANGE}).json()
    assert default["records"] == warsaw["records"]


def test_both_auth_schemes_and_the_documented_401_body(sandbox: Sandbox) -> None:
    ok = {"filters": RANGE}
    assert post(sandbox, "chats/duration", ok).status_code == 200
    assert post(sandbox, "chats/duration", ok, auth=f"Bearer {OAUTH_TOKEN}").status_code == 200
    for bad in (
        "",
        "Bearer fra:sandbox-livechat-pat",
        "Basic bm9wZTpub3Bl",
        f"Bearer {OAUTH_TOKEN}x",
    ):
        resp = post(sandbox, "chats/duration", ok, auth=bad)
        assert resp.status_code == 401
        assert resp.json() == {
            "error": {"type": "authentication", "message": "Invalid access token"}
        }
    forbidden = post(sandbox, "chats/duration", ok, auth=f"Bearer {NO_SCOPE_TOKEN}")
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["type"] == "authorization"


@pytest.mark.parametrize(
    ("method", "body", "needle"),
    [
        (
            "chats/duration",
            {"filters": {**RANGE, "greetings": RANGE}},
            "exactly one pair",
        ),
        ("chats/duration", {"filters": {"from": RANGE["from"]}}, "together"),
        ("chats/duration", {"filters": {"groups": {"values": [1]}}}, "exactly one pair"),
        ("chats/duration", {"distribution": "week", "filters": RANGE}, "distribution"),
        ("agents/availability", {"distribution": "month", "filters": RANGE}, "distribution"),
        ("agents/performance", {"filters": {"greetings": RANGE}}, "agents reports"),
        ("chats/duration", {"filters": {"from": "2026-10-05", "to": RANGE["to"]}}, "RFC3339"),
        (
            "chats/duration",
            {"filters": {"from": RANGE["to"], "to": RANGE["from"]}},
            "before",
        ),
        ("chats/duration", {"timezone": "Mars/Olympus", "filters": RANGE}, "timezone"),
        (
            "chats/duration",
            {"filters": {**RANGE, "groups": {"values": [1], "exclude_values": [2]}}},
            "only one of",
        ),
        ("chats/duration", {"filters": {**RANGE, "groups": {"values": ["a"]}}}, "int"),
        ("chats/queued_visitors_left", {"filters": RANGE, "page": 0}, "page"),
    ],
)
def test_documented_validation_errors(
    sandbox: Sandbox, method: str, body: t.Any, needle: str
) -> None:
    resp = post(sandbox, method, body)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["type"] == "validation"
    assert needle in error["message"]


def test_no_filters_means_the_last_seven_days(sandbox: Sandbox) -> None:
    import datetime as dt

    sandbox.app.set_now(dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC))
    body = post(sandbox, "chats/total_chats", {"timezone": "UTC"}).json()
    assert list(body["records"]) == [f"2026-10-{d}" for d in range(14, 21)]


def test_versions_lifecycle_headers_and_new_methods(sandbox: Sandbox) -> None:
    current = post(sandbox, "chats/duration", {"filters": RANGE})
    assert "Legacy" not in current.headers and "Deprecation" not in current.headers
    legacy = post(sandbox, "chats/duration", {"filters": RANGE}, version="3.5")
    assert legacy.status_code == 200 and legacy.headers["Legacy"] == "2027-02-07"
    deprecated = post(sandbox, "chats/duration", {"filters": RANGE}, version="3.4")
    assert deprecated.headers["Deprecation"] == "2026-12-31"
    assert post(sandbox, "chats/groups", {"filters": RANGE}, version="3.5").status_code == 404
    unsupported = post(sandbox, "chats/duration", {"filters": RANGE}, version="2.0")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["type"] == "unsupported_version"


def test_visitors_path_is_configurable(sandbox_factory: t.Any) -> None:
    documented = sandbox_factory()
    assert post(documented, "stats/visitors", {"filters": RANGE}).status_code == 200
    assert post(documented, "customers/unique_visitors", {"filters": RANGE}).status_code == 404
    current = sandbox_factory(visitors_paths=("customers/unique_visitors",))
    resp = post(current, "customers/unique_visitors", {"filters": RANGE})
    assert resp.json()["name"] == "visitors-report"
    assert (
        post(current, "stats/visitors", {"filters": RANGE}).json()["error"]["type"] == "not_found"
    )


def test_rate_limit_answers_429_with_the_documented_error_type(sandbox_factory: t.Any) -> None:
    sb = sandbox_factory(rate_limit_max=2, rate_limit_window=30)
    codes = [post(sb, "chats/duration", {"filters": RANGE}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    again = post(sb, "chats/duration", {"filters": RANGE})
    assert again.json() == {"error": {"type": "too_many_requests", "message": "Too many requests"}}
    # The limit is per credential: the OAuth token has its own budget.
    assert (
        post(sb, "chats/duration", {"filters": RANGE}, auth=f"Bearer {OAUTH_TOKEN}").status_code
        == 200
    )


def test_queued_visitors_left_pages(sandbox_factory: t.Any) -> None:
    sb = sandbox_factory(page_size=2)
    first = post(sb, "chats/queued_visitors_left", {"filters": RANGE}).json()
    pages = first["summary"]["total_pages"]
    assert pages == -(-first["total"] // 2) and pages > 1
    seen = dict(first["records"])
    for page in range(2, pages + 1):
        seen.update(
            post(sb, "chats/queued_visitors_left", {"filters": RANGE, "page": page}).json()[
                "records"
            ]
        )
    assert len(seen) == first["total"]
    past = post(sb, "chats/queued_visitors_left", {"filters": RANGE, "page": pages + 1}).json()
    assert past["records"] == {}


def test_get_with_dotted_query_parameters(sandbox: Sandbox) -> None:
    params = [
        ("timezone", "UTC"),
        ("filters.from", RANGE["from"]),
        ("filters.to", RANGE["to"]),
        ("filters.groups.values", "0"),
        ("filters.groups.values", "42"),
    ]
    resp = requests.get(
        f"{sandbox.url}/v3.6/reports/chats/total_chats",
        params=params,
        headers={"Authorization": basic_header()},
        timeout=5,
    )
    posted = post(
        sandbox,
        "chats/total_chats",
        {"timezone": "UTC", "filters": {**RANGE, "groups": {"values": [0, 42]}}},
    )
    assert resp.json() == posted.json()
    a, b = local_day("2026-10-05", "UTC")
    flt = data.Filters(groups=(0, 42))
    assert resp.json()["records"]["2026-10-05"] == data.total_chats_bucket(11, a, b, flt)
