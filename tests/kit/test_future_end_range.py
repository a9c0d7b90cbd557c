"""``resolve_range`` caps a future ``end_date`` at the end of today (local)."""

from __future__ import annotations

import datetime as dt

import pytest

from tapkit.windows import get_zone, resolve_range


@pytest.mark.parametrize("tz", ["UTC", "Australia/Sydney", "America/Los_Angeles"])
@pytest.mark.parametrize("end", [dt.date(2026, 12, 31), dt.date(2027, 6, 1)])
def test_a_future_end_date_ends_the_range_after_today(tz: str, end: dt.date) -> None:
    zone = get_zone(tz)
    now = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    span = resolve_range(
        tz=zone,
        start_date=dt.date(2026, 11, 20),
        bookmark=None,
        lookback_days=0,
        end_date=end,
        now=now,
    )
    today = now.astimezone(zone).date()
    tomorrow = today + dt.timedelta(days=1)
    assert span.end == dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone)


def test_a_past_end_date_is_kept() -> None:
    span = resolve_range(
        tz=get_zone("UTC"),
        start_date=dt.date(2026, 11, 1),
        bookmark=None,
        lookback_days=0,
        end_date=dt.date(2026, 11, 10),
        now=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
    )
    assert span.end == dt.datetime(2026, 11, 11, tzinfo=dt.UTC)


def test_a_bookmark_past_today_gives_an_empty_range_even_with_a_future_end_date() -> None:
    span = resolve_range(
        tz=get_zone("UTC"),
        start_date=dt.date(2026, 11, 1),
        bookmark=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        lookback_days=1,
        end_date=dt.date(2026, 12, 31),
        now=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
    )
    assert span.start == span.end == dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
