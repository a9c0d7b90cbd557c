"""Every tap into a real PostgreSQL server through Meltano (target-postgres, upsert).

* Two runs: every table's row count equals its distinct keys; numbers land as numeric
  columns and date-times as `timestamptz`.
* An interrupted run followed by a rerun leaves exactly the table one clean run leaves.
* The same pipeline started twice at once (same state id) cannot corrupt anything.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e import harness as h

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not h.postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432 (.ci/run starts one)"
    ),
]

NUMERIC = {"numeric", "bigint", "integer", "smallint", "double precision", "real", "decimal"}


def run_into(
    profile: h.TapProfile, env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The job's block: load, then turn date-time columns into timestamptz."""
    return h.meltano(
        "run", profile.tap, "target-postgres", "pg-timestamptz:convert", env=env, check=check
    )


@pytest.mark.parametrize("tap", h.declared_taps())
def test_two_runs_into_postgres_are_exact_and_typed(tap: str, tmp_path) -> None:
    profile = h.PROFILES[tap]
    h.ensure_installed(tap, "target-postgres", "pg-timestamptz")
    with h.postgres_database() as db, h.sandbox_for(profile) as (_app, url):
        env = h.isolated_env(tmp_path, {**profile.env(url), **h.postgres_env(db)})
        streams = h.catalog(profile, env)["streams"]
        run_into(profile, env)
        run_into(profile, env)
        tables = h.postgres_tables(db, profile.schema)
        types = h.postgres_column_types(db, profile.schema)
    assert tables, "nothing landed"
    for table, (rows, distinct) in tables.items():
        assert rows == distinct, f"{table}: {rows} rows, {distinct} distinct keys"
    checked = 0
    for stream in streams:
        name = stream["tap_stream_id"]
        if name not in tables:
            continue
        for column, spec in stream["schema"].get("properties", {}).items():
            kinds = spec.get("type", [])
            kinds = [kinds] if isinstance(kinds, str) else kinds
            landed = types.get((name, column))
            if landed is None:
                continue
            if spec.get("format") == "date-time":
                assert landed == "timestamp with time zone", f"{name}.{column} is {landed}"
                checked += 1
            elif "integer" in kinds or "number" in kinds:
                assert landed in NUMERIC, f"{name}.{column} is {landed}"
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("tap", h.declared_taps())
def test_interrupted_run_then_rerun_equals_one_clean_run(tap: str, tmp_path) -> None:
    profile = h.PROFILES[tap]
    h.ensure_installed(tap, "target-postgres", "pg-timestamptz")
    # Compare complete periods only: today's numbers still move between the two runs.
    settled = h.settled(profile)
    with (
        h.sandbox_for(profile) as (app, url),
        h.postgres_database() as clean_db,
        h.postgres_database() as db,
    ):
        h.pin_clock(app)
        clean_env = h.isolated_env(
            tmp_path / "clean", {**profile.env(url), **settled, **h.postgres_env(clean_db)}
        )
        before = app.stats["requests"]
        run_into(profile, clean_env)
        requests = app.stats["requests"] - before
        # Same pipeline, but the API starts failing half way through (persistent 500s).
        env = h.isolated_env(
            tmp_path / "broken", {**profile.env(url), **settled, **h.postgres_env(db)}
        )
        app.faults.add("status", status=500, count=100_000, after=requests // 2)
        broken = run_into(profile, env, check=False)
        assert broken.returncode != 0
        app.faults.clear()
        run_into(profile, env)
        for table in h.postgres_tables(clean_db, profile.schema):
            assert h.postgres_rows(db, profile.schema, table) == h.postgres_rows(
                clean_db, profile.schema, table
            ), f"{table} differs from a clean run"


def test_same_pipeline_twice_at_once_cannot_corrupt_state(tmp_path) -> None:
    profile = h.PROFILES["tap-lexer-activity"]
    h.ensure_installed(profile.tap, "target-postgres", "pg-timestamptz")
    with (
        h.sandbox_for(profile) as (_app, url),
        h.postgres_database() as db,
        h.postgres_database() as clean_db,
    ):
        env = h.isolated_env(tmp_path / "shared", {**profile.env(url), **h.postgres_env(db)})
        # A shared system database exists before the workers start (two processes both
        # creating a fresh one race on its migrations, which says nothing about state).
        h.meltano("state", "list", env=env)
        cmd = [h.MELTANO, "run", profile.tap, "target-postgres", "pg-timestamptz:convert"]
        logs = [(tmp_path / f"run{i}.log").open("w") for i in range(2)]
        try:
            procs = [
                subprocess.Popen(cmd, cwd=h.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                for log in logs
            ]
            outcomes = [p.wait(timeout=600) for p in procs]
        finally:
            for log in logs:
                log.close()
        assert 0 in outcomes, "neither run succeeded"
        if outcomes != [0, 0]:
            refused = (tmp_path / f"run{outcomes.index(1) if 1 in outcomes else 1}.log").read_text()
            assert "already running" in refused or "already in progress" in refused, refused[-2000:]
        # Whatever happened to the other, a following run works from the stored state...
        run_into(profile, env)
        # ...and the table equals one clean run's.
        clean_env = h.isolated_env(
            tmp_path / "clean", {**profile.env(url), **h.postgres_env(clean_db)}
        )
        run_into(profile, clean_env)
        for table, (rows, distinct) in h.postgres_tables(db, profile.schema).items():
            assert rows == distinct, table
            assert h.postgres_rows(db, profile.schema, table) == h.postgres_rows(
                clean_db, profile.schema, table
            ), table
