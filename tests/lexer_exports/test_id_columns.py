"""Which column keys an export's rows: named by ``export_id_columns``, detected from the
header, or absent (content hash, one WARNING). Against a fake built from the docs alone:
the docs show no column of any file, so every file here has headers of our choosing."""

from __future__ import annotations

import csv
import io
import logging
import typing as t
from collections.abc import Iterator

import pytest

from tap_lexer_activity.tap import TapLexerActivity
from tapkit import TapError
from tapkit.testing import SyncResult, run_sync
from tests.lexer_exports.fakes import TOKEN, FakeLexer, serve

EXPORTS = ["mention_sla_export", "case_details", "nps_submissions"]
TAP_COLUMNS = {
    "row_key",
    "row_key_column",
    "window_start",
    "window_end",
    "window_date",
    "timezone",
    "row_number",
    "export_token",
    "extra_columns",
}


@pytest.fixture
def fake() -> FakeLexer:
    return FakeLexer()


@pytest.fixture
def config(fake: FakeLexer) -> Iterator[dict[str, t.Any]]:
    with serve(fake) as base:
        yield {
            "api_token": TOKEN,
            "api_url": f"{base}/v1",
            "exports_api_url": f"{base}/api/public/v1",
            "start_date": "2026-10-01",
            "end_date": "2026-10-04",
            "timezone": "UTC",
            "nps_form_ids": [55],
            "lookback_days": 0,
            "rate_limit_max_requests": 100,
            "rate_limit_window_seconds": 1.0,
            "backoff_base_seconds": 0.01,
            "max_retries": 1,
            "export_window_days": 2,  # two windows, so two files per stream and run
            "export_poll_interval_seconds": 0.005,
            "export_timeout_seconds": 10,
        }


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def sync(config: dict[str, t.Any], stream: str, **kwargs: t.Any) -> SyncResult:
    return run_sync(TapLexerActivity, config, streams=[stream], **kwargs)


def upsert(
    table: dict[tuple[t.Any, ...], dict[str, t.Any]], result: SyncResult, stream: str
) -> None:
    """What a target does with the run's records: upsert on the key properties."""
    keys = result.schemas[stream]["key_properties"]
    for record in result.records[stream]:
        table[tuple(record[k] for k in keys)] = record


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


CASES_V1 = [
    ["Ticket Ref", "Status", "Opened"],
    ["T-1", "open", "2026-10-01"],
    ["T-2", "closed", "2026-10-02"],
]
CASES_V2 = [
    ["Ticket Ref", "Status", "Opened"],
    ["T-1", "closed", "2026-10-01"],
    ["T-2", "closed", "2026-10-02"],
]


# -- no invented columns ----------------------------------------------------------------


def test_schemas_declare_no_file_column_and_every_file_column_lands_as_written(
    fake: FakeLexer, config: dict[str, t.Any]
) -> None:
    tap = TapLexerActivity(config=config, validate_config=False)
    for stream in EXPORTS:
        props = set(tap.streams[stream].schema["properties"])
        own = TAP_COLUMNS | ({"form_id", "nps_category"} if stream == "nps_submissions" else set())
        assert props == own, f"{stream} declares file columns: {sorted(props - own)}"
    fake.files["nps_submissions"] = csv_text(
        [["Form ID", "Score", "", "Score"], ["55", "9", "x", "10"]]
    )
    rows = sync(config, "nps_submissions").records["nps_submissions"]
    assert rows[0]["extra_columns"] == {
        "Form ID": "55",
        "Score": "9",
        "column_3": "x",
        "Score (4)": "10",
    }
    assert rows[0]["form_id"] == 55  # the requested form, not the file's column


# -- the id column named by the setting -------------------------------------------------


def test_the_setting_names_the_id_column_and_a_changed_case_upserts_into_one_row(
    fake: FakeLexer, config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    config = {**config, "export_id_columns": {"case_details": "Ticket Ref"}}
    table: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    fake.files["case_details"] = csv_text(CASES_V1)
    first = sync(config, "case_details")
    upsert(table, first, "case_details")
    fake.files["case_details"] = csv_text(CASES_V2)  # T-1 closed since the first export
    upsert(table, sync(config, "case_details"), "case_details")
    assert sorted(table) == [("T-1",), ("T-2",)]
    assert table[("T-1",)]["extra_columns"]["Status"] == "closed"
    assert {r["row_key_column"] for r in first.records["case_details"]} == {"Ticket Ref"}
    assert warnings(caplog) == []


def test_the_setting_matches_a_header_written_differently(
    fake: FakeLexer, config: dict[str, t.Any]
) -> None:
    fake.files["case_details"] = csv_text(CASES_V1)
    config = {**config, "export_id_columns": {"case_details": "ticket ref"}}
    rows = sync(config, "case_details").records["case_details"]
    assert [r["row_key"] for r in rows] == ["T-1", "T-2", "T-1", "T-2"]


def test_a_named_column_missing_from_the_file_stops_the_run_naming_the_setting(
    fake: FakeLexer, config: dict[str, t.Any]
) -> None:
    fake.files["case_details"] = csv_text(CASES_V1)
    config = {**config, "export_id_columns": {"case_details": "Case ID"}}
    with pytest.raises(TapError) as info:
        sync(config, "case_details")
    message = str(info.value)
    assert "\n" not in message and TOKEN not in message
    assert message.startswith("export_id_columns.case_details is 'Case ID'")
    assert "'Ticket Ref', 'Status', 'Opened'" in message


def test_an_id_that_repeats_within_one_file_stops_the_run(
    fake: FakeLexer, config: dict[str, t.Any]
) -> None:
    fake.files["mention_sla_export"] = csv_text([["Mention ID", "State"], ["1", "a"], ["1", "b"]])
    with pytest.raises(
        TapError, match=r"holds '1' on two rows .* set export_id_columns\.mention_sla_export"
    ):
        sync(config, "mention_sla_export")


def test_an_empty_setting_keys_rows_by_content_without_a_warning(
    fake: FakeLexer, config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    fake.files["mention_sla_export"] = csv_text([["Mention ID", "State"], ["1", "a"], ["1", "a"]])
    config = {**config, "export_id_columns": {"mention_sla_export": ""}}
    rows = sync(config, "mention_sla_export").records["mention_sla_export"]
    keys = [r["row_key"] for r in rows]
    assert keys[0].startswith("sha256:") and keys[1] == keys[0] + ":2"
    assert {r["row_key_column"] for r in rows} == {None}
    assert warnings(caplog) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"cases": "Case ID"}, "export_id_columns: 'cases' is not an export stream"),
        ({"case_details": 7}, "export_id_columns.case_details: must be the header"),
        ('{"case_details": 7}', "export_id_columns.case_details: must be the header"),
    ],
)
def test_a_bad_setting_is_a_config_error_naming_it(
    config: dict[str, t.Any], value: t.Any, expected: str
) -> None:
    tap = TapLexerActivity(config={**config, "export_id_columns": value}, validate_config=False)
    assert any(e.startswith(expected) for e in tap.extra_config_errors())


def test_a_json_text_setting_from_an_environment_variable_is_read(
    fake: FakeLexer, config: dict[str, t.Any]
) -> None:
    fake.files["case_details"] = csv_text(CASES_V1)
    tap = TapLexerActivity(
        config={**config, "export_id_columns": '{"case_details": "Ticket Ref"}'},
        validate_config=False,
    )
    assert tap.extra_config_errors() == []


# -- detected from the header -----------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "id_header"),
    [("case_details", "Case ID"), ("mention_sla_export", "Message Id"), ("nps_submissions", "ID")],
)
def test_an_unambiguous_id_column_is_detected_and_upserts(
    fake: FakeLexer,
    config: dict[str, t.Any],
    caplog: pytest.LogCaptureFixture,
    stream: str,
    id_header: str,
) -> None:
    caplog.set_level(logging.INFO)
    table: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    for status in ("open", "closed"):
        fake.files[stream] = csv_text([["Status", id_header], [status, "A-1"], ["new", "A-2"]])
        upsert(table, sync(config, stream), stream)
    assert len(table) == 2
    (one,) = [r for r in table.values() if r["row_key"] == "A-1"]
    assert one["extra_columns"] == {"Status": "closed", id_header: "A-1"}
    assert one["row_key_column"] == id_header
    assert warnings(caplog) == []
    assert any("detected from the header" in r.getMessage() for r in caplog.records)


# -- absent: content hash, one loud warning --------------------------------------------


def test_without_an_id_column_one_warning_names_the_setting_and_a_changed_case_is_a_new_row(
    fake: FakeLexer, config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    table: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    fake.files["case_details"] = csv_text(CASES_V1)
    first = sync(config, "case_details")  # two windows: two files, still one warning
    upsert(table, first, "case_details")
    (warning,) = warnings(caplog)
    assert "case_details: no id column" in warning
    assert 'export_id_columns: {"case_details": "<header of the id column>"}' in warning
    assert "becomes a NEW row" in warning
    assert all(r["row_key"].startswith("sha256:") for r in first.records["case_details"])
    assert len(table) == 2  # the same rows in two windows keep their keys
    fake.files["case_details"] = csv_text(CASES_V2)
    upsert(table, sync(config, "case_details"), "case_details")
    assert len(table) == 3  # what the warning says: T-1 open and T-1 closed


def test_several_id_like_columns_are_not_guessed_between(
    fake: FakeLexer, config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    fake.files["case_details"] = csv_text([["ID", "Case ID"], ["1", "C-1"]])
    rows = sync(config, "case_details").records["case_details"]
    assert rows[0]["row_key"].startswith("sha256:")
    (warning,) = warnings(caplog)
    assert "several columns could be the id ('ID', 'Case ID')" in warning
