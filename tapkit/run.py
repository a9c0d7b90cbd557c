"""What one run of a tap knows about itself, shared by the tap and its streams.

A :class:`~tapkit.tap.KitTap` makes one :class:`RunContext` before the SDK builds any
stream; every :class:`~tapkit.client.KitRESTStream` of that tap holds the same object.
"""

from __future__ import annotations

from dataclasses import dataclass


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
