"""The reports table (tap_livechat_reports.reports) is the one list of LiveChat reports:
the streams, the simulator's routes, the README's row and the docs page's streams table
are checked against it, so they cannot drift."""

from __future__ import annotations

import pathlib
import re

from sandbox import livechat as sim
from tap_livechat_reports.reports import REPORTS
from tap_livechat_reports.streams import STREAMS

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAMES = [report.name for report in REPORTS]


def methods(*shapes: str, since: str | None = None) -> set[str]:
    return {
        method
        for r in REPORTS
        if r.shape in shapes and (since is None or r.since == since)
        for method in (r.method, *r.fallback_methods)
    }


def test_one_stream_per_report_in_table_order() -> None:
    assert [cls.name for cls in STREAMS] == NAMES
    assert [cls.primary_keys for cls in STREAMS] == [list(r.keys) for r in REPORTS]
    assert len(set(NAMES)) == len(NAMES)


def test_the_simulator_serves_every_report_and_no_other() -> None:
    assert set(sim.DISTRIBUTED) == methods("periods")
    assert set(sim.OTHER) == methods("window", "forms")
    assert sim.NEW_IN_3_6 == methods("periods", "window", "forms", since="3.6")


def test_the_readme_lists_every_report() -> None:
    readme = (ROOT / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith("| LiveChat |")]
    assert sorted(re.findall(r"`([a-z_]+)`", row)) == sorted(NAMES)
    assert f"({len(NAMES)} streams)" in readme


def test_the_docs_page_has_a_row_per_report() -> None:
    page = (ROOT / "docs" / "tap-livechat-reports.md").read_text()
    section = page.split("\n## Streams\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(
            r"\| `([a-z_]+)`( \(v[\d.]+\))? \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$", line
        )
        if found:
            rows[found[1]] = found.groups()[1:]
    assert list(rows) == NAMES
    for report in REPORTS:
        since, endpoint, _grain, keys, replication = rows[report.name]
        assert since == (f" (v{report.since})" if report.since != "0.0" else None)
        assert re.findall(r"`([a-z_/]+)`", endpoint) == [report.method, *report.fallback_methods]
        assert keys == ", ".join(f"`{key}`" for key in report.keys)
        assert replication == "`window_start`"
