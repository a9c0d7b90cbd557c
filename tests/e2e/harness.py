"""Shared harness of the end-to-end tests: in-process simulators on free ports, `meltano
run` in a subprocess pointed at them through environment variables, and warehouse checks.

Every test gets its own state id suffix and its own warehouse (a DuckDB file, or a fresh
Postgres database), so tests never see each other's data or bookmarks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import typing as t
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sandbox import build_app
from sandbox.core import SandboxApp, serve

ROOT = Path(__file__).resolve().parents[2]
MELTANO = str(Path(sys.executable).parent / "meltano")
TODAY = dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class TapProfile:
    """How one tap runs end to end against its simulator."""

    tap: str
    vendor: str
    schema: str
    sandbox_options: dict[str, t.Any]
    #: setting -> value (URL settings get the sandbox base URL substituted for {url})
    settings: dict[str, t.Any]

    def env(self, url: str) -> dict[str, str]:
        prefix = self.tap.upper().replace("-", "_")
        out = {}
        for key, value in self.settings.items():
            text = value.format(url=url) if isinstance(value, str) else json.dumps(value)
            out[f"{prefix}_{key.upper()}"] = text
        return out


PROFILES: dict[str, TapProfile] = {
    "tap-lexer-activity": TapProfile(
        tap="tap-lexer-activity",
        vendor="lexer",
        schema="lexer_activity",
        sandbox_options={"rate_limit_window": 1.0},
        settings={
            "api_url": "{url}/v1",
            "exports_api_url": "{url}/api/public/v1",
            "start_date": (TODAY - dt.timedelta(days=5)).isoformat(),
            "rate_limit_window_seconds": 1,
            "export_poll_interval_seconds": 0.05,
            "export_window_days": 3,
        },
    ),
    "tap-livechat-reports": TapProfile(
        tap="tap-livechat-reports",
        vendor="livechat",
        schema="livechat_reports",
        sandbox_options={},
        settings={"api_url": "{url}", "start_date": (TODAY - dt.timedelta(days=4)).isoformat()},
    ),
    "tap-analytics": TapProfile(
        tap="tap-analytics",
        vendor="dixa",
        schema="dixa_analytics",
        sandbox_options={},
        settings={"api_url": "{url}", "start_date": (TODAY - dt.timedelta(days=3)).isoformat()},
    ),
    "tap-agentactivity": TapProfile(
        tap="tap-agentactivity",
        vendor="liveperson",
        schema="liveperson_agentactivity",
        sandbox_options={},
        settings={"api_url": "{url}", "domain_api_url": "{url}", "backoff_base_seconds": 0.05},
    ),
}


def settled(profile: TapProfile) -> dict[str, str]:
    """Settings that hold a comparison still: complete days only (today's numbers move)."""
    if "start_date" not in profile.settings:
        return {}
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    return {f"{profile.tap.upper().replace('-', '_')}_END_DATE": yesterday}


def pin_clock(app: t.Any) -> None:
    """Hold the simulator's clock (LivePerson answers relative to the server's now)."""
    app.set_now(dt.datetime.now(dt.UTC).replace(second=0, microsecond=0))


def declared_taps() -> list[str]:
    names = {p.name.removesuffix(".meltano.yml") for p in (ROOT / "meltano").glob("*.meltano.yml")}
    return [tap for tap in PROFILES if tap in names]


@contextlib.contextmanager
def sandbox_for(profile: TapProfile, **options: t.Any) -> Iterator[tuple[SandboxApp, str]]:
    app = build_app(profile.vendor, **{**profile.sandbox_options, **options})
    with serve(app) as url:
        yield app, url


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAP_", "TARGET_", "MELTANO_SYS_DIR_ROOT", "MELTANO_DATABASE_URI"))
    }
    env.update(
        {
            # Named on every run: the project's default environment is `dev` (real APIs).
            "MELTANO_ENVIRONMENT": "sandbox",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
        }
    )
    env.update(extra or {})
    return env


def isolated_env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A Meltano environment of its own: system database (state) and run directory.

    Meltano keeps a plugin's discovered catalog in one fixed file under
    `.meltano/run/<plugin>`, so two concurrent runs of the same tap from one project
    directory trip over each other; installed plugins are shared by symlink.
    """
    sys_dir = tmp_path / "meltano-sys"
    if not sys_dir.exists():
        sys_dir.mkdir(parents=True)
        for kind in ("extractors", "loaders", "utilities"):
            (ROOT / ".meltano" / kind).mkdir(parents=True, exist_ok=True)
            (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    return base_env(
        {
            "MELTANO_SYS_DIR_ROOT": str(sys_dir),
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            **(extra or {}),
        }
    )


def meltano(
    *args: str, env: dict[str, str], check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [MELTANO, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise AssertionError(f"meltano {' '.join(args)} exited {proc.returncode}:\n{tail}")
    return proc


_installed: set[str] = set()
#: Set by tests/conftest.py once per session (xdist workers inherit it): the file that lists
#: the plugins this session has installed, next to the lock that serialises installs.
INSTALLED_FILE_ENV = "TESTS_MELTANO_INSTALLED_FILE"


def ensure_installed(*plugins: str) -> None:
    """`meltano install` the plugins once per test session, whichever folder runs first.

    Installs go into the project's own ``.meltano`` (shared by every test through
    symlinks). Across xdist workers they are serialised by a file lock and recorded in a
    file of the session, so no worker reinstalls a plugin (pip reinstalls the editable
    taps) while another worker runs it."""
    missing = [p for p in plugins if p not in _installed]
    if not missing:
        return
    listing = os.environ.get(INSTALLED_FILE_ENV)
    if not listing:  # the harness used outside pytest
        meltano("install", *missing, env=base_env(), timeout=900)
        _installed.update(missing)
        return
    import fcntl

    with open(listing + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = Path(listing)
        done = set(path.read_text().split()) if path.exists() else set()
        todo = [p for p in missing if p not in done]
        if todo:
            meltano("install", *todo, env=base_env(), timeout=900)
            with path.open("a") as fh:
                fh.write("".join(f"{p}\n" for p in todo))
    _installed.update(missing)


def state_suffix() -> str:
    return "test-" + uuid.uuid4().hex[:10]


def catalog(profile: TapProfile, env: dict[str, str]) -> dict[str, t.Any]:
    """The tap's discovered catalog, through Meltano."""
    proc = meltano("invoke", "--dump", "catalog", profile.tap, env=env)
    return t.cast("dict[str, t.Any]", json.loads(proc.stdout[proc.stdout.index("{") :]))


def key_properties(profile: TapProfile, env: dict[str, str]) -> dict[str, list[str]]:
    """Each stream's primary key, from the tap's own discovery (through Meltano)."""
    return {
        s["tap_stream_id"]: s.get("key_properties") or [] for s in catalog(profile, env)["streams"]
    }


# -- warehouses ---------------------------------------------------------------------------


def duckdb_tables(path: Path, schema: str) -> dict[str, tuple[int, int]]:
    """table -> (rows, distinct primary keys) for a DuckDB schema."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return _tables(con.execute, lambda cur: cur.fetchall(), schema, duck=True)
    finally:
        con.close()


def _tables(
    execute: t.Callable[..., t.Any],
    fetch: t.Callable[[t.Any], list[t.Any]],
    schema: str,
    *,
    duck: bool,
) -> dict[str, tuple[int, int]]:
    param = "?" if duck else "%s"
    tables = [
        r[0]
        for r in fetch(
            execute(
                f"select table_name from information_schema.tables where table_schema = {param}",
                [schema],
            )
        )
    ]
    out = {}
    for table in tables:
        keys = _primary_key(execute, fetch, schema, table, duck=duck)
        rows = fetch(execute(f'select count(*) from "{schema}"."{table}"'))[0][0]
        cols = ", ".join(f'"{k}"' for k in keys) or "*"
        distinct = fetch(
            execute(f'select count(*) from (select distinct {cols} from "{schema}"."{table}") d')
        )[0][0]
        out[table] = (int(rows), int(distinct))
    return out


def _primary_key(
    execute: t.Callable[..., t.Any],
    fetch: t.Callable[[t.Any], list[t.Any]],
    schema: str,
    table: str,
    *,
    duck: bool,
) -> list[str]:
    if duck:
        rows = fetch(
            execute(
                "select constraint_column_names from duckdb_constraints() where schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'",
                [schema, table],
            )
        )
        return list(rows[0][0]) if rows else []
    rows = fetch(
        execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
            "where i.indrelid = %s::regclass and i.indisprimary",
            [f'"{schema}"."{table}"'],
        )
    )
    return [r[0] for r in rows]


PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(dbname="postgres", connect_timeout=3, **PG).close()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    import psycopg2

    name = "e2e_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'create database "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def postgres_env(database: str) -> dict[str, str]:
    return {
        "TARGET_POSTGRES_HOST": PG["host"],
        "TARGET_POSTGRES_PORT": str(PG["port"]),
        "TARGET_POSTGRES_USER": PG["user"],
        "TARGET_POSTGRES_DATABASE": database,
    }


@contextlib.contextmanager
def postgres_cursor(database: str) -> Iterator[t.Any]:
    import psycopg2

    con = psycopg2.connect(dbname=database, **PG)
    try:
        yield con.cursor()
    finally:
        con.close()


def postgres_tables(database: str, schema: str) -> dict[str, tuple[int, int]]:
    with postgres_cursor(database) as cur:

        def execute(sql: str, params: t.Any = None) -> t.Any:
            cur.execute(sql, params)
            return cur

        return _tables(execute, lambda c: c.fetchall(), schema, duck=False)


def postgres_column_types(database: str, schema: str) -> dict[tuple[str, str], str]:
    """(table, column) -> Postgres data type."""
    with postgres_cursor(database) as cur:
        cur.execute(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = %s",
            (schema,),
        )
        return {(table, column): kind for table, column, kind in cur.fetchall()}


#: Columns that say which fetch produced a row (an export job, its window), not what the
#: row says; a rerun after an interruption may fetch the same row in another window.
FETCH_METADATA = {"window_start", "window_end", "window_date", "export_token", "row_number"}


def postgres_rows(database: str, schema: str, table: str) -> set[tuple[t.Any, ...]]:
    """Every row of a table as a set of tuples, for comparisons: loader metadata and
    fetch metadata (unless part of the primary key) left out."""
    with postgres_cursor(database) as cur:

        def execute(sql: str, params: t.Any = None) -> t.Any:
            cur.execute(sql, params)
            return cur

        keys = set(_primary_key(execute, lambda c: c.fetchall(), schema, table, duck=False))
        cur.execute(f'select * from "{schema}"."{table}"')
        cols = [d[0] for d in cur.description]
        keep = [
            i
            for i, c in enumerate(cols)
            if not c.startswith("_sdc_") and (c in keys or c not in FETCH_METADATA)
        ]
        return {tuple(repr(row[i]) for i in keep) for row in cur.fetchall()}
