"""SIGTERM and SIGKILL of the tap at random points of a `meltano run` into DuckDB and
Postgres, then a rerun: the warehouse must hold exactly the key set and values of one
clean run, with no duplicate key.

CI runs a sample (unmarked, SAMPLE below); `make test-full` runs 20 per tap (marked slow).
Kill points are request counts drawn from a seeded generator (RELIABILITY_SEED), so a
failure names a point that can be replayed."""

from __future__ import annotations

import os
import random
import signal
import typing as t
from pathlib import Path

import pytest

from .harness import record, secrets_in
from .profiles import PROFILES, Profile
from .warehouse import (
    MeltanoProject,
    Simulator,
    keyed,
    new_warehouse,
    postgres_available,
    simulator,
)

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("RELIABILITY_SEED", "20261122"))
FULL_POINTS_PER_TAP = int(os.environ.get("RELIABILITY_KILL_POINTS", "20"))
SIGNALS = (signal.SIGTERM, signal.SIGKILL)


def _clean(profile: Profile, sim: Simulator, kind: str, workdir: Path):
    wh = new_warehouse(kind, workdir / f"clean-{kind}")
    project = MeltanoProject(profile, sim, wh)
    before = sim.api_requests()
    result = project.run()
    assert result.returncode == 0, result.output[-3000:]
    total = sim.api_requests() - before
    keys = profile.primary_keys(profile.config(sim.url))
    tables, dups = keyed(wh.tables(keys), keys)
    wh.drop()
    assert dups == 0, f"a clean run left {dups} duplicate keys"
    assert sum(len(rows) for rows in tables.values()) > 0, "the clean run loaded nothing"
    assert set(tables) == set(profile.kill_streams), sorted(tables)
    return tables, total, keys


def _compare(expected: dict, got: dict) -> tuple[int, int]:
    lost = extra = 0
    for stream, rows in expected.items():
        have = got.get(stream, {})
        lost += sum(1 for key, row in rows.items() if have.get(key) != row)
        extra += sum(1 for key in have if key not in rows)
    return lost, extra


def kill_points(
    profile: Profile,
    kinds: t.Sequence[str],
    points: int,
    workdir: Path,
    rng: random.Random,
    *,
    full_refresh: bool = False,
) -> None:
    with simulator(profile) as sim:
        secrets = profile.secrets(profile.config(sim.url))
        for kind in kinds:
            expected, total, keys = _clean(profile, sim, kind, workdir)
            for i in range(points):
                sig = SIGNALS[(i + rng.randrange(2)) % 2]
                at = rng.randint(1, max(total, 1))
                wh = new_warehouse(kind, workdir / f"{kind}-{i}")
                project = MeltanoProject(profile, sim, wh)
                try:
                    killed = project.run(
                        kill_after_requests=at, sig=sig, extra_delay=rng.uniform(0, 0.03)
                    )
                    where = f"{profile.tap} -> {kind}, {sig.name} after {at}/{total} requests"
                    late = False
                    if killed.killed and killed.returncode == 0:
                        # The signal landed after the tap had done its work (while it
                        # was exiting): success is only true if everything is loaded.
                        got, dups = keyed(wh.tables(keys), keys)
                        lost, extra = _compare(expected, got)
                        assert (lost, extra, dups) == (0, 0, 0), (
                            f"{where}: meltano exited 0 after the kill, but {lost} rows "
                            f"are missing or changed, {extra} extra, {dups} duplicate keys"
                        )
                        late = True
                    rerun = project.run()
                    assert rerun.returncode == 0, f"{where}: rerun failed\n{rerun.output[-3000:]}"
                    got, dups = keyed(wh.tables(keys), keys)
                    lost, extra = _compare(expected, got)
                    leaked = secrets_in(killed.output + rerun.output, secrets)
                    record(
                        profile.tap,
                        kill_points=int(killed.killed and not late),
                        late_kills=int(late),
                        rows_lost=lost,
                        duplicate_keys=dups,
                        secrets_found=len(leaked),
                    )
                    assert not leaked, f"{where}: a secret is in the Meltano log"
                    assert lost == 0, f"{where}: {lost} rows lost or changed"
                    assert extra == 0, f"{where}: {extra} rows a clean run does not have"
                    assert dups == 0, f"{where}: {dups} duplicate keys"
                    if full_refresh:
                        # `meltano run --full-refresh` over the loaded warehouse: every
                        # row again, as upserts: same keys and values, no duplicate.
                        again = project.run(full_refresh=True)
                        assert again.returncode == 0, again.output[-3000:]
                        got, dups = keyed(wh.tables(keys), keys)
                        lost, extra = _compare(expected, got)
                        record(profile.tap, rows_lost=lost, duplicate_keys=dups)
                        assert (lost, extra, dups) == (0, 0, 0), f"{where}: full refresh"
                finally:
                    wh.drop()


def _kinds() -> list[str]:
    return ["duckdb", "postgres"] if postgres_available() else ["duckdb"]


#: The CI sample: one kill each for the two quickest taps, one per warehouse (every tap
#: and both warehouses are in the slow loop). Three `meltano run`s per point.
SAMPLE = {"lexer": "duckdb", "livechat": "postgres"}


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_kill_sample_then_rerun_equals_clean_run(name: str, tmp_path: Path) -> None:
    """CI sample of the kill loop."""
    kind = SAMPLE[name] if SAMPLE[name] in _kinds() else "duckdb"
    rng = random.Random(f"{SEED}-{name}-sample")
    # The DuckDB sample also ends with a `--full-refresh` run over the loaded tables.
    kill_points(PROFILES[name], [kind], 1, tmp_path, rng, full_refresh=kind == "duckdb")


@pytest.mark.slow
@pytest.mark.timeout(3600)  # 20 kill points x 2 `meltano run`s each outlast the default 600 s
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_kill_loop_then_rerun_equals_clean_run(name: str, tmp_path: Path) -> None:
    """The full loop: FULL_POINTS_PER_TAP kills per tap, split over the warehouses."""
    kinds = _kinds()
    rng = random.Random(f"{SEED}-{name}")
    per_kind = -(-FULL_POINTS_PER_TAP // len(kinds))
    kill_points(PROFILES[name], kinds, per_kind, tmp_path, rng)
