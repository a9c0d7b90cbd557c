"""Planning on the API's 5-minute grid: which timeframe to ask for, which intervals of the
answer are complete, and how 5-minute slots roll up into larger fixed-grid intervals.

Why the tap always asks for ``interval=5``: interval ends are "rounded up to 5 minutes"
from the server's now, so the API's grid is anchored at ``ceil5(now)``. For 5-minute
intervals that grid is the same in every run (multiples of 5 minutes since the epoch). A
60-minute interval is not: a run at 08:07 gets hours ending 08:10, 07:10, ...; a run at
09:02 gets hours ending 09:05, 08:05, ... and the two overlap by 55 minutes. So the tap
fetches 5-minute slots and, when ``interval_minutes`` is larger, sums whole slots into
intervals aligned to the UTC hour.
"""

from __future__ import annotations

import datetime as dt
import math
import typing as t
from dataclasses import dataclass

API_INTERVAL_MINUTES = 5
SLOT = dt.timedelta(minutes=API_INTERVAL_MINUTES)
MAX_TIMEFRAME_MINUTES = 1440
#: interval_minutes values that tile the UTC hour with whole 5-minute slots.
ALLOWED_INTERVALS = (5, 10, 15, 20, 30, 60)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def floor_grid(moment: dt.datetime, minutes: int) -> dt.datetime:
    step = minutes * 60
    seconds = (moment - EPOCH).total_seconds()
    return EPOCH + dt.timedelta(seconds=math.floor(seconds / step) * step)


def ceil_grid(moment: dt.datetime, minutes: int) -> dt.datetime:
    step = minutes * 60
    seconds = (moment - EPOCH).total_seconds()
    return EPOCH + dt.timedelta(seconds=math.ceil(seconds / step) * step)


def plan_timeframe(now: dt.datetime, since: dt.datetime | None) -> int:
    """The smallest multiple of the interval reaching back from ``now`` to ``since``,
    capped at the API's 1440 minutes (the whole 24 hours when there is no ``since``)."""
    if since is None:
        return MAX_TIMEFRAME_MINUTES
    minutes = (now - since).total_seconds() / 60
    steps = math.ceil(minutes / API_INTERVAL_MINUTES)
    return max(API_INTERVAL_MINUTES, min(MAX_TIMEFRAME_MINUTES, steps * API_INTERVAL_MINUTES))


@dataclass(frozen=True)
class Slot:
    """One complete interval of the answer: ``[start, end)`` and its ``metricsPerAgent``."""

    start: dt.datetime
    end: dt.datetime
    per_agent: dict[str, t.Any]


@dataclass(frozen=True)
class Answer:
    """The complete intervals of one answer, oldest first, and where they could start."""

    slots: list[Slot]
    latest_end: dt.datetime  # ceil5(server now): the still-open interval's end
    timeframe: int

    @property
    def complete_from(self) -> dt.datetime:
        """The earliest instant a complete interval of this answer can start at."""
        return self.latest_end - dt.timedelta(minutes=self.timeframe)


class ShapeError(ValueError):
    """The answer is not shaped as documented."""


def from_millis(value: t.Any) -> dt.datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ShapeError(f"interval timestamp {value!r} is not epoch milliseconds")
    return EPOCH + dt.timedelta(milliseconds=int(value))


def complete_slots(body: t.Any, timeframe: int) -> Answer | None:
    """The complete 5-minute intervals of an ``interval=5`` answer.

    The server's now ``N`` is unknown, but the latest end is ``ceil5(N)`` and the window
    starts at ``N - timeframe``. An interval ``[E - 5, E)`` is complete when it ends before
    the latest end (so at or before ``N``) and starts at or after ``latest - timeframe``
    (so at or after ``N - timeframe``). That drops the still-open last interval and the
    partial first one, and keeps everything else, whether or not ``N`` is on the grid.
    """
    if (
        isinstance(body, dict)
        and "metricsByIntervals" not in body
        and isinstance(body.get("body"), dict)
    ):
        body = body["body"]  # the {"meta", "body"} envelope some clients report (undocumented)
    if not isinstance(body, dict) or not isinstance(body.get("metricsByIntervals"), list):
        raise ShapeError("the answer has no metricsByIntervals list")
    intervals = body["metricsByIntervals"]
    if not intervals:
        return None
    parsed: list[tuple[dt.datetime, dict[str, t.Any]]] = []
    for item in intervals:
        if not isinstance(item, dict):
            raise ShapeError(f"an interval is a {type(item).__name__}, not an object")
        end = from_millis(item.get("timestamp"))
        if end != floor_grid(end, API_INTERVAL_MINUTES):
            raise ShapeError(f"interval end {end.isoformat()} is not on the 5-minute grid")
        data = item.get("metricsData") or {}
        metrics = data.get("agentsMetrics") if isinstance(data, dict) else None
        per_agent = metrics.get("metricsPerAgent") if isinstance(metrics, dict) else None
        parsed.append((end, per_agent if isinstance(per_agent, dict) else {}))
    latest = max(end for end, _ in parsed)
    earliest_start = latest - dt.timedelta(minutes=timeframe)
    slots = sorted(
        (
            Slot(end - SLOT, end, per_agent)
            for end, per_agent in parsed
            if end < latest and end - SLOT >= earliest_start
        ),
        key=lambda s: s.end,
    )
    return Answer(slots, latest, timeframe)


def buckets(
    slots: t.Sequence[Slot], minutes: int
) -> list[tuple[dt.datetime, dt.datetime, list[Slot]]]:
    """Group slots into fixed UTC-grid intervals of ``minutes``; only whole ones."""
    if minutes == API_INTERVAL_MINUTES:
        return [(s.start, s.end, [s]) for s in slots]
    need = minutes // API_INTERVAL_MINUTES
    groups: dict[dt.datetime, list[Slot]] = {}
    for slot in slots:
        groups.setdefault(floor_grid(slot.start, minutes), []).append(slot)
    out = []
    for start in sorted(groups):
        members = groups[start]
        if len({s.start for s in members}) == need:
            out.append((start, start + dt.timedelta(minutes=minutes), members))
    return out
