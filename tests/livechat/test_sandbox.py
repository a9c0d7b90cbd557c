"""The LiveChat simulator against the Reports API v3.6 docs (api-docs/) and API-FACTS.md:
verbatim samples, readings of the docs (knobs), revisions and truth vs HTTP answers.

Self-contained: the fixtures here start the simulator in-process (no tap code involved).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import pathlib
import re
import typing as t
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox import livechat_data as data
from sandbox.core import serve
from sandbox.livechat import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_OAUTH_TOKEN,
    DEFAULT_PAT,
    DISTRIBUTED,
    NO_SCOPE_TOKEN,
    OTHER,
    LiveChatApp,
    build,
)

SEED = 11
RANGE = {"from": "2026-10-05T00:00:00+00:00", "to": "2026-10-07T23:59:59+00:00"}
#: 2026-10-11 is a campaign day (more than 100 greetings); 2026-10-06 an even UTC day
#: (a chat at 23:59:59.999999 UTC); 2026-10-03/04 and 2026-10-14/15 are quiet days.
CAMPAIGN = "2026-10-11"
EVEN_DAY = "2026-10-06"
NOW = dt.datetime(2026, 10, 20, 15, 30, tzinfo=dt.UTC)
VOLATILE = ["2026-10-18", "2026-10-19", "2026-10-20"]
API_FACTS = pathlib.Path("/work/shared/API-FACTS.md")


class Sim:
    def __init__(self, app: LiveChatApp, url: str) -> None:
        self.app = app
        self.url = url

    def post(
        self, method: str, body: t.Any, *, auth: str | None = None, version: str = "3.6"
    ) -> requests.Response:
        headers = {"Authorization": auth if auth is not None else basic_header()}
        return requests.post(
            f"{self.url}/v{version}/reports/{method}", json=body, headers=headers, timeout=10
        )

    def ok(self, method: str, body: t.Any) -> t.Any:
        resp = self.post(method, body)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def control(self, path: str, body: t.Any = None) -> requests.Response:
        if body is None:
            return requests.get(f"{self.url}/__sandbox__/{path}", timeout=5)
        return requests.post(f"{self.url}/__sandbox__/{path}", json=body, timeout=5)


def basic_header() -> str:
    raw = f"{DEFAULT_ACCOUNT_ID}:{DEFAULT_PAT}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def day_range(day: str, offset: str = "+00:00", to: str = "23:59:59.999999") -> dict[str, str]:
    return {"from": f"{day}T00:00:00{offset}", "to": f"{day}T{to}{offset}"}


@pytest.fixture
def sim_factory() -> Iterator[t.Callable[..., Sim]]:
    with contextlib.ExitStack() as stack:

        def make(**options: t.Any) -> Sim:
            options.setdefault("seed", SEED)
            options.setdefault("rate_limit_max", 100_000)
            app = build(**options)
            app.set_now(NOW)
            return Sim(app, stack.enter_context(serve(app)))

        yield make


@pytest.fixture
def sim(sim_factory: t.Callable[..., Sim]) -> Sim:
    return sim_factory()


# -- the vendor's samples ------------------------------------------------------------------------


def samples_from_api_facts() -> dict[str, t.Any]:
    """The samples of API-FACTS.md 1.5 parsed independently of the simulator."""
    text = API_FACTS.read_text()
    section = text[text.index("### 1.5 Response samples") : text.index("### 1.6")]
    out = {}
    for name, body in re.findall(r"#### `([a-z_/]+)`.*?```json\n(.*?)```", section, re.S):
        lines = [line for line in body.splitlines() if '"...": "(trimmed)"' not in line]
        out[name] = json.loads(re.sub(r",(\s*[}\]])", r"\1", "\n".join(lines)))
    return out


@pytest.mark.skipif(not API_FACTS.exists(), reason="API-FACTS.md is not on this machine")
def test_the_simulators_samples_are_the_vendors() -> None:
    facts = samples_from_api_facts()
    assert set(facts) == set(data.DOC_SAMPLES)
    for name, text in data.DOC_SAMPLES.items():
        assert json.loads(text) == facts[name], name
    assert facts["chats/queued_visitors"]["records"]["2024-10-01"]["left_queue"]["avg"] == (
        20.5384615384615383
    )


def test_docs_samples_dataset_replays_every_sample_byte_for_byte(
    sim_factory: t.Callable[..., Sim],
) -> None:
    sb = sim_factory(dataset="docs_samples", visitors_paths=["customers/unique_visitors"])
    body = {"distribution": "day", "filters": RANGE}
    for method in [*DISTRIBUTED, *OTHER]:
        if method in ("stats/visitors", "stats/unique_visitors"):
            continue
        resp = sb.post(method, body)
        assert resp.status_code == 200, method
        assert resp.content == data.DOC_SAMPLES[method].encode(), method
        assert sb.app.truth(method, body) == json.loads(data.DOC_SAMPLES[method])
    # The sample set is a knob: the same request answers generated data by default.
    sb.control("knobs", {"dataset": "generated"})
    assert sb.post("chats/groups", body).content != data.DOC_SAMPLES["chats/groups"].encode()
    # Requests are still validated under the samples.
    assert sb.post("chats/groups", {"filters": {"from": RANGE["from"]}}).status_code == 400


def fields(obj: t.Any, method: str) -> set[str]:
    """Every key path of a JSON document; period, agent, chat, group, greeting and tag keys
    are written ``*``."""
    out: set[str] = set()

    def walk(node: t.Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                generic = (
                    path == ["records"]
                    or key.isdigit()
                    or (method == "chats/tags" and len(path) == 2 and path[0] == "records")
                )
                here = [*path, "*" if generic else key]
                out.add(".".join(here))
                walk(value, here)
        elif isinstance(node, list):
            for item in node:
                walk(item, [*path[:-1], path[-1] + "[]"])

    walk(obj, [])
    return out


#: fields the docs' tables name that the trimmed samples do not show
TABLE_FIELDS = {
    "chats/greetings_conversion": {
        "records.*.*",
        *(f"records.*.*.{k}" for k in ("accepted", "canceled", "displayed", "goals")),
    },
}


@pytest.mark.parametrize("method", sorted(set(DISTRIBUTED) | set(OTHER)))
def test_generated_answers_use_only_the_samples_fields(sim_factory: t.Any, method: str) -> None:
    sb = sim_factory(
        visitors_paths=["stats/visitors", "customers/unique_visitors", "stats/unique_visitors"]
    )
    sample_method = "customers/unique_visitors" if method.endswith("/unique_visitors") else method
    if method == "stats/visitors":
        sample_method = "customers/unique_visitors"
    sample = json.loads(data.DOC_SAMPLES[sample_method])
    wide = {"timezone": "UTC", "filters": {**RANGE, "to": "2026-10-12T23:59:59+00:00"}}
    body = sb.ok(method, wide)
    assert body["name"] == sample["name"]
    assert set(body) == set(sample)
    allowed = fields(sample, method) | TABLE_FIELDS.get(method, set())
    assert fields(body, method) <= allowed, method


# -- request, response shape, auth and errors ------------------------------------------------------


def test_day_keys_totals_and_records_are_the_truth(sim: Sim) -> None:
    body = sim.ok("chats/total_chats", {"timezone": "UTC", "filters": RANGE})
    assert body["name"] == "total-chats-report"
    assert list(body["records"]) == ["2026-10-05", "2026-10-06", "2026-10-07"]
    for day, record in body["records"].items():
        assert record == data.truth("chats/total_chats", day, now=NOW)
    start, _ = data.local_day("2026-10-05", "UTC")
    _, stop = data.local_day("2026-10-07", "UTC")
    assert body["total"] == len(data.chats(SEED, start, stop)) > 0


@pytest.mark.parametrize("method", sorted(set(DISTRIBUTED) | set(OTHER)))
@pytest.mark.parametrize(
    ("timezone", "filters"),
    [
        ("UTC", {}),
        ("Europe/Warsaw", {"groups": {"values": [0, 42]}}),
        ("America/Phoenix", {"agents": {"exclude_values": ["anna@acme.example"]}}),
    ],
)
def test_truth_is_the_http_answer(
    sim_factory: t.Any, method: str, timezone: str, filters: dict[str, t.Any]
) -> None:
    sb = sim_factory(
        visitors_paths=["stats/visitors", "customers/unique_visitors", "stats/unique_visitors"]
    )
    day = "2026-10-11"
    local = dt.datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(timezone)).strftime("%z")
    off = f"{local[:3]}:{local[3:]}"
    request = {"timezone": timezone, "filters": {**day_range(day, off), **filters}}
    if method.startswith("agents/") and "groups" in filters:
        request["filters"]["groups"] = {"values": [0, 42]}
    http = sb.ok(method, request)
    assert http == sb.app.truth(method, request)
    flt = sb.app.filter_values(request["filters"], agents_report=method.startswith("agents/"))
    if method == "tags/chat_usage":
        flt = flt.only_groups()
    if method.endswith("visitors") and method != "chats/queued_visitors":
        flt = data.NO_FILTERS
    expected = data.truth(method, day, timezone=timezone, now=NOW, filters=flt)
    if method in DISTRIBUTED:
        assert http["records"] == {day: expected}
    elif method == "chats/queued_visitors_left":
        assert http["total"] == expected["total"]
        assert http["summary"]["left_without_details"] == expected["left_without_details"]
    else:
        assert {k: v for k, v in http.items() if k != "name"} == expected


def test_empty_day_is_an_empty_object_and_zero_fields_are_left_out(sim: Sim) -> None:
    quiet = "2026-10-03"  # epoch day % 11 == 5: a quiet UTC day
    assert data.truth("chats/total_chats", quiet) == {}
    rng = day_range(quiet)
    for method in ("chats/duration", "chats/tags", "chats/ratings", "chats/greetings_conversion"):
        body = sim.ok(method, {"timezone": "UTC", "filters": rng})
        assert body["records"] == {quiet: {}}, method
    availability = sim.ok("agents/availability", {"timezone": "UTC", "filters": rng})
    assert availability["records"] == {quiet: {"hours": 0}}
    wide = {"timezone": "UTC", "filters": {**RANGE, "to": "2026-10-14T23:59:59+00:00"}}
    for method in ("chats/ratings", "chats/engagement", "chats/total_chats", "chats/duration"):
        for record in sim.ok(method, wide)["records"].values():
            assert all(v != 0 for v in record.values()), method
    hourly = {**wide, "distribution": "hour"}
    ratings = sim.ok("chats/ratings", hourly)["records"]
    assert any(r and "good" not in r for r in ratings.values())
    assert any(r and set(r) == {"chats"} for r in ratings.values())  # the sample's {"chats": 2}
    assert all(v != 0 for r in ratings.values() for v in r.values())


def test_ranking_and_performance_keep_zeros_as_the_samples_do(sim: Sim) -> None:
    body = {"filters": {**RANGE, "to": "2026-10-14T23:59:59+00:00"}}
    rows = [
        sim.ok("chats/ranking", {"filters": day_range(d)})["records"]
        for d in ("2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08")
    ]
    assert any(0 in r.values() for day in rows for r in day.values())
    perf = sim.ok("agents/performance", body)
    summary_keys = set(json.loads(data.DOC_SAMPLES["agents/performance"])["summary"])
    assert set(perf["summary"]) == summary_keys
    for record in perf["records"].values():
        assert list(record) == sorted(record)
    small = [sim.ok("agents/performance", {"filters": day_range("2026-10-07", to="00:30:00")})]
    assert any(0 in r.values() for p in small for r in p["records"].values())


def test_averages_are_fractional_numbers(sim: Sim) -> None:
    body = sim.ok("chats/duration", {"timezone": "UTC", "filters": RANGE})
    values = [
        r[k] for r in body["records"].values() for k in ("duration", "agents_chatting_duration")
    ]
    assert all(isinstance(v, float) for v in values)
    assert any(v != int(v) for v in values)
    a, b = data.local_day("2026-10-06", "UTC")
    chats = data.chats(SEED, a, b)
    assert body["records"]["2026-10-06"]["duration"] == sum(c.duration for c in chats) / len(chats)


def test_timezone_decides_the_days_and_defaults_to_the_agents_zone(sim: Sim) -> None:
    warsaw = sim.ok("chats/total_chats", {"timezone": "Europe/Warsaw", "filters": RANGE})
    # 2026-10-05T00:00Z is 02:00 in Warsaw: still the 5th; 2026-10-07T23:59:59Z is the 8th.
    assert list(warsaw["records"]) == ["2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"]
    assert warsaw["records"]["2026-10-06"] == data.truth(
        "chats/total_chats", "2026-10-06", timezone="Europe/Warsaw"
    )
    default = sim.ok("chats/total_chats", {"filters": RANGE})
    assert default["records"] == warsaw["records"]


def test_without_an_agent_timezone_the_offset_of_from_decides(sim_factory: t.Any) -> None:
    sb = sim_factory(agent_timezone=None)
    rng = {"from": "2026-10-05T00:00:00-07:00", "to": "2026-10-05T23:59:59.999999-07:00"}
    body = sb.ok("chats/total_chats", {"filters": rng})
    assert list(body["records"]) == ["2026-10-05"]
    phoenix = sb.ok("chats/total_chats", {"timezone": "America/Phoenix", "filters": rng})
    assert body == phoenix


def test_both_auth_schemes_and_the_documented_401_body(sim: Sim) -> None:
    ok = {"filters": RANGE}
    assert sim.post("chats/duration", ok).status_code == 200
    assert sim.post("chats/duration", ok, auth=f"Bearer {DEFAULT_OAUTH_TOKEN}").status_code == 200
    for bad in ("", "Bearer fra:sandbox-livechat-pat", "Basic bm9wZTpub3Bl", "Bearer x"):
        resp = sim.post("chats/duration", ok, auth=bad)
        assert resp.status_code == 401
        assert resp.json() == {
            "error": {"type": "authentication", "message": "Invalid access token"}
        }
    forbidden = sim.post("chats/duration", ok, auth=f"Bearer {NO_SCOPE_TOKEN}")
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["type"] == "authorization"


@pytest.mark.parametrize(
    ("method", "body", "needle"),
    [
        ("chats/duration", {"filters": {**RANGE, "greetings": RANGE}}, "exactly one pair"),
        ("chats/duration", {"filters": {"from": RANGE["from"]}}, "together"),
        ("chats/duration", {"filters": {"groups": {"values": [1]}}}, "exactly one pair"),
        ("chats/duration", {"distribution": "week", "filters": RANGE}, "distribution"),
        ("agents/availability", {"distribution": "month", "filters": RANGE}, "distribution"),
        ("agents/availability", {"distribution": "day-hours", "filters": RANGE}, "distribution"),
        ("agents/performance", {"filters": {"greetings": RANGE}}, "agents reports"),
        ("agents/performance", {"filters": {**RANGE, "agents": {"exists": True}}}, "Chats"),
        ("chats/duration", {"filters": {"from": "2026-10-05", "to": RANGE["to"]}}, "RFC3339"),
        ("chats/duration", {"filters": {"from": RANGE["to"], "to": RANGE["from"]}}, "before"),
        ("chats/duration", {"timezone": "Mars/Olympus", "filters": RANGE}, "timezone"),
        (
            "chats/duration",
            {"filters": {**RANGE, "groups": {"values": [1], "exclude_values": [2]}}},
            "only one of",
        ),
        (
            "chats/duration",
            {"filters": {**RANGE, "tags": {"exists": True, "values": ["spam"]}}},
            "only one of",
        ),
        ("chats/duration", {"filters": {**RANGE, "groups": {"values": ["a"]}}}, "int"),
        ("chats/duration", {"filters": {**RANGE, "tags": {"exists": "yes"}}}, "boolean"),
        ("chats/queued_visitors_left", {"filters": RANGE, "page": 0}, "page"),
    ],
)
def test_documented_validation_errors(sim: Sim, method: str, body: t.Any, needle: str) -> None:
    resp = sim.post(method, body)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["type"] == "validation"
    assert needle in error["message"]


def test_no_filters_means_the_last_seven_days(sim: Sim) -> None:
    body = sim.ok("chats/total_chats", {"timezone": "UTC"})
    assert list(body["records"]) == [f"2026-10-{d}" for d in range(14, 21)]


def test_versions_lifecycle_headers_and_new_methods(sim: Sim) -> None:
    current = sim.post("chats/duration", {"filters": RANGE})
    assert "Legacy" not in current.headers and "Deprecation" not in current.headers
    legacy = sim.post("chats/duration", {"filters": RANGE}, version="3.5")
    assert legacy.status_code == 200 and legacy.headers["Legacy"] == "2027-02-07"
    deprecated = sim.post("chats/duration", {"filters": RANGE}, version="3.4")
    assert deprecated.headers["Deprecation"] == "2026-12-31"
    assert sim.post("chats/groups", {"filters": RANGE}, version="3.5").status_code == 404
    unsupported = sim.post("chats/duration", {"filters": RANGE}, version="2.0")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["type"] == "unsupported_version"


def test_visitors_path_is_a_knob(sim_factory: t.Any) -> None:
    documented = sim_factory()
    assert documented.post("stats/visitors", {"filters": RANGE}).status_code == 200
    for other in ("customers/unique_visitors", "stats/unique_visitors"):
        assert documented.post(other, {"filters": RANGE}).status_code == 404
    current = sim_factory(visitors_paths=("customers/unique_visitors",))
    resp = current.post("customers/unique_visitors", {"filters": RANGE})
    assert resp.json()["name"] == "visitors-report"
    assert current.post("stats/visitors", {"filters": RANGE}).json()["error"]["type"] == (
        "not_found"
    )
    current.control("knobs", {"visitors_paths": ["stats/unique_visitors"]})
    assert current.post("stats/unique_visitors", {"filters": RANGE}).status_code == 200


def test_rate_limit_answers_429_with_the_documented_error_type(sim_factory: t.Any) -> None:
    sb = sim_factory(rate_limit_max=2, rate_limit_window=30)
    codes = [sb.post("chats/duration", {"filters": RANGE}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    again = sb.post("chats/duration", {"filters": RANGE})
    assert again.json() == {"error": {"type": "too_many_requests", "message": "Too many requests"}}
    oauth = sb.post("chats/duration", {"filters": RANGE}, auth=f"Bearer {DEFAULT_OAUTH_TOKEN}")
    assert oauth.status_code == 200


def test_queued_visitors_left_pages_and_its_knobs(sim_factory: t.Any) -> None:
    sb = sim_factory(page_size=2)
    wide = {**RANGE, "to": "2026-10-12T23:59:59+00:00"}
    first = sb.ok("chats/queued_visitors_left", {"filters": wide})
    pages = first["summary"]["total_pages"]
    assert pages == -(-first["total"] // 2) and pages > 1
    seen = dict(first["records"])
    for page in range(2, pages + 1):
        seen.update(sb.ok("chats/queued_visitors_left", {"filters": wide, "page": page})["records"])
    assert len(seen) == first["total"]
    past = sb.ok("chats/queued_visitors_left", {"filters": wide, "page": pages + 1})
    assert past["records"] == {}
    start_dates = [r["queue"]["start_date"] for r in seen.values()]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in start_dates)
    without = first["summary"]["left_without_details"]
    sb.control(
        "knobs",
        {"instant_fraction": True, "left_without_details": "with", "queued_left_total": "page"},
    )
    again = sb.ok("chats/queued_visitors_left", {"filters": wide})
    assert again["total"] == 2
    assert again["summary"]["left_without_details"] == first["total"] - without
    for record in again["records"].values():
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record["queue"]["start_date"]
        )


def test_get_with_dotted_query_parameters(sim: Sim) -> None:
    params = [
        ("timezone", "UTC"),
        ("filters.from", RANGE["from"]),
        ("filters.to", RANGE["to"]),
        ("filters.groups.values", "0"),
        ("filters.groups.values", "42"),
    ]
    resp = requests.get(
        f"{sim.url}/v3.6/reports/chats/total_chats",
        params=params,
        headers={"Authorization": basic_header()},
        timeout=5,
    )
    posted = sim.ok(
        "chats/total_chats",
        {"timezone": "UTC", "filters": {**RANGE, "groups": {"values": [0, 42]}}},
    )
    assert resp.json() == posted
    expected = data.truth("chats/total_chats", "2026-10-05", filters=data.Filters(groups=(0, 42)))
    assert posted["records"]["2026-10-05"] == expected


# -- microseconds and the bound of `to` --------------------------------------------------------------


def edge_count(day: str) -> dict[str, int]:
    a, b = data.local_day(day, "UTC")
    us = [c.us for c in data.chats(SEED, a, b)]
    end = data.to_us(b)
    return {
        "last_second": sum(end - 1_000_000 <= u < end for u in us),
        "last_micro": sum(u == end - 1 for u in us),
    }


@pytest.mark.parametrize(
    ("bound", "to", "left_out"),
    [
        ("inclusive_second", "23:59:59", 0),
        ("inclusive_second", "23:59:59.999999", 0),
        ("inclusive_second", "23:59:59.500000", 2),
        ("inclusive", "23:59:59", 2),
        ("inclusive", "23:59:59.999999", 0),
        ("inclusive", "23:59:59.700000", 1),
        ("exclusive", "23:59:59.999999", 1),
        ("exclusive", "23:59:59", 2),
    ],
)
def test_to_bound_readings_on_the_last_second_of_a_day(
    sim_factory: t.Any, bound: str, to: str, left_out: int
) -> None:
    # EVEN_DAY has chats at 23:59:59.700000 and 23:59:59.999999 UTC.
    assert edge_count(EVEN_DAY) == {"last_second": 2, "last_micro": 1}
    sb = sim_factory(to_bound=bound)
    full = data.truth("chats/total_chats", EVEN_DAY)["total"]
    body = sb.ok("chats/total_chats", {"timezone": "UTC", "filters": day_range(EVEN_DAY, to=to)})
    assert body["records"][EVEN_DAY]["total"] == full - left_out
    assert body["total"] == full - left_out


def test_exclusive_to_at_midnight_leaves_out_the_next_days_first_instant(
    sim_factory: t.Any,
) -> None:
    # 2026-10-10 (epoch day divisible by 3) has a chat at 00:00:00.000000 UTC.
    a, _ = data.local_day("2026-10-10", "UTC")
    assert len(data.chats(SEED, a, a + 1e-6)) == 1
    day = "2026-10-09"
    full = data.truth("chats/total_chats", day)["total"]
    rng = {"from": f"{day}T00:00:00+00:00", "to": "2026-10-10T00:00:00+00:00"}
    exclusive = sim_factory(to_bound="exclusive").ok(
        "chats/total_chats", {"timezone": "UTC", "filters": rng}
    )
    assert exclusive["total"] == full
    inclusive = sim_factory(to_bound="inclusive").ok(
        "chats/total_chats", {"timezone": "UTC", "filters": rng}
    )
    assert inclusive["total"] == full + 1
    assert inclusive["records"]["2026-10-10"] == {"total": 1} or inclusive["records"][
        "2026-10-10"
    ] == {"total": 1, "continuous": 1}


def test_warsaw_days_have_a_chat_in_their_last_second(sim: Sim) -> None:
    body = sim.ok(
        "chats/total_chats",
        {
            "timezone": "Europe/Warsaw",
            "filters": {"from": "2026-10-06T00:00:00+02:00", "to": "2026-10-06T23:59:59+02:00"},
        },
    )
    a, b = data.local_day("2026-10-06", "Europe/Warsaw")
    last = [c for c in data.chats(SEED, a, b) if data.to_us(b) - c.us == 300_000]
    assert len(last) == 1
    assert body["records"]["2026-10-06"] == data.truth(
        "chats/total_chats", "2026-10-06", timezone="Europe/Warsaw"
    )


# -- greetings: up to 100 values a day ------------------------------------------------------------


@pytest.mark.parametrize("pick", ["id", "displayed"])
def test_greetings_conversion_returns_at_most_100_values_a_day(
    sim_factory: t.Any, pick: str
) -> None:
    sb = sim_factory(greetings_pick=pick)
    truth = data.greetings_conversion_truth(CAMPAIGN, greetings_pick=pick)
    assert len(truth["full"]) > 100
    assert len(truth["returned"]) == 100
    body = sb.ok("chats/greetings_conversion", {"timezone": "UTC", "filters": day_range(CAMPAIGN)})
    assert body["records"][CAMPAIGN] == truth["returned"]
    full_rows = truth["full"]
    if pick == "id":
        assert sorted(truth["returned"]) == sorted(full_rows)[:100]
    else:
        shown = sorted(full_rows, key=lambda k: (-full_rows[k]["displayed"], k))[:100]
        assert sorted(truth["returned"]) == sorted(shown)
    # the cap is per day: hour buckets of that day name the same 100 greetings
    hourly = sb.ok(
        "chats/greetings_conversion",
        {"timezone": "UTC", "distribution": "hour", "filters": day_range(CAMPAIGN)},
    )
    ids = {g for record in hourly["records"].values() for g in record}
    assert ids == set(truth["returned"])
    # total: chats started from greetings, over every greeting (default) or the returned
    accepted_all = sum(r.get("accepted", 0) for r in full_rows.values())
    accepted_shown = sum(r.get("accepted", 0) for r in truth["returned"].values())
    assert accepted_all != accepted_shown
    assert body["total"] == accepted_all
    sb.control("knobs", {"greetings_total": "returned"})
    again = sb.ok("chats/greetings_conversion", {"timezone": "UTC", "filters": day_range(CAMPAIGN)})
    assert again["total"] == accepted_shown


def test_id_and_displayed_picks_differ() -> None:
    by_id = data.greetings_conversion_truth(CAMPAIGN, greetings_pick="id")["returned"]
    shown = data.greetings_conversion_truth(CAMPAIGN, greetings_pick="displayed")["returned"]
    assert set(by_id) != set(shown)


# -- readings of counts -------------------------------------------------------------------------------


def test_count_reading_all_chats_and_subject(sim_factory: t.Any) -> None:
    body = {"timezone": "UTC", "filters": RANGE}
    sb = sim_factory()
    total = sb.ok("chats/total_chats", body)
    ratings = sb.ok("chats/ratings", body)
    assert ratings["total"] == total["total"]
    for day, record in ratings["records"].items():
        assert record["chats"] == total["records"][day]["total"]
    response = sb.ok("chats/response_time", body)
    assert response["total"] == total["total"]
    ranking = sb.ok("chats/ranking", body)["records"]
    assert any(r["total"] > r["good"] + r["bad"] for r in ranking.values())
    sb.control("knobs", {"count_reading": "subject"})
    rated = sb.ok("chats/ratings", body)
    assert rated["total"] < total["total"]
    for record in rated["records"].values():
        assert record["chats"] >= record.get("good", 0) + record.get("bad", 0)
    for r in sb.ok("chats/ranking", body)["records"].values():
        assert r["total"] == r["good"] + r["bad"]
    assert sb.ok("chats/first_response_time", body)["total"] < total["total"]


def test_engagement_day_total_knob(sim_factory: t.Any) -> None:
    body = {"timezone": "UTC", "filters": RANGE}
    plain = sim_factory().ok("chats/engagement", body)
    assert all("total" not in r for r in plain["records"].values())
    with_total = sim_factory(engagement_day_total=True).ok("chats/engagement", body)
    for record in with_total["records"].values():
        started = [v for k, v in record.items() if k.startswith("started_by")]
        assert record["total"] == sum(started)


# -- filters ------------------------------------------------------------------------------------------


def test_agent_tag_and_group_filters(sim: Sim) -> None:
    def total(filters: dict[str, t.Any]) -> int:
        body = sim.ok("chats/total_chats", {"timezone": "UTC", "filters": {**RANGE, **filters}})
        return int(body["total"])

    a, _ = data.local_day("2026-10-05", "UTC")
    _, b = data.local_day("2026-10-07", "UTC")
    chats = data.chats(SEED, a, b)
    assert total({}) == len(chats)
    assert total({"agents": {"exists": False}}) == sum(c.agent is None for c in chats) > 0
    assert total({"agents": {"exists": True}}) == sum(c.agent is not None for c in chats)
    assert total({"tags": {"values": ["spam", "sales"], "require_every_value": True}}) == sum(
        {"spam", "sales"} <= set(c.tags) for c in chats
    )
    assert total({"tags": {"values": ["spam", "sales"]}}) == sum(
        bool({"spam", "sales"} & set(c.tags)) for c in chats
    )
    assert total({"groups": {"exclude_values": [0]}}) == sum(c.group != 0 for c in chats)
    assert total({"tags": {"exists": False}}) == sum(not c.tags for c in chats) > 0
    ranking = sim.ok(
        "chats/ranking", {"filters": {**RANGE, "agents": {"values": ["bob@acme.example"]}}}
    )
    assert list(ranking["records"]) == ["bob@acme.example"]


def test_day_hours_sums_hours_of_the_day_over_the_range(sim: Sim) -> None:
    body = sim.ok(
        "chats/total_chats", {"timezone": "UTC", "distribution": "day-hours", "filters": RANGE}
    )
    assert list(body["records"]) == [f"{h:02d}:00" for h in range(24)]
    assert sum(r.get("total", 0) for r in body["records"].values()) == body["total"]
    hourly = sim.ok(
        "chats/total_chats", {"timezone": "UTC", "distribution": "hour", "filters": RANGE}
    )
    nine = [r.get("total", 0) for k, r in hourly["records"].items() if k.endswith(" 09:00:00")]
    assert body["records"]["09:00"].get("total", 0) == sum(nine)


# -- revisions -----------------------------------------------------------------------------------------

OLD_DAYS = ["2026-10-12", "2026-10-13", "2026-10-17"]
REPORTS = [
    "chats/total_chats",
    "chats/tags",
    "chats/duration",
    "chats/ratings",
    "chats/greetings_conversion",
    "chats/queued_visitors",
    "agents/availability",
]


def answers(sb: Sim, day: str) -> dict[str, t.Any]:
    out = {}
    for method in [*REPORTS, "chats/ranking", "agents/performance", "tags/chat_usage"]:
        body = sb.ok(method, {"timezone": "UTC", "filters": day_range(day)})
        out[method] = body["records"] if method in DISTRIBUTED else body
    return out


def test_revision_changes_only_the_volatile_days(sim: Sim) -> None:
    assert sim.control("revision").json() == {"revision": 0}
    before = {day: answers(sim, day) for day in OLD_DAYS + VOLATILE}
    seen = [before]
    for revision in (1, 2, 3):
        assert sim.control("revision", {"revision": revision}).json() == {"revision": revision}
        now = {day: answers(sim, day) for day in OLD_DAYS + VOLATILE}
        for day in OLD_DAYS:
            assert now[day] == before[day], (revision, day)
        for day in VOLATILE:
            assert now[day]["chats/total_chats"] != seen[-1][day]["chats/total_chats"]
            for method in REPORTS:
                assert now[day][method] == {
                    day: data.truth(method, day, revision=revision, now=NOW)
                }, (method, day)
        seen.append(now)
    sim.app.set_revision(0)
    assert answers(sim, VOLATILE[0]) == before[VOLATILE[0]]


def test_revision_drops_a_tag_renames_one_and_an_agent_leaves(sim: Sim) -> None:
    day = VOLATILE[1]
    body = {"timezone": "UTC", "filters": day_range(day)}
    tags0 = sim.ok("chats/tags", body)["records"][day]
    usage0 = sim.ok("tags/chat_usage", body)["records"]
    assert "docs_feedback" in tags0 and "billing" in tags0 and "invoices" not in tags0
    assert "docs_feedback" in usage0
    sim.control("revision", {"revision": 1})
    tags1 = sim.ok("chats/tags", body)["records"][day]
    assert "docs_feedback" not in tags1 and "billing" not in tags1 and "invoices" in tags1
    assert "docs_feedback" not in sim.ok("tags/chat_usage", body)["records"]
    assert "dan@acme.example" in sim.ok("chats/ranking", body)["records"]
    assert "dan@acme.example" in sim.ok("agents/performance", body)["records"]
    sim.control("revision", {"revision": 2})
    assert "dan@acme.example" not in sim.ok("chats/ranking", body)["records"]
    assert "dan@acme.example" not in sim.ok("agents/performance", body)["records"]
    # an older day keeps both the tag and the agent
    old = {"timezone": "UTC", "filters": day_range(OLD_DAYS[0])}
    assert "docs_feedback" in sim.ok("tags/chat_usage", old)["records"]
    assert "dan@acme.example" in sim.ok("chats/ranking", old)["records"]


def test_revision_closes_chats_late_and_reopens_some(sim: Sim) -> None:
    day = VOLATILE[0]
    a, b = data.local_day(day, "UTC")
    base = {c.id: c for c in data.chats(data.make_world(now=NOW), a, b)}
    later = {c.id: c for c in data.chats(data.make_world(revision=3, now=NOW), a, b)}
    assert set(base) < set(later)  # late chats arrive, none disappear
    grown = [i for i in base if later[i].duration > base[i].duration]
    reopened = [i for i in base if base[i].reopen_at and later[i].continuous]
    rated_late = [i for i in base if base[i].rating is None and later[i].rating is not None]
    assert grown and reopened and rated_late
    assert all(later[i].duration >= base[i].duration for i in base)


def test_revision_and_knobs_over_http_validate(sim: Sim) -> None:
    assert sim.control("revision", {"revision": -1}).status_code == 400
    assert sim.control("knobs", {"to_bound": "sometimes"}).status_code == 400
    assert sim.control("knobs", {"nope": 1}).status_code == 400
    knobs = sim.control("knobs", {"to_bound": "exclusive"}).json()
    assert knobs["to_bound"] == "exclusive" and sim.app.knobs["to_bound"] == "exclusive"
    assert sim.control("knobs").json()["count_reading"] == "all_chats"
    with pytest.raises(ValueError, match="unknown livechat knob"):
        build(flavour="x")
    assert build(revision=2).revision == 2


def test_events_after_now_do_not_exist_yet(sim: Sim) -> None:
    body = sim.ok("chats/total_chats", {"timezone": "UTC", "filters": day_range("2026-10-20")})
    a, _ = data.local_day("2026-10-20", "UTC")
    chats = data.chats(SEED, a, NOW.timestamp() + 1e-6)
    assert body["total"] == len(chats)
    assert body["total"] < len(data.chats(SEED, a, a + 86400))
