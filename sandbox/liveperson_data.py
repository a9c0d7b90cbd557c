"""Deterministic LivePerson agent-state timelines.

Every agent works one shift a day (UTC); within it the agent moves through states
(Online, Back in 5, Away with or without a reason) in segments of 20 s to 15 min, and each
segment is either not chatting, chatting, or chatting at maximum concurrency. Times are in
milliseconds, as LivePerson computes them; values are presented in whole seconds.

The simulator answers every request from these timelines, and tests call the same
functions to know the true seconds per state for any slot. Same seed, same timeline.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
import typing as t
from dataclasses import dataclass

MINUTE_MS = 60_000
SLOT_MS = 5 * MINUTE_MS
DAY_MS = 24 * 60 * MINUTE_MS

LOGGED_IN, ONLINE, BACK_SOON, AWAY = -1, 2, 3, 4
#: The names the samples use ("Back in 5"; the field table says "Back soon").
STATE_NAMES = {ONLINE: "Online", BACK_SOON: "Back in 5", AWAY: "Away", LOGGED_IN: "Logged in"}
#: Response order of the samples.
STATE_ORDER = (ONLINE, BACK_SOON, AWAY, LOGGED_IN)

NOT_CHATTING, CHATTING, MAX_CONCURRENCY = 0, 1, 2

#: agent id -> (shift start hour UTC, shift length in hours). Nobody works 22:00-06:00.
AGENTS: dict[str, tuple[int, int]] = {
    "2152260212": (6, 8),
    "2152260213": (8, 9),
    "2152260214": (13, 8),
    "2152260215": (7, 4),
    "2152260216": (12, 9),
    "2152260217": (9, 6),
}
AWAY_REASONS = ("2642559712", "2642559112", "2642559999")


@dataclass(frozen=True)
class Segment:
    start: int  # epoch ms, inclusive
    end: int  # epoch ms, exclusive
    state: int
    reason: str | None
    mode: int


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


@functools.lru_cache(maxsize=4096)
def day_segments(seed: int, agent: str, day: dt.date, reasons: bool = True) -> tuple[Segment, ...]:
    """The agent's segments on one UTC day (one shift, never crossing midnight)."""
    start_hour, hours = AGENTS[agent]
    rng = random.Random(f"{seed}:{agent}:{day.isoformat()}")
    midnight = _ms(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    if rng.random() < 0.1:  # a day off now and then
        return ()
    cursor = midnight + start_hour * 60 * MINUTE_MS + rng.randint(0, 30 * MINUTE_MS)
    end = cursor + hours * 60 * MINUTE_MS + rng.randint(-20 * MINUTE_MS, 20 * MINUTE_MS)
    out: list[Segment] = []
    while cursor < end:
        stop = min(cursor + rng.randint(20_000, 15 * MINUTE_MS), end)
        state = rng.choices((ONLINE, BACK_SOON, AWAY), weights=(60, 15, 25))[0]
        reason = None
        if state == AWAY and reasons:
            pick = rng.randrange(len(AWAY_REASONS) + 1)
            reason = AWAY_REASONS[pick] if pick < len(AWAY_REASONS) else None
        if state == ONLINE:
            mode = rng.choices((NOT_CHATTING, CHATTING, MAX_CONCURRENCY), weights=(40, 45, 15))[0]
        elif state == BACK_SOON:
            mode = rng.choices((NOT_CHATTING, CHATTING), weights=(60, 40))[0]
        else:
            mode = rng.choices((NOT_CHATTING, CHATTING), weights=(90, 10))[0]
        out.append(Segment(cursor, stop, state, reason, mode))
        cursor = stop
    return tuple(out)


def segments(
    seed: int, agent: str, start_ms: int, end_ms: int, reasons: bool = True
) -> list[Segment]:
    """Segments of ``agent`` overlapping ``[start_ms, end_ms)``."""
    out: list[Segment] = []
    day = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC).date()
    last = dt.datetime.fromtimestamp((end_ms - 1) / 1000, dt.UTC).date()
    while day <= last:
        segs = day_segments(seed, agent, day, reasons)
        starts = [s.start for s in segs]
        first = max(bisect.bisect_right(starts, start_ms) - 1, 0)
        for seg in segs[first:]:
            if seg.start >= end_ms:
                break
            if seg.end > start_ms:
                out.append(seg)
        day += dt.timedelta(days=1)
    return out


Ms = dict[str, int]


def _zero() -> Ms:
    return {"total": 0, "chatting": 0, "notChatting": 0, "chattingInMaxConcurrency": 0}


def _add(acc: Ms, seg: Segment, overlap: int) -> None:
    acc["total"] += overlap
    if seg.mode == NOT_CHATTING:
        acc["notChatting"] += overlap
    else:
        acc["chatting"] += overlap
    if seg.mode == MAX_CONCURRENCY:
        acc["chattingInMaxConcurrency"] += overlap


def to_seconds(value: Ms) -> dict[str, int]:
    """Computed by the millisecond, presented in seconds (rounded half up)."""
    return {k: (v + 500) // 1000 for k, v in value.items()}


def agent_metrics_ms(
    seed: int, agent: str, start_ms: int, end_ms: int, reasons: bool = True
) -> dict[str, t.Any] | None:
    """Milliseconds per state (and per away reason) in ``[start_ms, end_ms)``.

    ``None`` when the agent was not logged in at all (the API then leaves the agent out).
    """
    if end_ms <= start_ms:
        return None
    states = {s: _zero() for s in STATE_ORDER}
    by_reason: dict[str, Ms] = {}
    seen = False
    for seg in segments(seed, agent, start_ms, end_ms, reasons):
        overlap = min(seg.end, end_ms) - max(seg.start, start_ms)
        if overlap <= 0:
            continue
        seen = True
        _add(states[seg.state], seg, overlap)
        _add(states[LOGGED_IN], seg, overlap)
        if seg.state == AWAY and seg.reason is not None:
            _add(by_reason.setdefault(seg.reason, _zero()), seg, overlap)
    if not seen:
        return None
    return {"states": states, "reasons": by_reason}


def agent_metrics(
    seed: int, agent: str, start_ms: int, end_ms: int, reasons: bool = True
) -> list[dict[str, t.Any]] | None:
    """The agent's entry in ``metricsPerAgent`` for ``[start_ms, end_ms)`` (API shape)."""
    raw = agent_metrics_ms(seed, agent, start_ms, end_ms, reasons)
    if raw is None:
        return None
    out: list[dict[str, t.Any]] = []
    for state in STATE_ORDER:
        entry: dict[str, t.Any] = {}
        if state == AWAY:
            entry["reasons"] = [
                {"id": rid, "value": to_seconds(value)}
                for rid, value in sorted(raw["reasons"].items())
            ]
        entry.update(
            {"id": state, "name": STATE_NAMES[state], "value": to_seconds(raw["states"][state])}
        )
        out.append(entry)
    return out


def slot_truth(
    seed: int, start: dt.datetime, end: dt.datetime, reasons: bool = True
) -> dict[tuple[str, int, str], dict[str, int]]:
    """True seconds of every (agent, state, reason-or-"none") in ``[start, end)``.

    Keys use the tap's marker ``"none"`` for a state's own row; values use its column names.
    """
    out: dict[tuple[str, int, str], dict[str, int]] = {}
    for agent in AGENTS:
        entry = agent_metrics(seed, agent, _ms(start), _ms(end), reasons)
        for state in entry or []:
            out[(agent, state["id"], "none")] = _columns(state["value"])
            for reason in state.get("reasons", []):
                out[(agent, state["id"], reason["id"])] = _columns(reason["value"])
    return out


def _columns(value: dict[str, int]) -> dict[str, int]:
    return {
        "total": value["total"],
        "chatting": value["chatting"],
        "not_chatting": value["notChatting"],
        "chatting_in_max_concurrency": value["chattingInMaxConcurrency"],
    }
