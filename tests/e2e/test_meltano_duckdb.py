"""`meltano run <tap> target-duckdb` in the sandbox environment, twice, for every tap.

What must hold in the warehouse after each run: every table's row count equals its
distinct primary keys, and after the first run every stream holds exactly the distinct
keys the tap emitted (nothing dropped on the way, nothing doubled).
"""

from __future__ import annotations

import json
import typing as t
from collections import defaultdict

import pytest

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e


def emitted_keys(
    profile: h.TapProfile, env: dict[str, str], keys: dict[str, list[str]]
) -> dict[str, int]:
    """Distinct keys per stream in the tap's own output for the same settings (no state)."""
    proc = h.meltano("invoke", profile.tap, env=env)
    seen: dict[str, set[tuple[t.Any, ...]]] = defaultdict(set)
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if msg.get("type") == "RECORD":
            stream = msg["stream"]
            seen[stream].add(tuple(json.dumps(msg["record"].get(k)) for k in keys[stream]))
    return {stream: len(values) for stream, values in seen.items()}


@pytest.mark.parametrize("tap", h.declared_taps())
def test_two_runs_into_duckdb_hold_exactly_the_distinct_keys(tap: str, tmp_path) -> None:
    profile = h.PROFILES[tap]
    h.ensure_installed(tap, "target-duckdb")
    warehouse = tmp_path / "warehouse.duckdb"
    suffix = h.state_suffix()
    with h.sandbox_for(profile) as (app, url):
        # The run and the comparison see the same data: complete days, a still clock.
        h.pin_clock(app)
        env = h.isolated_env(
            tmp_path,
            {**profile.env(url), **h.settled(profile), "TARGET_DUCKDB_FILEPATH": str(warehouse)},
        )
        keys = h.key_properties(profile, env)
        h.meltano("run", "--state-id-suffix", suffix, tap, "target-duckdb", env=env)
        first = h.duckdb_tables(warehouse, profile.schema)
        truth = emitted_keys(profile, env, keys)
        assert truth, "the tap emitted nothing"
        for stream, count in truth.items():
            assert stream in first, f"{stream} did not land"
            assert first[stream][0] == count, (
                f"{stream}: {first[stream][0]} rows, tap emitted {count} keys"
            )
        requests_before = app.stats["requests"]
        h.meltano("run", "--state-id-suffix", suffix, tap, "target-duckdb", env=env)
        second = h.duckdb_tables(warehouse, profile.schema)
        second_run_requests = app.stats["requests"] - requests_before
    for table, (rows, distinct) in second.items():
        assert rows == distinct, f"{table}: {rows} rows but {distinct} distinct keys"
        assert rows >= first[table][0]
    # The second run is incremental: it asks for far less than the first.
    assert second_run_requests < requests_before
