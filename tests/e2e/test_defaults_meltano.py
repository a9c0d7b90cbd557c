"""A bare `meltano run` (no --environment, no credentials) goes to the real API in the
`dev` environment and stops before any request with one line naming the setting it
lacks, instead of reaching for the simulators on 127.0.0.1 or starting a backfill from a
default start_date."""

from __future__ import annotations

import pytest

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e


def bare_env(tmp_path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = h.isolated_env(tmp_path, {"TARGET_DUCKDB_FILEPATH": str(tmp_path / "w.duckdb")})
    env.pop("MELTANO_ENVIRONMENT")
    env.update(extra or {})
    return env


@pytest.mark.parametrize(
    ("tap", "extra", "missing"),
    [
        ("tap-lexer-activity", {}, "api_token: missing (required)"),
        (
            "tap-lexer-activity",
            {"TAP_LEXER_ACTIVITY_API_TOKEN": "not-a-real-token"},
            "start_date: missing (required)",
        ),
        ("tap-livechat-reports", {}, "start_date: missing (required)"),
        (
            "tap-livechat-reports",
            {"TAP_LIVECHAT_REPORTS_START_DATE": "2026-11-01"},
            "personal_access_token / access_token: no credential; set account_id + "
            "personal_access_token (PAT) or access_token (OAuth)",
        ),
        ("tap-analytics", {}, "api_token: missing (required)"),
        ("tap-agentactivity", {}, "account_id: missing (required)"),
    ],
)
def test_bare_run_names_the_missing_setting(tmp_path, tap, extra, missing) -> None:
    h.ensure_installed(tap, "target-duckdb")
    proc = h.meltano("run", tap, "target-duckdb", env=bare_env(tmp_path, extra), check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert any(missing in line for line in output.splitlines()), output[-3000:]
    assert "127.0.0.1" not in output
    assert "ConnectionError" not in output
    assert "Traceback" not in output
