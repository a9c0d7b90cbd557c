"""The Lexer simulator against the vendor docs' text: samples, knobs, revisions, truth."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pathlib
import re
import typing as t
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from sandbox import lexer_data as data
from sandbox import lexer_samples as samples
from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.lexer_exports import HEADER_SETS, export_rows, exports_of, header

NOW = dt.datetime(2026, 10, 6, 12, 0, tzinfo=dt.UTC)
DOCS = pathlib.Path("/work/shared/api-docs/lexer-activity-api-v1-2022.txt")
ALL_REPORTS = sorted(data.AGGREGATE_TYPES | data.SERIES_TYPES)


@pytest.fixture
def app() -> LexerApp:
    app = LexerApp(rate_limit_max=10_000, rate_limit_window=1.0)
    app.set_now(NOW)
    return app


@pytest.fixture
def url(app: LexerApp) -> Iterator[str]:
    with serve(app) as base:
        yield base


def call(
    url: str, path: str, body: t.Any = None, *, token: str | None = DEFAULT_TOKEN
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Auth-Api-Token"] = token
    payload = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310 - the local simulator
        url + path, payload, headers, method="POST" if payload else "GET"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def report(url: str, body: dict[str, t.Any]) -> t.Any:
    status, raw = call(url, "/v1/activity/reports", body)
    assert status == 200, raw
    return json.loads(raw)


def body(kind: str, start: str, end: str, **extra: t.Any) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {"type": kind, "date_from": start, "date_to": end}
    if kind in data.NPS_TYPES:
        out.update({"form": 55, "nps_category": "all"})
    out.update(extra)
    return out


# -- the docs' samples ----------------------------------------------------------------------


@pytest.mark.skipif(not DOCS.exists(), reason="the vendor docs are not on this machine")
def test_samples_are_the_docs_text_verbatim() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for key, sample in samples.REPORT_SAMPLES.items():
        kind = key.removesuffix("_per_agent")
        assert f"Type: {kind}\n\n{sample}\nProperty" in text, key
    for name, sample in samples.LIST_SAMPLES.items():
        assert f"Endpoint: https://api.lexer.io/v1/{name}\n\n{sample}\nProperty" in text
    for kind in samples.REPORT_SAMPLES:
        if kind.endswith("_per_agent"):
            continue
        curl = re.search(r"-d ' (\{ \"type\": \"" + kind + r"\".*?\})'", text)
        assert curl is not None, kind
        assert json.loads(curl.group(1)) == samples.sample_request(kind)


@pytest.mark.parametrize("kind", sorted(samples.REPORT_SAMPLES))
def test_docs_request_gets_the_docs_sample_byte_for_byte(
    app: LexerApp, url: str, kind: str
) -> None:
    shape = "per_agent" if kind == "user_volume_per_agent" else "per_state"
    app.set_knobs(user_volume_shape=shape)
    request = samples.sample_request(kind.removesuffix("_per_agent"))
    status, raw = call(url, "/v1/activity/reports", request)
    assert status == 200
    assert raw == samples.REPORT_SAMPLES[kind].encode()
    assert app.truth(request) == json.loads(raw)


def test_doc_samples_knob(app: LexerApp, url: str) -> None:
    request = samples.sample_request("summary")
    app.set_knobs(doc_samples="off")
    assert report(url, request) != json.loads(samples.REPORT_SAMPLES["summary"])
    app.set_knobs(doc_samples="always")
    other = body("case_summary", "2026-10-01T00:00:00+10:00", "2026-10-01T23:59:59+10:00")
    assert report(url, other) == json.loads(samples.REPORT_SAMPLES["case_summary"])
    status, raw = call(url, "/v1/users")
    assert status == 200
    assert json.loads(raw) == [samples.USERS_SAMPLE_JSON]


# -- knobs: readings of the docs ------------------------------------------------------------


def test_nps_volume_labels_follow_the_docs_sample(app: LexerApp, url: str) -> None:
    # The docs: from 2018-04-01T00:00:00+11:00 the first "date" is 2018-04-01T13:00:00+00:00.
    request = body("nps_volume", "2018-04-01T00:00:00+11:00", "2018-04-07T23:59:59+11:00")
    got = report(url, request)
    assert [r["date"] for r in got] == [f"2018-04-0{d}T13:00:00+00:00" for d in range(1, 8)]
    assert got[0]["timestamp"] == 1522587600
    first_day = data.submissions(
        7,
        dt.datetime(2018, 3, 31, 13, tzinfo=dt.UTC).timestamp(),
        dt.datetime(2018, 4, 1, 13, tzinfo=dt.UTC).timestamp(),
        55,
    )
    assert got[0]["data"] == data.nps_summary(first_day)
    app.set_knobs(nps_label="start")
    started = report(url, request)
    assert started[0]["date"] == "2018-03-31T13:00:00+00:00"
    assert [r["data"] for r in started] == [r["data"] for r in got]


def test_buckets_keep_the_request_offset_across_dst(url: str) -> None:
    # Sydney moves from +10:00 to +11:00 on 2026-10-04: buckets stay in +10:00, 24 h each.
    got = report(url, body("case_volume", "2026-10-01T00:00:00+10:00", "2026-10-05T23:59:59+10:00"))
    labels = [r["date_range"]["date_from"] for r in got["open"]]
    assert labels == [f"2026-10-0{d} 00:00" for d in range(1, 6)]
    nps = report(url, body("nps_volume", "2026-10-01T00:00:00+10:00", "2026-10-05T23:59:59+10:00"))
    assert {r["date"][11:] for r in nps} == {"14:00:00+00:00"}


def test_bucket_offset_utc(app: LexerApp, url: str) -> None:
    request = body("case_volume", "2026-10-01T00:00:00+10:00", "2026-10-02T23:59:59+10:00")
    app.set_knobs(bucket_offset="utc")
    labels = [r["date_range"]["date_from"] for r in report(url, request)["open"]]
    assert labels == ["2026-09-30 00:00", "2026-10-01 00:00", "2026-10-02 00:00"]


def test_case_classifications_of(app: LexerApp, url: str) -> None:
    request = body("case_classifications", "2026-09-01T00:00:00+00:00", "2026-09-01T23:59:59+00:00")
    closed = report(url, request)
    app.set_knobs(case_classifications_of="opened")
    opened = report(url, request)
    start, stop = (dt.datetime(2026, 9, d, tzinfo=dt.UTC).timestamp() for d in (1, 2))
    assert opened == data.case_classifications(data.cases_actioned(7, start, stop))
    assert closed == data.case_classifications(data.cases_closed(7, start, stop))
    assert opened != closed


def _granularity(got: dict[str, t.Any]) -> str:
    labels = {r["date_range"]["date_from"][11:] for rows in got.values() for r in rows}
    return "hourly" if labels - {"00:00"} else "daily"


@pytest.mark.parametrize(
    ("rule", "kind", "expected"),
    [
        ("elapsed", "states_volume", "hourly"),  # 3.5 days elapsed < 4 days
        ("calendar", "states_volume", "daily"),  # 4 calendar days
        ("elapsed", "response_volume", "daily"),  # 3.5 days > "3 days or less"
        ("calendar", "response_volume", "daily"),
    ],
)
def test_hourly_rule(app: LexerApp, url: str, rule: str, kind: str, expected: str) -> None:
    app.set_knobs(hourly_rule=rule)
    got = report(url, body(kind, "2026-09-01T12:00:00+10:00", "2026-09-04T23:59:59+10:00"))
    assert _granularity(got) == expected


def test_three_days_exactly_is_hourly_for_response_volume_only(app: LexerApp, url: str) -> None:
    three = ("2026-09-01T00:00:00+10:00", "2026-09-03T23:59:59+10:00")
    assert _granularity(report(url, body("response_volume", *three))) == "hourly"
    assert _granularity(report(url, body("states_volume", *three))) == "hourly"
    app.set_knobs(end_bound="exclusive")  # 3 days minus a second: still hourly for both
    assert _granularity(report(url, body("response_volume", *three))) == "hourly"
    four = ("2026-09-01T00:00:00+10:00", "2026-09-04T23:59:59+10:00")
    assert _granularity(report(url, body("states_volume", *four))) == "hourly"  # 4 d - 1 s
    app.set_knobs(end_bound="inclusive")
    assert _granularity(report(url, body("states_volume", *four))) == "daily"


def test_hourly_scope(app: LexerApp, url: str) -> None:
    short = body("case_volume", "2026-09-01T00:00:00+10:00", "2026-09-01T23:59:59+10:00")
    assert len(report(url, short)["open"]) == 1  # "the count of open cases for each day"
    app.set_knobs(hourly_scope="all_series")
    assert len(report(url, short)["open"]) == 24


def test_end_bound(app: LexerApp, url: str) -> None:
    # a message inside the last second of date_to counts only when the bound is inclusive
    msg = next(m for m in data.messages(7, 1.789e9, 1.789e9 + 86400) if m.ts_us % 1_000_000)
    second = dt.datetime.fromtimestamp(int(msg.ts), dt.UTC)
    request = body("summary", "2026-01-01T00:00:00+00:00", second.isoformat())
    inclusive = report(url, request)["total_volume"]
    app.set_knobs(end_bound="exclusive")
    exclusive = report(url, request)["total_volume"]
    assert inclusive == exclusive + sum(
        1 for m in data.messages(7, second.timestamp(), second.timestamp() + 1)
    )
    assert inclusive > exclusive


def test_zeros(app: LexerApp, url: str) -> None:
    request = body("user_volume", "2026-09-01T05:00:00+00:00", "2026-09-01T05:59:59+00:00")
    omitted = report(url, request)
    assert omitted and all(r["volume"] > 0 for r in omitted)
    assert len(omitted) < len(data.STATES)
    app.set_knobs(zeros="include")
    included = report(url, request)
    assert sorted(r["state"] for r in included) == sorted(data.STATES)
    assert [r for r in included if r["volume"]] == omitted


def test_user_volume_shapes_and_private_fraction(app: LexerApp, url: str) -> None:
    request = body("user_volume", "2026-09-01T00:00:00+00:00", "2026-09-01T23:59:59+00:00")
    app.set_knobs(user_volume_shape="per_agent")
    agents = report(url, request)
    keys = json.loads(samples.REPORT_SAMPLES["user_volume_per_agent"])[0]["states"].keys()
    assert all(list(a["states"]) == list(keys) for a in agents)
    assert len(agents) >= 3
    summary = report(url, {**request, "type": "user_summary"})
    app.set_knobs(private_fraction_of="responded_to")
    by_responded = report(url, {**request, "type": "user_summary"})
    for a, b in zip(summary, by_responded, strict=True):
        assert a["fraction_responded_to_in_private"] == pytest.approx(
            a["responded_to_in_private"] / a["mentions_assigned"]
        )
        if b["responded_to"]:
            assert b["fraction_responded_to_in_private"] == pytest.approx(
                b["responded_to_in_private"] / b["responded_to"]
            )


def test_response_volume_unit(app: LexerApp, url: str) -> None:
    request = body("response_volume", "2026-09-01T00:00:00+00:00", "2026-09-10T23:59:59+00:00")
    seconds = report(url, request)["avg_response_time"]
    app.set_knobs(response_volume_unit="minutes")
    minutes = report(url, request)["avg_response_time"]
    assert [r["value"] / 60 for r in seconds] == pytest.approx([r["value"] for r in minutes])


def test_knobs_over_http(app: LexerApp, url: str) -> None:
    status, raw = call(
        url, "/__sandbox__/knobs", {"nps_label": "start", "export_header_set": "no_id"}
    )
    assert status == 200
    assert json.loads(raw)["nps_label"] == "start"
    assert app.knobs.nps_label == "start"
    assert exports_of(app).header_set == "no_id"
    status, _ = call(url, "/__sandbox__/knobs", {"nps_label": "middle"})
    assert status == 400
    status, _ = call(url, "/__sandbox__/knobs", {"no_such_knob": "x"})
    assert status == 400
    assert app.knobs.nps_label == "start"
    with pytest.raises(ValueError, match="zeros"):
        LexerApp(zeros="sometimes")


# -- revisions ------------------------------------------------------------------------------

OLD = ("2026-09-20T00:00:00+00:00", "2026-10-03T23:59:59+00:00")  # before the window
RECENT = ("2026-10-04T00:00:00+00:00", "2026-10-06T11:59:59+00:00")  # Oct 4..6 = the window


def test_revision_changes_recent_days_only(app: LexerApp, url: str) -> None:
    before = {k: report(url, body(k, *OLD)) for k in ALL_REPORTS}
    recent_before = {k: report(url, body(k, *RECENT)) for k in ALL_REPORTS}
    status, raw = call(url, "/__sandbox__/revision", {"revision": 1})
    assert status == 200
    assert json.loads(raw) == {"revision": 1, "anchors": ["2026-10-06"], "volatile_days": 2}
    assert app.revision == 1
    after = {k: report(url, body(k, *OLD)) for k in ALL_REPORTS}
    assert after == before
    recent_after = {k: report(url, body(k, *RECENT)) for k in ALL_REPORTS}
    changed = {k for k in ALL_REPORTS if recent_after[k] != recent_before[k]}
    assert {"summary", "user_volume", "classifications", "case_summary", "nps_summary"} <= changed

    # a state that dropped to zero disappears
    assert "awaiting_approval" in {r["state"] for r in recent_before["user_volume"]}
    assert "awaiting_approval" not in {r["state"] for r in recent_after["user_volume"]}
    assert "awaiting_approval" not in recent_after["states_volume"]
    # a classification that dropped to zero disappears; another is renamed
    assert 1472 in {r["classification_id"] for r in recent_before["classifications"]}
    assert 1472 not in {r["classification_id"] for r in recent_after["classifications"]}
    names = {r["classification_id"]: r["classification"] for r in recent_after["classifications"]}
    assert names[143] == "customer care"
    old_names = {r["classification_id"]: r["classification"] for r in after["classifications"]}
    assert old_names[143] == "customer service"
    # the agent who left drops out of per-agent answers and is archived
    assert "106" in {r["user_id"] for r in recent_before["user_summary"]}
    assert "106" not in {r["user_id"] for r in recent_after["user_summary"]}
    assert "106" in {r["user_id"] for r in after["user_summary"]}
    users = json.loads(call(url, "/v1/users")[1])
    assert [u["id"] for u in users if u["archived"]] == [106]
    # surveys answered late
    assert (
        recent_after["nps_summary"]["total_received"]
        > recent_before["nps_summary"]["total_received"]
    )


def test_revisions_accumulate_and_cases_close_late(app: LexerApp, url: str) -> None:
    window = body("case_details", *RECENT)
    first = export_rows("case_details", window, app.world())[1]
    app.set_revision(1)
    second = export_rows("case_details", window, app.world())[1]
    app.set_revision(2)
    third = export_rows("case_details", window, app.world())[1]
    assert [r[0] for r in first] == [r[0] for r in second] == [r[0] for r in third]
    # same case ids, other values: a later Closed At, one more agent interaction
    moved = [(a, b) for a, b in zip(first, third, strict=True) if a != b]
    assert moved
    col = header("case_details").index
    assert any(b[col("Closed At")] > a[col("Closed At")] and a[col("Closed At")] for a, b in moved)
    assert any(
        int(b[col("Agent Interactions")]) > int(a[col("Agent Interactions")]) for a, b in moved
    )
    statuses = {r[col("Status")] for r in third}
    assert "closed" in statuses and ({"open", "reopened"} & statuses)
    # revision 2 differs from 1 (steps accumulate), and going back gives revision 1 again
    assert second != third
    app.set_revision(1)
    assert export_rows("case_details", window, app.world())[1] == second


def test_steps_run_on_their_own_day(app: LexerApp) -> None:
    app.set_revision(1)
    app.set_now(NOW + dt.timedelta(days=5))
    app.set_revision(2)
    assert app.anchors == [NOW.date().toordinal(), (NOW + dt.timedelta(days=5)).date().toordinal()]
    old = body("summary", "2026-10-04T00:00:00+00:00", "2026-10-04T23:59:59+00:00")
    # Oct 4 was changed by step 1 only: step 2 (window Oct 9..11) leaves it as it was
    at_one = data.truth(old, now=NOW, revision=1)
    assert app.truth(old) == at_one
    assert at_one != data.truth(old, now=NOW, revision=0)


# -- truth vs HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "knobs",
    [
        {},
        {"zeros": "include", "nps_label": "start", "hourly_rule": "calendar"},
        {"end_bound": "exclusive", "bucket_offset": "utc", "user_volume_shape": "per_agent"},
        {"hourly_scope": "all_series", "private_fraction_of": "responded_to"},
        {"response_volume_unit": "minutes", "case_classifications_of": "opened"},
    ],
)
def test_truth_equals_http(app: LexerApp, url: str, knobs: dict[str, str]) -> None:
    app.set_knobs(**knobs)
    app.set_revision(2)
    ranges = [
        ("2026-10-01T00:00:00+10:00", "2026-10-06T23:59:59+10:00"),
        ("2026-10-05T00:00:00+11:00", "2026-10-06T23:59:59+11:00"),
        ("2026-09-30T13:00:00+00:00", "2026-10-02T12:59:59+00:00"),
    ]
    for start, end in ranges:
        for kind in ALL_REPORTS:
            request = body(kind, start, end)
            expected = data.truth(request, now=NOW, revision=2, knobs=knobs)
            assert report(url, request) == expected, (kind, start)


def test_data_varies_on_every_key(app: LexerApp) -> None:
    day = body("user_summary", "2026-09-01T00:00:00+00:00", "2026-09-01T23:59:59+00:00")
    assert len(app.truth(day)) >= 4
    states = app.truth({**day, "type": "user_volume"})
    assert len(states) >= 5
    tags = app.truth({**day, "type": "classifications"})
    assert len({r["classification_id"] for r in tags}) >= 5
    for form in data.NPS_FORM_IDS:
        assert app.truth({**day, "type": "nps_summary", "form": form, "nps_category": "all"})[
            "total_sent"
        ]


# -- errors ---------------------------------------------------------------------------------


def test_documented_errors(url: str) -> None:
    ok = body("summary", "2026-09-01T00:00:00+00:00", "2026-09-01T23:59:59+00:00")
    assert call(url, "/v1/activity/reports", ok, token=None)[0] == 401
    assert call(url, "/v1/activity/reports", ok, token="wrong")[0] == 401
    status, raw = call(url, "/v1/activity/reports", {**ok, "type": "nope"})
    assert (status, json.loads(raw)["error"]) == (400, "Invalid report - invalid type")
    future = {**ok, "date_from": "2026-10-07T00:00:00+00:00", "date_to": "2026-10-08T00:00:00Z"}
    status, raw = call(url, "/v1/activity/reports", future)
    assert (status, json.loads(raw)["error"]) == (
        400,
        "Invalid report - starting date is a future date",
    )
    long = {**ok, "date_from": "2025-01-01T00:00:00+00:00", "date_to": "2026-02-01T00:00:00Z"}
    status, raw = call(url, "/v1/activity/reports", long)
    assert (status, json.loads(raw)["error"]) == (400, "Invalid report - date range is too long")


# -- exports --------------------------------------------------------------------------------


def _export(url: str, request: dict[str, t.Any]) -> tuple[bytes, str]:
    job = report(url, request)
    assert list(job) == ["status", "url", "token"]
    assert job["status"] == "pending" and job["url"] is None
    for _ in range(10):
        _, raw = call(url, f"/api/public/v1/activity/reports/status?token={job['token']}")
        answer = json.loads(raw)
        if answer["status"] == "complete":
            with urllib.request.urlopen(answer["url"], timeout=10) as resp:  # noqa: S310
                return resp.read(), resp.headers.get("Content-Disposition", "")
    raise AssertionError("export never completed")


@pytest.mark.parametrize("header_set", HEADER_SETS)
def test_export_header_sets_and_truth(app: LexerApp, url: str, header_set: str) -> None:
    app.set_knobs(export_header_set=header_set)
    app.set_revision(1)
    for kind in sorted(data.EXPORT_TYPES):
        request = body(kind, "2026-10-04T00:00:00+10:00", "2026-10-05T23:59:59+10:00")
        raw, disposition = _export(url, request)
        assert disposition == ""
        parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        head, rows = export_rows(kind, request, app.world(), header_set=header_set)
        assert parsed[0] == head
        assert parsed[1:] == rows
        assert rows
        id_columns = [c for c in head if c.endswith(" ID") and c != "Agent ID" and c != "Form ID"]
        if header_set in ("with_id", "other_id"):
            assert len(id_columns) == 1
            ids = [r[0] for r in rows]
            assert len(set(ids)) == len(ids)
        else:
            assert id_columns == []
    assert header("case_details", header_set="with_id")[0] == "Case ID"
    assert header("case_details", header_set="other_id")[0] == "Conversation ID"
    assert header("mention_sla_export", header_set="documented") == [
        "Agent Response Time",
        "Customer Wait Time",
        "Notes",
    ]


def test_export_rows_have_fractional_timestamps(app: LexerApp) -> None:
    request = body("mention_sla_export", "2026-09-01T00:00:00+00:00", "2026-09-01T23:59:59+00:00")
    head, rows = export_rows("mention_sla_export", request, app.world())
    stamps = [r[head.index("Created At")] for r in rows]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", s) for s in stamps)
    assert any(not s.endswith(".000000Z") for s in stamps)


def test_export_snapshots_the_revision_it_started_at(app: LexerApp, url: str) -> None:
    request = body("case_details", *RECENT)
    job = report(url, request)
    before = export_rows("case_details", request, app.world())
    app.set_revision(1)
    for _ in range(3):
        answer = json.loads(
            call(url, f"/api/public/v1/activity/reports/status?token={job['token']}")[1]
        )
    with urllib.request.urlopen(answer["url"], timeout=10) as resp:  # noqa: S310
        parsed = list(csv.reader(io.StringIO(resp.read().decode("utf-8-sig"), newline="")))
    assert parsed == [before[0], *before[1]]
    assert before != export_rows("case_details", request, app.world())
