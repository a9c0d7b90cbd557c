"""Base class of a date-windowed report stream.

A report stream declares *what* (its window policy, keys, schema) and implements one hook,
:meth:`DateWindowStream.records_for_window`, that turns one planned window into rows. The
base decides *how*: where the sync starts (bookmark, lookback, start_date), the ascending
window plan, the order of rows, and a STATE message after every finished window so an
interrupted sync resumes at the first unfinished one.

State is the SDK's own incremental state (``replication_key`` with ``is_sorted``); the
replication value is the UTC instant of the window (or bucket) start. Lookback re-emits
rows older than the bookmark, so ``check_sorted`` is off; keys make those rows upserts.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from tapkit.client import KitRESTStream
from tapkit.errors import StateError
from tapkit.windows import (
    SyncRange,
    Window,
    WindowError,
    WindowPolicy,
    config_day,
    get_zone,
    parse_datetime,
    plan_windows,
    resolve_range,
)


def utc_iso(moment: dt.datetime) -> str:
    """Replication values are UTC ISO strings: they compare correctly as text."""
    return moment.astimezone(dt.UTC).isoformat()


class DateWindowStream(KitRESTStream):
    """A stream fetched window by window over ``[start_date or bookmark, today]``."""

    window_policy: t.ClassVar[WindowPolicy] = WindowPolicy()
    replication_key = "window_start"
    is_sorted = True
    check_sorted = False
    # STATE is written after every finished window instead (see get_records).
    STATE_MSG_FREQUENCY = 10**12
    #: Rows of a window are held and sorted by the replication key before they go out.
    #: A stream whose rows all carry their window's own replication value (nothing to
    #: sort) may set this False: rows then go out as they arrive, and memory does not
    #: grow with the size of a window. The STATE still follows the finished window.
    buffer_window_rows: t.ClassVar[bool] = True

    @property
    def tz(self) -> ZoneInfo:
        return get_zone(str(self.config.get("timezone") or "UTC"))

    def bookmark(self, context: t.Mapping[str, t.Any] | None) -> dt.datetime | None:
        """The stored bookmark for this stream (partition), or None on a first run."""
        value = self.get_starting_replication_key_value(context)  # type: ignore[arg-type]
        if value in (None, ""):
            return None
        try:
            return parse_datetime(str(value))
        except WindowError as exc:
            msg = (
                f"State for stream '{self.name}' has bookmark {value!r}, which is not a "
                "date-time. Clear it with `meltano state clear <state_id>` (or fix the "
                "state file) and run again."
            )
            raise StateError(msg) from exc

    def _parse_datetime(self, value: str) -> dt.datetime:
        # The SDK parses the stored bookmark before any record is read; a corrupt one
        # must say which stream and how to fix it, not raise a bare ValueError.
        try:
            return super()._parse_datetime(value)
        except (TypeError, ValueError) as exc:
            msg = (
                f"State for stream '{self.name}' has bookmark {value!r}, which is not a "
                "date-time. Clear it with `meltano state clear <state_id>` (or fix the "
                "state file) and run again."
            )
            raise StateError(msg) from exc

    def sync_range(self, context: t.Mapping[str, t.Any] | None) -> SyncRange:
        end = self.config.get("end_date")
        return resolve_range(
            tz=self.tz,
            start_date=config_day(self.config["start_date"]),
            bookmark=self.bookmark(context),
            lookback_days=int(self.config.get("lookback_days") or 0),
            end_date=config_day(end) if end else None,
            now=self.now(),
        )

    def now(self) -> dt.datetime:
        """The current instant (a seam for tests)."""
        return dt.datetime.now(dt.UTC)

    def plan(self, context: t.Mapping[str, t.Any] | None) -> list[Window]:
        span = self.sync_range(context)
        return plan_windows(span.start, span.end, self.window_policy)

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        """Rows for one window; every row carries the replication key."""
        raise NotImplementedError

    def window_columns(self, window: Window) -> dict[str, t.Any]:
        """Columns that say which window a row describes."""
        return {
            "window_start": utc_iso(window.start),
            "window_end": utc_iso(window.end),
            "window_date": window.start.date().isoformat(),
            "timezone": str(self.tz.key),
        }

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        windows = self.plan(context)
        if windows:
            self.logger.info(
                "%s: %d window(s) from %s to %s",
                self.name,
                len(windows),
                windows[0].start.date(),
                windows[-1].end.date(),
            )
        for window in windows:
            if self.buffer_window_rows:
                rows = list(self.records_for_window(window, context))
                rows.sort(key=lambda row: row[self.replication_key])
                yield from rows
                emitted = bool(rows)
            else:
                emitted = False
                for row in self.records_for_window(window, context):
                    emitted = True
                    yield row
            if emitted:
                # The window is complete: persist the bookmark before the next request.
                self._write_state_message()
