"""Faults only one vendor has: a Lexer export that never completes, a Dixa page key
tampered with in transit, a LivePerson server clock that jumps."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest

from .checks import states_ahead_of_records
from .harness import (
    discover,
    duplicate_keys,
    extra_rows,
    lost_rows,
    record,
    run,
    secrets_in,
    served,
    table_of,
    upsert,
)
from .profiles import PROFILES, Profile

LEXER = PROFILES["lexer"]
DIXA = PROFILES["dixa"]
LIVEPERSON = PROFILES["liveperson"]


def test_lexer_export_that_never_completes_stops_clearly_and_resumes() -> None:
    streams = ("summary", "case_details")
    with served(LEXER, export_pending_polls=10**9) as sim:
        config = sim.config(
            end_date="2026-04-03",
            export_poll_interval_seconds=0.02,
            export_timeout_seconds=0.3,
        )
        catalog = discover(LEXER.tap_cls, config, streams)
        stuck = run(LEXER.tap_cls, config, catalog)
        assert stuck.error is not None, "an export that never completes must stop the run"
        message = str(stuck.error)
        assert "export_timeout_seconds" in message, message
        assert states_ahead_of_records(stuck) == []
        assert not secrets_in(stuck.text(), LEXER.secrets(config))
        polls = sum(v for k, v in sim.app.stats.items() if k.endswith("/status"))
    # The same account once its exports complete: the rerun from the last STATE loses
    # nothing against a clean run.
    with served(LEXER) as sim:
        config = sim.config(
            end_date="2026-04-03", export_poll_interval_seconds=0.02, export_timeout_seconds=5
        )
        catalog = discover(LEXER.tap_cls, config, streams)
        clean = run(LEXER.tap_cls, config, catalog)
        assert clean.error is None, clean.error
        resumed = run(LEXER.tap_cls, config, catalog, state=stuck.final_state)
        assert resumed.error is None, resumed.error
        keys = sim.keys
        got = upsert(table_of(stuck, keys), resumed, keys)
        lost = lost_rows(table_of(clean, keys), got)
        assert lost == 0
    record(LEXER.tap, faults_injected=max(polls, 1), faults_survived=max(polls, 1), fault_runs=1)


@pytest.mark.parametrize("times", [1, 10**9], ids=["once", "every-page"])
def test_dixa_tampered_page_key(times: int) -> None:
    with served(DIXA) as sim:
        config = sim.config()
        catalog = discover(DIXA.tap_cls, config, ("closed_conversations",))
        clean = run(DIXA.tap_cls, config, catalog)
        assert clean.error is None
        sim.app.faults.add(
            "mutate", op="tamper", field="next", path="/analytics/records", count=times, after=1
        )
        result = run(DIXA.tap_cls, config, catalog)
        keys = sim.keys
        fired = sim.app.faults.injected["mutate"]
        assert fired >= 1
        assert duplicate_keys(result, keys) == 0
        assert not secrets_in(result.text(), DIXA.secrets(config))
        if times == 1:
            # A refused key restarts the day once: same rows as a clean run.
            assert result.error is None, result.error
            assert lost_rows(table_of(clean, keys), table_of(result, keys)) == 0
            assert extra_rows(table_of(clean, keys), table_of(result, keys)) == 0
        else:
            assert result.error is not None, "a key refused again and again must stop the run"
            assert "pageKey" in str(result.error) or "page key" in str(result.error).lower()
            assert states_ahead_of_records(result) == []
            sim.app.faults.clear()
            resumed = run(DIXA.tap_cls, config, catalog, state=result.final_state)
            assert resumed.error is None
            got = upsert(table_of(result, keys), resumed, keys)
            assert lost_rows(table_of(clean, keys), got) == 0
        record(DIXA.tap, faults_injected=fired, faults_survived=fired, fault_runs=1)


def _at(
    profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
    app: t.Any,
    server: dt.datetime,
    tap: dt.datetime,
) -> None:
    assert profile.clock_class is not None
    app.set_now(server)
    monkeypatch.setattr(profile.clock_class, "now", lambda self: tap)


@pytest.mark.parametrize(
    "jump", [dt.timedelta(minutes=-40), dt.timedelta(hours=2)], ids=["back-40m", "ahead-2h"]
)
def test_liveperson_server_clock_jump_loses_nothing(
    monkeypatch: pytest.MonkeyPatch, jump: dt.timedelta
) -> None:
    """Run at T0, then a run while the server's clock is off by ``jump`` (the tap's is
    right), then runs at T0 + 3 h with both right again: every interval a clean run at
    T0 + 3 h has is in the warehouse with the same numbers, and no key twice."""
    t0 = LIVEPERSON.server_now
    assert t0 is not None
    with served(LIVEPERSON) as sim:
        config = sim.config()
        keys = sim.keys
        catalog = discover(LIVEPERSON.tap_cls, config, LIVEPERSON.streams)
        _at(LIVEPERSON, monkeypatch, sim.app, t0, t0)
        first = run(LIVEPERSON.tap_cls, config, catalog)
        assert first.error is None, first.error
        warehouse = table_of(first, keys)
        state = first.final_state
        runs = [first]
        for server, tap in [
            (t0 + dt.timedelta(minutes=10) + jump, t0 + dt.timedelta(minutes=10)),
            (t0 + dt.timedelta(hours=2, minutes=30), t0 + dt.timedelta(hours=2, minutes=30)),
            (t0 + dt.timedelta(hours=3), t0 + dt.timedelta(hours=3)),
        ]:
            _at(LIVEPERSON, monkeypatch, sim.app, server, tap)
            step = run(LIVEPERSON.tap_cls, config, catalog, state=state)
            assert step.error is None, step.error
            assert states_ahead_of_records(step, state) == []
            upsert(warehouse, step, keys)
            state = step.final_state or state
            runs.append(step)
        _at(
            LIVEPERSON, monkeypatch, sim.app, t0 + dt.timedelta(hours=3), t0 + dt.timedelta(hours=3)
        )
        clean = run(LIVEPERSON.tap_cls, config, catalog)
        assert clean.error is None
        lost = lost_rows(table_of(clean, keys), warehouse)
        record(
            LIVEPERSON.tap,
            faults_injected=1,
            faults_survived=int(lost == 0),
            fault_runs=1,
            rows_lost=lost,
        )
        assert lost == 0, f"{lost} intervals lost or changed after a clock jump of {jump}"
        for step in runs:
            assert duplicate_keys(step, keys) == 0
