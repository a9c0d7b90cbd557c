"""The table of streams (tap_analytics/table.py) is the one list: the tap's streams, the
simulator's routes, the docs page's streams table and the README's Dixa row follow it."""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

from sandbox.dixa import PREFIX, DixaApp
from tap_analytics.streams import SHAPES
from tap_analytics.table import FIXED, RECORDS, REPORTS
from tap_analytics.tap import TapAnalytics

ROOT = Path(__file__).resolve().parents[2]


def test_the_tap_serves_every_row_of_the_table(dixa_config: dict[str, t.Any]) -> None:
    tap = TapAnalytics(config={**dixa_config, "record_ids": ["ratings"]})
    fixed = [s for s in tap.streams.values() if s.name in REPORTS]
    assert sorted(s.name for s in fixed) == sorted(r.name for r in FIXED)
    for stream in fixed:
        report = REPORTS[stream.name]
        assert isinstance(stream, SHAPES[report.shape])
        assert list(stream.primary_keys or []) == list(report.keys)
        assert stream.replication_key == report.replication_key
    ratings = tap.streams["ratings"]
    assert list(ratings.primary_keys or []) == list(RECORDS.keys)
    assert ratings.replication_key == RECORDS.replication_key


def test_the_simulator_answers_every_endpoint_of_the_table() -> None:
    routes = [(method, pattern.pattern) for method, pattern, _ in DixaApp().routes]
    for report in (*FIXED, RECORDS):
        path = PREFIX + re.sub(r"\{\w+\}", "x", report.path)
        assert any(m == report.method and re.match(p, path) for m, p in routes), report.endpoint


def test_the_docs_page_lists_every_row_of_the_table() -> None:
    page = (ROOT / "docs" / "tap-analytics.md").read_text()
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^\| `(\w+)` \|.*$", page.split("## Streams", 1)[1], re.M)
    }
    for report in FIXED:
        row = rows.get(report.name)
        assert row is not None, f"docs/tap-analytics.md has no row for {report.name}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1].startswith(f"`{report.endpoint}`"), cells[1]
        assert cells[3] == ", ".join(f"`{k}`" for k in report.keys), cells[3]
        expected = f"`{report.replication_key}`" if report.replication_key else "none"
        assert cells[4].startswith(expected), cells[4]
    assert f"`{RECORDS.endpoint}`" in page


def test_the_readme_names_every_fixed_stream() -> None:
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| Dixa |"))
    assert re.findall(r"`(\w+)`", row)[: len(FIXED)] == [r.name for r in FIXED]
