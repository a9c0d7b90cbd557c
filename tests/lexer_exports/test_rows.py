"""From file rows to records, without a server: typing, overflow, keys, settings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import typing as t
from decimal import Decimal

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_lexer_activity.export_settings import export_settings
from tap_lexer_activity.exports import ExportStream
from tap_lexer_activity.tap import TapLexerActivity
from tapkit import Window

CONFIG = {"api_token": "secret-token-1234", "start_date": "2026-10-01"}
WINDOW = Window(
    dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 2, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 2, tzinfo=dt.UTC),
)


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def iter_content(self, size: int) -> t.Iterator[bytes]:
        for i in range(0, len(self.body), 5):
            yield self.body[i : i + 5]

    def close(self) -> None:
        return None


def records(stream_name: str, rows: list[list[str]]) -> list[dict[str, t.Any]]:
    tap = TapLexerActivity(config=CONFIG, validate_config=False)
    stream = tap.streams[stream_name]
    assert isinstance(stream, ExportStream)
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    body = buf.getvalue().encode()
    stream.download = lambda url, token, where: FakeResponse(body)  # type: ignore[method-assign,assignment,return-value]
    context = {"form_id": 55} if stream_name == "nps_submissions" else None
    return list(stream.file_rows("http://files.invalid/x.csv", "tok-1", WINDOW, context))


def test_every_cell_lands_as_text_under_its_header_with_ragged_rows() -> None:
    out = records(
        "case_details",
        [
            ["Case ID", "Agent Interactions", "Opened At", "Brand New"],
            ["C1", "3", "2026-10-01T01:00:00Z", "x"],
            ["C2", "lots", "", "y", "surplus"],
            ["C3"],
        ],
    )
    assert [r["row_key"] for r in out] == ["C1", "C2", "C3"]
    assert {r["row_key_column"] for r in out} == {"Case ID"}
    assert out[0]["extra_columns"] == {
        "Case ID": "C1",
        "Agent Interactions": "3",
        "Opened At": "2026-10-01T01:00:00Z",
        "Brand New": "x",
    }
    assert out[1]["extra_columns"] == {
        "Case ID": "C2",
        "Agent Interactions": "lots",
        "Opened At": "",
        "Brand New": "y",
        "column_5": "surplus",
    }
    assert out[2]["extra_columns"] == {"Case ID": "C3"}
    # No column of the file is presented as a declared column.
    assert "case_id" not in out[0] and "opened_at" not in out[0]
    assert [r["row_number"] for r in out] == [1, 2, 3]
    assert {r["export_token"] for r in out} == {"tok-1"}


def test_a_row_with_an_empty_id_falls_back_to_a_hash_key() -> None:
    out = records("mention_sla_export", [["Mention ID", "Notes"], ["", "a"], ["7", "b"], ["", "a"]])
    assert out[1]["row_key"] == "7" and out[1]["row_key_column"] == "Mention ID"
    assert out[0]["row_key"].startswith("sha256:") and out[2]["row_key"] == out[0]["row_key"] + ":2"
    assert out[0]["row_key_column"] is None


def test_a_file_without_an_id_column_is_hashed_by_header_not_position() -> None:
    out = records("nps_submissions", [["Foo", "Bar"], ["1", "2"], ["1", "3"]])
    assert len({r["row_key"] for r in out}) == 2
    assert out[0]["extra_columns"] == {"Foo": "1", "Bar": "2"}
    assert out[0]["form_id"] == 55 and out[0]["nps_category"] == "all"
    swapped = records("nps_submissions", [["Bar", "Foo"], ["2", "1"], ["3", "1"]])
    assert [r["row_key"] for r in swapped] == [r["row_key"] for r in out]


def test_settings_from_a_json_config_file_may_be_decimals() -> None:
    settings = export_settings(
        {
            "export_window_days": Decimal("14"),
            "export_poll_interval_seconds": Decimal("0.5"),
            "export_timeout_seconds": "90",
        }
    )
    assert (settings.window_days, settings.poll_interval, settings.timeout) == (14, 0.5, 90.0)
    assert export_settings({}).window_days == 7


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"export_window_days": 366}, "export_window_days"),
        ({"export_window_days": 1.5}, "export_window_days"),
        ({"export_window_days": True}, "export_window_days"),
        ({"export_poll_interval_seconds": "soon"}, "export_poll_interval_seconds"),
        ({"export_timeout_seconds": 0}, "export_timeout_seconds"),
    ],
)
def test_bad_settings_name_the_setting(config: dict[str, t.Any], setting: str) -> None:
    # The ranges are keywords of the settings' JSON schema, checked before the tap starts.
    base = {"api_token": "t", "start_date": "2026-01-01"}
    with pytest.raises(ConfigValidationError) as info:
        TapLexerActivity(config={**base, **config}, validate_config=True)
    assert [e for e in info.value.errors if e.startswith(f"{setting}:")], info.value.errors
