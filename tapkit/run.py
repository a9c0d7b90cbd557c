"""What one run of a tap knows about itself, shared by the tap and its streams.

A :class:`~tapkit.tap.KitTap` makes one :class:`RunContext` before the SDK builds any
stream; every :class:`~tapkit.client.KitRESTStream` of that tap holds the same object.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field


class Once:
    """Keys already acted on: :meth:`first_time` is true once per key (a notice said once,
    not once per row or per window)."""

    def __init__(self) -> None:
        self.seen: set[t.Hashable] = set()

    def first_time(self, key: t.Hashable) -> bool:
        """True the first time ``key`` is asked about (act on it then)."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


@dataclass
class RunContext:
    """Run-scoped flags (one object per tap instance)."""

    #: A plan is being made (:func:`tapkit.plan.planning`): no stream may send a request.
    planning: bool = False
    #: The first stream to read has looked at the run's plan (logged when it is long).
    plan_checked: bool = False
    #: The kit's own settings checks are still to run (see :meth:`KitTap.begin_run`).
    settings_to_check: bool = False
    #: The kit's checks after the SDK's constructor have run once.
    begun: bool = False
    #: What was already said once this run, by any stream (see
    #: :meth:`~tapkit.client.KitRESTStream.warn_once`).
    said: Once = field(default_factory=Once)

    def first_time(self, key: t.Hashable) -> bool:
        """True the first time ``key`` comes up in this run."""
        return self.said.first_time(key)
