"""Meltano runs into DuckDB and Postgres against a simulator subprocess, with a private
system database (so state never mixes with anyone else's runs), and the tables read back
for comparison."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.e2e.harness import ensure_installed

from .harness import ROOT, VOLATILE
from .profiles import Profile

MELTANO = str(ROOT / ".venv" / "bin" / "meltano")
SERVER: dict[str, t.Any] = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
#: This process's own database (one per pytest session or xdist worker), created on first
#: use and dropped at the session's end (conftest): the kill tests never depend on a
#: `warehouse` database that `make demo` or another folder happened to leave behind.
PG: dict[str, t.Any] = {**SERVER, "dbname": f"reliability_{uuid.uuid4().hex[:10]}"}
RUN_TIMEOUT = 300
_created: list[str] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_available() -> bool:
    """A server answers on SERVER; this process's database exists on it (created here)."""
    try:
        import psycopg2

        admin = psycopg2.connect(dbname="postgres", connect_timeout=2, **SERVER)
    except Exception:
        return False
    try:
        if not _created:
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'create database "{PG["dbname"]}"')
            _created.append(PG["dbname"])
    finally:
        admin.close()
    return True


def drop_database() -> None:
    """Drop this process's database if it was created (end of the session)."""
    if not _created:
        return
    import psycopg2

    admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **SERVER)
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{_created.pop()}" with (force)')
    finally:
        admin.close()


@dataclass
class Simulator:
    """``python -m sandbox <vendor>`` on a free port, controlled over HTTP."""

    url: str
    proc: subprocess.Popen[bytes]

    def control(self, path: str, body: dict[str, t.Any] | None = None) -> t.Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - a local simulator
            self.url + path, data=data, method="POST" if data is not None else "GET"
        )
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
            return json.loads(resp.read())

    def api_requests(self) -> int:
        stats = self.control("/__sandbox__/stats")
        return sum(v for k, v in stats.items() if " /" in k and "/__sandbox__/" not in k)


@contextlib.contextmanager
def simulator(profile: Profile) -> Iterator[Simulator]:
    port = free_port()
    cmd = [sys.executable, "-m", "sandbox", profile.vendor, "--port", str(port)]
    for key, value in profile.subprocess_options.items():
        cmd += ["--set", f"{key}={json.dumps(value)}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sim = Simulator(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sim.control("/__sandbox__/stats")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sandbox {profile.vendor} did not start") from None
                time.sleep(0.05)
        if profile.server_now is not None:
            sim.control("/__sandbox__/now", {"now": profile.server_now.isoformat()})
        yield sim
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Warehouse:
    """One private target: a DuckDB file or a Postgres schema."""

    kind: str  # "duckdb" | "postgres"
    workdir: Path
    schema: str

    @property
    def loader(self) -> str:
        return f"target-{self.kind}"

    def env(self) -> dict[str, str]:
        if self.kind == "duckdb":
            return {
                "TARGET_DUCKDB_FILEPATH": str(self.workdir / "warehouse.duckdb"),
                "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": self.schema,
            }
        return {
            "TARGET_POSTGRES_HOST": PG["host"],
            "TARGET_POSTGRES_DATABASE": PG["dbname"],
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": self.schema,
        }

    def tables(self, keys: dict[str, list[str]]) -> dict[str, list[dict[str, t.Any]]]:
        """Every table of the schema as rows (metadata columns dropped)."""
        out: dict[str, list[dict[str, t.Any]]] = {}
        if self.kind == "duckdb":
            import duckdb

            path = self.workdir / "warehouse.duckdb"
            if not path.exists():
                return {}
            con = duckdb.connect(str(path), read_only=True)
            try:
                names = [
                    r[0]
                    for r in con.execute(
                        "select table_name from information_schema.tables where table_schema = ?",
                        [self.schema],
                    ).fetchall()
                ]
                for name in names:
                    cur = con.execute(f'select * from "{self.schema}"."{name}"')
                    cols = [d[0] for d in cur.description or []]
                    out[name] = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            finally:
                con.close()
        else:
            import psycopg2

            con = psycopg2.connect(**PG)
            try:
                with con.cursor() as cur:
                    cur.execute(
                        "select table_name from information_schema.tables where table_schema = %s",
                        [self.schema],
                    )
                    names = [r[0] for r in cur.fetchall()]
                    for name in names:
                        cur.execute(f'select * from "{self.schema}"."{name}"')
                        cols = [d[0] for d in cur.description or []]
                        out[name] = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            finally:
                con.close()
        return {
            name: [{k: v for k, v in row.items() if not k.startswith("_sdc_")} for row in rows]
            for name, rows in out.items()
        }

    def drop(self) -> None:
        if self.kind == "postgres":
            import psycopg2

            con = psycopg2.connect(**PG)
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'drop schema if exists "{self.schema}" cascade')
            con.close()


@dataclass
class MeltanoRun:
    returncode: int
    output: str
    killed: bool
    seconds: float


def normalise(value: t.Any) -> t.Any:
    """Warehouse values in one comparable form (DuckDB and Postgres type them apart)."""
    import datetime as dt
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            if len(value) >= 19 and value[4] == "-" and ("T" in value or " " in value):
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return normalise(parsed)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def keyed(
    tables: dict[str, list[dict[str, t.Any]]], keys: dict[str, list[str]]
) -> tuple[dict[str, dict[tuple, dict[str, t.Any]]], int]:
    """Tables keyed by primary key, and the number of duplicate keys found."""
    out: dict[str, dict[tuple, dict[str, t.Any]]] = {}
    dups = 0
    for name, rows in tables.items():
        pk = keys.get(name) or []
        table: dict[tuple, dict[str, t.Any]] = {}
        for row in rows:
            key = tuple(normalise(row.get(k)) for k in pk)
            dups += key in table
            table[key] = {k: normalise(v) for k, v in row.items() if k not in VOLATILE}
        out[name] = table
    return out, dups


def _tap_processes(root: psutil.Process, executable: str) -> list[psutil.Process]:
    found = []
    with contextlib.suppress(psutil.Error):
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any(part.endswith(executable) for part in child.cmdline()[:2]):
                    found.append(child)
    return found


class MeltanoProject:
    """``meltano run`` of one tap into one warehouse with private state."""

    def __init__(self, profile: Profile, sim: Simulator, warehouse: Warehouse) -> None:
        self.profile = profile
        self.sim = sim
        self.warehouse = warehouse
        self.state_suffix = f"rel{uuid.uuid4().hex[:10]}"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAP_", "TARGET_", "MELTANO_")) and k != "PYTEST_CURRENT_TEST"
        }
        select = [f"{name}.*" for name in self.profile.kill_streams]
        env.update(
            {
                # A private .meltano: `meltano run` writes each plugin's config and catalog
                # to <sys dir>/run/<plugin>/, which concurrent runs of one tap would share.
                "MELTANO_SYS_DIR_ROOT": str(self.sys_dir()),
                "MELTANO_DATABASE_URI": f"sqlite:///{self.warehouse.workdir / 'meltano.db'}",
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "MELTANO_ENVIRONMENT": "sandbox",
                f"{self.profile.env_prefix}__SELECT": json.dumps(select),
                **self.profile.make_env(self.sim.url),
                **self.warehouse.env(),
            }
        )
        return env

    def sys_dir(self) -> Path:
        """<workdir>/.meltano: the installed plugins linked in, its own run directory.

        The plugins are installed first (once per session), so the suite runs alone in a
        fresh clone, before or without the end-to-end tests that install them too."""
        sys_dir = self.warehouse.workdir / ".meltano"
        if not sys_dir.exists():
            ensure_installed(self.profile.tap, self.warehouse.loader)
            sys_dir.mkdir(parents=True)
            for kind in ("extractors", "loaders"):
                (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
        return sys_dir

    def run(
        self,
        *,
        kill_after_requests: int | None = None,
        sig: int = signal.SIGTERM,
        extra_delay: float = 0.0,
        full_refresh: bool = False,
    ) -> MeltanoRun:
        cmd = [MELTANO, "--environment", "sandbox", "run", "--state-id-suffix", self.state_suffix]
        if full_refresh:
            cmd.append("--full-refresh")
        cmd += [self.profile.tap, self.warehouse.loader]
        log_path = self.warehouse.workdir / f"meltano-{uuid.uuid4().hex[:6]}.log"
        start = time.monotonic()
        killed = False
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
            try:
                if kill_after_requests is not None:
                    killed = self._kill_at(proc, kill_after_requests, sig, extra_delay)
                proc.wait(timeout=RUN_TIMEOUT)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        return MeltanoRun(
            proc.returncode, log_path.read_text(errors="replace"), killed, time.monotonic() - start
        )

    def _kill_at(
        self, proc: subprocess.Popen[bytes], requests: int, sig: int, extra_delay: float
    ) -> bool:
        root = psutil.Process(proc.pid)
        baseline = self.sim.api_requests()
        deadline = time.monotonic() + RUN_TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if self.sim.api_requests() - baseline >= requests:
                if extra_delay:
                    time.sleep(extra_delay)
                taps = _tap_processes(root, self.profile.tap)
                if not taps:
                    return False
                for tap in taps:
                    with contextlib.suppress(psutil.Error):
                        tap.send_signal(sig)
                return True
            time.sleep(0.005)
        return False


def new_warehouse(kind: str, workdir: Path) -> Warehouse:
    workdir.mkdir(parents=True, exist_ok=True)
    return Warehouse(kind, workdir, f"rel_{uuid.uuid4().hex[:10]}")
