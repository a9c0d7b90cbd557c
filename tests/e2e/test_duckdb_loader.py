"""The project's DuckDB loader (plugins/loaders/target-duckdb-kit, target-duckdb 0.8 in
process): overlapping jobs into one file wait for each other instead of failing with
`Could not set lock on file`, and columns get Postgres's types (BIGINT, TIMESTAMPTZ,
DATE), also on a file an unchanged target-duckdb wrote first, run after run."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
import typing as t
from pathlib import Path

import duckdb
import pytest

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e

VENV_BIN = h.ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin"

SCHEMA = {
    "type": "SCHEMA",
    "stream": "daily",
    "key_properties": ["id", "window_date"],
    "schema": {
        "type": "object",
        "properties": {
            "id": {"type": ["integer"]},
            "window_date": {"type": ["string"], "format": "date"},
            "count": {"type": ["integer", "null"]},
            "ratio": {"type": ["number", "null"]},
            "created_at": {"type": ["string", "null"], "format": "date-time"},
            "name": {"type": ["string", "null"]},
        },
    },
}


def record(i: int, day: str, count: int, created: str) -> dict[str, t.Any]:
    return {
        "type": "RECORD",
        "stream": "daily",
        "record": {
            "id": i,
            "window_date": day,
            "count": count,
            "ratio": 0.5,
            "created_at": created,
            "name": f"n{i}",
        },
        "time_extracted": "2026-11-02T00:00:00+00:00",
    }


def load(executable: str, path: Path, records: list[dict[str, t.Any]], **config: t.Any) -> str:
    """Run a loader of the venv on SCHEMA + records; returns its stderr."""
    cfg = path.parent / "target.json"
    cfg.write_text(
        json.dumps(
            {
                "filepath": str(path),
                "default_target_schema": "s",
                "add_metadata_columns": True,
                "hard_delete": True,
                "primary_key_required": True,
                **config,
            }
        )
    )
    lines = "\n".join(json.dumps(m) for m in [SCHEMA, *records]) + "\n"
    proc = subprocess.run(
        [str(VENV_BIN / executable), "--config", str(cfg)],
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def columns(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 's' and table_name = 'daily'"
        ).fetchall()
    finally:
        con.close()
    return {str(c): str(k) for c, k in rows}


def rows(path: Path) -> list[tuple[t.Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select id, window_date, count, created_at from s.daily order by id, window_date"
        ).fetchall()
    finally:
        con.close()


EXPECTED = {
    "id": "BIGINT",
    "window_date": "DATE",
    "count": "BIGINT",
    "ratio": "DOUBLE",
    "created_at": "TIMESTAMP WITH TIME ZONE",
    "name": "VARCHAR",
    "_sdc_extracted_at": "TIMESTAMP WITH TIME ZONE",
    "_sdc_batched_at": "TIMESTAMP WITH TIME ZONE",
    # target-duckdb declares it a plain string (no format): it stays VARCHAR.
    "_sdc_deleted_at": "VARCHAR",
}
UTC = dt.UTC


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    h.ensure_installed("target-duckdb")


def test_types_hold_over_two_runs(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    load("target-duckdb-kit", path, [record(1, "2026-11-01", 5, "2026-11-01T10:00:00+02:00")])
    assert columns(path) == EXPECTED
    # Second run: an update of the same key and a new row; the target keeps loading into
    # the same columns (no "versioned" copies, no new columns).
    load(
        "target-duckdb-kit",
        path,
        [
            record(1, "2026-11-01", 7, "2026-11-01T10:00:00+02:00"),
            record(2, "2026-11-02", 9_000_000_000, "2026-11-02T23:30:00Z"),
        ],
    )
    assert columns(path) == EXPECTED
    assert rows(path) == [
        (1, dt.date(2026, 11, 1), 7, dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
        (2, dt.date(2026, 11, 2), 9_000_000_000, dt.datetime(2026, 11, 2, 23, 30, tzinfo=UTC)),
    ]


def test_a_file_written_by_plain_target_duckdb_is_retyped_in_place(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    load("target-duckdb", path, [record(1, "2026-11-01", 5, "2026-11-01T10:00:00+02:00")])
    before = columns(path)
    assert (before["count"], before["created_at"], before["window_date"]) == (
        "HUGEINT",
        "TIMESTAMP",
        "VARCHAR",
    )
    err = load("target-duckdb-kit", path, [record(2, "2026-11-02", 3, "2026-11-02T00:00:00+00:00")])
    assert "Retyping" in err
    assert columns(path) == EXPECTED
    assert rows(path) == [
        (1, dt.date(2026, 11, 1), 5, dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
        (2, dt.date(2026, 11, 2), 3, dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)),
    ]
    # The primary key survived the copy: the same key upserts instead of doubling.
    load("target-duckdb-kit", path, [record(2, "2026-11-02", 4, "2026-11-02T00:00:00+00:00")])
    assert [r[2] for r in rows(path)] == [5, 4]
    assert columns(path) == EXPECTED


def test_a_locked_file_times_out_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    holder = duckdb.connect(str(path))
    try:
        cfg = tmp_path / "target.json"
        cfg.write_text(
            json.dumps(
                {
                    "filepath": str(path),
                    "default_target_schema": "s",
                    "lock_timeout_seconds": 1,
                    "lock_poll_seconds": 0.2,
                }
            )
        )
        proc = subprocess.run(
            [str(VENV_BIN / "target-duckdb-kit"), "--config", str(cfg)],
            input=json.dumps(SCHEMA) + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.close()
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert str(path) in last and "lock_timeout_seconds" in last, proc.stderr
    assert "Traceback" not in proc.stderr


def _wait_for(pattern: str, log: Path, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pattern in log.read_text():
            return
        assert proc.poll() is None, (
            f"exited {proc.returncode} before '{pattern}':\n" + (log.read_text()[-3000:])
        )
        time.sleep(0.2)
    raise AssertionError(f"no '{pattern}' within {seconds} s:\n{log.read_text()[-3000:]}")


def test_two_overlapping_meltano_jobs_into_one_file_both_land(tmp_path: Path) -> None:
    """The hourly LivePerson job starts while another job holds the warehouse: it waits,
    then loads; and a second job started meanwhile loads too."""
    dixa, lp = h.PROFILES["tap-analytics"], h.PROFILES["tap-agentactivity"]
    h.ensure_installed(dixa.tap, lp.tap, "target-duckdb")
    warehouse = tmp_path / "warehouse.duckdb"
    with h.sandbox_for(dixa) as (_, dixa_url), h.sandbox_for(lp) as (lp_app, lp_url):
        h.pin_clock(lp_app)
        runs = []
        handles: list[t.IO[str]] = []
        # A long job holds the file (as a long backfill's loader does).
        holder = duckdb.connect(str(warehouse))
        try:
            for profile, url in ((lp, lp_url), (dixa, dixa_url)):
                run_dir = tmp_path / profile.vendor
                run_dir.mkdir()
                env = h.isolated_env(
                    run_dir,
                    {
                        **profile.env(url),
                        **h.settled(profile),
                        "TARGET_DUCKDB_FILEPATH": str(warehouse),
                        "TARGET_DUCKDB_LOCK_POLL_SECONDS": "1",
                    },
                )
                log = run_dir / "run.log"
                out = log.open("w")
                handles.append(out)
                cmd = ["run", "--state-id-suffix", h.state_suffix(), profile.tap, "target-duckdb"]
                proc = subprocess.Popen(
                    [h.MELTANO, *cmd],
                    cwd=h.ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                runs.append((profile, proc, log))
                _wait_for("is locked by another process; waiting", log, proc, 240)
        finally:
            holder.close()
        try:
            for _, proc, log in runs:
                assert proc.wait(600) == 0, log.read_text()[-3000:]
        finally:
            for _, proc, _ in runs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(30)
            for handle in handles:
                handle.close()
    for profile, _, _ in runs:
        tables = h.duckdb_tables(warehouse, profile.schema)
        assert tables and all(n > 0 for n, _ in tables.values()), (profile.tap, tables)
