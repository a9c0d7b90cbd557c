"""The demo pipeline: start the simulators, run every tap through Meltano into the
warehouse, build the dbt models (transform/), print what landed (tables and row counts)
and `cs_reporting.cs_agent_daily` for one day.

    python scripts/demo.py [--warehouse duckdb|postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.warehouse import agent_day, summarize  # noqa: E402

BASE_PORT = 8701
#: extractor -> sandbox port (see meltano.yml, environment `sandbox`)
TAPS = {
    "tap-lexer-activity": 8701,
    "tap-livechat-reports": 8702,
    "tap-analytics": 8703,
    "tap-agentactivity": 8704,
}


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def available_taps() -> list[str]:
    """Taps whose extractor is declared in this project."""
    declared = {
        p.name.removesuffix(".meltano.yml") for p in (ROOT / "meltano").glob("*.meltano.yml")
    }
    return [tap for tap in TAPS if tap in declared]


def meltano(*args: str, env: dict[str, str]) -> None:
    cmd = [str(Path(sys.executable).parent / "meltano"), *args]
    print("+", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def busy_ports(taps: list[str]) -> list[int]:
    return [TAPS[tap] for tap in taps if port_open(TAPS[tap])]


def start_simulators(taps: list[str]) -> subprocess.Popen[bytes] | None:
    """Start the simulators unless all of them already listen; None when reused. Exits with
    one line when only some ports answer (another program holds one)."""
    busy = busy_ports(taps)
    if busy and len(busy) == len(taps):
        print(f"using the simulators already listening on ports {', '.join(map(str, busy))}")
        return None
    if busy:
        sys.exit(
            f"demo: port(s) {', '.join(map(str, busy))} already in use by another program; "
            f"the sandbox environment needs {BASE_PORT}-{BASE_PORT + 3} free "
            "(stop it, or stop the half-running sandbox)"
        )
    log_path = ROOT / "output" / "sandbox.log"
    with open(log_path, "w") as log:
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "all", "--port", str(BASE_PORT)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    for _ in range(100):
        if len(busy_ports(taps)) == len(taps):
            return sandbox
        with contextlib.suppress(subprocess.TimeoutExpired):
            sandbox.wait(0.1)
        if sandbox.poll() is not None:
            lines = log_path.read_text().strip().splitlines() or ["(no output)"]
            sys.exit(f"demo: the simulators did not start: {lines[-1]}")
    sandbox.terminate()
    sys.exit(f"demo: the simulators did not answer within 10 s (see {log_path})")


def ensure_postgres_database() -> None:
    """Create the warehouse database (TARGET_POSTGRES_DATABASE, default `warehouse`)."""
    import psycopg2

    name = os.environ.get("TARGET_POSTGRES_DATABASE", "warehouse")
    host = os.environ.get("TARGET_POSTGRES_HOST", "localhost")
    port = int(os.environ.get("TARGET_POSTGRES_PORT", "5432"))
    try:
        con = psycopg2.connect(
            host=host,
            port=port,
            user=os.environ.get("TARGET_POSTGRES_USER", "postgres"),
            password=os.environ.get("TARGET_POSTGRES_PASSWORD") or None,
            dbname="postgres",
            connect_timeout=10,
        )
    except psycopg2.Error as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        sys.exit(f"demo: cannot reach Postgres at {host}:{port} (TARGET_POSTGRES_*): {first}")
    con.autocommit = True
    cur = con.cursor()
    cur.execute("select 1 from pg_database where datname = %s", (name,))
    if cur.fetchone() is None:
        cur.execute(f'create database "{name}"')
        print(f"created database {name}")
    con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    args = parser.parse_args()
    loader = f"target-{args.warehouse}"
    # The environment is named on every command line (`--environment sandbox`): the
    # project's default is `dev`, the real APIs.
    env = {k: v for k, v in os.environ.items() if k != "MELTANO_ENVIRONMENT"} | {
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        # Quiet the SDK's METRIC lines (singer-sdk's documented logging hook).
        "SINGER_SDK_LOG_CONFIG": str(ROOT / "scripts" / "demo-logging.yml"),
    }
    (ROOT / "output").mkdir(exist_ok=True)
    taps = available_taps()
    sandbox = start_simulators(taps)
    extra: list[str] = []
    if args.warehouse == "postgres":
        ensure_postgres_database()
        extra = ["pg-timestamptz:convert"]  # date-time columns as timestamptz
    dbt = f"dbt-{args.warehouse}"
    try:
        sandbox_env = ("--environment", "sandbox")
        plugins = [*taps, loader, *[p.split(":")[0] for p in extra], dbt]
        meltano(*sandbox_env, "install", *plugins, env=env)
        for tap in taps:
            meltano(*sandbox_env, "run", "--state-id-suffix", "demo", tap, loader, *extra, env=env)
        # The transform layer once, after every tap (each job also ends with it).
        meltano(*sandbox_env, "run", f"{dbt}:build", env=env)
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(10)
    print()
    print(summarize(args.warehouse))
    print()
    print(agent_day(args.warehouse))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
