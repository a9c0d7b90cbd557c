"""Defaults that used to hurt a newcomer, and one clear line where there was a traceback or
hundreds of lines: no start_date default outside `sandbox`, no default environment that
points at the simulators, a busy simulator port, a missing Postgres database, and the
demo's METRIC noise."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e import harness as h

ROOT = Path(__file__).resolve().parents[2]


def project() -> dict:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def test_no_default_environment_points_at_the_simulators() -> None:
    assert project().get("default_environment") in (None, "dev")


def test_start_date_has_a_value_only_in_the_sandbox_environment() -> None:
    for path in [ROOT / "meltano.yml", *sorted((ROOT / "meltano").glob("*.meltano.yml"))]:
        doc = yaml.safe_load(path.read_text())
        for plugin in (doc.get("plugins") or {}).get("extractors") or []:
            assert "start_date" not in (plugin.get("config") or {}), (path.name, plugin["name"])
            for s in plugin.get("settings") or []:
                if s["name"] == "start_date":
                    assert "value" not in s, (path.name, plugin["name"])
    for env in project()["environments"]:
        if env["name"] == "sandbox":
            continue
        extractors = ((env.get("config") or {}).get("plugins") or {}).get("extractors") or []
        for plugin in extractors:
            assert "start_date" not in (plugin.get("config") or {}), (env["name"], plugin)


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_sandbox_on_a_busy_port_says_so_in_one_line(held_port: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "dixa", "--port", str(held_port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"sandbox: cannot start the dixa simulator: 127.0.0.1:{held_port} is already in use "
        "(another sandbox or program listens there; stop it or pass another --port)"
    ]


def test_demo_with_one_busy_port_stops_with_one_line(
    held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT))
    from scripts import demo

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        other = free.getsockname()[1]
    monkeypatch.setattr(demo, "TAPS", {"tap-a": other, "tap-b": held_port})
    with pytest.raises(SystemExit) as exc:
        demo.start_simulators(["tap-a", "tap-b"])
    assert str(exc.value).startswith(f"demo: port(s) {held_port} already in use")
    assert "\n" not in str(exc.value)


def pg_env(database: str, **extra: str) -> dict[str, str]:
    env = h.base_env(h.postgres_env(database))
    env.update(extra)
    return env


@pytest.mark.skipif(not h.postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_pg_ensure_database_creates_it_once() -> None:
    import psycopg2

    name = "ensure_" + uuid.uuid4().hex[:10]
    cmd = [str(Path(sys.executable).parent / "pg-timestamptz"), "--ensure-database"]
    try:
        first = subprocess.run(cmd, env=pg_env(name), capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == f"pg-timestamptz: created database {name} on 127.0.0.1:5432"
        second = subprocess.run(cmd, env=pg_env(name), capture_output=True, text=True)
        assert second.returncode == 0, second.stderr
        assert "database exists" in second.stdout
        con = psycopg2.connect(dbname=name, **h.PG)
        con.close()
    finally:
        admin = psycopg2.connect(dbname="postgres", **h.PG)
        admin.autocommit = True
        admin.cursor().execute(f'drop database if exists "{name}"')
        admin.close()


def test_pg_ensure_database_without_a_server_is_one_line(held_port: int) -> None:
    # A port that accepts nothing Postgres understands: the connection fails.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    cmd = [str(Path(sys.executable).parent / "pg-timestamptz"), "--ensure-database"]
    proc = subprocess.run(
        cmd,
        env=pg_env("warehouse", TARGET_POSTGRES_PORT=str(closed)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        f"pg-timestamptz: cannot create or find database warehouse on 127.0.0.1:{closed}"
    )


def _run_tap(tmp_path: Path, env_extra: dict[str, str]) -> str:
    profile = h.PROFILES["tap-analytics"]
    day = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()
    with h.sandbox_for(profile) as (_, url):
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "api_url": url,
                    "api_token": "sandbox-dixa-token",
                    "start_date": day,
                    "end_date": day,
                }
            )
        )
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "tap-analytics"), "--config", str(config)],
            env=h.base_env(env_extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stderr


def test_demo_logging_config_drops_metric_lines_only(tmp_path: Path) -> None:
    noisy = _run_tap(tmp_path, {})
    quiet = _run_tap(
        tmp_path, {"SINGER_SDK_LOG_CONFIG": str(ROOT / "scripts" / "demo-logging.yml")}
    )
    assert sum("METRIC" in line for line in noisy.splitlines()) > 0
    assert sum("METRIC" in line for line in quiet.splitlines()) == 0
    # The tap's own INFO lines still show.
    assert any("INFO" in line and "METRIC" not in line for line in quiet.splitlines())
