"""The three Lexer CSV exports end to end against the sandbox: the job flow, the file,
keys, state, and every documented or likely failure."""

from __future__ import annotations

import datetime as dt
import itertools
import typing as t

import jsonschema
import pytest
from singer_sdk.exceptions import ConfigValidationError

from sandbox import lexer_data as data
from sandbox.core import HTTPError
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.lexer_exports import ExportService, expected_rows, header
from tap_lexer_activity.csvfile import normalise
from tap_lexer_activity.tap import TapLexerActivity
from tapkit import TapError, WindowPolicy, plan_windows
from tapkit.testing import SyncResult, run_sync
from tapkit.windows import add_days, get_zone, local_midnight

EXPORTS = ["mention_sla_export", "case_details", "nps_submissions"]
SYD = get_zone("Australia/Sydney")


def windows(start: str, end: str, days: int) -> list[tuple[dt.datetime, dt.datetime]]:
    first = local_midnight(dt.date.fromisoformat(start), SYD)
    stop = add_days(local_midnight(dt.date.fromisoformat(end), SYD), 1)
    return [(w.start, w.end) for w in plan_windows(first, stop, WindowPolicy(max_days=days))]


def truth(
    app: LexerApp, kind: str, spans: t.Iterable[tuple[dt.datetime, dt.datetime]]
) -> list[list[str]]:
    body = {"form": 55, "nps_category": "all"} if kind == "nps_submissions" else {}
    return [row for s, e in spans for row in expected_rows(app, kind, s, e, **body)]


def sync(config: dict[str, t.Any], streams: list[str] | None = None, **kwargs: t.Any) -> SyncResult:
    return run_sync(TapLexerActivity, config, streams=streams or EXPORTS, **kwargs)


def bookmark(state: dict[str, t.Any] | None, stream: str) -> str | None:
    marks = (state or {}).get("bookmarks", {}).get(stream, {})
    if "partitions" in marks:
        marks = marks["partitions"][0]
    return marks.get("replication_key_value")


# -- the happy path ---------------------------------------------------------------------


def test_each_export_lands_every_row_and_column_with_valid_unique_keys(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    result = sync(config)
    spans = windows("2026-10-01", "2026-10-05", 2)
    assert [(s.isoformat(), e.isoformat()) for s, e in spans] == [
        ("2026-10-01T00:00:00+10:00", "2026-10-03T00:00:00+10:00"),
        ("2026-10-03T00:00:00+10:00", "2026-10-05T00:00:00+11:00"),  # across the DST change
        ("2026-10-05T00:00:00+11:00", "2026-10-06T00:00:00+11:00"),
    ]
    assert app.stats["export_jobs"] == 9  # 3 windows x 3 streams (one NPS form)
    for stream in EXPORTS:
        schema_msg = result.schemas[stream]
        validator = jsonschema.Draft7Validator(
            schema_msg["schema"], format_checker=jsonschema.FormatChecker()
        )
        records = result.records[stream]
        expected = truth(app, stream, spans)
        assert len(records) == len(expected) > 20, stream
        keys = set()
        for record in records:
            errors = list(validator.iter_errors(record))
            assert not errors, f"{stream}: {errors[0].message}"
            key = tuple(record[k] for k in schema_msg["key_properties"])
            assert None not in key
            keys.add(key)
            # Every column of the file is in extra_columns, under its header as written.
            assert list(record["extra_columns"]) == header(stream)
        assert len(keys) == len(records), f"{stream}: duplicate keys"
        # No column of the file is declared: the docs document none. (NPS's form_id and
        # nps_category are the tap's: the requested form and category.)
        declared = set(schema_msg["schema"]["properties"]) - {"form_id", "nps_category"}
        assert not declared & {normalise(c) for c in header(stream)}
    mentions = {r["row_key"]: r["extra_columns"] for r in result.records["mention_sla_export"]}
    assert {r["row_key_column"] for r in result.records["mention_sla_export"]} == {"Mention ID"}
    expected_m = {row[0]: row for row in truth(app, "mention_sla_export", spans)}
    assert set(mentions) == set(expected_m)
    for mid, row in expected_m.items():
        # commas, quotes, CRLF and LF inside quotes survive
        assert list(mentions[mid].values()) == row
    notes = [m["Notes"] for m in mentions.values()]
    assert any("\n" in n for n in notes)
    assert any("," in n and '"' in n for n in notes)
    cases = {r["row_key"] for r in result.records["case_details"]}
    assert cases == {row[0] for row in truth(app, "case_details", spans)}
    # NPS: one row per answered submission = the nps_summary report's total_received.
    nps = result.records["nps_submissions"]
    for start, end in spans:
        subs = data.submissions(7, start.timestamp(), end.timestamp(), 55)
        mine = [r for r in nps if r["window_start"] == start.astimezone(dt.UTC).isoformat()]
        assert len(mine) == data.nps_summary(subs)["total_received"]
    assert {r["form_id"] for r in nps} == {55}
    # The simulator's default header set has an id column for every file (an assumed
    # name: the docs name no column); the tap detects it.
    assert {r["row_key_column"] for r in nps} == {"Submission ID"}
    assert all(r["row_key"] == r["extra_columns"]["Submission ID"] for r in nps)
    # The bookmark is the start of the last window, in UTC.
    assert bookmark(result.final_state, "case_details") == "2026-10-04T13:00:00+00:00"


def test_job_requests_cover_each_local_day_exactly_once(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {
        **config,
        "export_window_days": 3,
        "start_date": "2026-10-01",
        "end_date": "2026-10-07",
    }
    sync(config, ["case_details"])
    jobs = sorted(exports.jobs.values(), key=lambda j: j.start)
    # date_to is the next local midnight; the simulator's default reading of date_to is
    # inclusive (to the end of its second), so each job reaches 1 s into the next one:
    # no instant is missed under either reading, and keys make the overlap an upsert.
    assert [(j.stop - j.start - 1) / 3600 for j in jobs] == [72, 71, 24]  # DST day: 23 h
    assert all(a.stop == b.start + 1 for a, b in itertools.pairwise(jobs))
    assert jobs[0].start == local_midnight(dt.date(2026, 10, 1), SYD).timestamp()


# -- the job: pending, failed, timeout, unknown status ---------------------------------


def test_pending_jobs_are_polled_until_complete_within_the_shared_budget(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.pending_polls = 3
    # The server allows 5 requests per 0.3 s; the tap budgets 5 per 0.35 s (a margin for
    # latency jitter). Unless every poll is budgeted, 30 requests would draw 429s.
    app.limit.max_requests, app.limit.window_seconds = 5, 0.3  # type: ignore[union-attr]
    config = {**config, "rate_limit_max_requests": 5, "rate_limit_window_seconds": 0.35}
    result = sync(config, ["mention_sla_export", "case_details"])
    assert app.stats["export_jobs"] == 6
    assert app.stats["export_polls"] == 6 * 4  # 3 x pending, then complete
    assert app.stats["429"] == 0
    assert all(j.polls == 4 for j in exports.jobs.values())
    assert len(result.records["case_details"]) == len(
        truth(app, "case_details", windows("2026-10-01", "2026-10-05", 2))
    )


def test_a_failed_job_stops_the_run_naming_its_token(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.fail_rate = 1.0
    result = sync(config, ["case_details"], raise_errors=False)
    assert isinstance(result.error, TapError)
    (token,) = exports.jobs
    message = str(result.error)
    assert token in message and "failed" in message and "case_details" in message
    assert "2026-10-01..2026-10-03" in message
    assert not result.records["case_details"]
    assert bookmark(result.final_state, "case_details") is None


def test_a_job_pending_past_the_timeout_is_a_clear_error(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.pending_polls = 10**9
    config = {**config, "export_timeout_seconds": 0.15, "export_poll_interval_seconds": 0.02}
    result = sync(config, ["mention_sla_export"], raise_errors=False)
    assert isinstance(result.error, TapError)
    (token,) = exports.jobs
    message = str(result.error)
    assert token in message and "export_timeout_seconds" in message and "pending" in message
    # Polls backed off (0.02, 0.03, 0.045, ...) rather than hammering the status endpoint.
    assert 2 <= exports.jobs[token].polls <= 5


def test_an_unknown_status_is_a_clear_error_naming_the_token(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    app.faults.add(
        "status",
        status=200,
        path="/reports/status",
        body={"status": "exploded", "url": None, "token": "000001"},
    )
    result = sync(config, ["mention_sla_export"], raise_errors=False)
    assert isinstance(result.error, TapError)
    (token,) = exports.jobs
    assert token in str(result.error) and "'exploded'" in str(result.error)


def test_status_errors_name_the_exports_url_setting_and_hide_the_token(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {**config, "exports_api_url": config["exports_api_url"] + "/wrong"}
    result = sync(config, ["mention_sla_export"], raise_errors=False)
    message = str(result.error)
    assert "404" in message and "`exports_api_url`" in message
    assert DEFAULT_TOKEN not in message


# -- the file ---------------------------------------------------------------------------


def test_the_download_never_carries_the_api_token(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    sync(config)
    assert app.stats["export_downloads"] == 9
    assert app.stats["export_download_with_credential"] == 0
    for headers in exports.download_headers:
        assert "auth-api-token" not in headers and "authorization" not in headers
        assert all(DEFAULT_TOKEN not in value for value in headers.values())


def test_the_download_host_refuses_the_token_so_sending_it_would_fail(
    app: LexerApp, exports: ExportService, base_url: str
) -> None:
    import requests

    auth = {"Auth-Api-Token": DEFAULT_TOKEN}
    job = requests.post(
        f"{base_url}/v1/activity/reports",
        json={
            "type": "case_details",
            "date_from": "2026-10-01T00:00:00Z",
            "date_to": "2026-10-01T23:59:59Z",
        },
        headers=auth,
        timeout=5,
    ).json()
    status_url = f"{base_url}/api/public/v1/activity/reports/status"
    for _ in range(3):
        status = requests.get(
            status_url, params={"token": job["token"]}, headers=auth, timeout=5
        ).json()
    assert status["status"] == "complete"
    assert requests.get(status["url"], headers=auth, timeout=5).status_code == 403
    assert requests.get(status["url"] + "x", timeout=5).status_code == 403  # bad signature
    assert requests.get(status["url"], timeout=5).status_code == 200


def test_an_expired_file_link_is_a_clear_error(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    app.faults.add("status", status=403, path="^/storage/", body={"error": "Request has expired"})
    result = sync(config, ["case_details"], raise_errors=False)
    assert isinstance(result.error, TapError)
    (token,) = exports.jobs
    message = str(result.error)
    assert token in message and "403" in message and "expired" in message
    assert "signature" not in message  # the URL's query string is not repeated
    assert DEFAULT_TOKEN not in message


def test_an_empty_file_header_only_gives_no_rows_and_a_clean_run(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.scale = 0
    result = sync(config)
    assert result.error is None
    assert app.stats["export_downloads"] == 9
    assert not any(result.records.get(s) for s in EXPORTS)
    assert result.final_state is not None


def test_a_file_without_bom_reads_the_same(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    with_bom = sync(config, ["case_details"]).records["case_details"]
    exports.bom = False
    without = sync(config, ["case_details"]).records["case_details"]
    strip = ("export_token",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in with_bom] == [
        {k: v for k, v in r.items() if k not in strip} for r in without
    ]


def test_a_header_that_changed_since_the_last_run_loses_no_column(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    first = sync(config, ["mention_sla_export"])
    exports.header_variant = "v3"  # "Notes" renamed "Notes (text)", "Language" added
    second = sync({**config, "lookback_days": 1}, ["mention_sla_export"], state=first.final_state)
    assert second.error is None
    rows = second.records["mention_sla_export"]
    assert rows
    expected = {
        r[0]: r for r in truth(app, "mention_sla_export", windows("2026-10-03", "2026-10-05", 2))
    }
    for row in rows:
        assert "Notes" not in row["extra_columns"]
        notes = header("mention_sla_export").index("Notes")
        assert row["extra_columns"]["Notes (text)"] == expected[row["row_key"]][notes]
        assert row["extra_columns"]["Language"] == "en"
    # The natural key is unchanged, so the re-fetched rows upsert the first run's.
    assert {r["row_key"] for r in rows} <= {
        r["row_key"] for r in first.records["mention_sla_export"]
    }


def test_a_dropped_download_is_retried_without_duplicates_or_gaps(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.drop_after_rows, exports.drop_downloads = 30, 2
    result = sync(config, ["mention_sla_export"])
    rows = result.records["mention_sla_export"]
    expected = truth(app, "mention_sla_export", windows("2026-10-01", "2026-10-05", 2))
    assert [r["row_key"] for r in rows] == [row[0] for row in expected]
    assert app.stats["export_downloads"] == 3 + 2
    assert app.stats["export_jobs"] == 3


# -- keys -------------------------------------------------------------------------------


def test_hash_keys_are_stable_across_runs_and_keep_identical_rows_apart(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    exports.scale = 2  # every NPS row appears twice: identical rows
    exports.header_set = "no_id"  # and no id column
    first = sync(config, ["nps_submissions"]).records["nps_submissions"]
    second = sync(config, ["nps_submissions"]).records["nps_submissions"]
    keys = [r["row_key"] for r in first]
    expected = truth(app, "nps_submissions", windows("2026-10-01", "2026-10-05", 2))
    assert len(set(keys)) == len(keys) == len(expected) > 20
    assert sum(k.endswith(":2") for k in keys) == len(keys) // 2
    assert keys == [r["row_key"] for r in second]
    assert {r["export_token"] for r in first}.isdisjoint({r["export_token"] for r in second})


def test_a_column_added_by_the_vendor_lands_and_re_keys_only_hash_keyed_rows(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    streams = ["nps_submissions", "case_details"]
    config = {**config, "export_id_columns": {"nps_submissions": ""}}  # NPS: content keys
    before = sync(config, streams).records
    exports.header_variant = "v2"  # "Language" added
    after = sync(config, streams).records
    assert all(r["extra_columns"]["Language"] == "en" for r in after["nps_submissions"])
    # Keyed by an id column: the same keys, so the rows upsert.
    assert [r["row_key"] for r in after["case_details"]] == [
        r["row_key"] for r in before["case_details"]
    ]
    # Keyed by content (no id column): the content changed, so do the keys (documented;
    # export_id_columns is the cure).
    assert {r["row_key"] for r in after["nps_submissions"]}.isdisjoint(
        {r["row_key"] for r in before["nps_submissions"]}
    )


# -- state ------------------------------------------------------------------------------


def test_resume_after_an_interruption_between_windows_loses_nothing(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {**config, "export_window_days": 1}
    start_job = exports.start
    calls = {"n": 0}

    def third_job_refused(req: t.Any, body: dict[str, t.Any]) -> t.Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise HTTPError(400, {"error": "Invalid report - injected"})
        return start_job(req, body)

    app.export_handler = third_job_refused
    broken = sync(config, ["case_details"], raise_errors=False)
    assert broken.error is not None
    assert bookmark(broken.final_state, "case_details") == "2026-10-01T14:00:00+00:00"  # day 2
    app.export_handler = start_job
    resumed = sync(config, ["case_details"], state=broken.final_state)
    first_windows = {r["window_date"] for r in broken.records["case_details"]}
    second_windows = {r["window_date"] for r in resumed.records["case_details"]}
    assert first_windows == {"2026-10-01", "2026-10-02"}
    # The last finished window is fetched again (its keys upsert), then the rest.
    assert second_windows == {"2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05"}
    got = {r["row_key"] for r in broken.records["case_details"] + resumed.records["case_details"]}
    assert got == {
        row[0] for row in truth(app, "case_details", windows("2026-10-01", "2026-10-05", 1))
    }


def test_a_window_cut_mid_file_is_not_bookmarked_and_is_fetched_again(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {**config, "export_window_days": 1, "max_retries": 1}
    first_ok = sync(config, ["mention_sla_export"], raise_errors=False)
    total = len(first_ok.records["mention_sla_export"])
    exports.drop_after_rows, exports.drop_downloads = 10, 10**6
    # Let day 1 through whole, then every download is cut after 10 rows.
    original = exports.download
    served = {"n": 0}

    def download(req: t.Any, token: str) -> t.Any:
        served["n"] += 1
        if served["n"] == 1:
            saved = exports.drop_downloads
            exports.drop_downloads = 0
            try:
                return original(req, token)
            finally:
                exports.drop_downloads = saved
        return original(req, token)

    app.routes = [(m, p, download if h == original else h) for m, p, h in app.routes]
    broken = sync(config, ["mention_sla_export"], raise_errors=False)
    assert isinstance(broken.error, TapError) and "max_retries" in str(broken.error)
    # Day 2 was cut: the bookmark never passes its start, so a resume fetches it again.
    assert bookmark(broken.final_state, "mention_sla_export") in (
        "2026-09-30T14:00:00+00:00",
        "2026-10-01T14:00:00+00:00",
    )
    assert {r["window_date"] for r in broken.records["mention_sla_export"]} == {
        "2026-10-01",
        "2026-10-02",
    }
    app.routes = [(m, p, original if h == download else h) for m, p, h in app.routes]
    exports.drop_downloads = 0
    resumed = sync(config, ["mention_sla_export"], state=broken.final_state)
    keys = {
        r["row_key"]
        for r in broken.records["mention_sla_export"] + resumed.records["mention_sla_export"]
    }
    assert len(keys) == total


def test_a_second_run_fetches_only_the_last_window_and_the_lookback(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {**config, "export_window_days": 1, "lookback_days": 1}
    first = sync(config, ["case_details"])
    jobs_before = len(exports.jobs)
    second = sync(config, ["case_details"], state=first.final_state)
    assert len(exports.jobs) - jobs_before == 2
    assert {r["window_date"] for r in second.records["case_details"]} <= {
        "2026-10-04",
        "2026-10-05",
    }
    assert bookmark(second.final_state, "case_details") == bookmark(
        first.final_state, "case_details"
    )


def test_a_bookmark_in_the_future_yields_no_rows_and_a_valid_state(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    del config["end_date"]
    state = {
        "bookmarks": {
            "case_details": {
                "replication_key": "window_start",
                "replication_key_value": "2099-01-01T00:00:00+00:00",
            }
        }
    }
    result = sync(config, ["case_details"], state=state)
    assert not result.records.get("case_details")
    assert not exports.jobs
    assert bookmark(result.final_state, "case_details") == "2099-01-01T00:00:00+00:00"


# -- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("export_window_days", 400),
        ("export_window_days", 0),
        ("export_poll_interval_seconds", 0),
        ("export_timeout_seconds", -1),
    ],
)
def test_bad_export_settings_are_one_clear_error_naming_the_setting(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any], setting: str, value: t.Any
) -> None:
    # Checked with the other settings, before any stream (or export job) starts.
    with pytest.raises(ConfigValidationError) as info:
        sync({**config, setting: value}, ["case_details"])
    assert any(error.startswith(f"{setting}:") for error in info.value.errors)
    assert DEFAULT_TOKEN not in " ".join(info.value.errors)
    assert not exports.jobs


def test_a_window_of_365_days_stays_under_the_12_month_cap(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any]
) -> None:
    config = {
        **config,
        "export_window_days": 365,
        "start_date": "2024-02-29",
        "end_date": "2026-10-05",
    }
    exports.scale = 0  # only the job plan matters here
    result = sync(config, ["case_details"])
    assert result.error is None
    assert len(exports.jobs) == 3
