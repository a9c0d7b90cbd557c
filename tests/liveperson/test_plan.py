"""`tap-agentactivity --plan`: one request for the rolling 24 hours whatever the state or
start_date (not a day window per day since start_date), plus the Domain API lookup when
the host is not named; a bad config is one line, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OAUTH = {
    "account_id": "12345678",
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}


def plan(tmp_path: Path, config: dict[str, object]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "tap_agentactivity", "--config", str(path), "--plan"]
    return subprocess.run(
        [*command, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


@pytest.mark.parametrize("start_date", [None, "2024-01-01T00:00:00Z"])
def test_the_plan_is_one_request_whatever_the_start_date(
    tmp_path: Path, start_date: str | None
) -> None:
    config = {**OAUTH, "domain": "va.data.liveperson.net"}
    if start_date:
        config["start_date"] = start_date
    proc = plan(tmp_path, config)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["streams"]["agent_activity"]["requests"] == 1
    assert out["requests"] == 1
    assert "Traceback" not in proc.stderr


def test_the_plan_counts_the_domain_lookup_when_the_host_is_not_named(tmp_path: Path) -> None:
    proc = plan(tmp_path, dict(OAUTH))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["requests"] == 2
    (lookup,) = out["overhead"]
    assert "Domain API" in lookup


def test_a_bad_config_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    config = {k: v for k, v in OAUTH.items() if k != "consumer_secret"}
    proc = plan(tmp_path, config)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "failed:" in line]
    assert len(lines) == 1 and "consumer_secret" in lines[0]
