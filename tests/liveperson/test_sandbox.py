"""The LivePerson simulator follows the documented behaviour (so the tap tests mean something)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

import sandbox.liveperson as lp
from sandbox.core import serve
from tap_agentactivity.oauth1 import OAuth1Signer

PATH = "/operations/api/account/12345678/agentactivity"
BEARER = {"Authorization": f"Bearer {lp.BEARER_TOKEN}"}


def signer(**overrides: str) -> OAuth1Signer:
    creds = {
        "consumer_key": lp.CONSUMER_KEY,
        "consumer_secret": lp.CONSUMER_SECRET,
        "token": lp.ACCESS_TOKEN,
        "token_secret": lp.ACCESS_TOKEN_SECRET,
    }
    creds.update(overrides)
    return OAuth1Signer(**creds)


def get(url: str, headers: dict | None = None, **params: object) -> requests.Response:
    return requests.get(url + PATH, params=params, headers=headers or BEARER, timeout=10)


def test_interval_and_timeframe_rules_are_400s(app, url) -> None:
    app.set_now(lp.at("2026-11-20T08:07:00"))
    ok = {"agentIds": "all", "v": 1}
    assert get(url, timeframe=1440, interval=1440, **ok).status_code == 200
    assert get(url, timeframe=60, interval=30, **ok).status_code == 200
    for params in (
        {"timeframe": 1441, "interval": 5},
        {"timeframe": 0},
        {"timeframe": "soon"},
        {"interval": 5},
        {"timeframe": 60, "interval": 61},
        {"timeframe": 60, "interval": 31},
        {"timeframe": 20, "interval": 4},
    ):
        assert get(url, **params, **ok).status_code == 400, params
    assert get(url, timeframe=60, agentIds="all").status_code == 400  # v is required
    assert get(url, timeframe=60, v=1).status_code == 400  # agentIds is required
    assert get(url, timeframe=60, v=1, agentIds="alice").status_code == 400


def test_docs_post_example_body_with_string_values(app, url) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    body = {"timeframe": "1440", "v": "1", "agentIds": "2152260212,2152260212", "interval": "1440"}
    response = requests.post(url + PATH, json=body, headers=BEARER, timeout=10)
    assert response.status_code == 200
    intervals = response.json()["metricsByIntervals"]
    assert [i["timestamp"] for i in intervals] == [
        int(lp.at("2026-11-20T12:00").timestamp() * 1000)
    ]
    assert set(intervals[0]["metricsData"]["agentsMetrics"]["metricsPerAgent"]) == {"2152260212"}
    bad = requests.post(url + PATH, data=b"not json", headers=BEARER, timeout=10)
    assert bad.status_code == 400


def test_response_shape_rounding_and_partials(app, url) -> None:
    app.set_now(lp.at("2026-11-20T08:07:00"))
    body = get(url, timeframe=20, interval=10, agentIds="all", v=1).json()
    assert body["agentsMetrics"] == {"metricsPerAgent": {}, "metricsTotals": []}
    first, middle, last = body["metricsByIntervals"]  # newest first
    logged_in = {
        name: max(
            (
                s["value"]["total"]
                for states in i["metricsData"]["agentsMetrics"]["metricsPerAgent"].values()
                for s in states
                if s["id"] == -1
            ),
            default=0,
        )
        for name, i in (("open", first), ("whole", middle), ("partial", last))
    }
    assert logged_in["open"] <= 7 * 60  # 08:00-08:10, only 7 minutes have passed
    assert logged_in["whole"] <= 10 * 60
    assert logged_in["partial"] <= 3 * 60  # 07:47-07:50
    states = next(iter(middle["metricsData"]["agentsMetrics"]["metricsPerAgent"].values()))
    assert [s["id"] for s in states] == [2, 3, 4, -1]
    assert "reasons" in states[2] and isinstance(states[2]["reasons"], list)
    plain = get(url, timeframe=60, agentIds="all", v=1).json()
    assert set(plain) == {"agentsMetrics"} and plain["agentsMetrics"]["metricsTotals"] == []


def test_nobody_logged_in_gives_an_empty_map(app, url) -> None:
    app.set_now(lp.at("2026-11-21T03:00:00"))
    body = get(url, timeframe=60, interval=30, agentIds="all", v=1).json()
    assert all(
        i["metricsData"]["agentsMetrics"]["metricsPerAgent"] == {}
        for i in body["metricsByIntervals"]
    )


def test_same_seed_same_numbers(url, app) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    first = get(url, timeframe=120, interval=5, agentIds="all", v=1).json()
    again = get(url, timeframe=120, interval=5, agentIds="all", v=1).json()
    assert first == again
    other = lp.build(seed=12)
    other.set_now(lp.at("2026-11-20T12:00:00"))
    assert other.activity(120, 5, None) != first


def test_oauth_checks(app, url) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    target = url + PATH + "?timeframe=60&agentIds=all&v=1"

    def send(sign: OAuth1Signer | None, header: str | None = None) -> requests.Response:
        prepared = requests.Request("GET", target).prepare()
        if sign is not None:
            prepared = sign(prepared)
        if header is not None:
            prepared.headers["Authorization"] = header
        return requests.Session().send(prepared, timeout=10)

    assert send(signer()).status_code == 200
    assert send(signer(consumer_secret="nope")).status_code == 401
    assert send(signer(token="nope")).status_code == 401
    assert send(None).status_code == 401
    assert send(None, 'OAuth oauth_consumer_key="x"').status_code == 401
    assert send(None, "Basic abc").status_code == 401
    stale = OAuth1Signer(
        lp.CONSUMER_KEY,
        lp.CONSUMER_SECRET,
        lp.ACCESS_TOKEN,
        lp.ACCESS_TOKEN_SECRET,
        clock=lambda: 1_000_000,
    )
    assert send(stale).status_code == 401
    assert (
        get(url, {"Authorization": "Bearer wrong"}, timeframe=60, agentIds="all", v=1).status_code
        == 401
    )


def test_replayed_nonce_is_refused(app, url) -> None:
    sign = OAuth1Signer(
        lp.CONSUMER_KEY,
        lp.CONSUMER_SECRET,
        lp.ACCESS_TOKEN,
        lp.ACCESS_TOKEN_SECRET,
        clock=lambda: 1_763_600_000,
    )
    app.timestamp_skew = 10**10
    try:
        prepared = sign(
            requests.Request("GET", url + PATH + "?timeframe=60&agentIds=all&v=1").prepare()
        )
        assert requests.Session().send(prepared.copy(), timeout=10).status_code == 200
        assert requests.Session().send(prepared.copy(), timeout=10).status_code == 401
    finally:
        app.timestamp_skew = 600.0


def test_other_account_and_domain_api(app, url) -> None:
    assert (
        requests.get(
            url + "/operations/api/account/999/agentactivity?timeframe=5&agentIds=all&v=1",
            headers=BEARER,
            timeout=10,
        ).status_code
        == 404
    )
    domain = requests.get(
        url + "/api/account/12345678/service/leDataReporting/baseURI.json?version=1.0", timeout=10
    )
    assert domain.json() == {
        "service": "leDataReporting",
        "account": "12345678",
        "baseURI": url.split("://")[1],
    }
    assert (
        requests.get(
            url + "/api/account/12345678/service/leDataReporting/baseURI.json", timeout=10
        ).status_code
        == 400
    )
    assert (
        requests.get(
            url + "/api/account/12345678/service/ledatareporting/baseURI.json?version=1.0",
            timeout=10,
        ).status_code
        == 400
    )
    assert (
        requests.get(
            url + "/api/account/999/service/leDataReporting/baseURI.json?version=1.0", timeout=10
        ).status_code
        == 401
    )


def test_now_can_be_pinned_over_http(app, url) -> None:
    requests.post(url + "/__sandbox__/now", json={"now": "2026-11-20T08:07:00+00:00"}, timeout=10)
    body = get(url, timeframe=10, interval=5, agentIds="all", v=1).json()
    assert body["metricsByIntervals"][0]["timestamp"] == int(
        lp.at("2026-11-20T08:10").timestamp() * 1000
    )


@pytest.fixture
def slow_url() -> Iterator[str]:
    app = lp.build(max_concurrent=2, latency=0.3)
    app.set_now(lp.at("2026-11-20T12:00:00"))
    with serve(app) as base:
        yield base


def test_concurrent_load_gets_429s(slow_url) -> None:
    codes: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        code = get(slow_url, timeframe=30, interval=5, agentIds="all", v=1).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=hit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(200) >= 2 and codes.count(429) >= 1
    assert set(codes) <= {200, 429}
