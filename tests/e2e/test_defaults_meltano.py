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


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "required property" in line]


@pytest.mark.parametrize(
    ("extra", "missing"),
    [
        ({}, "'api_token' is a required property"),
        (
            {"TAP_LEXER_ACTIVITY_API_TOKEN": "not-a-real-token"},
            "'start_date' is a required property",
        ),
    ],
)
def test_bare_run_names_the_missing_setting(tmp_path, extra, missing) -> None:
    h.ensure_installed("tap-lexer-activity", "target-duckdb")
    proc = h.meltano(
        "run", "tap-lexer-activity", "target-duckdb", env=bare_env(tmp_path, extra), check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert any(missing in line for line in error_lines(output)), output[-3000:]
    assert "127.0.0.1" not in output
    assert "ConnectionError" not in output
    assert "Traceback" not in output
