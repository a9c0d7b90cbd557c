"""End to end: ``meltano run <tap> target-postgres`` beside the target fed from a file.

    .venv/bin/python benchmarks/bench_e2e.py [--quick] [--only dixa]

For each tap (its record-heaviest stream): the sandbox in its own process (no artificial
latency, limits out of the way), then

1. ``meltano run <tap> target-postgres`` into a fresh schema: wall time, rows loaded;
2. ``meltano invoke <tap>`` with the same settings, its Singer output saved to a file;
3. ``meltano invoke target-postgres < file`` into another fresh schema: the target's own
   floor (the same messages, no tap in front of it).

The figure is floor seconds / run seconds: 1.0 means the tap costs the pipeline nothing;
the goal is at least 0.9. Each Meltano command has its own ``.meltano`` run directory and
system database (concurrent runs of one plugin would share ``.meltano/run/<plugin>``), with
the project's installed plugins linked in; a plugin not yet installed there (a fresh clone
has no ``.meltano``) is ``meltano install``-ed first, once. Needs the PostgreSQL of the README (127.0.0.1:5432, user
postgres, trust auth; ``TARGET_POSTGRES_*`` override). Each run loads into a database of
its own, created and dropped again after (``TARGET_POSTGRES_DATABASE`` names an existing
one instead: then only the run's schemas are created and dropped).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import typing as t
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_throughput import lexer_export_scale
from benchmarks.common import ROOT, sandbox

MELTANO = str(Path(sys.executable).parent / "meltano")
PG: dict[str, t.Any] = {
    "host": os.environ.get("TARGET_POSTGRES_HOST", "127.0.0.1"),
    "port": int(os.environ.get("TARGET_POSTGRES_PORT", "5432")),
    "user": os.environ.get("TARGET_POSTGRES_USER", "postgres"),
    # Unset: a database of the run's own (created, dropped after), so that two runs at
    # once (or a fresh server without ``warehouse``) never share or lack one.
    "dbname": os.environ.get("TARGET_POSTGRES_DATABASE") or f"bench_e2e_{uuid.uuid4().hex[:8]}",
}
START = dt.date(2026, 3, 2)


@dataclass
class Case:
    name: str
    tap: str
    stream: str
    factory: str
    options: dict[str, t.Any]
    settings: t.Callable[[str], dict[str, t.Any]]


def unlimited() -> dict[str, t.Any]:
    return {"rate_limit_max_requests": 1_000_000, "rate_limit_window_seconds": 1}


def cases(quick: bool) -> list[Case]:
    days = 20 if quick else 90
    export_rows = 10_000 if quick else 50_000
    end = (START + dt.timedelta(days=days - 1)).isoformat()
    return [
        Case(
            "Lexer mention_sla_export",
            "tap-lexer-activity",
            "mention_sla_export",
            "sandbox.lexer:build",
            {
                "export_scale": lexer_export_scale(export_rows),
                "export_pending_polls": 1,
                "rate_limit_max": 1_000_000,
                "rate_limit_window": 1.0,
            },
            lambda base: {
                "api_url": f"{base}/v1",
                "exports_api_url": f"{base}/api/public/v1",
                "start_date": START.isoformat(),
                "end_date": START.isoformat(),
                "export_window_days": 1,
                "export_poll_interval_seconds": 0.05,
                "nps_form_ids": [55],
                **unlimited(),
            },
        ),
        Case(
            "Dixa closed_conversations",
            "tap-analytics",
            "closed_conversations",
            "sandbox.dixa:build",
            {"rate_per_second": 1_000_000, "burst": 1_000_000},
            lambda base: {
                "api_url": base,
                "start_date": START.isoformat(),
                "end_date": end,
                "page_limit": 300,
                "record_ids": ["closed_conversations"],
                **unlimited(),
            },
        ),
        Case(
            "LiveChat agents_performance",
            "tap-livechat-reports",
            "agents_performance",
            "sandbox.livechat:build",
            {"rate_limit_max": 1_000_000, "rate_limit_window": 1.0},
            lambda base: {
                "api_url": base,
                "start_date": START.isoformat(),
                "end_date": end,
                "timezone": "UTC",
                **unlimited(),
            },
        ),
        Case(
            "LivePerson agent_activity",
            "tap-agentactivity",
            "agent_activity",
            "sandbox.liveperson:build",
            {"max_concurrent": 64},
            lambda base: {"api_url": base, "domain_api_url": base},
        ),
    ]


PLUGIN_KINDS = {"tap-": "extractors", "target-": "loaders"}


def installed(plugin: str) -> bool:
    kind = next(k for prefix, k in PLUGIN_KINDS.items() if plugin.startswith(prefix))
    return (ROOT / ".meltano" / kind / plugin / "venv" / "bin" / plugin).exists()


def ensure_installed(*plugins: str) -> None:
    """``meltano install`` the plugins the project lacks (never ones it has: pip would
    reinstall an editable tap under a concurrent run), one installer at a time."""
    import fcntl

    if all(installed(p) for p in plugins):
        return
    (ROOT / ".meltano").mkdir(exist_ok=True)
    with (ROOT / ".meltano" / ".bench-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        todo = [p for p in plugins if not installed(p)]
        if todo:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("MELTANO_SYS_DIR_ROOT", "MELTANO_DATABASE_URI"))
            }
            env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
            print(f"  meltano install {' '.join(todo)} (once)", file=sys.stderr, flush=True)
            meltano(["install", *todo], env, stdout=subprocess.DEVNULL)


def env_for(case: Case, base: str, workdir: Path, schema: str) -> dict[str, str]:
    prefix = case.tap.upper().replace("-", "_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAP_", "TARGET_", "MELTANO_")) or k.startswith("TARGET_POSTGRES_")
    }
    sys_dir = workdir / ".meltano"
    if not sys_dir.exists():
        sys_dir.mkdir(parents=True)
        for kind in PLUGIN_KINDS.values():
            (ROOT / ".meltano" / kind).mkdir(parents=True, exist_ok=True)
            (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    env.update(
        {
            "MELTANO_SYS_DIR_ROOT": str(sys_dir),
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_ENVIRONMENT": "sandbox",
            f"{prefix}__SELECT": json.dumps([f"{case.stream}.*"]),
            "TARGET_POSTGRES_HOST": str(PG["host"]),
            "TARGET_POSTGRES_PORT": str(PG["port"]),
            "TARGET_POSTGRES_USER": str(PG["user"]),
            "TARGET_POSTGRES_DATABASE": str(PG["dbname"]),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        }
    )
    for key, value in case.settings(base).items():
        env[f"{prefix}_{key.upper()}"] = (
            json.dumps(value) if isinstance(value, list | dict) else str(value)
        )
    return env


def meltano(args: list[str], env: dict[str, str], **kwargs: t.Any) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [MELTANO, *args], cwd=ROOT, env=env, check=False, stderr=subprocess.PIPE, **kwargs
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        err = (
            proc.stderr.decode(errors="replace") if isinstance(proc.stderr, bytes) else proc.stderr
        )
        raise RuntimeError(f"meltano {' '.join(args)} failed:\n{err[-3000:]}")
    return seconds


def count_rows(schema: str) -> int:
    import psycopg2

    con = psycopg2.connect(**PG)
    try:
        with con.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = %s",
                [schema],
            )
            total = 0
            for (name,) in cur.fetchall():
                cur.execute(f'select count(*) from "{schema}"."{name}"')  # noqa: S608
                total += int(cur.fetchone()[0])  # type: ignore[index]
            return total
    finally:
        con.close()


def drop_schema(schema: str) -> None:
    import psycopg2

    con = psycopg2.connect(**PG)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(f'drop schema if exists "{schema}" cascade')
    finally:
        con.close()


@contextlib.contextmanager
def database() -> t.Iterator[None]:
    """PG's database for the run: created (and dropped after) unless it exists."""
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(**{**PG, "dbname": "postgres"})
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", [PG["dbname"]])
            created = cur.fetchone() is None
            if created:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(PG["dbname"])))
        yield
        if created:
            with admin.cursor() as cur:
                cur.execute(
                    sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(PG["dbname"])
                    )
                )
    finally:
        admin.close()


def measure(case: Case) -> dict[str, t.Any]:
    tag = uuid.uuid4().hex[:8]
    run_schema, floor_schema = f"bench_run_{tag}", f"bench_floor_{tag}"
    ensure_installed(case.tap, "target-postgres")
    with sandbox(case.factory, **case.options) as base, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            env = env_for(case, base, work / "run", run_schema)
            run_s = meltano(
                ["run", "--state-id-suffix", f"bench{tag}", case.tap, "target-postgres"], env
            )
            rows = count_rows(run_schema)
            env = env_for(case, base, work / "floor", floor_schema)
            saved = work / "singer.jsonl"
            with saved.open("wb") as out:
                meltano(["invoke", case.tap], env, stdout=out)
            with saved.open("rb") as inp:
                floor_s = meltano(
                    ["invoke", "target-postgres"], env, stdin=inp, stdout=subprocess.DEVNULL
                )
            floor_rows = count_rows(floor_schema)
        finally:
            with contextlib.suppress(Exception):
                drop_schema(run_schema)
            with contextlib.suppress(Exception):
                drop_schema(floor_schema)
    # LivePerson answers "the last 24 hours": a later run can load a few rows more or
    # fewer, so each side's rate uses its own row count.
    return {
        "case": case.name,
        "rows": rows,
        "floor_rows": floor_rows,
        "run_s": run_s,
        "floor_s": floor_s,
        "run_rps": rows / run_s,
        "floor_rps": floor_rows / floor_s,
        "ratio": (rows / run_s) / (floor_rows / floor_s),
    }


def run(quick: bool = False, only: str | None = None) -> list[dict[str, t.Any]]:
    with database():
        return [measure(c) for c in cases(quick) if not only or only.lower() in c.name.lower()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only")
    args = parser.parse_args()
    print(
        f"{'case':<30} {'rows':>7} {'run s':>6} {'run rows/s':>10} {'file s':>7} {'file rows/s':>11} {'ratio':>6}"
    )
    for r in run(args.quick, args.only):
        print(
            f"{r['case']:<30} {r['rows']:>7,} {r['run_s']:>6.1f} {r['run_rps']:>10,.0f} "
            f"{r['floor_s']:>7.1f} {r['floor_rps']:>11,.0f} {r['ratio']:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
