"""SIGTERM of the tap's console script mid-sync: it must write its last STATE, exit with
128 + 15 (a killed sync must not look like a successful one), leak no secret, and a rerun
from that STATE must lose nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from .checks import states_ahead_of_records
from .harness import (
    ROOT,
    Served,
    discover,
    duplicate_keys,
    lost_rows,
    record,
    run,
    secrets_in,
    table_of,
    upsert,
)
from .profiles import Profile


def _cli(profile: Profile) -> str:
    return str(ROOT / ".venv" / "bin" / profile.tap)


def test_sigterm_writes_last_state_and_exits_143(sim: Served, tmp_path: Path) -> None:
    profile = sim.profile
    config = sim.config()
    catalog = discover(profile.tap_cls, config, profile.streams)
    clean = run(profile.tap_cls, config, catalog)
    assert clean.error is None, clean.error
    before = sim.requests()
    run(profile.tap_cls, config, catalog)
    n = sim.requests() - before
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    # The request after the first half hangs: the tap is blocked in a read when it is told
    # to stop, the hardest place to stop cleanly.
    sim.app.faults.add("delay", seconds=2.5, after=max(n // 2, 0), count=1)
    # Files, not pipes: a full pipe would block the tap before it reaches the fault.
    with (tmp_path / "out").open("wb") as out_fh, (tmp_path / "err").open("wb") as err_fh:
        proc = subprocess.Popen(
            [_cli(profile), "--config", "config.json", "--catalog", "catalog.json"],
            cwd=tmp_path,
            stdout=out_fh,
            stderr=err_fh,
        )
        deadline = time.monotonic() + 30
        while not sim.app.faults.injected["delay"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.app.faults.injected["delay"], "the tap never reached the hanging request"
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    out, err = (tmp_path / "out").read_bytes(), (tmp_path / "err").read_bytes()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()[-2000:]
    lines = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
    assert lines and lines[-1]["type"] == "STATE", "no STATE after the signal"
    killed = type(clean)(messages=lines)
    assert states_ahead_of_records(killed) == []
    text = out.decode() + err.decode()
    found = secrets_in(text, profile.secrets(config))
    assert not found, "a secret reached the output of the stopped tap"
    keys = sim.keys
    assert duplicate_keys(killed, keys) == 0
    resumed = run(profile.tap_cls, config, catalog, state=lines[-1]["value"])
    assert resumed.error is None, resumed.error
    lost = lost_rows(table_of(clean, keys), upsert(table_of(killed, keys), resumed, keys))
    record(profile.tap, kill_points=1, rows_lost=lost, secrets_found=len(found))
    assert lost == 0
