"""Faults from the simulators, the same matrix for every tap.

Each retriable fault is injected mid-sync, first fewer times than ``max_retries`` (the run
must finish with exactly the rows of a clean run), then more times (the run must stop with
a clear error, write no STATE past the rows it delivered, and a rerun from its last STATE
must lose nothing). Every log line and Singer message is scanned for the secrets."""

from __future__ import annotations

import typing as t

import pytest

from .checks import states_ahead_of_records
from .harness import (
    Run,
    Served,
    discover,
    duplicate_keys,
    extra_rows,
    lost_rows,
    null_keys,
    record,
    run,
    secrets_in,
    table_of,
    upsert,
)
from .profiles import FAST_HTTP

RETRIES = FAST_HTTP["max_retries"]

#: name -> fault spec (``count`` is set per test).
RETRIABLE: dict[str, dict[str, t.Any]] = {
    "503": {"kind": "status", "status": 503},
    "500": {"kind": "status", "status": 500, "body": {"message": "internal"}},
    "timeout": {"kind": "delay", "seconds": 1.4},
    "reset": {"kind": "reset"},
    "truncated": {"kind": "truncate"},
    "html": {"kind": "html"},
}


def _baseline(sim: Served) -> tuple[dict, Run]:
    config = sim.config()
    catalog = discover(sim.profile.tap_cls, config, sim.profile.streams)
    clean = run(sim.profile.tap_cls, config, catalog)
    assert clean.error is None, clean.error
    assert sum(len(v) for v in clean.records.values()) > 0
    return catalog, clean


def _check_common(sim: Served, result: Run) -> int:
    keys = sim.keys
    found = secrets_in(result.text(), sim.profile.secrets(sim.config()))
    assert not found, f"secret leaked in logs/messages: {len(found)} value(s)"
    assert duplicate_keys(result, keys) == 0
    assert null_keys(result, keys) == 0
    return len(found)


def _sync_requests(sim: Served, catalog: dict) -> int:
    before = sim.requests()
    run(sim.profile.tap_cls, sim.config(), catalog)
    return sim.requests() - before


@pytest.mark.parametrize("fault", sorted(RETRIABLE))
def test_retriable_fault_survived(sim: Served, fault: str) -> None:
    catalog, clean = _baseline(sim)
    n = _sync_requests(sim, catalog)
    # A timeout costs a whole request_timeout_seconds: one is enough to prove the point.
    count = 1 if fault == "timeout" else RETRIES
    spec = {**RETRIABLE[fault], "count": count, "after": n // 2}
    sim.app.faults.add(**spec)
    result = run(sim.profile.tap_cls, sim.config(), catalog)
    fired = sim.app.faults.injected[spec["kind"]]
    assert fired == count, "the fault never fired"
    assert result.error is None, f"{fault} x{count} should be retried: {result.error}"
    keys = sim.keys
    expected = table_of(clean, keys)
    got = table_of(result, keys)
    lost = lost_rows(expected, got)
    assert lost == 0
    assert extra_rows(expected, got) == 0
    assert any("retry 1" in line for line in result.logs), "no retry was logged"
    secrets = _check_common(sim, result)
    record(
        sim.profile.tap,
        faults_injected=fired,
        faults_survived=fired,
        fault_runs=1,
        rows_lost=lost,
        secrets_found=secrets,
    )


@pytest.mark.parametrize("fault", ["503", "reset", "truncated", "html", "timeout"])
def test_retriable_fault_exhausted_stops_cleanly_and_resumes(sim: Served, fault: str) -> None:
    catalog, clean = _baseline(sim)
    n = _sync_requests(sim, catalog)
    config = sim.config(max_retries=1)
    spec = {**RETRIABLE[fault], "count": 2, "after": n // 2}
    sim.app.faults.add(**spec)
    failed = run(sim.profile.tap_cls, config, catalog)
    assert failed.error is not None, f"{fault} past max_retries must stop the run"
    assert str(failed.error).strip(), "the error says nothing"
    assert states_ahead_of_records(failed) == []
    _check_common(sim, failed)
    # Rerun from the last STATE (what Meltano does next time): nothing lost, nothing doubled.
    resumed = run(sim.profile.tap_cls, config, catalog, state=failed.final_state)
    assert resumed.error is None, resumed.error
    keys = sim.keys
    expected = table_of(clean, keys)
    got = upsert(table_of(failed, keys), resumed, keys)
    lost = lost_rows(expected, got)
    assert lost == 0
    assert extra_rows(expected, got) == 0
    secrets = _check_common(sim, resumed)
    record(
        sim.profile.tap,
        faults_injected=sim.app.faults.injected[spec["kind"]],
        faults_survived=sim.app.faults.injected[spec["kind"]],
        fault_runs=1,
        rows_lost=lost,
        secrets_found=secrets,
    )


@pytest.mark.parametrize("retry_after", [1.5, None], ids=["retry-after", "no-retry-after"])
def test_429_storm_waits_as_asked_and_finishes(sim: Served, retry_after: float | None) -> None:
    catalog, clean = _baseline(sim)
    n = _sync_requests(sim, catalog)
    storm = 1 if retry_after else 2
    sim.app.faults.add(
        "status",
        status=429,
        retry_after=retry_after,
        count=storm,
        after=n // 2,
        body={"message": "Too many requests"},
    )
    sim.app.request_log.clear()
    result = run(sim.profile.tap_cls, sim.config(), catalog)
    assert result.error is None, result.error
    log = [entry for entry in sim.app.request_log if not entry[2].startswith("/__sandbox__/")]
    first = n // 2
    gaps = [log[i + 1][0] - log[i][0] for i in range(first, first + storm)]
    # Asked: Retry-After; not asked: the stream's floor (the vendor's documented pause).
    tap = sim.profile.tap_cls(config=sim.config(), validate_config=False)
    floor = min(
        float(getattr(tap.streams[name], "min_rate_limit_wait", 1.0))
        for name in sim.profile.streams
    )
    least = max(retry_after or 0.0, floor)
    assert min(gaps) >= least - 0.05, f"waited {min(gaps):.2f} s, asked {least} s"
    keys = sim.keys
    lost = lost_rows(table_of(clean, keys), table_of(result, keys))
    assert lost == 0
    secrets = _check_common(sim, result)
    record(
        sim.profile.tap,
        faults_injected=storm,
        faults_survived=storm,
        fault_runs=1,
        rows_lost=lost,
        secrets_found=secrets,
    )


def test_exhausted_retries_via_cli_exit_1_with_one_clear_line(sim: Served, tmp_path) -> None:
    """The console script: 503 until retries run out -> exit 1, one error line that says
    what happened, no traceback, no secret, no STATE past the delivered rows."""
    import json
    import subprocess

    from tapkit.testing import SyncResult

    from .harness import ROOT

    catalog, _clean = _baseline(sim)
    n = _sync_requests(sim, catalog)
    config = sim.config(max_retries=1)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    sim.app.faults.add("status", status=503, count=10**6, after=n // 2)
    proc = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / sim.profile.tap),
            "--config",
            "config.json",
            "--catalog",
            "catalog.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    failed = [line for line in err.splitlines() if f"{sim.profile.tap} failed:" in line]
    assert len(failed) == 1, err[-2000:]
    assert "503" in failed[0]
    assert not secrets_in(out + err, sim.profile.secrets(config))
    messages = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    assert states_ahead_of_records(SyncResult(messages=messages)) == []
    record(sim.profile.tap, faults_injected=2, faults_survived=2, fault_runs=1)
