"""The LivePerson simulator follows the vendor docs (api-docs/liveperson-agent-activity-api.txt
and API-FACTS.md §3), not any client of the API: requests are signed here with a small OAuth
1.0a signer of the test's own, and expected values come from the docs' text or from
:func:`sandbox.liveperson.truth`."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests

import sandbox.liveperson as lp
import sandbox.liveperson_data as data
import sandbox.liveperson_samples as samples
from sandbox.core import serve

PATH = "/operations/api/account/12345678/agentactivity"
BEARER = {"Authorization": f"Bearer {lp.BEARER_TOKEN}"}
DOCS = Path("/work/shared/api-docs/liveperson-agent-activity-api.txt")
MS = 60_000


def ms(text: str) -> int:
    return (lp.at(text) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)


# -- a signer of our own (RFC 5849 §3.4, header form, HMAC-SHA1) ---------------------------


def _enc(value: str) -> str:
    return quote(value, safe="~-._")


class Signer:
    def __init__(self, **overrides: object) -> None:
        self.creds = {
            "consumer_key": lp.CONSUMER_KEY,
            "consumer_secret": lp.CONSUMER_SECRET,
            "token": lp.ACCESS_TOKEN,
            "token_secret": lp.ACCESS_TOKEN_SECRET,
        }
        self.creds.update({k: str(v) for k, v in overrides.items() if k != "stamp"})
        self.stamp = overrides.get("stamp")

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(prepared.url or "")
        oauth = {
            "oauth_consumer_key": self.creds["consumer_key"],
            "oauth_token": self.creds["token"],
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": str(self.stamp or int(time.time())),
            "oauth_nonce": uuid.uuid4().hex,
            "oauth_version": "1.0",
        }
        pairs = parse_qsl(url.query, keep_blank_values=True) + list(oauth.items())
        normal = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in pairs))
        base = "&".join(
            [prepared.method or "GET", _enc(f"{url.scheme}://{url.netloc}{url.path}"), _enc(normal)]
        )
        key = f"{_enc(self.creds['consumer_secret'])}&{_enc(self.creds['token_secret'])}"
        oauth["oauth_signature"] = base64.b64encode(
            hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
        ).decode()
        prepared.headers["Authorization"] = "OAuth " + ", ".join(
            f'{k}="{_enc(v)}"' for k, v in oauth.items()
        )
        return prepared


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def app() -> lp.LivePersonApp:
    return lp.build()


@pytest.fixture
def url(app: lp.LivePersonApp) -> Iterator[str]:
    with serve(app) as base:
        yield base


def get(url: str, headers: dict | None = None, **params: object) -> requests.Response:
    return requests.get(url + PATH, params=params, headers=headers or BEARER, timeout=10)


def agents_of(block: dict) -> dict:
    return block["metricsData"]["agentsMetrics"]["metricsPerAgent"]


# -- request rules -------------------------------------------------------------------------


def test_interval_and_timeframe_rules_are_400s(app, url) -> None:
    app.set_now(lp.at("2026-11-20T08:07:00"))
    ok = {"agentIds": "all", "v": 1}
    assert get(url, timeframe=1440, interval=1440, **ok).status_code == 200
    assert get(url, timeframe=60, interval=30, **ok).status_code == 200  # docs: correct
    for params in (
        {"timeframe": 1441, "interval": 5},
        {"timeframe": 0},
        {"timeframe": "soon"},
        {"interval": 5},
        {"timeframe": 60, "interval": 61},  # docs: bad request
        {"timeframe": 60, "interval": 31},  # docs: bad request
        {"timeframe": 20, "interval": 4},  # "the minimum value is five minutes"
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
    assert [i["timestamp"] for i in intervals] == [ms("2026-11-20T12:00")]
    assert set(agents_of(intervals[0])) == {"2152260212"}
    assert response.json() == lp.truth(1440, 1440, "2152260212", now=lp.at("2026-11-20T12:00"))
    bad = requests.post(url + PATH, data=b"not json", headers=BEARER, timeout=10)
    assert bad.status_code == 400


# -- intervals: the docs' worked example and the sample's timestamps ------------------------


def test_docs_interval_example_now_0807_timeframe_20_interval_10(app, url) -> None:
    now = "2026-11-20T08:07:00"
    app.set_now(lp.at(now))
    body = get(url, timeframe=20, interval=10, agentIds="all", v=1).json()
    assert body["agentsMetrics"] == {"metricsPerAgent": {}, "metricsTotals": []}
    stamps = [i["timestamp"] for i in body["metricsByIntervals"]]
    assert stamps == [ms("2026-11-20T08:10"), ms("2026-11-20T08:00"), ms("2026-11-20T07:50")]
    # the data of each interval is exactly its documented span: 8:00-8:07, 7:50-8:00, 7:47-7:50
    spans = [("08:00", "08:07"), ("07:50", "08:00"), ("07:47", "07:50")]
    for block, (lo, hi) in zip(body["metricsByIntervals"], spans, strict=True):
        start, end = ms(f"2026-11-20T{lo}"), ms(f"2026-11-20T{hi}")
        expected = {a: data.agent_metrics(11, a, start, end) for a in data.AGENTS}
        assert agents_of(block) == {a: v for a, v in expected.items() if v is not None}
        for states in agents_of(block).values():
            assert [s["id"] for s in states] == [2, 3, 4, -1]
            assert states[3]["value"]["total"] <= (end - start) // 1000
    assert any(agents_of(b) for b in body["metricsByIntervals"])  # someone works at 8:00


def test_interval_layout_reproduces_the_docs_sample_timestamps(app, url) -> None:
    # The interval sample (timeframe=120, interval=60) implies now = 14:46:08 on 2014-07-01.
    app.set_now(dt.datetime.fromtimestamp(samples.SAMPLE_NOW_MS / 1000, dt.UTC))
    body = get(url, timeframe=120, interval=60, agentIds="all", v=1).json()
    docs = json.loads(samples.INTERVALS_SAMPLE)
    assert [i["timestamp"] for i in body["metricsByIntervals"]] == [
        i["timestamp"] for i in docs["metricsByIntervals"]
    ]
    # the sample's "Logged in" totals are the spans: 3368 s open, 3600 s whole, 232 s first
    limits = [3368, 3600, 232]
    for block, limit in zip(body["metricsByIntervals"], limits, strict=True):
        for states in agents_of(block).values():
            assert states[3]["value"]["total"] <= limit


def test_docs_timestamp_example_is_the_interval_end(app, url) -> None:
    # "Interval size: 30 min. Interval start and end time: 26/03/2014 07:30:00 - 26/03/2014
    # 08:00:00. Timestamp: 1395820800000."
    app.set_now(lp.at("2014-03-26T07:56:10"))
    body = get(url, timeframe=30, interval=30, agentIds="all", v=1).json()
    assert [i["timestamp"] for i in body["metricsByIntervals"]] == [1395820800000, 1395819000000]


def test_states_and_their_total_differ_by_at_most_one_second() -> None:
    # "Agent states are calculated by the millisecond but presentation is in seconds.
    # Therefore, there might be a 1 second difference between agent states and agent
    # states total."
    body = lp.truth(1440, 5, now=lp.at("2026-11-20T23:59:59.999"), revision=2)
    checked = 0
    for block in body["metricsByIntervals"]:
        for states in agents_of(block).values():
            total = states[3]["value"]["total"]
            assert abs(total - sum(s["value"]["total"] for s in states[:3])) <= 1
            for state in states:
                value = state["value"]
                assert abs(value["total"] - value["chatting"] - value["notChatting"]) <= 1
                assert value["chattingInMaxConcurrency"] <= value["chatting"]
            checked += 1
    assert checked > 100


def test_exact_five_minute_now_has_no_partial_intervals(app, url) -> None:
    app.set_now(lp.at("2026-11-20T10:00:00"))
    body = get(url, timeframe=60, interval=30, agentIds="all", v=1).json()
    assert [i["timestamp"] for i in body["metricsByIntervals"]] == [
        ms("2026-11-20T10:00"),
        ms("2026-11-20T09:30"),
    ]


def test_millisecond_now_is_the_window_end(app, url) -> None:
    now = lp.at("2026-11-20T10:02:03.456")
    app.set_now(now)
    body = get(url, timeframe=5, agentIds="all", v=1).json()
    start, end = ms("2026-11-20T09:57:03.456"), ms("2026-11-20T10:02:03.456")
    expected = {a: data.agent_metrics(11, a, start, end) for a in data.agents()}
    assert body["agentsMetrics"]["metricsPerAgent"] == {
        a: v for a, v in expected.items() if v is not None
    }
    assert body == lp.truth(5, now=now)


def test_response_shape(app, url) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    plain = get(url, timeframe=60, agentIds="all", v=1).json()
    assert set(plain) == {"agentsMetrics"}
    assert set(plain["agentsMetrics"]) == {"metricsPerAgent", "metricsTotals"}
    assert plain["agentsMetrics"]["metricsTotals"] == []
    for agent, states in plain["agentsMetrics"]["metricsPerAgent"].items():
        assert agent.isdigit()
        assert [(s["id"], s["name"]) for s in states] == [
            (2, "Online"),
            (3, "Back in 5"),
            (4, "Away"),
            (-1, "Logged in"),
        ]
        for state in states:
            assert set(state) == (
                {"reasons", "id", "name", "value"} if state["id"] == 4 else {"id", "name", "value"}
            )
            assert set(state["value"]) == {
                "total",
                "chatting",
                "notChatting",
                "chattingInMaxConcurrency",
            }
            assert all(isinstance(v, int) for v in state["value"].values())
        for reason in states[2]["reasons"]:
            assert set(reason) == {"id", "value"} and isinstance(reason["id"], str)
            assert reason["value"]["total"] > 0  # reasons without time are left out


def test_nobody_logged_in_gives_an_empty_map(app, url) -> None:
    app.set_now(lp.at("2026-11-21T03:00:00"))
    body = get(url, timeframe=60, interval=30, agentIds="all", v=1).json()
    assert all(agents_of(i) == {} for i in body["metricsByIntervals"])
    assert get(url, timeframe=60, agentIds="all", v=1).json() == {
        "agentsMetrics": {"metricsPerAgent": {}, "metricsTotals": []}
    }


def test_data_varies_on_every_key(app) -> None:
    rows = lp.truth_rows(1440, 60, now=lp.at("2026-11-20T23:00"))
    assert len({k[1] for k in rows}) >= 5
    assert {k[3] for k in rows if k[3]} == set(data.AWAY_REASONS)
    for state in (2, 3, 4, -1):
        assert any(v["total"] > 0 for k, v in rows.items() if k[2] == state and k[3] is None)
    assert any(v["chattingInMaxConcurrency"] > 0 for v in rows.values())
    assert len({k[0] for k in rows}) >= 10


# -- the docs' verbatim samples ------------------------------------------------------------


def _docs_samples_text() -> tuple[str, str]:
    lines = DOCS.read_text().split("\n")
    first = lines.index(
        "Request by v=1 and timeframe=120 and agentIds=all (including two agentIds: 2 and 3)."
    )
    second = lines.index(
        "Request by v=1 and timeframe=120 and agentIds=all and interval=60 (including two "
        "agentIds: 2 and 3)."
    )
    end = lines.index("Elements in the Response")
    return "\n".join(lines[first + 1 : second]), "\n".join(lines[second + 1 : end])


@pytest.mark.skipif(not DOCS.exists(), reason="vendor docs not on this machine")
def test_embedded_samples_are_the_docs_text() -> None:
    assert _docs_samples_text() == (samples.AGENTS_SAMPLE, samples.INTERVALS_SAMPLE)


def test_docs_samples_knob_replays_the_samples_byte_for_byte(app, url) -> None:
    ask = {"timeframe": 120, "agentIds": "all", "v": 1}
    generated = get(url, **ask)
    assert generated.content != samples.AGENTS_SAMPLE.encode()
    requests.post(url + "/__sandbox__/knobs", json={"docs_samples": True}, timeout=10)
    assert get(url, **ask).content == samples.AGENTS_SAMPLE.encode()
    assert get(url, **ask, interval=60).content == samples.INTERVALS_SAMPLE.encode()
    post = requests.post(
        url + PATH, json={k: str(v) for k, v in ask.items()}, headers=BEARER, timeout=10
    )
    assert post.content == samples.AGENTS_SAMPLE.encode()
    # other requests still come from the generated data
    other = get(url, timeframe=60, agentIds="all", v=1)
    assert other.json() == lp.truth(60, now=app.now(), docs_samples=True)
    assert other.content != samples.AGENTS_SAMPLE.encode()
    assert lp.truth(120, 60, now=0, docs_samples=True) == json.loads(samples.INTERVALS_SAMPLE)
    sample = json.loads(samples.AGENTS_SAMPLE)["agentsMetrics"]["metricsPerAgent"]
    assert set(sample) == {"2", "3"} and sample["2"][2]["value"]["notChatting"] == 125


# -- revisions -----------------------------------------------------------------------------


NOW = lp.at("2026-11-20T12:07:31.250")


def test_revision_changes_only_the_volatile_period() -> None:
    midnight = ms("2026-11-20T00:00")
    for r in range(4):
        before = lp.truth_rows(1440, 5, now=NOW, revision=r, volatile_days=0)
        after = lp.truth_rows(1440, 5, now=NOW, revision=r + 1, volatile_days=0)
        old = {k for k in before | after if k[0] is not None and k[0] <= midnight}
        assert old and all(before.get(k) == after.get(k) for k in old)
        new = {k for k in before | after if k[0] is not None and k[0] > midnight}
        assert any(before.get(k) != after.get(k) for k in new), r
    # volatile_minutes: only the last hour moves
    hour_ago = ms("2026-11-20T11:07:31.250")
    before = lp.truth_rows(1440, 5, now=NOW, revision=0, volatile_minutes=60)
    after = lp.truth_rows(1440, 5, now=NOW, revision=3, volatile_minutes=60)
    assert all(before.get(k) == after.get(k) for k in before | after if k[0] <= hour_ago)
    assert before != after


def test_states_move_and_the_dropped_reason_disappears() -> None:
    r0 = lp.truth_rows(1440, 60, now=NOW)
    r1 = lp.truth_rows(1440, 60, now=NOW, revision=1)
    assert any(k[3] == data.DROPPED_REASON for k in r0)
    assert not any(k[3] == data.DROPPED_REASON for k in r1)
    kept = {k for k in r0.keys() & r1.keys() if k[1] != data.LEAVER and k[3] is None}
    assert sum(r0[k] != r1[k] for k in kept) > 10
    # the revision also changes how the seconds split between chatting modes
    assert any(
        r0[k]["total"] == r1[k]["total"] and r0[k]["chatting"] != r1[k]["chatting"] for k in kept
    )


def test_an_agent_leaves_and_an_agent_is_added(app, url) -> None:
    app.set_now(NOW)
    agents = {}
    for r in range(3):
        requests.post(url + "/__sandbox__/revision", json={"revision": r}, timeout=10)
        body = get(url, timeframe=1440, agentIds="all", v=1).json()
        agents[r] = set(body["agentsMetrics"]["metricsPerAgent"])
    assert data.LEAVER in agents[0] and data.NEWCOMER not in agents[0]
    assert agents[1] == agents[0] - {data.LEAVER}
    assert agents[2] == agents[1] | {data.NEWCOMER}
    # asking for the leaver by id: left out (no data), or zeros under no_data_agents=zeros
    by_id = get(url, timeframe=1440, agentIds=data.LEAVER, v=1).json()
    assert by_id["agentsMetrics"]["metricsPerAgent"] == {}


def test_sessions_close_late() -> None:
    # agent 2152260212's shift ends in the afternoon: later revisions record a later logout
    agent = "2152260212"
    day = dt.date(2026, 11, 20)
    late = ms("2026-11-20T23:30")
    base = data.revised_day_segments(11, agent, day, True, 0, ms("2026-11-18T00:00"))
    rev = data.revised_day_segments(11, agent, day, True, 2, ms("2026-11-18T00:00"))
    assert rev[-1].end - base[-1].end == 2 * data.LATE_LOGOUT_MS
    rows0 = lp.truth_rows(1440, now=late, agent_ids=agent)
    rows2 = lp.truth_rows(1440, now=late, agent_ids=agent, revision=2)
    assert rows0 and rows2
    assert rows2[(None, agent, -1, None)]["total"] > rows0[(None, agent, -1, None)]["total"]


def test_open_interval_grows_with_each_revision() -> None:
    now = lp.at("2026-11-20T12:09:40")  # open interval 12:05-12:10, 4 min 40 s old
    totals = []
    for r in range(2, 7):
        body = lp.truth(60, 5, data.NEWCOMER, now=now, revision=r)
        open_block = agents_of(body["metricsByIntervals"][0])
        totals.append(open_block[data.NEWCOMER][3]["value"]["total"] if open_block else 0)
    assert totals == sorted(totals) and totals[0] < totals[-1] <= 280
    # ... and with a fixed revision as the clock moves on
    later = lp.truth(60, 5, now=lp.at("2026-11-20T12:09:59"))
    earlier = lp.truth(60, 5, now=now)
    grown = agents_of(later["metricsByIntervals"][0])
    for agent, states in agents_of(earlier["metricsByIntervals"][0]).items():
        assert grown[agent][3]["value"]["total"] >= states[3]["value"]["total"]
    assert grown != agents_of(earlier["metricsByIntervals"][0])
    # closed intervals stay; only the earliest (partial) one follows the window start
    assert earlier["metricsByIntervals"][1:-1] == later["metricsByIntervals"][1:-1]


def test_revision_over_http_and_in_process(app, url) -> None:
    app.set_now(NOW)
    first = get(url, timeframe=240, interval=60, agentIds="all", v=1).json()
    answer = requests.post(url + "/__sandbox__/revision", json={"revision": 2}, timeout=10)
    assert answer.status_code == 200 and answer.json()["revision"] == 2
    assert app.revision == 2
    second = get(url, timeframe=240, interval=60, agentIds="all", v=1).json()
    assert second != first
    assert second == lp.truth(240, 60, now=NOW, revision=2)
    app.set_revision(0)
    assert get(url, timeframe=240, interval=60, agentIds="all", v=1).json() == first
    assert lp.build(revision=2).revision == 2
    bad = requests.post(url + "/__sandbox__/revision", json={"revision": -1}, timeout=10)
    assert bad.status_code == 400


# -- knobs ---------------------------------------------------------------------------------


def test_knobs_over_http(app, url) -> None:
    knobs = requests.get(url + "/__sandbox__/knobs", timeout=10).json()
    assert knobs == {f: getattr(lp.Knobs(), f) for f in lp.KNOB_NAMES}
    assert (
        requests.post(url + "/__sandbox__/knobs", json={"nope": 1}, timeout=10).status_code == 400
    )
    assert (
        requests.post(
            url + "/__sandbox__/knobs", json={"data_horizon": "x"}, timeout=10
        ).status_code
        == 400
    )
    for bad in ({"volatile_minutes": "x"}, {"docs_samples": "yes"}, {"revision": True}):
        assert requests.post(url + "/__sandbox__/knobs", json=bad, timeout=10).status_code == 400
    assert app.knobs == lp.Knobs()
    set_ = requests.post(
        url + "/__sandbox__/knobs", json={"back_soon_name": "Back soon"}, timeout=10
    )
    assert set_.json()["back_soon_name"] == "Back soon" and app.knobs.back_soon_name == "Back soon"


@pytest.mark.parametrize(
    "knobs",
    [
        {},
        {"revision": 3},
        {"data_horizon": "refresh"},
        {"data_horizon": "slot"},
        {"seconds_rounding": "floor"},
        {"back_soon_name": "Back soon"},
        {"interval_totals": "totals"},
        {"no_data_agents": "zeros"},
        {"agent_ids_supported": False},
        {"away_reasons": False},
        {"revision": 2, "volatile_minutes": 90},
    ],
)
@pytest.mark.parametrize("agent_ids", ["all", "2152260212,2152260213,999"])
def test_truth_equals_http_for_every_knob(app, url, knobs, agent_ids) -> None:
    now = lp.at("2026-11-20T13:22:47.125")
    app.set_now(now)
    app.set_knobs(**knobs)
    for timeframe, interval in ((1440, 5), (1440, 60), (90, 15), (37, None)):
        params = {"timeframe": timeframe, "agentIds": agent_ids, "v": 1}
        if interval:
            params["interval"] = interval
        body = get(url, **params).json()
        assert body == lp.truth(timeframe, interval, agent_ids, now=now, **knobs)


def test_knob_readings_differ_as_documented() -> None:
    now = lp.at("2026-11-20T13:22:47.125")

    def logged_in(body: dict) -> dict[str, int]:
        return {
            a: s[3]["value"]["total"] for a, s in body["agentsMetrics"]["metricsPerAgent"].items()
        }

    exact = lp.truth(30, now=now)
    refresh = lp.truth(30, now=now, data_horizon="refresh")
    slot = lp.truth(30, now=now, data_horizon="slot")
    for agent, seconds in logged_in(exact).items():
        assert logged_in(refresh)[agent] <= seconds and seconds - logged_in(refresh)[agent] <= 8
        assert logged_in(slot)[agent] <= logged_in(refresh)[agent]
    assert logged_in(slot) != logged_in(exact)

    floor = lp.truth_rows(1440, 5, now=now, seconds_rounding="floor")
    rounded = lp.truth_rows(1440, 5, now=now)
    assert floor.keys() <= rounded.keys()
    assert all(floor[k][f] in (rounded[k][f], rounded[k][f] - 1) for k in floor for f in floor[k])
    assert floor != rounded

    states = lp.truth(60, now=now, back_soon_name="Back soon")["agentsMetrics"]["metricsPerAgent"]
    assert all(s[1]["name"] == "Back soon" for s in states.values())

    empty = lp.truth(60, 30, now=now)
    totals = lp.truth(60, 30, now=now, interval_totals="totals")
    assert empty["agentsMetrics"] == {"metricsPerAgent": {}, "metricsTotals": []}
    assert totals["agentsMetrics"] == lp.truth(60, now=now)["agentsMetrics"]
    assert totals["metricsByIntervals"] == empty["metricsByIntervals"]

    zeros = lp.truth(60, None, "999,2152260212", now=now, no_data_agents="zeros")
    per_agent = zeros["agentsMetrics"]["metricsPerAgent"]
    assert list(per_agent) == ["999", "2152260212"]
    assert per_agent["999"] == data.state_entries(None)
    assert all(v == 0 for s in per_agent["999"] for v in s["value"].values())
    assert lp.truth(60, None, "999", now=now)["agentsMetrics"]["metricsPerAgent"] == {}

    ignored = lp.truth(60, None, "2152260212", now=now, agent_ids_supported=False)
    assert ignored == lp.truth(60, now=now)

    plain = lp.truth(1440, 60, now=now, away_reasons=False)
    assert all(
        s[2]["reasons"] == [] for i in plain["metricsByIntervals"] for s in agents_of(i).values()
    )

    assert lp.truth(2880, 60, now=now, max_timeframe=None)["metricsByIntervals"]
    with pytest.raises(lp.HTTPError):
        lp.truth(2880, 60, now=now)


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_same_numbers(url, app) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    first = get(url, timeframe=120, interval=5, agentIds="all", v=1).json()
    again = get(url, timeframe=120, interval=5, agentIds="all", v=1).json()
    assert first == again
    other = lp.build(seed=12)
    other.set_now(lp.at("2026-11-20T12:00:00"))
    assert other.activity(120, 5, None) != first
    assert app.activity(120, 5, None) == first


# -- auth, domain, limits ------------------------------------------------------------------


def test_oauth_signature_matches_the_spec_examples() -> None:
    # RFC 5849 §1.2 and OAuth Core 1.0 Appendix A.5 (photos.example.net)
    common = [
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
    ]
    rfc = [*common, ("oauth_timestamp", "137131202"), ("oauth_nonce", "chapoH")]
    core = [
        *common,
        ("oauth_timestamp", "1191242096"),
        ("oauth_nonce", "kllo9940pd9333jh"),
        ("oauth_version", "1.0"),
    ]
    sign = lp.oauth_signature
    base = "http://photos.example.net/photos"
    assert sign("GET", base, rfc, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == (
        "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    )
    assert sign("GET", base, core, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == (
        "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    )


def test_oauth_checks(app, url) -> None:
    app.set_now(lp.at("2026-11-20T12:00:00"))
    target = url + PATH + "?timeframe=60&agentIds=all&v=1"

    def send(sign: Signer | None, header: str | None = None) -> requests.Response:
        prepared = requests.Request("GET", target).prepare()
        if sign is not None:
            prepared = sign(prepared)
        if header is not None:
            prepared.headers["Authorization"] = header
        return requests.Session().send(prepared, timeout=10)

    assert send(Signer()).status_code == 200
    assert send(Signer()).json() == lp.truth(60, now=app.now())
    assert send(Signer(consumer_secret="nope")).status_code == 401
    assert send(Signer(token="nope")).status_code == 401
    assert send(Signer(token_secret="nope")).status_code == 401
    assert send(None).status_code == 401
    assert send(None, 'OAuth oauth_consumer_key="x"').status_code == 401
    assert send(None, "Basic abc").status_code == 401
    assert send(Signer(stamp=1_000_000)).status_code == 401
    assert (
        get(url, {"Authorization": "Bearer wrong"}, timeframe=60, agentIds="all", v=1).status_code
        == 401
    )


def test_bearer_is_a_knob(app, url) -> None:
    ask = {"timeframe": 60, "agentIds": "all", "v": 1}
    assert get(url, **ask).status_code == 200
    requests.post(url + "/__sandbox__/knobs", json={"accept_bearer": False}, timeout=10)
    assert get(url, **ask).status_code == 401
    prepared = Signer()(requests.Request("GET", url + PATH, params=ask).prepare())
    assert requests.Session().send(prepared, timeout=10).status_code == 200
    no_bearer = lp.build(bearer_token=None)
    with serve(no_bearer) as other:
        assert get(other, **ask).status_code == 401


def test_replayed_nonce_is_refused(app, url) -> None:
    sign = Signer(stamp=1_763_600_000)
    app.timestamp_skew = 10**10
    prepared = sign(
        requests.Request("GET", url + PATH + "?timeframe=60&agentIds=all&v=1").prepare()
    )
    assert requests.Session().send(prepared.copy(), timeout=10).status_code == 200
    assert requests.Session().send(prepared.copy(), timeout=10).status_code == 401


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
    every = requests.get(url + "/api/account/12345678/service/baseURI.json?version=1.0", timeout=10)
    assert {
        "service": "leDataReporting",
        "account": "12345678",
        "baseURI": url.split("://")[1],
    } in (every.json()["baseURIs"])
    for path, status in (
        ("/api/account/12345678/service/leDataReporting/baseURI.json", 400),
        ("/api/account/12345678/service/ledatareporting/baseURI.json?version=1.0", 400),
        ("/api/account/999/service/leDataReporting/baseURI.json?version=1.0", 401),
    ):
        assert requests.get(url + path, timeout=10).status_code == status, path


def test_now_can_be_pinned_over_http(app, url) -> None:
    requests.post(url + "/__sandbox__/now", json={"now": "2026-11-20T08:07:00+00:00"}, timeout=10)
    body = get(url, timeframe=10, interval=5, agentIds="all", v=1).json()
    assert body["metricsByIntervals"][0]["timestamp"] == ms("2026-11-20T08:10")


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
