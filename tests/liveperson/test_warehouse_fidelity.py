"""What the warehouse holds after two runs with lookback, against the simulator's truth.

For every knob reading of the simulator that touches ``agent_activity``: run 1 at revision
0, the simulator moves to a later revision (states move, sessions close late, an away
reason stops being used, an agent leaves; from revision 2 an agent arrives late) and its
clock moves forward; run 2 from run 1's STATE. Both runs are loaded into a ``Warehouse``
(upsert by key, tombstones delete) and every row, every column the tap derives from the
API, is compared with :func:`sandbox.liveperson.truth` for the last revision at run 2's
``now`` over every complete 5-minute slot the runs covered. Keys are the simulator's:
one row per (interval end, agent, state, away reason or the state itself) that the API
lists, no more, no less.

Run with ``-s`` to see the figures per case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t
from collections.abc import Iterator

import jsonschema
import pytest

import sandbox.liveperson as lp
from sandbox import liveperson_data as data
from sandbox.core import serve
from tap_agentactivity.streams import AgentActivityStream
from tap_agentactivity.tap import TapAgentActivity
from tapkit import DELETED_AT
from tapkit.testing import SyncResult, Warehouse, run_sync

from .conftest import Clock
from .helpers import KEY, SEED, oauth_config

STREAM = "agent_activity"
SLOT = dt.timedelta(minutes=5)
#: The runs cover the end of the 19th's late shifts, the empty night and the 20th's morning.
START = lp.at("2026-11-19T18:00:00")
NOW1 = lp.at("2026-11-20T09:07:30")
NOW2 = lp.at("2026-11-20T10:02:10")
#: Every column the tap derives from the API (the key included).
COLUMNS = (
    "account_id",
    "interval_start",
    "interval_end",
    "interval_minutes",
    "agent_id",
    "state_id",
    "state_name",
    "away_reason_id",
    "total",
    "chatting",
    "not_chatting",
    "chatting_in_max_concurrency",
)
DURATIONS = {
    "total": "total",
    "chatting": "chatting",
    "notChatting": "not_chatting",
    "chattingInMaxConcurrency": "chatting_in_max_concurrency",
}
#: A requested list: the leaver, two regulars, the late newcomer and an id that never works.
SOME_AGENTS = f"{data.LEAVER},2152260212,2152260216,{data.NEWCOMER},2152260299"

Key = tuple[t.Any, ...]


@dataclasses.dataclass(frozen=True)
class Case:
    """One reading: knobs for both runs, knobs changed for run 2, revisions, tap settings."""

    knobs: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    then: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    revisions: tuple[int, int] = (0, 1)
    lookback_minutes: int = 1440
    agent_ids: str = "all"
    interval_minutes: int = 5
    bearer: bool = False
    #: Whether run 2 must delete rows loaded by run 1 (a key vanished).
    vanishes: bool = True


CASES = [
    pytest.param(Case(), id="defaults"),
    pytest.param(Case(knobs={"data_horizon": "refresh"}), id="data_horizon=refresh"),
    pytest.param(Case(knobs={"data_horizon": "slot"}), id="data_horizon=slot"),
    pytest.param(Case(knobs={"seconds_rounding": "floor"}), id="seconds_rounding=floor"),
    pytest.param(Case(knobs={"back_soon_name": "Back soon"}), id="back_soon_name=Back soon"),
    pytest.param(
        Case(then={"back_soon_name": "Back soon"}), id="back_soon_name renamed between runs"
    ),
    pytest.param(Case(knobs={"interval_totals": "totals"}), id="interval_totals=totals"),
    pytest.param(Case(agent_ids=SOME_AGENTS), id="agent_ids list, no_data_agents=omit"),
    pytest.param(
        Case(knobs={"no_data_agents": "zeros"}, agent_ids=SOME_AGENTS, revisions=(0, 2)),
        id="agent_ids list, no_data_agents=zeros, newcomer",
    ),
    pytest.param(
        Case(knobs={"agent_ids_supported": False}, agent_ids=SOME_AGENTS),
        id="agent_ids list ignored by the API (agent_ids_supported=False)",
    ),
    pytest.param(Case(knobs={"max_timeframe": None}), id="max_timeframe=None"),
    pytest.param(Case(knobs={"docs_samples": True}), id="docs_samples=True"),
    pytest.param(Case(knobs={"away_reasons": False}), id="away_reasons=False"),
    pytest.param(Case(then={"away_reasons": False}), id="away reasons removed between runs"),
    pytest.param(Case(revisions=(0, 2)), id="revision 0->2 (newcomer arrives late)"),
    pytest.param(Case(revisions=(1, 3)), id="revision 1->3"),
    # Revisions change only the last 90 minutes: a lookback of 90 minutes is enough.
    pytest.param(
        Case(knobs={"volatile_minutes": 90}, lookback_minutes=90), id="volatile_minutes=90"
    ),
    pytest.param(Case(knobs={"volatile_days": 0}), id="volatile_days=0"),
    # The default lookback: older loaded slots keep run 1's answer, the latest for them.
    pytest.param(Case(lookback_minutes=5), id="lookback 5 (default)"),
    pytest.param(Case(lookback_minutes=60, interval_minutes=15), id="lookback 60, interval 15"),
    pytest.param(Case(interval_minutes=15), id="interval_minutes=15"),
    pytest.param(Case(bearer=True), id="bearer auth (accept_bearer=True)"),
]


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[lp.LivePersonApp, str]]:
    shared = lp.build(seed=SEED)
    with serve(shared) as base:
        yield shared, base


@pytest.fixture
def sim(_server: tuple[lp.LivePersonApp, str]) -> Iterator[tuple[lp.LivePersonApp, str]]:
    shared, base = _server
    shared.set_knobs(**dataclasses.asdict(lp.Knobs()))
    shared.set_now(None)
    yield shared, base
    shared.set_knobs(**dataclasses.asdict(lp.Knobs()))


def tap_config(url: str, case: Case) -> dict[str, t.Any]:
    config = oauth_config(
        url,
        start_date=START.isoformat(),
        lookback_minutes=case.lookback_minutes,
        agent_ids=case.agent_ids,
        interval_minutes=case.interval_minutes,
    )
    if case.bearer:
        for name in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
            config.pop(name)
        config["bearer_token"] = lp.BEARER_TOKEN
    return config


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def truth_table(
    case: Case, now: dt.datetime, knobs: dict[str, t.Any], lo: dt.datetime, hi: dt.datetime
) -> dict[Key, dict]:
    """The API's answer at ``now`` with ``knobs``, as rows: every complete slot in
    ``[lo, hi)``, summed into ``interval_minutes`` buckets when that is larger."""
    body = lp.truth(1440, 5, case.agent_ids, now=now, seed=SEED, **knobs)
    wanted = None if case.agent_ids == "all" else set(case.agent_ids.split(","))
    slots: dict[Key, dict[str, t.Any]] = {}
    for interval in body["metricsByIntervals"]:
        end = lp.at("1970-01-01T00:00:00") + dt.timedelta(milliseconds=interval["timestamp"])
        if not lo < end <= hi:
            continue
        per_agent = interval["metricsData"]["agentsMetrics"]["metricsPerAgent"]
        for agent, states in per_agent.items():
            if wanted is not None and agent not in wanted:
                continue  # the API ignored the list (agent_ids_supported=False)
            for state in states:
                entries = [("none", state["value"])]
                entries += [(r["id"], r["value"]) for r in state.get("reasons", [])]
                for reason, value in entries:
                    row = {
                        "account_id": lp.DEFAULT_ACCOUNT,
                        "interval_start": iso(end - SLOT),
                        "interval_end": iso(end),
                        "interval_minutes": 5,
                        "agent_id": agent,
                        "state_id": state["id"],
                        "state_name": state["name"],
                        "away_reason_id": reason,
                        **{column: value[name] for name, column in DURATIONS.items()},
                    }
                    slots[tuple(row[k] for k in KEY)] = row
    if case.interval_minutes == 5:
        return slots
    # Larger intervals are whole 5-minute slots summed on the UTC grid (the tap's contract).
    size = dt.timedelta(minutes=case.interval_minutes)
    epoch = lp.at("1970-01-01T00:00:00")
    out: dict[Key, dict[str, t.Any]] = {}
    for row in slots.values():
        start = epoch + (lp.at(row["interval_start"]) - epoch) // size * size
        bucket = {
            **row,
            "interval_start": iso(start),
            "interval_end": iso(start + size),
            "interval_minutes": case.interval_minutes,
        }
        key = tuple(bucket[k] for k in KEY)
        acc = out.setdefault(key, {**bucket, **dict.fromkeys(DURATIONS.values(), 0)})
        for column in DURATIONS.values():
            acc[column] += row[column]
    return out


def compare(
    warehouse: Warehouse, truth: dict[Key, dict[str, t.Any]]
) -> tuple[int, list[str], dict[Key, dict[str, t.Any]]]:
    """Rows compared (the union of both key sets) and every mismatch, cell by cell."""
    got = {tuple(r[k] for k in KEY): r for r in warehouse.rows(STREAM)}
    mismatches: list[str] = []
    for key in sorted(set(got) | set(truth), key=repr):
        if key not in got:
            mismatches.append(f"missing {key}")
        elif key not in truth:
            mismatches.append(f"stale {key}: {got[key]}")
        else:
            row, want = got[key], truth[key]
            if row.get(DELETED_AT):
                mismatches.append(f"deleted row kept {key}")
            for column in COLUMNS:
                if row.get(column) != want[column]:
                    mismatches.append(f"{key} {column}: {row.get(column)!r} != {want[column]!r}")
    return len(set(got) | set(truth)), mismatches, got


def bookmark(result: SyncResult) -> str:
    state = result.final_state or {}
    return str(state["bookmarks"][STREAM]["replication_key_value"])


def latest_answers(case: Case, run1: SyncResult) -> dict[Key, dict]:
    """What the warehouse must hold: for every period, the latest answer for it. Run 2
    fetched again from run 1's bookmark minus the lookback (on the interval grid, not
    before START): those periods as the last revision answers at run 2's now, the older
    ones as revision ``revisions[0]`` answered at run 1's now. With a lookback that covers
    the simulator's volatile period the two agree (revisions never change older data)."""
    size = dt.timedelta(minutes=case.interval_minutes)
    epoch = lp.at("1970-01-01T00:00:00")
    since = lp.at(bookmark(run1)) - dt.timedelta(minutes=case.lookback_minutes)
    since = max(START, epoch + (since - epoch) // size * size)
    stop = NOW2.replace(minute=0, second=0)
    first = {**case.knobs, "revision": case.revisions[0]}
    last = {**case.knobs, **case.then, "revision": case.revisions[1]}
    return {
        **truth_table(case, NOW1, first, START, since),
        **truth_table(case, NOW2, last, since, stop),
    }


def two_runs(
    app: lp.LivePersonApp, url: str, clock: Clock, case: Case
) -> tuple[SyncResult, SyncResult, dict[str, t.Any]]:
    first, second = case.revisions
    app.set_knobs(**case.knobs, revision=first)
    config = tap_config(url, case)
    clock.set(NOW1)
    run1 = run_sync(TapAgentActivity, config)
    app.set_knobs(**case.then, revision=second)
    clock.set(NOW2)
    run2 = run_sync(TapAgentActivity, config, state=run1.final_state)
    return run1, run2, {**case.knobs, **case.then, "revision": second}


@pytest.mark.parametrize("case", CASES)
def test_warehouse_matches_truth_after_two_runs(sim, monkeypatch, case: Case) -> None:
    app, url = sim
    clock = Clock(app, monkeypatch)
    run1, run2, last_knobs = two_runs(app, url, clock, case)
    # Complete intervals only: the open 10:00-10:05 slot is never loaded (nor, with
    # 15-minute intervals, the 09:00-09:15 one at 09:07).
    stop = NOW2.replace(minute=0, second=0)
    assert bookmark(run2) == iso(stop)
    first_stop = NOW1.replace(minute=5 if case.interval_minutes == 5 else 0, second=0)
    assert bookmark(run1) == iso(first_stop)

    schema = run2.schemas[STREAM]["schema"]
    assert DELETED_AT in schema["properties"]
    validator = jsonschema.Draft7Validator(schema)
    for row in run1.records[STREAM] + run2.records[STREAM]:
        validator.validate(row)  # tombstones too: they carry the interval's columns

    warehouse = Warehouse().load(run1).load(run2)
    truth = latest_answers(case, run1)
    compared, mismatches, got = compare(warehouse, truth)
    deleted = warehouse.deleted[STREAM]
    changed = sum(
        1
        for r in run1.records[STREAM]
        if (k := tuple(r[c] for c in KEY)) not in got
        or any(got[k][c] != r[c] for c in COLUMNS if c in DURATIONS.values() or c == "state_name")
    )
    print(
        f"\n{STREAM} [{case.knobs or 'default knobs'}, run 2 {case.then or 'same'}; "
        f"revisions {case.revisions}; lookback {case.lookback_minutes} min; agents "
        f"{case.agent_ids}; interval {case.interval_minutes} min]: rows compared {compared}, "
        f"mismatches {len(mismatches)}, run-1 rows changed or gone {changed}, "
        f"tombstoned {deleted}"
    )
    for line in mismatches[:20]:
        print("  ", line)
    # The data varies on every key dimension, and the revision changed loaded rows.
    assert len({k[1] for k in truth}) >= 12
    assert len({k[2] for k in truth}) >= (3 if case.agent_ids == "all" else 2)
    assert {k[3] for k in truth} == {-1, 2, 3, 4}
    assert len({k[4] for k in truth}) >= (1 if last_knobs.get("away_reasons") is False else 3)
    assert changed > 0
    if case.vanishes:
        assert deleted > 0, "no key vanished: the tombstone path was not exercised"
    assert mismatches == []


def test_the_check_fails_without_tombstones(sim, monkeypatch) -> None:
    """The comparison catches stale rows: with the kit's tombstones off, the leaver's rows
    and the dropped reason's rows that run 1 loaded stay in the warehouse."""
    app, url = sim
    monkeypatch.setattr(AgentActivityStream, "track_vanished_keys", False)
    clock = Clock(app, monkeypatch)
    case = Case()
    run1, run2, _ = two_runs(app, url, clock, case)
    warehouse = Warehouse().load(run1).load(run2)
    _, mismatches, _ = compare(warehouse, latest_answers(case, run1))
    stale = [m for m in mismatches if m.startswith("stale")]
    assert stale and len(stale) == len(mismatches)
    assert any(f"'{data.LEAVER}'" in m for m in stale)
    assert any(f"'{data.DROPPED_REASON}'" in m for m in stale)


def test_tombstone_keys_are_kept_only_as_far_back_as_the_lookback(sim, monkeypatch) -> None:
    """The state remembers the keys of the intervals the next run fetches again, not a day."""
    app, url = sim
    clock = Clock(app, monkeypatch)
    clock.set(NOW1)
    run = run_sync(TapAgentActivity, tap_config(url, Case(lookback_minutes=5)))
    remembered = run.final_state["bookmarks"][STREAM]["vanished_keys"]  # type: ignore[index]
    ends = sorted(lp.at(day) for day in remembered)
    # lookback 5 min + two slots of slack: the keys of the last three slots.
    last = NOW1.replace(minute=5, second=0)
    assert ends == [last - 2 * SLOT, last - SLOT, last]
    assert all(remembered[iso(end)] for end in ends)


def test_bearer_refused_under_the_docs_literal_reading(sim, monkeypatch) -> None:
    """accept_bearer=False (API key only, as documented): the run stops at once, naming
    the setting, without the token in the message, and loads nothing."""
    app, url = sim
    app.set_knobs(accept_bearer=False)
    Clock(app, monkeypatch).set(NOW1)
    result = run_sync(TapAgentActivity, tap_config(url, Case(bearer=True)), raise_errors=False)
    message = str(result.error)
    assert "401" in message and "bearer_token" in message
    assert lp.BEARER_TOKEN not in message
    assert not result.records[STREAM]
