"""State handed to the tap: a far-future bookmark, a state written by an older version of a
stream, a corrupt one, and a full refresh (no state)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import typing as t
from pathlib import Path

import pytest

from tapkit.errors import StateError
from tapkit.windows import parse_datetime

from .checks import replication_keys
from .harness import (
    ROOT,
    Run,
    Served,
    discover,
    duplicate_keys,
    lost_rows,
    record,
    run,
    secrets_in,
    table_of,
    upsert,
)


def _baseline(sim: Served) -> tuple[dict, dict, Run]:
    config = sim.config()
    catalog = discover(sim.profile.tap_cls, config, sim.profile.streams)
    clean = run(sim.profile.tap_cls, config, catalog)
    assert clean.error is None, clean.error
    assert clean.final_state and clean.final_state.get("bookmarks")
    return config, catalog, clean


def _map_values(state: dict[str, t.Any], fn: t.Callable[[str, dict], None]) -> dict:
    """A copy of ``state`` with ``fn(stream, entry)`` applied to every bookmark entry
    (partitions included)."""
    out = copy.deepcopy(state)
    for stream, entry in (out.get("bookmarks") or {}).items():
        if "replication_key_value" in entry:
            fn(stream, entry)
        for part in entry.get("partitions") or []:
            if "replication_key_value" in part:
                fn(stream, part)
    return out


def test_far_future_bookmark_yields_no_records_and_a_valid_state(sim: Served) -> None:
    config, catalog, clean = _baseline(sim)
    incremental = set(replication_keys(clean))

    def future(_stream: str, entry: dict) -> None:
        entry["replication_key_value"] = "2099-01-01T00:00:00+00:00"

    state = _map_values(clean.final_state or {}, future)
    result = run(sim.profile.tap_cls, config, catalog, state=state)
    assert result.error is None, result.error
    emitted = {s for s, rows in result.records.items() if rows and s in incremental}
    assert emitted == set(), f"records from a far-future bookmark: {sorted(emitted)}"
    assert result.final_state is not None, "no STATE message"
    # Every bookmark handed in comes back, at the same instant: not moved back, not lost
    # (a stream or a partition whose bookmark disappears would start over next run).
    given, kept = _bookmarks(state), _bookmarks(result.final_state)
    checked = sorted(s for s in incremental if s in given)
    assert checked, "the test state holds no bookmark"
    for stream in checked:
        assert kept.get(stream) == given[stream], (stream, kept.get(stream), given[stream])


def _bookmarks(state: dict[str, t.Any]) -> dict[str, dict[str, dt.datetime]]:
    """stream -> {partition context (JSON; "" for the stream's own entry): bookmark}."""
    out: dict[str, dict[str, dt.datetime]] = {}
    for stream, entry in (state.get("bookmarks") or {}).items():
        places = [("", entry)] + [
            (json.dumps(p.get("context"), sort_keys=True), p) for p in entry.get("partitions") or []
        ]
        for where, place in places:
            value = place.get("replication_key_value")
            if value is not None:
                out.setdefault(stream, {})[where] = parse_datetime(str(value))
    return out


@pytest.mark.parametrize("variant", ["date-only", "renamed-key", "retired-stream", "empty"])
def test_state_from_an_older_version_resumes_without_loss(sim: Served, variant: str) -> None:
    """Older versions wrote the bookmark as a date, under another replication key, had
    streams since retired, or wrote an empty state. None of it may lose a row."""
    config, catalog, clean = _baseline(sim)
    keys = sim.keys
    rep = replication_keys(clean)
    # Resume from the middle: rows before the bookmark were loaded by the older version.
    middle: dict[str, str] = {}
    for stream, column in rep.items():
        values = sorted(str(r[column]) for r in clean.records.get(stream, []))
        if values:
            middle[stream] = values[len(values) // 2]

    def older(stream: str, entry: dict) -> None:
        value = middle.get(stream, str(entry["replication_key_value"]))
        if variant == "date-only":
            entry["replication_key_value"] = value[:10]
        elif variant == "renamed-key":
            entry["replication_key"] = "date"
            entry["replication_key_value"] = value
        else:
            entry["replication_key_value"] = value

    state = _map_values(clean.final_state or {}, older)
    if variant == "retired-stream":
        state.setdefault("bookmarks", {})["retired_report"] = {
            "replication_key": "day",
            "replication_key_value": "2020-01-01",
        }
    if variant == "empty":
        state = {}
    loaded_before = Run(
        messages=[
            m
            for m in clean.messages
            if m["type"] != "RECORD"
            or m["stream"] not in middle
            or str(m["record"][rep[m["stream"]]])
            < middle[m["stream"]][: 10 if variant == "date-only" else None]
        ]
    )
    result = run(sim.profile.tap_cls, config, catalog, state=state)
    assert result.error is None, f"{variant}: {result.error}"
    assert duplicate_keys(result, keys) == 0
    lost = lost_rows(table_of(clean, keys), upsert(table_of(loaded_before, keys), result, keys))
    record(sim.profile.tap, rows_lost=lost)
    assert lost == 0, f"{variant}: {lost} rows lost"


def test_corrupt_bookmark_is_one_clear_error_naming_the_state(sim: Served) -> None:
    config, catalog, clean = _baseline(sim)
    rep = replication_keys(clean)

    def corrupt(_stream: str, entry: dict) -> None:
        entry["replication_key_value"] = "last tuesday"

    result = run(
        sim.profile.tap_cls, config, catalog, state=_map_values(clean.final_state or {}, corrupt)
    )
    assert isinstance(result.error, StateError), repr(result.error)
    message = str(result.error)
    assert "State" in message and any(f"'{s}'" in message for s in rep), message
    assert "last tuesday" in message
    assert not [m for m in result.messages if m["type"] == "RECORD" and m["stream"] in rep]


def test_corrupt_state_file_via_cli_is_one_line_and_exit_1(sim: Served, tmp_path: Path) -> None:
    config = sim.config()
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "state.json").write_text('{"bookmarks": {"summary": ')
    proc = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / sim.profile.tap),
            "--config",
            "config.json",
            "--state",
            "state.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    assert "state" in err.lower()
    assert not secrets_in(err + proc.stdout.decode(), sim.profile.secrets(config))


def test_full_refresh_reloads_every_row_once(sim: Served) -> None:
    """--full-refresh is a run without state: exactly a clean run's rows again."""
    config, catalog, clean = _baseline(sim)
    again = run(sim.profile.tap_cls, config, catalog, state=None)
    keys = sim.keys
    assert again.error is None
    assert duplicate_keys(again, keys) == 0
    assert lost_rows(table_of(clean, keys), table_of(again, keys)) == 0
    assert table_of(clean, keys).keys() == table_of(again, keys).keys()
