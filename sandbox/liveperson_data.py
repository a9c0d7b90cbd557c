"""Deterministic LivePerson agent-state timelines, and how they change between revisions.

Every agent works one shift a day (UTC); within it the agent moves through states
(Online, Back in 5, Away with or without a reason) in segments of 20 s to 15 min, and each
segment is either not chatting, chatting, or chatting at maximum concurrency. Times are in
milliseconds, as LivePerson computes them ("Agent states are calculated by the millisecond
but presentation is in seconds"); :func:`to_seconds` presents them.

Revisions (a later look at the same store; revision 0 is the base timeline). Revision ``r``
applies the edits of revisions ``1..r``, and only to the part of a segment that lies in the
volatile period ``[volatile_start, ...)`` (see :func:`volatile_start_ms`): everything older
never changes. The edits:

* states move: each volatile segment has, per revision, a 20 % chance to get a new state,
  chatting mode and away reason (so seconds move between states and between modes);
* sessions close late: the last segment of a shift ends ``2 min x r`` later (at most 30 min);
* from revision 1 the away reason :data:`DROPPED_REASON` is no longer used in the volatile
  period (its time becomes reason-less Away), so it disappears from ``reasons`` there;
* from revision 1 agent :data:`LEAVER` has left: no data in the volatile period, so it
  drops out of ``metricsPerAgent`` there;
* from revision 2 agent :data:`NEWCOMER` exists: it works all day, its data starts at the
  volatile start and arrives late, reaching up to ``horizon - 5 min / (r - 1)``: each later
  revision brings it closer to now, so the open interval's numbers grow.

The simulator answers every request from these timelines, and tests call the same
functions to know the true values for any window. Same seed, same timeline.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
import typing as t
from dataclasses import dataclass, replace

MINUTE_MS = 60_000
SLOT_MS = 5 * MINUTE_MS
DAY_MS = 24 * 60 * MINUTE_MS
#: "Data is provided ... with a refresh rate of 10 seconds" (operational-realtime overview).
REFRESH_MS = 10_000

LOGGED_IN, ONLINE, BACK_SOON, AWAY = -1, 2, 3, 4
#: The names the samples use ("Back in 5"; the field table says "Back soon", see the
#: ``back_soon_name`` knob of the simulator).
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

#: Agent who leaves at :data:`LEAVE_REVISION` (no data in the volatile period from then).
LEAVER = "2152260215"
LEAVE_REVISION = 1
#: Away reason no longer used in the volatile period from :data:`DROP_REVISION`.
DROPPED_REASON = "2642559999"
DROP_REVISION = 1
#: Agent added at :data:`ADD_REVISION`; works around the clock (00:00-24:00).
NEWCOMER = "2152260218"
ADD_REVISION = 2
#: How far behind the horizon the newcomer's data ends at ADD_REVISION (then / (r - 1)).
NEWCOMER_LAG_MS = 5 * MINUTE_MS
#: Share of volatile segments whose state is drawn again, per revision.
MOVE_SHARE = 0.2
#: A shift's last segment ends this much later per revision (logout recorded late) ...
LATE_LOGOUT_MS = 2 * MINUTE_MS
#: ... but at most this much.
MAX_LATE_LOGOUT_MS = 30 * MINUTE_MS


@dataclass(frozen=True)
class Segment:
    start: int  # epoch ms, inclusive
    end: int  # epoch ms, exclusive
    state: int
    reason: str | None
    mode: int


@dataclass(frozen=True)
class View:
    """What one answer sees.

    ``revision``: which edits apply; ``volatile_start``: epoch ms from which they apply
    (:func:`volatile_start_ms`); ``horizon``: epoch ms where the data ends (None: no end).
    """

    revision: int = 0
    volatile_start: int = 0
    horizon: int | None = None


BASE = View()


def volatile_start_ms(
    now_ms: int, volatile_days: int = 2, volatile_minutes: int | None = None
) -> int:
    """Start of the volatile period: UTC midnight of ``now``'s day minus ``volatile_days``
    days, or ``now - volatile_minutes`` when that is given."""
    if volatile_minutes is not None:
        return now_ms - volatile_minutes * MINUTE_MS
    return now_ms - now_ms % DAY_MS - volatile_days * DAY_MS


def horizon_ms(now_ms: int, data_horizon: str = "now") -> int:
    """Where the data ends for a request at ``now_ms``.

    ``now``: at the request instant ("end time = current time"); ``refresh``: at the last
    10-second refresh; ``slot``: at the last whole 5 minutes ("up to the last 5 minutes").
    """
    if data_horizon == "now":
        return now_ms
    if data_horizon == "refresh":
        return now_ms - now_ms % REFRESH_MS
    if data_horizon == "slot":
        return now_ms - now_ms % SLOT_MS
    msg = f"data_horizon must be now, refresh or slot, not {data_horizon!r}"
    raise ValueError(msg)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def agents(view: View = BASE) -> list[str]:
    """Every agent id the account has at ``view.revision`` (with or without data)."""
    out = list(AGENTS)
    if view.revision >= ADD_REVISION:
        out.append(NEWCOMER)
    return out


def _draw(rng: random.Random, reasons: bool, dropped: bool) -> tuple[int, str | None, int]:
    state = rng.choices((ONLINE, BACK_SOON, AWAY), weights=(60, 15, 25))[0]
    reason = None
    if state == AWAY and reasons:
        pool = [r for r in AWAY_REASONS if not (dropped and r == DROPPED_REASON)]
        pick = rng.randrange(len(pool) + 1)
        reason = pool[pick] if pick < len(pool) else None
    if state == ONLINE:
        mode = rng.choices((NOT_CHATTING, CHATTING, MAX_CONCURRENCY), weights=(40, 45, 15))[0]
    elif state == BACK_SOON:
        mode = rng.choices((NOT_CHATTING, CHATTING), weights=(60, 40))[0]
    else:
        mode = rng.choices((NOT_CHATTING, CHATTING), weights=(90, 10))[0]
    return state, reason, mode


@functools.lru_cache(maxsize=4096)
def day_segments(seed: int, agent: str, day: dt.date, reasons: bool = True) -> tuple[Segment, ...]:
    """The agent's base (revision 0) segments on one UTC day (never crossing midnight)."""
    midnight = _ms(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    rng = random.Random(f"{seed}:{agent}:{day.isoformat()}")
    if agent == NEWCOMER:
        cursor, end = midnight, midnight + DAY_MS
    else:
        start_hour, hours = AGENTS[agent]
        if rng.random() < 0.1:  # a day off now and then
            return ()
        cursor = midnight + start_hour * 60 * MINUTE_MS + rng.randint(0, 30 * MINUTE_MS)
        end = cursor + hours * 60 * MINUTE_MS + rng.randint(-20 * MINUTE_MS, 20 * MINUTE_MS)
    out: list[Segment] = []
    while cursor < end:
        stop = min(cursor + rng.randint(20_000, 15 * MINUTE_MS), end)
        state, reason, mode = _draw(rng, reasons, dropped=False)
        out.append(Segment(cursor, stop, state, reason, mode))
        cursor = stop
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def revised_day_segments(
    seed: int, agent: str, day: dt.date, reasons: bool, revision: int, volatile_start: int
) -> tuple[Segment, ...]:
    """:func:`day_segments` with the edits of revisions ``1..revision`` applied to the part
    at or after ``volatile_start`` (see the module docstring)."""
    base = day_segments(seed, agent, day, reasons)
    if revision <= 0:
        return base
    out: list[Segment] = []
    last = len(base) - 1
    for index, seg in enumerate(base):
        if seg.end <= volatile_start:
            out.append(seg)
            continue
        part = seg
        if seg.start < volatile_start:
            out.append(replace(seg, end=volatile_start))
            part = replace(seg, start=volatile_start)
        if agent == LEAVER and revision >= LEAVE_REVISION:
            continue
        state, reason, mode = part.state, part.reason, part.mode
        dropped = revision >= DROP_REVISION
        if dropped and reason == DROPPED_REASON:
            reason = None
        for k in range(1, revision + 1):
            # seeded by the base segment, so a segment's fate does not depend on the window
            rng = random.Random(f"{seed}:{agent}:{seg.start}:revision {k}")
            if rng.random() < MOVE_SHARE:
                state, reason, mode = _draw(rng, reasons, dropped=k >= DROP_REVISION)
        end = part.end
        if index == last and agent != NEWCOMER:
            end += min(LATE_LOGOUT_MS * revision, MAX_LATE_LOGOUT_MS)
        out.append(Segment(part.start, end, state, reason, mode))
    return tuple(out)


def segments(
    seed: int,
    agent: str,
    start_ms: int,
    end_ms: int,
    reasons: bool = True,
    view: View = BASE,
) -> list[Segment]:
    """Segments of ``agent`` in ``[start_ms, end_ms)`` as ``view`` sees them, clipped to the
    window (and to the view's horizon)."""
    if view.horizon is not None:
        end_ms = min(end_ms, view.horizon)
    if agent == NEWCOMER:
        if view.revision < ADD_REVISION:
            return []
        start_ms = max(start_ms, view.volatile_start)
        if view.horizon is not None:
            lag = NEWCOMER_LAG_MS // (view.revision - ADD_REVISION + 1)
            end_ms = min(end_ms, view.horizon - lag)
    elif agent not in AGENTS:
        return []
    out: list[Segment] = []
    if end_ms <= start_ms:
        return out
    day = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC).date()
    last = dt.datetime.fromtimestamp((end_ms - 1) / 1000, dt.UTC).date()
    while day <= last:
        segs = revised_day_segments(seed, agent, day, reasons, view.revision, view.volatile_start)
        starts = [s.start for s in segs]
        first = max(bisect.bisect_right(starts, start_ms) - 1, 0)
        for seg in segs[first:]:
            if seg.start >= end_ms:
                break
            if seg.end > start_ms:
                out.append(replace(seg, start=max(seg.start, start_ms), end=min(seg.end, end_ms)))
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


def to_seconds(value: Ms, rounding: str = "half_up") -> dict[str, int]:
    """Computed by the millisecond, presented in seconds: ``half_up`` (default) or
    ``floor`` (see the simulator's ``seconds_rounding`` knob)."""
    if rounding == "floor":
        return {k: v // 1000 for k, v in value.items()}
    if rounding == "half_up":
        return {k: (v + 500) // 1000 for k, v in value.items()}
    msg = f"rounding must be half_up or floor, not {rounding!r}"
    raise ValueError(msg)


def agent_metrics_ms(
    seed: int,
    agent: str,
    start_ms: int,
    end_ms: int,
    reasons: bool = True,
    view: View = BASE,
) -> dict[str, t.Any] | None:
    """Milliseconds per state (and per away reason) in ``[start_ms, end_ms)``.

    ``None`` when the agent was not logged in at all (the API then leaves the agent out).
    """
    if end_ms <= start_ms:
        return None
    states = {s: _zero() for s in STATE_ORDER}
    by_reason: dict[str, Ms] = {}
    seen = False
    for seg in segments(seed, agent, start_ms, end_ms, reasons, view):
        overlap = seg.end - seg.start
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


def state_entries(
    raw: dict[str, t.Any] | None,
    rounding: str = "half_up",
    back_soon_name: str = STATE_NAMES[BACK_SOON],
) -> list[dict[str, t.Any]]:
    """An agent's list in ``metricsPerAgent`` from :func:`agent_metrics_ms` (API shape; all
    four states always, reasons only those with time, like the samples). ``None`` gives the
    all-zero list."""
    names = {**STATE_NAMES, BACK_SOON: back_soon_name}
    out: list[dict[str, t.Any]] = []
    for state in STATE_ORDER:
        entry: dict[str, t.Any] = {}
        if state == AWAY:
            entry["reasons"] = [
                {"id": rid, "value": to_seconds(value, rounding)}
                for rid, value in sorted((raw or {}).get("reasons", {}).items())
            ]
        value = raw["states"][state] if raw else _zero()
        entry.update({"id": state, "name": names[state], "value": to_seconds(value, rounding)})
        out.append(entry)
    return out


def agent_metrics(
    seed: int,
    agent: str,
    start_ms: int,
    end_ms: int,
    reasons: bool = True,
    view: View = BASE,
    rounding: str = "half_up",
    back_soon_name: str = STATE_NAMES[BACK_SOON],
) -> list[dict[str, t.Any]] | None:
    """The agent's entry in ``metricsPerAgent`` for ``[start_ms, end_ms)`` (None: no data)."""
    raw = agent_metrics_ms(seed, agent, start_ms, end_ms, reasons, view)
    if raw is None:
        return None
    return state_entries(raw, rounding, back_soon_name)


def slot_truth(
    seed: int,
    start: dt.datetime,
    end: dt.datetime,
    reasons: bool = True,
    view: View = BASE,
) -> dict[tuple[str, int, str], dict[str, int]]:
    """True seconds of every (agent, state, reason-or-"none") in ``[start, end)``.

    Keys use the marker ``"none"`` for a state's own row; values snake_case column names.
    (Kept for existing callers; :func:`sandbox.liveperson.truth` gives the API's own shape.)
    """
    out: dict[tuple[str, int, str], dict[str, int]] = {}
    for agent in agents(view):
        entry = agent_metrics(seed, agent, _ms(start), _ms(end), reasons, view)
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
