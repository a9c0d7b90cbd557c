"""One loaded warehouse per session and kind: the four taps from their in-process
simulators (clocks held still), then the dbt utility's `build`, all through `meltano run`.

DuckDB is loaded in two runs: first exactly `meltano run tap-livechat-reports target-duckdb
dbt-duckdb:build` (what a clean clone runs first: the other vendors' raw tables do not exist
yet), then the other three taps and the build again. Postgres in one run, the way the
`<tap>-to-postgres` jobs do it (load, `pg-timestamptz:convert`, `dbt-postgres:build`).
"""

from __future__ import annotations

import contextlib
import re
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e import harness as h

LIVECHAT = "tap-livechat-reports"
OTHERS = ("tap-agentactivity", "tap-analytics", "tap-lexer-activity")
TAPS = (LIVECHAT, *OTHERS)
DBT_SUMMARY = re.compile(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)")


@dataclass
class Warehouse:
    """A warehouse the taps and `dbt build` ran into, and a way to query it."""

    kind: str
    apps: dict[str, t.Any]
    #: `dbt build` summaries, one per build: (pass, warn, error, skip)
    builds: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: platforms in cs_agent_daily after the LiveChat-only run (DuckDB only)
    livechat_only_platforms: set[str] | None = None
    duckdb_path: Path | None = None
    database: str | None = None

    def rows(self, sql: str) -> list[tuple[t.Any, ...]]:
        if self.kind == "duckdb":
            import duckdb

            con = duckdb.connect(str(self.duckdb_path), read_only=True)
            try:
                return [tuple(r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        assert self.database is not None
        with h.postgres_cursor(self.database) as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]

    def dicts(self, sql: str) -> list[dict[str, t.Any]]:
        if self.kind == "duckdb":
            import duckdb

            con = duckdb.connect(str(self.duckdb_path), read_only=True)
            try:
                cur = con.execute(sql)
                names = [d[0] for d in cur.description]
                return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
            finally:
                con.close()
        assert self.database is not None
        with h.postgres_cursor(self.database) as cur:
            cur.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@contextlib.contextmanager
def simulators() -> Iterator[tuple[dict[str, t.Any], dict[str, str]]]:
    """The four simulators on free ports, clocks held; the taps' settings pointing at them
    (complete days only: today's numbers still move)."""
    with contextlib.ExitStack() as stack:
        apps: dict[str, t.Any] = {}
        env: dict[str, str] = {}
        for tap in TAPS:
            profile = h.PROFILES[tap]
            # Dixa under the catalogue's reading of a record (its field list, agents
            # included), so agent-days have closes to count; the docs' record sample
            # carries no agent (tests/transform/test_staging_shapes.py covers that shape).
            knobs = {"record_shape": "catalogue"} if profile.vendor == "dixa" else {}
            app, url = stack.enter_context(h.sandbox_for(profile, **knobs))
            h.pin_clock(app)
            apps[tap] = app
            env.update(profile.env(url))
            env.update(h.settled(profile))
        yield apps, env


def dbt_summary(output: str) -> tuple[int, int, int, int]:
    found = DBT_SUMMARY.findall(output)
    assert found, "no dbt summary in the run's output:\n" + output[-3000:]
    passed, warned, errors, skipped = (int(x) for x in found[-1])
    return passed, warned, errors, skipped


def run(env: dict[str, str], *blocks: str) -> str:
    proc = h.meltano("run", *blocks, env=env, timeout=900)
    return proc.stdout + proc.stderr


def tasks(taps: t.Iterable[str], *loader: str) -> list[str]:
    out: list[str] = []
    for tap in taps:
        out += [tap, *loader]
    return out


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    h.ensure_installed(*TAPS, "target-duckdb", "dbt-duckdb")
    tmp = tmp_path_factory.mktemp("transform-duckdb")
    path = tmp / "warehouse.duckdb"
    with simulators() as (apps, tap_env):
        env = h.isolated_env(tmp, {**tap_env, "TARGET_DUCKDB_FILEPATH": str(path)})
        wh = Warehouse("duckdb", apps, duckdb_path=path)
        out = run(env, LIVECHAT, "target-duckdb", "dbt-duckdb:build")
        wh.builds.append(dbt_summary(out))
        wh.livechat_only_platforms = {
            r[0] for r in wh.rows("select distinct platform from cs_reporting.cs_agent_daily")
        }
        out = run(env, *tasks(OTHERS, "target-duckdb"), "dbt-duckdb:build")
        wh.builds.append(dbt_summary(out))
    return wh


@pytest.fixture(scope="session")
def postgres_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    if not h.postgres_available():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (.ci/run starts one)")
    h.ensure_installed(*TAPS, "target-postgres", "pg-timestamptz", "dbt-postgres")
    tmp = tmp_path_factory.mktemp("transform-postgres")
    with h.postgres_database() as db, simulators() as (apps, tap_env):
        env = h.isolated_env(tmp, {**tap_env, **h.postgres_env(db)})
        wh = Warehouse("postgres", apps, database=db)
        out = run(
            env,
            *tasks(TAPS, "target-postgres"),
            "pg-timestamptz:convert",
            "dbt-postgres:build",
        )
        wh.builds.append(dbt_summary(out))
        yield wh


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    return t.cast(Warehouse, request.getfixturevalue(f"{request.param}_warehouse"))
