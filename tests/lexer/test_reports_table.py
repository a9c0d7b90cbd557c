"""The reports table (tap_lexer_activity/reports.py) is the one list of Lexer streams: the
tap's streams, the simulator's report types, the docs page and the README are checked
against it, so they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from sandbox import lexer_data
from tap_lexer_activity.reports import REPORTS, of_kind
from tap_lexer_activity.tap import TapLexerActivity

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {"api_token": "t", "start_date": "2026-01-01"}


def names(*kinds: str) -> set[str]:
    return {report.name for report in of_kind(*kinds)}


def test_the_tap_has_one_stream_per_row_in_the_table_order_with_its_keys() -> None:
    tap = TapLexerActivity(config=CONFIG, validate_config=False)
    assert [stream.name for stream in tap.discover_streams()] == [r.name for r in REPORTS]
    streams = tap.streams
    for report in REPORTS:
        stream = streams[report.name]
        assert stream.primary_keys == list(report.keys)
        assert stream.replication_key == report.replication_key


def test_the_simulator_serves_the_table_s_reports() -> None:
    assert names("aggregate") == lexer_data.AGGREGATE_TYPES
    assert names("series") == lexer_data.SERIES_TYPES
    assert names("export") == lexer_data.EXPORT_TYPES
    assert {r.name for r in REPORTS if r.per_form} == lexer_data.NPS_TYPES
    assert {r.name for r in REPORTS if r.hourly_documented} == lexer_data.DOCUMENTED_HOURLY


def streams_table(text: str) -> dict[str, list[str]]:
    """Rows of the docs page's streams table: stream name -> its cells."""
    section = text.split("## Streams", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[name] = cells
    return rows


def test_the_docs_page_lists_every_stream_with_the_table_s_grain_and_keys() -> None:
    rows = streams_table((ROOT / "docs" / "tap-lexer-activity.md").read_text())
    assert set(rows) == {report.name for report in REPORTS}
    for report in REPORTS:
        _, _, grain, keys, replication = rows[report.name]
        assert grain == report.grain, report.name
        if report.kind == "export":
            assert "lexer-exports.md" in keys
        else:
            assert re.findall(r"`([a-z_]+)`", keys) == list(report.keys), report.name
        expected = report.replication_key or "(full table)"
        assert expected in replication, report.name


def test_the_readme_names_every_stream() -> None:
    line = next(
        line
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| Lexer |")
    )
    assert re.findall(r"`([a-z_]+)`", line) == [report.name for report in REPORTS]
