"""Base class of a date-windowed report stream.

A report stream declares *what* (its window policy, keys, schema) and implements one hook,
:meth:`DateWindowStream.records_for_window`, that turns one planned window into rows. The
base decides *how*: where the sync starts (bookmark, lookback, start_date), the ascending
window plan, the order of rows, and a STATE message after every finished window so an
interrupted sync resumes at the first unfinished one.

State is the SDK's own incremental state (``replication_key`` with ``is_sorted``); the
replication value is the UTC instant of the window (or bucket) start. Lookback re-emits
rows older than the bookmark, so ``check_sorted`` is off; keys make those rows upserts.
Two guards make that safe:

* **The bookmark never walks back.** Lookback rows carry replication values below the
  input bookmark; the stored bookmark is held at the input's (see
  :meth:`DateWindowStream.hold_bookmark_floor`), so an interrupted lookback leaves the
  state where it was, not days earlier.
* **A re-fetched window replaces what was loaded for it.** Keys that a re-fetched window
  no longer lists are emitted again as tombstones (with ``_sdc_deleted_at``), remembered
  in the stream's state under ``vanished_keys``: see :mod:`tapkit.tombstones`, whose
  :class:`~tapkit.tombstones.VanishedKeysMixin` this base uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from tapkit.errors import StateError
from tapkit.plan import Cost
from tapkit.schema import WINDOW_COLUMNS
from tapkit.tombstones import VanishedKeysMixin
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


class DateWindowStream(VanishedKeysMixin):
    """A stream fetched window by window over ``[start_date or bookmark, today]``."""

    window_policy: t.ClassVar[WindowPolicy] = WindowPolicy()
    replication_key = "window_start"
    is_sorted = True
    check_sorted = False
    # STATE is written after every finished window instead (see get_records).
    STATE_MSG_FREQUENCY = 10**12
    # Rows are buffered per window (``buffer_window_rows``) and keys that vanish from a
    # re-fetched window tracked (``track_vanished_keys``) unless a stream says otherwise:
    # both are declared by VanishedKeysMixin.
    #: Every row says which window it was fetched in (see :meth:`window_columns`).
    kit_columns: t.ClassVar[tuple[str, ...]] = WINDOW_COLUMNS

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

    # -- planning (see tapkit.plan) -----------------------------------------------------

    def window_cost(self, window: Window, context: t.Mapping[str, t.Any] | None) -> Cost:
        """What :meth:`records_for_window` sends for ``window``: one request here."""
        return Cost(1)

    def plan_cost(self, context: t.Mapping[str, t.Any] | None) -> tuple[int, Cost]:
        """(windows, cost) of one partition: the windows a run would plan from the same
        settings and STATE, each at :meth:`window_cost`."""
        # The SDK sets a partition's starting value when its sync begins; the plan reads
        # the bookmark the same way, with the same public call of the stream's state
        # manager (tapkit.plan restores the state afterwards).
        self.state_manager.write_starting_replication_value(
            context=context,  # type: ignore[arg-type]
            replication_method=self.replication_method,
            replication_key=self.replication_key,
            config=dict(self.config),
            compare_start_date_fn=self.compare_start_date,
        )
        windows = self.plan(context)
        cost = Cost(0)
        for window in windows:
            cost = cost + self.window_cost(window, context)
        return len(windows), cost

    def window_columns(self, window: Window) -> dict[str, t.Any]:
        """Columns that say which window a row describes."""
        return {
            "window_start": utc_iso(window.start),
            "window_end": utc_iso(window.end),
            "window_date": window.start.date().isoformat(),
            "timezone": str(self.tz.key),
        }

    # -- keys that vanish from a re-fetched window (see tapkit.tombstones) ---------------

    def retained_days(self) -> int:
        """How far back from the newest window a later run may fetch again: lookback,
        widened by the policy's minimum span, plus a day of slack."""
        lookback = int(self.config.get("lookback_days") or 0)
        return lookback + max(self.window_policy.min_days, 1) + 1

    def retained_span(self) -> dt.timedelta:
        """How long before a window's end the keys it emitted are remembered: a stream
        whose periods are shorter than a day (and whose lookback is) may remember less."""
        return dt.timedelta(days=self.retained_days())

    # -- the bookmark never walks back ------------------------------------------------

    @functools.cached_property
    def bookmark_floors(self) -> list[tuple[t.Any, str]]:
        """(context, input bookmark) of each partition synced so far, for the signal
        handler to hold before it writes the last STATE."""
        return []

    def hold_bookmark_floors(self) -> None:
        for context, floor in self.bookmark_floors:
            self.hold_bookmark_floor(context, floor)

    def hold_bookmark_floor(self, context: t.Mapping[str, t.Any] | None, floor: str | None) -> None:
        """Keep the stored bookmark at or above the input STATE's: lookback rows carry
        older replication values, and a run interrupted while re-fetching them must
        not leave a bookmark days earlier than the one it started from."""
        if floor is None:
            return
        state = self.get_context_state(context)  # type: ignore[arg-type]
        current = state.get("replication_key_value")
        if current is None or parse_datetime(str(current)) < parse_datetime(floor):
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = floor

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        self.check_plan_once()
        # The input STATE's bookmark (not start_date, which the SDK also reports as the
        # starting value of a first run).
        stored = self.get_context_state(context).get("replication_key_value")
        floor = str(stored) if stored not in (None, "") else None
        if floor is not None:
            self.bookmark(context)  # a corrupt bookmark stops here, naming the stream
            self.bookmark_floors.append((context, floor))
        tracking = self.tracks_vanished_keys(context)
        windows = self.plan(context)
        self.progress.planned(len(windows))
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
                if tracking:
                    deleted_at = utc_iso(self.now())
                    rows.extend(self.tombstones(window, rows, context, deleted_at))
                rows.sort(key=lambda row: row[self.replication_key])
                yield from rows
                emitted = bool(rows)
                count = len(rows)
            else:
                count = 0
                for row in self.records_for_window(window, context):
                    count += 1
                    yield row
                emitted = bool(count)
            self.progress.window_done(count)
            self.hold_bookmark_floor(context, floor)
            if emitted or tracking:
                # The window is complete: persist the bookmark (and the keys it now
                # lists) before the next request.
                self.emit_state()
        self.hold_bookmark_floor(context, floor)
