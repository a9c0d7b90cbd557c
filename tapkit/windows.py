"""Date-window planning: half-open windows aligned to local midnight, DST-correct.

Nothing here knows a vendor. A stream declares a :class:`WindowPolicy` and the planner
turns (start, end, timezone) into an ascending list of :class:`Window` objects.

Vocabulary:

* ``start``/``end`` of a window: the half-open range ``[start, end)`` whose rows the stream
  emits. Both are aware datetimes at local midnight in the configured timezone.
* ``request_start``/``request_end``: the range actually asked of the API. It is wider than
  ``[start, end)`` only when the API needs a minimum span (for example because it changes
  its grain for short ranges); rows outside ``[start, end)`` are then dropped by the stream
  (or re-emitted as upserts, if the stream prefers).
* ``fixed_offset``: set when the policy splits on UTC-offset changes. APIs that bucket by
  the request's UTC offset (not by a timezone name) need every window to stay inside one
  offset, so windows are cut at the local midnight after each DST change and the request
  range is expressed in that single offset.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = dt.timedelta(days=1)


class WindowError(ValueError):
    """A window cannot be planned from the given settings."""


def get_zone(name: str) -> ZoneInfo:
    """Return the IANA timezone ``name`` or raise a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"'{name}' is not an IANA timezone name (for example 'UTC' or 'Australia/Sydney')"
        raise WindowError(msg) from exc


def local_midnight(moment: dt.datetime | dt.date, tz: ZoneInfo) -> dt.datetime:
    """The local midnight (in ``tz``) that starts the local day containing ``moment``.

    A naive datetime is read as UTC, a date as that calendar day in ``tz``.
    """
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        day = moment.astimezone(tz).date()
    else:
        day = moment
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def add_days(midnight: dt.datetime, days: int) -> dt.datetime:
    """Add calendar days to a local midnight, staying on local midnight across DST."""
    tz = midnight.tzinfo
    day = midnight.date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Number of calendar days from local midnight ``start`` to local midnight ``end``."""
    return (end.date() - start.date()).days


@dataclass(frozen=True)
class WindowPolicy:
    """How a stream cuts time into requests.

    Attributes:
        max_days: longest window one request may cover (the API's cap, or 1 for a report
            that must be asked day by day).
        min_days: shortest range one request may cover (e.g. because the API switches to
            hourly buckets below it). Shorter windows are widened backwards.
        split_on_offset_change: cut windows where the zone's UTC offset changes, for APIs
            that bucket by the request's fixed offset.
    """

    max_days: int = 1
    min_days: int = 1
    split_on_offset_change: bool = False

    def __post_init__(self) -> None:
        if self.max_days < 1 or self.min_days < 1:
            msg = "window spans must be at least one day"
            raise WindowError(msg)


@dataclass(frozen=True)
class Window:
    """One planned request window; see the module docstring for the fields."""

    start: dt.datetime
    end: dt.datetime
    request_start: dt.datetime
    request_end: dt.datetime
    fixed_offset: dt.timedelta | None = None

    @property
    def days(self) -> int:
        return days_between(self.start, self.end)

    @property
    def emit_end(self) -> dt.datetime:
        """End of the rows this window emits: ``end``, or for a fixed-offset window the
        end of its last whole 24-hour bucket (a DST day is not 24 hours long)."""
        return self.request_end if self.fixed_offset is not None else self.end

    def contains(self, moment: dt.datetime) -> bool:
        """Whether an aware instant falls inside the rows this window emits."""
        return self.start <= moment < self.emit_end

    def in_request_offset(self, moment: dt.datetime) -> dt.datetime:
        """Express ``moment`` in the offset the request uses (fixed or the zone's)."""
        if self.fixed_offset is not None:
            return moment.astimezone(dt.timezone(self.fixed_offset))
        return moment


def _offset_segments(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Split ``[start, end)`` at local midnights where the UTC offset differs from the
    offset of the segment's first midnight."""
    segments = []
    seg_start = start
    offset = seg_start.utcoffset()
    day = add_days(start, 1)
    while day < end:
        if day.utcoffset() != offset:
            segments.append((seg_start, day))
            seg_start, offset = day, day.utcoffset()
        day = add_days(day, 1)
    segments.append((seg_start, end))
    return segments


def plan_windows(start: dt.datetime, end: dt.datetime, policy: WindowPolicy) -> list[Window]:
    """Plan ascending windows covering ``[start, end)`` (both local midnights).

    Every window has at most ``policy.max_days`` days; a request range is widened backwards
    to ``policy.min_days`` where a window is shorter. Returns an empty list when
    ``start >= end``.
    """
    if start.tzinfo is None or end.tzinfo is None:
        msg = "window bounds must be timezone-aware"
        raise WindowError(msg)
    if start >= end:
        return []
    pieces = _offset_segments(start, end) if policy.split_on_offset_change else [(start, end)]
    windows: list[Window] = []
    for seg_start, seg_end in pieces:
        cursor = seg_start
        while cursor < seg_end:
            nxt = min(add_days(cursor, policy.max_days), seg_end)
            windows.append(_widen(cursor, nxt, policy))
            cursor = nxt
    return windows


def _widen(start: dt.datetime, end: dt.datetime, policy: WindowPolicy) -> Window:
    if not policy.split_on_offset_change:
        request_start = start
        if days_between(start, end) < policy.min_days:
            request_start = add_days(end, -policy.min_days)
        return Window(start, end, request_start, end, None)
    # Fixed-offset API: every bucket is 24 h long in the window's own offset, so compute
    # the request in that offset, in whole days, widened backwards to the minimum span.
    fixed = start.utcoffset() or dt.timedelta(0)
    fixed_tz = dt.timezone(fixed)
    f_start = start.astimezone(fixed_tz)
    span = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    n_days = round(span / DAY)
    request_start = f_start - max(policy.min_days - n_days, 0) * DAY
    return Window(start, end, request_start, f_start + n_days * DAY, fixed)


@dataclass(frozen=True)
class SyncRange:
    """The resolved ``[start, end)`` of one sync, in local midnights."""

    start: dt.datetime
    end: dt.datetime


def resolve_range(
    *,
    tz: ZoneInfo,
    start_date: dt.datetime | dt.date,
    bookmark: dt.datetime | None,
    lookback_days: int,
    end_date: dt.datetime | dt.date | None,
    now: dt.datetime | None = None,
) -> SyncRange:
    """Resolve the local-midnight range a sync covers.

    * Without a bookmark the sync starts at ``start_date``'s local day.
    * With one it starts ``lookback_days`` before the bookmark's local day, never before
      ``start_date``.
    * It ends after the local day of ``end_date`` (inclusive), or after today (the current
      day is fetched but, being the last window, stays the bookmark and is fetched again by
      the next run). It never starts in the future: a bookmark past today gives an empty
      range.
    """
    now = now or dt.datetime.now(dt.UTC)
    floor = local_midnight(start_date, tz)
    if bookmark is not None:
        start = add_days(local_midnight(bookmark, tz), -max(lookback_days, 0))
        start = max(start, floor)
    else:
        start = floor
    limit = add_days(local_midnight(now, tz), 1)
    end = limit if end_date is None else min(add_days(local_midnight(end_date, tz), 1), limit)
    if start >= end:
        return SyncRange(end, end)
    return SyncRange(start, end)


def parse_datetime(value: str | dt.datetime | dt.date) -> dt.datetime:
    """Parse an ISO 8601 date or datetime; naive values are read as UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            msg = f"'{value}' is not an ISO 8601 date or date-time (e.g. 2024-01-31)"
            raise WindowError(msg) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def config_day(value: str | dt.datetime | dt.date) -> dt.date | dt.datetime:
    """A ``start_date``/``end_date`` setting as the planner should read it.

    A date (``2026-10-31``) or a naive date-time means that calendar day in the configured
    timezone, not UTC midnight (which is the previous local day west of UTC). Only a
    date-time with an explicit offset is an instant.
    """
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    has_offset = text.endswith("Z") or bool(re.search(r"[+-]\d\d:?\d\d$", text[10:]))
    parsed = parse_datetime(text)
    return parsed if has_offset else parsed.date()


def isoformat_offset(moment: dt.datetime) -> str:
    """RFC 3339 with a numeric offset and whole seconds (``2024-04-01T00:00:00+11:00``)."""
    return moment.replace(microsecond=0).isoformat()
