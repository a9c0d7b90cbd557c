"""The taps outside this repository: build the wheel, `meltano init` a project in a
temporary directory, add each tap from its shipped plugin definition
(plugins/extractors/<tap>--cs-analytics.yml) with pip_url pointing at the wheel, and run
it against its simulator into target-duckdb.

Meltano makes one virtual environment per plugin; with Meltano 4 (uv) and the machine's
package cache each install takes seconds, so the four taps install the way a user's
project would, one venv each (no shared `executable` shortcut).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e

LOADER = {
    "name": "target-duckdb",
    "namespace": "target_duckdb",
    "variant": "cs-analytics",
    "pip_url": str(h.ROOT / "plugins" / "loaders" / "target-duckdb-kit"),
    "executable": "target-duckdb-kit",
    "settings": [
        {"name": "filepath", "kind": "string"},
        {"name": "default_target_schema", "kind": "string"},
        {"name": "add_metadata_columns", "kind": "boolean"},
        {"name": "primary_key_required", "kind": "boolean"},
        {"name": "hard_delete", "kind": "boolean"},
    ],
}


def sandbox_credentials(tap: str) -> dict[str, t.Any]:
    """The simulator's credentials, from the repository's `sandbox` environment."""
    project = yaml.safe_load((h.ROOT / "meltano.yml").read_text())
    (env,) = [e for e in project["environments"] if e["name"] == "sandbox"]
    (plugin,) = [p for p in env["config"]["plugins"]["extractors"] if p["name"] == tap]
    secrets = ("token", "key", "secret", "account_id")
    return {k: v for k, v in plugin["config"].items() if any(s in k for s in secrets)}


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{out[-4000:]}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The distribution's wheel, built from a copy of what goes into it (so the checkout
    gets no build/ or egg-info directory)."""
    dist = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src")
    for path in [h.ROOT / "tapkit", *sorted(h.ROOT.glob("tap_*"))]:
        shutil.copytree(path, src / path.name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (h.ROOT / name).exists():
            shutil.copy(h.ROOT / name, src / name)
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(dist)],
        cwd=src,
        env=dict(os.environ),
    )
    (path,) = dist.glob("cs_analytics_taps-*.whl")
    return path


def test_each_tap_from_its_definition_in_a_fresh_project(wheel: Path, tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAP_", "TARGET_", "MELTANO_", "VIRTUAL_ENV"))
    }
    env.update({"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"})
    run([h.MELTANO, "init", "--no-usage-stats", "proj"], cwd=tmp_path, env=env)
    project = tmp_path / "proj"
    loader = tmp_path / "target-duckdb.yml"
    loader.write_text(yaml.safe_dump(LOADER))
    run(
        [h.MELTANO, "add", "--plugin-type", "loader", "target-duckdb", "--from-ref", str(loader)],
        cwd=project,
        env=env,
    )
    warehouse = tmp_path / "warehouse.duckdb"
    for tap in h.declared_taps():
        profile = h.PROFILES[tap]
        shipped = h.ROOT / "plugins" / "extractors" / f"{tap}--cs-analytics.yml"
        definition = yaml.safe_load(shipped.read_text())
        definition["pip_url"] = str(wheel)
        ref = tmp_path / shipped.name
        ref.write_text(yaml.safe_dump(definition, sort_keys=False))
        run(
            [h.MELTANO, "add", "--plugin-type", "extractor", tap, "--from-ref", str(ref)],
            cwd=project,
            env=env,
        )
        venv = project / ".meltano" / "extractors" / tap / "venv"
        # The tap's environment holds the tap and what it needs, nothing of the repository's
        # own tooling (simulators, Dagster code, Postgres driver).
        for module in ("sandbox", "orchestrate", "psycopg2", "dagster"):
            probe = subprocess.run(
                [str(venv / "bin" / "python"), "-c", f"import {module}"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
            assert probe.returncode != 0, f"{module} is installed with {tap}"
        with h.sandbox_for(profile) as (app, url):
            h.pin_clock(app)
            prefix = tap.upper().replace("-", "_")
            creds = {f"{prefix}_{k.upper()}": str(v) for k, v in sandbox_credentials(tap).items()}
            run_env = {
                **env,
                **creds,
                **profile.env(url),
                **h.settled(profile),
                "TARGET_DUCKDB_FILEPATH": str(warehouse),
                "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": profile.schema,
                "TARGET_DUCKDB_ADD_METADATA_COLUMNS": "true",
                "TARGET_DUCKDB_PRIMARY_KEY_REQUIRED": "true",
                "TARGET_DUCKDB_HARD_DELETE": "true",
            }
            run([h.MELTANO, "run", tap, "target-duckdb"], cwd=project, env=run_env)
            assert app.stats["requests"] > 0
        tables = h.duckdb_tables(warehouse, profile.schema)
        assert tables, f"{tap}: nothing landed in {profile.schema}"
        assert sum(rows for rows, _ in tables.values()) > 0, (tap, tables)
        for table, (rows, distinct) in tables.items():
            assert rows == distinct, f"{tap} {table}: {rows} rows, {distinct} keys"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        kinds = {
            r[0] for r in con.execute("select distinct data_type from duckdb_columns()").fetchall()
        }
    finally:
        con.close()
    assert "HUGEINT" not in kinds
