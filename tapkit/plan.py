"""What a run will cost before it runs: windows, requests and wall time per stream.

``<tap> --config C [--state S] [--catalog K] --plan [--format json]`` prints the plan
without asking the API for data. Each stream plans itself (:meth:`KitRESTStream.plan_cost`):

* a date-windowed report: its windows from the same settings and STATE as a run, times the
  requests of each window (:meth:`DateWindowStream.window_cost`: 1, more for a stream
  that asks a DST day again by the hour, an export job's start, status checks and file);
* a list or catalogue: one request (a paged one: at least one);
* a stream partitioned by something the API lists (forms, metrics): the partitions in the
  settings if they name them; otherwise the plan says that it cannot count them, counts
  none, and is marked incomplete.

The wall time is the budgeted requests at the configured rate limit
(``requests x rate_limit_window_seconds / rate_limit_max_requests``: a run spends the first
window's budget at once, so it may finish up to one window sooner) plus waits that are
not the rate limit (export status polls).

While a plan is made, the tap's streams refuse to send anything (:class:`PlanNeedsAPI`):
a plan never calls the API for data.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field

from tapkit.errors import TapError

#: A run whose plan is longer than this logs the plan before it starts.
LONG_RUN_SECONDS = 3600.0


class PlanNeedsAPI(TapError):
    """Raised by a stream asked to send a request while a plan is being made."""


@dataclass
class Cost:
    """What one window (or one non-windowed stream) costs."""

    #: Requests sent, all of them (what the API's or a simulator's logs count).
    requests: int = 1
    #: Of those, the ones sent without the credential, outside the rate-limit budget
    #: (download links handed back by the API).
    unbudgeted: int = 0
    #: Waits that are not the rate limit (an export job's status polls).
    wait_seconds: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.requests + other.requests,
            self.unbudgeted + other.unbudgeted,
            self.wait_seconds + other.wait_seconds,
        )


@dataclass
class StreamPlan:
    windows: int = 0
    cost: Cost = field(default_factory=lambda: Cost(0))
    #: Partitions planned (None: the stream is not partitioned).
    partitions: int | None = None
    notes: list[str] = field(default_factory=list)
    complete: bool = True
    #: Seconds per budgeted request at the configured rate limit.
    seconds_per_request: float = 0.0

    @property
    def requests(self) -> int:
        return self.cost.requests

    @property
    def seconds(self) -> float:
        budgeted = self.cost.requests - self.cost.unbudgeted
        return budgeted * self.seconds_per_request + self.cost.wait_seconds


@dataclass
class TapPlan:
    streams: dict[str, StreamPlan] = field(default_factory=dict)
    #: Requests a run sends once, for no one stream (what: plan), e.g. a probe of how the
    #: API reads a bound; from the tap's ``plan_overhead(plan)`` hook.
    overhead: dict[str, StreamPlan] = field(default_factory=dict)

    def _all(self) -> list[StreamPlan]:
        return [*self.streams.values(), *self.overhead.values()]

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self._all())

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self._all())

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.streams.values())

    def as_dict(self) -> dict[str, t.Any]:
        streams: dict[str, t.Any] = {}
        for name, plan in self.streams.items():
            entry: dict[str, t.Any] = {
                "windows": plan.windows,
                "requests": plan.requests,
                "seconds": round(plan.seconds, 1),
            }
            if plan.partitions is not None:
                entry["partitions"] = plan.partitions
            if plan.notes:
                entry["notes"] = list(plan.notes)
            streams[name] = entry
        out: dict[str, t.Any] = {"streams": streams}
        if self.overhead:
            out["overhead"] = {what: p.requests for what, p in self.overhead.items()}
        out |= {
            "requests": self.requests,
            "seconds": round(self.seconds, 1),
        }
        if not self.complete:
            out["complete"] = False
        return out

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def lines(self) -> list[str]:
        width = max([len("stream"), *(len(n) for n in self.streams)])
        rows = [f"{'stream':<{width}}  {'windows':>8}  {'requests':>9}  {'time':>10}  notes"]
        for name, plan in self.streams.items():
            notes = list(plan.notes)
            if plan.partitions is not None:
                notes.insert(0, f"{plan.partitions} partition(s)")
            rows.append(
                f"{name:<{width}}  {plan.windows:>8}  {plan.requests:>9}  "
                f"{duration(plan.seconds):>10}  {'; '.join(notes)}"
            )
        for what, plan in self.overhead.items():
            rows.append(
                f"{'(run)':<{width}}  {'':>8}  {plan.requests:>9}  "
                f"{duration(plan.seconds):>10}  {what}"
            )
        total = f"{'total':<{width}}  {'':>8}  {self.requests:>9}  {duration(self.seconds):>10}"
        if not self.complete:
            total += "  incomplete: see the notes"
        rows.append(total)
        return rows

    def text(self) -> str:
        return "\n".join(self.lines())


def duration(seconds: float) -> str:
    """``1h05m``, ``4m10s``, ``12s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


@contextlib.contextmanager
def planning(tap: t.Any) -> Iterator[None]:
    """While planning: no request leaves the tap, and the tap's state is as it was after."""
    state = tap.state
    saved = copy.deepcopy(state)
    # The SDK logs "Starting incremental sync" where the plan reads a bookmark: not so.
    loggers = [stream.logger for stream in tap.streams.values()]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(max(log.getEffectiveLevel(), logging.WARNING))
    tap.run_context.planning = True
    try:
        yield
    finally:
        tap.run_context.planning = False
        state.clear()
        state.update(saved)
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def selected_streams(tap: t.Any) -> list[t.Any]:
    return [
        s for s in tap.streams.values() if s.selected and not getattr(s, "parent_stream_type", None)
    ]


def plan_tap(tap: t.Any) -> TapPlan:
    """The plan of a run of ``tap`` with its settings, STATE and catalog."""
    plan = TapPlan()
    with planning(tap):
        for stream in selected_streams(tap):
            plan_stream = getattr(stream, "plan_stream", None)
            if plan_stream is None:
                plan.streams[stream.name] = StreamPlan(
                    notes=["not planned (not a kit stream)"], complete=False
                )
                continue
            plan.streams[stream.name] = plan_stream()
        overhead = getattr(tap, "plan_overhead", None)
        if overhead is not None:
            plan.overhead.update(overhead(plan))
    return plan
