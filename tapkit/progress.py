"""Progress of a long sync, logged at a steady cadence.

A backfill of months runs for hours at a vendor's rate limit; the log says, once a
minute, where it is: windows done of total, requests
sent, rows emitted, time elapsed and the time left at the pace so far. Short runs (done
before the first interval) log nothing extra.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tapkit.plan import duration

#: Seconds between two progress lines.
PROGRESS_INTERVAL = 60.0


@dataclass
class Progress:
    """Counts of one stream's sync (all its partitions), and when it last said so."""

    name: str
    logger: logging.Logger
    interval: float = PROGRESS_INTERVAL
    clock: Callable[[], float] = time.monotonic
    windows_total: int = 0
    windows_done: int = 0
    requests: int = 0
    rows: int = 0
    started: float = field(default=0.0)
    last_said: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.last_said = self.clock()

    def planned(self, windows: int) -> None:
        self.windows_total += windows

    def window_done(self, rows: int) -> None:
        self.windows_done += 1
        self.rows += rows
        now = self.clock()
        if now - self.last_said >= self.interval:
            self.last_said = now
            self.logger.info("%s", self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self.started
        left = self.windows_total - self.windows_done
        eta = elapsed / self.windows_done * left if self.windows_done else 0.0
        return (
            f"{self.name}: progress {self.windows_done}/{self.windows_total} window(s), "
            f"{self.requests} request(s), {self.rows} row(s), {duration(elapsed)} elapsed, "
            f"about {duration(eta)} left"
        )
